"""The camera view with the real camera threads over a generated video file."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from workstation.config import CameraSettings
from workstation.core.scan import ScanEvent, ScanSource
from workstation.scanning.camera import CameraStatus, Frame
from workstation.scanning.render import frame_with_label
from workstation.ui.camera_view import CameraView, to_qimage

CODE = "1Z879E930346834440"


def test_scans_and_frames_reach_the_gui_thread_and_the_view_stops_cleanly(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    video = tmp_path / "label.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (640, 360))
    for _ in range(8):
        writer.write(
            cv2.cvtColor(frame_with_label(rng, CODE, x=60, y=100, size=(360, 640)), cv2.COLOR_GRAY2BGR)
        )
    writer.release()

    view = CameraView(CameraSettings(dedupe_seconds=5.0))
    qtbot.addWidget(view)
    view.show()
    scans: list[ScanEvent] = []
    statuses: list[CameraStatus] = []
    view.scan_received.connect(scans.append)
    view.status_changed.connect(lambda status, detail: statuses.append(status))
    with qtbot.waitSignal(view.frame_ready, timeout=10_000):
        view.start(str(video))
    qtbot.waitUntil(lambda: CameraStatus.STOPPED in statuses, timeout=20_000)
    view.stop()
    assert not view.running
    assert [(s.code, s.source) for s in scans] == [(CODE, ScanSource.CAMERA)]
    assert statuses == [CameraStatus.OPENED, CameraStatus.ENDED, CameraStatus.STOPPED]
    view.grab()  # paints the last frame and its box without error


def test_no_configured_camera_is_a_status(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = CameraView(CameraSettings(source=""))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.status_changed) as blocker:
        view.start()
    assert blocker.args[0] is CameraStatus.NO_CAMERA
    assert not view.running


def test_to_qimage_copies_gray_and_colour_frames() -> None:
    gray = np.zeros((4, 6), dtype=np.uint8)
    gray[1, 2] = 200
    image = to_qimage(Frame(gray, (), 0.0, 0))
    assert (image.width(), image.height()) == (6, 4)
    assert image.pixelColor(2, 1).red() == 200
    bgr = np.zeros((3, 5, 3), dtype=np.uint8)
    bgr[0, 0] = (255, 0, 0)  # blue in OpenCV's order
    colour = to_qimage(Frame(bgr, (), 0.0, 0)).pixelColor(0, 0)
    assert (colour.red(), colour.green(), colour.blue()) == (0, 0, 255)
