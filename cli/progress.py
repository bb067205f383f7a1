"""Messages and a progress bar on stderr while a command works through many invitations.

The bar is rich's, shown only when stderr is a terminal and only once a run has lasted
``DELAY`` seconds, so short runs, pipes and tests see nothing but the messages. While the
bar is up, messages go through its console so the two never garble each other.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:  # rich is imported when a bar is shown: a pipe or a short run never pays it
    from rich.progress import Progress

DELAY = 1.0  # seconds before the bar appears


class Reporter:
    """Counts processed items, shows a bar for long runs, prints notes on stderr."""

    def __init__(self, label: str, *, stream: TextIO | None = None, total: int | None = None):
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.started_at = time.monotonic()
        self.count = 0
        self._bar: Progress | None = None

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def advance(self, count: int = 1) -> None:
        """``count`` more items processed (a batch at once: the bar is redrawn per batch)."""
        self.count += count
        if self._bar is not None:
            self._bar.update(self._task, completed=self.count)
        elif self.enabled and time.monotonic() - self.started_at >= DELAY:
            self._start()

    def note(self, message: str) -> None:
        """A warning or error line on stderr, above the bar when it is up."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(file=self.stream, stderr=True)
        self._bar = Progress(
            TextColumn(self.label),
            BarColumn(),
            MofNCompleteColumn() if self.total else TextColumn("{task.completed}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task(self.label, total=self.total, completed=self.count)
        self._bar.start()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
