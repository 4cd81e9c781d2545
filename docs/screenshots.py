"""Render each state of the bench offscreen to docs/screenshots/ (for the README).

uv run python docs/screenshots.py            # every screenshot
uv run python docs/screenshots.py review     # the supervisor review's only
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from workstation.config import Context, Settings
from workstation.core import tracking
from workstation.core.records import Outcome, Session
from workstation.core.scan import ScanEvent, ScanSource
from workstation.hub.demo import DemoHub
from workstation.store.cache import ManifestCache
from workstation.store.db import RECORDS_FILE, open_cache
from workstation.store.demo_data import seed_cache
from workstation.store.demo_history import write_history
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.ui.help_overlay import HelpOverlay
from workstation.ui.root import Workstation

OUT = Path(__file__).resolve().parent / "screenshots"


def settle(app: QApplication, predicate=lambda: True, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    end = time.perf_counter() + timeout
    while not predicate() and time.perf_counter() < end:
        app.processEvents()
    for _ in range(20):
        app.processEvents()


def conn_green(work: Path, besides: str) -> str:
    """Another green item than `besides`."""
    cache = ManifestCache(open_cache(work))
    try:
        return str(
            cache.db.conn.execute(
                "SELECT tracking_id FROM risk WHERE lane='green' AND tracking_id != ? ORDER BY tracking_id LIMIT 1",
                (besides,),
            ).fetchone()[0]
        )
    finally:
        cache.db.conn.close()


def add_lookout(work: Path, index: int) -> str:
    """A supervisor's lookout on the shipper of the `index`-th green item; that item's tracking id."""
    cache = ManifestCache(open_cache(work))
    try:
        code, shipper = cache.db.conn.execute(
            "SELECT i.tracking_id, i.shipper_name FROM items i JOIN risk r USING (tracking_id) "
            "WHERE r.lane='green' ORDER BY i.tracking_id LIMIT 1 OFFSET ?",
            (index,),
        ).fetchone()
    finally:
        cache.db.conn.close()
    store = RecordsStore.open(work)
    try:
        supervisor = OfficerDirectory(store).sign_in("D2001", "demo", "bench-09")
        until = datetime.now(UTC) + timedelta(days=2)
        store.add_lookout(
            supervisor, "shipper", shipper, "counterfeit watches: tip-off from the rights holder", until
        )
    finally:
        store.close()
    return str(code)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ws-shots-"))
    cache = ManifestCache(open_cache(work))
    seed_cache(cache, 3000)
    conn = cache.db.conn
    green = conn.execute(
        "SELECT tracking_id FROM risk WHERE lane='green' ORDER BY tracking_id LIMIT 1"
    ).fetchone()[0]
    red = conn.execute(
        "SELECT tracking_id FROM risk WHERE targeted=1 ORDER BY score DESC LIMIT 1"
    ).fetchone()[0]
    conn.close()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx = Context(Settings(facility_name="JFK IMF", bench_id="bench-07"), work, demo=True)
    # The demo's hub beside it, as `workstation --demo` runs it: the scan bar shows the sync.
    demo_hub = DemoHub(work, "bench-07").start()
    root = Workstation(ctx, sounds=False, demo_hub=demo_hub)
    sessions: list[Session] = []
    root.demo_sign_in().on_success(sessions.append)
    settle(app, lambda: bool(sessions))
    bench = root.start(sessions[0])
    window = bench.window
    window.resize(1600, 950)
    window.show()
    settle(app, lambda: window.sync_label.text().startswith("Sync: up to date"), timeout=30)

    def scan(code: str) -> None:
        shown: list[object] = []
        window.scan_shown.connect(shown.append)
        bench.on_scan(ScanEvent(code, ScanSource.WEDGE))
        settle(app, lambda: bool(shown))
        window.scan_shown.disconnect(shown.append)

    def shot(name: str, code: str | None = None) -> None:
        if code is not None:
            scan(code)
        settle(app)
        window.grab().save(str(OUT / f"{name}.png"))
        sys.stdout.write(f"{OUT / name}.png\n")

    def shot_when(name: str, predicate) -> None:  # type: ignore[no-untyped-def]
        settle(app, predicate, timeout=30)
        shot(name)

    shot("clear", green)
    shot("targeted", red)
    good = tracking.make_s10("RB", "12345678", "CN")
    shot("misread", good[:10] + str((int(good[10]) + 1) % 10) + good[11:])
    shot("unmanifested", tracking.make_s10("LX", "55501234", "HK"))
    shot("lookout", add_lookout(work, 5))
    saved: list[object] = []
    window.record_saved.connect(saved.append)
    scan(green)
    window.on_outcome(Outcome.RELEASED)
    settle(app, lambda: bool(saved))
    shot("already_inspected", green)
    window.toggle_contrast()
    shot("high_contrast", red)
    window.toggle_contrast()
    overlay = HelpOverlay(window)
    overlay.show()
    settle(app)
    overlay.grab().save(str(OUT / "help.png"))
    overlay.close()
    # The hub goes away: what is saved now waits, and the bar says since when the hub is out of reach.
    demo_hub.stop()
    window.clear_card()
    saved.clear()
    other = conn_green(work, green)
    scan(other)
    window.on_outcome(Outcome.RELEASED)
    settle(app, lambda: bool(saved))
    shot_when("sync_offline", lambda: "offline since" in window.sync_label.text())
    bench.lock()
    shot("locked")
    root.close()
    shutil.rmtree(work, ignore_errors=True)


def review() -> None:
    """The supervisor review over a bench's records: a three-day history, the demo supervisor signed in."""
    OUT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ws-review-shots-"))
    cache = ManifestCache(open_cache(work))
    seed_cache(cache, 3000)
    cache.db.conn.close()
    write_history(work / RECORDS_FILE, 6000, days=3, seed=7)
    # An older week too: its open detentions are past their deadlines.
    write_history(work / RECORDS_FILE, 400, days=7, seed=8, start=date.today() - timedelta(days=60))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ctx = Context(Settings(facility_name="JFK IMF", bench_id="BENCH-01"), work, demo=True)
    root = Workstation(ctx, sounds=False)
    sessions: list[Session] = []
    root.demo_sign_in("D2001").on_success(sessions.append)
    settle(app, lambda: bool(sessions))
    bench = root.start(sessions[0])
    window = bench.review.open()
    assert window is not None
    window.resize(1600, 950)
    tab = window.log_tab
    settle(app, lambda: tab.count_label.text().endswith("records"))
    tab.filters.set_shift("day")
    settle(app, lambda: tab.count_label.text().endswith("records") and tab.model.held_rows > 0)
    seizure = next(
        (n for n in range(min(200, tab.model.rowCount())) if (r := tab.model.row_at(n)) and r.seizure), 0
    )
    tab.table.selectRow(seizure)
    settle(app, lambda: tab.shown_id is not None)

    def shot(name: str, widget: object = None) -> None:
        if widget is not None:
            window.tabs.setCurrentWidget(widget)  # type: ignore[arg-type]
        settle(app, timeout=2)
        window.grab().save(str(OUT / f"{name}.png"))
        sys.stdout.write(f"{OUT / name}.png\n")

    shot("review_log")
    window.tabs.setCurrentWidget(window.counts_tab)
    settle(app, lambda: window.counts_tab.counts is not None)
    shot("review_counts")
    settle(app, lambda: bool(window.reconciliation_tab.items))
    shot("review_reconciliation", window.reconciliation_tab)
    settle(app, lambda: bool(window.countersign_tab.seizures))
    shot("review_countersign", window.countersign_tab)
    root.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["review"]:
        review()
    else:
        main()
        review()
