"""Facility lookouts at the scan, without a window or a store: what matches, what the card says, what it counts as."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from workstation.core.bench import Feedback, Gate, ScanState, classify, gate, lookout_banner, scan_lookouts
from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import RecordError, record_from_dict
from workstation.core.lookout_record import (
    is_lookout_record,
    lookout_body,
    lookout_key,
    read_lookout_record,
    removal_body,
)
from workstation.core.manifest import Item
from workstation.core.records import ExamType, Outcome
from workstation.core.review import Lookout
from workstation.core.tracking import parse

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
_ITEM = record_from_dict(next(iter(DemoGenerator(3, date(2026, 5, 1)).records(1))))
assert isinstance(_ITEM, Item)
# A plain item (no risk): only a lookout can make it targeted.
ITEM = replace(
    _ITEM,
    shipper_name="Acme Trading Co",
    shipper_address="1 Harbour Road, Shenzhen",
    consignee_name="Jane Doe",
    consignee_address="12 Elm Street, Springfield",
    seller="cheapwatches-store",
    risk=None,
)


def lookout(
    field: str, pattern: str, *, expires: datetime = NOW + timedelta(days=3), lid: str = "L1"
) -> Lookout:
    return Lookout(lid, field, pattern, "counterfeit watches", expires, "Sam Supervisor (S1)", NOW, "B3")


@pytest.mark.parametrize(
    ("field", "pattern"),
    [
        ("tracking", ITEM.tracking_id.lower()),
        ("shipper", "acme trading*"),
        ("shipper", "ACME"),  # no wildcard: the text holds it
        ("consignee", "j* doe"),
        ("seller", "*watches*"),
        ("address", "1 harbour road*"),  # the shipper's address
        ("address", "12 Elm Street*"),  # the consignee's address, anchored at its start
    ],
)
def test_a_lookout_flags_the_item_as_targeted(field: str, pattern: str) -> None:
    lk = lookout(field, pattern)
    hits = scan_lookouts([lk], ITEM.tracking_id, ITEM, NOW)
    assert hits == (lk,)
    result = classify(parse(ITEM.tracking_id), ITEM, (), hits)
    assert result.lookouts == (lk,)
    assert result.state is ScanState.TARGETED
    assert result.feedback is Feedback.ATTENTION  # the "look closer" colour and sound
    assert result.targeted
    # Counts as targeted: a release needs an exam, then a confirmation.
    assert gate(result, Outcome.RELEASED, frozenset()) is Gate.NEEDS_EXAM
    assert gate(result, Outcome.RELEASED, frozenset({ExamType.XRAY})) is Gate.CONFIRM


def test_no_match_no_flag() -> None:
    lookouts = [lookout("shipper", "Globex*"), lookout("address", "*Harbour Road, Shenzhen*x", lid="L2")]
    assert scan_lookouts(lookouts, ITEM.tracking_id, ITEM, NOW) == ()
    result = classify(parse(ITEM.tracking_id), ITEM, (), ())
    assert result.state is ScanState.CLEAR
    assert not result.targeted


def test_an_expired_lookout_does_not_flag() -> None:
    lk = lookout("shipper", "Acme*", expires=NOW)
    assert scan_lookouts([lk], ITEM.tracking_id, ITEM, NOW) == ()
    assert scan_lookouts([lk], ITEM.tracking_id, ITEM, NOW - timedelta(seconds=1)) == (lk,)


def test_a_tracking_lookout_flags_an_unmanifested_package() -> None:
    code = ITEM.tracking_id
    lk = lookout("tracking", code)
    hits = scan_lookouts([lk, lookout("shipper", "Acme*", lid="L2")], code, None, NOW)
    assert hits == (lk,)
    result = classify(parse(code), None, (), hits)
    assert result.state is ScanState.UNMANIFESTED
    assert result.targeted
    assert gate(result, Outcome.RELEASED, frozenset()) is Gate.NEEDS_EXAM


def test_each_lookout_is_listed_once_in_the_order_given() -> None:
    both = [lookout("address", "*Street*", lid="L2"), lookout("shipper", "Acme*", lid="L1")]
    assert [lk.id for lk in scan_lookouts(both, ITEM.tracking_id, ITEM, NOW)] == ["L2", "L1"]


def test_the_banner_says_why_who_and_until_when() -> None:
    lk = lookout("shipper", "Acme*", expires=datetime(2026, 5, 4, 12, 30, tzinfo=UTC))
    text = lookout_banner(lk)
    until = lk.expires_at.astimezone()
    assert (
        text == f"LOOKOUT: counterfeit watches — added by Sam Supervisor (S1), until {until:%d %b %Y %H:%M}"
    )


def test_a_lookout_record_reads_back_as_the_lookout() -> None:
    lk = lookout("consignee", "J* Doe")
    body = lookout_body(lk)
    assert is_lookout_record(body)
    assert not is_lookout_record({"tracking_id": "X"})
    assert lookout_key(lk.id) == "lookout:L1"
    read = read_lookout_record(body)
    assert (read.id, read.lookout, read.removed) == ("L1", lk, False)
    gone = read_lookout_record(lookout_body(lk, removed=True))
    assert gone.removed
    bare = read_lookout_record(removal_body("L9"))
    assert (bare.id, bare.lookout, bare.removed) == ("L9", None, True)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("id"), "id"),
        (lambda b: b.update(field="colour"), "field"),
        (lambda b: b.update(pattern=7), "pattern"),
        (lambda b: b.update(expires_at="next tuesday"), "expires_at"),
        (lambda b: b.update(expires_at="2026-05-04T12:00:00"), "expires_at"),
        (lambda b: b.update(removed="yes"), "removed"),
        (lambda b: b.update(reason="x" * 3000), "reason"),
    ],
)
def test_a_bad_lookout_record_is_refused_naming_the_field(change: object, field: str) -> None:
    body = lookout_body(lookout("shipper", "Acme*"))
    change(body)  # type: ignore[operator]
    with pytest.raises(RecordError, match=f"lookout {field}"):
        read_lookout_record(body)
