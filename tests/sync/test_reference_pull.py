"""Reference data from the hub into the bench's cache: `sync --once` against a real hub process."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from hub_process import HubProcess
from test_sync_cli import config
from workstation_process import run_workstation

from workstation.core.demo import DemoGenerator
from workstation.hub.feed import feed_records
from workstation.hub.storage import open_storage
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import write_feed
from workstation.sync.client import HubClient
from workstation.sync.rounds import pull_reference_into


def _publish(hub: HubProcess, tmp_path: Path, count: int, seed: int) -> list[str]:
    feed = tmp_path / f"feed-{seed}.jsonl"
    write_feed(DemoGenerator(seed, date(2026, 11, 20)).records(count), feed)
    storage = open_storage(hub.database)
    try:
        records = list(feed_records(feed))
        storage.publish_reference(records)
    finally:
        storage.close()
    return [key.split(":", 1)[1] for key, _ in records if key.startswith("item:")]


def _cached(data_dir: Path) -> ManifestCache:
    return ManifestCache(open_cache(data_dir))


def test_sync_once_pulls_the_hubs_reference_data_in_pages_and_then_only_what_is_new(
    hub: HubProcess, token: str, data_dir: Path, tmp_path: Path
) -> None:
    items = _publish(hub, tmp_path, 12_000, seed=3)  # three pages of 5,000
    cfg = str(config(tmp_path, hub.url, token))
    done = run_workstation(data_dir, "--config", cfg, "sync", "--once")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["reference_records"] == len(items)
    cache = _cached(data_dir)
    try:
        assert cache.count() == len(items)
        sample = cache.get(items[-1])
        assert sample is not None
        assert sample.tracking_id == items[-1]
        cursor, etag = cache.reference_cursor(hub.url)
        assert cursor != "0"
        assert etag
    finally:
        cache.db.conn.close()

    # Nothing new: nothing pulled (the ETag says so). Then a second publication: only it comes.
    again = run_workstation(data_dir, "--config", cfg, "sync", "--once")
    assert json.loads(again.stdout.strip().splitlines()[-1])["reference_records"] == 0
    more = _publish(hub, tmp_path, 300, seed=4)
    third = run_workstation(data_dir, "--config", cfg, "sync", "--once")
    assert json.loads(third.stdout.strip().splitlines()[-1])["reference_records"] == len(more)
    cache = _cached(data_dir)
    try:
        assert cache.count() == len(set(items) | set(more))
    finally:
        cache.db.conn.close()


def test_an_expired_cursor_restarts_from_0_without_doubling_anything(
    hub: HubProcess, token: str, data_dir: Path, tmp_path: Path
) -> None:
    items = _publish(hub, tmp_path, 700, seed=5)
    cache = _cached(data_dir)
    try:
        with HubClient(hub.url, token) as client:
            first = pull_reference_into(cache, client, hub.url)
            assert first.records == len(items)
            assert not first.restarted
            # The hub withdraws a row: every cursor issued before it expires.
            storage = open_storage(hub.database)
            try:
                assert storage.withdraw_reference([f"item:{items[0]}"]) == 1
            finally:
                storage.close()
            _publish(hub, tmp_path, 50, seed=6)
            second = pull_reference_into(cache, client, hub.url)
        assert second.restarted
        assert second.records == len(items) - 1 + 50  # the hub's whole set again, from 0
        # Overwritten, not doubled: each tracking id once.
        distinct = cache.db.conn.execute("SELECT count(DISTINCT tracking_id), count(*) FROM items").fetchone()
        assert distinct[0] == distinct[1] == len(items) + 50
    finally:
        cache.db.conn.close()
