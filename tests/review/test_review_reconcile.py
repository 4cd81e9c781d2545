"""Reconciliation on a demo day: targeted items no inspection covers; open detentions; lookouts; dead letters."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from records_support import Bench, FakeClock, open_bench

from workstation.core.records import DetentionDraft, InspectionDraft, Outcome
from workstation.core.review import LogFilter, day_span
from workstation.store.cache import ManifestCache
from workstation.store.db import CACHE_FILE, RECORDS_FILE, open_cache
from workstation.store.demo_data import seed_cache
from workstation.store.review_query import LocalReviewSource

DAY = date(2026, 3, 2)
ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir, FakeClock(NOW - timedelta(hours=5)))
    yield b
    b.close()


def targeted_on(data_dir: Path, day: date) -> list[tuple[str, int]]:
    """(tracking id, score) of the cache's targeted items that arrived on `day`."""
    with sqlite3.connect(str(data_dir / CACHE_FILE)) as conn:
        return conn.execute(
            "SELECT i.tracking_id, r.score FROM items i JOIN risk r ON r.tracking_id = i.tracking_id "
            "WHERE r.targeted = 1 AND i.arrival_date = ? ORDER BY r.score DESC, i.tracking_id",
            (day.isoformat(),),
        ).fetchall()


@pytest.fixture
def demo_day(data_dir: Path, bench: Bench) -> list[tuple[str, int]]:
    """A cache of demo items arriving over the ten days up to DAY; the day's targeted items."""
    cache = open_cache(data_dir)
    seed_cache(ManifestCache(cache), 3000, seed=3, base_date=DAY)
    cache.conn.close()
    items = targeted_on(data_dir, DAY)
    assert len(items) >= 6, "the demo day needs a few targeted items"
    return items


def source_for(data_dir: Path, clock: FakeClock | None = None) -> LocalReviewSource:
    return LocalReviewSource(data_dir / RECORDS_FILE, data_dir / CACHE_FILE, "B1", clock=clock)


def test_unexamined_lists_the_days_targeted_items_no_current_record_covers(
    data_dir: Path, bench: Bench, demo_day: list[tuple[str, int]]
) -> None:
    examined, voided = demo_day[0][0], demo_day[1][0]
    bench.store.save_inspection(bench.officer, InspectionDraft(examined, Outcome.RELEASED, targeted=True))
    wrong = bench.store.save_inspection(
        bench.officer, InspectionDraft(voided, Outcome.RELEASED, targeted=True)
    )
    bench.store.void_inspection(bench.supervisor, wrong.id, "scanned the wrong parcel")
    source = source_for(data_dir)
    try:
        listed = source.unexamined(DAY, NOW, ZONE)
    finally:
        source.close()
    expected = [t for t in demo_day if t[0] != examined]  # the voided one still waits
    assert [(u.tracking_id, u.score) for u in listed] == expected
    assert voided in {u.tracking_id for u in listed}
    midnight = day_span(DAY, ZONE)[0]
    assert {u.waited for u in listed} == {NOW - midnight}  # 2026-03-02 00:00 CST = 06:00 UTC: 33 hours
    assert listed[0].waited == timedelta(hours=33)
    assert all(u.arrival_date == DAY and u.lane and u.target_reason for u in listed)


def test_unexamined_without_reference_data_is_empty(data_dir: Path, bench: Bench) -> None:
    source = LocalReviewSource(data_dir / RECORDS_FILE, None, "B1")
    try:
        assert source.unexamined(DAY, NOW, ZONE) == []
    finally:
        source.close()


def test_the_targeted_share_counts_the_days_reference_items(
    data_dir: Path, bench: Bench, demo_day: list[tuple[str, int]]
) -> None:
    for tracking_id, _ in demo_day[:2]:
        bench.store.save_inspection(
            bench.officer, InspectionDraft(tracking_id, Outcome.RELEASED, targeted=True)
        )
    start, end = day_span(DAY, ZONE)
    source = source_for(data_dir)
    try:
        counts = source.counts(LogFilter(start=start, end=end + timedelta(days=2)), ZONE)
        narrowed = source.counts(LogFilter(start=start, end=end + timedelta(days=2), officer="O1"), ZONE)
    finally:
        source.close()
    # The window's local days (03-02 to 03-04) hold the day's targeted items and those of the
    # 3rd and 4th (none: the demo feed ends on DAY); two of them were examined.
    assert counts.targeted == len(demo_day)
    assert counts.targeted_examined == 2
    # Narrowed to an officer, only that officer's targeted records count.
    assert (narrowed.targeted, narrowed.targeted_examined) == (2, 2)


