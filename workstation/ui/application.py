"""The Qt application: builds the main window over the services and runs the event loop."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from workstation.config import Context
from workstation.ui.main_window import MainWindow


def run_application(ctx: Context) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Inspection Workstation")
    window = MainWindow(ctx.data_dir)
    window.show()
    return app.exec()
