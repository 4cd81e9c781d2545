"""Audit verification throughput over 1,000,000 entries (entries/s).

    uv run python benchmarks/audit_verify.py [--entries 1000000] [--record-share 0.2]

Builds a records file once under /tmp/workstation-bench/audit-N (reused by later runs): the
schema through `RecordsStore.open`, then entries written with executemany in one transaction, the
chain computed in Python with the same functions the store uses. The first entry adds the
officer (its row's digest, as the store writes it), the second starts the shift. A share of the
entries cover inspection records (inserted alongside), so verification also reads and digests
records; the rest are security events. Then `workstation audit verify`'s code path runs on a fresh connection.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

from workstation.core.audit import (
    GENESIS_HASH,
    OFFICER_FIELDS_KEY,
    canonical_json,
    entry_hash,
    field_digests,
    officer_subject,
    record_digest,
)
from workstation.store import audit
from workstation.store.db import RECORDS_FILE
from workstation.store.records import RecordsStore

BENCH_DIR = Path(os.environ.get("WORKSTATION_BENCH_DIR", "/tmp/workstation-bench"))
BATCH = 50_000
SHIFT_START = "2026-01-01T00:00:00.000000+00:00"
INSPECTION_COLUMNS = (
    "id, tracking_id, officer_badge, officer_name, bench_id, shift_id, at, outcome, exam_types, "
    "notes, manifest_found, risk_score, risk_lane, targeted, agency, supersedes, reason"
)


def build(data_dir: Path, entries: int, record_share: float) -> None:
    RecordsStore.open(data_dir).close()
    conn = sqlite3.connect(data_dir / RECORDS_FILE)
    conn.execute("PRAGMA synchronous=OFF")
    every = max(1, round(1 / record_share)) if record_share > 0 else 0
    prev = GENESIS_HASH
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO officers (badge, name, role, password_hash, created_at) "
        "VALUES ('O1', 'Bench Officer', 'officer', 'x', '2026-01-01T00:00:00.000000+00:00')"
    )
    officer = audit.row_dict(conn, "officers", "O1", "badge")
    conn.execute("INSERT INTO shifts VALUES ('shift-1', 'O1', 'BENCH-1', ?, NULL)", (SHIFT_START,))
    entry_rows: list[tuple[object, ...]] = []
    record_rows: list[tuple[object, ...]] = []
    for seq in range(1, entries + 1):
        at = f"2026-01-01T{(seq // 3600) % 24:02d}:{(seq // 60) % 60:02d}:{seq % 60:02d}.{seq % 1_000_000:06d}+00:00"
        subject = digest = ""
        if seq == 1:
            subject, digest, kind = officer_subject("O1"), record_digest(officer), "officer_added"
            detail = canonical_json({"badge": "O1", OFFICER_FIELDS_KEY: field_digests(officer)})
        elif seq == 2:
            shift = {
                "id": "shift-1",
                "officer_badge": "O1",
                "bench_id": "BENCH-1",
                "started_at": SHIFT_START,
                "handed_over_from": None,
            }
            subject, digest, kind = "shifts:shift-1", record_digest(shift), "sign_in"
            detail = canonical_json({"text": ""})
        elif every and seq % every == 0:
            row = {
                "id": str(uuid.UUID(int=seq)),
                "tracking_id": f"RB{seq:08d}5GB",
                "officer_badge": "O1",
                "officer_name": "Bench Officer",
                "bench_id": "BENCH-1",
                "shift_id": "shift-1",
                "at": at,
                "outcome": "released",
                "exam_types": '["xray"]',
                "notes": "contents match the manifest",
                "manifest_found": 1,
                "risk_score": seq % 100,
                "risk_lane": "green",
                "targeted": 0,
                "agency": None,
                "supersedes": None,
                "reason": "",
            }
            record_rows.append(tuple(row.values()))
            subject, digest, kind = f"inspections:{row['id']}", record_digest(row), "inspection"
            detail = canonical_json({"text": ""})
        else:
            kind, detail = ("lock", canonical_json({"text": "idle 5 minutes"}))
        body = {
            "seq": seq,
            "at": at,
            "kind": kind,
            "actor": "O1",
            "bench_id": "BENCH-1",
            "subject": subject,
            "record_sha256": digest,
            "detail": detail,
        }
        h = entry_hash(prev, body)
        entry_rows.append((seq, at, kind, "O1", "BENCH-1", subject, digest, detail, prev, h))
        prev = h
        if len(entry_rows) >= BATCH:
            flush(conn, entry_rows, record_rows)
    flush(conn, entry_rows, record_rows)
    conn.execute("COMMIT")
    conn.close()


def flush(
    conn: sqlite3.Connection, entry_rows: list[tuple[object, ...]], record_rows: list[tuple[object, ...]]
) -> None:
    # The 17 columns of m001, named: later migrations add nullable columns (NULL here).
    conn.executemany(
        f"INSERT INTO inspections ({INSPECTION_COLUMNS}) VALUES ({', '.join('?' * 17)})", record_rows
    )
    conn.executemany(
        f"INSERT INTO audit_log ({audit.ENTRY_COLUMNS}) VALUES ({', '.join('?' * 10)})", entry_rows
    )
    entry_rows.clear()
    record_rows.clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--record-share", type=float, default=0.2)
    args = parser.parse_args()
    data_dir = BENCH_DIR / f"audit-{args.entries}-{args.record_share}"
    if not (data_dir / RECORDS_FILE).exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        build(data_dir, args.entries, args.record_share)
        print(f"built {args.entries:,} entries in {time.perf_counter() - t0:.1f} s under {data_dir}")
    store = RecordsStore.open(data_dir)
    t0 = time.perf_counter()
    report = store.verify_audit()
    seconds = time.perf_counter() - t0
    store.close()
    if not report.ok:
        raise SystemExit(f"the benchmark chain does not verify: {report.first_break}")
    rate = report.entries / seconds
    size_mb = (data_dir / RECORDS_FILE).stat().st_size / 1e6
    print(
        f"verified {report.entries:,} entries ({report.records:,} records) in {seconds:.2f} s: {rate:,.0f} entries/s"
    )
    print(f"file {size_mb:.0f} MB")
    print(
        json.dumps(
            {
                "benchmark": "audit_verify",
                "entries": report.entries,
                "records": report.records,
                "seconds": round(seconds, 2),
                "entries_per_s": round(rate),
                "file_mb": round(size_mb),
            }
        )
    )


if __name__ == "__main__":
    main()
