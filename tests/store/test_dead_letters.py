"""Dead letters: what the hub refused is set aside with its reason, kept, shown, never sent again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from records_support import Bench, open_bench

from workstation.core.records import InspectionDraft, Outcome


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    b.store.outbox.mark_sent(p.id for p in b.store.outbox.pending(1000))
    yield b
    b.close()


def test_a_dead_letter_leaves_pending_and_the_count_and_is_kept_with_its_reason(bench: Bench) -> None:
    outbox = bench.store.outbox
    for n in range(3):
        bench.store.save_inspection(bench.officer, InspectionDraft(f"X{n}", Outcome.RELEASED))
    first, second, third = outbox.pending(10)
    assert outbox.dead_letter([(second.id, "conflict", "same id, another payload")]) == 1
    assert [p.id for p in outbox.pending(10)] == [first.id, third.id]
    assert outbox.count() == 2
    (dead,) = outbox.dead_letters()
    assert (dead.outbox_seq, dead.kind, dead.event_id, dead.status, dead.reason) == (
        second.id, "inspection", second.message.event_id, "conflict", "same id, another payload",
    )  # fmt: skip
    assert dead.at == bench.clock.now
    assert dead.as_dict()["event_id"] == second.message.event_id
    # The first refusal is the one kept; a sent message is not dead-lettered.
    assert outbox.dead_letter([(second.id, "rejected", "again")]) == 0
    outbox.mark_sent([first.id])
    assert outbox.dead_letter([(first.id, "rejected", "late")]) == 0
    assert [d.reason for d in outbox.dead_letters()] == ["same id, another payload"]
    assert outbox.count() == 1


def test_dead_letters_survive_a_reopen_and_cannot_be_deleted(bench: Bench, data_dir: Path) -> None:
    bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    (p,) = bench.store.outbox.pending(10)
    bench.store.outbox.dead_letter([(p.id, "rejected", "bench_id: not this device's")])
    with pytest.raises(sqlite3.DatabaseError, match="dead letters are kept"), bench.store.transaction():
        bench.store.conn.execute("DELETE FROM dead_letters")
    bench.close()
    again = open_bench(data_dir)
    try:
        assert [d.reason for d in again.store.outbox.dead_letters()] == ["bench_id: not this device's"]
        assert p.id not in {q.id for q in again.store.outbox.pending(1000)}
        assert again.store.verify_audit().ok
    finally:
        again.close()


def test_only_conflict_or_rejected_is_a_dead_letter(bench: Bench) -> None:
    bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    (p,) = bench.store.outbox.pending(10)
    with pytest.raises(ValueError, match="conflict or rejected"):
        bench.store.outbox.dead_letter([(p.id, "accepted", "")])
    assert bench.store.outbox.dead_letters() == []
