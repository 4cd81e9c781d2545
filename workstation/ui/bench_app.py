"""The running bench: the window, the scanners and the lock, wired to the runner it is given.

The composition root (ui/root.py) builds the runner and the session and hands them in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from workstation.config import Context
from workstation.core.bench import Feedback
from workstation.core.records import Session
from workstation.core.scan import ScanEvent
from workstation.scanning.camera import CameraStatus
from workstation.scanning.serial_reader import SerialReader, SerialStatus
from workstation.sync.rounds import HubTarget
from workstation.ui.bench_window import BenchWindow
from workstation.ui.camera_view import CameraView
from workstation.ui.lock import IdleWatcher, LockScreen
from workstation.ui.officer_messages import officer_message
from workstation.ui.operations import BenchRunner, security_event_op, sign_in_op, unlock_op, zbar_op
from workstation.ui.review_opener import ReviewOpener
from workstation.ui.sounds import MultimediaLoader, Sounds, load_multimedia
from workstation.ui.tasks import GuiBridge
from workstation.ui.wedge_filter import WedgeFilter

log = logging.getLogger(__name__)


class Bench(QObject):
    """The running bench: window, scanners and lock, wired to one task runner."""

    def __init__(
        self,
        ctx: Context,
        runner: BenchRunner,
        session: Session,
        *,
        sounds: bool = True,
        sound_loader: MultimediaLoader = load_multimedia,
        hub_target: Callable[[], HubTarget | None] = lambda: None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = runner
        self.session = session
        self._stamp_log(session)
        log.info("signed in: badge %s", session.officer.badge)
        self.sounds = Sounds(self, enabled=sounds, loader=sound_loader)
        self.camera: CameraView | None = None
        self._camera_problem = ""  # the last failure the camera reported, kept in view while it retries
        self.window = BenchWindow(runner, session, ctx.settings, self.sounds, self._latest_frame)
        self.lock_screen = LockScreen(self.window)
        # The supervisor review (Ctrl+Shift+R), for supervisors and admins; closed on lock and hand-over.
        self.review = ReviewOpener(
            self.window,
            runner,
            session,
            ctx.data_dir,
            zone=ctx.settings.review.zone(),
            shifts=ctx.settings.review.shift_windows(),
            hub_target=hub_target,
            refuse=self.window.show_error,
            facility=ctx.settings.facility_name,
            lock=self.lock,
        )
        self.locked = False
        app = QApplication.instance()
        assert app is not None
        self.wedge = WedgeFilter(ctx.settings.scanner, parent=self)
        self.wedge.install(app)
        self.wedge.scan_received.connect(self.on_scan)
        self.idle = IdleWatcher(ctx.settings.security.idle_lock_minutes, self)
        app.installEventFilter(self.idle)
        self.idle.idle.connect(self.lock)
        QShortcut(QKeySequence("Ctrl+L"), self.window).activated.connect(self.lock)
        self.lock_screen.unlock_requested.connect(self._unlock)
        self.lock_screen.switch_requested.connect(self._switch)
        # Serial callbacks come from the reader's thread: the bridge queues them to the GUI thread.
        self._bridge = GuiBridge(self)
        self.serial: SerialReader | None = None
        self._report_optional_parts()
        self._start_devices()

    def _report_optional_parts(self) -> None:
        """Say once what this PC lacks that the bench can do without: sounds, the second decoder."""
        self.sounds.problem_found.connect(lambda text: self.window.report_missing("sounds", text))
        if self.sounds.problem is not None:
            self.window.report_missing("sounds", self.sounds.problem)
        # Finding libzbar may run ldconfig: off the GUI thread.
        self.runner.run(zbar_op, "zbar").on_success(
            lambda text: self.window.report_missing("pyzbar", text) if text else None
        )

    def _start_devices(self) -> None:
        """The webcam and the serial scanner, when the config names them; both feed `on_scan`."""
        settings = self.ctx.settings
        if settings.camera.source:
            self.camera = CameraView(settings.camera)
            self.camera.scan_received.connect(self.on_scan)
            self.camera.status_changed.connect(self._camera_status)
            self.camera.setWindowTitle("Camera")
            self.camera.show()
            self.camera.start()
        if settings.scanner.serial_port:
            self.serial = SerialReader(
                settings.scanner.serial_port,
                on_scan=self._bridge.wrap(self.on_scan),
                on_status=self._bridge.wrap(self._serial_status),
                baud=settings.scanner.serial_baud,
                terminator=settings.scanner.serial_terminator,
                retry_seconds=settings.camera.retry_seconds,
            )
            self.serial.start()

    def _camera_status(self, status: CameraStatus, detail: str) -> None:
        # "retrying" and "stopped" after a failure would hide why: IT needs the cause in view.
        if status in (CameraStatus.RETRYING, CameraStatus.STOPPED) and self._camera_problem:
            self.window.set_device_status("camera", f"{self._camera_problem} ({status.value})")
            return
        text = f"{status.value} {detail}"
        bad = status in (CameraStatus.NO_CAMERA, CameraStatus.LOST)
        self._camera_problem = text if bad else ""
        self.window.set_device_status("camera", text)

    def _serial_status(self, status: SerialStatus, detail: str) -> None:
        self.window.set_device_status("serial", f"{status.value} {detail}")

    def _latest_frame(self) -> np.ndarray | None:
        return None if self.camera is None else self.camera.latest_frame()

    @Slot(object)
    def on_scan(self, event: ScanEvent) -> None:
        if self.locked:
            self.sounds.play(Feedback.ERROR)  # refused, not queued
            return
        self.window.on_scan(event)

    @Slot()
    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        self.review.close_window()  # the lock hides every record: the review's too
        self.window.set_locked(True)
        self.lock_screen.lock(self.session)
        self.runner.run(security_event_op(self.session, "lock"), "lock")

    def _unlock(self, secret: str) -> None:
        self.runner.run(unlock_op(self.session, secret), "unlock").on_success(
            lambda ok: self._unlocked() if ok else self.lock_screen.form.refuse("Wrong password or PIN")
        ).on_failure(lambda exc: self.lock_screen.form.refuse(officer_message(exc)))

    def _switch(self, badge: str, password: str) -> None:
        sign_in = sign_in_op(badge, password, self.ctx.settings.bench_id)
        self.runner.run(sign_in, "sign-in").on_success(self._signed_in).on_failure(
            lambda exc: self.lock_screen.form.refuse(officer_message(exc))
        )

    def _stamp_log(self, session: Session) -> None:
        # Every log line from now on names this bench and officer (badge only: no names in the log).
        self.ctx.log.bench = session.bench_id or self.ctx.log.bench
        self.ctx.log.badge = session.officer.badge

    def _signed_in(self, session: Session) -> None:
        self._stamp_log(session)
        log.info("hand-over: badge %s after badge %s", session.officer.badge, self.session.officer.badge)
        self.session = session
        self.window.session = session
        self.review.set_session(session)
        self.window.officer_label.setText(f"Officer: {session.officer.name} ({session.officer.badge})")
        self.window.refresh_shift()
        self._unlocked()

    def _unlocked(self) -> None:
        self.locked = False
        self.lock_screen.unlock()
        self.window.set_locked(False)
        self.idle.restart()

    def close(self) -> None:
        self.ctx.log.badge = ""
        self.review.close_window()
        app = QApplication.instance()
        if app is not None:
            self.wedge.remove(app)
            app.removeEventFilter(self.idle)
        self.idle.stop()
        if self.serial is not None:
            self.serial.stop()
        if self.camera is not None:
            self.camera.stop()
            self.camera.close()
            self.camera.deleteLater()  # a top-level window of its own: not left behind
        self.window.close()
