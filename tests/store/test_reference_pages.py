"""Reference pull pages: each page and its cursor in one transaction, bad records quarantined."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from workstation.core.demo import DemoGenerator
from workstation.store.cache import BULK_CACHE_KIB, ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import write_feed
from workstation.store.feed_import import FeedImporter

BASE_DATE = date(2026, 5, 1)
HUB = "https://hub.example:8443"


@pytest.fixture
def cache(data_dir: Path) -> Iterator[ManifestCache]:
    c = ManifestCache(open_cache(data_dir))
    yield c
    c.db.conn.close()


def _records(count: int, seed: int = 3) -> list[dict[str, Any]]:
    return list(DemoGenerator(seed, BASE_DATE).records(count))


def _counts(cache: ManifestCache) -> dict[str, int]:
    conn = cache.db.conn
    return {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("items", "content_lines", "risk", "quarantine", "feed_batches")
    }


def test_a_page_is_written_with_its_cursor_and_etag(cache: ManifestCache) -> None:
    page = _records(40)
    assert cache.reference_cursor(HUB) == ("0", None)
    out = cache.apply_reference_page(page, "812", HUB, '"v812"')
    assert (out.items_written, out.quarantined, out.skipped) == (40, 0, 0)
    assert out.cursor == "812"
    assert cache.reference_cursor(HUB) == ("812", '"v812"')
    assert cache.reference_cursor("https://other-hub.example") == ("0", None)
    for rec in page:
        item = cache.get(rec["tracking_id"])
        assert item is not None
        assert [ln.description for ln in item.lines] == [ln["description"] for ln in rec["lines"]]
        assert item.risk is not None
        assert item.risk.score == rec["risk"]["score"]


def test_a_record_that_fails_mid_page_leaves_neither_the_items_nor_the_cursor(cache: ManifestCache) -> None:
    first = _records(10, seed=1)
    cache.apply_reference_page(first, "10", HUB, "e10")
    before = _counts(cache)
    page = _records(30, seed=2)
    doomed = page[17]["tracking_id"]
    # A real failure inside the write, after part of the page went in: the database refuses one row.
    cache.db.conn.execute(
        f"CREATE TRIGGER refuse BEFORE INSERT ON items WHEN NEW.tracking_id = '{doomed}' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="refused by the test"):
        cache.apply_reference_page(page, "40", HUB, "e40")
    assert not cache.db.conn.in_transaction
    assert _counts(cache) == before
    assert cache.reference_cursor(HUB) == ("10", "e10")
    assert all(cache.get(rec["tracking_id"]) is None for rec in page)
    # Once the refusal is gone, the same page goes in whole.
    cache.db.conn.execute("DROP TRIGGER refuse")
    out = cache.apply_reference_page(page, "40", HUB, "e40")
    assert out.items_written == 30
    assert cache.reference_cursor(HUB) == ("40", "e40")


def test_bad_records_are_quarantined_with_their_reason_and_the_rest_written(cache: ManifestCache) -> None:
    page: list[Any] = _records(8)
    no_id = copy.deepcopy(page[2])
    del no_id["tracking_id"]
    bad_currency = copy.deepcopy(page[5])
    bad_currency["currency"] = "DOLLARS"
    page[2] = no_id
    page[5] = bad_currency
    page.append(["not", "an", "object"])
    out = cache.apply_reference_page(page, "9", HUB, None)
    assert out.items_written == 6
    assert out.quarantined == 3
    assert [n for n, _ in out.rejected] == [3, 6, 9]
    rows = cache.db.conn.execute(
        "SELECT q.line_number, q.reason, q.raw_text, b.file_name FROM quarantine q "
        "JOIN feed_batches b ON b.id = q.batch_id ORDER BY q.line_number"
    ).fetchall()
    assert [r[0] for r in rows] == [3, 6, 9]
    assert "tracking_id" in rows[0][1]
    assert "currency" in rows[1][1]
    assert "DOLLARS" in rows[1][2]
    assert HUB in rows[0][3]
    assert cache.get(bad_currency["tracking_id"]) is None
    assert cache.get(page[0]["tracking_id"]) is not None
    assert cache.reference_cursor(HUB) == ("9", None)


def test_the_same_page_applied_again_writes_nothing_twice(cache: ManifestCache) -> None:
    page = _records(25)
    cache.apply_reference_page(page, "25", HUB, "a")
    before = _counts(cache)
    out = cache.apply_reference_page(page, "25", HUB, "a")
    assert (out.items_written, out.skipped, out.quarantined) == (0, 25, 0)
    after = _counts(cache)
    # Only the page's own batch row is new: no item, line, risk or quarantine row doubled.
    assert {k: v for k, v in after.items() if k != "feed_batches"} == {
        k: v for k, v in before.items() if k != "feed_batches"
    }
    assert cache.reference_cursor(HUB) == ("25", "a")


def test_versions_are_handled_as_an_import_handles_them(tmp_path: Path, cache: ManifestCache) -> None:
    page = _records(6)
    cache.apply_reference_page(page, "6", HUB, None)
    newer = copy.deepcopy(page[0])
    newer["version"] = page[0]["version"] + 1
    newer["lines"] = newer["lines"][:1]
    newer["lines"][0]["description"] = "Replaced by version 2"
    older = copy.deepcopy(page[1])
    older["version"] = page[1]["version"] - 1
    older["seller"] = "Not taken"
    out = cache.apply_reference_page([newer, older, newer], "9", HUB, None)
    assert (out.items_written, out.skipped, out.quarantined) == (1, 1, 1)
    assert "more than once in this page (first at record 1)" in out.rejected[0][1]
    got = cache.get(newer["tracking_id"])
    assert got is not None
    assert got.version == newer["version"]
    assert [ln.description for ln in got.lines] == ["Replaced by version 2"]
    kept = cache.get(older["tracking_id"])
    assert kept is not None
    assert kept.seller == page[1]["seller"]

    # The same records through an import into another cache end the same way.
    other = ManifestCache(open_cache(tmp_path / "other"))
    try:
        importer = FeedImporter(other)
        write_feed(page, tmp_path / "a.jsonl")
        importer.import_file(tmp_path / "a.jsonl")
        write_feed([newer, older], tmp_path / "b.jsonl")
        importer.import_file(tmp_path / "b.jsonl")
        for rec in page:
            assert other.get(rec["tracking_id"]) == cache.get(rec["tracking_id"])
    finally:
        other.db.conn.close()


def test_a_risk_only_record_updates_the_risk(cache: ManifestCache) -> None:
    page = _records(3)
    cache.apply_reference_page(page, "3", HUB, None)
    risk = dict(page[0]["risk"])
    risk.update(score=95, lane="red", assessed_at="2026-05-02T09:00:00+00:00")
    out = cache.apply_reference_page([{"tracking_id": page[0]["tracking_id"], "risk": risk}], "4", HUB, None)
    assert out.risk_updates == 1
    item = cache.get(page[0]["tracking_id"])
    assert item is not None
    assert item.risk is not None
    assert (item.risk.score, item.risk.lane.value) == (95, "red")


def test_reset_starts_the_pull_again_and_keeps_the_items(cache: ManifestCache) -> None:
    page = _records(5)
    cache.apply_reference_page(page, "5", HUB, "e")
    assert cache.reset_reference_cursor(HUB) is True
    assert cache.reference_cursor(HUB) == ("0", None)
    assert cache.reset_reference_cursor(HUB) is False
    assert cache.count() == 5
    # The full re-sync brings the same records again: overwritten in place, not doubled.
    out = cache.apply_reference_page(page, "5", HUB, "e")
    assert out.skipped == 5
    assert cache.count() == 5
    assert cache.reference_cursor(HUB) == ("5", "e")


def test_bulk_writes_lends_a_larger_page_cache_and_gives_it_back(cache: ManifestCache) -> None:
    def size() -> int:
        return int(cache.db.conn.execute("PRAGMA cache_size").fetchone()[0])

    before = size()
    with cache.bulk_writes():
        assert size() == -BULK_CACHE_KIB
        # A page applied inside a pull keeps the pull's cache; it does not shrink it after itself.
        cache.apply_reference_page(_records(3), "3", HUB, None)
        assert size() == -BULK_CACHE_KIB
    assert size() == before
