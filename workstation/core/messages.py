"""The outbox's messages: one frozen dataclass per kind of fact, versioned, typed, JSON on the wire.

They live in `core` (re-exported by `workstation.sync.messages`) because the store builds them
inside the write transaction that writes the fact, and `store` may not import `sync`.

Every message carries the event id (the record's UUID: with the kind, the permanent idempotency
key the hub deduplicates on), the bench that wrote it, when, who, and the audit entry that closed
the fact (`audit_seq`, `audit_hash`: the chain's head right after the fact, which covers all of
its rows). Fields are typed: sequences are lists on the wire, booleans booleans, times UTC
ISO-8601, dates ISO dates. An officer message never carries a password or PIN hash.

`encode` gives canonical JSON (sorted keys, UTF-8 kept); `decode(encode(m)) == m` for every
message, and `decode` refuses anything else with `Invalid` naming the field.
"""

from __future__ import annotations

import functools
import json
import typing
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypeVar

from workstation.core.errors import Invalid
from workstation.core.typed_json import Bad, Decoder

JsonScalar = str | int | float | bool | None

M = TypeVar("M", bound="Message")


@dataclass(frozen=True)
class Message:
    """What every message carries; `KIND` and `VERSION` go on the wire as `kind` and `v`."""

    KIND: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    event_id: str
    bench_id: str
    at: datetime  # aware; UTC on the wire
    actor: str
    audit_seq: int
    audit_hash: str

    def stamped(self: M, seq: int, entry_hash: str) -> M:
        """This message with the audit entry that closed its fact."""
        return replace(self, audit_seq=seq, audit_hash=entry_hash)


@dataclass(frozen=True)
class InspectionPart:
    """The inspection row every outcome message carries."""

    tracking_id: str
    barcode: str | None
    officer_badge: str
    officer_name: str
    shift_id: str
    outcome: str
    exam_types: tuple[str, ...]
    notes: str
    manifest_found: bool
    risk_score: int | None
    risk_lane: str | None
    targeted: bool
    agency: str | None
    supersedes: str | None  # a correction names the record it supersedes
    reason: str


@dataclass(frozen=True)
class InspectionRecorded(Message):
    KIND: ClassVar[str] = "inspection"
    inspection: InspectionPart


@dataclass(frozen=True)
class DetentionRecorded(Message):
    KIND: ClassVar[str] = "detention"
    inspection: InspectionPart
    reason: str
    agency_or_test: str
    detained_on: date
    notice_due: date
    decision_due: date


@dataclass(frozen=True)
class SeizedItemPart:
    description: str
    quantity: int
    msrp_per_unit: float
    domestic_value: float
    rights_holder: str
    recordation_number: str
    identifiers: str


@dataclass(frozen=True)
class SeizureRecorded(Message):
    KIND: ClassVar[str] = "seizure"
    inspection: InspectionPart
    violation: str
    law_cited: str
    storage_location: str
    total_msrp: float
    total_domestic_value: float
    items: tuple[SeizedItemPart, ...]
    photo_ids: tuple[str, ...]


@dataclass(frozen=True)
class PhotoTaken(Message):
    KIND: ClassVar[str] = "photo"
    file_name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class SeizureCountersigned(Message):
    """A supervisor's countersignature on a seizure, of this bench or another (`seizure_id`).

    `seizing_badge` is the seizing officer as the supervisor saw it, which the hub checks again;
    messages queued before it existed have none and decode with "".
    """

    KIND: ClassVar[str] = "countersignature"
    seizure_id: str
    supervisor_name: str
    seizing_badge: str = ""


@dataclass(frozen=True)
class SeizureReturned(Message):
    """A seizure sent back to the seizing officer for correction, with the supervisor's reason."""

    KIND: ClassVar[str] = "seizure_return"
    seizure_id: str
    seizing_badge: str
    supervisor_name: str
    reason: str


@dataclass(frozen=True)
class LookoutAdded(Message):
    """A facility lookout: `field` (tracking, shipper, ...) matching `pattern`, until `expires_at`."""

    KIND: ClassVar[str] = "lookout"
    field: str
    pattern: str
    reason: str
    expires_at: datetime  # aware; UTC on the wire
    supervisor_name: str


