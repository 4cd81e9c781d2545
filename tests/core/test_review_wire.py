"""The review's types as JSON (core/review_wire.py): every value reads back equal; anything else
is refused with Invalid naming the field, never another exception."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.core.errors import Invalid
from workstation.core.review import (
    Counts,
    LogRow,
    Lookout,
    OpenDetention,
    RecordDetail,
    SeizureRef,
    SourceInfo,
    SyncProblem,
    Unexamined,
)
from workstation.core.review_wire import from_wire, list_from_wire, to_wire, zone_from_name, zone_name

text = st.text(max_size=20)
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text | st.floats(allow_nan=False)
rows = st.builds(
    LogRow,
    key=st.integers(0, 2**62),
    id=text,
    tracking_id=text,
    barcode=st.none() | text,
    at=times,
    officer_badge=text,
    officer_name=text,
    bench_id=text,
    outcome=text,
    risk_lane=st.none() | text,
    risk_score=st.none() | st.integers(0, 100),
    targeted=st.booleans(),
    seizure=st.booleans(),
    detention=st.booleans(),
    countersigned=st.booleans(),
    corrected=st.booleans(),
    notes=text,
)
records = st.dictionaries(text, json_scalars, max_size=4)


def round_trip(cls: type[Any], value: Any) -> Any:
    return from_wire(cls, json.loads(json.dumps(to_wire(value))))


@given(rows)
def test_a_log_row_reads_back_equal(row: LogRow) -> None:
    assert round_trip(LogRow, row) == row


@given(rows, records, st.lists(records, max_size=3))
def test_a_record_detail_reads_back_equal(
    row: LogRow, record: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    detail = RecordDetail(row, record, None, record or None, items, items, [], None, items, [])
    assert round_trip(RecordDetail, detail) == detail


@given(
    st.builds(
        SeizureRef,
        id=text,
        tracking_id=text,
        officer_badge=text,
        officer_name=text,
        bench_id=text,
        at=times,
        violation=text,
        total_msrp=st.floats(0, 1e9),
        total_domestic_value=st.floats(0, 1e9),
        current=st.booleans(),
        countersigned=st.booleans(),
        returned_reason=st.none() | text,
        items=st.lists(records, max_size=3).map(tuple),
    )
)
def test_a_seizure_reads_back_equal(ref: SeizureRef) -> None:
    assert round_trip(SeizureRef, ref) == ref


@given(st.dates(), st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3000)), st.integers(0, 100))
def test_reconciliation_and_detentions_read_back_equal(day: date, waited: timedelta, score: int) -> None:
    item = Unexamined("RB123456785GB", day, waited, "why", "red", score)
    assert round_trip(Unexamined, item) == item
    detention = OpenDetention("i", "t", "n", "b", day, day, day, "r")
    assert round_trip(OpenDetention, detention) == detention


def test_the_other_types_read_back_equal() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    counts = Counts(3, {"2026-03-02T09": {"released": 3}}, {"Olga (O1)": 3}, {"B1": 3}, {"released": 3},
                    {"trademark": 1}, {"overdue": 1}, 5, 2)  # fmt: skip
    for cls, value in (
        (Counts, counts),
        (Lookout, Lookout("l", "shipper", "acme*", "why", at, "Sam (S1)", at, "B1")),
        (SyncProblem, SyncProblem("B1", "inspection", "e", "rejected", "why", at)),
        (SourceInfo, SourceInfo("facility hub", True, None, {"url": "http://hub"})),
    ):
        assert round_trip(cls, value) == value
    assert list_from_wire(SyncProblem, []) == []


@given(st.recursive(json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3)))
def test_anything_else_is_refused_with_invalid(data: Any) -> None:
    for cls in (LogRow, RecordDetail, SeizureRef, Counts, Unexamined):
        with contextlib.suppress(Invalid):  # any other exception fails the test
            from_wire(cls, data)
    with pytest.raises(Invalid):
        list_from_wire(LogRow, {"not": "a list"})


def test_a_refusal_names_the_field() -> None:
    row = to_wire(LogRow(1, "i", "t", None, datetime(2026, 3, 2, tzinfo=UTC), "O1", "n", "B1", "released",
                         None, None, False, False, False, False, False, ""))  # fmt: skip
    with pytest.raises(Invalid, match="at: 'yesterday' is not an ISO 8601 time"):
        from_wire(LogRow, {**row, "at": "yesterday"})
    with pytest.raises(Invalid, match=r"\[1\]\.key"):
        list_from_wire(LogRow, [row, {**row, "key": "7"}])
    with pytest.raises(Invalid, match="targeted"):
        from_wire(LogRow, {k: v for k, v in row.items() if k != "targeted"})


def test_a_zone_goes_by_its_iana_name_or_a_fixed_offset() -> None:
    chicago = ZoneInfo("America/Chicago")
    assert zone_from_name(zone_name(chicago)) == chicago
    india = timezone(timedelta(hours=5, minutes=30))
    assert zone_name(india) == "+05:30"
    assert zone_from_name("+05:30") == india
    assert zone_from_name(zone_name(timezone(timedelta(hours=-4)))) == timezone(timedelta(hours=-4))
    for bad in ("Mars/Olympus", "+25:00", "", "../etc/passwd"):
        with pytest.raises(Invalid, match="zone"):
            zone_from_name(bad)
