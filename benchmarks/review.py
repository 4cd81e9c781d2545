"""Opening the supervisor's shift log and applying filters over a history of 500,000 records.

    uv run python benchmarks/review.py [--records 500000] [--days 30] [--skip-hub]

Local half (this bench's records file, SQLite): a history of N records over D days is written
once with `store.demo_history.write_history` under /tmp/workstation-bench/review (a later run
reuses it; the records migrations are applied again, so new indexes are built). Then, on a fresh
read-only `LocalReviewSource`:

- "open": what the supervisor window does first: the log's keys for the latest day's day shift
  (UTC clock) and the rows of the first 100 of them;
- 50 filters (officer, bench, outcome, lane, targeted, seizure, detention, search by tracking
  number and by a FedEx 34-digit barcode, and combinations; over that day and over the week up to
  it), each timed the same way: `log_keys` + `log_rows` of the first 100 keys.

Hub half (benchmarks/review_hub.py): the same history copied into the hub's projection on a
throwaway PostgreSQL, a real `workstation hub serve`, the same "open" and 50 filters through
`HubReviewSource` over HTTP (a supervisor's session).

Report (benchmarks/review_report.py): the PDF of a day shift of about 5,000 inspections, seconds
(median of 3) and pages, and the CSV of the same shift.

Target: 200 ms or less, p50 and p99, each half. Also timed once each: the counts behind the charts for the
day and for the week, the reconciliation of the day (about 5,000 targeted items, a cache written
by `write_targeted_cache`), the open detentions and the seizures waiting for a countersign (the
history never closes a detention nor countersigns 40% of its seizures: the worst case). `standard_filters(source, day, zone)` and
`run_filters(source, filters)` take any ReviewSource. The last line printed is one JSON object
with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from workstation.core import tracking
from workstation.core.review import DEFAULT_SHIFTS, LogFilter, ReviewSource, day_span, shift_named
from workstation.store.db import CACHE_FILE
from workstation.store.demo_history import open_history_file, write_history, write_targeted_cache
from workstation.store.review_query import LocalReviewSource

BENCH_DIR = Path(os.environ.get("WORKSTATION_BENCH_DIR", "/tmp/workstation-bench")) / "review"
TARGET_MS = 200.0
FIRST_ROWS = 100
# Targeted items a day that no record covers, on top of the history's own targeted records
# (about 1,500 a day at 500,000 records over 30 days): some 5,000 targeted items a day.
UNEXAMINED_PER_DAY = 3_500


def build(records: int, days: int) -> tuple[Path, dict[str, Any]]:
    """The history's records file, written once per (records, days) and reused after."""
    folder = BENCH_DIR / f"history-{records}-{days}"
    done = folder / "complete.json"
    path = folder / "records.sqlite"
    if done.exists():
        print(f"reusing the history in {folder}")
        open_history_file(path).close()  # applies migrations added since (indexes)
        return path, json.loads(done.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.iterdir():
        f.unlink()
    started = clock.perf_counter()
    result = write_history(path, records, days=days, seed=1)
    took = clock.perf_counter() - started
    info = {
        **asdict(result),
        "first_day": result.first_day.isoformat(),
        "last_day": result.last_day.isoformat(),
    }
    info["build_seconds"] = round(took, 1)
    started = clock.perf_counter()
    cache = write_targeted_cache(folder, path, unexamined_per_day=UNEXAMINED_PER_DAY)
    info["cache_seconds"] = round(clock.perf_counter() - started, 1)
    info["targeted_per_day"] = round((cache.examined + cache.unexamined) / max(1, cache.days))
    done.write_text(json.dumps(info))
    print(f"wrote {result.inspections:,} records in {took:.1f} s")
    return path, info


def opening_filter(day: date, zone: tzinfo) -> LogFilter:
    """What the window shows first: the day shift of the given day."""
    start, end = shift_named(DEFAULT_SHIFTS, "day").span(day, zone)
    return LogFilter(start=start, end=end)


def standard_filters(source: ReviewSource, day: date, zone: tzinfo) -> list[tuple[str, LogFilter]]:
    """50 filters over `day` and the week up to it; officers, benches and searches taken from the day's rows."""
    day_start, day_end = day_span(day, zone)
    week = LogFilter(start=day_start - timedelta(days=6), end=day_end)
    whole_day = LogFilter(start=day_start, end=day_end)
    keys = source.log_keys(whole_day)
    rows = source.log_rows(keys[:: max(1, len(keys) // 400)])
    if not rows:
        raise SystemExit(f"no records on {day}: nothing to filter")
    officers = list(dict.fromkeys(r.officer_badge for r in rows))
    benches = list(dict.fromkeys(r.bench_id for r in rows))
    plain = next(r for r in rows if r.barcode is None or r.barcode == r.tracking_id)
    fedex = next((r for r in rows if r.barcode and len(r.barcode) == 34), plain)
    search_34 = fedex.barcode or fedex.tracking_id
    spaced = " ".join(plain.tracking_id[i : i + 4] for i in range(0, len(plain.tracking_id), 4)).lower()
    assert tracking.parse(spaced).tracking_id == plain.tracking_id

    out: list[tuple[str, LogFilter]] = []
    for label, base in (("day", whole_day), ("week", week)):
        o1, o2 = officers[0], officers[1 % len(officers)]
        b1, b2 = benches[0], benches[1 % len(benches)]
        variants: list[tuple[str, LogFilter]] = [
            ("all", base),
            ("officer", replace(base, officer=o1)),
            ("officer 2", replace(base, officer=o2)),
            ("bench", replace(base, bench=b1)),
            ("bench 2", replace(base, bench=b2)),
            ("released", replace(base, outcome="released")),
            ("seized", replace(base, outcome="seized")),
            ("detained", replace(base, outcome="detained")),
            ("lane red", replace(base, lane="red")),
            ("lane green", replace(base, lane="green")),
            ("targeted", replace(base, targeted=True)),
            ("not targeted", replace(base, targeted=False)),
            ("with seizure", replace(base, seizure=True)),
            ("with detention", replace(base, detention=True)),
            ("without seizure", replace(base, seizure=False)),
            ("search spaced", replace(base, search=spaced)),
            ("search fedex 34", replace(base, search=search_34)),
            ("officer+released", replace(base, officer=o1, outcome="released")),
            ("bench+targeted", replace(base, bench=b1, targeted=True)),
            ("red+targeted", replace(base, lane="red", targeted=True)),
            ("referred+yellow", replace(base, outcome="referred", lane="yellow")),
            ("bench+seizure", replace(base, bench=b2, seizure=True)),
            ("officer+detention", replace(base, officer=o2, detention=True)),
        ]
        out += [(f"{label}: {name}", f) for name, f in variants]
    for shift in DEFAULT_SHIFTS:
        start, end = shift.span(day, zone)
        out.append((f"shift {shift.name}", LogFilter(start=start, end=end)))
    out.append(("any time: search", LogFilter(search=plain.tracking_id)))
    return out


def timed(source: ReviewSource, f: LogFilter) -> tuple[float, int]:
    """ms for what opening the log costs: the keys, then the rows of the first screenful."""
    started = clock.perf_counter()
    keys = source.log_keys(f)
    source.log_rows(keys[:FIRST_ROWS])
    return (clock.perf_counter() - started) * 1000, len(keys)


def run_filters(source: ReviewSource, filters: Sequence[tuple[str, LogFilter]]) -> dict[str, Any]:
    """Time each filter once (keys + first 100 rows); p50, p99 and max in ms, the slowest named."""
    timings: list[tuple[float, str, int]] = []
    for name, f in filters:
        ms, count = timed(source, f)
        timings.append((ms, name, count))
    values = sorted(t[0] for t in timings)
    p99 = statistics.quantiles(values, n=100, method="inclusive")[98] if len(values) > 1 else values[0]
    return {
        "filters": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(values[-1], 1),
        "slowest": [
            {"filter": n, "ms": round(ms, 1), "rows": c} for ms, n, c in sorted(timings, reverse=True)[:5]
        ],
    }


def timed_ms(call: Callable[[], object]) -> float:
    started = clock.perf_counter()
    call()
    return round((clock.perf_counter() - started) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--skip-hub", action="store_true", help="the local half only (no PostgreSQL)")
    parser.add_argument("--skip-report", action="store_true", help="no shift report PDF")
    parser.add_argument("--report-inspections", type=int, default=5000, help="the report's shift, about")
    args = parser.parse_args()
    path, info = build(args.records, args.days)
    day = date.fromisoformat(info["last_day"])
    zone = UTC
    source = LocalReviewSource(path, path.parent / CACHE_FILE, "BENCH-BENCHMARK")
    try:
        open_ms, open_rows = timed(source, opening_filter(day, zone))
        filters = standard_filters(source, day, zone)
        local = run_filters(source, filters)
        day_filter = filters[0][1]  # "day: all"
        day_start, day_end = day_span(day, zone)
        week_filter = LogFilter(start=day_start - timedelta(days=6), end=day_end)
        now = datetime.combine(day + timedelta(days=1), time(12), tzinfo=zone)
        unexamined: list[object] = []
        other = {
            "counts_day_ms": timed_ms(lambda: source.counts(day_filter, zone)),
            "counts_week_ms": timed_ms(lambda: source.counts(week_filter, zone)),
            "unexamined_ms": timed_ms(lambda: unexamined.extend(source.unexamined(day, now, zone))),
            "open_detentions_ms": timed_ms(source.open_detentions),
            "to_countersign_ms": timed_ms(source.to_countersign),
        }
    finally:
        source.close()
    local |= {"open_ms": round(open_ms, 1), "open_rows": open_rows, **other, "unexamined": len(unexamined)}
    print(f"local (SQLite), {info['inspections']:,} records over {args.days} days:")
    print(f"  open (day shift of {day}, {open_rows:,} records): {open_ms:.1f} ms")
    print(
        f"  {local['filters']} filters: p50 {local['p50_ms']} ms, p99 {local['p99_ms']} ms, max {local['max_ms']} ms"
    )
    for s in local["slowest"]:
        print(f"    {s['ms']:7.1f} ms  {s['filter']} ({s['rows']:,} records)")
    met = local["p50_ms"] <= TARGET_MS and local["p99_ms"] <= TARGET_MS and open_ms <= TARGET_MS
    print(f"  target {TARGET_MS:.0f} ms p50 and p99: {'met' if met else 'MISSED'}")
    print(
        f"  counts: a day {other['counts_day_ms']} ms, a week {other['counts_week_ms']} ms; "
        f"unexamined on {day} ({info.get('targeted_per_day')} targeted a day, {len(unexamined):,} left): "
        f"{other['unexamined_ms']} ms; open detentions {other['open_detentions_ms']} ms; "
        f"to countersign {other['to_countersign_ms']} ms"
    )
    figures: dict[str, Any] = {
        "records": info["inspections"],
        "days": args.days,
        "build_seconds": info.get("build_seconds"),
        "local": local,
        "target_ms": TARGET_MS,
        "local_target_met": met,
    }
    if not args.skip_report:
        from review_report import bench_pdf

        report = bench_pdf(args.report_inspections)
        print(
            f"shift report PDF, {report['inspections']:,} inspections ({report['seizures']:,} seizures): "
            f"{report['seconds']:.2f} s (slowest of {report['runs']}: {report['seconds_max']:.2f} s), "
            f"{report['pages']} pages; CSV {report['csv_seconds']:.2f} s"
        )
        figures["report"] = report
    if not args.skip_hub:
        from review_hub import hub_half, print_hub

        hub = hub_half(path, opening_filter(day, zone), filters, day=day, zone=zone)
        figures |= {"hub": hub, "hub_target_met": print_hub(hub, TARGET_MS)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
