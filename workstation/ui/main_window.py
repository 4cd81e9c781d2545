"""The officer's main window (a first cut: scan field and the cached manifest as text)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLineEdit, QMainWindow, QPlainTextEdit, QVBoxLayout, QWidget

from workstation.store.cache import ManifestCache, item_to_dict
from workstation.store.db import open_cache


class MainWindow(QMainWindow):
    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.setWindowTitle("Inspection Workstation")
        self.cache = ManifestCache(open_cache(data_dir))
        self.scan_field = QLineEdit(placeholderText="Scan or type a tracking number, then Enter")
        self.card = QPlainTextEdit(readOnly=True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.scan_field)
        layout.addWidget(self.card)
        self.setCentralWidget(body)
        self.scan_field.returnPressed.connect(self.on_scan)
        self.resize(1000, 700)

    @Slot()
    def on_scan(self) -> None:
        item = self.cache.lookup(self.scan_field.text())
        self.card.setPlainText(
            "Not in the cache" if item is None else json.dumps(item_to_dict(item), indent=2)
        )
        self.scan_field.clear()
