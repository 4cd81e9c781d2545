"""Catching keyboard-wedge scans wherever the focus is, without the keys reaching the focused widget.

Installed on the QApplication, the filter feeds every key press bound for the focus widget to a
`WedgeBuffer`. Keys that might be a scanner burst are held back (swallowed); a burst that ends in
Enter or Tab becomes one `scan_received(ScanEvent)` and the widget never sees any of it. When the
held keys turn out to be a person typing (a gap too long, Enter too early, another key), copies of
them are sent to the focus widget in order, synchronously, before the key that decided it, so the
widget gets exactly what was typed, at most a few tens of milliseconds late.

Under a real X server an application-wide filter sees each key press twice: once for the window
(QWidgetWindow) and once for the focus widget the window forwards it to. Only the second is looked
at: the receiver must be the focus widget (or, with no focus widget, the active window itself).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from workstation.config import ScannerSettings
from workstation.core.scan import ScanEvent, ScanSource
from workstation.scanning.wedge import WedgeBuffer, WedgeResult

_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
_TERMINATOR_KEYS: dict[int, str] = {
    Qt.Key.Key_Return: "enter",
    Qt.Key.Key_Enter: "enter",
    Qt.Key.Key_Tab: "tab",
}
# X delivers a typed line feed as a key of its own (code 10, text "\n"): an Enter all the same.
_TERMINATOR_TEXTS = {"\r": "enter", "\n": "enter", "\t": "tab"}
# Shift types capitals and the keypad sends digits: a scanner uses both. Ctrl, Alt, Meta: never.
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


@dataclass(frozen=True)
class _KeyCopy:
    """What it takes to re-create a held key press: Qt deletes the original after delivery."""

    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    auto_repeat: bool
    count: int

    @classmethod
    def of(cls, event: QKeyEvent) -> _KeyCopy:
        return cls(event.key(), event.modifiers(), event.text(), event.isAutoRepeat(), event.count())

    def event(self) -> QKeyEvent:
        return QKeyEvent(
            QEvent.Type.KeyPress, self.key, self.modifiers, self.text, self.auto_repeat, self.count
        )


class WedgeFilter(QObject):
    """Application-wide event filter that turns keyboard-wedge bursts into scan events."""

    scan_received = Signal(ScanEvent)

    def __init__(
        self,
        settings: ScannerSettings,
        parent: QObject | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """`clock` gives milliseconds; when None, the key events' own timestamps are used (the X
        server's, true to the typing even when the GUI thread was busy), or a monotonic clock for
        events that carry none."""
        super().__init__(parent)
        self._buffer: WedgeBuffer[_KeyCopy] = WedgeBuffer(
            max_key_interval_ms=settings.wedge_max_key_interval_ms,
            min_length=settings.wedge_min_length,
            terminators=frozenset(t.lower() for t in settings.wedge_terminators),
        )
        self._clock = clock
        self._replaying = False
        # The widget the last judged key went to, when Qt names no focus widget (see _is_target).
        self._receiver: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # No key for twice the burst interval: the held keys were typed; give them to the widget.
        self._timer.setInterval(max(1, 2 * settings.wedge_max_key_interval_ms))
        self._timer.timeout.connect(self._flush)

    def install(self, app: QCoreApplication) -> None:
        app.installEventFilter(self)

    def remove(self, app: QCoreApplication) -> None:
        """Uninstall, handing any held keys to the focus widget first."""
        app.removeEventFilter(self)
        self._timer.stop()
        self._flush()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress or not self._is_target(watched):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if key in _MODIFIER_KEYS:
            return False  # Shift pressed for a capital letter is part of a burst, not an interruption
        at = self._now(event)
        terminator = _TERMINATOR_KEYS.get(key) or _TERMINATOR_TEXTS.get(event.text())
        if terminator and not event.modifiers() & _COMMAND_MODIFIERS:
            result = self._buffer.feed_terminator(terminator, at, _KeyCopy.of(event))
        elif event.text().isprintable() and event.text() and not event.modifiers() & _COMMAND_MODIFIERS:
            result = self._buffer.feed_text(event.text(), at, _KeyCopy.of(event))
        else:
            result = self._buffer.feed_other(at)
        return self._apply(result)

    def _is_target(self, watched: QObject) -> bool:
        """Whether this delivery of a key is the one to judge (X delivers each key to the window,
        then to the widget, then up through the widget's parents when it is not accepted)."""
        if not isinstance(watched, QWidget):
            return False
        focus = QApplication.focusWidget()
        if focus is not None:
            return watched is focus
        # No focus widget as far as Qt knows: without a window manager (Xvfb, a kiosk bench) a
        # closed dialog leaves no active window, yet X keeps sending keys to the window's own
        # focus widget. Judge the key there, once.
        window = watched.window()
        inner = window.focusWidget()
        if watched is (inner if inner is not None else window):
            self._receiver = watched
            return True
        return False

    def _now(self, event: QKeyEvent) -> float:
        if self._clock is not None:
            return self._clock()
        return float(event.timestamp()) if event.timestamp() else time.monotonic() * 1000.0

    def _apply(self, result: WedgeResult[_KeyCopy]) -> bool:
        self._deliver(result.release)
        if result.scan is not None:
            self._timer.stop()
            self.scan_received.emit(ScanEvent(result.scan, ScanSource.WEDGE))
        elif self._buffer.holding:
            self._timer.start()
        return result.held

    def _deliver(self, keys: tuple[_KeyCopy, ...]) -> None:
        if not keys:
            return
        target = QApplication.focusWidget() or QApplication.activeWindow() or self._receiver
        if target is None:
            return
        # Synchronous, so the released keys land before the key that is being decided now.
        self._replaying = True
        try:
            for key in keys:
                QCoreApplication.sendEvent(target, key.event())
        finally:
            self._replaying = False

    @Slot()
    def _flush(self) -> None:
        self._deliver(self._buffer.flush(None).release)