def detain(bench: Bench, tracking_id: str, on: date) -> str:
    return bench.store.save_detention(
        bench.officer,
        InspectionDraft(tracking_id, Outcome.DETAINED),
        DetentionDraft("held for testing", "FDA lab", on),
    ).id


def test_open_detentions_by_decision_then_notice_deadline(data_dir: Path, bench: Bench) -> None:
    latest = detain(bench, "LX000000100CN", date(2026, 3, 2))
    earliest = detain(bench, "LX000000110CN", date(2026, 2, 1))
    middle = detain(bench, "LX000000120CN", date(2026, 2, 20))
    released = detain(bench, "LX000000130CN", date(2026, 2, 10))
    bench.clock.advance(minutes=5)
    bench.store.save_inspection(bench.officer, InspectionDraft("LX000000130CN", Outcome.RELEASED))
    voided = detain(bench, "LX000000140CN", date(2026, 2, 5))
    bench.store.void_inspection(bench.supervisor, voided, "wrong parcel")
    source = source_for(data_dir)
    try:
        listed = source.open_detentions()
    finally:
        source.close()
    assert [d.inspection_id for d in listed] == [earliest, middle, latest]
    assert released not in {d.inspection_id for d in listed}
    first = listed[0]
    assert (first.detained_on, first.notice_due, first.decision_due) == (
        date(2026, 2, 1),
        date(2026, 2, 6),
        date(2026, 3, 3),
    )
    assert first.overdue(date(2026, 3, 4)) == "decision"
    assert listed[1].overdue(date(2026, 3, 2)) == "notice"
    assert listed[2].overdue(date(2026, 3, 2)) is None


def test_live_lookouts_newest_first_without_the_removed_and_expired(data_dir: Path, bench: Bench) -> None:
    def at(hours: float) -> str:
        return (NOW + timedelta(hours=hours)).isoformat(timespec="microseconds")

    with sqlite3.connect(str(data_dir / RECORDS_FILE), isolation_level=None) as raw:
        for lid, expires, added in (
            ("old", 48, -30),
            ("new", 48, -1),
            ("expired", -2, -20),
            ("removed", 48, -3),
        ):
            raw.execute(
                "INSERT INTO lookouts (id, field, pattern, reason, expires_at, supervisor_badge, supervisor_name, "
                "bench_id, at) VALUES (?, 'shipper', '*Golden Dragon*', 'counterfeit watches', ?, 'S1', "
                "'Sam Supervisor', 'B3', ?)",
                (lid, at(expires), at(added)),
            )
        raw.execute(
            "INSERT INTO lookout_removals (id, lookout_id, supervisor_badge, bench_id, at, reason) "
            "VALUES ('rm1', 'removed', 'S1', 'B3', ?, 'resolved')",
            (at(-1),),
        )
    source = source_for(data_dir)
    try:
        live = source.lookouts(NOW)
    finally:
        source.close()
    assert [lk.id for lk in live] == ["new", "old"]
    assert live[0].added_by == "Sam Supervisor (S1)"
    assert live[0].expires_at == NOW + timedelta(hours=48)
    assert live[0].added_at == NOW - timedelta(hours=1)


def test_sync_problems_are_the_dead_letters_with_the_hubs_reason(data_dir: Path, bench: Bench) -> None:
    record = bench.store.save_inspection(bench.officer, InspectionDraft("LX000000200CN", Outcome.RELEASED))
    seq, kind, event_id = bench.store.conn.execute(
        "SELECT seq, kind, record_id FROM outbox WHERE kind = 'inspection' ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert (
        bench.store.outbox.dead_letter([(seq, "rejected", "the officer is not in the hub's directory")]) == 1
    )
    source = source_for(data_dir)
    try:
        problems = source.sync_problems()
    finally:
        source.close()
    assert [(p.bench_id, p.kind, p.event_id, p.status, p.reason) for p in problems] == [
        ("B1", kind, event_id, "rejected", "the officer is not in the hub's directory")
    ]
    assert problems[0].at == bench.clock.now
    assert record.id  # the record itself stays
