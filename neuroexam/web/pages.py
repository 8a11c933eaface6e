"""What the server sends besides the terminal: the page, the allowed assets, the plain pages."""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path
from string import Template

import textual_serve

#: textual-serve's own static folder (xterm.js bundle, its CSS and the Roboto Mono fonts).
TEXTUAL_SERVE_STATIC = Path(textual_serve.__file__).resolve().parent / "static"
OUR_STATIC = Path(str(files("neuroexam.web") / "static"))

#: Every file the server hands out, by URL path: nothing else under /static/, no listings.
ASSETS: dict[str, Path] = {
    "/static/js/textual.js": TEXTUAL_SERVE_STATIC / "js" / "textual.js",
    "/static/css/xterm.css": TEXTUAL_SERVE_STATIC / "css" / "xterm.css",
    "/static/fonts/RobotoMono-VariableFont_wght.ttf": TEXTUAL_SERVE_STATIC
    / "fonts"
    / "RobotoMono-VariableFont_wght.ttf",
    "/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf": TEXTUAL_SERVE_STATIC
    / "fonts"
    / "RobotoMono-Italic-VariableFont_wght.ttf",
    "/static/neuroexam.css": OUR_STATIC / "neuroexam.css",
    "/static/neuroexam.js": OUR_STATIC / "neuroexam.js",
}

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
}

UNAUTHORIZED = (
    "NeuroExam: this address needs its access link.\n\n"
    "Open the link that `neuroexam serve` printed (or scan its QR code) on this device.\n"
    "If you already did, reload this page: links followed from another site do not carry\n"
    "the sign-in cookie.\n"
)
FORBIDDEN_ORIGIN = "NeuroExam: this connection does not come from a page of this server.\n"
FORBIDDEN_HOST = "NeuroExam: this server does not answer to that host name.\n"
NOT_FOUND = "NeuroExam: nothing here.\n"


def busy(limit: int) -> str:
    """The 503 text when every session is in use."""
    tabs = "tab" if limit == 1 else "tabs"
    return (
        f"NeuroExam: all {limit} sessions are in use (one per open browser {tabs}).\n\n"
        "Close NeuroExam in another tab or on another device, wait a few seconds, then reload.\n"
    )


def signed_in_page() -> str:
    """Answer to a good ``?token=``: sets the cookie and moves on to ``/`` without the token.

    A page-initiated refresh rather than a 30x redirect: a SameSite=Strict cookie is not sent on
    a redirect that follows a link from another site (a chat or mail web app).
    """
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=/"><title>NeuroExam</title></head>'
        '<body><p>Signed in. <a href="/">Open NeuroExam</a>.</p></body></html>'
    )


def index_page(websocket_url: str, font_size: int) -> str:
    template = Template((files("neuroexam.web") / "templates" / "index.html").read_text("utf-8"))
    return template.substitute(
        websocket_url=html.escape(websocket_url, quote=True), font_size=str(font_size)
    )


def content_security_policy(websocket_origin: str) -> str:
    """Only this server: scripts, styles, fonts, and the websocket of this page."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "font-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {websocket_origin}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
