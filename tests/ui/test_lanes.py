"""The runner's lanes, its Changes and its bridge: a bulk write never holds up a lookup."""

from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from workstation.core.changes import Changes
from workstation.ui.tasks import GuiBridge, TaskRunner


class Conn:
    def __init__(self, name: str) -> None:
        self.name = name
        self.thread = threading.current_thread().name
        self.closed_on: str | None = None

    def close(self) -> None:
        self.closed_on = threading.current_thread().name


def test_a_bulk_write_on_its_lane_never_delays_the_database_lane(qtbot: QtBot) -> None:
    made: list[Conn] = []
    runner: TaskRunner[Conn] = TaskRunner(lambda: made.append(Conn("db")) or made[-1])
    bulk = runner.lane(lambda: made.append(Conn("bulk")) or made[-1], "bulk")
    release = threading.Event()
    order: list[str] = []

    def long_write(conn: Conn) -> str:
        release.wait(10)
        order.append("bulk done")
        return conn.thread

    def lookup(conn: Conn) -> str:
        order.append("lookup done")
        return conn.thread

    bulk_task = bulk.run(long_write)
    looked: list[str] = []
    runner.run(lookup).on_success(looked.append)
    qtbot.waitUntil(lambda: bool(looked), timeout=5_000)  # while the bulk write still runs
    assert order == ["lookup done"]
    assert not bulk_task.done
    release.set()
    runner.wait_idle()
    assert bulk_task.done
    runner.shutdown()
    by_name = {c.name: c for c in made}
    assert by_name["db"].thread.startswith("workstation-db")
    assert by_name["bulk"].thread.startswith("workstation-bulk")
    assert all(c.closed_on == c.thread for c in made)  # each connection closed on its own thread


def test_an_operation_returning_changes_is_announced_after_its_callbacks(qtbot: QtBot) -> None:
    runner: TaskRunner[None] = TaskRunner(lambda: None)
    seen: list[object] = []
    runner.changes_made.connect(lambda changes: seen.append(("changes", changes)))
    runner.run(lambda _: ("value", Changes.of("inspection", "r1"))).on_success(
        lambda result: seen.append(("value", result[0]))
    )
    runner.run(lambda _: "no changes")
    runner.wait_idle()
    runner.shutdown()
    assert seen == [("value", "value"), ("changes", Changes.of("inspection", "r1"))]


def test_changes_published_from_another_thread_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    runner: TaskRunner[None] = TaskRunner(lambda: None)
    arrived: list[str] = []
    runner.changes_made.connect(lambda _: arrived.append(threading.current_thread().name))
    worker = threading.Thread(target=runner.publish, args=(Changes.of("void", "v1"),))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(arrived), timeout=5_000)
    runner.shutdown()
    assert arrived == [threading.main_thread().name]


def test_the_bridge_runs_a_foreign_threads_callback_on_the_gui_thread(qtbot: QtBot) -> None:
    bridge = GuiBridge()
    calls: list[tuple[str, int, str]] = []
    callback = bridge.wrap(lambda code, n: calls.append((code, n, threading.current_thread().name)))
    reader = threading.Thread(target=callback, args=("LX123456785HK", 3), name="serial-reader")
    reader.start()
    reader.join()
    assert calls == []  # queued, not run on the reader's thread
    qtbot.waitUntil(lambda: bool(calls), timeout=5_000)
    assert calls == [("LX123456785HK", 3, threading.main_thread().name)]
    bridge.deleteLater()


def test_wait_idle_returns_at_once_when_nothing_is_pending(qtbot: QtBot) -> None:
    runner: TaskRunner[None] = TaskRunner(lambda: None)
    runner.wait_idle(timeout=0.01)
    runner.shutdown()


class Flag:
    """What a process lane's factory builds: a file that says the resources exist, and closes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "opened").write_text(str(os.getpid()))

    def close(self) -> None:
        (self.folder / "closed").write_text(str(os.getpid()))


def wait_for_file_then_report(flag: Flag, gate: str) -> tuple[int, str]:
    """Hold the worker until `gate` exists, then say which process ran this."""
    deadline = time.monotonic() + 20
    while not (flag.folder / gate).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid(), gate


def test_a_process_lane_runs_bulk_work_in_its_own_process_and_never_delays_a_lookup(
    qtbot: QtBot, tmp_path: Path
) -> None:
    runner: TaskRunner[None] = TaskRunner(lambda: None)
    bulk = runner.process_lane(functools.partial(Flag, tmp_path), "bulk")
    results: list[tuple[int, str]] = []
    task = bulk.run(functools.partial(wait_for_file_then_report, gate="go"))
    task.on_success(results.append)
    looked: list[str] = []
    runner.run(lambda _: "looked").on_success(looked.append)
    qtbot.waitUntil(lambda: bool(looked), timeout=5_000)  # while the bulk work is held
    assert not task.done
    (tmp_path / "go").write_text("")
    runner.wait_idle(timeout=30)
    assert [r[1] for r in results] == ["go"]
    worker_pid = results[0][0]
    assert worker_pid != os.getpid()  # another process: no GIL shared with the window
    assert (tmp_path / "opened").read_text() == str(worker_pid)
    runner.shutdown()
    assert (tmp_path / "closed").read_text() == str(worker_pid)  # closed in the worker


def test_a_failure_in_the_worker_process_reaches_on_failure(qtbot: QtBot, tmp_path: Path) -> None:
    runner: TaskRunner[None] = TaskRunner(lambda: None)
    bulk = runner.process_lane(functools.partial(Flag, tmp_path), "bulk")
    errors: list[BaseException] = []
    bulk.run(functools.partial(wait_for_file_then_report, gate=None)).on_failure(errors.append)  # type: ignore[arg-type]
    runner.wait_idle(timeout=30)
    runner.shutdown()
    assert len(errors) == 1
    assert isinstance(errors[0], TypeError)
