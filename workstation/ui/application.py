"""The Qt application: sign-in, then the bench over the services, then the event loop."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from workstation.config import Context, default_config_path, load_settings
from workstation.core.records import Session
from workstation.resources import resource_path
from workstation.ui.bench_app import Bench, make_runner
from workstation.ui.errors import UncaughtErrors, log_qt_messages, show_error_box
from workstation.ui.first_run import maybe_run_first_run
from workstation.ui.lock import SignInDialog

DEMO_BADGE = "D1001"
DEMO_PASSWORD = "demo"
# Set by benchmarks/bundle.py: print "ready <ms>" once the bench can take a scan, then quit.
EXIT_WHEN_READY_ENV = "WORKSTATION_EXIT_WHEN_READY"


def run_application(ctx: Context) -> int:
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Inspection Workstation")
    log_qt_messages()
    errors = UncaughtErrors(app)
    errors.install()
    try:
        return _run(app, ctx, errors, started)
    finally:
        errors.uninstall()


def _run(app: QApplication, ctx: Context, errors: UncaughtErrors, started: float) -> int:
    with contextlib.suppress(FileNotFoundError):  # an icon is nice, not needed
        app.setWindowIcon(QIcon(str(resource_path("icons/workstation.png"))))
    if maybe_run_first_run(ctx):
        # The facility, bench and hub just entered apply now; a new data_dir from the next start.
        ctx = replace(ctx, settings=load_settings(default_config_path()))
    runner = make_runner(ctx)
    state: dict[str, Any] = {}

    def show_uncaught(message: str) -> None:
        # On the bench's error banner once it exists; before it (sign-in), in a message box.
        if "bench" in state:
            state["bench"].window.show_error(message)
        else:
            show_error_box(message)

    errors.raised.connect(show_uncaught)

    def start(session: Session) -> None:
        bench = Bench(ctx, runner, session)
        state["bench"] = bench
        bench.window.show()
        if os.environ.get(EXIT_WHEN_READY_ENV):
            ms = (time.perf_counter() - started) * 1000

            def ready() -> None:
                sys.stdout.write(f"ready {ms:.0f}\n")
                sys.stdout.flush()
                app.quit()

            QTimer.singleShot(0, ready)

    def failed(exc: BaseException) -> None:
        sys.stderr.write(f"workstation: cannot start: {exc}\n")
        state["rc"] = 2
        app.quit()

    if ctx.demo:
        bench_id = ctx.settings.bench_id or "demo-bench"

        def demo_sign_in(res: Any) -> Session:
            res.officers.ensure_demo_officers()
            session: Session = res.officers.sign_in(DEMO_BADGE, DEMO_PASSWORD, bench_id)
            return session

        runner.run(demo_sign_in, "demo sign-in").on_success(start).on_failure(failed)
    else:
        dialog = SignInDialog(
            lambda badge, password: runner.run(
                lambda res: res.officers.sign_in(badge, password, ctx.settings.bench_id), "sign-in"
            )
        )
        if not dialog.exec() or dialog.session is None:
            runner.shutdown()
            return 1
        start(dialog.session)
    rc = app.exec()
    if "bench" in state:
        state["bench"].close()
    runner.shutdown()
    return int(state.get("rc", rc))
