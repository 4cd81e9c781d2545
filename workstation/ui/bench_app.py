"""Builds the bench: the database thread's resources, the task runner, scanners, lock, window."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from workstation.config import Context
from workstation.core.bench import Feedback
from workstation.core.records import Session
from workstation.core.scan import ScanEvent
from workstation.scanning.decoders import zbar_problem
from workstation.scanning.serial_reader import SerialReader
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.ui.bench_window import BenchWindow
from workstation.ui.camera_view import CameraView
from workstation.ui.lock import IdleWatcher, LockScreen
from workstation.ui.sounds import MultimediaLoader, Sounds, load_multimedia
from workstation.ui.tasks import TaskRunner
from workstation.ui.wedge_filter import WedgeFilter

log = logging.getLogger(__name__)


class _SerialBridge(QObject):
    scan_arrived = Signal(object)
    status_arrived = Signal(object, str)


@dataclass
class BenchResources:
    """What the database thread works with; built on that thread, closed on it."""

    cache: ManifestCache
    records: RecordsStore
    officers: OfficerDirectory

    @classmethod
    def open(cls, data_dir: Path, ctx: Context) -> BenchResources:
        records = RecordsStore.open(data_dir)
        return cls(
            cache=ManifestCache(open_cache(data_dir)),
            records=records,
            officers=OfficerDirectory(records, ctx.settings.security),
        )

    def close(self) -> None:
        self.cache.db.conn.close()
        self.records.close()


def make_runner(ctx: Context, parent: QObject | None = None) -> TaskRunner:
    return TaskRunner(lambda: BenchResources.open(ctx.data_dir, ctx), parent)


class Bench(QObject):
    """The running bench: window, scanners and lock, wired to one task runner."""

    def __init__(
        self,
        ctx: Context,
        runner: Any,
        session: Session,
        *,
        sounds: bool = True,
        sound_loader: MultimediaLoader = load_multimedia,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.runner = runner
        self.session = session
        self._stamp_log(session)
        log.info("signed in: badge %s", session.officer.badge)
        self.sounds = Sounds(self, enabled=sounds, loader=sound_loader)
        self.camera: Any = None
        self.window = BenchWindow(runner, session, ctx.settings, self.sounds, self._latest_frame)
        self.lock_screen = LockScreen(self.window)
        self.locked = False
        app = QApplication.instance()
        assert app is not None
        self.wedge = WedgeFilter(ctx.settings.scanner, parent=self)
        self.wedge.install(app)
        self.wedge.scan_received.connect(self.on_scan)
        self.idle = IdleWatcher(ctx.settings.security.idle_lock_minutes, self)
        app.installEventFilter(self.idle)
        self.idle.idle.connect(self.lock)
        QShortcut(QKeySequence("Ctrl+L"), self.window, activated=self.lock)
        self.lock_screen.unlock_requested.connect(self._unlock)
        self.lock_screen.switch_requested.connect(self._switch)
        # Serial callbacks come from the reader's thread: signals queue them to the GUI thread.
        self._serial_bridge = _SerialBridge(self)
        self._serial_bridge.scan_arrived.connect(self.on_scan)
        self._serial_bridge.status_arrived.connect(
            lambda status, detail: self.window.set_device_status("serial", f"{status.value} {detail}")
        )
        self.serial: SerialReader | None = None
        self._report_optional_parts()
        self._start_devices()

    def _report_optional_parts(self) -> None:
        """Say once what this PC lacks that the bench can do without: sounds, the second decoder."""
        self.sounds.problem_found.connect(lambda text: self.window.report_missing("sounds", text))
        if self.sounds.problem is not None:
            self.window.report_missing("sounds", self.sounds.problem)
        # Finding libzbar may run ldconfig: off the GUI thread.
        self.runner.run(lambda res: zbar_problem(), "zbar").on_success(
            lambda text: self.window.report_missing("pyzbar", text) if text else None
        )

    def _start_devices(self) -> None:
        """The webcam and the serial scanner, when the config names them; both feed `on_scan`."""
        settings = self.ctx.settings
        if settings.camera.source:
            self.camera = CameraView(settings.camera)
            self.camera.scan_received.connect(self.on_scan)
            self.camera.status_changed.connect(
                lambda status, detail: self.window.set_device_status("camera", f"{status.value} {detail}")
            )
            self.camera.setWindowTitle("Camera")
            self.camera.show()
            self.camera.start()
        if settings.scanner.serial_port:
            bridge = self._serial_bridge
            self.serial = SerialReader(
                settings.scanner.serial_port,
                on_scan=bridge.scan_arrived.emit,
                on_status=bridge.status_arrived.emit,
                baud=settings.scanner.serial_baud,
                terminator=settings.scanner.serial_terminator,
                retry_seconds=settings.camera.retry_seconds,
            )
            self.serial.start()

    def _latest_frame(self) -> Any:
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
        self.window.set_locked(True)
        self.lock_screen.lock(self.session)
        session = self.session
        self.runner.run(lambda res: res.officers.record_security_event(session, "lock"), "lock")

    def _unlock(self, secret: str) -> None:
        session = self.session
        self.runner.run(lambda res: res.officers.unlock(session, secret), "unlock").on_success(
            lambda ok: self._unlocked() if ok else self.lock_screen.form.refuse("Wrong password or PIN")
        ).on_failure(lambda exc: self.lock_screen.form.refuse(str(exc)))

    def _switch(self, badge: str, password: str) -> None:
        bench = self.ctx.settings.bench_id
        self.runner.run(lambda res: res.officers.sign_in(badge, password, bench), "sign-in").on_success(
            self._signed_in
        ).on_failure(lambda exc: self.lock_screen.form.refuse(str(exc)))

    def _stamp_log(self, session: Session) -> None:
        # Every log line from now on names this bench and officer (badge only: no names in the log).
        self.ctx.log.bench = session.bench_id or self.ctx.log.bench
        self.ctx.log.badge = session.officer.badge

    def _signed_in(self, session: Session) -> None:
        self._stamp_log(session)
        log.info("hand-over: badge %s after badge %s", session.officer.badge, self.session.officer.badge)
        self.session = session
        self.window.session = session
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
        self.window.close()
