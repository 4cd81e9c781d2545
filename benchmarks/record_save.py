"""Save time of one inspection record (record + audit entry + outbox row, one transaction,
WAL with synchronous=FULL), on a records file in --dir (default: a temporary directory).

    uv run python benchmarks/record_save.py [--saves 1000] [--dir DIR]

The last line is one JSON object (p50, p99, max in ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher

from workstation.core.records import ExamType, InspectionDraft, Outcome, Role
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore

PASSWORD = "a long enough password"


def run(data_dir: Path, saves: int) -> list[float]:
    store = RecordsStore.open(data_dir)
    # Sign-in cost is measured in sign_in.py; cheap parameters here keep the set-up short.
    directory = OfficerDirectory(store, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    directory.add(None, "A1", "Bench Admin", Role.ADMIN, PASSWORD)
    directory.add(directory.sign_in("A1", PASSWORD, "DESK"), "O1", "Bench Officer", Role.OFFICER, PASSWORD)
    session = directory.sign_in("O1", PASSWORD, "BENCH-1")
    times = []
    for n in range(saves):
        draft = InspectionDraft(
            f"RB{n:08d}5GB",
            Outcome.RELEASED,
            frozenset({ExamType.XRAY}),
            notes="contents match",
            risk_score=35,
        )
        t0 = time.perf_counter()
        store.save_inspection(session, draft)
        times.append((time.perf_counter() - t0) * 1000)
    store.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument(
        "--dir", type=Path, help="where to put the records file (its disk is what is measured)"
    )
    args = parser.parse_args()
    if args.dir:
        args.dir.mkdir(parents=True, exist_ok=True)
        times = run(args.dir, args.saves)
        where = str(args.dir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            times = run(Path(tmp), args.saves)
            where = tmp
    q = statistics.quantiles(times, n=100)
    p50, p99 = statistics.median(times), q[98]
    print(f"{args.saves} saves in {where} (synchronous=FULL)")
    print(f"p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {max(times):.2f} ms")
    print(
        json.dumps(
            {
                "benchmark": "record_save",
                "saves": args.saves,
                "p50_ms": round(p50, 2),
                "p99_ms": round(p99, 2),
                "max_ms": round(max(times), 2),
                "synchronous": "FULL",
            }
        )
    )


if __name__ == "__main__":
    main()
