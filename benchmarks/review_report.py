"""Writing the shift report for a shift of 5,000 inspections: the PDF's seconds and pages (and the CSV's).

    uv run python benchmarks/review_report.py [--inspections 5000] [--runs 3]

A one-day history (`store.demo_history.write_history`, in a temporary folder) is sized so that its
day shift (06:00-14:00 UTC, where the history puts 80 of every 144 inspections) holds about
--inspections; the report of that shift is then written --runs times from a `LocalReviewSource`
(reading the records included: counts, seizures with who countersigned them, detentions, then laying out and
painting every page), and the median and slowest run are printed. `bench_pdf(n)` is what
benchmarks/review.py calls. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from workstation.core.review import DEFAULT_SHIFTS
from workstation.core.review_report import ReportScope, write_shift_csv
from workstation.store.demo_history import write_history
from workstation.store.review_query import LocalReviewSource
from workstation.ui.report_pdf import ensure_app, write_shift_pdf

DAY = date(2026, 11, 27)
DAY_SHIFT_SHARE = 80 / 144  # the history's hour weights: 10 an hour in 06-14, of 144 a day
CURRENT_SHARE = 0.985  # the rest are corrected or voided: not in the log


def bench_pdf(n: int = 5000, runs: int = 3) -> dict[str, Any]:
    """Seconds (median and slowest of `runs`) and pages of the PDF for a day shift of about `n` inspections."""
    ensure_app()
    with tempfile.TemporaryDirectory(prefix="review-report-") as tmp:
        folder = Path(tmp)
        history = write_history(
            folder / "records.sqlite",
            math.ceil(n / DAY_SHIFT_SHARE / CURRENT_SHARE),
            days=1,
            seed=1,
            start=DAY,
        )
        source = LocalReviewSource(folder / "records.sqlite", None, "BENCH-01")
        try:
            shift = DEFAULT_SHIFTS[0]
            seconds, pages, rows = [], 0, 0
            for run in range(runs):
                out = folder / f"report-{run}.pdf"
                result = write_shift_pdf(
                    source, day=DAY, shift=shift, bench=None, zone=UTC, out=out, now=datetime.now(UTC)
                )
                seconds.append(result.seconds)
                pages, rows = result.pages, result.rows
            size = (folder / "report-0.pdf").stat().st_size
            scope = ReportScope(day=DAY, zone=UTC, shift=shift)
            seizures = len(source.seizures(scope.log_filter()))
            csv_seconds = [write_shift_csv(source, scope, folder / "log.csv").seconds for _ in range(runs)]
        finally:
            source.close()
    return {
        "benchmark": "review_report_pdf",
        "inspections": rows,
        "seizures": seizures,
        "history_inspections": history.inspections,
        "pages": pages,
        "pdf_bytes": size,
        "seconds": round(statistics.median(seconds), 3),
        "seconds_max": round(max(seconds), 3),
        "csv_seconds": round(statistics.median(csv_seconds), 3),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspections", type=int, default=5000, help="about this many in the shift")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = bench_pdf(args.inspections, args.runs)
    print(
        f"shift report of {figures['inspections']:,} inspections ({figures['seizures']:,} seizures): "
        f"PDF {figures['seconds']:.2f} s (slowest {figures['seconds_max']:.2f} s), {figures['pages']} pages, "
        f"{figures['pdf_bytes'] / 1024:.0f} KiB; CSV {figures['csv_seconds']:.2f} s "
        f"(all in {time.perf_counter() - started:.1f} s with the history)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
