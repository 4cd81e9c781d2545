"""Sign-in, and the idle lock that hides every record and manifest until the officer returns."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workstation.core.records import Session
from workstation.ui.officer_messages import officer_message
from workstation.ui.tasks import Task
from workstation.ui.text import plain

ACTIVITY = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel)


class IdleWatcher(QObject):
    """Application-wide: any key or mouse activity restarts the countdown; at zero, `idle` fires."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self, singleShot=True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.idle)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False

    def restart(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


class SignInForm(QWidget):
    """Badge and password; emits `submitted(badge, secret)`; shows why a sign-in was refused."""

    submitted = Signal(str, str)

    def __init__(
        self, title: str, badge: str = "", badge_editable: bool = True, parent: QWidget | None = None
    ):
        super().__init__(parent)
        heading = plain(QLabel(title))
        heading.setObjectName("trackingId")
        self.badge = QLineEdit(badge, placeholderText="badge id")
        self.badge.setReadOnly(not badge_editable)
        self.secret = QLineEdit(placeholderText="password or PIN")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = plain(QLabel(""))
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.button = QPushButton("Sign in")
        self.button.clicked.connect(self._submit)
        self.secret.returnPressed.connect(self._submit)
        self.badge.returnPressed.connect(self.secret.setFocus)
        form = QFormLayout()
        form.addRow("Badge", self.badge)
        form.addRow("Password", self.secret)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.button)
        layout.addStretch(1)

    @Slot()
    def _submit(self) -> None:
        badge, secret = self.badge.text().strip(), self.secret.text()
        self.secret.clear()
        if badge and secret:
            self.error.setText("")
            self.submitted.emit(badge, secret)
        else:
            self.error.setText("Enter your badge id and password")

    def refuse(self, reason: str) -> None:
        self.error.setText(reason)
        self.secret.setFocus()


class LockScreen(QWidget):
    """An opaque cover over the whole window: nothing of the records or manifests shows through.

    The signed-in officer unlocks with the password or PIN; another officer signs in instead,
    which ends the first session (shift hand-over).
    """

    unlock_requested = Signal(str)  # secret
    switch_requested = Signal(str, str)  # badge, password

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#263238"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("white"))
        self.setPalette(palette)
        self.setStyleSheet("QLabel { color: white; } QLabel#fieldError { color: #ffab91; }")
        self.form = SignInForm("Locked", badge_editable=True)
        self.form.submitted.connect(self._submitted)
        self.badge_owner = ""
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 0, Qt.AlignmentFlag.AlignCenter)
        parent.installEventFilter(self)
        self.hide()

    def lock(self, session: Session) -> None:
        self.badge_owner = session.officer.badge
        self.form.badge.setText(session.officer.badge)
        self.form.error.setText(
            f"Locked. {session.officer.name}: your password or PIN to continue; "
            "another officer: your badge and password."
        )
        self._cover()
        self.raise_()
        self.show()
        self.form.secret.setFocus()

    def unlock(self) -> None:
        self.hide()

    def _submitted(self, badge: str, secret: str) -> None:
        if badge == self.badge_owner:
            self.unlock_requested.emit(secret)
        else:
            self.switch_requested.emit(badge, secret)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._cover()
        return False

    def _cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())


class SignInDialog(QDialog):
    """Start of shift: sign in before the bench opens. The check runs off the GUI thread."""

    def __init__(self, sign_in: Callable[[str, str], Task[Session]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inspection Workstation: sign in")
        self.form = SignInForm("Sign in")
        self.form.submitted.connect(self._try)
        self.sign_in = sign_in
        self.session: Session | None = None
        cancel = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        cancel.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(cancel)
        self.resize(420, 300)

    def _try(self, badge: str, password: str) -> None:
        self.form.button.setEnabled(False)
        self.sign_in(badge, password).on_success(self._ok).on_failure(self._refused)

    def _ok(self, session: Session) -> None:
        self.session = session
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.form.button.setEnabled(True)
        self.form.refuse(officer_message(exc))
