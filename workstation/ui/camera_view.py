"""The webcam picture with a box around what was read; scans and status as Qt signals.

The capture and decode threads belong to `workstation.scanning.camera.CameraLoop`; their callbacks
come from those threads, so they go through the one bridge (ui/tasks.GuiBridge) and reach this
widget (and its listeners) on the GUI thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QColor, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from workstation.config import CameraSettings
from workstation.core.scan import ScanEvent
from workstation.scanning.camera import CameraLoop, CameraStatus, Frame
from workstation.scanning.decoders import Symbol, choose_tracking
from workstation.ui.tasks import GuiBridge


def to_qimage(frame: Frame) -> QImage:
    """A QImage that owns a copy of the frame's pixels (BGR or grayscale)."""
    image = frame.image
    height, width = image.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if image.ndim == 2 else QImage.Format.Format_BGR888
    view = QImage(image.data, width, height, int(image.strides[0]), fmt)
    return view.copy()  # the numpy buffer is not ours to keep


class CameraView(QWidget):
    """Shows the newest camera frame with boxes around the barcodes read on it."""

    frame_ready = Signal(QImage)
    scan_received = Signal(ScanEvent)
    status_changed = Signal(object, str)  # CameraStatus, detail

    def __init__(self, settings: CameraSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._loop: CameraLoop | None = None
        self._image: QImage | None = None
        self._frame: Frame | None = None
        self._symbols: tuple[Symbol, ...] = ()
        self._tracking: str | None = None
        self._status = self.tr("Camera off")
        self._bridge = GuiBridge(self)  # the camera threads' callbacks, queued to the GUI thread
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @property
    def running(self) -> bool:
        return self._loop is not None and self._loop.running

    def start(self, source: str | int | None = None, live: bool | None = None) -> None:
        """Start capturing from `source` (default: the settings' camera source)."""
        self.stop()
        chosen = self._settings.source if source is None else source
        if chosen == "":
            self._status_arrived(CameraStatus.NO_CAMERA, self.tr("no camera configured"))
            return
        self._loop = CameraLoop(
            chosen,
            on_scan=self._bridge.wrap(self.scan_received.emit),
            on_status=self._bridge.wrap(self._status_arrived),
            on_frame=self._bridge.wrap(self._frame_arrived),
            dedupe_seconds=self._settings.dedupe_seconds,
            retry_seconds=self._settings.retry_seconds,
            live=live,
        )
        self._loop.start()

    def latest_frame(self) -> np.ndarray | None:
        """The newest frame's pixels (BGR or grey), for a photo; None before the first frame."""
        return None if self._frame is None else self._frame.image

    def stop(self) -> None:
        """Stop the camera threads and wait for them."""
        if self._loop is not None:
            self._loop.stop()
            self._loop = None

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    @Slot(object)
    def _frame_arrived(self, frame: Frame) -> None:
        self._frame = frame
        self._image = to_qimage(frame)
        self._symbols = frame.symbols
        self._tracking = choose_tracking(frame.symbols)
        self.frame_ready.emit(self._image)
        self.update()

    @Slot(object, str)
    def _status_arrived(self, status: CameraStatus, detail: str) -> None:
        self._status = f"{status.value}: {detail}"
        self.status_changed.emit(status, detail)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(32, 32, 32))
        if self._image is None:
            painter.setPen(QColor(220, 220, 220))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._status)
            return
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        target = QRectF(0, 0, self._image.width() * scale, self._image.height() * scale)
        target.moveCenter(QRectF(self.rect()).center())
        painter.drawImage(target, self._image)
        for symbol in self._symbols:
            is_tracking = self._tracking is not None and self._tracking in symbol.text.upper()
            painter.setPen(QPen(QColor(0, 200, 0) if is_tracking else QColor(255, 190, 0), 3))
            corners = [QPointF(target.x() + x * scale, target.y() + y * scale) for x, y in symbol.box]
            painter.drawPolygon(QPolygonF(corners))
