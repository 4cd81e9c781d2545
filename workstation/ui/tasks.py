"""Where work crosses threads: database work on one worker thread, network work on another.

`runner.run(op).on_success(...).on_failure(...)`: `op` runs on the database thread with that
thread's own resources (SQLite connections belong to their thread) and its result or error is
delivered on the GUI thread through a queued signal. The GUI thread never waits on disk.
A failure with no `on_failure` is raised there, in the slot: sys.excepthook logs it and the
bench shows it (ui/errors.py), so no failure is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

T = TypeVar("T")
R = TypeVar("R")


class Task(Generic[T]):
    """One operation's outcome, delivered on the GUI thread to the callbacks attached to it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._success: list[Callable[[T], None]] = []
        self._failure: list[Callable[[BaseException], None]] = []
        self._done = False
        self._result: Any = None
        self._error: BaseException | None = None

    def on_success(self, fn: Callable[[T], None]) -> Task[T]:
        self._success.append(fn)
        if self._done and self._error is None:
            fn(self._result)
        return self

    def on_failure(self, fn: Callable[[BaseException], None]) -> Task[T]:
        self._failure.append(fn)
        if self._done and self._error is not None:
            fn(self._error)
        return self

    @property
    def done(self) -> bool:
        return self._done

    def _finish(self, result: Any, error: BaseException | None) -> bool:
        """Run the callbacks; False when the task failed and nobody handles its failure."""
        self._done, self._result, self._error = True, result, error
        if error is not None:
            for fail in self._failure:
                fail(error)
            return bool(self._failure)
        for ok in self._success:
            ok(result)
        return True


class TaskRunner(QObject):
    """Runs operations off the GUI thread; `resources_factory` builds the db thread's resources."""

    _finished = Signal(object, object, object)  # task, result, error

    def __init__(self, resources_factory: Callable[[], R], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = resources_factory
        self._local = threading.local()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workstation-db")
        self._net = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workstation-net")
        self._closers: list[Callable[[], None]] = []
        self._finished.connect(self._deliver)
        self.pending = 0
        self._closed = False

    def _resources(self) -> Any:
        res = getattr(self._local, "resources", None)
        if res is None:
            res = self._factory()
            self._local.resources = res
            close = getattr(res, "close", None)
            if close is not None:
                self._closers.append(close)
        return res

    def run(self, op: Callable[[Any], T], name: str = "") -> Task[T]:
        """Run `op(resources)` on the database thread."""
        return self._submit(self._db, lambda: op(self._resources()), name or getattr(op, "__name__", "op"))

    def run_network(self, op: Callable[[], T], name: str = "") -> Task[T]:
        """Run `op()` on the network thread."""
        return self._submit(self._net, op, name or getattr(op, "__name__", "op"))

    def _submit(self, pool: ThreadPoolExecutor, call: Callable[[], T], name: str) -> Task[T]:
        task: Task[T] = Task(name)
        self.pending += 1

        def work() -> None:
            try:
                result = call()
            except BaseException as exc:  # delivered to on_failure, never lost
                self._finished.emit(task, None, exc)
            else:
                self._finished.emit(task, result, None)

        pool.submit(work)
        return task

    @Slot(object, object, object)
    def _deliver(self, task: Task[Any], result: Any, error: BaseException | None) -> None:
        self.pending -= 1
        if not task._finish(result, error) and error is not None:
            # Nobody handles this failure: raised here, in a slot, it reaches sys.excepthook, which
            # logs it and shows it to the officer (ui/errors.py). Never swallowed.
            error.add_note(f"(task {task.name!r}, delivered without an on_failure handler)")
            raise error

    def shutdown(self) -> None:
        """Finish queued work, close the db thread's resources on that thread, stop both threads."""

        def close_all() -> None:
            for close in self._closers:
                close()
            self._closers.clear()

        if not self._closed:
            self._closed = True
            self._db.submit(close_all)
        self._db.shutdown(wait=True)
        self._net.shutdown(wait=True)


class InlineTaskRunner:
    """Runs operations at once on the calling thread: for widget unit tests only."""

    def __init__(self, resources: Any) -> None:
        self.resources = resources
        self.pending = 0

    def run(self, op: Callable[[Any], T], name: str = "") -> Task[T]:
        return self._now(lambda: op(self.resources), name)

    def run_network(self, op: Callable[[], T], name: str = "") -> Task[T]:
        return self._now(op, name)

    def _now(self, call: Callable[[], T], name: str) -> Task[T]:
        task: Task[T] = Task(name)
        try:
            result = call()
        except Exception as exc:
            task._finish(None, exc)  # callbacks attached after run() returns get it then
        else:
            task._finish(result, None)
        return task

    def shutdown(self) -> None:
        close = getattr(self.resources, "close", None)
        if close is not None:
            close()
