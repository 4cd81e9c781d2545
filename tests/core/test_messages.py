"""The outbox's messages: every kind round-trips exactly through its JSON, and decode refuses the rest."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Any, Union

import pytest
from hostile_text import HOSTILE_SHORT
from hypothesis import given
from hypothesis import strategies as st

from workstation.core.errors import Invalid
from workstation.core.messages import (
    MESSAGE_TYPES,
    InspectionPart,
    InspectionRecorded,
    Message,
    OfficerChanged,
    SecurityEvent,
    decode,
    encode,
)

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), HOSTILE_SHORT
)


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a message field's type, hostile text for every text field."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return st.one_of(*(strategy(a) for a in typing.get_args(hint)))
    if origin is tuple:
        return st.lists(strategy(typing.get_args(hint)[0]), max_size=4).map(tuple)
    if origin is dict:
        return st.dictionaries(HOSTILE_SHORT, SCALARS, max_size=4)
    if is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return st.builds(hint, **{f.name: strategy(hints[f.name]) for f in fields(hint)})
    return {
        type(None): st.none(),
        str: HOSTILE_SHORT,
        int: st.integers(),
        float: st.floats(allow_nan=False, allow_infinity=False),
        bool: st.booleans(),
        datetime: st.datetimes(timezones=st.just(UTC)),
        date: st.dates(),
    }[hint]


messages = st.sampled_from(sorted(MESSAGE_TYPES.values(), key=lambda c: c.KIND)).flatmap(strategy)


@given(messages)
def test_every_kind_round_trips_exactly(message: Message) -> None:
    text = encode(message)
    back = decode(text)
    assert back == message
    assert type(back) is type(message)
    assert encode(back) == text  # canonical: the same message, the same bytes


@given(messages)
def test_the_wire_is_typed(message: Message) -> None:
    data = json.loads(encode(message))
    assert (data["kind"], data["v"]) == (message.KIND, message.VERSION)
    assert isinstance(data["audit_seq"], int)
    assert data["at"].endswith("+00:00")
    if "inspection" in data:
        part = data["inspection"]
        assert isinstance(part["exam_types"], list)
        assert isinstance(part["manifest_found"], bool)
        assert isinstance(part["targeted"], bool)


def test_an_officer_message_has_no_place_for_a_hash() -> None:
    names = {f.name for f in fields(OfficerChanged)}
    assert not {n for n in names if "hash" in n and n != "audit_hash"}


def _inspection() -> InspectionRecorded:
    part = InspectionPart(
        "RB1", None, "O1", "Olga", "s1", "released", ("xray",), "", True, 3, None, False, None, None, ""
    )
    return InspectionRecorded("id-1", "B1", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "O1", 7, "ab", part)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(kind="nonsense"), "kind"),
        (lambda d: d.update(v=2), "v"),
        (lambda d: d.update(v=True), "v"),
        (lambda d: d.pop("bench_id"), "bench_id"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.update(audit_seq="7"), "audit_seq"),
        (lambda d: d.update(audit_seq=True), "audit_seq"),
        (lambda d: d.update(at="2026-03-02T09:00:00"), "at"),
        (lambda d: d.update(at="2026-03-02T09:00:00+01:00"), "at"),
        (lambda d: d["inspection"].update(exam_types="xray"), "inspection.exam_types"),
        (lambda d: d["inspection"].update(manifest_found=1), "inspection.manifest_found"),
        (lambda d: d["inspection"].update(risk_score=1.5), "inspection.risk_score"),
    ],
)
def test_decode_refuses_a_malformed_message_naming_the_field(change: Any, field: str) -> None:
    data = json.loads(encode(_inspection()))
    change(data)
    with pytest.raises(Invalid) as err:
        decode(json.dumps(data))
    assert field in err.value.errors


@pytest.mark.parametrize("text", ["", "[]", "not json", '{"kind": 1}', b"\xff"])
def test_decode_refuses_what_is_not_a_message(text: str | bytes) -> None:
    with pytest.raises(Invalid):
        decode(text)


def test_encode_refuses_a_naive_time_and_nan() -> None:
    with pytest.raises(Invalid):
        encode(InspectionRecorded("i", "B1", datetime(2026, 3, 2), "O1", 0, "", _inspection().inspection))
    nan = SecurityEvent("e", "B1", datetime.now(UTC), "O1", 0, "", "lock", {"x": float("nan")})
    with pytest.raises(Invalid):
        encode(nan)
