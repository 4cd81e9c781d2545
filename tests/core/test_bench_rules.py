"""The bench's rules without a window: a scan with a foreign character is a misread."""

from __future__ import annotations

from datetime import date

import pytest
from hostile_text import look_alikes
from hypothesis import given

from workstation.core.bench import Feedback, Gate, ScanState, classify, gate
from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import record_from_dict
from workstation.core.manifest import Item
from workstation.core.records import Outcome
from workstation.core.tracking import parse

ITEM = record_from_dict(next(iter(DemoGenerator(3, date(2026, 5, 1)).records(1))))
assert isinstance(ITEM, Item)


@pytest.mark.parametrize(
    ("at", "char"),
    [
        (1, "\u0425"),  # a Cyrillic look-alike
        (3, "\uff11"),  # a full-width digit
        (4, "\u200b"),  # a zero-width space
        (0, "\u202e"),  # a right-to-left override
    ],
)
def test_a_scan_with_a_foreign_character_is_a_misread_even_if_an_item_was_found(at: int, char: str) -> None:
    code = ITEM.tracking_id[:at] + char + ITEM.tracking_id[at:]
    tracking = parse(code)
    # Found or not, the code read is not the one on the item: nothing may be recorded.
    for item in (None, ITEM):
        result = classify(tracking, item, ())
        assert result.state is ScanState.MISREAD
        assert result.feedback is Feedback.ERROR
        assert result.item is None
        assert gate(result, Outcome.RELEASED, frozenset()) is Gate.REFUSED


@given(look_alikes)
def test_any_look_alike_scan_is_a_misread(code: str) -> None:
    assert classify(parse(code), None, ()).state is ScanState.MISREAD


def test_the_clean_code_is_not_a_misread() -> None:
    result = classify(parse(ITEM.tracking_id), ITEM, ())
    assert result.state in (ScanState.CLEAR, ScanState.TARGETED)
