"""The supervisor review's types (core/review.py) as JSON, for the hub's read endpoints and its client.

`to_wire(value)` gives JSON-ready values: a dataclass is an object of its fields, a time ISO 8601
with its offset, a date ISO, a duration whole microseconds, a tuple a list. `from_wire(cls, data)`
is the inverse for any of the review's dataclasses (and lists of them), and refuses anything else
with Invalid naming the field, so a reply that is not what the protocol says never becomes a
half-built value. `from_wire(cls, json.loads(json.dumps(to_wire(v)))) == v` for every value.
"""

from __future__ import annotations

import re
import typing
from dataclasses import fields, is_dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workstation.core.errors import Invalid
from workstation.core.typed_json import Bad, Decoder

T = TypeVar("T")

# The header that carries a supervisor's session to the hub's read endpoints (docs/sync-protocol.md).
SESSION_HEADER = "X-Review-Session"


_OFFSET = re.compile(r"([+-])(\d\d):(\d\d)")


def zone_name(zone: tzinfo) -> str:
    """A facility zone on the wire: its IANA name, or a fixed offset "+HH:MM" (a machine without one)."""
    key = getattr(zone, "key", None)
    if isinstance(key, str):
        return key
    offset = zone.utcoffset(None)
    if offset is None:
        raise ValueError(f"the time zone {zone!r} has neither an IANA name nor a fixed offset")
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_from_name(text: str) -> tzinfo:
    """The inverse of `zone_name`; Invalid naming `zone` for anything else."""
    match = _OFFSET.fullmatch(text)
    if match:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        if offset >= timedelta(hours=24):
            raise Invalid({"zone": f"{text!r} is not a time zone offset"})
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            {"zone": f"{text!r} is not an IANA time zone (e.g. America/Chicago) or an offset +HH:MM"}
        ) from None


def to_wire(value: Any) -> Any:
    """JSON-ready values for a review value, a list of them, or anything JSON already takes."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a review time is timezone-aware")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value // timedelta(microseconds=1)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    raise TypeError(f"no wire form for {type(value).__name__}")


def from_wire(cls: type[T], data: Any) -> T:
    """The `cls` value `data` (parsed JSON) holds; Invalid naming the field when it does not."""
    try:
        return typing.cast(T, _DECODER.converter(typing.cast(Any, cls))(data))
    except Bad as exc:
        raise Invalid({exc.where.lstrip(".") or getattr(cls, "__name__", "value"): exc.reason}) from None


def list_from_wire(cls: type[T], data: Any) -> list[T]:
    """A list of `cls` values."""
    if not isinstance(data, list):
        raise Invalid({"": "expected a list"})
    convert = _DECODER.converter(typing.cast(Any, cls))
    out = []
    for n, item in enumerate(data):
        try:
            out.append(typing.cast(T, convert(item)))
        except Bad as exc:
            raise Invalid({f"[{n}]{exc.where}": exc.reason}) from None
    return out


def _datetime(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise Bad("expected an ISO 8601 time")
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise Bad(f"{raw!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise Bad(f"{raw!r} has no time zone")
    return at


def _duration(raw: Any) -> timedelta:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise Bad("expected whole microseconds")
    return timedelta(microseconds=raw)


# Times keep their offset; a field this side does not know is left out (a newer hub may add one).
_DECODER = Decoder(
    {datetime: _datetime, timedelta: _duration, Any: lambda raw: raw}, refuse_unknown_fields=False
)
