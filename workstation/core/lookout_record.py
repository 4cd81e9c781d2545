"""A facility lookout as the hub's reference data carries it: one JSON body, written by the hub, read by the bench.

The hub publishes each lookout under the key `lookout:ID` with `record_type` "lookout"; a removal
publishes the same key again with `removed` true (docs/sync-protocol.md). The bench tells these
records from feed records by `record_type` and keeps them apart from the items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workstation.core.feed_record import RecordError
from workstation.core.review import LOOKOUT_FIELDS, Lookout

RECORD_TYPE = "lookout"
KEY_PREFIX = "lookout:"
_MAX_TEXT = 2000


@dataclass(frozen=True)
class LookoutReference:
    """A lookout record read: the lookout (None for a bare removal) and whether it was removed."""

    id: str
    lookout: Lookout | None
    removed: bool


def is_lookout_record(record: object) -> bool:
    return isinstance(record, dict) and record.get("record_type") == RECORD_TYPE


def lookout_key(lookout_id: str) -> str:
    return KEY_PREFIX + lookout_id


def lookout_body(lookout: Lookout, removed: bool = False) -> dict[str, Any]:
    """The reference record the hub publishes for a lookout."""
    return {
        "record_type": RECORD_TYPE,
        "id": lookout.id,
        "field": lookout.field,
        "pattern": lookout.pattern,
        "reason": lookout.reason,
        "expires_at": _iso(lookout.expires_at),
        "added_by": lookout.added_by,
        "added_at": _iso(lookout.added_at),
        "bench_id": lookout.bench_id,
        "removed": removed,
    }


def removal_body(lookout_id: str) -> dict[str, Any]:
    """A removal when the hub has no body of the lookout at hand: enough for a bench to stop flagging it."""
    return {"record_type": RECORD_TYPE, "id": lookout_id, "removed": True}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _text(record: Mapping[str, Any], name: str, *, allow_empty: bool = False) -> str:
    value = record.get(name)
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise RecordError(f"lookout {name}: expected text, got {value!r}"[:300])
    if len(value) > _MAX_TEXT:
        raise RecordError(f"lookout {name}: longer than {_MAX_TEXT} characters")
    return value


def _time(record: Mapping[str, Any], name: str) -> datetime:
    raw = _text(record, name)
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise RecordError(f"lookout {name}: {raw[:100]!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise RecordError(f"lookout {name}: {raw[:100]!r} has no time zone")
    return at.astimezone(UTC)


def read_lookout_record(record: Mapping[str, Any]) -> LookoutReference:
    """A lookout reference record checked; RecordError names the first field that is wrong."""
    lookout_id = _text(record, "id")
    removed = record.get("removed", False)
    if not isinstance(removed, bool):
        raise RecordError(f"lookout removed: expected true or false, got {removed!r}"[:300])
    if removed and "field" not in record:
        return LookoutReference(lookout_id, None, True)
    field = _text(record, "field")
    if field not in LOOKOUT_FIELDS:
        raise RecordError(f"lookout field: {field[:100]!r} is not one of {', '.join(LOOKOUT_FIELDS)}")
    lookout = Lookout(
        id=lookout_id,
        field=field,
        pattern=_text(record, "pattern"),
        reason=_text(record, "reason"),
        expires_at=_time(record, "expires_at"),
        added_by=_text(record, "added_by", allow_empty=True),
        added_at=_time(record, "added_at"),
        bench_id=_text(record, "bench_id", allow_empty=True),
    )
    return LookoutReference(lookout_id, lookout, removed)
