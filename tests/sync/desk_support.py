"""Benches whose officers take turns at one desk, syncing to a real hub, and the hub's supervisors."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from hub_process import HubProcess
from records_support import FAST_HASHER, PASSWORD, FakeClock

from workstation.core.records import (
    DetentionDraft,
    InspectionDraft,
    Outcome,
    Role,
    SeizedItem,
    SeizureDraft,
    Session,
    Violation,
)
from workstation.hub.storage import open_storage
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.sync.client import HubClient
from workstation.sync.rounds import HubTarget
from workstation.sync.sender import Sender

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICERS = (
    ("O1", "Olga Officer", Role.OFFICER),
    ("O2", "Omar Officer", Role.OFFICER),
    ("S1", "Sam Supervisor", Role.SUPERVISOR),
    ("S2", "Sue Supervisor", Role.SUPERVISOR),
)


@dataclass
class DeskBench:
    """One bench (one records file, one device); `as_(badge)` signs that officer in (a hand-over)."""

    name: str
    store: RecordsStore
    directory: OfficerDirectory
    clock: FakeClock
    token: str = ""
    sessions: dict[str, Session] = field(default_factory=dict)

    def as_(self, badge: str) -> Session:
        self.clock.advance(seconds=1)
        return self.directory.sign_in(badge, PASSWORD, self.name)

    def release(self, badge: str, tracking: str, **kwargs: object) -> str:
        self.clock.advance(minutes=1)
        draft = InspectionDraft(tracking, Outcome.RELEASED, **kwargs)  # type: ignore[arg-type]
        return self.store.save_inspection(self.as_(badge), draft).id

    def detain(self, badge: str, tracking: str) -> str:
        self.clock.advance(minutes=1)
        detention = DetentionDraft("FDA exam", "FDA", self.clock.now.date())
        return self.store.save_detention(
            self.as_(badge), InspectionDraft(tracking, Outcome.DETAINED), detention
        ).id

    def seize(self, badge: str, tracking: str) -> str:
        """A trademark seizure of two lines, with its photo (the evidence the rights holder sees)."""
        session = self.as_(badge)
        self.clock.advance(minutes=1)
        photos = (self.store.save_photo(session, b"\xff\xd8\xff\xe0" + os.urandom(64)),)
        draft = SeizureDraft(
            Violation.TRADEMARK,
            "19 U.S.C. 1526(e)",
            (SeizedItem("watch", 2, 150.0, 40.0, "Rolex", "TM 123"), SeizedItem("strap", 1, 20.0, 5.0)),
            "cage 4",
            photos,
        )
        return self.store.save_seizure(session, InspectionDraft(tracking, Outcome.SEIZED), draft).id

    def sync(self, hub: HubProcess) -> None:
        with HubClient(hub.url, self.token) as client:
            report = Sender(self.store, client, self.name).round()
        assert report.error is None, report.error
        assert self.store.outbox.count() == 0

    def target(self, hub: HubProcess) -> HubTarget:
        return HubTarget(hub.url, self.token)

    def close(self) -> None:
        self.store.close()


def desk_bench(data_dir: Path, name: str, hub: HubProcess | None, start: datetime = START) -> DeskBench:
    """A bench with an admin (bootstrapped before the hub) and OFFICERS, its device added at the hub."""
    from hub_process import add_device

    data_dir.mkdir(parents=True, exist_ok=True)
    clock = FakeClock(start)
    store = RecordsStore.open(data_dir, clock=clock)
    directory = OfficerDirectory(store, None, hasher=FAST_HASHER)
    directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    store.outbox.mark_sent(p.id for p in store.outbox.pending(10))  # the bootstrap: before the hub
    admin = directory.sign_in("A1", PASSWORD, name)
    for badge, full_name, role in OFFICERS:
        directory.add(admin, badge, full_name, role, PASSWORD)
    token = add_device(hub.data_dir, hub.database, name) if hub is not None else ""
    return DeskBench(name, store, directory, clock, token)


def hub_officers(database: str, *, disabled: tuple[str, ...] = ()) -> None:
    """The facility directory at the hub: the same badges, as `hub officers add` keeps them."""
    storage = open_storage(database)
    try:
        hashed = FAST_HASHER.hash(PASSWORD)
        for badge, name, role in (("A1", "Ada Admin", Role.ADMIN), *OFFICERS):
            storage.save_officer(badge, name, role.value, badge not in disabled, hashed, None)
    finally:
        storage.close()


def day(at: datetime) -> date:
    return at.date()
