"""Text from users and files, made safe to show: terminal controls escaped, never obeyed.

A name, breed, note or id can hold characters a terminal acts on instead of showing: ``ESC``
starts escape sequences (``ESC ] 52`` writes the clipboard, ``ESC ] 0`` sets the window title,
``ESC [ 2 J`` clears the screen), other C0/C1 controls move the cursor, and the bidirectional
overrides and isolates (U+202A–U+202E, U+2066–U+2069) make text read differently from what it
holds. :func:`safe_text` shows each of them escaped (``\\x1b``, ``\\u202e``);
:func:`refuse_unsafe` rejects them where a value is entered.

Pure: no terminal or markup library. Rich/Textual markup (``[bold]``) is a separate matter,
handled where text is rendered (``Content``/``Text`` objects, ``markup=False``).
"""

from __future__ import annotations

import re

#: Characters never passed to a terminal as they are: C0 controls other than tab and newline
#: (those two are decided per use), DEL, C1 controls, the Arabic letter mark, the
#: left-to-right/right-to-left marks, line/paragraph separators, bidi embeddings, overrides and
#: isolates, and lone surrogates (undecodable bytes: they cannot even be encoded for output).
_ALWAYS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff"
)
#: By (multiline, tabs kept): what :func:`safe_text` escapes.
_PATTERNS = {
    (False, True): re.compile(f"[\n{_ALWAYS}]"),
    (False, False): re.compile(f"[\t\n{_ALWAYS}]"),
    (True, True): re.compile(f"[{_ALWAYS}]"),
    (True, False): re.compile(f"[\t{_ALWAYS}]"),
}
_ANY = _PATTERNS[False, False]
#: What JSON output still needs escaping after ``json.dumps(ensure_ascii=False)``, which
#: escapes U+0000–U+001F itself; these can only occur inside JSON strings.
_UNSAFE_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    """How one unsafe character is shown: ``\\n``, ``\\x1b`` or ``\\u202e``."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _escaped(match: re.Match[str]) -> str:
    return escape_char(match.group())


def safe_text(text: object, *, multiline: bool = False, tabs: bool = True) -> str:
    """``text`` with every terminal control character shown escaped.

    ``multiline`` keeps newlines (a report of many lines); otherwise they are shown as ``\\n``.
    ``tabs`` keeps tabs (harmless: they only move the cursor right); else shown as ``\\t``.
    Carriage returns are always escaped (they would let a line overwrite itself).
    """
    value = str(text)
    pattern = _PATTERNS[multiline, tabs]
    if pattern.search(value) is None:  # the usual case: nothing to copy
        return value
    return pattern.sub(_escaped, value)


def safe_json(document: str) -> str:
    """A JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the controls that
    ``json`` leaves raw (DEL, C1, bidi controls, lone surrogates) written as ``\\uXXXX``
    escapes: the same JSON value, nothing a terminal would act on."""
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def first_unsafe(text: str, allow: str = "") -> str | None:
    """The first character of ``text`` that :func:`safe_text` would escape, except those in
    ``allow`` (e.g. ``"\\t\\n"`` for a note), shown escaped; None when there is none."""
    for match in _ANY.finditer(text):
        if match.group() not in allow:
            return escape_char(match.group())
    return None


#: C0 controls other than tab, newline and carriage return, DEL and the C1 controls: the
#: characters a terminal acts on (``ESC``, ``BEL``, ``CSI``…) that no record needs.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def first_control(text: str) -> str | None:
    """The first control character of ``text`` (C0 but tab, newline and carriage return; DEL;
    C1), shown escaped; None when there is none. Unlike :func:`first_unsafe` this keeps bidi
    marks and line breaks, which real text (right-to-left names, notes) may hold: they are
    shown escaped, not refused."""
    match = _CONTROLS.search(text)
    return None if match is None else escape_char(match.group())


class UnsafeTextError(ValueError):
    """A value holds a terminal control character where none is allowed."""


def refuse_unsafe(text: str, allow: str = "") -> str:
    """``text`` unchanged, or :class:`UnsafeTextError` naming its first control character.

    For identifiers and one-line names nothing is allowed (not even a tab); free text that may
    span lines passes ``allow="\\t\\n\\r"``.
    """
    found = first_unsafe(text, allow)
    if found is not None:
        raise UnsafeTextError(f"control character {found} is not allowed")
    return text
