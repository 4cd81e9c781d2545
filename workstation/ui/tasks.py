"""Where work crosses threads: the one way in and the one way out of the GUI thread.

`runner.run(op).on_success(...).on_failure(...)`: `op(resources)` runs on the database lane, a
single worker thread with that lane's own resources (SQLite connections belong to their thread),
and its result or error is delivered on the GUI thread through a queued signal. Other lanes
(`runner.lane(factory, name)`) have their own thread and their own resources, so a bulk cache
write on one never delays a scan lookup on the other; `run_network` has a thread of its own too.
A failure with no `on_failure` is raised in the slot: sys.excepthook logs it and the bench shows
it (ui/errors.py), so no failure is lost.

An operation that changed records returns `(value, Changes)` (or a bare `Changes`): the runner
emits `changes_made(Changes)` on the GUI thread after its own callbacks, and every window that
shows that data re-queries what it shows. `publish(changes)` does the same for changes made
elsewhere (another bench, the sync client).

Callbacks from threads that are not the runner's (the serial reader, the camera loop) reach the
GUI thread through `GuiBridge.wrap(callback)`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Generic, ParamSpec, TypeVar, cast

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal, Slot

from workstation.core.changes import Changes, Saved
from workstation.ui import worker_process

T = TypeVar("T")
R = TypeVar("R")
B = TypeVar("B")
P = ParamSpec("P")


class Task(Generic[T]):
    """One operation's outcome, delivered on the GUI thread to the callbacks attached to it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._success: list[Callable[[T], None]] = []
        self._failure: list[Callable[[BaseException], None]] = []
        self._done = False
        self._result: T | None = None
        self._error: BaseException | None = None

    def on_success(self, fn: Callable[[T], None]) -> Task[T]:
        self._success.append(fn)
        if self._done and self._error is None:
            fn(cast(T, self._result))
        return self

    def on_failure(self, fn: Callable[[BaseException], None]) -> Task[T]:
        self._failure.append(fn)
        if self._done and self._error is not None:
            fn(self._error)
        return self

    @property
    def done(self) -> bool:
        return self._done

    def _finish(self, result: T | None, error: BaseException | None) -> bool:
        """Run the callbacks; False when the task failed and nobody handles its failure."""
        self._done, self._result, self._error = True, result, error
        if error is not None:
            for fail in self._failure:
                fail(error)
            return bool(self._failure)
        for ok in self._success:
            ok(cast(T, result))
        return True


def changes_in(result: object) -> Changes | None:
    """The Changes an operation returned: a bare `Changes`, a service's `Saved`, or `(value, Changes)`."""
    if isinstance(result, Changes):
        return result
    if isinstance(result, Saved):
        return result.changes
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], Changes):
        return result[1]
    return None


class Lane(Generic[R]):
    """One worker thread and the resources it built for itself (closed on it at shutdown)."""

    def __init__(self, runner: TaskRunner[Any], name: str, factory: Callable[[], R]) -> None:
        self._runner = runner
        self.name = name
        self._factory = factory
        self._resources: R | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"workstation-{name}")
        self._closed = False

    def _get(self) -> R:
        # Only ever called on this lane's one thread.
        if self._resources is None:
            self._resources = self._factory()
        return self._resources

    def run(self, op: Callable[[R], T], name: str = "") -> Task[T]:
        """Run `op(resources)` on this lane's thread; the outcome comes back on the GUI thread."""
        return self._runner._submit(self._pool, lambda: op(self._get()), name or _name_of(op))

    def shutdown(self) -> None:
        """Finish queued work, close the resources on their own thread, stop the thread."""

        def close() -> None:
            resources, self._resources = self._resources, None
            closer = getattr(resources, "close", None)
            if callable(closer):
                closer()

        if not self._closed:
            self._closed = True
            self._pool.submit(close)
        self._pool.shutdown(wait=True)


