"""The progress bar of long scans, drawn with rich on stderr.

Shown only when stderr is a terminal, the command was not given ``--quiet`` and the output is a table
(``--format json`` / ``csv`` runs are usually piped); it disappears when the scan ends.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cloudcarbon.cli._quiet import is_quiet

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from cloudcarbon.progress import ProgressCallback, ScanProgress

__all__ = ["ScanBar", "scan_progress", "stderr_is_terminal"]


def stderr_is_terminal() -> bool:
    """Whether stderr is an interactive terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _count(n: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            return f"{n / limit:.1f}{suffix}"
    return f"{n:.0f}"


class ScanBar:
    """A rich progress bar fed with :class:`~cloudcarbon.progress.ScanProgress` (a progress callback)."""

    def __init__(self, console: Console, *, transient: bool = True) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress: Progress = Progress(
            TextColumn("reading exports"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[bytes]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            transient=transient,
        )
        self.task = self.progress.add_task("scan", total=None, files="", bytes="", rate="")

    def __call__(self, p: ScanProgress) -> None:
        from rich.filesize import decimal

        rate = p.rows_per_second
        self.progress.update(
            self.task,
            total=max(p.bytes_total, 1),
            completed=p.bytes_done,
            files=f"{p.files_done}/{p.files_total} files",
            bytes=f"{decimal(p.bytes_done)}/{decimal(p.bytes_total)}",
            rate=f"{_count(rate)} rows/s" if rate is not None else "rows/s n/a (CSV)",
        )
        if p.finished:
            self.progress.stop()  # the exports are read; a transient bar disappears


@contextmanager
def scan_progress(*, table_output: bool) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing a bar on stderr, or ``None`` when no bar is to be shown."""
    if is_quiet() or not table_output or not stderr_is_terminal():
        yield None
        return
    from rich.console import Console

    bar = ScanBar(Console(file=sys.stderr, force_terminal=True))
    bar.progress.start()
    try:
        yield bar
    finally:
        bar.progress.stop()
