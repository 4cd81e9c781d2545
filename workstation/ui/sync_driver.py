"""The bench's background sync: rounds on a lane of their own, never on the GUI thread.

A round (upload, officer directory) runs on the "sync" lane, a thread with its own connection to
the records file, so a scan's lookup and a save never wait behind the network. The reference pull
runs after it on the bulk-write lane (a process of its own, lowest priority). Between rounds the
driver waits `interval_seconds`; after a failure it backs off with full jitter, at least as long
as the hub's `Retry-After`. A save on this bench brings the next round forward (a second later),
unless the hub is out of reach and the backoff says wait.

The scan bar shows what `SyncView` holds: what waits, when the last round reached the hub, and
since when it has been offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from workstation.config import Context
from workstation.core.changes import Changes
from workstation.store.cache import ManifestCache
from workstation.store.records import RecordsStore
from workstation.sync.backoff import Backoff
from workstation.sync.errors import SyncError
from workstation.sync.pull import ReferencePulled
from workstation.sync.rounds import FullRound, HubTarget, full_round, pull_reference_into
from workstation.sync.sender import Sender
from workstation.ui.operations import BulkResources
from workstation.ui.tasks import Lane, ProcessLane, TaskRunner

if TYPE_CHECKING:  # httpx is imported on the sync's threads, once a hub is there: not at start-up
    from workstation.sync.client import HubClient

log = logging.getLogger(__name__)

# A save brings the next round forward to this many milliseconds from now.
SOON_MS = 1000
# With no hub to sync with yet, look again this often.
WAIT_FOR_HUB_MS = 1000


@dataclass(frozen=True)
class SyncView:
    """What the scan bar says of the sync."""

    hub: bool  # a hub is configured
    pending: int = 0
    dead_letters: int = 0
    last_success: datetime | None = None
    offline_since: datetime | None = None
    error: str | None = None
    clock_warning: str | None = None
    anchor_problem: str | None = None
    photo_problem: str | None = None


def _hhmm(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M")


def sync_text(view: SyncView) -> str:
    """One line for the scan bar: readable at a glance, the details in `sync_details`."""
    if not view.hub:
        return f"Sync: no hub · {view.pending} kept here" if view.pending else "Sync: no hub"
    if view.offline_since is not None:
        text = f"Sync: offline since {_hhmm(view.offline_since)} · {view.pending} waiting"
    elif view.error is not None:
        text = f"Sync: hub problem · {view.pending} waiting"
    elif view.pending:
        text = f"Sync: {view.pending} waiting"
        if view.last_success is not None:
            text += f" · last {_hhmm(view.last_success)}"
    elif view.last_success is not None:
        text = f"Sync: up to date · {_hhmm(view.last_success)}"
    else:
        text = "Sync: connecting…"
    if view.dead_letters:
        text += f" · {view.dead_letters} refused by the hub"
    if view.clock_warning:
        text += " · clock off"
    return text


def sync_details(view: SyncView) -> str:
    """The tooltip: the hub's last error, refused messages, the clock, the audit anchor."""
    lines = []
    if view.error:
        lines.append(f"Last problem: {view.error}")
    if view.dead_letters:
        lines.append(f"{view.dead_letters} message(s) refused by the hub: workstation sync dead-letters")
    if view.clock_warning:
        lines.append(view.clock_warning)
    if view.anchor_problem:
        lines.append(f"Audit anchor: {view.anchor_problem}")
    if view.photo_problem:
        lines.append(f"Evidence: {view.photo_problem}")
    return "\n".join(lines)


@dataclass(frozen=True)
class RoundDone:
    """A round's outcome, as the GUI thread receives it."""

    round: FullRound
    view: SyncView
    changes: Changes


