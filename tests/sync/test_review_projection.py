"""The hub's projection: what benches send becomes, at the hub, the rows each bench wrote; the
hub's own-seizure rule; reconciliation's targets kept as reference data is published.

Real benches (records files) sync to a real hub process, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from desk_support import DeskBench, desk_bench
from hub_process import HubProcess
from hub_support import query

from workstation.core.messages import SeizureCountersigned, SeizureReturned
from workstation.core.records import InspectionDraft
from workstation.core.review import countersign_problem
from workstation.hub import postgres_schema as postgres_engine
from workstation.hub import sqlite_schema as sqlite_engine
from workstation.hub.projection import TABLES
from workstation.hub.storage import open_storage
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.sync.client import HubClient
from workstation.sync.rounds import pull_reference_into


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


def bench_rows(bench: DeskBench, table: str) -> list[tuple[object, ...]]:
    names = ", ".join(name for name, _ in TABLES[table])
    return sorted(tuple(r) for r in bench.store.conn.execute(f"SELECT {names} FROM {table}"))


def hub_rows(hub: HubProcess, table: str, where: str = "") -> list[tuple[object, ...]]:
    names = ", ".join(name for name, _ in TABLES[table])
    return sorted(query(hub.database, f"SELECT {names} FROM {table} {where}"))


def test_every_record_a_bench_wrote_is_at_the_hub_as_the_same_rows(
    b1: DeskBench, b2: DeskBench, hub: HubProcess
) -> None:
    x1 = b1.release("O1", "1Z999AA10123456784", notes="bag torn", risk_score=40, risk_lane="yellow")
    seizure = b1.seize("O1", "RB123456785GB")
    b1.detain("S1", "CP000000001US")
    corrected = b1.store.save_inspection(
        b1.as_("S1"),
        replace_draft(b1, x1, notes="resealed", reason="wrong note"),
    ).id
    b1.store.void_inspection(b1.as_("S1"), corrected, "scanned the wrong parcel")
    b2.release("O2", "9400100000000000000000", targeted=True, risk_score=90, risk_lane="red")
    remote = b1.store.seizure_ref(seizure)
    assert remote is not None
    b2.store.return_for_correction(b2.as_("S2"), remote, "photo is blurred")
    b2.store.countersign(b2.as_("S1"), remote)
    lookout = b2.store.add_lookout(
        b2.as_("S1"), "shipper", "acme*", "known counterfeiter", b2.clock.now + timedelta(days=3)
    )
    b2.store.remove_lookout(b2.as_("S1"), lookout.id, "case closed")
    b1.sync(hub)
    b2.sync(hub)

    for table in TABLES:
        expected = sorted(bench_rows(b1, table) + bench_rows(b2, table))
        assert hub_rows(hub, table) == expected, table
    # Every kind of record was there to compare.
    for table in ("inspections", "detentions", "seizures", "seized_items", "photos", "seizure_photos",
                  "voids", "seizure_reviews", "lookouts", "lookout_removals", "shifts", "shift_ends"):  # fmt: skip
        assert hub_rows(hub, table), table
    # The shift log's key numbers the inspections in the order the hub took them.
    keys = query(hub.database, "SELECT row_seq, id FROM inspections ORDER BY row_seq")
    assert [k for k, _ in keys] == sorted({k for k, _ in keys})
    # The lookout went out to every bench with the reference data, from the same commit.
    ref = query(hub.database, f"SELECT record FROM reference WHERE record_key = 'lookout:{lookout.id}'")
    assert len(ref) == 1
    assert json.loads(str(ref[0][0]))["removed"] is True


def replace_draft(bench: DeskBench, record_id: str, **changes: Any) -> InspectionDraft:
    """A correction of `record_id`: its draft with `changes`, superseding it."""
    old = bench.store.get_inspection(record_id)
    assert old is not None
    return replace(InspectionDraft(old.tracking_id, old.outcome, supersedes=record_id), **changes)


def test_a_duplicate_or_a_conflict_projects_nothing(b1: DeskBench, hub: HubProcess) -> None:
    b1.release("O1", "1Z999AA10123456784")
    payload = b1.store.conn.execute(
        "SELECT payload FROM outbox WHERE kind = 'inspection' ORDER BY seq DESC LIMIT 1"
    ).fetchone()[0]
    b1.sync(hub)
    before = hub_rows(hub, "inspections")
    assert len(before) == 1
    changed = json.loads(payload)
    changed["inspection"]["notes"] = "rewritten"
    with HubClient(hub.url, b1.token) as client:
        again = client.send_encoded("B1", [payload], [])
        other = client.send_encoded("B1", [json.dumps(changed, sort_keys=True, separators=(",", ":"))], [])
    assert again.results[0].status == "duplicate"
    assert other.results[0].status == "conflict"
    assert hub_rows(hub, "inspections") == before


def test_a_countersignature_by_the_seizing_officer_is_rejected_at_the_hub(
    b1: DeskBench, b2: DeskBench, hub: HubProcess
) -> None:
    # S1 seizes at B1; a bench that does not check (or lies about the seizing badge) sends S1's
    # countersignature and S1's return of it: the hub refuses both with the service's words.
    seizure_id = b1.seize("S1", "RB123456785GB")
    b1.sync(hub)
    ref = b1.store.seizure_ref(seizure_id)
    assert ref is not None
    reason = countersign_problem("S1", ref)
    assert reason == "a supervisor cannot countersign their own seizure"
    at = b2.clock.now
    forged = SeizureCountersigned(
        "cs-forged", "B2", at, "S1", 1, "ab" * 32, seizure_id, "Sam Supervisor", "O9"
    )
    returned = SeizureReturned("ret-forged", "B2", at, "S1", 1, "ab" * 32, seizure_id, "O9", "Sam", "why")
    # A seizure the hub has not seen, whose message names the supervisor as the seizing officer.
    unknown = SeizureCountersigned("cs-unknown", "B2", at, "S2", 1, "ab" * 32, "nowhere", "Sue", "S2")
    # Another supervisor's countersignature of the same seizure is taken.
    fair = SeizureCountersigned("cs-fair", "B2", at, "S2", 1, "ab" * 32, seizure_id, "Sue", "S1")
    with HubClient(hub.url, b2.token) as client:
        reply = client.send("B2", [forged, returned, unknown, fair], [])
    assert [(r.event_id, r.status, r.reason) for r in reply.results] == [
        ("cs-forged", "rejected", reason),
        ("ret-forged", "rejected", reason),
        ("cs-unknown", "rejected", reason),
        ("cs-fair", "accepted", None),
    ]
    assert [r[0] for r in hub_rows(hub, "seizure_reviews")] == ["cs-fair"]
    assert query(hub.database, "SELECT event_id FROM events WHERE kind = 'countersignature'") == [
        ("cs-fair",)
    ]
    assert sorted(query(hub.database, "SELECT event_id, reason FROM rejections")) == [
        ("cs-forged", reason),
        ("cs-unknown", reason),
        ("ret-forged", reason),
    ]


def test_a_seizure_and_its_own_countersignature_in_one_batch(b2: DeskBench, hub: HubProcess) -> None:
    seizure_id = b2.seize("S1", "RB123456785GB")
    seizure = b2.store.conn.execute("SELECT payload FROM outbox WHERE kind = 'seizure'").fetchone()[0]
    photo = b2.store.conn.execute("SELECT payload FROM outbox WHERE kind = 'photo'").fetchone()[0]
    own = SeizureCountersigned("cs-own", "B2", b2.clock.now, "S1", 1, "ab" * 32, seizure_id, "Sam", "")
    from workstation.core.messages import encode

    with HubClient(hub.url, b2.token) as client:
        reply = client.send_encoded("B2", [photo, seizure, encode(own)], [])
    assert [r.status for r in reply.results] == ["accepted", "accepted", "rejected"]
    assert hub_rows(hub, "countersignatures") == []


def test_reconciliation_targets_are_kept_as_reference_data_is_published(hub: HubProcess) -> None:
    def item(tid: str, arrival: str, risk: dict[str, object] | None) -> dict[str, object]:
        record: dict[str, object] = {
            "tracking_id": tid, "arrival_date": arrival, "shipper_name": "Acme", "shipper_country": "CN",
            "consignee_name": "Maria", "declared_value": 10, "currency": "USD",
            "lines": [{"description": "watch", "quantity": 1, "unit_value": 10, "origin_country": "CN"}],
        }  # fmt: skip
        if risk is not None:
            record["risk"] = risk
        return record

    def risk(targeted: bool, at: str, score: int = 80) -> dict[str, object]:
        return {"score": score, "lane": "red", "targeted": targeted, "target_reason": f"rule {score}",
                "assessed_at": at}  # fmt: skip

    storage = open_storage(hub.database)
    try:
        storage.publish_reference(
            [
                ("item:RB123456785GB", item("RB123456785GB", "2026-03-02", risk(True, "2026-03-01T10:00:00Z"))),
                ("item:RB000000000GB", item("RB000000000GB", "2026-03-02", None)),
                # A newer risk-only record targets the second; an older one does not untarget the first.
                ("risk:RB000000000GB", {"tracking_id": "RB000000000GB", "risk": risk(True, "2026-03-02T08:00:00Z", 95)}),
                ("risk:RB123456785GB", {"tracking_id": "RB123456785GB", "risk": risk(False, "2026-02-01T00:00:00Z")}),
                ("item:CP000000001US", item("CP000000001US", "2026-03-03", risk(False, "2026-03-01T00:00:00Z"))),
                ("lookout:abc", {"record_type": "lookout", "id": "abc", "removed": True}),
            ]
        )  # fmt: skip
        rows = query(
            hub.database,
            "SELECT tracking_id, arrival_date, targeted, score, target_reason FROM ref_targets ORDER BY tracking_id",
        )
        assert rows == [
            ("CP000000001US", "2026-03-03", 0, 80, "rule 80"),
            ("RB000000000GB", "2026-03-02", 1, 95, "rule 95"),
            ("RB123456785GB", "2026-03-02", 1, 80, "rule 80"),
        ]
        # Withdrawing the newer risk leaves what the item itself said (no assessment: not targeted).
        storage.withdraw_reference(["risk:RB000000000GB"])
        rows = query(
            hub.database, "SELECT targeted, score FROM ref_targets WHERE tracking_id = 'RB000000000GB'"
        )
        assert rows == [(0, None)]
    finally:
        storage.close()


def test_a_lookout_added_at_one_bench_reaches_another_with_the_reference_pull(
    b1: DeskBench, b2: DeskBench, hub: HubProcess
) -> None:
    expires = b1.clock.now + timedelta(days=3)
    kept = b1.store.add_lookout(b1.as_("S1"), "shipper", "acme*", "known counterfeiter", expires)
    ended = b1.store.add_lookout(b1.as_("S1"), "tracking", "RB123456785GB", "tip-off", expires)
    b1.sync(hub)
    cache = ManifestCache(open_cache(b2.store.data_dir))
    try:
        with HubClient(hub.url, b2.token) as client:
            pull_reference_into(cache, client, hub.url)
            assert {lk.id for lk in cache.lookouts(b2.clock.now)} == {kept.id, ended.id}
            b1.store.remove_lookout(b1.as_("S1"), ended.id, "parcel found")
            b1.sync(hub)
            pull_reference_into(cache, client, hub.url)
        assert [lk.id for lk in cache.lookouts(b2.clock.now)] == [kept.id]
        assert cache.lookouts(b2.clock.now)[0].reason == "known counterfeiter"
    finally:
        cache.db.conn.close()


def test_a_hub_upgraded_to_the_projection_projects_the_events_it_held(
    tmp_path: Path, hub_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = desk_bench(tmp_path / "b1", "B1", None)
    try:
        bench.release("O1", "1Z999AA10123456784")
        bench.seize("O1", "RB123456785GB")
        bench.detain("S1", "CP000000001US")
        payloads = [
            p
            for (p,) in bench.store.conn.execute(
                "SELECT payload FROM outbox WHERE sent_at IS NULL ORDER BY seq"
            )
        ]
        # A hub of before migration 2, holding those events and a targeted item.
        engine = sqlite_engine if hub_database.startswith("sqlite") else postgres_engine
        with monkeypatch.context() as m:
            m.setattr(engine, "MIGRATIONS", engine.MIGRATIONS[:1])
            open_storage(hub_database).close()
        rows = [("B1", json.loads(p)["kind"], json.loads(p)["event_id"], p, "x") for p in payloads]
        execute(
            hub_database,
            "INSERT INTO events (bench, kind, event_id, payload, payload_sha256) VALUES ({})",
            rows,
        )
        item = {"tracking_id": "RB000000000GB", "arrival_date": "2026-03-02", "shipper_name": "A",
                "shipper_country": "CN", "consignee_name": "B", "declared_value": 1, "currency": "USD",
                "lines": [{"description": "x", "quantity": 1, "unit_value": 1, "origin_country": "CN"}],
                "risk": {"score": 90, "lane": "red", "targeted": True, "assessed_at": "2026-03-01T00:00:00Z"}}  # fmt: skip
        execute(hub_database, "INSERT INTO reference (seq, record_key, record) VALUES ({})",
                [(1, "item:RB000000000GB", json.dumps(item))])  # fmt: skip

        open_storage(hub_database).close()  # migration 2, with what the hub held
        for table in TABLES:
            assert sorted(query(hub_database, f"SELECT {columns(table)} FROM {table}")) == bench_rows(
                bench, table
            ), table
        assert query(hub_database, "SELECT tracking_id, targeted FROM ref_targets") == [("RB000000000GB", 1)]
    finally:
        bench.close()


def columns(table: str) -> str:
    return ", ".join(name for name, _ in TABLES[table])


def execute(url: str, sql: str, rows: list[tuple[object, ...]]) -> None:
    """Write rows straight into a hub database of either engine."""
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executemany(sql.format(", ".join("?" * len(rows[0]))), rows)
        return
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(sql.format(", ".join(["%s"] * len(rows[0]))), rows)
