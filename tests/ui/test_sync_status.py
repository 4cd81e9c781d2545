"""The background sync as the officer sees it: the scan bar's sync line, against a real hub process."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from workstation.config import Settings, SyncSettings
from workstation.core.scan import ScanEvent, ScanSource
from workstation.hub.demo import DemoHub
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.ui.bench_app import Bench
from workstation.ui.sync_driver import SyncView, sync_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))
from hub_process import HubProcess, add_device


def _at(hh: int, mm: int) -> datetime:
    return datetime.now().astimezone().replace(hour=hh, minute=mm).astimezone(UTC)


@pytest.mark.parametrize(
    ("view", "text"),
    [
        (SyncView(hub=False), "Sync: no hub"),
        (SyncView(hub=False, pending=3), "Sync: no hub · 3 kept here"),
        (SyncView(hub=True), "Sync: connecting…"),
        (SyncView(hub=True, last_success=_at(9, 5)), "Sync: up to date · 09:05"),
        (SyncView(hub=True, pending=4, last_success=_at(9, 5)), "Sync: 4 waiting · last 09:05"),
        (
            SyncView(hub=True, pending=12, offline_since=_at(13, 55), error="hub unreachable"),
            "Sync: offline since 13:55 · 12 waiting",
        ),
        (SyncView(hub=True, pending=0, error="hub busy (503)"), "Sync: hub problem · 0 waiting"),
        (
            SyncView(hub=True, last_success=_at(9, 5), dead_letters=2, clock_warning="clock"),
            "Sync: up to date · 09:05 · 2 refused by the hub · clock off",
        ),
    ],
)
def test_the_sync_line_says_what_waits_and_since_when(view: SyncView, text: str) -> None:
    assert sync_text(view) == text


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    folder = tmp_path / "hub"
    folder.mkdir()
    process = HubProcess(folder, f"sqlite:///{folder / 'hub.sqlite'}").start()
    try:
        yield process
    finally:
        process.stop()


def _green(bench: Bench) -> list[str]:
    cache = ManifestCache(open_cache(bench.ctx.data_dir))
    try:
        rows = cache.db.conn.execute(
            "SELECT i.tracking_id FROM items i JOIN risk r USING (tracking_id) "
            "WHERE r.lane = 'green' AND r.targeted = 0 LIMIT 2"
        ).fetchall()
    finally:
        cache.db.conn.close()
    return [str(r[0]) for r in rows]


def _release(bench: Bench, qtbot: QtBot, code: str) -> str:
    with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(code, ScanSource.MANUAL))
    with qtbot.waitSignal(bench.window.record_saved, timeout=10_000) as saved:
        QTest.keyClick(bench.window, Qt.Key.Key_F2)
    return str(saved.args[0].id)


def test_a_saved_record_reaches_the_hub_and_the_bar_says_up_to_date_then_offline(
    make_bench: object, hub: HubProcess, qtbot: QtBot
) -> None:
    token = add_device(hub.data_dir, hub.database, "bench-7")
    settings = Settings(
        bench_id="bench-7", hub_url=hub.url, sync=SyncSettings(token=token, interval_seconds=1.0)
    )
    bench: Bench = make_bench(settings)  # type: ignore[operator]
    label = bench.window.sync_label
    # The officers' own messages (the demo officers, the sign-in) go up first.
    qtbot.waitUntil(lambda: label.text().startswith("Sync: up to date"), timeout=20_000)

    first, second = _green(bench)
    record_id = _release(bench, qtbot, first)

    # The save brings a round forward: the record is at the hub, once, and the bar says so.
    def at_hub() -> int:
        with sqlite3.connect(hub.database.removeprefix("sqlite:///")) as conn:
            return int(
                conn.execute(
                    "SELECT count(*) FROM events WHERE kind = 'inspection' AND event_id = ?", (record_id,)
                ).fetchone()[0]
            )

    qtbot.waitUntil(lambda: at_hub() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: label.text().startswith("Sync: up to date"), timeout=20_000)
    assert "refused" not in label.text()

    # The hub goes away: the next record waits, and the bar says since when the hub is out of reach.
    hub.kill()
    _release(bench, qtbot, second)
    qtbot.waitUntil(lambda: "offline since" in label.text(), timeout=20_000)
    assert "1 waiting" in label.text()


def test_a_demo_hub_that_did_not_start_is_said_in_the_scan_bar(
    make_bench: object, tmp_path: Path, qtbot: QtBot
) -> None:
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "demo-hub").write_text("a file where the demo hub's folder should be")
    demo_hub = DemoHub(blocked, "bench-7").start()
    bench: Bench = make_bench(Settings(bench_id="bench-7"), demo_hub=demo_hub)  # type: ignore[operator]
    label = bench.window.sync_label
    qtbot.waitUntil(lambda: label.text().startswith("Sync: hub problem"), timeout=20_000)
    assert "the demo hub did not start" in label.toolTip()
    assert "waiting" in label.text()  # what waits is still counted, and kept
