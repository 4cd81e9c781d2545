"""The bench's log: an exception in a Qt slot or a task nobody handles is logged and shown.

A real bench (real task runner threads) over a real data directory, with the logging and hooks
that the app installs; pytest-qt's own exception capture is off, since these hooks replace it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from workstation.config import Settings
from workstation.core.scan import ScanEvent, ScanSource
from workstation.logs import LogSetup, setup_logging
from workstation.scanning import decoders
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.ui.bench_app import Bench
from workstation.ui.errors import UncaughtErrors
from workstation.ui.sounds import Sounds

BenchFactory = Callable[..., Bench]  # tests/ui/conftest.py's make_bench

pytestmark = pytest.mark.qt_no_exception_capture


@pytest.fixture
def logged_bench(make_bench: BenchFactory, qtbot: QtBot) -> Iterator[tuple[Bench, LogSetup]]:
    bench = make_bench(Settings(bench_id="bench-7"))
    setup = setup_logging(bench.ctx.data_dir, bench.ctx.log, console=False)
    errors = UncaughtErrors()
    errors.install()
    errors.raised.connect(bench.window.show_error)  # as application.run_application does
    try:
        yield bench, setup
    finally:
        errors.uninstall()
        setup.close()


def _log(bench: Bench) -> str:
    return (bench.ctx.data_dir / "logs" / "workstation.log").read_text(encoding="utf-8")


def _shipped_item(bench: Bench) -> tuple[str, str, str]:
    cache = ManifestCache(open_cache(bench.ctx.data_dir))
    row = cache.db.conn.execute(
        "SELECT tracking_id, shipper_name, consignee_name FROM items LIMIT 1"
    ).fetchone()
    cache.db.conn.close()
    return str(row[0]), str(row[1]), str(row[2])


def test_an_exception_in_a_slot_is_logged_with_badge_and_bench_and_shown(
    logged_bench: tuple[Bench, LogSetup], qtbot: QtBot
) -> None:
    bench, _ = logged_bench
    window = bench.window
    code, shipper, consignee = _shipped_item(bench)
    with qtbot.waitSignal(window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(code, ScanSource.MANUAL))
    on_card = " ".join(label.text() for label in window.card.findChildren(QLabel))
    assert shipper in on_card  # on the screen, so it could have reached the log

    def broken_slot() -> None:
        raise RuntimeError(f"printer jammed on {code}")

    QTimer.singleShot(0, broken_slot)  # called by Qt's event loop: PySide6 hands it to sys.excepthook
    qtbot.waitUntil(lambda: "printer jammed" in window.banner.text(), timeout=5_000)
    assert "RuntimeError" in window.banner.text()
    assert "logs/workstation.log" in window.banner.text()

    text = _log(bench)
    entry = next(line for line in text.splitlines() if "uncaught exception" in line)
    assert " CRITICAL bench=bench-7 badge=D1001 " in entry
    assert f"RuntimeError: printer jammed on {code}" in entry
    assert "  | Traceback (most recent call last):" in text
    # A badge and a tracking number are fine; a name or an address from the feed is not.
    assert shipper not in text
    assert consignee not in text
    assert "Demo Officer" not in text  # the officer's name, shown on screen, stays out of the log


def test_a_task_failure_nobody_handles_is_logged_and_shown(
    logged_bench: tuple[Bench, LogSetup], qtbot: QtBot
) -> None:
    bench, _ = logged_bench

    def lost(res: object) -> None:
        raise OSError(28, "No space left on device")

    bench.runner.run(lost, "save photo")  # no on_failure: it must not vanish
    qtbot.waitUntil(lambda: "No space left" in bench.window.banner.text(), timeout=10_000)
    text = _log(bench)
    assert "OSError: [Errno 28] No space left on device" in text
    assert "badge=D1001" in text


def test_an_exception_in_a_worker_thread_is_logged_and_shown(
    logged_bench: tuple[Bench, LogSetup], qtbot: QtBot
) -> None:
    bench, _ = logged_bench

    def worker() -> None:
        raise ValueError("serial port gone")

    thread = threading.Thread(target=worker, name="serial-test")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: "serial port gone" in bench.window.banner.text(), timeout=5_000)
    assert "in thread serial-test: ValueError: serial port gone" in _log(bench)


def test_warnings_from_sounds_and_decoders_reach_the_file(
    logged_bench: tuple[Bench, LogSetup], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench, _ = logged_bench
    Sounds(bench, loader=lambda: (None, "sounds off: QtMultimedia cannot load (test)"))
    # None in sys.modules makes the import fail, as it does when libzbar is not installed.
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    decoders._zbar_loaded.cache_clear()
    try:
        assert decoders.zbar_problem() is not None
    finally:
        decoders._zbar_loaded.cache_clear()
    text = _log(bench)
    assert "WARNING bench=bench-7 badge=D1001 workstation.ui.sounds: sounds off: QtMultimedia" in text
    assert (
        "WARNING bench=bench-7 badge=D1001 workstation.scanning.decoders: second barcode reader off" in text
    )


def test_the_data_dir_log_folder_is_owner_only(logged_bench: tuple[Bench, LogSetup]) -> None:
    _, setup = logged_bench
    assert setup.path is not None
    assert isinstance(setup.path, Path)
    assert (setup.path.parent.stat().st_mode & 0o777) == 0o700


def test_a_hand_over_changes_the_badge_on_later_lines(
    logged_bench: tuple[Bench, LogSetup], qtbot: QtBot
) -> None:
    bench, _ = logged_bench
    bench.lock()
    bench._switch("D1002", "demo")  # what the lock screen's "another officer" form emits
    qtbot.waitUntil(lambda: bench.session.officer.badge == "D1002", timeout=10_000)

    def probe(res: object) -> None:
        raise ValueError("after the hand-over")

    bench.runner.run(probe, "probe")
    qtbot.waitUntil(lambda: "after the hand-over" in bench.window.banner.text(), timeout=10_000)
    lines = _log(bench).splitlines()
    assert any("badge=D1002" in line and "hand-over: badge D1002 after badge D1001" in line for line in lines)
    assert any("badge=D1002" in line and "ValueError: after the hand-over" in line for line in lines)
