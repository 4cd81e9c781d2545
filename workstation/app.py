"""Start of the GUI: what must hold before Qt starts (a screen, readable data files), then the
composition root (ui/root.py), which owns the settings, the runner, the session and the windows.

Kept free of Qt at import: the subcommands import it and must start fast.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

from workstation.config import Context
from workstation.core.demo import DEMO_ITEMS
from workstation.store.cache import ManifestCache
from workstation.store.db import CACHE_FILE, StoreUnavailableError, open_cache, prefetch

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The app cannot start; the message says why and what to do."""


# The libraries Qt's X11 platform plugin loads, and the Debian package of each.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
}


def library_loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def display_problem(
    environ: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    loads: Callable[[str], bool] = library_loads,
) -> str | None:
    """Why no window can open on this Linux PC, in words IT can act on; None when one can.

    Without this, Qt aborts the process with a page of plugin messages.
    """
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return (
            "no screen to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): start it "
            "from a desktop session; to try it without a screen, set QT_QPA_PLATFORM=offscreen"
        )
    if environ.get("WAYLAND_DISPLAY"):
        return None  # Qt's Wayland plugin ships inside PySide6
    missing = [package for soname, package in XCB_LIBRARIES.items() if not loads(soname)]
    if missing:
        return f"the window needs Qt's X11 libraries: apt-get install {' '.join(missing)}"
    return None


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

    problem = display_problem()
    if problem is not None:
        raise StartupError(problem)
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

    from workstation.ui.root import run_application

    return run_application(ctx)
