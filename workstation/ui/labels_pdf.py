"""A printable sheet of demo labels, to try the bench with a real scanner or a webcam."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from workstation.scanning.render import barcode


@dataclass(frozen=True)
class DemoLabel:
    code: str  # what the barcode holds
    caption: str  # what the label is for: "green", "targeted", "no manifest", "wrong check digit"
    tracking_id: str = ""  # the number the feed carries, when the barcode is a longer form of it
    note: str = ""  # a third line: which long form the barcode is


def _app() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    assert isinstance(app, QGuiApplication)
    return app


def write_labels_pdf(labels: list[DemoLabel], out: Path) -> int:
    """Two columns of labels on Letter pages; returns the number of pages."""
    _app()
    writer = QPdfWriter(str(out))
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(300)
    writer.setTitle("Inspection Workstation: demo labels")
    painter = QPainter(writer)
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    cols, rows = 2, 5
    cell_w, cell_h = page.width() / cols, page.height() / rows
    pages = 1
    for i, label in enumerate(labels):
        slot = i % (cols * rows)
        if i and slot == 0:
            writer.newPage()
            pages += 1
        x = (slot % cols) * cell_w
        y = (slot // cols) * cell_h
        bars = barcode(label.code, "Code128", scale=4)
        image = QImage(
            bars.data, bars.shape[1], bars.shape[0], int(bars.strides[0]), QImage.Format.Format_Grayscale8
        )
        width = min(cell_w * 0.9, bars.shape[1] * 2.0)
        target = QRectF(x + (cell_w - width) / 2, y + cell_h * 0.12, width, cell_h * 0.5)
        painter.drawImage(target, image)
        painter.setFont(QFont("DejaVu Sans Mono", 11))
        painter.drawText(
            QRectF(x, y + cell_h * 0.64, cell_w, cell_h * 0.12), Qt.AlignmentFlag.AlignHCenter, label.code
        )
        painter.setFont(QFont("DejaVu Sans", 9))
        painter.drawText(
            QRectF(x, y + cell_h * 0.77, cell_w, cell_h * 0.1), Qt.AlignmentFlag.AlignHCenter, label.caption
        )
        if label.note:
            painter.drawText(
                QRectF(x, y + cell_h * 0.87, cell_w, cell_h * 0.1), Qt.AlignmentFlag.AlignHCenter, label.note
            )
    painter.end()
    return pages
