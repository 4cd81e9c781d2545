"""The supervisor review from the hub: `HubReviewSource` over a real hub process's read endpoints,
on SQLite and on PostgreSQL, with real benches syncing their records to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from desk_support import PASSWORD, START, DeskBench, desk_bench, hub_officers
from hub_process import HubProcess
from test_review_projection import replace_draft

from workstation.core.demo import DemoGenerator
from workstation.core.errors import NotFound
from workstation.core.messages import SeizureCountersigned, encode
from workstation.core.review import LogFilter, LogRow
from workstation.hub.feed import feed_records
from workstation.hub.storage import open_storage
from workstation.store.cache import ManifestCache
from workstation.store.db import CACHE_FILE, RECORDS_FILE, open_cache
from workstation.store.demo_data import write_feed
from workstation.store.review_query import LocalReviewSource
from workstation.sync.client import HubClient
from workstation.sync.errors import HubRefused, HubUnreachable
from workstation.sync.review_client import HubReviewSource, open_review_session
from workstation.sync.rounds import pull_reference_into

ZONE = ZoneInfo("America/Chicago")


@pytest.fixture
def b1(tmp_path: Path, hub: HubProcess) -> Iterator[DeskBench]:
    bench = desk_bench(tmp_path / "b1", "B1", hub)
    yield bench
    bench.close()


@pytest.fixture
def b2(tmp_path: Path, hub: HubProcess) -> Iterator[DeskBench]:
    bench = desk_bench(tmp_path / "b2", "B2", hub)
    yield bench
    bench.close()


@pytest.fixture
def source(hub: HubProcess, b1: DeskBench) -> Iterator[HubReviewSource]:
    """The facility's records as supervisor S2 reads them from bench B1."""
    hub_officers(hub.database)
    target = b1.target(hub)
    with HubReviewSource(target, open_review_session(target, "S2", PASSWORD)) as s:
        yield s


def rows(source: HubReviewSource, f: LogFilter) -> list[LogRow]:
    return source.log_rows(source.log_keys(f))


def tracking(source: HubReviewSource, f: LogFilter) -> list[str]:
    return [r.tracking_id for r in rows(source, f)]


def test_two_benches_records_appear_in_the_log_with_the_right_filters(
    b1: DeskBench, b2: DeskBench, hub: HubProcess, source: HubReviewSource
) -> None:
    b1.release("O1", "1Z999AA10123456784", risk_lane="yellow", risk_score=40)
    b1.detain("O1", "CP000000001US")
    b2.seize("O2", "RB123456785GB")
    b2.release("O2", "9400100000000000000000", targeted=True, risk_lane="red", risk_score=90)
    late = b2.clock.now
    b2.clock.advance(hours=2)
    b2.release("S1", "LATE0001")
    b1.sync(hub)
    b2.sync(hub)

    everything = rows(source, LogFilter())
    assert [r.at for r in everything] == sorted((r.at for r in everything), reverse=True)  # newest first
    assert {r.tracking_id for r in everything} == {
        "1Z999AA10123456784", "CP000000001US", "RB123456785GB", "9400100000000000000000", "LATE0001",
    }  # fmt: skip
    assert sorted(tracking(source, LogFilter(bench="B1"))) == ["1Z999AA10123456784", "CP000000001US"]
    assert sorted(tracking(source, LogFilter(officer="O2"))) == ["9400100000000000000000", "RB123456785GB"]
    assert tracking(source, LogFilter(seizure=True)) == ["RB123456785GB"]
    assert tracking(source, LogFilter(detention=True)) == ["CP000000001US"]
    assert tracking(source, LogFilter(targeted=True)) == ["9400100000000000000000"]
    assert tracking(source, LogFilter(lane="yellow")) == ["1Z999AA10123456784"]
    assert tracking(source, LogFilter(outcome="seized", bench="B2")) == ["RB123456785GB"]
    assert "LATE0001" not in tracking(source, LogFilter(start=START, end=late + timedelta(seconds=1)))
    # A search in any scanned form: lower case, spaces.
    assert tracking(source, LogFilter(search="1z999aa1 0123456784")) == ["1Z999AA10123456784"]
    seized = rows(source, LogFilter(seizure=True))[0]
    assert (seized.seizure, seized.detention, seized.bench_id, seized.officer_name) == (
        True, False, "B2", "Omar Officer",
    )  # fmt: skip
    # Rows come in the order asked for; unknown keys are left out.
    keys = source.log_keys(LogFilter())
    assert [r.key for r in source.log_rows([*reversed(keys), 10**9])] == list(reversed(keys))


