"""Page furniture for the PDF reports on reportlab's canvas: embedded fonts, a flowing text
layout that breaks pages, the footer and the VOIDED watermark.

Fonts: reportlab's own Bitstream Vera TTFs (shipped inside the reportlab wheel, free licence),
embedded as subsets, so accented names print on any printer. A letter Vera lacks is printed
without its accent (``ř`` → ``r``) rather than as an empty box.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

REGULAR, BOLD, ITALIC, BOLD_ITALIC = "NX-Sans", "NX-Sans-Bold", "NX-Sans-Italic", "NX-Sans-BI"
_FILES = {REGULAR: "Vera.ttf", BOLD: "VeraBd.ttf", ITALIC: "VeraIt.ttf", BOLD_ITALIC: "VeraBI.ttf"}
PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "Letter": LETTER}
MARGIN = 32.0
FOOTER = 32.0

INK = black
GREY = Color(0.35, 0.35, 0.35)
LIGHT = Color(0.82, 0.82, 0.82)
FAINT = Color(0.93, 0.93, 0.93)
#: Accents for screens and colour printers; every meaning is also in the text.
EMERGENCY = Color(0.70, 0.05, 0.05)
URGENT = Color(0.62, 0.30, 0.0)
ACCENT = Color(0.10, 0.25, 0.50)
URGENCY_COLOUR = {"emergency": EMERGENCY, "urgent": URGENT, "routine": ACCENT}


@cache
def fonts() -> dict[str, TTFont]:
    """Register the four Vera faces once per process."""
    import reportlab

    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    out = {}
    for name, file in _FILES.items():
        font = TTFont(name, os.path.join(folder, file))
        pdfmetrics.registerFont(font)
        out[name] = font
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
    )
    return out


@cache
def _covered() -> frozenset[int]:
    return frozenset(fonts()[REGULAR].face.charToGlyph)


#: Stand-ins for symbols the font lacks.
_STAND_INS = {"→": "->", "←": "<-", "⚠": "!", "✓": "v", "✗": "x", "▲": "^", "▼": "v"}


def printable(text: str) -> str:
    """``text`` with every character the embedded font can draw (accents dropped where the
    font lacks the accented letter, ``?`` for anything else)."""
    covered = _covered()
    if all(ord(ch) in covered for ch in text):
        return text
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) in covered:
            out.append(ch)
            continue
        if ch in _STAND_INS:
            out.append(_STAND_INS[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) in covered for c in base) else "?")
    return "".join(out)


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(printable(text), font, size)


def put(
    c: Canvas,
    x: float,
    y: float,
    text: str,
    font: str = REGULAR,
    size: float = 9,
    align: str = "left",
    colour: Color = INK,
) -> None:
    """Draw one line of text (never interpreted as markup)."""
    text = printable(text)
    c.setFont(font, size)
    c.setFillColor(colour)
    if align == "right":
        c.drawRightString(x, y, text)
    elif align == "centre":
        c.drawCentredString(x, y, text)
    else:
        c.drawString(x, y, text)


def wrap(text: str, font: str, size: float, limit: float) -> list[str]:
    """Greedy word wrap to ``limit`` points; a word longer than a line is cut."""
    lines: list[str] = []
    for paragraph in printable(text).split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= limit:
                line = candidate
                continue
            if line:
                lines.append(line)
            while pdfmetrics.stringWidth(word, font, size) > limit:
                cut = len(word)
                while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > limit:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Style:
    font: str = REGULAR
    size: float = 8.5
    leading: float = 10.5
    colour: Color = INK


BODY = Style()
SMALL = Style(size=7.5, leading=9.2)
BOLD_BODY = Style(font=BOLD)
HEADING = Style(font=BOLD, size=10.5, leading=14)
ITALIC_SMALL = Style(font=ITALIC, size=7.5, leading=9.2, colour=GREY)

#: A drawing operation: called with the canvas once the page count is known.
Op = Callable[[Canvas], None]


class Sheet:
    """Blocks placed top-down over pages of one size; a block that does not fit on the page
    starts a new one. Drawing is deferred, so the footer can say ``page 1 of 2``."""

    def __init__(self, page_size: str) -> None:
        fonts()
        self.size = PAGE_SIZES[page_size]
        self.left = MARGIN
        self.right = self.size[0] - MARGIN
        self.top = self.size[1] - MARGIN
        self.bottom = MARGIN + FOOTER
        self.pages: list[list[Op]] = [[]]
        self.y = self.top
        self.on_new_page: Callable[[Sheet], None] | None = None

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def room(self) -> float:
        return self.y - self.bottom

    def draw(self, op: Op) -> None:
        self.pages[-1].append(op)

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.top
        if self.on_new_page is not None:
            self.on_new_page(self)

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` points fit below the cursor."""
        if height > self.room and self.y < self.top - 1:
            self.new_page()

    def space(self, height: float) -> None:
        self.y -= height

    def block(self, height: float, op: Callable[[Canvas, float], None]) -> None:
        """A fixed-height drawing; ``op`` gets the canvas and the block's top y."""
        self.need(height)
        top = self.y
        self.draw(lambda c: op(c, top))
        self.y -= height

    def text(
        self,
        text: str,
        style: Style = BODY,
        indent: float = 0,
        hanging: str = "",
        keep: int = 1,
    ) -> None:
        """A wrapped paragraph; ``hanging`` (a bullet) is set before the first line in the
        indent; ``keep`` lines at least stay together with the page's end."""
        pad = width(hanging + " ", style.font, style.size) if hanging else 0
        lines = wrap(text, style.font, style.size, self.width - indent - pad)
        self.need(style.leading * min(keep, len(lines)) + 2)
        for i, line in enumerate(lines):
            self.need(style.leading)
            y = self.y - style.size
            x = self.left + indent
            if i == 0 and hanging:
                self.draw(_text_op(x, y, hanging, style))
            self.draw(_text_op(x + pad, y, line, style))
            self.y -= style.leading

    def heading(self, text: str, style: Style = HEADING, after: float = 30) -> None:
        """A section title kept with ``after`` points of what follows."""
        self.need(style.leading + after)
        self.space(3)
        self.text(text, style)

    def rule(self, colour: Color = LIGHT, gap: float = 4) -> None:
        y = self.y - gap / 2
        left, right = self.left, self.right

        def op(c: Canvas) -> None:
            c.setStrokeColor(colour)
            c.setLineWidth(0.6)
            c.line(left, y, right, y)

        self.draw(op)
        self.y -= gap

    def render(self, c: Canvas, decorate: Callable[[Canvas, int, int], None]) -> None:
        """Draw every page, then ``decorate(canvas, page_number, page_count)`` on each."""
        total = len(self.pages)
        for number, ops in enumerate(self.pages, start=1):
            for op in ops:
                c.saveState()
                op(c)
                c.restoreState()
            decorate(c, number, total)
            c.showPage()


