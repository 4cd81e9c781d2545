"""Typing a tracking number by hand, for a label too damaged to scan."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from workstation.core.scan import ScanEvent, ScanSource
from workstation.core.tracking import MAX_INPUT


class ManualEntry(QWidget):
    """A line edit and a button; Enter or the button emits the code as a MANUAL scan."""

    scan_received = Signal(ScanEvent)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(self.tr("Tracking number (damaged label)"))
        self.edit.setMaxLength(MAX_INPUT)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton(self.tr("Look up"), self)
        self.button.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.edit.textChanged.connect(self._text_changed)
        self.edit.returnPressed.connect(self.submit)
        self.button.clicked.connect(self.submit)

    @Slot(str)
    def _text_changed(self, text: str) -> None:
        self.button.setEnabled(bool(text.strip()))

    @Slot()
    def submit(self) -> None:
        code = self.edit.text().strip()
        if not code:
            return
        self.edit.clear()
        self.scan_received.emit(ScanEvent(code, ScanSource.MANUAL))
