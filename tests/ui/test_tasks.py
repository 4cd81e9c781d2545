"""The task runner: work runs on its own thread, results and errors come back on the GUI thread."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from workstation.ui.tasks import TaskRunner


class Resources:
    def __init__(self) -> None:
        self.made_on = threading.current_thread().name
        self.closed_on: str | None = None

    def close(self) -> None:
        self.closed_on = threading.current_thread().name


def test_results_and_errors_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    made: list[Resources] = []

    def factory() -> Resources:
        made.append(Resources())
        return made[-1]

    runner = TaskRunner(factory)
    gui = threading.current_thread().name
    seen: list[tuple[str, object]] = []

    runner.run(lambda res: threading.current_thread().name).on_success(
        lambda worker: seen.append((threading.current_thread().name, worker))
    )

    def boom(res: Resources) -> None:
        raise ValueError("disk full")

    runner.run(boom).on_failure(lambda exc: seen.append((threading.current_thread().name, str(exc))))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=5_000)
    runner.shutdown()

    (thread_a, worker), (thread_b, error) = seen
    assert thread_a == gui
    assert thread_b == gui
    assert worker != gui
    assert str(worker).startswith("workstation-db")
    assert error == "disk full"
    assert len(made) == 1  # one set of resources, made on the database thread and closed there
    assert made[0].made_on == worker
    assert made[0].closed_on == worker
    assert runner.pending == 0


def test_a_failure_nobody_handles_is_raised_in_the_slot_not_swallowed(qtbot: QtBot) -> None:
    runner = TaskRunner(Resources)

    def boom(res: Resources) -> None:
        raise ValueError("disk full")

    # In the app, sys.excepthook logs it and shows it (ui/errors.py); here pytest-qt's hook catches it.
    with qtbot.captureExceptions() as raised:
        runner.run(boom, "save")
        runner.wait_idle()
    runner.shutdown()
    assert [str(exc) for _, exc, _ in raised] == ["disk full"]