def _text_op(x: float, y: float, text: str, style: Style) -> Op:
    return lambda c: put(c, x, y, text, style.font, style.size, colour=style.colour)


def new_canvas(target: object, page_size: str, title: str, author: str, subject: str) -> Canvas:
    """A canvas of the page size with the document's metadata; fonts registered."""
    from neuroexam import __version__

    fonts()
    c = Canvas(
        target,
        pagesize=PAGE_SIZES[page_size],
        pageCompression=1,
        initialFontName=REGULAR,  # no reference to an unembedded standard font
        initialFontSize=9,
    )
    c.setTitle(printable(title))
    c.setAuthor(printable(author))
    c.setSubject(printable(subject))
    c.setCreator(f"NeuroExam {__version__}")
    return c


def footer(
    c: Canvas, size: tuple[float, float], disclaimer: str, left_text: str, page: int, total: int
) -> None:
    """The disclaimer on every page, with the exam and the page number."""
    w, _ = size
    c.setStrokeColor(LIGHT)
    c.setLineWidth(0.6)
    top = MARGIN + FOOTER - 8
    c.line(MARGIN, top, w - MARGIN, top)
    lines = wrap(disclaimer, ITALIC, 7.5, w - 2 * MARGIN - 90)
    y = top - 10
    for line in lines[:2]:
        put(c, MARGIN, y, line, ITALIC, 7.5, colour=GREY)
        y -= 9
    put(c, w - MARGIN, top - 10, f"page {page} of {total}", REGULAR, 7.5, "right", GREY)
    put(c, w - MARGIN, top - 19, left_text, REGULAR, 7, "right", GREY)


def watermark(c: Canvas, size: tuple[float, float], word: str = "VOIDED") -> None:
    """A large diagonal word over the page, light enough to read the record through it."""
    w, h = size
    c.saveState()
    c.translate(w / 2, h / 2)
    c.rotate(35)
    c.setFillColor(Color(0.55, 0.0, 0.0), alpha=0.16)
    c.setStrokeColor(Color(0.55, 0.0, 0.0), alpha=0.35)
    c.setLineWidth(1.2)
    c.setFont(BOLD, 120)
    text = c.beginText()
    text.setTextRenderMode(2)  # fill and outline: visible on a greyscale printer too
    text.setTextOrigin(-width(word, BOLD, 120) / 2, -42)
    text.textOut(word)
    c.drawText(text)
    c.restoreState()
