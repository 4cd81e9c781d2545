"""Helpers for the records tests: a fast hasher, a clock the test moves, a bench of signed-in officers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher

from workstation.config import SecuritySettings
from workstation.core.records import Role, Session
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore

# Tests only: the real parameters are tested once in test_officers.py.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse"


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Bench:
    store: RecordsStore
    directory: OfficerDirectory
    clock: FakeClock
    officer: Session
    officer2: Session
    supervisor: Session
    supervisor2: Session
    admin: Session

    def close(self) -> None:
        self.store.close()


def open_directory(
    data_dir: Path, clock: FakeClock | None = None, security: SecuritySettings | None = None
) -> tuple[RecordsStore, OfficerDirectory, FakeClock]:
    clock = clock or FakeClock()
    store = RecordsStore.open(data_dir, clock=clock)
    return store, OfficerDirectory(store, security, hasher=FAST_HASHER), clock


def open_bench(data_dir: Path, clock: FakeClock | None = None) -> Bench:
    """A records store with an admin, two officers and two supervisors, each signed in on a bench."""
    store, directory, clock = open_directory(data_dir, clock)
    if directory.is_empty():
        directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
        admin = directory.sign_in("A1", PASSWORD, "ADMIN-DESK")
        for badge, name, role in (
            ("O1", "Olga Officer", Role.OFFICER),
            ("O2", "Omar Officer", Role.OFFICER),
            ("S1", "Sam Supervisor", Role.SUPERVISOR),
            ("S2", "Sue Supervisor", Role.SUPERVISOR),
        ):
            directory.add(admin, badge, name, role, PASSWORD)
    else:
        admin = directory.sign_in("A1", PASSWORD, "ADMIN-DESK")
    return Bench(
        store,
        directory,
        clock,
        officer=directory.sign_in("O1", PASSWORD, "B1"),
        officer2=directory.sign_in("O2", PASSWORD, "B2"),
        supervisor=directory.sign_in("S1", PASSWORD, "B3"),
        supervisor2=directory.sign_in("S2", PASSWORD, "B4"),
        admin=admin,
    )
