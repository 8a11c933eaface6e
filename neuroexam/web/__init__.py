"""``neuroexam serve``: the NeuroExam TUI in a browser tab (the optional ``neuroexam[web]`` extra).

Nothing here imports aiohttp or textual-serve at import time, so the command line can say how to
install the extra when it is missing.
"""

from __future__ import annotations

import importlib

#: Modules the ``web`` extra brings; ``neuroexam serve`` needs all of them.
EXTRA_MODULES = ("aiohttp", "textual_serve", "segno")

INSTALL_HINT = (
    "neuroexam serve: the web extra is not installed; "
    "install it with: python3 -m pip install 'neuroexam[web]'"
)


def missing_extra() -> str | None:
    """The one-line install hint when a module of the ``web`` extra cannot be imported."""
    for name in EXTRA_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return INSTALL_HINT
    return None
