"""The manifest cache: lookups by what scanners send, retention in batches, damaged files left alone."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from workstation.core import tracking
from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import flat_record
from workstation.core.manifest import Item
from workstation.store.cache import ManifestCache
from workstation.store.db import CACHE_FILE, DatabaseDamagedError, open_cache
from workstation.store.demo_data import seed_cache

BASE_DATE = date(2026, 5, 1)


@pytest.fixture
def cache(data_dir: Path) -> ManifestCache:
    c = ManifestCache(open_cache(data_dir))
    yield c
    c.db.conn.close()


def _by_carrier(count: int = 300) -> dict[str, str]:
    ids: dict[str, str] = {}
    for rec in DemoGenerator(1, BASE_DATE).records(count):
        ids.setdefault(rec["carrier"], rec["tracking_id"])
    return ids


def test_lookup_finds_an_item_by_any_scanned_form(cache: ManifestCache) -> None:
    seed_cache(cache, 300, base_date=BASE_DATE)
    ids = _by_carrier()
    usps = ids["usps"]
    forms = {
        ids["post"]: [ids["post"].lower(), f" {ids['post'][:5]} {ids['post'][5:]} ", "]C1" + ids["post"]],
        ids["ups"]: [ids["ups"].lower(), "]C0" + ids["ups"], ids["ups"] + "\r\n"],
        usps: ["42010001" + usps, "]C1\x1d42010001\x1d" + usps, "420100019876" + usps, " ".join(usps)],
        ids["fedex"]: [ids["fedex"], "-".join(ids["fedex"])],
        ids["dhl"]: [ids["dhl"]],
    }
    for tid, scans in forms.items():
        for scanned in scans:
            item = cache.lookup(scanned)
            assert item is not None, scanned
            assert item.tracking_id == tid
            assert item.lines
            assert item.risk is not None


def test_lookup_of_an_unknown_or_misread_code_finds_nothing(cache: ManifestCache) -> None:
    seed_cache(cache, 50, base_date=BASE_DATE)
    assert cache.lookup("RB123456785GB") is None
    assert cache.lookup("") is None
    post = _by_carrier(50)["post"]
    misread = post[:2] + ("1" if post[2] != "1" else "2") + post[3:]
    assert cache.lookup(misread) is None


def test_get_returns_what_was_written(cache: ManifestCache) -> None:
    rec = next(DemoGenerator(4, BASE_DATE).records(1))
    item = flat_record(rec)
    cache.apply_records([(1, item)], None)
    got = cache.get(rec["tracking_id"])
    assert isinstance(got, Item)
    assert [ln.hts_code for ln in got.lines] == [ln["hts_code"] for ln in rec["lines"]]
    assert got.risk is not None
    assert [r.code for r in got.risk.reasons] == [r["code"] for r in rec["risk"]["reasons"]]


def _counts(cache: ManifestCache) -> tuple[int, int, int]:
    conn = cache.db.conn
    return tuple(  # type: ignore[return-value]
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "content_lines", "risk")
    )


def test_purge_removes_old_items_in_batches_and_keeps_open_cases(cache: ManifestCache) -> None:
    seed_cache(cache, 200, base_date=BASE_DATE)
    conn = cache.db.conn
    arrivals = dict(conn.execute("SELECT tracking_id, arrival_date FROM items"))
    before = "2026-04-27"  # demo arrivals run from 2026-04-22 to 2026-05-01
    old = sorted(t for t, a in arrivals.items() if a < before)
    assert 20 < len(old) < 200
    keep = {old[0], old[len(old) // 2], old[-1]}
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    removed = cache.purge(before, keep, batch_size=7)
    conn.set_trace_callback(None)
    assert removed == len(old) - len(keep)
    remaining = {t for (t,) in conn.execute("SELECT tracking_id FROM items")}
    assert remaining == {t for t, a in arrivals.items() if a >= before} | keep
    # No orphans: lines and risk went with their items.
    assert (
        conn.execute(
            "SELECT count(*) FROM content_lines WHERE tracking_id NOT IN (SELECT tracking_id FROM items)"
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM risk WHERE tracking_id NOT IN (SELECT tracking_id FROM items)"
        ).fetchone()[0]
        == 0
    )
    for tid in keep:
        kept = cache.get(tid)
        assert kept is not None
        assert kept.lines
    # Small transactions: several commits, none deleting more than a batch.
    assert sum(1 for s in statements if s.startswith("DELETE FROM items")) >= len(old) // 7
    assert cache.purge(before, keep, batch_size=7) == 0


def test_purge_lets_a_reader_read_between_batches(data_dir: Path, cache: ManifestCache) -> None:
    seed_cache(cache, 100, base_date=BASE_DATE)
    reader = sqlite3.connect(str(data_dir / CACHE_FILE), timeout=0.1)
    seen: list[int] = []
    conn = cache.db.conn

    def read_between(statement: str) -> None:
        if statement.startswith("SELECT tracking_id FROM items WHERE arrival_date"):
            seen.append(reader.execute("SELECT count(*) FROM items").fetchone()[0])

    conn.set_trace_callback(read_between)
    cache.purge("2026-05-02", batch_size=10)
    conn.set_trace_callback(None)
    reader.close()
    assert seen[0] == 100
    assert seen[-1] == 0
    assert len(seen) == 11


def test_a_file_with_a_garbage_header_is_reported_and_left_untouched(data_dir: Path) -> None:
    path = data_dir / CACHE_FILE
    junk = b"PK\x03\x04 this is a zip, not a database" * 50
    path.write_bytes(junk)
    with pytest.raises(DatabaseDamagedError, match="not an SQLite database") as caught:
        open_cache(data_dir)
    assert "left untouched" in str(caught.value)
    assert path.read_bytes() == junk


def test_a_truncated_database_is_reported_and_left_untouched(data_dir: Path) -> None:
    cache = ManifestCache(open_cache(data_dir))
    seed_cache(cache, 400, base_date=BASE_DATE)
    cache.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.db.conn.close()
    path = data_dir / CACHE_FILE
    data = path.read_bytes()
    cut = data[: len(data) // 3]
    path.write_bytes(cut)
    with pytest.raises(DatabaseDamagedError, match=CACHE_FILE):
        open_cache(data_dir)
    assert path.read_bytes() == cut


def test_tracking_ids_made_by_the_demo_are_what_lookups_normalise_to() -> None:
    # The cache keys items by the parsed id; a scanned form must come back to the same key.
    for rec in DemoGenerator(2, BASE_DATE).records(200):
        assert tracking.parse(rec["tracking_id"].lower()).tracking_id == rec["tracking_id"]


def _demo_fedex(count: int = 300) -> tuple[str, str]:
    """A demo item's 12-digit FedEx Express number and a 15-digit FedEx Ground one."""
    ids = [r["tracking_id"] for r in DemoGenerator(1, BASE_DATE).records(count) if r["carrier"] == "fedex"]
    express = next(i for i in ids if tracking.parse(i).format == "fedex_express_12")
    ground = next(i for i in ids if tracking.parse(i).format == "fedex_ground_15")
    return express, ground


