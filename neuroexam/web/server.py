"""The aiohttp application of ``neuroexam serve``: the guard in front of textual-serve's sessions.

textual-serve 1.1.3 (pinned) is used for what it does well, running one app process per
browser tab (:class:`textual_serve.app_service.AppService`) and its xterm.js front end
(``static/js/textual.js``). Its own ``Server`` is not used: it has no authentication, no Origin
check, no session cap, lists ``/static/`` and its page loads a font from an outside host. Here:

- every request needs the session cookie, set by visiting ``/?token=…`` (401 otherwise);
- a websocket must come from a page of this server (Origin = the host asked for, else 403);
- at most ``max_sessions`` app processes at once (503 with a plain page);
- only the files in :data:`~neuroexam.web.pages.ASSETS` are served (no listings, no outside
  URL in the page, a CSP that allows only this server).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager
from yarl import URL

from neuroexam.web import pages
from neuroexam.web.options import LOOPBACK_NAMES, ServeOptions
from neuroexam.web.token import cookie_value, same_secret

log = logging.getLogger("neuroexam.web")

COOKIE_NAME = "neuroexam_session"
#: A working day: after that the tablet opens the link (or QR code) again.
COOKIE_MAX_AGE = 12 * 60 * 60
#: The websocket heartbeat: a frozen or vanished tablet's app exits after about 1.5 × this.
HEARTBEAT_SECONDS = 15.0
#: Browser messages are keys and sizes: anything bigger is not ours.
MAX_MESSAGE_BYTES = 64 * 1024
MIN_SIZE, MAX_WIDTH, MAX_HEIGHT = 10, 500, 200

#: How long a quitting app may take to exit before it is terminated.
STOP_SECONDS = 10.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Sessions:
    """The app processes now running, one per open websocket, and the cap on them.

    A tab counts from its handshake until its app process has exited and been reaped.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.sockets: set[web.WebSocketResponse] = set()
        #: Tabs whose app is being stopped (kept here so the task lives on if its handler is
        #: cancelled by a vanished client).
        self.ending: set[asyncio.Task[None]] = set()

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def end(self, websocket: web.WebSocketResponse, service: AppService | None) -> asyncio.Task:
        """Stop the tab's app in a task of its own; the count drops when the app has exited."""

        async def finish() -> None:
            try:
                if service is not None:
                    await _stop(service)
            finally:
                self.sockets.discard(websocket)
                self.count -= 1
                log.info("session ended (%d of %d)", self.count, self.limit)

        task = asyncio.ensure_future(finish())
        self.ending.add(task)
        task.add_done_callback(self.ending.discard)
        return task


OPTIONS_KEY = web.AppKey("options", ServeOptions)
SESSIONS_KEY = web.AppKey("sessions", Sessions)
DOWNLOADS_KEY = web.AppKey("downloads", DownloadManager)
HEARTBEAT_KEY = web.AppKey("heartbeat", float)


def plain(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain", charset="utf-8")


def _int(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(text or ""), low), high)
    except ValueError:
        return default


# ------------------------------------------------------------------------------------ the guard


def _scheme(request: web.Request, options: ServeOptions) -> str:
    """The scheme the browser used: ours, or the proxy's (X-Forwarded-Proto, https by default)."""
    if options.tls:
        return "https"
    if options.behind_proxy:
        forwarded = request.headers.get("X-Forwarded-Proto", "https").split(",")[0].strip()
        return "http" if forwarded.lower() == "http" else "https"
    return "http"


def _host_allowed(request: web.Request, options: ServeOptions) -> bool:
    """On loopback (no proxy) only this machine's names: a DNS-rebinding page gets 403."""
    if not options.loopback or options.behind_proxy:
        return True
    host = (request.url.host or "").strip("[]").lower()
    allowed = {*LOOPBACK_NAMES, options.host.strip("[]").lower()}
    if options.public_url:
        allowed.add((URL(options.public_url).host or "").lower())
    return host in allowed


def _origin_of(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme.lower(), (url.host or "").lower(), url.port)


