"""One sync round of the bench: what waits in the outbox goes to the hub, oldest first. Qt-free.

A round sends batches of up to `batch_size` (at most 500) messages, each with the audit entries
after the hub's last anchor for this bench (at most 5,000; a batch with no messages catches the
chain up). A photo is uploaded, by its SHA-256, before the batch holding the `PhotoTaken`
message that names it. The hub's answer decides each message: accepted or duplicate -> sent;
conflict or rejected -> the dead-letter list with the hub's reason. The anchor the hub returns is
kept (records file and the copy beside it); a gap resends from the hub's anchor; a broken chain
is recorded and logged loudly, and events keep flowing.

Everything a round needs is in the records file, so a restarted bench resumes where it stopped:
a batch whose reply was lost is sent again and comes back `duplicate`. Call `round()` from a
worker thread that owns the store's connection; it never touches Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from workstation.core.audit import GENESIS_HASH, AuditEntry
from workstation.core.errors import NotFound
from workstation.core.messages import Message, PhotoTaken
from workstation.logs import FILE_ONLY
from workstation.store import audit
from workstation.store.outbox import Encoded
from workstation.store.photos import PhotoIntegrityError
from workstation.store.records import RecordsStore
from workstation.store.sync_state import HubAnchor
from workstation.sync.errors import HubBusy, HubUnreachable, SyncError

log = logging.getLogger(__name__)

MAX_BATCH = 500
MAX_AUDIT_ENTRIES = 5000
SENT_STATUSES = frozenset({"accepted", "duplicate"})
DEAD_STATUSES = frozenset({"conflict", "rejected"})


class EventResultLike(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


class AnchorReplyLike(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def receipt(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...


class UploadReplyLike(Protocol):
    @property
    def results(self) -> Sequence[EventResultLike]: ...
    @property
    def anchor(self) -> AnchorReplyLike | None: ...
    @property
    def hub_time(self) -> Any: ...


class UploadClient(Protocol):
    """What a round needs of `workstation.sync.client.HubClient`."""

    def send_encoded(
        self, bench: str, payloads: Sequence[str], audit: Sequence[AuditEntry]
    ) -> UploadReplyLike: ...

    def upload_photo(self, sha256: str, data: bytes, chunk_size: int = ...) -> Any: ...


def hub_datetime(value: Any) -> datetime | None:
    """The hub's clock as an aware datetime, from the reply's ISO text (or a datetime)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class RoundReport:
    """What a round changed, and where it stopped."""

    sent: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    pending: int = 0
    photos_uploaded: int = 0
    batches: int = 0
    anchor: HubAnchor | None = None
    anchor_status: str | None = None
    anchor_problem: str | None = None
    skew_seconds: float | None = None
    clock_warning: str | None = None
    # Set when the round stopped on a failure; what was acknowledged before it stays acknowledged.
    error: SyncError | None = None
    dead_letter_ids: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def offline(self) -> bool:
        return isinstance(self.error, HubUnreachable)

    @property
    def retry_after(self) -> float | None:
        return self.error.retry_after if isinstance(self.error, HubBusy) else None


@dataclass(frozen=True)
class _Messages:
    """Messages read ahead: as stored, queued after `after`, with their photos' bytes."""

    pending: list[Encoded]
    photos: list[tuple[str, bytes]]
    after: int


@dataclass(frozen=True)
class _Batch:
    """One upload: its messages as stored, the audit entries after `before`, its photos' bytes."""

    pending: list[Encoded]
    entries: list[AuditEntry]
    before: HubAnchor  # the anchor the entries continue from
    photos: list[tuple[str, bytes]]


class _Tally:
    def __init__(self) -> None:
        self.sent = self.duplicates = self.dead = self.photos = self.batches = 0
        self.dead_ids: list[str] = []
        self.anchor_status: str | None = None
        self.skew: float | None = None


