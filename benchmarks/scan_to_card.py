"""Scan-to-card latency (alone, and during a bulk cache write on the other lane), keys per
package, and the GUI thread's longest block while saving.

    uv run python benchmarks/scan_to_card.py [--items 1000000] [--scans 300] [--bulk-rows 100000]
        [--cache-dir DIR]

The cache is built once (demo generator, through the importer's write path) and reused from
--cache-dir. Each scan is typed into the app as a keyboard wedge would (key events through the
application-wide filter), and timed from the Enter key to the card's next paint.

With --bulk-rows N (0: skip), the scans are timed a second time while N new cache rows are
written on the bulk lane (its own process and cache connection, 5,000 rows per transaction,
as a reference-data pull will); only scans that start and end while the write runs
count. The bulk write goes to a copy of the cache, so the cache in --cache-dir stays as built.
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from workstation.config import Context, Settings
from workstation.core.records import Outcome, Session
from workstation.core.scan import ScanEvent, ScanSource
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import seed_cache
from workstation.ui.bench_window import BenchWindow
from workstation.ui.operations import BulkResources
from workstation.ui.root import Workstation


def bulk_write(res: BulkResources, rows: int) -> int:
    """New cache rows, 5,000 per transaction, as a reference-data pull writes them (in the bulk lane's process)."""
    return seed_cache(res.cache, rows, seed=2, batch_size=5000)


def build_cache(cache_dir: Path, items: int) -> None:
    marker = cache_dir / f"items-{items}"
    if marker.exists():
        return
    shutil.rmtree(cache_dir, ignore_errors=True)
    cache_dir.mkdir(parents=True)
    print(f"building a {items:,}-item cache in {cache_dir} (once) ...", file=sys.stderr)
    cache = ManifestCache(open_cache(cache_dir))
    seed_cache(cache, items, batch_size=20_000)
    cache.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.db.conn.close()
    marker.touch()


class PaintProbe(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.painted_at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.perf_counter()
        return False


def wait_until(app: QApplication, predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop until `predicate` holds; the loop sleeps between events, as in the app
    (a busy loop would hold the GIL and slow the database thread it waits for)."""
    end = time.perf_counter() + timeout
    while not predicate():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        if time.perf_counter() > end:
            raise TimeoutError(f"the bench did not answer in time; banner: {BANNER[0]()}")


BANNER = [lambda: ""]


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50, p99


def time_scan(app: QApplication, window: BenchWindow, probe: PaintProbe, code: str) -> float:
    """One scan typed as a wedge burst into the focused notes field: Enter to card painted, in ms."""
    shown: list[object] = []
    window.scan_shown.connect(shown.append)
    window.notes.setFocus()
    for ch in code.lower():
        QTest.keyClick(QApplication.focusWidget(), ch)
    probe.painted_at = None
    start = time.perf_counter()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    wait_until(app, lambda: bool(shown) and probe.painted_at is not None)
    assert probe.painted_at is not None
    window.scan_shown.disconnect(shown.append)
    return (probe.painted_at - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument(
        "--bulk-rows", type=int, default=100_000, help="cache rows written on the bulk lane (0: skip)"
    )
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "ws-bench-cache")
    args = parser.parse_args()
    build_cache(args.cache_dir, args.items)

    work = Path(tempfile.mkdtemp(prefix="ws-scan-to-card-"))
    data_dir = work / "data"
    data_dir.mkdir()
    if args.bulk_rows:
        shutil.copyfile(args.cache_dir / "cache.sqlite", data_dir / "cache.sqlite")
    else:
        (data_dir / "cache.sqlite").symlink_to(args.cache_dir / "cache.sqlite")
    app = QApplication.instance() or QApplication([])
    ctx = Context(Settings(bench_id="bench-bm"), data_dir, demo=True)
    root = Workstation(ctx, sounds=False)
    sessions: list[Session] = []
    root.demo_sign_in().on_success(sessions.append)
    wait_until(app, lambda: bool(sessions))
    bench = root.start(sessions[0])
    window = bench.window
    BANNER[0] = window.banner.text
    window.show()
    wait_until(app, window.isVisible)
    app.processEvents()

    cache = ManifestCache(open_cache(args.cache_dir))
    green = [
        r[0]
        for r in cache.db.conn.execute(
            "SELECT tracking_id FROM risk WHERE lane = 'green' AND targeted = 0 ORDER BY random() LIMIT ?",
            (args.scans,),
        )
    ]
    targeted = cache.db.conn.execute(
        "SELECT tracking_id FROM risk WHERE targeted = 1 ORDER BY random() LIMIT 1"
    ).fetchone()[0]
    cache.db.conn.close()

    # 1. Enter to card painted, scans typed as a wedge burst into the focused notes field.
    probe = PaintProbe()
    window.card.installEventFilter(probe)
    latencies = [time_scan(app, window, probe, code) for code in green]
    p50, p99 = percentiles(latencies)
    print(
        f"scan to card painted over {len(latencies)} scans of a {args.items:,}-item cache: "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )

    # 1b. The same while a bulk write of new cache rows runs on the other lane.
    bulk: dict[str, float | int | None] = {}
    if args.bulk_rows:
        written: list[int] = []
        bulk_start = time.perf_counter()
        task = root.bulk.run(functools.partial(bulk_write, rows=args.bulk_rows), "bulk write")
        task.on_success(written.append)
        during: list[float] = []
        turn = 0
        while not task.done and len(during) < args.scans:
            ms = time_scan(app, window, probe, green[turn % len(green)])
            turn += 1
            if not task.done:  # started and ended while the write ran
                during.append(ms)
        wait_until(app, lambda: task.done, timeout=3600)
        bulk_seconds = time.perf_counter() - bulk_start
        b50, b99 = percentiles(during) if during else (float("nan"), float("nan"))
        print(
            f"scan to card during a bulk write of {args.bulk_rows:,} cache rows "
            f"({written[0] if written else 0:,} written in {bulk_seconds:.1f} s) over {len(during)} scans: "
            f"p50 {b50:.2f} ms, p99 {b99:.2f} ms"
        )
        bulk = {
            "bulk_rows": args.bulk_rows,
            "bulk_rows_written": written[0] if written else 0,
            "bulk_write_s": round(bulk_seconds, 2),
            "scans_during_bulk": len(during),
            "scan_to_card_during_bulk_p50_ms": round(b50, 3) if during else None,
            "scan_to_card_during_bulk_p99_ms": round(b99, 3) if during else None,
        }

    # 2. Keys pressed per package after the scan, counted as they are pressed.
    def flow(code: str, exam_first: bool) -> int:
        saved: list[object] = []
        shown: list[object] = []
        window.record_saved.connect(saved.append)
        window.scan_shown.connect(shown.append)
        bench.on_scan(ScanEvent(code, ScanSource.WEDGE))
        wait_until(app, lambda: bool(shown))
        keys = 0
        if exam_first:
            QTest.keyClick(window, Qt.Key.Key_F9)  # X-ray
            keys += 1

            def press_enter() -> None:  # the release confirmation opens inside the F2 press
                box = QApplication.activeModalWidget()
                assert isinstance(box, QMessageBox), box
                QTest.keyClick(box, Qt.Key.Key_Return)

            QTimer.singleShot(100, press_enter)
            keys += 1
        QTest.keyClick(window, Qt.Key.Key_F2)
        keys += 1
        wait_until(app, lambda: bool(saved))
        window.record_saved.disconnect(saved.append)
        window.scan_shown.disconnect(shown.append)
        assert saved[0].outcome is Outcome.RELEASED  # type: ignore[attr-defined]
        return keys

    green_keys = flow(green[0], exam_first=False)
    targeted_keys = flow(targeted, exam_first=True)
    print(f"keys after the scan: green release {green_keys}, targeted + X-ray + release {targeted_keys}")

    # 3. The GUI thread's longest block while saving an inspection with a 1280x720 photo.
    frame = np.random.default_rng(1).integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    window.frame_grabber = lambda: frame
    blocks = []
    window.activateWindow()  # the release confirmation had the focus
    for code in green[1:21]:
        shown = []
        window.scan_shown.connect(shown.append)
        bench.on_scan(ScanEvent(code, ScanSource.WEDGE))
        wait_until(app, lambda: bool(shown))  # noqa: B023
        window.scan_shown.disconnect(shown.append)
        saved = []
        window.record_saved.connect(saved.append)
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(1)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))  # noqa: B023
        timer.start()
        start = time.perf_counter()
        ticks.append(start)
        window.take_photo()
        QTest.keyClick(window, Qt.Key.Key_F2)
        ticks.append(time.perf_counter())
        wait_until(app, lambda: bool(saved))  # noqa: B023
        ticks.append(time.perf_counter())
        timer.stop()
        window.record_saved.disconnect(saved.append)
        gaps = [(b - a) * 1000 for a, b in pairwise(ticks)]
        blocks.append(max(gaps))
    longest = max(blocks)
    print(
        f"longest GUI-thread block while saving an inspection with a photo: {longest:.2f} ms "
        f"(median over saves {statistics.median(blocks):.2f} ms)"
    )

    root.close()
    shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "items": args.items,
                "scans": len(latencies),
                "scan_to_card_p50_ms": round(p50, 3),
                "scan_to_card_p99_ms": round(p99, 3),
                **bulk,
                "keys_green_release": green_keys,
                "keys_targeted_xray_release": targeted_keys,
                "gui_block_save_with_photo_max_ms": round(longest, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
