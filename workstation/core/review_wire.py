"""The supervisor review's types (core/review.py) as JSON, for the hub's read endpoints and its client.

`to_wire(value)` gives JSON-ready values: a dataclass is an object of its fields, a time ISO 8601
with its offset, a date ISO, a duration whole microseconds, a tuple a list. `from_wire(cls, data)`
is the inverse for any of the review's dataclasses (and lists of them), and refuses anything else
with Invalid naming the field, so a reply that is not what the protocol says never becomes a
half-built value. `from_wire(cls, json.loads(json.dumps(to_wire(v)))) == v` for every value.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workstation.core.errors import Invalid

T = TypeVar("T")


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
        return typing.cast(T, _converter(typing.cast(Any, cls))(data))
    except _Bad as exc:
        raise Invalid({exc.where.lstrip(".") or getattr(cls, "__name__", "value"): exc.reason}) from None


def list_from_wire(cls: type[T], data: Any) -> list[T]:
    """A list of `cls` values."""
    if not isinstance(data, list):
        raise Invalid({"": "expected a list"})
    out = []
    for n, item in enumerate(data):
        try:
            out.append(typing.cast(T, _converter(typing.cast(Any, cls))(item)))
        except _Bad as exc:
            raise Invalid({f"[{n}]{exc.where}": exc.reason}) from None
    return out


class _Bad(Exception):
    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


def _datetime(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise _Bad("expected an ISO 8601 time")
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise _Bad(f"{raw!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise _Bad(f"{raw!r} has no time zone")
    return at


def _date(raw: Any) -> date:
    if not isinstance(raw, str):
        raise _Bad("expected an ISO date")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _Bad(f"{raw!r} is not an ISO date") from None


def _duration(raw: Any) -> timedelta:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise _Bad("expected whole microseconds")
    return timedelta(microseconds=raw)


def _check(kind: type, reason: str) -> Any:
    def convert(raw: Any) -> Any:
        if not isinstance(raw, kind) or (kind is not bool and isinstance(raw, bool)):
            raise _Bad(reason)
        return raw

    return convert


def _float(raw: Any) -> float:
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        raise _Bad("expected a number")
    return float(raw)


def _anything(raw: Any) -> Any:
    return raw


def _none(raw: Any) -> None:
    if raw is not None:
        raise _Bad("expected null")


_SCALARS: dict[Any, Any] = {
    str: _check(str, "expected text"),
    int: _check(int, "expected a whole number"),
    bool: _check(bool, "expected true or false"),
    float: _float,
    datetime: _datetime,
    date: _date,
    timedelta: _duration,
    Any: _anything,
    type(None): _none,
}


@functools.cache
def _converter(hint: Any) -> Any:
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        nullable = type(None) in args
        choices = [_converter(a) for a in args if a is not type(None)]

        def union(raw: Any) -> Any:
            if raw is None and nullable:
                return None
            last: _Bad = _Bad("null is not allowed here")
            for choice in choices:
                try:
                    return choice(raw)
                except _Bad as exc:
                    last = exc
            raise last

        return union
    if origin in (list, tuple):
        item = _converter(args[0])
        make = list if origin is list else tuple

        def sequence(raw: Any) -> Any:
            if not isinstance(raw, list):
                raise _Bad("expected a list")
            out = []
            for n, v in enumerate(raw):
                try:
                    out.append(item(v))
                except _Bad as exc:
                    raise _Bad(exc.reason, f"[{n}]{exc.where}") from None
            return make(out)

        return sequence
    if origin is dict:
        value = _converter(args[1])

        def mapping(raw: Any) -> dict[str, Any]:
            if not isinstance(raw, dict):
                raise _Bad("expected an object")
            out = {}
            for k, v in raw.items():
                try:
                    out[str(k)] = value(v)
                except _Bad as exc:
                    raise _Bad(exc.reason, f".{k}{exc.where}") from None
            return out

        return mapping
    if isinstance(hint, type) and is_dataclass(hint):
        return _struct(hint)
    raise TypeError(f"no wire form for {hint!r}")


def _struct(cls: type[Any]) -> Any:
    hints = typing.get_type_hints(cls)
    typed = [(f.name, _converter(hints[f.name]), f) for f in fields(cls)]

    def build(raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise _Bad("expected an object")
        values = {}
        for name, convert, f in typed:
            if name not in raw:
                if f.default is not MISSING or f.default_factory is not MISSING:  # has a default
                    continue
                raise _Bad("missing", "." + name)
            try:
                values[name] = convert(raw[name])
            except _Bad as exc:
                raise _Bad(exc.reason, f".{name}{exc.where}") from None
        return cls(**values)

    return build
