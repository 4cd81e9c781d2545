"""F1 or ?: every key the bench answers to, over the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from workstation.ui.outcome_bar import EXAM_KEYS, OUTCOME_KEYS

EXTRA_KEYS = (
    ("Scan", "anywhere, whatever has the focus"),
    ("Ctrl+M", "manual entry of a tracking number (damaged label)"),
    ("Ctrl+N", "notes"),
    ("Ctrl+P", "photo from the camera"),
    ("Ctrl+H", "high-contrast theme on or off"),
    ("Ctrl+L", "lock the bench"),
    ("Esc", "clear the card, ready for the next package"),
    ("F1 or ?", "this help"),
    ("Ctrl+I", "about: version, data directory"),
)


class HelpOverlay(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keys")
        rows = [f"<tr><td><b>[{key}]</b></td><td>{label}</td></tr>" for _, label, key in OUTCOME_KEYS]
        rows += [f"<tr><td><b>[{key}]</b></td><td>exam: {label}</td></tr>" for _, label, key in EXAM_KEYS]
        rows += [f"<tr><td><b>{key}</b></td><td>{what}</td></tr>" for key, what in EXTRA_KEYS]
        text = QLabel("<table cellpadding=6>" + "".join(rows) + "</table>")
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setStyleSheet("font-size: 18px;")
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(QLabel("Press Esc to close."))