def test_a_correction_hides_the_record_it_supersedes_and_a_void_hides_its_record(
    b1: DeskBench, hub: HubProcess, source: HubReviewSource
) -> None:
    first = b1.release("O1", "1Z999AA10123456784", notes="first")
    other = b1.release("O1", "CP000000001US")
    fixed = b1.store.save_inspection(b1.as_("S1"), replace_draft(b1, first, notes="fixed", reason="typo")).id
    b1.store.void_inspection(b1.as_("S1"), other, "wrong parcel")
    b1.sync(hub)

    log = rows(source, LogFilter())
    assert [(r.id, r.notes, r.corrected) for r in log] == [(fixed, "fixed", True)]
    detail = source.detail(fixed)
    assert [h["id"] for h in detail.history] == [first]
    assert detail.record["supersedes"] == first
    assert any(a["subject"] == f"inspections:{fixed}" for a in detail.audit)
    voided = source.detail(other)
    assert voided.void is not None
    assert voided.void["reason"] == "wrong parcel"
    with pytest.raises(NotFound):
        source.detail("no-such-record")


def test_countersigning_lists_and_the_hub_refuses_an_own_countersignature(
    b1: DeskBench, b2: DeskBench, hub: HubProcess, source: HubReviewSource
) -> None:
    by_officer = b1.seize("O1", "RB123456785GB")
    by_s1 = b1.seize("S1", "RB000000000GB")
    b1.sync(hub)
    assert [s.id for s in source.to_countersign()] == [by_officer, by_s1]
    assert [s.id for s in source.to_countersign(exclude_badge="S1")] == [by_officer]
    ref = source.seizure(by_s1)
    assert (ref.officer_badge, ref.total_msrp, len(ref.items)) == ("S1", 320.0, 2)

    # S2 countersigns at bench B2 from the hub's description: synced, it leaves the list.
    b2.store.countersign(b2.as_("S2"), source.seizure(by_officer))
    # S1's own, sent by a bench that does not check: the hub refuses it, and says so.
    own = SeizureCountersigned("own-1", "B2", b2.clock.now, "S1", 1, "ab" * 32, by_s1, "Sam", "O1")
    b2.sync(hub)
    with HubClient(hub.url, b2.token) as client:
        refused = client.send_encoded("B2", [encode(own)], []).results[0]
    assert (refused.status, refused.reason) == (
        "rejected",
        "a supervisor cannot countersign their own seizure",
    )
    assert [s.id for s in source.to_countersign()] == [by_s1]
    assert source.seizure(by_officer).countersigned is True
    problems = source.sync_problems()
    assert [(p.bench_id, p.event_id, p.status, p.reason) for p in problems] == [
        ("B2", "own-1", "rejected", "a supervisor cannot countersign their own seizure")
    ]


def test_sync_problems_list_conflicts_per_bench_with_the_hubs_reason(
    b1: DeskBench, hub: HubProcess, source: HubReviewSource
) -> None:
    b1.release("O1", "1Z999AA10123456784")
    b1.sync(hub)
    payload = b1.store.conn.execute("SELECT payload FROM outbox WHERE kind = 'inspection'").fetchone()[0]
    with HubClient(hub.url, b1.token) as client:
        client.send_encoded("B1", [payload.replace('"notes":""', '"notes":"changed"')], [])
    [problem] = source.sync_problems()
    assert (problem.bench_id, problem.kind, problem.status) == ("B1", "inspection", "conflict")
    assert "different payload" in problem.reason


def test_unexamined_comes_from_the_reference_data_the_hub_published(
    b1: DeskBench, hub: HubProcess, source: HubReviewSource, tmp_path: Path
) -> None:
    targeted, arrival = publish_demo_feed(hub, tmp_path)
    covered = targeted[0]
    b1.release("O1", covered)
    b1.sync(hub)
    now = datetime.combine(arrival + timedelta(days=1), datetime.min.time(), ZONE) + timedelta(hours=6)
    waiting = source.unexamined(arrival, now, ZONE)
    assert {u.tracking_id for u in waiting} == set(targeted) - {covered}
    assert all(u.arrival_date == arrival and u.waited == timedelta(hours=30) for u in waiting)
    assert source.unexamined(arrival + timedelta(days=40), now, ZONE) == []