def test_lookup_through_a_long_label_barcode_finds_the_item_cached_under_the_short_number(
    cache: ManifestCache,
) -> None:
    seed_cache(cache, 300, base_date=BASE_DATE)
    express, ground = _demo_fedex()
    forms = {
        express: [
            tracking.make_fedex_express34(express),
            tracking.make_fedex_gsn34(express),
            tracking.make_fedex_astra32(express),
            "]C1" + tracking.make_fedex_express34(express, head15="812345678901234", zip5="90210"),
        ],
        ground: [
            tracking.make_fedex_ground96(ground),
            "]C1" + tracking.make_fedex_ground96(ground, "22", "123"),
        ],
    }
    for short, scans in forms.items():
        assert cache.get(short) is not None  # the feed's short number is the key
        for scanned in scans:
            assert len(tracking.normalize(scanned)) > len(short)
            assert cache.get(tracking.normalize(scanned)) is None  # not cached under the long form
            item = cache.lookup(scanned)
            assert item is not None, scanned
            assert item.tracking_id == short


def test_a_long_label_barcode_with_a_wrong_check_digit_finds_nothing(cache: ManifestCache) -> None:
    seed_cache(cache, 300, base_date=BASE_DATE)
    express, ground = _demo_fedex()
    for barcode, check_at in (
        (tracking.make_fedex_express34(express), 33),
        (tracking.make_fedex_gsn34(express), 33),
        (tracking.make_fedex_astra32(express), 27),
        (tracking.make_fedex_ground96(ground), 21),
    ):
        wrong = barcode[:check_at] + str((int(barcode[check_at]) + 1) % 10) + barcode[check_at + 1 :]
        assert tracking.parse(wrong).misread
        assert cache.lookup(wrong) is None
