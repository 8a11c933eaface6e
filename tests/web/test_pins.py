"""What the guard takes from textual-serve: an upgrade that changes any of it fails here.

``neuroexam serve`` runs each tab's app with textual-serve's ``AppService`` and serves its
xterm.js front end (``static/js/textual.js``) with our own page. These tests pin the version
and check the parts used, so a new textual-serve is a deliberate change, not a silent one.
"""

from __future__ import annotations

import inspect
import re
import shlex
import tomllib
from importlib.metadata import version

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from neuroexam.web import pages
from neuroexam.web.options import app_command
from tests.conftest import REPO


def test_textual_serve_is_the_pinned_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [p for p in project["project"]["optional-dependencies"]["web"] if "textual-serve" in p]
    assert pins == [f"textual-serve=={version('textual-serve')}"]
    lock = (REPO / "requirements-lock.txt").read_text(encoding="utf-8").splitlines()
    assert f"textual-serve=={version('textual-serve')}" in lock


def test_app_service_api_the_session_handler_uses() -> None:
    parameters = inspect.signature(AppService.__init__).parameters
    for name in ("command", "write_bytes", "write_str", "close", "download_manager"):
        assert name in parameters, name
    for method in ("start", "stop", "send_bytes", "set_terminal_size", "blur", "focus"):
        assert inspect.iscoroutinefunction(getattr(AppService, method)), method
    assert list(inspect.signature(AppService.start).parameters) == ["self", "width", "height"]

    async def ignore(*_: object) -> None:
        return None

    downloads = DownloadManager()
    service = AppService(
        "true", write_bytes=ignore, write_str=ignore, close=ignore, download_manager=downloads
    )
    # _stop() reaps (and if needed terminates) the app through this attribute
    assert service._process is None


def test_app_service_runs_a_shell_command_so_exec_replaces_the_shell() -> None:
    source = inspect.getsource(AppService._open_app_process)
    assert "create_subprocess_shell" in source
    command = app_command()
    assert command.startswith("exec ")
    assert shlex.split(command)[-2:] == ["-m", "neuroexam"]


def test_front_end_files_and_protocol() -> None:
    for url, path in pages.ASSETS.items():
        assert path.is_file(), url
    script = pages.ASSETS["/static/js/textual.js"].read_text(encoding="utf-8")
    # the page hands the websocket URL and font size through these data attributes
    assert "dataset.sessionWebsocketUrl" in script
    assert "dataset.fontSize" in script
    # the messages _pump() understands, and the body classes our CSS styles
    for text in ('["stdin"', '["resize"', '["ping"', '["focus"]', '["blur"]', "-first-byte"):
        assert text in script, text
    assert '"-closed"' in script
    # the font family our @font-face names
    assert "'Roboto Mono'" in script
    css = pages.ASSETS["/static/neuroexam.css"].read_text(encoding="utf-8")
    assert re.findall(r'font-family: "([^"]+)"', css) == ["Roboto Mono", "Roboto Mono"]


def test_upstream_page_still_needs_replacing() -> None:
    """textual-serve's own page loads a font from an outside host: we serve our own page."""
    upstream = pages.TEXTUAL_SERVE_STATIC.parent / "templates" / "app_index.html"
    assert "fonts.googleapis.com" in upstream.read_text(encoding="utf-8")
    ours = pages.index_page("ws://127.0.0.1:8000/ws", 16)
    assert "googleapis" not in ours and "https://" not in ours
