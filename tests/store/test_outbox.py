"""The outbox: one message per fact, stamped with its audit entry; pending oldest first; mark_sent."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from records_support import PASSWORD, Bench, open_bench

from workstation.core.messages import (
    DetentionRecorded,
    InspectionRecorded,
    InspectionVoided,
    OfficerChanged,
    PhotoTaken,
    SecurityEvent,
    SeizureCountersigned,
    SeizureRecorded,
    ShiftEnded,
    ShiftStarted,
)
from workstation.core.records import (
    DetentionDraft,
    InspectionDraft,
    Outcome,
    Role,
    SeizedItem,
    SeizureDraft,
    Violation,
)


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def counts(b: Bench) -> tuple[int, int]:
    audit = b.store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    return int(audit), int(b.store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0])


def narcotics(b: Bench) -> SeizureDraft:
    return SeizureDraft(Violation.NARCOTICS, "21 U.S.C. 881", (SeizedItem("powder", 1, 0.0, 0.0),), "vault")


def nothing(b: Bench) -> str:
    return ""


def a_seizure(b: Bench) -> str:
    return b.store.save_seizure(b.officer, InspectionDraft("X4", Outcome.SEIZED), narcotics(b)).id


def a_record(b: Bench) -> str:
    return b.store.save_inspection(b.officer, InspectionDraft("X5", Outcome.RELEASED)).id


# Each kind of fact: (set-up whose result the action takes, the action, its message type, its audit entries).
FACTS: dict[str, tuple[Callable[[Bench], str], Callable[[Bench, str], object], type, int]] = {
    "inspection": (
        nothing,
        lambda b, _: b.store.save_inspection(b.officer, InspectionDraft("X1", Outcome.RELEASED)),
        InspectionRecorded,
        1,
    ),
    "detention": (
        nothing,
        lambda b, _: b.store.save_detention(
            b.officer, InspectionDraft("X2", Outcome.DETAINED), DetentionDraft("lab", "FDA", date(2026, 3, 1))
        ),
        DetentionRecorded,
        2,
    ),
    "seizure": (
        nothing,
        lambda b, _: b.store.save_seizure(b.officer, InspectionDraft("X3", Outcome.SEIZED), narcotics(b)),
        SeizureRecorded,
        3,
    ),
    "photo": (nothing, lambda b, _: b.store.save_photo(b.officer, b"\xff\xd8 jpeg"), PhotoTaken, 1),
    "countersignature": (
        a_seizure,
        lambda b, seizure_id: b.store.countersign_seizure(b.supervisor, seizure_id),
        SeizureCountersigned,
        1,
    ),
    "void": (
        a_record,
        lambda b, rid: b.store.void_inspection(b.supervisor, rid, "oops"),
        InspectionVoided,
        1,
    ),
    "shift": (nothing, lambda b, _: b.directory.sign_in("O1", PASSWORD, "NEW-BENCH"), ShiftStarted, 1),
    "hand-over": (nothing, lambda b, _: b.directory.sign_in("O2", PASSWORD, "B1"), ShiftStarted, 2),
    "shift_end": (nothing, lambda b, _: b.directory.sign_out(b.officer2), ShiftEnded, 1),
    "officer": (nothing, lambda b, _: b.directory.set_pin(b.officer, "4321"), OfficerChanged, 1),
    "security": (
        nothing,
        lambda b, _: b.directory.record_security_event(b.officer, "lock", {"idle_minutes": 5}),
        SecurityEvent,
        1,
    ),
}


@pytest.mark.parametrize("kind", sorted(FACTS))
def test_each_fact_queues_its_message_stamped_with_its_last_audit_entry(bench: Bench, kind: str) -> None:
    setup, action, message_type, entries = FACTS[kind]
    arg = setup(bench)
    before = counts(bench)
    action(bench, arg)
    facts = 2 if kind == "hand-over" else 1  # the shift handed over ends, the new one starts
    assert counts(bench) == (before[0] + entries, before[1] + facts)
    message = bench.store.outbox.pending(1000)[-1].message
    assert type(message) is message_type
    assert (message.audit_seq, message.audit_hash) == bench.store.audit_head()
    assert bench.store.verify_audit().ok


@pytest.mark.parametrize("kind", sorted(FACTS))
def test_each_fact_is_all_or_nothing_when_its_outbox_row_fails(bench: Bench, kind: str) -> None:
    setup, action, _, _ = FACTS[kind]
    arg = setup(bench)
    bench.store.conn.execute(
        "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk gone'); END"
    )
    tables = (
        "inspections", "detentions", "seizures", "seized_items", "photos", "countersignatures", "voids",
        "shifts", "shift_ends", "officers",
    )  # fmt: skip

    def snapshot() -> tuple[object, ...]:
        conn = bench.store.conn
        rows = tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
        pins = conn.execute("SELECT group_concat(coalesce(pin_hash, '-')) FROM officers").fetchone()[0]
        return (*rows, pins, counts(bench))

    before = snapshot()
    with pytest.raises(sqlite3.DatabaseError, match="disk gone"):
        action(bench, arg)
    assert snapshot() == before
    assert not bench.store.conn.in_transaction


def test_pending_is_oldest_first_and_mark_sent_removes_them(bench: Bench) -> None:
    outbox = bench.store.outbox
    setup = outbox.pending(1000)  # the bench's sign-ins and officer additions
    assert [p.id for p in setup] == sorted(p.id for p in setup)
    assert outbox.mark_sent(p.id for p in setup) == len(setup)
    assert outbox.pending(10) == []
    records = [
        bench.store.save_inspection(bench.officer, InspectionDraft(f"X{n}", Outcome.RELEASED))
        for n in range(5)
    ]
    first = outbox.pending(3)
    assert [p.message.event_id for p in first] == [r.id for r in records[:3]]
    assert outbox.count() == 5
    assert outbox.mark_sent([first[0].id, first[1].id, first[1].id]) == 2
    assert outbox.mark_sent([first[0].id]) == 0  # already sent: nothing to do
    assert [p.message.event_id for p in outbox.pending(10)] == [r.id for r in records[2:]]
    assert outbox.count() == 3
    assert outbox.pending(0) == []
    assert outbox.mark_sent([]) == 0


def test_rows_from_before_messages_are_neither_listed_nor_counted_as_waiting(bench: Bench) -> None:
    # No hub can take them, so counting them would keep the badge at "waiting" for ever.
    waiting = bench.store.outbox.count()
    with bench.store.transaction():
        bench.store.conn.execute(
            "INSERT INTO outbox (kind, record_id, payload, created_at) VALUES ('inspection', 'old', '{}', 'x')"
        )
    assert "old" not in {p.message.event_id for p in bench.store.outbox.pending(1000)}
    assert bench.store.outbox.count() == waiting
    assert bench.store.outbox.legacy_count() == 1


def test_officer_messages_never_carry_a_password_or_pin_hash(bench: Bench) -> None:
    bench.directory.add(bench.admin, "N1", "Nina New", Role.OFFICER, PASSWORD)
    bench.directory.reset_password(bench.admin, "N1", "another password")
    bench.directory.set_pin(bench.officer, "123456")
    bench.directory.set_role(bench.admin, "N1", Role.SUPERVISOR)
    bench.directory.disable(bench.admin, "N1")
    payloads = [p for (p,) in bench.store.conn.execute("SELECT payload FROM outbox WHERE kind = 'officer'")]
    hashes = [
        h
        for row in bench.store.conn.execute("SELECT password_hash, pin_hash FROM officers")
        for h in row
        if h
    ]
    assert payloads
    for payload in payloads:
        assert "$argon2" not in payload
        assert not any(h in payload for h in hashes)
        assert "password_hash" not in json.loads(payload)
    last = bench.store.outbox.pending(1000)[-1].message
    assert isinstance(last, OfficerChanged)
    assert (last.change, last.badge, last.role, last.active) == (
        "officer_disabled",
        "N1",
        "supervisor",
        False,
    )
