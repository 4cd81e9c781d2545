"""Composition root: opens the stores, builds the services and the main window, passes them in."""

from __future__ import annotations

import logging
import sys
from datetime import date, timedelta
from pathlib import Path

from workstation.config import Context
from workstation.store.cache import ManifestCache
from workstation.store.db import CACHE_FILE, StoreUnavailableError, open_cache, prefetch

log = logging.getLogger(__name__)
DEMO_ITEMS = 50_000


class StartupError(Exception):
    """The app cannot start; the message says why and what to do."""


def ensure_demo_data(data_dir: Path, items: int) -> None:
    """Create the demo data directory on first run; later runs reuse it."""
    if (data_dir / CACHE_FILE).exists():
        return
    from workstation.store.demo_data import seed_cache

    sys.stderr.write(f"workstation: creating demo data ({items:,} items) in {data_dir} ...\n")
    cache = ManifestCache(open_cache(data_dir))
    seed_cache(cache, items)
    cache.db.conn.close()


def purge_expired(cache: ManifestCache, retention_days: int, keep: set[str]) -> int:
    before = (date.today() - timedelta(days=retention_days)).isoformat()
    return cache.purge(before, keep)


def run_gui(ctx: Context) -> int:
    from workstation.store.backup import ensure_daily_backup
    from workstation.store.records import RecordsStore

    try:
        if ctx.demo:
            ensure_demo_data(ctx.data_dir, DEMO_ITEMS)
        # Records first: a damaged, emptied or missing records file stops the start with a message
        # naming the newest backup; it is never replaced by an empty one. An emptied cache stops
        # it too: otherwise every scan would say "not in the cache" and look like a feed problem.
        records = RecordsStore.open(ctx.data_dir)
        keep = records.open_case_tracking_ids()
        records.close()
        ensure_daily_backup(ctx.data_dir, ctx.settings.backups_kept)
        cache = ManifestCache(open_cache(ctx.data_dir))
    except StoreUnavailableError as exc:
        raise StartupError(str(exc)) from exc
    purge_expired(cache, ctx.settings.retention_days, keep)
    cache.db.conn.close()
    prefetch(ctx.data_dir / CACHE_FILE)  # the kernel reads it in while the officer signs in

    from workstation.ui.application import run_application

    return run_application(ctx)
