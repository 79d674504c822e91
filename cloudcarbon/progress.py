"""Progress of the scan of billing exports: files and bytes read, rows per second.

:func:`cloudcarbon.estimate` takes ``progress=callback``; the callback receives a :class:`ScanProgress`
a few times a second while the exports are read (from a background thread) and once when each source
is done. The figures are **estimated** during a source's scan: the engine reports how far through its
current query it is (DuckDB ``query_progress()``, the share of the scan's input it has consumed), and
that share of the source's bytes (and, for Parquet, of its rows, which the file footers give) counts as
done; files count as done in the order the source lists them. They are exact when a source's scan ends.
CSV files do not say how many rows they hold, so a source with CSV files reports no row rate.
The engine's own progress bar is never printed (``enable_progress_bar_print = false``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ProgressCallback", "ScanProgress", "ScanWatcher"]


@dataclass(frozen=True)
class ScanProgress:
    """How far the scan of the exports is (see the module docstring for how it is measured)."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    #: rows read so far; ``None`` when some file's row count is not known before reading it (CSV)
    rows_done: int | None
    rows_total: int | None
    elapsed_s: float
    finished: bool = False

    @property
    def rows_per_second(self) -> float | None:
        """Rows read per second of scanning so far (``None`` when rows are not counted)."""
        if self.rows_done is None or self.elapsed_s <= 0:
            return None
        return self.rows_done / self.elapsed_s


#: ``estimate(progress=...)``: called with each :class:`ScanProgress` (possibly from another thread).
ProgressCallback = Callable[[ScanProgress], None]


@dataclass(frozen=True)
class _File:
    size: int
    rows: int | None


def _describe(path: Path) -> _File:
    size = path.stat().st_size
    rows: int | None = None
    if path.name.lower().endswith(".parquet"):
        try:
            import pyarrow.parquet as pq

            rows = int(pq.read_metadata(path).num_rows)
        except Exception:  # an unreadable footer is reported by the reader, not here
            rows = None
    return _File(size, rows)


class ScanWatcher:
    """Reports :class:`ScanProgress` to ``callback`` while the sources' files are scanned.

    ``expect(files_per_source)`` names the files; ``reading(i)`` (``None``: every source) wraps the
    query that scans source ``i``. A poller thread reads the engine's query progress meanwhile.
    """

    def __init__(self, con: Any, callback: ProgressCallback | None, interval_s: float = 0.25) -> None:
        self._con = con
        self._callback = callback
        self._interval = interval_s
        self._sources: list[list[_File]] = []
        self._done: set[int] = set()
        self._current: list[int] | None = None
        self._fraction = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._closed = False

    @property
    def active(self) -> bool:
        return self._callback is not None

    def expect(self, files_per_source: Sequence[Sequence[Path]]) -> None:
        if self._callback is None:
            return
        self._sources = [[_describe(f) for f in files] for files in files_per_source]
        self._started = time.perf_counter()
        poll = getattr(self._con, "query_progress", None)
        if poll is not None:
            try:  # the engine tracks its progress only with its bar on; it never prints it
                self._con.execute("SET enable_progress_bar_print = false")
                self._con.execute("SET enable_progress_bar = true")
            except Exception:
                poll = None
        if poll is not None:
            self._thread = threading.Thread(target=self._poll, args=(poll,), daemon=True)
            self._thread.start()
        self._report()

    @contextmanager
    def reading(self, source: int | None) -> Iterator[None]:
        """Wrap the query that scans ``source`` (``None``: all sources at once)."""
        if self._callback is None:
            yield
            return
        which = list(range(len(self._sources))) if source is None else [source]
        with self._lock:
            self._current, self._fraction = which, 0.0
        try:
            yield
        finally:
            with self._lock:
                self._done.update(which)
                self._current, self._fraction = None, 0.0
            if len(self._done) == len(self._sources):
                self.close()  # every source is read: the rate is final, the rest of the run is no scan
            else:
                self._report()

    def close(self) -> None:
        """Stop polling and report the final state (once)."""
        if self._callback is None or self._closed:
            return
        self._closed = True
        self._ended = time.perf_counter()
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._report(finished=True)

    def _poll(self, poll: Callable[[], float]) -> None:
        while not self._stop.wait(self._interval):
            try:
                pct = float(poll())
            except Exception:  # the connection is closing
                return
            with self._lock:
                if self._current is not None and pct >= 0:
                    # a scan's queries run one after another: never move backwards within one scan
                    self._fraction = max(self._fraction, min(pct, 100.0) / 100.0)
            self._report()

    def snapshot(self, *, finished: bool = False) -> ScanProgress:
        with self._lock:
            done, current, fraction = set(self._done), self._current, self._fraction
        files_total = sum(len(s) for s in self._sources)
        bytes_total = sum(f.size for s in self._sources for f in s)
        known = all(f.rows is not None for s in self._sources for f in s)
        rows_total = sum(f.rows or 0 for s in self._sources for f in s) if known else None
        files_done = sum(len(self._sources[i]) for i in done)
        bytes_done = sum(f.size for i in done for f in self._sources[i])
        rows_done = sum(f.rows or 0 for i in done for f in self._sources[i])
        if current is not None and fraction > 0:
            files = [f for i in current for f in self._sources[i]]
            size = sum(f.size for f in files)
            part = fraction * size
            bytes_done += int(part)
            running = 0
            for f in files:
                running += f.size
                if running > part:
                    break
                files_done += 1
            rows_done += int(fraction * sum(f.rows or 0 for f in files))
        return ScanProgress(
            files_done=files_done,
            files_total=files_total,
            bytes_done=bytes_done,
            bytes_total=bytes_total,
            rows_done=rows_done if known else None,
            rows_total=rows_total,
            elapsed_s=(self._ended or time.perf_counter()) - self._started,
            finished=finished,
        )

    def _report(self, *, finished: bool = False) -> None:
        if self._callback is not None:
            self._callback(self.snapshot(finished=finished))
