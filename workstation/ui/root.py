"""The GUI's composition root: one object owns the settings (with their file), the task runner and
its lanes, the session and the windows, and passes them into the constructors that need them.

`workstation.app.run_gui` checks what must hold before Qt starts (a screen, the data files) and
calls `run_application`; nothing else builds a runner or a bench window.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from workstation.config import Context, Settings, default_config_path, load_settings
from workstation.core.demo import DEMO_ITEMS
from workstation.core.records import Session
from workstation.hub.demo import DemoHub
from workstation.resources import resource_path
from workstation.sync.rounds import HubTarget
from workstation.ui.bench_app import Bench
from workstation.ui.errors import UncaughtErrors, log_qt_messages, show_error_box
from workstation.ui.first_run import maybe_run_first_run
from workstation.ui.lock import SignInDialog
from workstation.ui.operations import BenchResources, BenchRunner, BulkResources, demo_sign_in_op, sign_in_op
from workstation.ui.sounds import MultimediaLoader, load_multimedia
from workstation.ui.sync_driver import SyncDriver
from workstation.ui.tasks import ProcessLane, Task, TaskRunner

log = logging.getLogger(__name__)
DEMO_BADGE = "D1001"
DEMO_PASSWORD = "demo"
DEMO_BENCH = "demo-bench"
# Set by benchmarks/bundle.py: print "ready <ms>" once the bench can take a scan, then quit.
EXIT_WHEN_READY_ENV = "WORKSTATION_EXIT_WHEN_READY"


class Workstation(QObject):
    """The running app: settings, runner (database, bulk and network lanes), session, bench."""

    def __init__(
        self,
        ctx: Context,
        *,
        sounds: bool = True,
        sound_loader: MultimediaLoader = load_multimedia,
        demo_hub: DemoHub | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._sounds = sounds
        self._sound_loader = sound_loader
        self.runner: BenchRunner = TaskRunner(lambda: BenchResources.open(ctx), self)
        # A bulk cache write (the reference-data pull) runs here: in a process of its own, at
        # the lowest priority, with its own cache connection, so it never waits in line ahead of
        # a scan's lookup nor shares the GIL with the window. Started on first use.
        self.bulk: ProcessLane[BulkResources] = self.runner.process_lane(
            functools.partial(BulkResources.at, ctx.data_dir), "bulk"
        )
        self.bench: Bench | None = None
        # The background sync, once a bench is open and a hub is configured (or the demo's runs).
        self.sync: SyncDriver | None = None
        # `workstation --demo` runs a hub beside the app (SQLite, in the demo folder).
        self.demo_hub = demo_hub
        self._closed = False

    def hub_target(self) -> HubTarget | None:
        """The hub this bench syncs with: the configured one, else the demo's once it listens, else none."""
        sync = self.settings.sync
        configured = HubTarget.from_settings(self.settings.hub_url, sync.token, sync.ca_file)
        if configured is not None or self.demo_hub is None:
            return configured
        demo = self.demo_hub.target()
        return None if demo is None else HubTarget(*demo, name="demo-hub")

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def session(self) -> Session | None:
        return None if self.bench is None else self.bench.session

    # --- sign-in ------------------------------------------------------------------------

    def sign_in(self, badge: str, password: str) -> Task[Session]:
        return self.runner.run(sign_in_op(badge, password, self.settings.bench_id), "sign-in")

    def demo_sign_in(self, badge: str = DEMO_BADGE) -> Task[Session]:
        bench_id = self.settings.bench_id or DEMO_BENCH
        return self.runner.run(demo_sign_in_op(badge, DEMO_PASSWORD, bench_id), "demo sign-in")

    def start(self, session: Session) -> Bench:
        """The bench window for this officer, shown."""
        self.bench = Bench(
            self.ctx,
            self.runner,
            session,
            sounds=self._sounds,
            sound_loader=self._sound_loader,
            hub_target=self.hub_target,
        )
        self.bench.window.show()
        # A hub knows a bench by its id: without one (no bench_id in the config) nothing is sent.
        wanted = self.hub_target() is not None or self.demo_hub is not None
        if self.sync is None and wanted and session.bench_id:
            self.sync = SyncDriver(
                self.ctx,
                self.runner,
                self.bulk,
                self.hub_target,
                session.bench_id,
                self,
                problem=lambda: None if self.demo_hub is None else self.demo_hub.problem,
            )
            self.sync.status.connect(self.bench.window.show_sync)
            self.sync.start()
        return self.bench

    @Slot(str)
    def show_uncaught(self, message: str) -> None:
        """An uncaught exception: on the bench's error banner once it exists; before it, a message box."""
        if self.bench is not None:
            self.bench.window.show_error(message)
        else:
            show_error_box(message)

    def close(self) -> None:
        """Close the windows, finish queued work, close each lane's connections on its own thread."""
        if self._closed:
            return
        self._closed = True
        if self.sync is not None:
            self.sync.stop()
        if self.bench is not None:
            self.bench.close()
        self.runner.shutdown()
        if self.demo_hub is not None:
            self.demo_hub.stop()


def settings_after_first_run(ctx: Context) -> Context:
    """Ask facility, bench and hub when the config file is missing; then read it back from that file."""
    path = ctx.config_path or default_config_path()
    if maybe_run_first_run(ctx, path):
        # The facility, bench and hub just entered apply now; a new data_dir from the next start.
        return replace(ctx, settings=load_settings(path), config_path=path)
    return ctx


def run_application(ctx: Context) -> int:
    """The event loop: first run if needed, sign-in, the bench, until the officer quits."""
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Inspection Workstation")
    log_qt_messages()
    errors = UncaughtErrors(app)
    errors.install()
    try:
        with contextlib.suppress(FileNotFoundError):  # an icon is nice, not needed
            app.setWindowIcon(QIcon(str(resource_path("icons/workstation.png"))))
        ctx = settings_after_first_run(ctx)
        demo_hub = None
        if ctx.demo and not ctx.settings.hub_url:
            demo_hub = DemoHub(ctx.data_dir, ctx.settings.bench_id or DEMO_BENCH, DEMO_ITEMS).start()
        root = Workstation(ctx, demo_hub=demo_hub)
        errors.raised.connect(root.show_uncaught)
        try:
            return _run(app, root, started)
        finally:
            root.close()
    finally:
        errors.uninstall()


def _run(app: QApplication, root: Workstation, started: float) -> int:
    rc: list[int] = []

    def start(session: Session) -> None:
        root.start(session)
        if os.environ.get(EXIT_WHEN_READY_ENV):
            ms = (time.perf_counter() - started) * 1000

            def ready() -> None:
                sys.stdout.write(f"ready {ms:.0f}\n")
                sys.stdout.flush()
                app.quit()

            QTimer.singleShot(0, ready)

    def failed(exc: BaseException) -> None:
        sys.stderr.write(f"workstation: cannot start: {exc}\n")
        rc.append(2)
        app.quit()

    if root.ctx.demo:
        root.demo_sign_in().on_success(start).on_failure(failed)
    else:
        dialog = SignInDialog(root.sign_in)
        if not dialog.exec() or dialog.session is None:
            return 1
        start(dialog.session)
    code = app.exec()
    return rc[0] if rc else code