def origin_allowed(request: web.Request, options: ServeOptions) -> bool:
    """The websocket's Origin is this server as the browser sees it (or ``--public-url``)."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    try:
        given = _origin_of(URL(origin))
        served = _origin_of(URL.build(scheme=_scheme(request, options), authority=request.host))
    except ValueError:
        return False
    if given == served:
        return True
    return options.public_url is not None and given == _origin_of(URL(options.public_url))


def _set_cookie(response: web.StreamResponse, options: ServeOptions, value: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=options.secure_cookie,
    )


def make_guard(options: ServeOptions, token: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """The middleware every request passes: host, then token link or cookie (401)."""
    expected_cookie = cookie_value(token)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not _host_allowed(request, options):
            log.warning("refused host %r from %s", request.host, request.remote)
            return plain(403, pages.FORBIDDEN_HOST)
        if "token" in request.query:
            if request.path != "/" or not same_secret(request.query.get("token"), token):
                log.warning("refused a wrong token from %s", request.remote)
                return plain(401, pages.UNAUTHORIZED)
            log.info("signed in a browser at %s", request.remote)
            response = web.Response(text=pages.signed_in_page(), content_type="text/html")
            _set_cookie(response, options, expected_cookie)
            return response
        if not same_secret(request.cookies.get(COOKIE_NAME), expected_cookie):
            return plain(401, pages.UNAUTHORIZED)
        return await handler(request)

    return guard


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every answer: only this server's assets, no framing, no referrer, no caching."""
    options = request.app[OPTIONS_KEY]
    ws_scheme = "wss" if _scheme(request, options) == "https" else "ws"
    headers = response.headers
    headers["Content-Security-Policy"] = pages.content_security_policy(
        f"{ws_scheme}://{request.host}"
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Server"] = "neuroexam"
    if request.path in pages.ASSETS and response.status == 200:
        headers["Cache-Control"] = "private, max-age=3600"
    else:
        headers["Cache-Control"] = "no-store"


# ------------------------------------------------------------------------------------ handlers


async def index(request: web.Request) -> web.Response:
    """The terminal page; its websocket URL names the host the browser asked for."""
    options = request.app[OPTIONS_KEY]
    sessions = request.app[SESSIONS_KEY]
    if sessions.full:
        return plain(503, pages.busy(sessions.limit))
    ws_scheme = "wss" if _scheme(request, options) == "https" else "ws"
    font_size = _int(request.query.get("fontsize"), 16, 8, 48)
    body = pages.index_page(f"{ws_scheme}://{request.host}/ws", font_size)
    return web.Response(text=body, content_type="text/html")


async def asset(request: web.Request) -> web.StreamResponse:
    """One file of :data:`pages.ASSETS`; anything else (a folder too) is 404."""
    path = pages.ASSETS.get(request.path)
    if path is None:
        return plain(404, pages.NOT_FOUND)
    response = web.FileResponse(path)
    response.content_type = pages.CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    return response


async def not_found(request: web.Request) -> web.Response:
    return plain(404, pages.NOT_FOUND)


async def _pump(websocket: web.WebSocketResponse, service: AppService) -> None:
    """Browser → app: the JSON messages of textual-serve's front end; anything else ignored."""
    async for message in websocket:
        if message.type is not WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
        except ValueError:
            continue
        if not isinstance(envelope, list) or not envelope:
            continue
        kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            width = _int(str(data.get("width")), 80, MIN_SIZE, MAX_WIDTH)
            height = _int(str(data.get("height")), 24, MIN_SIZE, MAX_HEIGHT)
            await service.set_terminal_size(width, height)
        elif kind == "ping" and isinstance(data, str):
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


async def _stop(service: AppService) -> None:
    """Ask the app to quit (it saves as it goes) and reap it; terminate it if it hangs."""
    process = service._process  # pinned textual-serve: tests/web/test_pins.py
    try:
        await asyncio.wait_for(service.stop(), STOP_SECONDS)
        if process is not None:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        if process is None or process.returncode is not None:
            return
        log.warning("a session's app did not quit; terminating it")
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()


async def session(request: web.Request) -> web.StreamResponse:
    """One browser tab: check Origin (403) and the cap (503), then run one app process."""
    options = request.app[OPTIONS_KEY]
    sessions = request.app[SESSIONS_KEY]
    if not origin_allowed(request, options):
        given = request.headers.get("Origin")
        log.warning("refused a websocket from origin %r at %s", given, request.remote)
        return plain(403, pages.FORBIDDEN_ORIGIN)
    if sessions.full:
        return plain(503, pages.busy(sessions.limit))
    width = _int(request.query.get("width"), 80, MIN_SIZE, MAX_WIDTH)
    height = _int(request.query.get("height"), 24, MIN_SIZE, MAX_HEIGHT)
    websocket = web.WebSocketResponse(
        heartbeat=request.app[HEARTBEAT_KEY], max_msg_size=MAX_MESSAGE_BYTES
    )
    sessions.count += 1
    service: AppService | None = None
    try:
        await websocket.prepare(request)
        sessions.sockets.add(websocket)
        service = AppService(
            options.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,  # type: ignore[arg-type]  # awaited, result unused
            download_manager=request.app[DOWNLOADS_KEY],
        )
        await service.start(width, height)
        log.info("session started (%d of %d)", sessions.count, sessions.limit)
        await _pump(websocket, service)
    except asyncio.CancelledError:
        await websocket.close()
        raise
    except Exception:  # one broken tab must not take the server down
        log.exception("session failed")
    finally:
        await asyncio.shield(sessions.end(websocket, service))
    return websocket


async def _close_sessions(app: web.Application) -> None:
    """On shutdown: close every tab's websocket, so each app quits cleanly (nothing is lost)."""
    for websocket in list(app[SESSIONS_KEY].sockets):
        await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")


async def _await_ending(app: web.Application) -> None:
    """On cleanup: wait until every app process has exited."""
    ending = app[SESSIONS_KEY].ending
    if ending:
        await asyncio.gather(*ending, return_exceptions=True)


def build_app(
    options: ServeOptions, token: str, heartbeat: float = HEARTBEAT_SECONDS
) -> web.Application:
    """The guarded application (``aiohttp.test_utils`` serves it in the tests)."""
    app = web.Application(middlewares=[make_guard(options, token)])
    app[OPTIONS_KEY] = options
    app[SESSIONS_KEY] = Sessions(options.max_sessions)
    app[DOWNLOADS_KEY] = DownloadManager()
    app[HEARTBEAT_KEY] = heartbeat
    app.router.add_get("/", index)
    app.router.add_get("/ws", session)
    app.router.add_get("/static/{path:.*}", asset)
    app.router.add_route("*", "/{path:.*}", not_found)
    app.on_response_prepare.append(_security_headers)
    app.on_shutdown.append(_close_sessions)
    app.on_cleanup.append(_await_ending)
    return app
