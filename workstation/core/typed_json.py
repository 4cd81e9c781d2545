"""Parsed JSON into typed dataclasses, compiled once per type: the sync's messages and the review's
wire types both decode through a `Decoder`.

Each field type gets a converter once (resolving type hints is slow), and a converter raises `Bad`
without building any path; the path is put together only on the way out of a refusal, so good
input costs no string formatting. A field with a default may be missing (a message written before
the field existed). Callers choose the scalars (what a time must look like) and whether an
unknown field is refused.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from datetime import date
from typing import Any, Union

Converter = Callable[[Any], Any]


class Bad(Exception):
    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where  # the path below the value the converter was for: ".x", "[2]", ...


def scalar(check: Callable[[Any], bool], reason: str, make: Callable[[Any], Any] | None = None) -> Converter:
    def convert(raw: Any) -> Any:
        if not check(raw):
            raise Bad(reason)
        return raw if make is None else make(raw)

    return convert


def _to_date(raw: Any) -> date:
    if not isinstance(raw, str):
        raise Bad("expected an ISO date")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise Bad(f"not an ISO date: {exc}") from None


def _to_none(raw: Any) -> None:
    if raw is not None:
        raise Bad("expected null")


# What every decoder takes the same way; a decoder adds its own (its times, durations, Any).
COMMON_SCALARS: dict[Any, Converter] = {
    bool: scalar(lambda r: isinstance(r, bool), "expected true or false"),
    int: scalar(lambda r: isinstance(r, int) and not isinstance(r, bool), "expected a whole number"),
    float: scalar(
        lambda r: isinstance(r, int | float) and not isinstance(r, bool), "expected a number", float
    ),
    str: scalar(lambda r: isinstance(r, str), "expected text"),
    date: _to_date,
    type(None): _to_none,
}


class Decoder:
    """Converters for dataclasses, unions, lists, tuples and str-keyed dicts over `scalars`."""

    def __init__(self, scalars: Mapping[Any, Converter], *, refuse_unknown_fields: bool) -> None:
        self.scalars = {**COMMON_SCALARS, **scalars}
        self.refuse_unknown_fields = refuse_unknown_fields
        self.converter: Callable[[Any], Converter] = functools.cache(self._converter)
        self.struct: Callable[[Any], Converter] = functools.cache(self._struct)

    def _converter(self, hint: Any) -> Converter:
        if hint in self.scalars:
            return self.scalars[hint]
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (Union, types.UnionType):
            nullable = type(None) in args
            choices = tuple(self.converter(a) for a in args if a is not type(None))

            def union(raw: Any) -> Any:
                if raw is None and nullable:
                    return None
                last: Bad | None = None
                for choice in choices:
                    try:
                        return choice(raw)
                    except Bad as exc:
                        last = exc
                raise last or Bad("null is not allowed here")

            return union
        if origin in (list, tuple):
            item = self.converter(args[0])
            make = list if origin is list else tuple

            def sequence(raw: Any) -> Any:
                if not isinstance(raw, list):
                    raise Bad("expected a list")
                out = []
                for n, v in enumerate(raw):
                    try:
                        out.append(item(v))
                    except Bad as exc:
                        raise Bad(exc.reason, f"[{n}]{exc.where}") from None
                return make(out)

            return sequence
        if origin is dict:
            value = self.converter(args[1])

            def mapping(raw: Any) -> dict[str, Any]:
                if not isinstance(raw, dict):
                    raise Bad("expected an object")
                out = {}
                for k, v in raw.items():
                    try:
                        out[str(k)] = value(v)
                    except Bad as exc:
                        raise Bad(exc.reason, f".{k}{exc.where}") from None
                return out

            return mapping
        if isinstance(hint, type) and is_dataclass(hint):
            return self.struct(hint)
        raise TypeError(f"no codec for {hint!r}")  # a programming error, not bad input

    def _struct(self, cls: Any) -> Converter:  # a dataclass type (Any: mypy takes type[Any] as unhashable)
        hints = typing.get_type_hints(cls)
        typed = tuple((f.name, self.converter(hints[f.name])) for f in fields(cls))
        names = frozenset(f.name for f in fields(cls))
        optional = frozenset(
            f.name for f in fields(cls) if f.default is not MISSING or f.default_factory is not MISSING
        )
        refuse_unknown = self.refuse_unknown_fields

        def build(raw: Any) -> Any:
            if not isinstance(raw, dict):
                raise Bad("expected an object")
            if refuse_unknown and not names.issuperset(raw):
                raise Bad("unknown field", "." + sorted(set(raw) - names)[0])
            values = {}
            for name, convert in typed:
                if name not in raw:
                    if name in optional:
                        continue
                    raise Bad("missing", "." + name)
                try:
                    values[name] = convert(raw[name])
                except Bad as exc:
                    raise Bad(exc.reason, f".{name}{exc.where}") from None
            return cls(**values)

        return build
