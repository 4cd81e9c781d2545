"""The hub's values and its engine-free rules: reading a batch, judging an audit chain, receipts.

Both storages (PostgreSQL, SQLite) call these inside their transaction, so the two cannot
disagree on what is accepted, what is a conflict, or when a chain is broken.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from workstation.core.audit import GENESIS_HASH, AuditEntry, entry_hash_fast
from workstation.core.errors import Invalid
from workstation.core.messages import Message, from_dict

MAX_EVENTS = 500
MAX_AUDIT = 5000
AUDIT_FIELDS = (
    "seq", "at", "kind", "actor", "bench_id", "subject", "record_sha256", "detail", "prev_hash", "hash",
)  # fmt: skip


def hub_time() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Incoming:
    """One event of a batch as read: either canonical (`payload`) or refused (`reason`)."""

    kind: str
    event_id: str
    payload: str  # canonical JSON when good; the text as received when refused
    payload_sha256: str
    reason: str | None = None
    # The decoded message of a good event: what the review projection is made from.
    message: Message | None = field(default=None, compare=False, repr=False)

    @property
    def good(self) -> bool:
        return self.reason is None

    def refused(self, reason: str) -> Incoming:
        """This event refused by a hub rule: it goes to `rejections` with the reason, never to `events`."""
        return replace(self, reason=reason, message=None)


@dataclass(frozen=True)
class EventResult:
    event_id: str
    kind: str
    status: str  # accepted, duplicate, conflict, rejected
    reason: str | None = None
    hub_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"event_id": self.event_id, "kind": self.kind, "status": self.status}
        if self.hub_seq is not None:
            d["hub_seq"] = self.hub_seq
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    receipt: str = ""


GENESIS = Anchor(0, GENESIS_HASH)


@dataclass(frozen=True)
class AnchorResult:
    status: str  # anchored, unchanged, gap, broken
    seq: int
    hash: str
    receipt: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"status": self.status, "seq": self.seq, "hash": self.hash}
        if self.receipt is not None:
            d["receipt"] = self.receipt
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class UploadOutcome:
    results: list[EventResult]
    anchor: AnchorResult


@dataclass(frozen=True)
class Page:
    """A page of reference records or officers, and the cursor after it."""

    records: list[dict[str, Any]]
    cursor: int
    more: bool
    max_seq: int
    horizon: int  # how many withdrawals the hub has made: a cursor from before one is expired


class CursorExpired(Exception):
    """The cursor is older than what the hub keeps: start again from 0."""


class StorageUnavailable(Exception):
    """The database cannot be reached now (down, restarting, pool exhausted): try again later."""


# -- reading a batch --------------------------------------------------------------------------


def _refused(raw: Any, bench: str, reason: str) -> Incoming:
    kind = raw.get("kind") if isinstance(raw, dict) else None
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    text = (raw if isinstance(raw, str) else _loose_json(raw)).replace("\x00", "\ufffd")
    return Incoming(  # kept as text a database can hold: no NUL characters
        kind.replace("\x00", "\ufffd") if isinstance(kind, str) else "",
        event_id.replace("\x00", "\ufffd") if isinstance(event_id, str) else "",
        text,
        sha256_text(text),
        reason,
    )


def _loose_json(raw: Any) -> str:
    import json

    try:
        return json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    except ValueError:
        return repr(raw)


# What a bench's own tools write before or beside the bench program: the first officer, added at
# the first start before a bench id exists ("bootstrap"), `workstation officers` ("cli"), the
# demo's officers ("demo"), the daily backup made before anyone signs in (""). The device token
# still says which bench sent them; they are stored under that bench.
LOCAL_TOOLS = frozenset({"bootstrap", "cli", "demo", ""})


def read_event(raw: Any, bench: str) -> Incoming:
    """One message of a batch, decoded and checked; a refusal names the field."""
    if not isinstance(raw, dict):
        return _refused(raw, bench, "a message is a JSON object")
    try:
        message = from_dict(raw)
        # The canonical JSON of the message as sent (a bench sends `encode`'s output, so this is
        # the same text): what a duplicate is compared by, without encoding the message again.
        payload = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except Invalid as exc:
        return _refused(raw, bench, str(exc))
    except ValueError as exc:  # NaN or infinity in the JSON
        return _refused(raw, bench, f"not canonical JSON: {exc}")
    if "\x00" in message.event_id:
        # PostgreSQL text cannot hold it: refused here, or the batch would fail whole, again and again.
        return _refused(raw, bench, "event_id: a NUL character (\\u0000) cannot be stored")
    if message.bench_id != bench and message.bench_id not in LOCAL_TOOLS:
        return _refused(raw, bench, f"bench_id: {message.bench_id!r} is not this device's bench ({bench!r})")
    return Incoming(message.KIND, message.event_id, payload, sha256_text(payload), message=message)


def read_events(raws: Sequence[Any], bench: str) -> list[Incoming]:
    return [read_event(raw, bench) for raw in raws]


def classify(
    incoming: Sequence[Incoming],
    inserted: Mapping[tuple[str, str], int],
    existing: Mapping[tuple[str, str], str],
) -> tuple[list[EventResult], list[Incoming]]:
    """Each event's result in batch order, and the conflicting ones to keep aside.

    `inserted` maps the keys stored now to their hub_seq; `existing` maps the other keys to the
    payload hash stored before.
    """
    results: list[EventResult] = []
    conflicts: list[Incoming] = []
    taken: set[tuple[str, str]] = set()
    for ev in incoming:
        key = (ev.kind, ev.event_id)
        if not ev.good:
            results.append(EventResult(ev.event_id, ev.kind, "rejected", ev.reason))
        elif key in inserted and key not in taken:
            taken.add(key)
            results.append(EventResult(ev.event_id, ev.kind, "accepted", hub_seq=inserted[key]))
        else:
            stored = existing.get(key)
            if stored is None and key in taken:
                stored = next(e.payload_sha256 for e in incoming if (e.kind, e.event_id) == key and e.good)
            if stored == ev.payload_sha256:
                results.append(EventResult(ev.event_id, ev.kind, "duplicate"))
            else:
                conflicts.append(ev)
                results.append(
                    EventResult(
                        ev.event_id,
                        ev.kind,
                        "conflict",
                        f"{ev.kind} {ev.event_id} arrived before with a different payload; "
                        "this one is kept aside on the hub",
                    )
                )
    return results, conflicts


# -- audit anchors ----------------------------------------------------------------------------


def read_audit(raws: Sequence[Any]) -> list[AuditEntry]:
    """The batch's audit entries; Invalid naming the entry and field for anything malformed."""
    entries = []
    for n, raw in enumerate(raws):
        if not isinstance(raw, dict):
            raise Invalid({f"audit[{n}]": "an audit entry is a JSON object"})
        for name in AUDIT_FIELDS:
            value = raw.get(name)
            ok = (
                isinstance(value, int) and not isinstance(value, bool)
                if name == "seq"
                else isinstance(value, str)
            )
            if not ok:
                raise Invalid({f"audit[{n}].{name}": "missing or of the wrong type"})
        entries.append(AuditEntry(**{name: raw[name] for name in AUDIT_FIELDS}))
    return entries


