"""Reference data: publish, pull by cursor, 304 by ETag, 410 for an expired cursor, no late-commit skip."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_process import HubProcess
from hub_support import query

from workstation.hub.storage import HubStorage, open_storage
from workstation.sync.client import HubClient
from workstation.sync.errors import CursorExpired


def item(n: int) -> tuple[str, dict[str, object]]:
    tid = f"RB{n:09d}GB"
    return f"item:{tid}", {"tracking_id": tid, "version": 1}


@pytest.fixture
def storage(hub: HubProcess) -> Iterator[HubStorage]:
    s = open_storage(hub.database)
    try:
        yield s
    finally:
        s.close()


def test_pull_by_cursor_in_pages_then_304_then_only_the_new_rows(
    client: HubClient, storage: HubStorage
) -> None:
    assert storage.publish_reference(item(n) for n in range(25)) == 25
    pages = []
    cursor = "0"
    while True:
        page = client.reference(cursor, limit=10)
        assert page is not None
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            break
    assert [len(p.records) for p in pages] == [10, 10, 5]
    assert [r["tracking_id"] for p in pages for r in p.records] == [
        item(n)[1]["tracking_id"] for n in range(25)
    ]
    latest = client.reference(cursor)
    assert latest is not None
    assert latest.records == []
    assert client.reference(cursor, etag=latest.etag) is None
    assert client.reference("0", limit=10, etag=pages[0].etag) is None
    storage.publish_reference([item(3), item(99)])  # one re-published, one new
    newer = client.reference(cursor)
    assert newer is not None
    assert [r["tracking_id"] for r in newer.records] == ["RB000000003GB", "RB000000099GB"]
    assert client.reference(newer.cursor).records == []  # type: ignore[union-attr]


def test_a_cursor_from_before_a_withdrawal_is_expired_and_a_restart_from_0_works(
    client: HubClient, storage: HubStorage
) -> None:
    storage.publish_reference(item(n) for n in range(5))
    page = client.reference("0")
    assert page is not None
    assert storage.withdraw_reference(["item:RB000000002GB"]) == 1
    with pytest.raises(CursorExpired):
        client.reference(page.cursor)
    again = client.reference("0")
    assert again is not None
    assert len(again.records) == 4
    assert client.reference(again.cursor).records == []  # type: ignore[union-attr]


def test_a_late_committing_publish_is_not_skipped(
    client: HubClient, storage: HubStorage, hub: HubProcess
) -> None:
    """One publish holds its transaction open after numbering a row; another publishes meanwhile."""
    release = threading.Event()
    numbered = threading.Event()

    def slow() -> Iterator[tuple[str, dict[str, object]]]:
        yield item(1)
        numbered.set()
        release.wait(30)
        yield item(2)

    other = open_storage(hub.database)
    threads = [
        threading.Thread(target=storage.publish_reference, args=(slow(),), kwargs={"chunk_size": 1}),
        threading.Thread(target=lambda: (numbered.wait(30), other.publish_reference([item(3)]))),
    ]
    threads[0].start()
    assert numbered.wait(30)
    threads[1].start()
    if hub.database.startswith("postgresql"):
        # The second publisher is waiting for the first one's lock (seen in pg_locks, not guessed).
        for _ in range(300):
            if query(
                hub.database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )[0][0]:
                break
            time.sleep(0.05)
    early = client.reference("0")
    assert early is not None
    release.set()
    for t in threads:
        t.join(30)
    other.close()
    late = client.reference(early.cursor)
    assert late is not None
    seen = [r["tracking_id"] for r in early.records + late.records]
    assert sorted(seen) == ["RB000000001GB", "RB000000002GB", "RB000000003GB"]


def test_hub_import_publishes_a_feed_and_counts_what_it_quarantined(
    client: HubClient, hub: HubProcess, tmp_path: Path
) -> None:
    import json

    from workstation_process import run_workstation

    good = {
        "tracking_id": "rb123456785gb", "arrival_date": "2026-05-01", "shipper_name": "S", "shipper_country": "HK",
        "consignee_name": "C", "declared_value": 24.0, "currency": "USD",
        "lines": [{"description": "Watch", "quantity": 2, "unit_value": 12.0, "origin_country": "CN"}],
    }  # fmt: skip
    risk_only = {
        "tracking_id": "RB123456785GB",
        "risk": {"score": 85, "lane": "red", "assessed_at": "2026-04-30T22:10:00+00:00"},
    }
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps(good) + "\n" + json.dumps({"tracking_id": "x"}) + "\n" + json.dumps(risk_only) + "\n"
    )
    done = run_workstation(hub.data_dir, "hub", "import", str(feed), "--database", hub.database)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert (counts["read"], counts["published"], counts["quarantined"]) == (3, 2, 1)
    page = client.reference("0")
    assert page is not None
    assert [r["tracking_id"] for r in page.records] == ["RB123456785GB", "RB123456785GB"]
    assert "lines" in page.records[0]
