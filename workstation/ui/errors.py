"""Uncaught exceptions in the GUI: logged with their traceback, then shown to the officer.

PySide6 hands an exception raised in a slot to `sys.excepthook` and carries on; a worker thread's
goes to `threading.excepthook`. Both hooks here log it (workstation.logs) and emit `raised` with a
one-line message; the connection queues it to the GUI thread, where the bench shows it. Qt's own
warnings (qWarning, qCritical) go to the log too.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import Any

from PySide6.QtCore import QMessageLogContext, QObject, Qt, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QMessageBox, QWidget

from workstation.logs import FILE_ONLY, LOG_DIR, LOG_FILE, log_uncaught

log = logging.getLogger(__name__)
_QT_LEVELS = {
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

# Said by a platform plugin about every window, meaning nothing to IT (the offscreen plugin).
_QT_NOISE = frozenset({"This plugin does not support propagateSizeHints()"})


def officer_message(exc: BaseException) -> str:
    """What the officer reads: that something failed, what, and that IT can find it in the log."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return (
        f"Something went wrong ({what[:200]}). Nothing else was changed; it is written to the log "
        f"({LOG_DIR}/{LOG_FILE} in the data directory). Carry on; tell IT if it happens again."
    )


class UncaughtErrors(QObject):
    """Installs the hooks; `raised(message)` fires on the GUI thread for each uncaught exception."""

    raised = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._old: tuple[Any, Any] | None = None

    def install(self) -> None:
        if self._old is None:
            self._old = (sys.excepthook, threading.excepthook)
            sys.excepthook = self._sys_hook
            threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if self._old is not None:
            sys.excepthook, threading.excepthook = self._old
            self._old = None

    def _sys_hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log_uncaught(exc_type, exc, tb)
        self.raised.emit(officer_message(exc))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, f" in thread {name}")
        self.raised.emit(officer_message(args.exc_value))  # queued to the GUI thread


def show_error_box(message: str, parent: QWidget | None = None) -> None:
    """An error before the bench window exists (the sign-in dialog): a message box, not modal."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Inspection Workstation", message, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.open()


def log_qt_messages(*, file_only: bool = False) -> None:
    """Qt's warnings and errors (a bad stylesheet, a missing plugin) into the log.

    `file_only`: not on stderr too, for a command whose own lines say what went wrong (self-test).
    """
    extra = FILE_ONLY if file_only else None

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        level = _QT_LEVELS.get(kind)
        if message in _QT_NOISE:
            level = logging.DEBUG
        if level is not None:
            logging.getLogger("qt").log(level, "%s", message, extra=extra)

    qInstallMessageHandler(handler)
