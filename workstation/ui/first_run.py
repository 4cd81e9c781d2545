"""First run on a bench with no facility config: ask facility, bench and hub, write the file.

IT can ship the file with the installer instead (Windows: ProgramData\\Workstation\\workstation.toml,
Linux: /etc/workstation/workstation.toml or ~/.config/workstation/workstation.toml); then this
dialog never shows. Never shown in demo mode, nor where nobody could answer it (offscreen Qt).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workstation.config import ConfigError, Context, Settings, default_config_path
from workstation.config_writer import hub_url_problem, write_settings
from workstation.ui.text import plain

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal"})


class FirstRunDialog(QDialog):
    """Three fields and Save; Save writes the config file and closes, or shows what was wrong."""

    settings_written = Signal(object)  # the Settings as read back from the new file

    def __init__(self, config_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config_path = config_path
        self.setWindowTitle("Set up this bench")
        self.facility = QLineEdit(placeholderText="e.g. JFK-IMF")
        self.bench = QLineEdit(placeholderText="e.g. bench-07")
        self.hub = QLineEdit(placeholderText="e.g. https://hub.facility.local:8443 (empty: no hub)")
        self.error = plain(QLabel(wordWrap=True))
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        form = QFormLayout()
        form.addRow("&Facility:", self.facility)
        form.addRow("&Bench:", self.bench)
        form.addRow("&Hub address:", self.hub)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        intro = plain(
            QLabel(f"This bench has no facility settings yet. They will be saved in\n{config_path}")
        )
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for field in (self.facility, self.bench):
            field.textChanged.connect(self._update_save)
        self._update_save()

    @Slot()
    def _update_save(self) -> None:
        ready = bool(self.facility.text().strip() and self.bench.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ready)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    @Slot()
    def save(self) -> None:
        hub = self.hub.text().strip()
        problem = hub_url_problem(hub)
        if problem:
            self._show_error(problem)
            self.hub.setFocus()
            return
        values = {"facility_id": self.facility.text().strip(), "bench_id": self.bench.text().strip()}
        values["hub_url"] = hub
        try:
            settings: Settings = write_settings(self.config_path, values)
        except ConfigError as exc:
            self._show_error(str(exc))
            return
        self.settings_written.emit(settings)
        self.accept()


def needs_first_run(ctx: Context, config_path: Path) -> bool:
    """No config file, not a demo, and a screen someone can answer the dialog on."""
    if ctx.demo or config_path.exists():
        return False
    return QGuiApplication.platformName() not in HEADLESS_PLATFORMS


def maybe_run_first_run(ctx: Context, config_path: Path | None = None) -> bool:
    """Show the first-run dialog when it is needed; True when it wrote the config file.

    The caller reloads its settings (`load_settings(config_path)`) when this returns True.
    Needs a QApplication; returns False at once in demo mode or when the file exists.
    """
    path = config_path or ctx.config_path or default_config_path()
    if not needs_first_run(ctx, path):
        return False
    dialog = FirstRunDialog(path)
    return dialog.exec() == QDialog.DialogCode.Accepted
