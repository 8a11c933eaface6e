"""Smoke test in a real browser: headless Chromium opens the token link and reaches the wizard.

Runs where Debian's Chromium is installed (``apt-get install chromium``) and the
``browser-tests`` extra (Playwright) is in the environment; ``.ci/run`` installs the extra when
/usr/bin/chromium exists. It saves a screenshot of the exam wizard (``NEUROEXAM_SCREENSHOTS=DIR``
keeps a copy) and checks that the page made no request to any other host.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from neuroexam.records.store import Store
from neuroexam.web.options import app_command
from neuroexam.web.server import COOKIE_NAME
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.web.conftest import served
from tests.web.terminal import screen_text

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium smoke test: /usr/bin/chromium is not installed (apt-get install chromium)",
        allow_module_level=True,
    )
async_api = pytest.importorskip(
    "playwright.async_api",
    reason="Chromium smoke test: Playwright is not installed (pip install -e '.[browser-tests]')",
)

PATIENT_ID = "P-CHROME-1"


async def _until(condition: Callable[[], object], what: str, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"not reached in {timeout} s: {what}"
        await asyncio.sleep(0.1)


def _findings(patient_id: str) -> int | None:
    store = Store()
    try:
        for listing in store.listings():
            if listing.patient_id == patient_id:
                return listing.findings
        return None
    finally:
        store.close()


async def test_chromium_reaches_the_wizard_with_only_local_requests(
    token: str, tmp_path: Path
) -> None:
    async with served(token, command=app_command()) as client:
        base = f"http://127.0.0.1:{client.port}"
        async with async_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            context = await browser.new_context(viewport={"width": 1180, "height": 820})
            page = await context.new_page()
            requests: list[str] = []
            console: list[str] = []
            frames = bytearray()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: console.append(message.text))
            page.on("pageerror", lambda error: console.append(f"page error: {error}"))

            def on_websocket(websocket: object) -> None:
                def received(payload: object) -> None:
                    if isinstance(payload, bytes):
                        frames.extend(payload)

                websocket.on("framereceived", received)  # type: ignore[attr-defined]

            page.on("websocket", on_websocket)

            def shown(phrase: str, since: int = 0) -> Callable[[], bool]:
                return lambda: phrase in screen_text(bytes(frames[since:]))

            async def quiet() -> None:
                size = -1
                while size != len(frames):
                    size = len(frames)
                    await asyncio.sleep(0.4)

            await page.goto(f"{base}/?token={token}")
            await page.wait_for_url(f"{base}/")  # the token is gone from the address bar
            await _until(shown("scratch and cutaneous trunci reflex exam"), "home screen")
            await quiet()
            cookies = {c["name"]: c for c in await context.cookies()}
            assert cookies[COOKIE_NAME]["httpOnly"] is True
            assert cookies[COOKIE_NAME]["sameSite"] == "Strict"
            await page.screenshot(path=str(tmp_path / "home.png"))

            await page.focus("textarea.xterm-helper-textarea")
            mark = len(frames)
            await page.keyboard.press("n")
            await _until(shown("Signalment", mark), "intake screen")
            await quiet()
            for text in (PATIENT_ID, "Tab", "Oscar", "Tab", "ArrowRight", "Tab", "Dachshund"):
                if text in ("Tab", "ArrowRight"):
                    await page.keyboard.press(text)
                else:
                    await page.keyboard.type(text, delay=40)
                await quiet()
            await page.keyboard.press("Tab")
            await page.keyboard.type("5", delay=40)
            await quiet()
            await page.keyboard.press("F5")
            await _until(lambda: _findings(PATIENT_ID) == 0, "exam saved at F5")
            await quiet()
            await page.keyboard.press("a")
            await _until(lambda: _findings(PATIENT_ID) == 1, "first finding saved")
            await quiet()
            shot = tmp_path / "wizard.png"
            await page.screenshot(path=str(shot))
            await context.close()
            await browser.close()

    assert shot.stat().st_size > 10_000
    keep = os.environ.get("NEUROEXAM_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in ("home.png", "wizard.png"):
            shutil.copy(tmp_path / name, Path(keep) / name)
    local = (f"{base}/", f"ws://127.0.0.1:{client.port}/")
    outside = [url for url in requests if not url.startswith(local)]
    assert outside == []
    assert [m for m in console if "Content Security Policy" in m or "page error" in m] == []
