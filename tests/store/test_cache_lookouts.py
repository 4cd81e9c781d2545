"""Facility lookouts in the reference pull: their own table in the cache, beside the bench's own lookout records."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from records_support import Bench, FakeClock, open_bench

from workstation.core.demo import DemoGenerator
from workstation.core.lookout_record import lookout_body, removal_body
from workstation.core.review import Lookout
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.lookouts import LiveLookouts, live_lookouts

HUB = "https://hub.example:8443"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cache(data_dir: Path) -> Iterator[ManifestCache]:
    c = ManifestCache(open_cache(data_dir))
    yield c
    c.db.conn.close()


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir, FakeClock(NOW))
    yield b
    b.close()


def hub_lookout(lid: str = "L1", *, days: float = 3, pattern: str = "Acme*") -> Lookout:
    return Lookout(
        lid,
        "shipper",
        pattern,
        "counterfeit watches",
        NOW + timedelta(days=days),
        "Xena (X9)",
        NOW,
        "B-OTHER",
    )


def feed(count: int) -> list[dict[str, Any]]:
    return list(DemoGenerator(3, date(2026, 3, 2)).records(count))


def test_a_page_holding_a_lookout_puts_it_in_the_lookouts_table_not_the_items(cache: ManifestCache) -> None:
    page: list[Any] = feed(5)
    page.insert(2, lookout_body(hub_lookout()))
    out = cache.apply_reference_page(page, "6", HUB, None)
    assert (out.items_written, out.lookouts, out.quarantined) == (5, 1, 0)
    assert cache.count() == 5
    assert cache.lookouts(NOW) == [hub_lookout()]
    assert cache.reference_cursor(HUB) == ("6", None)


def test_a_lookout_published_again_replaces_it_and_a_removal_ends_it(cache: ManifestCache) -> None:
    cache.apply_reference_page([lookout_body(hub_lookout())], "1", HUB, None)
    longer = hub_lookout(days=10, pattern="Acme Trading*")
    cache.apply_reference_page([lookout_body(longer)], "2", HUB, None)
    assert cache.lookouts(NOW) == [longer]
    cache.apply_reference_page([lookout_body(longer, removed=True)], "3", HUB, None)
    assert cache.lookouts(NOW) == []
    assert cache.removed_lookouts() == {"L1"}
    # A removal stays a removal, whatever arrives after it (a full re-sync replays the page).
    cache.apply_reference_page([lookout_body(longer)], "4", HUB, None)
    assert cache.lookouts(NOW) == []


def test_a_bare_removal_of_a_lookout_never_seen_is_kept(cache: ManifestCache) -> None:
    cache.apply_reference_page([removal_body("L7")], "1", HUB, None)
    assert cache.removed_lookouts() == {"L7"}
    assert cache.lookouts(NOW) == []
    cache.apply_reference_page([lookout_body(hub_lookout("L7"))], "2", HUB, None)
    assert cache.lookouts(NOW) == []


def test_an_expired_lookout_is_not_live(cache: ManifestCache) -> None:
    cache.apply_reference_page([lookout_body(hub_lookout(days=1))], "1", HUB, None)
    assert cache.lookouts(NOW + timedelta(hours=23)) == [hub_lookout(days=1)]
    assert cache.lookouts(NOW + timedelta(days=1)) == []


def test_bad_lookouts_and_bad_feed_records_are_quarantined_and_the_rest_written(cache: ManifestCache) -> None:
    page: list[Any] = feed(4)
    no_currency = copy.deepcopy(page[1])
    no_currency["currency"] = "DOLLARS"
    page[1] = no_currency
    bad_lookout = lookout_body(hub_lookout("L2"))
    bad_lookout["expires_at"] = "soon"
    page.append(bad_lookout)
    page.append(lookout_body(hub_lookout("L3")))
    out = cache.apply_reference_page(page, "6", HUB, None)
    assert (out.items_written, out.lookouts, out.quarantined) == (3, 1, 2)
    assert [n for n, _ in out.rejected] == [2, 5]
    reasons = dict(out.rejected)
    assert "currency" in reasons[2]
    assert "lookout expires_at" in reasons[5]
    assert [lk.id for lk in cache.lookouts(NOW)] == ["L3"]


def test_a_scan_sees_the_hubs_lookouts_and_the_benchs_own_offline(bench: Bench, cache: ManifestCache) -> None:
    own = bench.store.add_lookout(bench.supervisor, "seller", "*watches*", "tip-off", NOW + timedelta(days=2))
    assert live_lookouts(cache, bench.store, NOW) == [own]  # no hub yet
    cache.apply_reference_page([lookout_body(hub_lookout())], "1", HUB, None)
    # The bench's own lookout comes back from the hub too: listed once.
    cache.apply_reference_page([lookout_body(own)], "2", HUB, None)
    assert [lk.id for lk in live_lookouts(cache, bench.store, NOW)] == [own.id, "L1"]
    # Removed here (the hub's lookout, from this bench's records): no longer flagged here.
    bench.store.service.remove_lookout(bench.supervisor, "L1", "resolved", hub_lookout())
    assert live_lookouts(cache, bench.store, NOW) == [own]
    # Removed at another bench (the hub says so): the bench's own record no longer flags either.
    cache.apply_reference_page([lookout_body(own, removed=True)], "3", HUB, None)
    assert live_lookouts(cache, bench.store, NOW) == []


def test_the_list_kept_in_memory_follows_every_change(bench: Bench, data_dir: Path) -> None:
    scanning = ManifestCache(open_cache(data_dir))  # the scan's own connection, as on the database lane
    puller = ManifestCache(open_cache(data_dir))  # the reference pull's, as on the bulk lane
    try:
        kept = LiveLookouts(scanning, bench.store)
        assert kept.get(NOW) == []
        assert kept.get(NOW) is kept.get(NOW)  # nothing changed: not read again
        own = bench.store.add_lookout(
            bench.supervisor, "seller", "*watches*", "tip-off", NOW + timedelta(days=2)
        )
        assert kept.get(NOW) == [own]
        puller.apply_reference_page([lookout_body(hub_lookout())], "1", HUB, None)
        assert [lk.id for lk in kept.get(NOW)] == [own.id, "L1"]
        puller.apply_reference_page([lookout_body(hub_lookout(), removed=True)], "2", HUB, None)
        assert kept.get(NOW) == [own]
        bench.store.remove_lookout(bench.supervisor2, own.id, "done")
        assert kept.get(NOW) == []
        # A write on the scan's own connection counts too.
        scanning.apply_reference_page([lookout_body(hub_lookout("L5"))], "3", HUB, None)
        assert [lk.id for lk in kept.get(NOW)] == ["L5"]
    finally:
        scanning.db.conn.close()
        puller.db.conn.close()
