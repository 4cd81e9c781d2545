"""Sync figures: upload end to end against its floor, the reference pull and the cache import at a
million items, and 20 benches against two hub processes.

    uv run python benchmarks/sync.py [--events 20000] [--reference 200000] [--cache-items 1000000]
                                     [--benches 20] [--batches 10] [--skip-cache]

PostgreSQL: the server named by WORKSTATION_TEST_PG_URL (as `.ci/run` starts it), else a
throwaway one started here the same way (initdb, pg_ctl on a free loopback port). Every part
uses a fresh database on it. The hub runs as real `workstation hub serve` processes.

1. upload: a bench records file holding N events (inspections, written through the store, each
   with its audit entry and outbox message) is sent by the bench's `Sender` over HTTP into the
   hub on PostgreSQL, in batches of 500 with the audit chain: events/s from the first batch to
   nothing pending. The floor, in the same run: psycopg `executemany` of the same rows (bench,
   kind, event_id, payload, payload_sha256) into the same table of a fresh database with the
   same conflict handling (`ON CONFLICT (kind, event_id) DO NOTHING`). Target: 10,000 events/s
   and a ratio of at least 0.4.
2. cache import: `workstation cache import` of a 1,000,000-item feed into a fresh cache, in a
   child process: items/s and the child's peak RSS (target 20,000 items/s, under 400 MB).
3. reference pull: the hub publishes R new reference records (`hub import`); the bench pulls them
   page by page (`pull_reference_into`, each page and its cursor in one transaction) into the
   cache of part 2, which already holds 1,000,000 items: records/s (target 20,000).
4. load: B simulated benches (processes) each send K batches of 500 messages, alternating
   between two hub processes on one PostgreSQL database: batch latency p50 and p99; then the
   count check (every event once: nothing lost, nothing doubled), and each bench's first batch
   sent again comes back all "duplicate".

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The client's one-time note that a loopback hub is plain http is for the log of a real bench.
logging.getLogger("workstation.sync.client").setLevel(logging.ERROR)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # postgres_server: the same throwaway server the tests use

BENCH_DIR = Path(os.environ.get("WORKSTATION_BENCH_DIR", "/tmp/workstation-bench"))
UPLOAD_TARGET = 10_000
RATIO_TARGET = 0.4
PULL_TARGET = 20_000
IMPORT_TARGET = 20_000
RSS_TARGET_MB = 400
PASSWORD = "a long enough password"


def workstation(data_dir: Path, *args: str, **popen: Any) -> list[str]:
    return [sys.executable, "-m", "workstation", "--data-dir", str(data_dir), *args]


class Hub:
    """`workstation hub serve` on a database, on a free port."""

    def __init__(self, folder: Path, database: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.database = database
        err = open(folder / "hub-stderr.txt", "a")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen(
            workstation(folder, "hub", "serve", "--database", database, "--port", "0"),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=REPO,
        )
        err.close()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the hub did not start: {(folder / 'hub-stderr.txt').read_text()}")
        self.url: str = json.loads(line)["listening"]

    def add_device(self, name: str) -> str:
        done = subprocess.run(
            workstation(self.folder, "hub", "add-device", name, "--database", self.database),
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        return done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def fresh_database(server_url: str) -> str:
    import postgres_server

    return postgres_server.fresh_database(server_url)


# -- 1. upload ----------------------------------------------------------------------------------


def fill_bench(data_dir: Path, events: int, bench: str) -> None:
    from argon2 import PasswordHasher

    from workstation.core.records import ExamType, InspectionDraft, Outcome, Role
    from workstation.store.officers import OfficerDirectory
    from workstation.store.records import RecordsStore

    store = RecordsStore.open(data_dir)
    directory = OfficerDirectory(store, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    directory.add(None, "A1", "Bench Admin", Role.ADMIN, PASSWORD)
    directory.add(directory.sign_in("A1", PASSWORD, bench), "O1", "Bench Officer", Role.OFFICER, PASSWORD)
    session = directory.sign_in("O1", PASSWORD, bench)
    written = 0
    while written < events:
        with store.transaction():
            for n in range(written, min(events, written + 1000)):
                draft = InspectionDraft(
                    f"RB{n:08d}5GB", Outcome.RELEASED, frozenset({ExamType.XRAY}), notes="contents match"
                )
                store.save_inspection(session, draft)
        written = min(events, written + 1000)
    store.close()


def upload(server_url: str, work: Path, events: int) -> dict[str, Any]:
    import psycopg

    from workstation.hub.postgres import EVENT_INSERT_SQL
    from workstation.hub.storage import open_storage
    from workstation.store.records import RecordsStore
    from workstation.sync.client import HubClient
    from workstation.sync.sender import Sender

    bench_dir = work / "bench"
    bench_dir.mkdir()
    t0 = time.perf_counter()
    fill_bench(bench_dir, events, "bench-1")
    print(f"upload: {events:,} events written on the bench in {time.perf_counter() - t0:.1f} s")
    database = fresh_database(server_url)
    hub = Hub(work / "hub", database)
    try:
        token = hub.add_device("bench-1")
        store = RecordsStore.open(bench_dir)
        messages = store.outbox.count()
        with HubClient(hub.url, token, timeout=60) as client:
            sender = Sender(store, client, "bench-1")
            started = time.perf_counter()
            report = sender.round()
            seconds = time.perf_counter() - started
        store.close()
        if report.error is not None or report.pending:
            raise SystemExit(f"upload: the round stopped: {report.error} ({report.pending} pending)")
    finally:
        hub.stop()
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT bench, kind, event_id, payload, payload_sha256 FROM events ORDER BY hub_seq"
        ).fetchall()
    assert len(rows) == messages, (len(rows), messages)
    # The floor: the same rows into the same table of a fresh database, the same conflict handling.
    floor_db = fresh_database(server_url)
    open_storage(floor_db).close()  # the hub's schema, migrated
    with psycopg.connect(floor_db) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany(EVENT_INSERT_SQL, rows)
        conn.commit()
        floor_seconds = time.perf_counter() - started
    rate = messages / seconds
    floor_rate = messages / floor_seconds
    print(
        f"upload: {messages:,} events in {seconds:.2f} s = {rate:,.0f} events/s end to end "
        f"({report.batches} batches, anchor {report.anchor.seq if report.anchor else None}); "
        f"floor (executemany) {floor_rate:,.0f} events/s; ratio {rate / floor_rate:.2f}"
    )
    return {
        "upload_events": messages,
        "upload_events_per_s": round(rate),
        "upload_floor_events_per_s": round(floor_rate),
        "upload_ratio": round(rate / floor_rate, 3),
        "upload_batches": report.batches,
    }


# -- 2. cache import, 3. reference pull ---------------------------------------------------------


def feed(count: int, seed: int, name: str) -> Path:
    path = BENCH_DIR / name
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        done = subprocess.run(
            workstation(BENCH_DIR, "demo", "feed", "--count", str(count), "--seed", str(seed),
                        "--base-date", "2026-05-01", "--out", str(path)),
            capture_output=True, text=True, cwd=REPO, check=False,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"demo feed: {done.stderr}")
        print(f"feed {path.name} written in {time.perf_counter() - t0:.0f} s")
    return path


def cache_import(data_dir: Path, items: int) -> dict[str, Any]:
    path = feed(items, 1, f"demo-feed-{items}.jsonl")
    data_dir.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        workstation(data_dir, "cache", "import", str(path)),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"cache import: {done.stderr}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    written = int(summary.get("items_written", items))
    rate = written / seconds
    print(
        f"cache import: {written:,} items in {seconds:.1f} s = {rate:,.0f} items/s, peak RSS {rss_mb:.0f} MB"
        + ("" if rss_mb > before / 1024 else " (an earlier child's peak)")
    )
    return {"import_items": written, "import_items_per_s": round(rate), "import_peak_rss_mb": round(rss_mb)}


def reference_pull(server_url: str, work: Path, cache_dir: Path, records: int) -> dict[str, Any]:
    from workstation.store.cache import ManifestCache
    from workstation.store.db import open_cache
    from workstation.sync.client import HubClient
    from workstation.sync.rounds import pull_reference_into

    path = feed(records, 7, f"demo-feed-{records}-seed7.jsonl")
    database = fresh_database(server_url)
    hub = Hub(work / "ref-hub", database)
    try:
        t0 = time.perf_counter()
        done = subprocess.run(
            workstation(hub.folder, "hub", "import", str(path), "--database", database),
            capture_output=True, text=True, cwd=REPO, check=False,
        )  # fmt: skip
        if done.returncode:
            raise SystemExit(f"hub import: {done.stderr}")
        print(f"reference: {records:,} records published at the hub in {time.perf_counter() - t0:.0f} s")
        token = hub.add_device("bench-1")
        cache = ManifestCache(open_cache(cache_dir))
        before = cache.count()
        with HubClient(hub.url, token, timeout=60) as client:
            started = time.perf_counter()
            pulled = pull_reference_into(cache, client, hub.url)
            seconds = time.perf_counter() - started
        after = cache.count()
        cache.db.conn.close()
    finally:
        hub.stop()
    rate = pulled.records / seconds
    print(
        f"reference pull: {pulled.records:,} records in {pulled.pages} pages, {seconds:.1f} s = "
        f"{rate:,.0f} records/s into a cache of {before:,} items (now {after:,})"
    )
    return {
        "reference_records": pulled.records,
        "reference_records_per_s": round(rate),
        "reference_cache_items_before": before,
    }


# -- 4. twenty benches, two hub processes -------------------------------------------------------


def _bench_messages(bench: str, batch: int, size: int) -> list[Any]:
    from workstation.core.messages import InspectionPart, InspectionRecorded

    at = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)  # the same batch is the same payload: a duplicate
    return [
        InspectionRecorded(
            event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{bench}/{batch}/{n}")),
            bench_id=bench,
            at=at,
            actor="O1",
            audit_seq=batch * size + n + 1,
            audit_hash="0" * 64,
            inspection=InspectionPart(
                tracking_id=f"LP{batch:04d}{n:06d}CN",
                barcode=None,
                officer_badge="O1",
                officer_name="Bench Officer",
                shift_id=f"{bench}-shift",
                outcome="released",
                exam_types=("xray",),
                notes="contents match",
                manifest_found=True,
                risk_score=35,
                risk_lane="green",
                targeted=False,
                agency=None,
                supersedes=None,
                reason="",
            ),
        )
        for n in range(size)
    ]


def _one_bench(args: tuple[str, list[str], str, int, int]) -> tuple[list[float], int]:
    bench, urls, token, batches, size = args
    from workstation.sync.client import HubClient

    clients = [HubClient(url, token, timeout=120) for url in urls]
    latencies: list[float] = []
    try:
        for b in range(batches):
            messages = _bench_messages(bench, b, size)
            started = time.perf_counter()
            reply = clients[b % len(clients)].send(bench, messages, [])
            latencies.append((time.perf_counter() - started) * 1000)
            assert all(r.status == "accepted" for r in reply.results), bench
        again = clients[1 % len(clients)].send(bench, _bench_messages(bench, 0, size), [])
        duplicates = sum(r.status == "duplicate" for r in again.results)
    finally:
        for c in clients:
            c.close()
    return latencies, duplicates


def load(server_url: str, work: Path, benches: int, batches: int, size: int = 500) -> dict[str, Any]:
    import psycopg

    database = fresh_database(server_url)
    hubs = [Hub(work / f"load-hub-{n}", database) for n in range(2)]
    try:
        jobs = [
            (f"bench-{n:02d}", [h.url for h in hubs[n % 2 :] + hubs[: n % 2]], hubs[0].add_device(f"bench-{n:02d}"),
             batches, size)
            for n in range(benches)
        ]  # fmt: skip
        ctx = multiprocessing.get_context("spawn")
        started = time.perf_counter()
        with ctx.Pool(benches) as pool:
            results = pool.map(_one_bench, jobs)
        seconds = time.perf_counter() - started
    finally:
        for h in hubs:
            h.stop()
    latencies = sorted(ms for lat, _ in results for ms in lat)
    duplicates = sum(d for _, d in results)
    expected = benches * batches * size
    with psycopg.connect(database) as conn:
        stored, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (kind, event_id)) FROM events"
        ).fetchone()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    ok = stored == expected and distinct == expected and duplicates == benches * size
    print(
        f"load: {benches} benches x {batches} batches of {size} against 2 hub processes in {seconds:.1f} s "
        f"({expected / seconds:,.0f} events/s): batch latency p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
        f"hub holds {stored:,} events ({distinct:,} distinct) of {expected:,} sent; "
        f"resent first batches: {duplicates:,} duplicates -> {'OK' if ok else 'MISMATCH'}"
    )
    return {
        "load_benches": benches,
        "load_batches": benches * batches,
        "load_p50_ms": round(p50, 1),
        "load_p99_ms": round(p99, 1),
        "load_events_per_s": round(expected / seconds),
        "load_events_sent": expected,
        "load_events_stored": stored,
        "load_count_ok": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--reference", type=int, default=200_000)
    parser.add_argument("--cache-items", type=int, default=1_000_000)
    parser.add_argument("--benches", type=int, default=20)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--skip-cache", action="store_true", help="leave out parts 2 and 3")
    args = parser.parse_args()

    import postgres_server

    server = postgres_server.start()
    if server is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql-15)")
    work = Path(tempfile.mkdtemp(prefix="workstation-sync-bench-"))
    figures: dict[str, Any] = {}
    try:
        figures |= upload(server.url, work, args.events)
        if not args.skip_cache:
            cache_dir = work / "cache-1m"
            figures |= cache_import(cache_dir, args.cache_items)
            figures |= reference_pull(server.url, work, cache_dir, args.reference)
        figures |= load(server.url, work, args.benches, args.batches)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    figures["targets"] = {
        "upload_events_per_s": UPLOAD_TARGET,
        "upload_ratio": RATIO_TARGET,
        "reference_records_per_s": PULL_TARGET,
        "import_items_per_s": IMPORT_TARGET,
        "import_peak_rss_mb": RSS_TARGET_MB,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
