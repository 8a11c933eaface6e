"""A browser tab without a browser: drives one ``neuroexam serve`` session over its websocket.

It speaks textual-serve's front-end protocol (JSON ``["stdin", text]`` / ``["resize", {...}]``
messages in, terminal bytes out) and keeps the text of the screen output with escape sequences
removed, enough to wait for a screen by a phrase it shows. Shared by tests/web and
benchmarks/web.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

import aiohttp

#: CSI, OSC and two-byte escape sequences: what separates the text runs of a screen update.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

KEYS = {
    "tab": "\t",
    "enter": "\r",
    "escape": "\x1b",
    "backspace": "\x7f",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "space": " ",
    "f1": "\x1bOP",
    "f5": "\x1b[15~",
    "ctrl+q": "\x11",
}


def screen_text(data: bytes) -> str:
    """Terminal output as plain text (escape sequences dropped)."""
    return ESCAPES.sub("", data.decode("utf-8", "replace"))


class Tab:
    """One websocket session: send keys, read what the app draws."""

    def __init__(self, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.websocket = websocket
        self.output = bytearray()
        self.last_data = time.perf_counter()
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.websocket:
            if message.type is aiohttp.WSMsgType.BINARY:
                self.output.extend(message.data)
                self.last_data = time.perf_counter()
                self._arrived.set()
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.ERROR):
                break

    @property
    def closed(self) -> bool:
        return self._reader.done()

    def text(self, since: int = 0) -> str:
        return screen_text(bytes(self.output[since:]))

    async def send_key(self, key: str) -> None:
        """One key as its own message, as the browser's terminal sends a key press."""
        await self.websocket.send_json(["stdin", KEYS.get(key, key)])

    async def resize(self, width: int, height: int) -> None:
        await self.websocket.send_json(["resize", {"width": width, "height": height}])

    async def wait_for_text(self, phrase: str, since: int = 0, timeout: float = 20.0) -> float:
        """Wait until ``phrase`` appears in the output after byte ``since``; the time it took."""
        start = time.perf_counter()
        while phrase not in self.text(since):
            remaining = timeout - (time.perf_counter() - start)
            if remaining <= 0 or self.closed:
                tail = self.text(since)[-600:]
                raise TimeoutError(f"{phrase!r} not shown after {timeout} s; last output: {tail!r}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(remaining, 0.5))
        return time.perf_counter() - start

    async def wait_for_output(self, since: int, timeout: float = 10.0) -> float:
        """Wait until any output arrives after byte ``since``; the time it took."""
        start = time.perf_counter()
        while len(self.output) <= since:
            self._arrived.clear()
            remaining = timeout - (time.perf_counter() - start)
            if remaining <= 0 or self.closed:
                raise TimeoutError(f"no output after {timeout} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        return time.perf_counter() - start

    async def settle(self, quiet: float = 0.25, timeout: float = 10.0) -> None:
        """Wait until the app has drawn nothing for ``quiet`` seconds (it is idle)."""
        start = time.perf_counter()
        while time.perf_counter() - self.last_data < quiet:
            if time.perf_counter() - start > timeout:
                return
            await asyncio.sleep(quiet / 4)

    async def close(self) -> None:
        await self.websocket.close()
        await asyncio.wait_for(self._reader, 30)
