"""The bench's other scanners: a serial scanner on a pseudo-terminal, a webcam that is a video file.

Both go through the same code as the real devices (pyserial on a tty, cv2.VideoCapture), and
their scans reach the card like a wedge scan.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from pytestqt.qtbot import QtBot

from workstation.config import CameraSettings, ScannerSettings, Settings
from workstation.core.scan import ScanSource
from workstation.scanning.render import frame_with_label
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.ui.bench_app import Bench

BenchFactory = Callable[[Settings], Bench]  # the `make_bench` fixture of conftest.py


def _some_code(data_dir: Path) -> str:
    cache = ManifestCache(open_cache(data_dir))
    row = cache.db.conn.execute("SELECT tracking_id FROM items ORDER BY tracking_id LIMIT 1").fetchone()
    cache.db.conn.close()
    return str(row[0])


def test_serial_scanner_scan_reaches_the_card(make_bench: BenchFactory, qtbot: QtBot) -> None:
    controller, device = os.openpty()
    try:
        settings = Settings(bench_id="bench-s", scanner=ScannerSettings(serial_port=os.ttyname(device)))
        bench = make_bench(settings)
        qtbot.waitUntil(lambda: "serial: opened" in bench.window.devices_label.text(), timeout=10_000)
        code = _some_code(bench.ctx.data_dir)
        with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000) as shown:
            os.write(controller, code.lower().encode() + b"\r\n")
        assert shown.args[0].item is not None
        assert shown.args[0].item.tracking_id == code
        assert bench.window.source_label.text() == f"Source: {ScanSource.SERIAL.value}"
    finally:
        os.close(controller)
        os.close(device)


def test_video_file_camera_scan_reaches_the_card_once(
    make_bench: BenchFactory, qtbot: QtBot, tmp_path: Path, seeded: Path
) -> None:
    code = _some_code(seeded)
    video = tmp_path / "camera.avi"
    rng = np.random.default_rng(5)
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (640, 360))
    for _ in range(15):  # the same label in view for 1.5 s: one scan
        frame = frame_with_label(rng, code, x=60, y=80, size=(360, 640))
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()

    shown: list[object] = []
    settings = Settings(bench_id="bench-c", camera=CameraSettings(source=str(video), dedupe_seconds=5.0))
    bench = make_bench(settings)
    bench.window.scan_shown.connect(shown.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=15_000)
    # The file runs out: the camera says so ("ended", then "stopped", said after its last scan), and
    # is not retried as lost. Once the lookups queued before "stopped" are delivered: one scan.
    qtbot.waitUntil(lambda: "camera: stopped" in bench.window.devices_label.text(), timeout=15_000)
    bench.runner.wait_idle()
    assert len(shown) == 1
    assert bench.window.card.tracking_id.text() == code
    assert bench.window.source_label.text() == f"Source: {ScanSource.CAMERA.value}"
    assert bench.camera is not None
    assert bench.camera.latest_frame() is not None


def test_a_bench_whose_camera_and_serial_port_are_missing_still_scans(
    make_bench: BenchFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    """A configured device that is not there is said in the scan bar; the wedge and manual entry work."""
    settings = Settings(
        bench_id="bench-m",
        camera=CameraSettings(source=str(tmp_path / "no-such-camera.avi"), retry_seconds=60.0),
        scanner=ScannerSettings(serial_port=str(tmp_path / "ttyNONE")),
    )
    bench = make_bench(settings)
    qtbot.waitUntil(
        lambda: (
            "camera:" in bench.window.devices_label.text() and "serial:" in bench.window.devices_label.text()
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: "cannot open" in bench.window.devices_label.text(), timeout=10_000)
    status = bench.window.devices_label.text()
    assert "opened" not in status, status
    # The cause stays in view while the camera retries or stops: IT reads why, not only "stopped".
    assert "no-such-camera.avi: cannot open" in status
    assert "ttyNONE" in status
    code = _some_code(bench.ctx.data_dir)
    with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000) as shown:
        bench.window.manual.setText(code)
        bench.window.manual.returnPressed.emit()
    assert shown.args[0].item is not None
    assert bench.window.card.tracking_id.text() == code
