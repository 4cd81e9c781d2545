"""The services on the real SQLite repository: every write returns Saved(value, changes); and the
same rules on a tiny in-memory repository, to show they do not depend on SQLite."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from records_support import PASSWORD, Bench, open_bench

from workstation.core.changes import Saved
from workstation.core.errors import Conflict, Forbidden, Invalid, NotFound
from workstation.core.messages import Message
from workstation.core.records import InspectionDraft, InspectionRecord, Officer, Outcome, Role, Session
from workstation.core.services.records import RecordsService
from workstation.core.services.repository import Fact, InspectionInfo, RecordRow, RecordsRepository, ShiftInfo

M = TypeVar("M", bound=Message)


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def test_every_write_returns_its_value_and_what_it_changed(bench: Bench) -> None:
    records = bench.store.service
    saved = records.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    assert isinstance(saved, Saved)
    rec = saved.value
    assert saved.changes.ids("inspection") == {rec.id}
    assert saved.changes.touches("outbox")
    fixed = records.save_inspection(
        bench.supervisor, InspectionDraft("X1", Outcome.DUTY_ASSESSED, supersedes=rec.id, reason="duty owed")
    )
    assert fixed.changes.ids("inspection") == {rec.id, fixed.value.id}  # the superseded one changed too
    voided = records.void_inspection(bench.supervisor, fixed.value.id, "wrong package")
    assert voided.changes.ids("void") == {voided.value}
    assert voided.changes.ids("inspection") == {fixed.value.id}
    photo = records.save_photo(bench.officer, b"\xff\xd8 jpeg")
    assert photo.changes.ids("photo") == {photo.value}
    officers = bench.directory.service
    shift = officers.sign_in("O1", PASSWORD, "ANOTHER")
    assert shift.changes.ids("shift") == {shift.value.shift_id}
    handed = officers.sign_in("O2", PASSWORD, "ANOTHER")
    assert handed.changes.ids("shift_end") == {shift.value.shift_id}
    assert officers.set_pin(bench.officer, "2468").changes.ids("officer") == {"O1"}
    assert officers.set_role(bench.admin, "O2", Role.OFFICER).changes.records == frozenset()  # no change
    assert records.record_security_event(bench.officer, "lock").changes.touches("security")


def test_each_refusal_is_its_typed_error(bench: Bench) -> None:
    records = bench.store.service
    rec = records.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED)).value
    with pytest.raises(Forbidden):
        records.void_inspection(bench.officer, rec.id, "mine")
    with pytest.raises(NotFound):
        records.void_inspection(bench.supervisor, "no-such-record", "gone")
    with pytest.raises(Invalid) as err:
        records.void_inspection(bench.supervisor, rec.id, "  ")
    assert err.value.errors == {"reason": "a void says why the record is void"}
    records.void_inspection(bench.supervisor, rec.id, "wrong package")
    with pytest.raises(Conflict):
        records.void_inspection(bench.supervisor, rec.id, "again")
    with pytest.raises(Conflict):
        bench.directory.service.add(bench.admin, "O1", "Olga Again", Role.OFFICER, PASSWORD)
    with pytest.raises(NotFound):
        bench.directory.service.disable(bench.admin, "NOBODY")
    with pytest.raises(NotFound):
        bench.store.read_photo("no-such-photo")


class MemoryRecords:
    """The records repository in a few dicts: enough to run the rules without SQLite."""

    def __init__(self, officers: dict[str, Officer]) -> None:
        self.shifts = {f"shift-{b}": ShiftInfo(f"shift-{b}", o, None) for b, o in officers.items()}
        self.rows: dict[str, dict[str, dict[str, object]]] = {}
        self.messages: list[Message] = []

    def now(self) -> datetime:
        return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def transaction(self) -> AbstractContextManager[None]:
        return nullcontext()

    def write(self, fact: Fact[M]) -> M:
        for entry in fact.entries:
            assert isinstance(entry.subject, RecordRow)
            self.rows.setdefault(entry.subject.table, {})[str(entry.subject.values["id"])] = dict(
                entry.subject.values
            )
        message = fact.message.stamped(len(self.messages) + 1, "memory")
        self.messages.append(message)
        return message

    def shift(self, shift_id: str) -> ShiftInfo | None:
        return self.shifts.get(shift_id)

    def inspection_info(self, inspection_id: str) -> InspectionInfo | None:
        row = self.rows.get("inspections", {}).get(inspection_id)
        if row is None:
            return None
        voided = any(v["inspection_id"] == inspection_id for v in self.rows.get("voids", {}).values())
        return InspectionInfo(
            inspection_id,
            str(row["tracking_id"]),
            str(row["officer_badge"]),
            not voided,
            inspection_id in self.rows.get("seizures", {}),
            False,
        )

    def known_photos(self, photo_ids: Sequence[str]) -> set[str]:
        return set(photo_ids) & set(self.rows.get("photos", {}))

    def keep_photo_file(self, file_name: str, data: bytes) -> None:
        pass

    def get_inspection(self, inspection_id: str) -> InspectionRecord | None:
        return None


def test_the_same_rules_run_on_another_repository() -> None:
    officer, supervisor = Officer("O1", "Olga", Role.OFFICER), Officer("S1", "Sam", Role.SUPERVISOR)
    repo = MemoryRecords({"O1": officer, "S1": supervisor})
    _: RecordsRepository = repo  # the Protocol is all the service needs
    service = RecordsService(repo)
    at = repo.now()
    as_officer = Session(officer, "B1", at, "shift-O1")
    as_supervisor = Session(supervisor, "B2", at, "shift-S1")
    rec = service.save_inspection(as_officer, InspectionDraft("X1", Outcome.RELEASED)).value
    with pytest.raises(Forbidden, match="only a supervisor"):
        service.void_inspection(as_officer, rec.id, "mine")
    service.void_inspection(as_supervisor, rec.id, "wrong package")
    with pytest.raises(Conflict, match="already corrected or voided"):
        service.void_inspection(as_supervisor, rec.id, "again")
    with pytest.raises(Invalid) as err:
        service.save_inspection(as_officer, InspectionDraft(" ", Outcome.REFERRED))
    assert set(err.value.errors) == {"tracking_id", "agency"}
    assert [type(m).__name__ for m in repo.messages] == ["InspectionRecorded", "InspectionVoided"]
    assert [m.audit_seq for m in repo.messages] == [1, 2]
