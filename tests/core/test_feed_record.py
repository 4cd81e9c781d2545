"""Feed record validation: every field's rule, its message, and the fast path agreeing with the thorough one."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from hostile_text import control, invisible, look_alikes, spliced
from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.core import feed_record
from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import RecordError, flat_record, record_from_dict
from workstation.core.manifest import Item, Lane, RiskUpdate

BASE = DemoGenerator(3, date(2026, 5, 1))
RECORDS = list(BASE.records(40))


def good() -> dict[str, Any]:
    return copy.deepcopy(RECORDS[0])


def test_a_demo_record_is_an_item_with_its_lines_and_risk() -> None:
    rec = good()
    item = record_from_dict(rec)
    assert isinstance(item, Item)
    assert item.tracking_id == rec["tracking_id"]
    assert len(item.lines) == len(rec["lines"])
    assert item.risk is not None
    assert item.risk.lane is Lane(rec["risk"]["lane"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tracking_id": None}, "tracking_id: missing (required)"),
        ({"tracking_id": "??"}, "tracking_id: '??' is not a usable tracking number"),
        ({"tracking_id": True}, "tracking_id: expected text, got bool"),
        ({"arrival_date": None}, "arrival_date: missing (required)"),
        ({"arrival_date": "01/05/2026"}, "arrival_date: '01/05/2026' is not a date (YYYY-MM-DD)"),
        ({"shipper_name": ""}, "shipper_name: missing (required)"),
        ({"shipper_name": 12}, "shipper_name: expected text, got int 12"),
        ({"shipper_address": "x" * 2001}, "shipper_address: longer than 2000 characters"),
        ({"shipper_country": "XX"}, "shipper_country: 'XX' is not an ISO 3166 alpha-2 country code"),
        ({"consignee_country": "USA"}, "consignee_country: 'USA' is not an ISO 3166 alpha-2 country code"),
        ({"consignee_name": None}, "consignee_name: missing (required)"),
        ({"declared_value": -1}, "declared_value: must not be negative, got -1"),
        ({"declared_value": "ten"}, "declared_value: expected a number, got 'ten'"),
        ({"declared_value": float("nan")}, "declared_value: expected a finite number"),
        ({"declared_value": 10**400}, "declared_value: expected a finite number"),
        ({"weight_kg": [1]}, "weight_kg: expected a number, got list [1]"),
        ({"weight_kg": True}, "weight_kg: expected a number, got bool True"),
        ({"currency": "DOLLARS"}, "currency: 'DOLLARS' is not an ISO 4217 currency code"),
        ({"version": 1.5}, "version: expected a whole number, got 1.5"),
        ({"lines": []}, "lines: missing (at least one content line is required)"),
        ({"lines": ["a watch"]}, "lines[0]: expected an object, got str"),
    ],
)
def test_item_field_messages(change: dict[str, Any], message: str) -> None:
    rec = good()
    rec.update(change)
    with pytest.raises(RecordError) as caught:
        record_from_dict(rec)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "", "lines[0].description: missing (required)"),
        ("hts_code", "12AB", "lines[0].hts_code: '12AB' is not an HTS code of 6 to 10 digits"),
        ("hts_code", "12345", "lines[0].hts_code: '12345' is not an HTS code of 6 to 10 digits"),
        ("hts_code", "12345678901", "lines[0].hts_code: '12345678901' is not an HTS code"),
        ("hts_code", "١٢٣٤٥٦", "lines[0].hts_code: '١٢٣٤٥٦' is not an HTS code"),
        ("quantity", None, "lines[0].quantity: missing (required)"),
        ("unit_value", -0.5, "lines[0].unit_value: must not be negative, got -0.5"),
        ("origin_country", "ZZ", "lines[0].origin_country: 'ZZ' is not an ISO 3166 alpha-2 country code"),
    ],
)
def test_line_field_messages(field: str, value: object, message: str) -> None:
    rec = good()
    rec["lines"][0][field] = value
    with pytest.raises(RecordError) as caught:
        record_from_dict(rec)
    assert str(caught.value).startswith(message)


def test_hts_code_with_dots_and_lower_case_country_are_normalised() -> None:
    rec = good()
    rec["lines"][0]["hts_code"] = "9102.11.0000"
    rec["lines"][0]["origin_country"] = " cn "
    rec["shipper_country"] = "cn"
    item = record_from_dict(rec)
    assert isinstance(item, Item)
    assert item.lines[0].hts_code == "9102110000"
    assert item.lines[0].origin_country == "CN"
    assert item.shipper_country == "CN"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("score", 101, "risk.score: must be a whole number from 0 to 100"),
        ("score", 1.5, "risk.score: must be a whole number from 0 to 100"),
        ("lane", "blue", "risk.lane: 'blue' is not one of green, yellow, red"),
        ("targeted", "maybe", "risk.targeted: expected true or false"),
        ("assessed_at", "yesterday", "risk.assessed_at: 'yesterday' is not an ISO 8601 date and time"),
        ("assessed_at", None, "risk.assessed_at: missing (required)"),
        ("reasons", "WATCH", "risk.reasons: expected a list"),
        ("reasons", [{"text": "no code"}], "risk.reasons[0].code: missing (required)"),
    ],
)
def test_risk_field_messages(field: str, value: object, message: str) -> None:
    rec = good()
    rec["risk"][field] = value
    with pytest.raises(RecordError) as caught:
        record_from_dict(rec)
    assert str(caught.value).startswith(message)


def test_risk_only_record_and_its_time_in_utc() -> None:
    rec = {"tracking_id": RECORDS[1]["tracking_id"].lower(), "risk": dict(RECORDS[1]["risk"])}
    rec["risk"]["assessed_at"] = "2026-05-01T12:00:00+02:00"
    update = record_from_dict(rec)
    assert isinstance(update, RiskUpdate)
    assert update.tracking_id == RECORDS[1]["tracking_id"]
    assert update.risk.assessed_at == "2026-05-01T10:00:00+00:00"


def test_not_an_object() -> None:
    with pytest.raises(RecordError, match="expected an object with tracking_id"):
        record_from_dict(["RB123456785GB"])


# Values a feed might carry in any field: what JSON can hold, plus CSV's strings.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "US", "cn", "USD", "1", "0", "-1", "2026-05-01", "9102110000", "green"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = [*feed_record.ITEM_FIELDS, "lines", "risk"]


@st.composite
def mutated_records(draw: st.DrawFn) -> Any:
    rec = copy.deepcopy(draw(st.sampled_from(RECORDS)))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["item", "line", "risk", "drop"]))
        if where == "item":
            rec[draw(st.sampled_from(FIELDS))] = draw(json_values)
        elif where == "line" and isinstance(rec.get("lines"), list) and rec["lines"]:
            line = rec["lines"][0]
            if isinstance(line, dict):
                line[draw(st.sampled_from(feed_record.LINE_FIELDS))] = draw(json_values)
        elif where == "risk" and isinstance(rec.get("risk"), dict):
            rec["risk"][draw(st.sampled_from(feed_record.RISK_FIELDS))] = draw(json_values)
        else:
            rec.pop(draw(st.sampled_from(FIELDS)), None)
    return rec


@settings(max_examples=400, deadline=None)
@given(mutated_records())
def test_fast_path_agrees_with_the_thorough_path(rec: Any) -> None:
    try:
        expected: Item | RiskUpdate | str = feed_record._thorough_record(rec)
    except RecordError as exc:
        expected = str(exc)
    try:
        got: Item | RiskUpdate | str = record_from_dict(rec)
        flat_record(rec)
    except RecordError as exc:
        got = str(exc)
    assert got == expected


# --- tracking ids with characters no label prints -----------------------------------------


@pytest.mark.parametrize(
    ("tracking_id", "reason"),
    [
        ("L\u0425123456785CN", "tracking_id holds U+0425 CYRILLIC CAPITAL LETTER HA at position 2"),
        ("RB12345678\uff15GB", "tracking_id holds U+FF15 FULLWIDTH DIGIT FIVE at position 11"),
        ("RB123\u200b456785GB", "tracking_id holds U+200B ZERO WIDTH SPACE at position 6"),
        ("\u202eRB123456785GB", "tracking_id holds U+202E RIGHT-TO-LEFT OVERRIDE at position 1"),
    ],
)
def test_a_tracking_id_with_a_foreign_character_is_refused_naming_it(tracking_id: str, reason: str) -> None:
    for rec in (good(), {"tracking_id": "", "risk": good()["risk"]}):
        rec["tracking_id"] = tracking_id
        with pytest.raises(RecordError) as err:
            flat_record(rec)
        assert str(err.value) == reason


@given(st.one_of(look_alikes, spliced(st.just(RECORDS[1]["tracking_id"]), st.one_of(invisible, control))))
def test_a_hostile_tracking_id_is_never_silently_rewritten(tracking_id: str) -> None:
    rec = good()
    rec["tracking_id"] = tracking_id
    if tracking_id.strip(" \t\r\n\v\f").isascii() and all(
        " " <= c < "\x7f" or c == "\x1d" for c in tracking_id.strip(" \t\r\n\v\f")
    ):
        # Only what scanners add on purpose: accepted, nothing else dropped.
        assert flat_record(rec).tracking_id in tracking_id.upper().replace("\x1d", "")
        return
    with pytest.raises(RecordError, match=r"^tracking_id holds U\+[0-9A-F]{4} .* at position \d+$"):
        flat_record(rec)
