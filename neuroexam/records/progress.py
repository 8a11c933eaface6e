"""A progress bar on stderr for the long commands (``assess``, ``import``), only on a terminal.

Rich (which Textual already brings) draws it, transient: it is gone when the command ends, and
nothing at all is written when stderr is a pipe or a file (scripts, tests).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any


class RichProgress:
    """:class:`neuroexam.records.stream.Progress` drawn by ``rich.progress``."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._task: Any = None

    def phase(self, description: str, total: int | None) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(description, total=total)

    def update(self, completed: int) -> None:
        self._bar.update(self._task, completed=completed)


@contextmanager
def terminal_progress(stream: IO[str] | None = None) -> Iterator[RichProgress | None]:
    """A progress reporter drawing on ``stream`` (default stderr) when it is a terminal, else
    None (no output at all)."""
    stream = stream if stream is not None else sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        interactive = False
    if not interactive:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description:>10}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream, highlight=False),
        transient=True,
        # stdout carries the command's output: never captured into the bar's console.
        redirect_stdout=False,
        redirect_stderr=False,
    )
    with bar:
        yield RichProgress(bar)
