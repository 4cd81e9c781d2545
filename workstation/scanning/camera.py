"""Reading barcodes from a webcam, a video file or a stream, on worker threads.

Two threads: the capture thread owns the `cv2.VideoCapture` (opening, reading, reopening) and
keeps only the newest frame; the decode thread decodes whatever is newest when it is free, so a
slow decode drops frames instead of falling behind the camera. A video file is not live: each of
its frames is decoded, in order, as fast as the decoder goes.

The same code is seen in many frames in a row: it counts once, and again only after it has been
out of view for `dedupe_seconds` (in the video's own time for files, so results do not depend on
the machine's speed). Callbacks come from the worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from workstation.core.scan import ScanEvent, ScanSource
from workstation.scanning.decoders import Symbol, decode_frame, to_gray, tracking_symbols

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]


class CameraStatus(Enum):
    OPENED = "opened"
    NO_CAMERA = "no camera"  # cannot open the device, file or stream
    ENDED = "ended"  # a video file has no more frames
    LOST = "lost"  # was reading, then the device or stream went away
    RETRYING = "retrying"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Frame:
    """A decoded frame: the picture, what was read on it, and its time in seconds."""

    image: Image
    symbols: tuple[Symbol, ...]
    at: float
    index: int


ScanCallback = Callable[[ScanEvent], None]
StatusCallback = Callable[[CameraStatus, str], None]
FrameCallback = Callable[[Frame], None]
Decoder = Callable[[npt.NDArray[np.uint8]], list[Symbol]]


def parse_source(source: str | int) -> str | int:
    """A device index ("0", 0), or a file path or stream URL as given."""
    if isinstance(source, int):
        return source
    text = source.strip()
    return int(text) if text.isdigit() else text


class Deduper:
    """Counts a code once while it stays in view; again after `seconds` out of view."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last_seen: dict[str, float] = {}

    def seen(self, codes: set[str], at: float) -> list[str]:
        """The codes that count as new scans at time `at`."""
        new = [c for c in sorted(codes) if at - self._last_seen.get(c, -float("inf")) > self.seconds]
        for code in codes:
            self._last_seen[code] = at
        # Forget codes long gone, so the table stays small over a day of scanning.
        for code in [c for c, t in self._last_seen.items() if at - t > self.seconds]:
            del self._last_seen[code]
        return new


