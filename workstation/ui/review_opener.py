"""The bench's way into the supervisor review: a menu entry and Ctrl+Shift+R, for supervisors and admins.

Officers see neither, and `open` refuses them with the reason (the bench's error banner). With a hub
the supervisor's password is asked once and the window reads the hub; without one, this bench's
records under a banner. The lock and a hand-over close the window: the records leave the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMainWindow

from workstation.core.records import Role, Session
from workstation.core.review import ShiftWindow
from workstation.sync.rounds import HubTarget
from workstation.ui.operations import BenchRunner
from workstation.ui.review_sources import NO_HUB, SourceFactory, hub_factory, hub_unreachable, local_factory
from workstation.ui.review_window import ReviewWindow

REVIEW_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
SHORTCUT = "Ctrl+Shift+R"
PASSWORD_PROMPT = "Facility records: confirm your password"


def refusal(session: Session) -> str | None:
    """Why this officer may not open the supervisor review, or None."""
    if session.officer.role in REVIEW_ROLES:
        return None
    return (
        f"Supervisor review is for supervisors and admins: {session.officer.name} "
        f"({session.officer.badge}) is an {session.officer.role.value}. Ask a supervisor."
    )


class ReviewOpener(QObject):
    """The bench's way into the supervisor review: a menu entry and Ctrl+Shift+R, for supervisors and admins."""

    def __init__(
        self,
        bench_window: QMainWindow,
        runner: BenchRunner,
        session: Session,
        data_dir: Path,
        *,
        zone: tzinfo,
        shifts: Sequence[ShiftWindow],
        hub_target: Callable[[], HubTarget | None] = lambda: None,
        refuse: Callable[[str], None] | None = None,
        facility: str = "",
        lock: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(bench_window)
        # The bench's lock (Ctrl+L): the review window takes it too, so a supervisor who steps away
        # from the review locks the bench (and so closes the review) with the same key.
        self.lock = lock
        self.facility = facility
        self.bench_window = bench_window
        self.runner = runner
        self.session = session
        self.data_dir = data_dir
        self.zone = zone
        self.shifts = tuple(shifts)
        self.hub_target = hub_target
        self.refuse = refuse or (lambda text: None)
        self.window: ReviewWindow | None = None
        # Which source the window reads: replaced in tests by a factory over a given records file.
        self.sources: Callable[[Session], SourceFactory] = self.default_sources
        self.action = QAction("Supervisor review…", bench_window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.triggered.connect(self.open)
        menu = bench_window.menuBar().addMenu("Supervisor")
        menu.addAction(self.action)
        bench_window.addAction(self.action)  # the shortcut works with the menu bar hidden too
        self.set_session(session)

    def set_session(self, session: Session) -> None:
        """A hand-over: the entry shows for supervisors and admins only; another officer's window closes."""
        if session != self.session:
            self.close_window()
        self.session = session
        allowed = refusal(session) is None
        self.action.setVisible(allowed)
        self.action.setEnabled(allowed)
        self.bench_window.menuBar().setVisible(allowed)

    @Slot()
    def open(self) -> ReviewWindow | None:
        """The review window, shown (refused, with the reason, for an officer)."""
        problem = refusal(self.session)
        if problem is not None:
            self.refuse(problem)
            return None
        if self.window is not None and not self.window.closed:
            self.window.show()
            self.window.raise_()
            self.window.activateWindow()
            return self.window
        self.window = ReviewWindow(
            self.runner,
            self.session,
            self.sources(self.session),
            zone=self.zone,
            shifts=self.shifts,
            data_dir=self.data_dir,
            facility=self.facility,
        )
        if self.lock is not None:
            QShortcut(QKeySequence("Ctrl+L"), self.window).activated.connect(self.lock)
        self.window.show()
        return self.window

    def default_sources(self, session: Session) -> SourceFactory:
        """The hub when one is configured (the supervisor's password, asked once), else this bench."""
        target = self.hub_target()
        bench_id = session.bench_id
        if target is None:
            return local_factory(self.data_dir, bench_id, NO_HUB)
        password = self.ask_password()
        if not password:
            return local_factory(self.data_dir, bench_id, hub_unreachable("no password given"))
        return hub_factory(target, session.officer.badge, password, self.data_dir, bench_id)

    def ask_password(self) -> str:
        text, ok = QInputDialog.getText(
            self.bench_window, "Supervisor review", PASSWORD_PROMPT, QLineEdit.EchoMode.Password
        )
        return text if ok else ""

    def close_window(self) -> None:
        """Lock, hand-over, the bench closing: the records leave the screen."""
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