class Sender:
    """Sends the outbox of one records store to one hub."""

    def __init__(
        self,
        store: RecordsStore,
        client: UploadClient,
        bench_id: str,
        *,
        batch_size: int = MAX_BATCH,
        max_clock_skew_seconds: float = 120.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} messages, not {batch_size}")
        self.store = store
        self.client = client
        self.bench_id = bench_id
        self.batch_size = batch_size
        self.max_clock_skew_seconds = max_clock_skew_seconds
        self._now = now or (lambda: datetime.now(UTC))

    def round(self) -> RoundReport:
        """Send everything waiting (and the audit chain's tail); never raises a SyncError, reports it."""
        tally = _Tally()
        state = self.store.sync_state
        try:
            self._send_all(tally)
        except SyncError as exc:
            reason = _reason(exc)
            state.failed(reason, offline=isinstance(exc, HubUnreachable))
            # The log file's; whoever called the round shows the failure its own way (status, stderr).
            log.warning("sync: %s (%d waiting)", reason, self.store.outbox.count(), extra=FILE_ONLY)
            return self._report(tally, exc)
        state.succeeded(tally.skew)
        return self._report(tally, None)

    def _report(self, tally: _Tally, error: SyncError | None) -> RoundReport:
        status = self.store.sync_state.status()
        warning = None
        if tally.skew is not None and abs(tally.skew) > self.max_clock_skew_seconds:
            warning = (
                f"this bench's clock is {abs(tally.skew):.0f} s "
                f"{'ahead of' if tally.skew > 0 else 'behind'} the hub's "
                f"(more than {self.max_clock_skew_seconds:g} s): set the clock right"
            )
        return RoundReport(
            sent=tally.sent,
            duplicates=tally.duplicates,
            dead_lettered=tally.dead,
            pending=self.store.outbox.count(),
            photos_uploaded=tally.photos,
            batches=tally.batches,
            anchor=status.anchor,
            anchor_status=tally.anchor_status,
            anchor_problem=status.anchor_problem,
            skew_seconds=tally.skew,
            clock_warning=warning,
            error=error,
            dead_letter_ids=tuple(tally.dead_ids),
        )

    # -- the batches ----------------------------------------------------------------------------

    def _send_all(self, tally: _Tally) -> None:
        """Batch after batch, oldest first, as a two-stage pipeline on two threads.

        A batch goes only once the hub has answered the one before it, so the hub gets them in
        the bench's order and a failed send ends the round with nothing after it sent. Its audit
        entries start from the anchor in that answer. While it is on the wire, this thread (the
        store's) settles the answer before it (sent, dead letters, the anchor kept) and reads the
        next messages and their photos: the bench's own work hides behind the hub's.
        """
        audit_stuck = False
        anchor = self._anchor_now()
        messages = self._read_messages(after=0)
        entries = audit.entries_after(self.store.conn, anchor.seq, MAX_AUDIT_ENTRIES)
        if not messages.pending and not entries:
            return
        batch = _Batch(messages.pending, entries, anchor, messages.photos)
        with ThreadPoolExecutor(1, thread_name_prefix="workstation-sync-send") as wire:
            in_flight = wire.submit(self._transmit, batch)
            while True:
                after = batch.pending[-1].id if batch.pending else messages.after
                messages = self._read_messages(after)  # while the hub works on this batch
                reply, uploaded = in_flight.result()  # a SyncError ends the round here
                # Where the chain stands at the hub, from its answer: the next batch continues there.
                held = reply.anchor
                if held is not None and held.status in ("anchored", "unchanged"):
                    anchor = HubAnchor(int(held.seq), str(held.hash))
                elif batch.entries:
                    audit_stuck = True  # a gap or a break: no more entries this round; events still go
                entries = (
                    [] if audit_stuck else audit.entries_after(self.store.conn, anchor.seq, MAX_AUDIT_ENTRIES)
                )
                following = (
                    _Batch(messages.pending, entries, anchor, messages.photos)
                    if messages.pending or entries
                    else None
                )
                queued = wire.submit(self._transmit, following) if following is not None else None
                # Settle this answer while the next batch is on the wire.
                tally.photos += uploaded
                tally.batches += 1
                self._clock_skew(reply.hub_time, tally)
                done = self._apply_results(batch.pending, reply.results, tally)
                if batch.pending and not done:
                    raise SyncError(f"the hub acknowledged none of the {len(batch.pending)} messages sent")
                moved = self._apply_anchor(reply.anchor, batch.before, batch.entries, tally)
                if batch.entries and not moved:
                    audit_stuck = True  # the chain cannot be caught up this round: events still go
                if following is None or queued is None:
                    return
                batch, in_flight = following, queued

    def _anchor_now(self) -> HubAnchor:
        return self.store.sync_state.anchor() or HubAnchor(0, GENESIS_HASH)

    def _read_messages(self, after: int) -> _Messages:
        """Up to a batch of messages queued after `after`, as stored, and their photos' bytes."""
        # As stored: the outbox holds each message's canonical JSON, sent as it is.
        pending = self.store.outbox.pending_encoded(self.batch_size, after=after)
        photos = self._read_photos([p.message() for p in pending if p.kind == PhotoTaken.KIND])
        return _Messages(pending, photos, after)

    def _read_photos(self, messages: Sequence[Message]) -> list[tuple[str, bytes]]:
        """Each photo's bytes, read and checked here (the store's thread), uploaded by the sender."""
        photos = []
        for m in messages:
            if not isinstance(m, PhotoTaken):
                continue
            try:
                photos.append((m.sha256, self.store.read_photo(m.event_id)))
            except (PhotoIntegrityError, NotFound) as exc:
                # The record still goes: holding it back would hold every later record back too.
                # The evidence that did not go up is kept in view (scan bar, `sync status`).
                problem = f"photo {m.event_id} was not uploaded: {exc}"
                log.error("sync: %s", problem)
                self.store.sync_state.photo_problem(problem)
        return photos

    def _transmit(self, batch: _Batch) -> tuple[UploadReplyLike, int]:
        """On the sending thread: the batch's photos, then the batch."""
        for sha256, data in batch.photos:
            self.client.upload_photo(sha256, data)
        reply = self.client.send_encoded(self.bench_id, [p.payload for p in batch.pending], batch.entries)
        return reply, len(batch.photos)

    def _apply_results(
        self, pending: Sequence[Any], results: Sequence[EventResultLike], tally: _Tally
    ) -> int:
        """Mark the acknowledged sent and the refused dead; how many of the batch were settled."""
        by_key = {(p.kind, p.event_id): p.id for p in pending}
        sent: list[int] = []
        dead: list[tuple[int, str, str]] = []
        for r in results:
            seq = by_key.get((r.kind, r.event_id))
            if seq is None:
                log.warning("sync: the hub answered for %s %s, which was not sent", r.kind, r.event_id)
                continue
            if r.status in SENT_STATUSES:
                sent.append(seq)
                if r.status == "duplicate":
                    tally.duplicates += 1
                else:
                    tally.sent += 1
            elif r.status in DEAD_STATUSES:
                reason = r.reason or f"the hub answered {r.status} without a reason"
                dead.append((seq, r.status, reason))
                tally.dead_ids.append(r.event_id)
                log.error("sync: the hub refused %s %s (%s): %s", r.kind, r.event_id, r.status, reason)
            else:
                log.warning(
                    "sync: unknown status %r for %s %s; it stays waiting", r.status, r.kind, r.event_id
                )
        if len(results) != len(pending):
            log.warning(
                "sync: %d messages sent, %d results back; the rest stay waiting", len(pending), len(results)
            )
        self.store.outbox.mark_sent(sent)
        tally.dead += self.store.outbox.dead_letter(dead)
        return len(sent) + len(dead)

    def _apply_anchor(
        self,
        reply: AnchorReplyLike | None,
        before: HubAnchor,
        entries: Sequence[AuditEntry],
        tally: _Tally,
    ) -> bool:
        """Keep what the hub says of the chain; True when the anchor moved (catch-up can go on)."""
        state = self.store.sync_state
        if reply is None:
            return False
        tally.anchor_status = reply.status
        head_seq, _ = self.store.audit_head()
        hub = HubAnchor(int(reply.seq), str(reply.hash), reply.receipt or "")
        if reply.status in ("anchored", "unchanged"):
            if reply.status == "unchanged" and not hub.receipt and before.seq == hub.seq:
                hub = HubAnchor(hub.seq, hub.hash, before.receipt)
            state.store_anchor(hub)
            if reply.status == "anchored":
                state.anchor_problem(None)
            return hub.seq != before.seq
        if reply.status == "gap":
            local = audit.entry_at(self.store.conn, hub.seq) if hub.seq > 0 else None
            if hub.seq > head_seq:
                problem = (
                    f"the hub holds this bench's audit chain up to entry {hub.seq}, but the chain here "
                    f"ends at {head_seq}: entries after it were deleted on this bench"
                )
            elif hub.seq > 0 and (local is None or local.hash != hub.hash):
                problem = f"audit entry {hub.seq} here differs from the one the hub anchored: the chain was rewritten"
            else:
                state.store_anchor(hub)
                return hub.seq != before.seq
            state.store_anchor(hub)
            self._chain_problem(problem)
            return False
        if reply.status == "broken":
            if hub.seq > 0:
                state.store_anchor(hub)
            self._chain_problem(
                reply.reason or "the hub says this bench's audit chain does not continue from its anchor"
            )
            return False
        log.warning("sync: unknown anchor status %r", reply.status)
        return False

    def _chain_problem(self, problem: str) -> None:
        log.critical("sync: AUDIT CHAIN PROBLEM: %s; run 'workstation audit verify'", problem)
        self.store.sync_state.anchor_problem(problem)

    def _clock_skew(self, hub_time: Any, tally: _Tally) -> None:
        at = hub_datetime(hub_time)
        if at is None:
            return
        tally.skew = (self._now() - at).total_seconds()
        if abs(tally.skew) > self.max_clock_skew_seconds:
            log.warning(
                "sync: this bench's clock differs from the hub's by %.0f s (more than %g s)",
                tally.skew,
                self.max_clock_skew_seconds,
            )


def _reason(exc: SyncError) -> str:
    if isinstance(exc, HubUnreachable):
        return f"hub unreachable: {exc.reason}"
    if isinstance(exc, HubBusy):
        wait = f", retry after {exc.retry_after:g} s" if exc.retry_after is not None else ""
        return f"hub busy ({exc.status}{wait}): {exc.reason}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
