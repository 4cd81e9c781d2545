"""The hub half of benchmarks/review.py: the same history, the same 50 filters, through a real hub.

    uv run python benchmarks/review.py            (both halves; --skip-hub for the local one only)
    uv run python benchmarks/review_hub.py PATH   (this half alone, on a history records file)

The history's records file (written by the local half) is copied straight into the hub's
projection tables on PostgreSQL (COPY, in the records' order, so `row_seq` follows it), into a
fresh database on a throwaway server (tests/postgres_server.py: WORKSTATION_TEST_PG_URL, else
initdb and pg_ctl here). A real `workstation hub serve` process answers; the figures are measured
through `HubReviewSource` over HTTP on loopback, as a supervisor window would: a session opened,
then "open" (the day shift's keys and its first 100 rows) and the 50 filters, each keys + the first
100 rows. Target: 200 ms or less, p50 and p99.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from workstation.core.review import LogFilter, ReviewSource, day_span
from workstation.hub.projection import TABLES
from workstation.hub.storage import open_storage
from workstation.store.db import CACHE_FILE

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # postgres_server: the same throwaway server the tests use
logging.getLogger("workstation.sync.client").setLevel(logging.ERROR)  # plain http on loopback

DEVICE = "BENCH-REVIEW"
SUPERVISOR = "HUBSUP"
PASSWORD = "a long enough password"


def load_projection(records_path: Path, database: str) -> dict[str, int]:
    """Copy every projected table of a records file into the hub's projection (COPY); rows per table."""
    import psycopg

    counts: dict[str, int] = {}
    source = sqlite3.connect(f"{records_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with psycopg.connect(database) as conn, conn.cursor() as cur:
            for table, columns in TABLES.items():
                names = ", ".join(name for name, _ in columns)
                rows = source.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
                n = 0
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                counts[table] = n
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    finally:
        source.close()
    return counts


def load_targets(cache_path: Path, database: str) -> int:
    """The cache's items and their risk (the reference data) into the hub's ref_targets (COPY)."""
    import psycopg

    from workstation.hub.targets import COLUMNS

    source = sqlite3.connect(f"{cache_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = source.execute(
            "SELECT i.tracking_id, i.arrival_date, r.score, r.lane, coalesce(r.targeted, 0), "
            "coalesce(r.target_reason, ''), r.assessed_at FROM items i LEFT JOIN risk r USING (tracking_id)"
        )
        n = 0
        sql = f"COPY ref_targets ({', '.join(COLUMNS)}) FROM STDIN"
        with psycopg.connect(database) as conn, conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE ref_targets")
    finally:
        source.close()
    return n


class HubServer:
    """`workstation hub serve` on a database, on a free loopback port."""

    def __init__(self, folder: Path, database: str) -> None:
        self.folder = folder
        err = open(folder / "hub-stderr.txt", "a")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workstation", "--data-dir", str(folder), "hub", "serve",
             "--database", database, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=REPO,
        )  # fmt: skip
        err.close()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the hub did not start: {(folder / 'hub-stderr.txt').read_text()}")
        self.url: str = json.loads(line)["listening"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def hub_half(
    records_path: Path,
    opening: LogFilter,
    filters: Sequence[tuple[str, LogFilter]],
    *,
    day: date | None = None,
    zone: tzinfo = UTC,
    server_url: str | None = None,
) -> dict[str, Any]:
    """Load the history (and its cache's reference data, when there) into a hub on PostgreSQL and
    time `opening` and `filters` through it; with `day`, also counts, reconciliation, open
    detentions and seizures to countersign, as the local half does."""
    import postgres_server
    from review import run_filters, timed, timed_ms

    from workstation.hub.app import add_device
    from workstation.sync.review_client import HubReviewSource, open_review_session
    from workstation.sync.rounds import HubTarget

    server = None
    if server_url is None:
        server = postgres_server.start()
        if server is None:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql-15)")
        server_url = server.url
    work = Path(tempfile.mkdtemp(prefix="workstation-review-hub-"))
    try:
        database = postgres_server.fresh_database(server_url)
        storage = open_storage(database)  # migrated: the projection's tables and indexes
        try:
            token = add_device(storage, DEVICE)
            hashed = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
            storage.save_officer(SUPERVISOR, "Hub Supervisor", "supervisor", True, hashed, None)
        finally:
            storage.close()
        started = clock.perf_counter()
        loaded = load_projection(records_path, database)
        load_seconds = clock.perf_counter() - started
        cache_path = records_path.parent / CACHE_FILE
        targets = load_targets(cache_path, database) if cache_path.exists() else 0
        print(
            f"hub: {loaded['inspections']:,} records and {targets:,} reference items copied into "
            f"the projection in {load_seconds:.1f} s"
        )
        hub = HubServer(work, database)
        try:
            target = HubTarget(hub.url, token)
            source: ReviewSource
            with HubReviewSource(target, open_review_session(target, SUPERVISOR, PASSWORD)) as source:
                timed(source, opening)  # the first request opens the hub's pooled connection
                open_ms, open_rows = timed(source, opening)
                figures = run_filters(source, filters)
                if day is not None:
                    figures |= other_figures(source, day, zone, timed_ms)
        finally:
            hub.stop()
    finally:
        if server is not None:
            server.stop()
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return figures | {
        "open_ms": round(open_ms, 1),
        "open_rows": open_rows,
        "load_seconds": round(load_seconds, 1),
        "engine": "postgresql",
    }