class SyncResources:
    """The sync lane's own records connection and HTTP client, built and closed on its thread."""

    def __init__(self, data_dir: Path) -> None:
        self.store = RecordsStore.open(data_dir)
        self._client: HubClient | None = None
        self._target: HubTarget | None = None

    def client(self, target: HubTarget) -> HubClient:
        from workstation.sync.client import HubClient

        if self._client is None or self._target != target:
            if self._client is not None:
                self._client.close()
            self._client, self._target = HubClient(target.url, target.token, ca_file=target.ca_file), target
        return self._client

    def view(self, hub: bool, clock_warning: str | None = None) -> SyncView:
        status = self.store.sync_state.status()
        return SyncView(
            hub=hub,
            pending=self.store.outbox.count(),
            dead_letters=self.store.outbox.dead_letter_count(),
            last_success=status.last_success,
            offline_since=status.offline_since,
            error=status.last_error,
            clock_warning=clock_warning,
            anchor_problem=status.anchor_problem,
            photo_problem=status.photo_problem,
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.store.close()


def round_op(
    target: HubTarget, bench_id: str, batch_size: int, max_skew: float
) -> Callable[[SyncResources], RoundDone]:
    def sync_round(res: SyncResources) -> RoundDone:
        client = res.client(target)
        sender = Sender(res.store, client, bench_id, batch_size=batch_size, max_clock_skew_seconds=max_skew)
        done = full_round(sender, res.store, client, bench_id)
        return RoundDone(done, res.view(True, done.report.clock_warning), done.changes)

    return sync_round


def view_op(hub: bool) -> Callable[[SyncResources], SyncView]:
    def sync_view(res: SyncResources) -> SyncView:
        return res.view(hub)

    return sync_view


@dataclass(frozen=True)
class ReferencePullOp:
    """The reference pull, run in the bulk lane's process: so a picklable value, not a closure."""

    target: HubTarget
    hub: str

    def __call__(self, res: BulkResources) -> ReferencePulled:
        return pull_reference(res.cache, self.target, self.hub)


# A pull runs in pieces of this many pages, so that closing the app waits for one piece at most.
PAGES_PER_PULL = 20


def pull_reference(cache: ManifestCache, target: HubTarget, hub: str) -> ReferencePulled:
    from workstation.sync.client import HubClient

    with HubClient(target.url, target.token, ca_file=target.ca_file) as client:
        return pull_reference_into(cache, client, hub, max_pages=PAGES_PER_PULL)


class SyncDriver(QObject):
    """Runs the rounds, one at a time, and says what the scan bar should show (`status`)."""

    status = Signal(object)  # SyncView

    def __init__(
        self,
        ctx: Context,
        runner: TaskRunner[Any],
        bulk: ProcessLane[BulkResources] | None,
        target: Callable[[], HubTarget | None],
        bench_id: str,
        parent: QObject | None = None,
        problem: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self._problem = problem  # why there is no hub to sync with (the demo's did not start)
        self.ctx = ctx
        self.bench_id = bench_id
        self.runner = runner
        self.bulk = bulk
        self._target = target
        settings = ctx.settings.sync
        self.interval_ms = int(settings.interval_seconds * 1000)
        self.backoff = Backoff(base=1.0, cap=settings.backoff_cap_seconds)
        self.lane: Lane[SyncResources] = runner.lane(lambda: SyncResources(ctx.data_dir), "sync")
        self.view = SyncView(hub=True)
        self.rounds = 0  # finished rounds, for tests and the log
        self._running = False
        self._dirty = False
        self._pulling = False
        self._failing = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.run_round)
        runner.changes_made.connect(self.on_changes)

    def start(self) -> None:
        """Show what waits now, then sync at once."""
        self.lane.run(view_op(self.view.hub), "sync view").on_success(self._show)
        self._timer.start(0)

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()

    @Slot(object)
    def on_changes(self, changes: Changes) -> None:
        """A save here: send it soon (not while backing off from a hub that is out of reach)."""
        if self._stopped or not changes or self._failing:
            return
        if self._running:
            self._dirty = True  # saved during a round: the next round comes soon, not an interval later
        elif not self._timer.isActive() or self._timer.remainingTime() > SOON_MS:
            self._timer.start(SOON_MS)

    @Slot()
    def run_round(self) -> None:
        if self._stopped or self._running:
            return
        target = self._target()
        if target is None:
            # No hub (yet: the demo's starts beside the app): look again soon, and say why if known.
            problem = self._problem()
            if problem is not None and problem != self.view.error:
                self._show(replace(self.view, error=problem))
            self._timer.start(min(self.interval_ms, WAIT_FOR_HUB_MS))
            return
        self._running = True
        self._dirty = False
        sync = self.ctx.settings.sync
        op = round_op(target, self.bench_id, sync.batch_size, sync.max_clock_skew_seconds)
        self.lane.run(op, "sync round").on_success(self._round_done).on_failure(self._round_failed)

    def _round_done(self, done: RoundDone) -> None:
        self.rounds += 1
        saved_meanwhile = self._dirty
        if done.changes:
            self.runner.publish(done.changes)
        # The officers this round changed (just published) do not bring another round forward.
        self._dirty = saved_meanwhile
        self._running = False
        self._show(done.view)
        error = done.round.error
        if error is None:
            self._failing = False
            self.backoff.succeeded()
            self._pull_reference()
            delay = SOON_MS if self._dirty else self.interval_ms
        else:
            self._failing = True
            delay = int(self.backoff.failed(done.round.report.retry_after) * 1000)
        if not self._stopped:
            self._timer.start(delay)

    def _round_failed(self, exc: BaseException) -> None:
        """Not a hub problem (those come back in the report): a fault here; logged, retried later."""
        self._running = False
        self._failing = True
        log.error("sync round failed: %s", exc, exc_info=exc)
        self._show(replace(self.view, error=f"sync failed here: {exc}"))
        if not self._stopped:
            self._timer.start(int(self.backoff.failed() * 1000))

    def _pull_reference(self) -> None:
        target = self._target()
        if self._stopped or self.bulk is None or target is None or self._pulling:
            return
        self._pulling = True

        def done(pulled: ReferencePulled) -> None:
            self._pulling = False
            if pulled.records:
                log.info("sync: %d reference record(s) in %d page(s)", pulled.records, pulled.pages)
            if not pulled.complete:
                self._pull_reference()  # the next pages: one bounded piece at a time

        def failed(exc: BaseException) -> None:
            self._pulling = False
            level = logging.WARNING if isinstance(exc, SyncError) else logging.ERROR
            log.log(level, "sync: reference pull: %s", exc)

        self.bulk.run(ReferencePullOp(target, target.key), "reference pull").on_success(done).on_failure(
            failed
        )

    def _show(self, view: SyncView) -> None:
        self.view = view
        self.status.emit(view)
