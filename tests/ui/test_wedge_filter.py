"""The application-wide wedge filter: bursts become scan events and never reach the focused widget.

Keys are sent as plain QKeyEvents with a controllable clock, so that the gaps between keys are
exactly what each test says.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from workstation.config import ScannerSettings
from workstation.core.scan import ScanEvent, ScanSource
from workstation.ui.manual_entry import ManualEntry
from workstation.ui.wedge_filter import WedgeFilter

TRACKING = "1Z5R89390357567127"


class FakeClock:
    """Milliseconds that move only when the test says: QTest's key events carry no timestamp."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wedge(qapp: QApplication, clock: FakeClock) -> Iterator[WedgeFilter]:
    wedge = WedgeFilter(ScannerSettings(), clock=clock)
    wedge.install(qapp)
    yield wedge
    wedge.remove(qapp)
    wedge.deleteLater()


@pytest.fixture
def form(qtbot) -> tuple[QWidget, QLineEdit, QPlainTextEdit]:  # type: ignore[no-untyped-def]
    window = QWidget()
    line = QLineEdit(window)
    notes = QPlainTextEdit(window)
    layout = QVBoxLayout(window)
    layout.addWidget(line)
    layout.addWidget(notes)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    line.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is line)
    return window, line, notes


def send_key(widget: QWidget, key: int, text: str = "", modifiers: Qt.KeyboardModifier | None = None) -> None:
    """Press and release, as QTest.keyClick does (QTest itself leaks None: see the module docstring)."""
    mods = modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, mods, text))


def type_text(widget: QWidget, text: str, clock: FakeClock, ms_per_key: float) -> None:
    shift = Qt.KeyboardModifier.ShiftModifier
    for ch in text:
        clock.now += ms_per_key
        if ch.isupper():
            send_key(widget, Qt.Key.Key_Shift, "", shift)  # what a scanner's emulated keyboard sends too
            send_key(widget, ord(ch), ch, shift)
        else:
            send_key(widget, ord(ch.upper()), ch)


KEY_TEXT = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Backspace: "\b"}


def press(widget: QWidget, key: Qt.Key, clock: FakeClock, ms: float) -> None:
    clock.now += ms
    send_key(widget, key, KEY_TEXT.get(key, ""))


def test_a_burst_into_a_line_edit_is_one_scan_and_leaves_the_line_edit_unchanged(
    qtbot, wedge: WedgeFilter, form, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    _, line, _ = form
    line.setText("note: ")
    line.end(False)
    scans: list[ScanEvent] = []
    wedge.scan_received.connect(scans.append)
    edits: list[str] = []
    line.textEdited.connect(edits.append)
    type_text(line, TRACKING, clock, 8.0)
    press(line, Qt.Key.Key_Return, clock, 8.0)
    assert [s.code for s in scans] == [TRACKING]
    assert scans[0].source is ScanSource.WEDGE
    assert scans[0].tracking.tracking_id == TRACKING
    # The flush timer fires (or was never started): nothing held may leak out after it.
    qtbot.waitUntil(lambda: not wedge._timer.isActive(), timeout=5_000)
    assert line.text() == "note: "
    assert edits == []


def test_slow_typing_reaches_the_line_edit_unchanged_and_is_no_scan(
    qtbot, wedge: WedgeFilter, form, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    _, line, _ = form
    scans: list[ScanEvent] = []
    wedge.scan_received.connect(scans.append)
    returns: list[bool] = []
    line.returnPressed.connect(lambda: returns.append(True))
    type_text(line, "Torn BOX 42", clock, 120.0)
    qtbot.waitUntil(lambda: line.text() == "Torn BOX 42", timeout=2000)
    press(line, Qt.Key.Key_Return, clock, 120.0)
    assert returns == [True]
    assert scans == []


def test_a_burst_into_the_notes_field_is_a_scan_and_the_notes_stay_as_typed(
    qtbot, wedge: WedgeFilter, form, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    _, _, notes = form
    notes.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is notes)
    scans: list[ScanEvent] = []
    wedge.scan_received.connect(scans.append)
    type_text(notes, "seal ok", clock, 150.0)
    press(notes, Qt.Key.Key_Return, clock, 150.0)
    type_text(notes, "9400111206206406260787", clock, 12.0)
    press(notes, Qt.Key.Key_Return, clock, 12.0)
    type_text(notes, "end", clock, 150.0)
    qtbot.waitUntil(lambda: notes.toPlainText() == "seal ok\nend", timeout=2000)
    assert [s.code for s in scans] == ["9400111206206406260787"]


def test_a_fast_typist_correcting_with_backspace_gets_exactly_what_was_typed(
    qtbot, wedge: WedgeFilter, form, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    _, line, _ = form
    scans: list[ScanEvent] = []
    wedge.scan_received.connect(scans.append)
    type_text(line, "abx", clock, 20.0)  # within the burst interval: held back
    press(line, Qt.Key.Key_Backspace, clock, 20.0)  # a scanner never sends this: release, then apply
    type_text(line, "c", clock, 20.0)
    qtbot.waitUntil(lambda: line.text() == "abc", timeout=2000)
    assert scans == []


def test_a_short_fast_code_with_enter_is_typing(qtbot, wedge: WedgeFilter, form, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    _, line, _ = form
    scans: list[ScanEvent] = []
    wedge.scan_received.connect(scans.append)
    returns: list[str] = []
    line.returnPressed.connect(lambda: returns.append(line.text()))
    type_text(line, "42", clock, 5.0)
    press(line, Qt.Key.Key_Return, clock, 5.0)
    assert scans == []
    assert returns == ["42"]  # the held keys landed before the Enter that released them


def test_ctrl_shortcuts_pass_through(qtbot, wedge: WedgeFilter, form, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    _, line, _ = form
    line.setText("select me")
    clock.now += 500
    send_key(line, Qt.Key.Key_A, "\x01", Qt.KeyboardModifier.ControlModifier)
    assert line.selectedText() == "select me"


def test_a_scan_into_the_manual_entry_field_is_a_wedge_scan_and_typing_there_is_manual(
    qtbot, wedge: WedgeFilter, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    entry = ManualEntry()
    qtbot.addWidget(entry)
    entry.show()
    qtbot.waitExposed(entry)
    entry.activateWindow()
    entry.edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is entry.edit)
    wedge_scans: list[ScanEvent] = []
    manual_scans: list[ScanEvent] = []
    wedge.scan_received.connect(wedge_scans.append)
    entry.scan_received.connect(manual_scans.append)
    type_text(entry.edit, "RB123456785GB", clock, 10.0)
    press(entry.edit, Qt.Key.Key_Return, clock, 10.0)
    type_text(entry.edit, "rb 1234", clock, 100.0)
    qtbot.waitUntil(lambda: entry.edit.text() == "rb 1234", timeout=2000)
    press(entry.edit, Qt.Key.Key_Return, clock, 100.0)
    assert [s.code for s in wedge_scans] == ["RB123456785GB"]
    assert [(s.code, s.source) for s in manual_scans] == [("rb 1234", ScanSource.MANUAL)]
    assert entry.edit.text() == ""


def test_manual_entry_button_ignores_blank_input(qtbot) -> None:  # type: ignore[no-untyped-def]
    entry = ManualEntry()
    qtbot.addWidget(entry)
    scans: list[ScanEvent] = []
    entry.scan_received.connect(scans.append)
    entry.edit.setText("   ")
    assert not entry.button.isEnabled()
    entry.submit()
    entry.edit.setText(" 986578788855 ")
    assert entry.button.isEnabled()
    entry.button.click()
    assert [s.code for s in scans] == ["986578788855"]
