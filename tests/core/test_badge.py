"""The badge rule: what is refused, that the refusal says what and where in one line, and the fingerprint."""

from __future__ import annotations

import hashlib
import re

import pytest
from hostile_text import HOSTILE, HOSTILE_SHORT
from hypothesis import given
from hypothesis import strategies as st

from workstation.core.badge import (
    BADGE_MAX_LENGTH,
    InvalidBadge,
    badge_fingerprint,
    check_badge,
    is_valid_badge,
    shown_badge,
)

RULE = re.compile(r"[A-Za-z0-9_-]{1,32}")


@pytest.mark.parametrize(
    "badge", ["D1001", "D1002", "D2001", "D9001", "A1", "O1", "S2", "cbp-17_x", "X" * 32]
)
def test_demo_and_test_badges_are_valid(badge: str) -> None:
    assert is_valid_badge(badge)
    assert check_badge(badge) == badge
    assert shown_badge(badge) == badge


@pytest.mark.parametrize(
    ("badge", "problem"),
    [
        ("", "it is empty"),
        (" D1001", "starts or ends with white space"),
        ("D1001\n", "starts or ends with white space"),
        ("D10/01", "character 4 is U+002F (SOLIDUS)"),
        ("D1\u202e001", "character 3 is U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("D1\n001", "character 3 is U+000A (a control character)"),
        ("\u0421BP1", "character 1 is U+0421 (CYRILLIC CAPITAL LETTER ES)"),
        ("D1 001", "character 3 is U+0020 (SPACE)"),
        ("X" * 33, "it has 33 characters"),
    ],
)
def test_an_invalid_badge_says_what_is_wrong_and_where(badge: str, problem: str) -> None:
    assert not is_valid_badge(badge)
    with pytest.raises(InvalidBadge) as err:
        check_badge(badge)
    message = str(err.value)
    assert problem in message
    assert "1 to 32 ASCII letters, digits, '-' or '_'" in message
    assert "\n" not in message
    assert "\u202e" not in message
    assert isinstance(err.value, ValueError)  # edges that map ValueError keep working


@given(HOSTILE)
def test_the_rule_accepts_exactly_the_rule_and_refusals_are_one_printable_line(text: str) -> None:
    assert is_valid_badge(text) == (RULE.fullmatch(text) is not None)
    if is_valid_badge(text):
        assert check_badge(text) == text
        return
    with pytest.raises(InvalidBadge) as err:
        check_badge(text)
    message = str(err.value)
    assert message.isascii()
    assert message.isprintable()
    assert len(message) < 400  # a 200,000-character line is not echoed back whole


@given(HOSTILE_SHORT)
def test_the_fingerprint_keeps_a_hash_prefix_and_the_length_only(text: str) -> None:
    fp = badge_fingerprint(text)
    assert set(fp) == {"badge_sha256_prefix", "badge_length"}
    assert fp["badge_length"] == len(text)
    full = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    assert fp["badge_sha256_prefix"] == full[:8]


@given(st.text(alphabet="ABCXYZabc0123456789-_", min_size=1, max_size=BADGE_MAX_LENGTH))
def test_every_text_of_the_alphabet_within_the_length_is_a_badge(text: str) -> None:
    assert is_valid_badge(text)
