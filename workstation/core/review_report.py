"""What a shift report covers and how it reaches its file: the scope, the result, the CSV of the log.

Qt-free: the PDF (`ui/report_pdf.py`) draws the same scope with Qt; the CSV needs no Qt at all.
Both write through `atomic_output`, so a report file is either complete or not there: a failed
run never leaves half a file, nor replaces a good one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time as clock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from workstation.core.review import LogFilter, LogRow, ReviewSource, ShiftWindow, day_span
from workstation.core.review_csv import write_log_csv

# Rows fetched from the source at a time: a block is one query (or one hub request).
CSV_BLOCK = 2000


@dataclass(frozen=True)
class ReportScope:
    """One facility day, or one shift of it, for all benches or one."""

    day: date
    zone: tzinfo
    shift: ShiftWindow | None = None
    bench: str | None = None

    def span(self) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes."""
        return self.shift.span(self.day, self.zone) if self.shift else day_span(self.day, self.zone)

    def log_filter(self) -> LogFilter:
        start, end = self.span()
        return LogFilter(start=start, end=end, bench=self.bench)

    def shift_text(self) -> str:
        """ "day shift, 06:00 to 14:00" or "whole day"."""
        if self.shift is None:
            return "whole day"
        start, end = (t.astimezone(self.zone) for t in self.span())
        end_text = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%H:%M (%Y-%m-%d)")
        return f"{self.shift.name} shift, {start:%H:%M} to {end_text}"

    def bench_text(self) -> str:
        return f"bench {self.bench}" if self.bench else "all benches"


@dataclass(frozen=True)
class ReportResult:
    pages: int  # 0 for a CSV
    rows: int  # inspections the report covers (the CSV's data rows)
    seconds: float


@contextlib.contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`; renamed onto `out` when the block ends without an error.

    OSError (a missing folder, no permission) comes before anything is written.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def rows_in_blocks(source: ReviewSource, keys: Sequence[int], block: int = CSV_BLOCK) -> Iterator[LogRow]:
    """The rows of `keys`, in their order, fetched `block` keys at a time."""
    for i in range(0, len(keys), block):
        yield from source.log_rows(keys[i : i + block])


def write_shift_csv(
    source: ReviewSource, scope: ReportScope, out: Path, *, block: int = CSV_BLOCK
) -> ReportResult:
    """The shift log's rows for the scope, newest first as the log shows them, into `out` (CSV)."""
    began = clock.perf_counter()
    keys = source.log_keys(scope.log_filter())
    with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        written = write_log_csv(rows_in_blocks(source, keys, block), fh)
    return ReportResult(pages=0, rows=written, seconds=clock.perf_counter() - began)
