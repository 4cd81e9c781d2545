"""The camera loop over real video files written with cv2.VideoWriter: labels enter, stay and leave."""

from __future__ import annotations

import queue
from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.core.scan import ScanEvent, ScanSource
from workstation.scanning.camera import CameraLoop, CameraStatus, Deduper, Frame, parse_source
from workstation.scanning.render import barcode, noisy_frame, paste

FPS = 10.0
SIZE = (360, 640)  # height, width
A, B, C = "1Z5R89390357567127", "RB123456785GB", "986578788855"


def write_video(path: Path, timeline: list[list[str]], seed: int = 3) -> Path:
    """One frame per entry of `timeline`, showing those codes side by side on a noisy desk."""
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (SIZE[1], SIZE[0]))
    assert writer.isOpened()
    for i, codes in enumerate(timeline):
        frame = noisy_frame(rng, SIZE, sigma=6.0)
        for slot, code in enumerate(codes):
            bars = barcode(code, "Code128", scale=2)
            paper = np.full((bars.shape[0] + 30, bars.shape[1] + 20), 240, dtype=np.uint8)
            paste(paper, bars, 10, 15)
            paste(frame, paper, 20 + (i % 3) * 4, 30 + slot * 160)  # a hand is never quite still
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


class Recorder:
    def __init__(self) -> None:
        self.scans: list[ScanEvent] = []
        self.statuses: queue.Queue[CameraStatus] = queue.Queue()
        self.frames: list[Frame] = []

    def status(self, status: CameraStatus, detail: str) -> None:
        self.statuses.put(status)

    def wait_status(self, wanted: CameraStatus, timeout: float = 10.0) -> list[CameraStatus]:
        seen: list[CameraStatus] = []
        while wanted not in seen:
            seen.append(self.statuses.get(timeout=timeout))
        return seen


def test_each_label_counts_once_while_in_view_and_again_only_after_leaving(tmp_path: Path) -> None:
    timeline = (
        [[]] * 5  # 0.0-0.4 s: empty desk
        + [[A]] * 15  # 0.5-1.9 s: A
        + [[]] * 5
        + [[B]] * 10  # 2.5-3.4 s: B
        + [[A]] * 5  # 3.5-3.9 s: A again, 1.6 s after it left: counts
        + [[B, C]] * 10  # 4.0-4.9 s: B back after 0.6 s (does not count), C new
        + [[]] * 3
    )
    video = write_video(tmp_path / "desk.avi", timeline)
    rec = Recorder()
    loop = CameraLoop(
        str(video), rec.scans.append, rec.status, rec.frames.append, dedupe_seconds=1.0, retry_seconds=0.05
    )
    loop.start()
    try:
        assert loop.wait(timeout=60)
    finally:
        loop.stop()
    assert [s.code for s in rec.scans] == [A, B, A, C]
    assert all(s.source is ScanSource.CAMERA for s in rec.scans)
    crop = rec.scans[0].image_png
    assert crop is not None
    assert crop.startswith(b"\x89PNG")
    assert len(rec.frames) == len(timeline)  # a file is not live: no frame dropped
    read = [f.index for f in rec.frames if any(s.text == A for s in f.symbols)]
    assert read
    assert set(read) <= set(range(5, 20)) | set(range(35, 40))
    assert rec.wait_status(CameraStatus.STOPPED) == [
        CameraStatus.OPENED,
        CameraStatus.ENDED,
        CameraStatus.STOPPED,
    ]


def test_a_file_that_cannot_be_opened_is_a_status(tmp_path: Path) -> None:
    rec = Recorder()
    loop = CameraLoop(str(tmp_path / "missing.avi"), rec.scans.append, rec.status)
    loop.start()
    try:
        assert loop.wait(timeout=20)
    finally:
        loop.stop()
    assert rec.wait_status(CameraStatus.STOPPED) == [CameraStatus.NO_CAMERA, CameraStatus.STOPPED]
    assert rec.scans == []


def test_a_missing_camera_is_reported_once_and_retried_until_stopped() -> None:
    rec = Recorder()
    loop = CameraLoop(97, rec.scans.append, rec.status, retry_seconds=0.05)
    assert loop.live
    loop.start()
    try:
        assert rec.wait_status(CameraStatus.RETRYING)[0] is CameraStatus.NO_CAMERA
        rec.wait_status(CameraStatus.RETRYING)  # retries go on, quietly
        assert loop.running
    finally:
        loop.stop()
    assert not loop.running
    rest = rec.wait_status(CameraStatus.STOPPED)
    assert CameraStatus.NO_CAMERA not in rest  # said once, not at every retry


def test_a_live_source_that_vanishes_is_lost_then_retried(tmp_path: Path) -> None:
    # A file read as a live source behaves like a camera whose frames stop: lost, then reopened;
    # once the file is gone, reopening fails like an unplugged camera.
    video = write_video(tmp_path / "cam.avi", [[A]] * 3)
    rec = Recorder()
    loop = CameraLoop(str(video), rec.scans.append, rec.status, live=True, retry_seconds=0.05)
    loop.start()
    try:
        assert rec.wait_status(CameraStatus.LOST)[0] is CameraStatus.OPENED
        assert rec.wait_status(CameraStatus.OPENED)[0] is CameraStatus.RETRYING
        video.unlink()
        rec.wait_status(CameraStatus.NO_CAMERA)
        assert loop.running
    finally:
        loop.stop()
    assert not loop.running
    assert [s.code for s in rec.scans][:1] == [A]


def test_deduper_counts_again_only_after_the_code_was_out_of_view_long_enough() -> None:
    dedupe = Deduper(seconds=2.0)
    assert dedupe.seen({"X"}, 0.0) == ["X"]
    assert dedupe.seen({"X"}, 0.1) == []
    assert dedupe.seen(set(), 1.0) == []
    assert dedupe.seen({"X"}, 2.0) == []  # gone 1.9 s: the same package
    assert dedupe.seen({"X", "Y"}, 2.1) == ["Y"]
    assert dedupe.seen({"X"}, 4.2) == ["X"]  # gone 2.1 s: counted again


@pytest.mark.parametrize(
    ("given", "expected"), [("0", 0), (" 2 ", 2), (1, 1), ("rtsp://cam/1", "rtsp://cam/1")]
)
def test_parse_source(given: str | int, expected: str | int) -> None:
    assert parse_source(given) == expected
