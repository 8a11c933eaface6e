"""``neuroexam serve`` benchmark: page to home screen, per-key latency, memory per tab.

    python benchmarks/web.py [--runs 5] [--keys 40] [--sessions 1 3] [--browser]

The server runs in this process on 127.0.0.1 (a fresh temporary NEUROEXAM_HOME); each "tab" is
a websocket client speaking textual-serve's protocol (tests/web/terminal.py), so every figure
includes the real app process per tab, the guard and the websocket, but no browser rendering.

1. Page to home screen: GET the page and its assets with the session cookie, open the
   websocket, until the home screen's text arrives. With N sessions, N tabs open at once;
   median over ``--runs``.
2. Per-key latency in the exam wizard: one key per message (as a browser sends it), from
   sending it to the first screen update that comes back; median and p95 over ``--keys`` keys
   per tab, all tabs typing at once.
3. Memory per tab: RSS and PSS (proportional share of shared pages) of each app process on
   the wizard screen.

``--browser`` also times page to home screen in headless Chromium (Playwright and
/usr/bin/chromium needed), from navigation to the home screen's text in the websocket.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HOME_TEXT = "scratch and cutaneous trunci reflex exam"
ASSETS = ("/static/js/textual.js", "/static/css/xterm.css", "/static/neuroexam.css")


def _children() -> list[int]:
    """Processes whose parent is this one (the tabs' apps: ``exec`` makes the shell the app)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                pids.append(int(entry.name))
    return pids


def _memory_mib(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MiB, from /proc/PID/smaps_rollup."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0]) / 1024
    return values["Rss"], values["Pss"]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _open_tab(session, base: str, origin: str):  # type: ignore[no-untyped-def]
    from tests.web.terminal import Tab

    start = time.perf_counter()
    async with session.get(f"{base}/") as response:
        assert response.status == 200, response.status
        await response.read()
    for asset in ASSETS:
        async with session.get(f"{base}{asset}") as response:
            await response.read()
    websocket = await session.ws_connect(f"{base}/ws?width=120&height=40", origin=origin)
    tab = Tab(websocket)
    await tab.wait_for_text(HOME_TEXT, timeout=60)
    return tab, time.perf_counter() - start


async def _to_wizard(tab, patient_id: str) -> None:  # type: ignore[no-untyped-def]
    await tab.settle()
    mark = len(tab.output)
    await tab.send_key("n")
    await tab.wait_for_text("Signalment", since=mark, timeout=60)
    await tab.settle()
    for key in [*patient_id, "tab", *"Bench", "tab", "right", "tab", *"Beagle", "tab", "5"]:
        await tab.send_key(key)
        await tab.settle(quiet=0.05)
    mark = len(tab.output)
    await tab.send_key("f5")
    await tab.wait_for_text("step 1/", since=mark, timeout=60)
    await tab.settle(quiet=0.5)


async def _keys(tab, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Answer wizard steps: 'a' (absent) keeps each trunci series going, one key at a time."""
    latencies = []
    for _ in range(count):
        await tab.settle(quiet=0.15)
        mark = len(tab.output)
        sent = time.perf_counter()
        await tab.send_key("a")
        await tab.wait_for_output(mark)
        latencies.append((time.perf_counter() - sent) * 1000)
    return latencies


async def _scenario(base: str, cookie: dict[str, str], sessions: int, keys: int):  # type: ignore[no-untyped-def]
    import aiohttp

    origin = base
    async with aiohttp.ClientSession(cookies=cookie) as client:
        opened = await asyncio.gather(*[_open_tab(client, base, origin) for _ in range(sessions)])
        tabs = [tab for tab, _ in opened]
        page_to_home = [seconds for _, seconds in opened]
        await asyncio.gather(*[_to_wizard(tab, f"B-{i}") for i, tab in enumerate(tabs)])
        memory = [_memory_mib(pid) for pid in _children()]
        per_tab = await asyncio.gather(*[_keys(tab, keys) for tab in tabs])
        for tab in tabs:
            await tab.close()
    return page_to_home, [x for latencies in per_tab for x in latencies], memory


async def _idle(sessions) -> None:  # type: ignore[no-untyped-def]
    """Wait until every tab's app has exited (the next run starts with none)."""
    deadline = time.perf_counter() + 60
    while sessions.count and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


async def _browser_page_to_home(base: str, token: str, runs: int) -> list[float] | str:
    from tests.web.chromium import CHROMIUM as chromium
    from tests.web.chromium import CHROMIUM_ARGS as args

    try:
        from playwright.async_api import async_playwright
    except ImportError:
        return "Playwright not installed (pip install -e '.[browser-tests]')"
    if not chromium.exists():
        return "/usr/bin/chromium not installed"
    from tests.web.terminal import screen_text

    times = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=args)
        for _ in range(runs):
            context = await browser.new_context(viewport={"width": 1180, "height": 820})
            page = await context.new_page()
            await page.goto(f"{base}/?token={token}")  # sign in (not timed)
            await page.wait_for_url(f"{base}/")
            await page.goto("about:blank")
            await asyncio.sleep(2.0)  # the sign-in tab's app exits
            frames = bytearray()

            def on_websocket(websocket, frames=frames) -> None:  # type: ignore[no-untyped-def]
                websocket.on(
                    "framereceived", lambda p: frames.extend(p) if isinstance(p, bytes) else None
                )

            page.on("websocket", on_websocket)
            start = time.perf_counter()
            await page.goto(f"{base}/")
            while HOME_TEXT not in screen_text(bytes(frames)):
                if time.perf_counter() - start > 60:
                    return "the home screen did not appear within 60 s"
                await asyncio.sleep(0.01)
            times.append(time.perf_counter() - start)
            await context.close()
            await asyncio.sleep(1.0)  # let the tab's app exit
        await browser.close()
    return times


async def main(args: argparse.Namespace) -> None:
    from aiohttp import web

    from neuroexam.records.paths import data_dir
    from neuroexam.web.options import ServeOptions, app_command
    from neuroexam.web.server import COOKIE_NAME, SESSIONS_KEY, build_app
    from neuroexam.web.token import cookie_value, load_or_create_token

    token = load_or_create_token(data_dir())
    options = ServeOptions(max_sessions=max(args.sessions) + 1, command=app_command())
    app = build_app(options, token)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    cookie = {COOKIE_NAME: cookie_value(token)}
    print(f"neuroexam serve on {base}; {os.cpu_count()} CPUs; app: {options.command}")
    try:
        for sessions in args.sessions:
            homes: list[float] = []
            latencies: list[float] = []
            memory: list[tuple[float, float]] = []
            for _ in range(args.runs):
                home, keys, mem = await _scenario(base, cookie, sessions, args.keys)
                homes += home
                latencies += keys
                memory += mem
                await _idle(app[SESSIONS_KEY])
            rss = [m[0] for m in memory]
            pss = [m[1] for m in memory]
            print(f"{sessions} session{'s' if sessions > 1 else ''} at once ({args.runs} runs)")
            print(
                f"  page to home screen     median {statistics.median(homes):6.2f} s"
                f"   max {max(homes):6.2f} s   ({len(homes)} tabs)"
            )
            print(
                f"  wizard key -> screen    median {statistics.median(latencies):6.1f} ms"
                f"  p95 {_percentile(latencies, 0.95):6.1f} ms   ({len(latencies)} keys)"
            )
            print(
                f"  memory per tab (wizard) RSS {statistics.median(rss):5.1f} MiB"
                f" (max {max(rss):5.1f})   PSS {statistics.median(pss):5.1f} MiB"
                f" (max {max(pss):5.1f})"
            )
        if args.browser:
            result = await _browser_page_to_home(base, token, args.runs)
            if isinstance(result, str):
                print(f"Chromium page to home screen: skipped ({result})")
            else:
                print(
                    f"Chromium page to home screen (1 tab, {len(result)} runs): "
                    f"median {statistics.median(result):.2f} s, max {max(result):.2f} s"
                )
    finally:
        await runner.cleanup()


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each scenario")
    parser.add_argument("--keys", type=int, default=40, help="wizard keys per tab per run")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 3], help="tabs at once")
    parser.add_argument("--browser", action="store_true", help="also time headless Chromium")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _parse()
    with tempfile.TemporaryDirectory(prefix="neuroexam-web-bench-") as home:
        os.environ["NEUROEXAM_HOME"] = home
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
        asyncio.run(main(arguments))