class CameraLoop:
    """Captures from `source` and decodes the newest frame until `stop()`."""

    def __init__(
        self,
        source: str | int,
        on_scan: ScanCallback,
        on_status: StatusCallback | None = None,
        on_frame: FrameCallback | None = None,
        dedupe_seconds: float = 3.0,
        retry_seconds: float = 2.0,
        live: bool | None = None,
        decoder: Decoder = decode_frame,
    ) -> None:
        """`live`: drop stale frames and reopen when reading fails (devices and stream URLs);
        None guesses from the source: a device index or a URL is live, a file path is not."""
        self.source = parse_source(source)
        self.live = live if live is not None else isinstance(self.source, int) or "://" in str(self.source)
        self.retry_seconds = retry_seconds
        self._on_scan = on_scan
        self._on_status = on_status or (lambda status, detail: None)
        self._on_frame = on_frame
        self._decoder = decoder
        self._deduper = Deduper(dedupe_seconds)
        self._stop = threading.Event()
        self._slot = threading.Condition()
        self._newest: tuple[Image, float, int] | None = None
        self._capture_done = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("the camera loop is already running")
        self._threads = [
            threading.Thread(target=self._capture_loop, name=f"camera capture {self.source}"),
            threading.Thread(target=self._decode_loop, name=f"camera decode {self.source}"),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads and wait for them (a blocked device read ends within its timeout)."""
        self._stop.set()
        with self._slot:
            self._slot.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the loop ends by itself (a file that ended); True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self.running

    # --- capture thread --------------------------------------------------------------------

    def _capture_loop(self) -> None:
        reported_missing = False
        try:
            while not self._stop.is_set():
                capture = cv2.VideoCapture(self.source)
                if not capture.isOpened():
                    capture.release()
                    if not self.live:
                        self._status(CameraStatus.NO_CAMERA, f"{self.source}: cannot open")
                        return
                    if not reported_missing:  # once, not at every retry
                        self._status(CameraStatus.NO_CAMERA, f"camera {self.source}: not found")
                        reported_missing = True
                    self._retry_later()
                    continue
                reported_missing = False
                self._status(CameraStatus.OPENED, self._describe(capture))
                ended = self._read_frames(capture)
                capture.release()
                if self._stop.is_set():
                    return
                if not self.live and ended:
                    self._status(CameraStatus.ENDED, f"{self.source}: end of video")
                    return
                self._status(CameraStatus.LOST, f"camera {self.source}: stopped sending frames")
                self._retry_later()
        except Exception:  # a camera must never take the application down
            log.exception("camera capture failed")
            self._status(CameraStatus.NO_CAMERA, f"{self.source}: capture failed")
        finally:
            with self._slot:
                self._capture_done = True
                self._slot.notify_all()

    def _retry_later(self) -> None:
        self._status(CameraStatus.RETRYING, f"trying again in {self.retry_seconds:g} s")
        self._stop.wait(self.retry_seconds)

    def _read_frames(self, capture: cv2.VideoCapture) -> bool:
        """Read until the source fails or stop; True when it ran out (end of file or stream)."""
        index = 0
        while not self._stop.is_set():
            ok, image = capture.read()
            if not ok or image is None:
                return True
            at = time.monotonic() if self.live else capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            with self._slot:
                if not self.live:
                    # A file waits for the decoder: every frame is decoded, none dropped.
                    while self._newest is not None and not self._stop.is_set():
                        self._slot.wait(0.1)
                self._newest = (np.asarray(image, dtype=np.uint8), at, index)
                self._slot.notify_all()
            index += 1
        return False

    @staticmethod
    def _describe(capture: cv2.VideoCapture) -> str:
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return f"{width}x{height}"

    # --- decode thread ---------------------------------------------------------------------

    def _decode_loop(self) -> None:
        while True:
            with self._slot:
                while self._newest is None and not self._capture_done and not self._stop.is_set():
                    self._slot.wait(0.1)
                if self._stop.is_set() or self._newest is None:
                    break
                image, at, index = self._newest
                self._newest = None
                self._slot.notify_all()
            try:
                self._decode(image, at, index)
            except Exception:
                log.exception("camera frame decode failed")
        self._status(CameraStatus.STOPPED, str(self.source))

    def _decode(self, image: Image, at: float, index: int) -> None:
        symbols = tuple(self._decoder(to_gray(image)))
        if self._on_frame is not None:
            self._callback(self._on_frame, Frame(image, symbols, at, index))
        # Only what may be a parcel's number counts as a scan: not the goods' EAN, not the routing code.
        by_code = {s.text: s for s in tracking_symbols(symbols) if s.text}
        for code in self._deduper.seen(set(by_code), at):
            crop = _crop_png(image, by_code[code])
            self._callback(self._on_scan, ScanEvent(code, ScanSource.CAMERA, image_png=crop))

    def _status(self, status: CameraStatus, detail: str) -> None:
        self._callback(self._on_status, status, detail)

    @staticmethod
    def _callback(fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("camera callback failed")


def _crop_png(image: Image, symbol: Symbol, margin: int = 24) -> bytes | None:
    """The part of the frame around a barcode, as PNG, for the record of what was read."""
    x, y, w, h = symbol.bounds
    height, width = image.shape[:2]
    x0, y0 = max(0, x - margin), max(0, y - margin)
    x1, y1 = min(width, x + w + margin), min(height, y + h + margin)
    if x1 <= x0 or y1 <= y0:
        return None
    ok, png = cv2.imencode(".png", image[y0:y1, x0:x1])
    return bytes(png) if ok else None
