"""A tiny Qt program for test_wedge_real_x.py: a focused line edit under the wedge filter.

It prints, one line each, flushed: READY once focused; SCAN <code> per scan event; TEXT <text>
whenever the line edit's text changes; RETURN <text> when Enter reaches the line edit.
F1 opens a modal dialog, as the bench's help does; Escape closes it and DIALOG CLOSED is printed.
Without a window manager (Xvfb, a kiosk bench) Qt then has no active window and no focus widget,
while X still delivers the keys to the line edit.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout, QWidget

from workstation.config import ScannerSettings
from workstation.ui.wedge_filter import WedgeFilter


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    app = QApplication(sys.argv)
    window = QWidget()
    window.setWindowTitle("wedge-x")
    line = QLineEdit(window)
    QVBoxLayout(window).addWidget(line)
    wedge = WedgeFilter(ScannerSettings())  # the real clock: X server timestamps
    wedge.install(app)
    wedge.scan_received.connect(lambda scan: say(f"SCAN {scan.code}"))
    line.textChanged.connect(lambda text: say(f"TEXT {text}"))
    line.returnPressed.connect(lambda: say(f"RETURN {line.text()}"))

    def dialog() -> None:
        QDialog(window, windowTitle="help").exec()
        say("DIALOG CLOSED")

    QShortcut(QKeySequence("F1"), window, activated=dialog)
    window.resize(400, 80)
    window.show()
    window.activateWindow()
    line.setFocus()

    def ready() -> None:
        if QApplication.focusWidget() is line:
            say("READY")
        else:
            QTimer.singleShot(50, ready)

    QTimer.singleShot(0, ready)
    QTimer.singleShot(60_000, app.quit)  # never outlive a stuck test
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
