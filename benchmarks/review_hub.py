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
import time
from collections.abc import Sequence
from datetime import UTC, date, tzinfo
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from workstation.core.review import LogFilter, ReviewSource
from workstation.hub.projection import TABLES
from workstation.hub.storage import open_storage

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
    server_url: str | None = None,
) -> dict[str, Any]:
    """Load the history into a hub on PostgreSQL and time `opening` and `filters` through it."""
    import postgres_server
    from review import run_filters, timed

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
        started = time.perf_counter()
        loaded = load_projection(records_path, database)
        load_seconds = time.perf_counter() - started
        print(f"hub: {loaded['inspections']:,} records copied into the projection in {load_seconds:.1f} s")
        hub = HubServer(work, database)
        try:
            target = HubTarget(hub.url, token)
            source: ReviewSource
            with HubReviewSource(target, open_review_session(target, SUPERVISOR, PASSWORD)) as source:
                timed(source, opening)  # the first request opens the hub's pooled connection
                open_ms, open_rows = timed(source, opening)
                figures = run_filters(source, filters)
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
    hub = hub_half(path, opening_filter(day, zone), filters)
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
    return met


if __name__ == "__main__":
    main()