class ProcessLane(Generic[R]):
    """One worker process and the resources it built there: bulk work that must not share the GIL.

    `factory` and every operation must pickle (module-level functions, `functools.partial`):
    they cross to the worker process. Outcomes come back on the GUI thread like any task's.
    """

    def __init__(
        self, runner: TaskRunner[Any], name: str, factory: Callable[[], R], *, background: bool = True
    ) -> None:
        self._runner = runner
        self.name = name
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a running Qt app
            initializer=worker_process.init,
            initargs=(factory, background),
        )
        self._closed = False

    def run(self, op: Callable[[R], T], name: str = "") -> Task[T]:
        """Run `op(resources)` in the worker process; the outcome comes back on the GUI thread."""
        return self._runner._submit_future(self._pool.submit(worker_process.call, op), name or _name_of(op))

    def shutdown(self) -> None:
        """Finish queued work, close the resources in the worker, stop the process."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(RuntimeError):  # a worker that died cannot close anything
                self._pool.submit(worker_process.close).result(timeout=30)
        self._pool.shutdown(wait=True)


def _name_of(op: object) -> str:
    return str(getattr(op, "__name__", "op"))


class TaskRunner(QObject, Generic[R]):
    """Runs operations off the GUI thread; `resources_factory` builds the database lane's resources."""

    _finished = Signal(object, object, object)  # task, result, error
    idle = Signal()  # every task handed in has been delivered
    changes_made = Signal(object)  # Changes, after the operation's own callbacks

    def __init__(self, resources_factory: Callable[[], R], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._net = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workstation-net")
        self._lanes: list[Lane[Any] | ProcessLane[Any]] = []
        self._finished.connect(self._deliver)
        self.pending = 0
        self.db: Lane[R] = self.lane(resources_factory, "db")

    def lane(self, factory: Callable[[], B], name: str) -> Lane[B]:
        """A further worker thread with its own resources (e.g. a second cache connection)."""
        lane: Lane[B] = Lane(self, name, factory)
        self._lanes.append(lane)
        return lane

    def process_lane(self, factory: Callable[[], B], name: str) -> ProcessLane[B]:
        """A worker process with its own resources, for bulk work (see ProcessLane)."""
        lane: ProcessLane[B] = ProcessLane(self, name, factory)
        self._lanes.append(lane)
        return lane

    def run(self, op: Callable[[R], T], name: str = "") -> Task[T]:
        """Run `op(resources)` on the database lane."""
        return self.db.run(op, name)

    def run_network(self, op: Callable[[], T], name: str = "") -> Task[T]:
        """Run `op()` on the network thread."""
        return self._submit(self._net, op, name or _name_of(op))

    def publish(self, changes: Changes) -> None:
        """Changes made elsewhere (another store, the sync client): to the listeners, on the GUI thread."""
        self.changes_made.emit(changes)  # queued when called from another thread

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

    def _submit_future(self, future: Future[T], name: str) -> Task[T]:
        """A task whose work runs elsewhere (a worker process): delivered when `future` is done."""
        task: Task[T] = Task(name)
        self.pending += 1

        def done(f: Future[T]) -> None:  # on the executor's own thread
            error = f.exception()
            self._finished.emit(task, None if error is not None else f.result(), error)

        future.add_done_callback(done)
        return task

    @Slot(object, object, object)
    def _deliver(self, task: Task[Any], result: object, error: BaseException | None) -> None:
        self.pending -= 1
        try:
            if not task._finish(result, error) and error is not None:
                # Nobody handles this failure: raised here, in a slot, it reaches sys.excepthook,
                # which logs it and shows it to the officer (ui/errors.py). Never swallowed.
                error.add_note(f"(task {task.name!r}, delivered without an on_failure handler)")
                raise error
            changes = changes_in(result) if error is None else None
            if changes:
                self.changes_made.emit(changes)
        finally:
            if self.pending == 0:
                self.idle.emit()

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Run the GUI event loop until every task handed in so far has been delivered.

        For tests ("nothing happened" is asserted once the runner is idle, not after a sleep)
        and for shutdown. Raises TimeoutError when work is still pending after `timeout` seconds.
        """
        if self.pending == 0:
            return
        loop = QEventLoop()
        timer = QTimer(singleShot=True)
        timer.timeout.connect(loop.quit)
        self.idle.connect(loop.quit)
        timer.start(int(timeout * 1000))
        try:
            while self.pending and timer.isActive():
                loop.exec()
        finally:
            timer.stop()
            self.idle.disconnect(loop.quit)
        if self.pending:
            raise TimeoutError(f"{self.pending} task(s) still pending after {timeout:g} s")

    def shutdown(self) -> None:
        """Finish queued work, close each lane's resources on its thread, stop every thread."""
        for lane in self._lanes:
            lane.shutdown()
        self._net.shutdown(wait=True)


class GuiBridge(QObject):
    """Delivers callbacks made on foreign threads (serial reader, camera loop) on the GUI thread.

    Create it on the GUI thread; `wrap(fn)` gives a function any thread may call: the call is
    queued through a signal and `fn` runs on the bridge's (the GUI) thread.
    """

    _called = Signal(object)  # a no-argument callable

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._called.connect(self._call)

    def wrap(self, fn: Callable[P, None]) -> Callable[P, None]:
        def queued(*args: P.args, **kwargs: P.kwargs) -> None:
            self._called.emit(lambda: fn(*args, **kwargs))

        return queued

    @Slot(object)
    def _call(self, call: Callable[[], None]) -> None:
        call()