def other_figures(
    source: ReviewSource, day: date, zone: tzinfo, timed_ms: Callable[[Callable[[], object]], float]
) -> dict[str, Any]:
    """The local half's other figures, through the hub: each timed once."""
    day_start, day_end = day_span(day, zone)
    day_filter = LogFilter(start=day_start, end=day_end)
    week_filter = LogFilter(start=day_start - timedelta(days=6), end=day_end)
    now = datetime.combine(day + timedelta(days=1), time(12), tzinfo=zone)
    unexamined: list[object] = []
    return {
        "counts_day_ms": timed_ms(lambda: source.counts(day_filter, zone)),
        "counts_week_ms": timed_ms(lambda: source.counts(week_filter, zone)),
        "unexamined_ms": timed_ms(lambda: unexamined.extend(source.unexamined(day, now, zone))),
        "open_detentions_ms": timed_ms(source.open_detentions),
        "to_countersign_ms": timed_ms(source.to_countersign),
        "unexamined": len(unexamined),
    }


def main() -> None:
    """This half alone, on a history records file (the local half's, by default)."""
    from review import BENCH_DIR, opening_filter, standard_filters

    from workstation.store.review_query import LocalReviewSource

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="?", default=str(BENCH_DIR / "history-500000-30" / "records.sqlite"))
    parser.add_argument("--day", help="the history's last day (YYYY-MM-DD); read from complete.json")
    args = parser.parse_args()
    path = Path(args.records)
    info_file = path.parent / "complete.json"
    day = date.fromisoformat(args.day or json.loads(info_file.read_text())["last_day"])
    zone: tzinfo = UTC
    local = LocalReviewSource(path, None, "BENCH-BENCHMARK")
    try:
        filters = standard_filters(local, day, zone)
    finally:
        local.close()
    hub = hub_half(path, opening_filter(day, zone), filters, day=day, zone=zone)
    print_hub(hub)
    print(json.dumps({"hub": hub}))


def print_hub(hub: dict[str, Any], target_ms: float = 200.0) -> bool:
    print(f"hub (PostgreSQL over HTTP), open: {hub['open_ms']} ms ({hub['open_rows']:,} records)")
    print(
        f"  {hub['filters']} filters: p50 {hub['p50_ms']} ms, p99 {hub['p99_ms']} ms, max {hub['max_ms']} ms"
    )
    for s in hub["slowest"]:
        print(f"    {s['ms']:7.1f} ms  {s['filter']} ({s['rows']:,} records)")
    met = bool(hub["p50_ms"] <= target_ms and hub["p99_ms"] <= target_ms and hub["open_ms"] <= target_ms)
    print(f"  target {target_ms:.0f} ms p50 and p99: {'met' if met else 'MISSED'}")
    if "counts_day_ms" in hub:
        print(
            f"  counts: a day {hub['counts_day_ms']} ms, a week {hub['counts_week_ms']} ms; "
            f"unexamined ({hub['unexamined']:,} left): {hub['unexamined_ms']} ms; "
            f"open detentions {hub['open_detentions_ms']} ms; to countersign {hub['to_countersign_ms']} ms"
        )
    return met


if __name__ == "__main__":
    main()
