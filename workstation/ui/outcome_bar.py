"""One key per outcome, one key per exam type; the shortcut is printed on every button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from workstation.core.records import ExamType, Outcome

# (outcome, label, key). Function keys work wherever the focus is, even in the notes field.
OUTCOME_KEYS: tuple[tuple[Outcome, str, str], ...] = (
    (Outcome.RELEASED, "Release", "F2"),
    (Outcome.DUTY_ASSESSED, "Duty assessed", "F3"),
    (Outcome.DETAINED, "Detain", "F4"),
    (Outcome.REFERRED, "Refer", "F5"),
    (Outcome.SEIZED, "Seize", "F6"),
    (Outcome.REFUSED_RETURNED, "Refuse / return", "F7"),
)
EXAM_KEYS: tuple[tuple[ExamType, str, str], ...] = (
    (ExamType.XRAY, "X-ray", "F9"),
    (ExamType.OPENED, "Opened", "F10"),
    (ExamType.CANINE, "Canine", "F11"),
    (ExamType.LAB_SAMPLE, "Lab sample", "F12"),
)


class OutcomeBar(QWidget):
    outcome_chosen = Signal(object)  # Outcome

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[Outcome, QPushButton] = {}
        self.exam_boxes: dict[ExamType, QCheckBox] = {}
        outcomes = QHBoxLayout()
        for outcome, label, key in OUTCOME_KEYS:
            button = QPushButton(f"{label}  [{key}]")
            button.setObjectName("outcome")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, o=outcome: self._choose(o))
            shortcut = QShortcut(QKeySequence(key), self.window() or self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(lambda o=outcome: self._choose(o))
            self.buttons[outcome] = button
            outcomes.addWidget(button)
        exams = QHBoxLayout()
        for exam, label, key in EXAM_KEYS:
            box = QCheckBox(f"{label} [{key}]")
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            shortcut = QShortcut(QKeySequence(key), self.window() or self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(
                lambda b=box: b.setChecked(not b.isChecked()) if b.isEnabled() else None
            )
            self.exam_boxes[exam] = box
            exams.addWidget(box)
        exams.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(exams)
        layout.addLayout(outcomes)
        self.set_enabled(False)

    def _choose(self, outcome: Outcome) -> None:
        if self.buttons[outcome].isEnabled():
            self.outcome_chosen.emit(outcome)

    def exams(self) -> frozenset[ExamType]:
        return frozenset(e for e, box in self.exam_boxes.items() if box.isChecked())

    def set_enabled(self, enabled: bool) -> None:
        for widget in (*self.buttons.values(), *self.exam_boxes.values()):
            widget.setEnabled(enabled)

    def reset(self) -> None:
        for box in self.exam_boxes.values():
            box.setChecked(False)