def receipt(secret: str, bench: str, seq: int, entry_hash: str) -> str:
    """HMAC-SHA256 under the hub's secret over `bench:seq:hash`: the hub can check it again."""
    return hmac.new(secret.encode(), f"{bench}:{seq}:{entry_hash}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """What the hub makes of the batch's audit entries: the status, and the entries to store."""

    status: str  # anchored, unchanged, gap, broken
    new_entries: list[AuditEntry]
    reason: str | None = None


def judge_chain(
    anchor: Anchor, entries: Sequence[AuditEntry], stored_hash: Callable[[int], str | None]
) -> Verdict:
    """Does the batch's chain continue from the hub's anchor?

    Entries the hub already holds (seq <= anchor, a batch sent again) must be what it holds;
    the first new one must link to the anchor, and each next to the one before.
    """
    if not entries:
        return Verdict("unchanged", [])
    prev_hash: str | None = None
    expected = entries[0].seq
    new: list[AuditEntry] = []
    for e in entries:
        if e.seq != expected:
            return Verdict("broken", [], f"audit entry {e.seq} is out of sequence (expected {expected})")
        if prev_hash is not None and e.prev_hash != prev_hash:
            return Verdict("broken", [], f"audit entry {e.seq} does not link to entry {e.seq - 1}")
        if entry_hash_fast(e.prev_hash, e) != e.hash:
            return Verdict("broken", [], f"audit entry {e.seq}'s hash does not match its content")
        if e.seq <= anchor.seq:
            held = stored_hash(e.seq)
            if held is not None and held != e.hash:
                return Verdict(
                    "broken",
                    [],
                    f"audit entry {e.seq} differs from the one the hub holds (anchored at {anchor.seq}): "
                    "the chain was rewritten after it was anchored",
                )
        elif e.seq == anchor.seq + 1:
            if e.prev_hash != anchor.hash:
                return Verdict(
                    "broken",
                    [],
                    f"audit entry {e.seq} does not continue from the anchored entry {anchor.seq}: "
                    "the chain was cut or rewritten after it was anchored",
                )
            new.append(e)
        else:
            new.append(e)
        prev_hash = e.hash
        expected += 1
    # Ahead of the anchor (entries missing between), or only older entries: resend from seq + 1.
    if entries[0].seq > anchor.seq + 1 or entries[-1].seq < anchor.seq:
        return Verdict("gap", [])
    return Verdict("anchored", new)
