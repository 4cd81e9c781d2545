"""A records writer for the crash-safety test: saves until killed, printing each id after its commit.

Imports take about a second (sqlite-utils pulls in numpy), so this process imports once and forks a
fresh writer per round: on stdin "go SEED" forks a writer (it prints "ready PID", then "saved ID"
after each commit); "reap PID" waits for that writer, killed by the test, and prints "reaped PID".

Usage: python crash_writer.py DATA_DIR
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from datetime import UTC, date, datetime, timedelta
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
from workstation.store.officers import OfficerDirectory, SignInError
from workstation.store.records import RecordsStore


def write_until_killed(data_dir: Path, seed: int) -> None:
    """Every kind of fact, at random: outcomes, photos, corrections, voids, countersignatures,
    returns for correction, lookouts and their removals, shifts and their ends, officer changes
    and security events."""
    rng = random.Random(seed)
    store = RecordsStore.open(data_dir)
    directory = OfficerDirectory(store, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    session = directory.sign_in("O1", "correct horse", "B1")
    supervisor = directory.sign_in("S1", "correct horse", "B2")
    admin = directory.sign_in("A1", "correct horse", "B3")
    sys.stdout.write(f"ready {os.getpid()}\n")
    sys.stdout.flush()
    n = 0
    recent: list[str] = []
    seizures: list[str] = []
    lookouts: list[str] = []
    while True:
        n += 1
        tracking = f"T{seed}-{n}"
        kind = rng.random()
        if kind < 0.35:
            draft = InspectionDraft(tracking, Outcome.RELEASED, notes="x" * rng.randint(0, 2000))
            rec = store.save_inspection(session, draft)
        elif kind < 0.45:
            rec = store.save_detention(
                session,
                InspectionDraft(tracking, Outcome.DETAINED),
                DetentionDraft("lab", "FDA", date(2026, 1, 1)),
            )
        elif kind < 0.55:
            photo = store.save_photo(session, rng.randbytes(rng.randint(100, 5000)))
            items = tuple(SeizedItem(f"item {i}", i + 1, 10.0, 5.0) for i in range(rng.randint(1, 4)))
            rec = store.save_seizure(
                session,
                InspectionDraft(tracking, Outcome.SEIZED),
                SeizureDraft(Violation.TRADEMARK, "19 U.S.C. 1526(e)", items, "cage", (photo,)),
            )
            seizures.append(rec.id)
        elif kind < 0.62 and recent:
            old = recent.pop(rng.randrange(len(recent)))
            if rng.random() < 0.5:
                store.void_inspection(supervisor, old, "made in error")
                _done("void")
            else:
                target = store.get_inspection(old)
                assert target is not None
                rec = store.save_inspection(
                    supervisor,
                    InspectionDraft(target.tracking_id, Outcome.DUTY_ASSESSED, supersedes=old, reason="duty"),
                )
                sys.stdout.write(f"saved {rec.id}\n")
                sys.stdout.flush()
            continue
        elif kind < 0.67 and seizures:
            store.countersign_seizure(supervisor, seizures.pop())
            _done("countersignature")
            continue
        elif kind < 0.74:
            directory.sign_out(session)  # a shift end, then a new shift
            session = directory.sign_in("O1", "correct horse", "B1")
            _done("shift")
            continue
        elif kind < 0.79:
            session = directory.sign_in(
                "O2" if session.officer.badge == "O1" else "O1", "correct horse", "B1"
            )
            _done("hand-over")
            continue
        elif kind < 0.86:
            if rng.random() < 0.5:
                directory.reset_password(admin, "O3", "correct horse")
            else:
                directory.set_pin(session, f"{rng.randint(1000, 9999)}")
            _done("officer")
            continue
        elif kind < 0.89:
            directory.record_security_event(session, "lock", {"idle_minutes": 5})
            _done("security")
            continue
        elif kind < 0.92 and seizures:
            seizure = store.seizure_ref(seizures.pop())
            assert seizure is not None
            store.return_for_correction(supervisor, seizure, "the photo is missing")
            _done("seizure_return")
            continue
        elif kind < 0.95:
            until = datetime.now(UTC) + timedelta(days=rng.randint(1, 30))
            lookouts.append(
                store.add_lookout(supervisor, "shipper", f"ACME {n}*", "counterfeit watches", until).id
            )
            _done("lookout")
            continue
        elif kind < 0.97 and lookouts:
            store.remove_lookout(supervisor, lookouts.pop(0), "no longer needed")
            _done("lookout_removal")
            continue
        else:
            with contextlib.suppress(SignInError):
                directory.sign_in("NOBODY", "not it", "B1")
            _done("security")
            continue
        if rec.id not in seizures:  # a voided seizure could not be countersigned
            recent.append(rec.id)
        sys.stdout.write(f"saved {rec.id}\n")
        sys.stdout.flush()


def _done(kind: str) -> None:
    sys.stdout.write(f"did {kind}\n")
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