@dataclass(frozen=True)
class LookoutRemoved(Message):
    """`event_id` is the removal's own id; `lookout_id` the lookout it ends."""

    KIND: ClassVar[str] = "lookout_removal"
    lookout_id: str
    reason: str


@dataclass(frozen=True)
class InspectionVoided(Message):
    KIND: ClassVar[str] = "void"
    inspection_id: str
    reason: str


@dataclass(frozen=True)
class ShiftStarted(Message):
    KIND: ClassVar[str] = "shift"
    handed_over_from: str | None


@dataclass(frozen=True)
class ShiftEnded(Message):
    """`event_id` is the shift's id: a shift ends once."""

    KIND: ClassVar[str] = "shift_end"
    how: str


@dataclass(frozen=True)
class OfficerChanged(Message):
    """An officer added or changed, as the row now is, without its password or PIN hash."""

    KIND: ClassVar[str] = "officer"
    change: str  # officer_added, officer_disabled, role_changed, password_reset, pin_set, ...
    badge: str
    name: str
    role: str
    active: bool


@dataclass(frozen=True)
class SecurityEvent(Message):
    """An audit entry with no record row: sign-in failures, lockouts, unlocks, locks, backups."""

    KIND: ClassVar[str] = "security"
    event: str
    detail: dict[str, JsonScalar]


MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.KIND: cls
    for cls in (
        InspectionRecorded,
        DetentionRecorded,
        SeizureRecorded,
        PhotoTaken,
        SeizureCountersigned,
        SeizureReturned,
        LookoutAdded,
        LookoutRemoved,
        InspectionVoided,
        ShiftStarted,
        ShiftEnded,
        OfficerChanged,
        SecurityEvent,
    )
}


# -- encoding ---------------------------------------------------------------------------------


def utc_iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise Invalid({"at": "a time must be timezone-aware"})
    return at.astimezone(UTC).isoformat(timespec="microseconds")


@functools.cache
def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    names = _field_names(type(value)) if is_dataclass(value) and not isinstance(value, type) else None
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def to_dict(message: Message) -> dict[str, Any]:
    """The message as JSON-ready values, with its `kind` and version `v`."""
    body: dict[str, Any] = _plain(message)
    return {"kind": message.KIND, "v": message.VERSION, **body}


def encode(message: Message) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept; NaN and infinities refused."""
    try:
        return json.dumps(
            to_dict(message), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except ValueError as exc:
        raise Invalid({message.KIND: f"cannot be encoded: {exc}"}) from exc


# -- decoding ---------------------------------------------------------------------------------


def decode(text: str | bytes) -> Message:
    """The message a JSON text holds; Invalid naming the field for anything malformed."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid({"": f"not JSON: {exc}"}) from exc
    return from_dict(data)


def from_dict(data: Any) -> Message:
    """The message parsed JSON holds (as `json.loads` gives it); Invalid naming the field."""
    if not isinstance(data, dict):
        raise Invalid({"": "a message is a JSON object"})
    kind = data.get("kind")
    cls = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise Invalid({"kind": f"unknown message kind {kind!r}"})
    if data.get("v") != cls.VERSION or isinstance(data.get("v"), bool):
        raise Invalid({"v": f"{kind} messages of version {data.get('v')!r} are not understood here"})
    body = {k: v for k, v in data.items() if k not in ("kind", "v")}
    return typing.cast(Message, _build(cls, body, ""))


def _to_datetime(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise Bad("expected a UTC ISO-8601 time")
    try:
        at = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise Bad(f"not an ISO-8601 time: {exc}") from None
    offset = at.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise Bad("a time is in UTC (+00:00)")
    return at.astimezone(UTC)


# Times on the wire are UTC; a field the message type does not have is refused.
_DECODER = Decoder({datetime: _to_datetime}, refuse_unknown_fields=True)


def _build(cls: Any, data: Any, where: str) -> Any:
    try:
        return _DECODER.struct(cls)(data)
    except Bad as exc:
        path = f"{where}{exc.where}".lstrip(".")
        raise Invalid({path or cls.__name__: exc.reason}) from None