def publish_demo_feed(hub: HubProcess, tmp_path: Path) -> tuple[list[str], date]:
    """A demo feed published at the hub; the targeted tracking ids of its busiest arrival day."""
    feed = tmp_path / "feed.jsonl"
    write_feed(DemoGenerator(7, START.date()).records(400), feed)
    records = list(feed_records(feed))
    storage = open_storage(hub.database)
    try:
        storage.publish_reference(records)
    finally:
        storage.close()
    by_day: dict[str, list[str]] = {}
    for key, record in records:
        risk = record.get("risk") or {}
        if key.startswith("item:") and risk.get("targeted") is True:
            by_day.setdefault(str(record["arrival_date"])[:10], []).append(record["tracking_id"])
    day, ids = max(by_day.items(), key=lambda kv: len(kv[1]))
    assert len(ids) >= 2
    return ids, date.fromisoformat(day)


def test_the_hub_answers_as_this_benchs_own_records_do(
    b1: DeskBench, hub: HubProcess, source: HubReviewSource, tmp_path: Path
) -> None:
    """Same records, same answers: the hub's source and the bench's local one (keys aside)."""
    targeted, arrival = publish_demo_feed(hub, tmp_path)
    first = b1.release("O1", targeted[0], targeted=True, risk_lane="red", risk_score=90)
    b1.seize("O1", "RB123456785GB")
    b1.detain("O1", "CP000000001US")
    b1.store.save_inspection(b1.as_("S1"), replace_draft(b1, first, notes="seen", reason="note"))
    b1.release("O1", "1Z999AA10123456784")
    lookout = b1.store.add_lookout(
        b1.as_("S1"), "seller", "*shop*", "fakes", b1.clock.now + timedelta(days=2)
    )
    b1.sync(hub)
    data_dir = b1.store.data_dir
    with HubClient(hub.url, b1.token) as client:
        pull_reference_into(ManifestCache(open_cache(data_dir)), client, hub.url)
    local = LocalReviewSource(data_dir / RECORDS_FILE, data_dir / CACHE_FILE, "B1")
    try:
        now = b1.clock.now
        for f in (
            LogFilter(),
            LogFilter(officer="O1"),
            LogFilter(seizure=True),
            LogFilter(search=targeted[0]),
        ):
            assert unkeyed(rows(source, f)) == unkeyed(local.log_rows(local.log_keys(f)))
        day_filter = LogFilter(start=START - timedelta(hours=1), end=now + timedelta(hours=1))
        assert source.counts(day_filter, ZONE) == local.counts(day_filter, ZONE)
        assert source.seizures(LogFilter()) == local.seizures(LogFilter())
        assert source.to_countersign("S1") == local.to_countersign("S1")
        assert source.open_detentions() == local.open_detentions()
        assert source.lookouts(now) == local.lookouts(now) != []
        assert source.lookouts(now)[0].id == lookout.id
        assert source.unexamined(arrival, now, ZONE) == local.unexamined(arrival, now, ZONE) != []
        corrected = rows(source, LogFilter(search=targeted[0]))[0].id
        hub_detail, local_detail = source.detail(corrected), local.detail(corrected)
        assert replace(hub_detail, row=replace(hub_detail.row, key=0)) == replace(
            local_detail, row=replace(local_detail.row, key=0)
        )
    finally:
        local.close()


def unkeyed(log: list[LogRow]) -> list[LogRow]:
    return [replace(r, key=0) for r in log]


def test_an_unreachable_hub_and_an_ended_session_are_typed(
    b1: DeskBench, hub: HubProcess, source: HubReviewSource
) -> None:
    with pytest.raises(HubRefused) as wrong:
        open_review_session(b1.target(hub), "S2", "not the password")
    assert wrong.value.status == 401
    with pytest.raises(HubRefused) as officer:
        open_review_session(b1.target(hub), "O1", PASSWORD)
    assert officer.value.status == 403
    hub_officers(hub.database, disabled=("S2",))
    with pytest.raises(HubRefused) as disabled:
        source.log_keys(LogFilter())
    assert disabled.value.status == 403
    hub.stop()
    with pytest.raises(HubUnreachable):
        source.open_detentions()
    assert source.info.facility_wide is True
    assert source.info.name == "facility hub"
