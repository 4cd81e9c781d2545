"""A records writer for the crash-safety test: saves until killed, printing each id after its commit.

Imports take about a second (sqlite-utils pulls in numpy), so this process imports once and forks a
fresh writer per round: on stdin "go SEED" forks a writer (it prints "ready PID", then "saved ID"
after each commit); "reap PID" waits for that writer, killed by the test, and prints "reaped PID".

Usage: python crash_writer.py DATA_DIR
"""

from __future__ import annotations

import os
import random
import sys
from datetime import date
from pathlib import Path

from argon2 import PasswordHasher

from workstation.core.records import (
    DetentionDraft,
    InspectionDraft,
    Outcome,
    SeizedItem,
    SeizureDraft,
    Violation,
)
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore


def write_until_killed(data_dir: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = RecordsStore.open(data_dir)
    directory = OfficerDirectory(store, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    session = directory.sign_in("O1", "correct horse", "B1")
    sys.stdout.write(f"ready {os.getpid()}\n")
    sys.stdout.flush()
    n = 0
    while True:
        n += 1
        tracking = f"T{seed}-{n}"
        kind = rng.random()
        if kind < 0.6:
            draft = InspectionDraft(tracking, Outcome.RELEASED, notes="x" * rng.randint(0, 2000))
            rec = store.save_inspection(session, draft)
        elif kind < 0.8:
            rec = store.save_detention(
                session,
                InspectionDraft(tracking, Outcome.DETAINED),
                DetentionDraft("lab", "FDA", date(2026, 1, 1)),
            )
        else:
            photo = store.save_photo(session, rng.randbytes(rng.randint(100, 5000)))
            items = tuple(SeizedItem(f"item {i}", i + 1, 10.0, 5.0) for i in range(rng.randint(1, 4)))
            rec = store.save_seizure(
                session,
                InspectionDraft(tracking, Outcome.SEIZED),
                SeizureDraft(Violation.TRADEMARK, "19 U.S.C. 1526(e)", items, "cage", (photo,)),
            )
        sys.stdout.write(f"saved {rec.id}\n")
        sys.stdout.flush()


def serve(data_dir: Path) -> None:
    for line in sys.stdin:
        command, arg = line.split()
        if command == "go":
            pid = os.fork()
            if pid == 0:
                try:
                    write_until_killed(data_dir, int(arg))
                finally:
                    os._exit(1)
        elif command == "reap":
            os.waitpid(int(arg), 0)
            sys.stdout.write(f"reaped {arg}\n")
            sys.stdout.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
