"""The feed's fast reading of a tracking id says exactly what `parse` says, misreads included."""

from __future__ import annotations

from hostile_text import HOSTILE_SHORT
from hypothesis import given
from hypothesis import strategies as st

from workstation.core.tracking import (
    fedex12_check,
    feed_id,
    gs1_mod10,
    make_dhl,
    make_fedex12,
    make_gs1,
    make_s10,
    make_ups,
    parse,
    s10_check,
    ups_check,
    weighted_mod11_mod10,
)

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"


def _as_parse_says(raw: str) -> tuple[str, str | None, str | None]:
    t = parse(raw)
    return t.tracking_id, t.carrier, t.format


def _wrong(code: str, at: int) -> str:
    return code[:at] + str((int(code[at]) + 5) % 10) + code[at + 1 :]


def test_every_format_and_its_misread_read_as_parse_reads_them() -> None:
    codes = [
        make_s10("RB", "12345678", "GB"),
        make_ups("5R8939035756712"),
        make_gs1("9400111206206406260" + "78"),
        make_gs1("00012345000000002"),
        make_gs1("04144176022896"),
        make_fedex12("98657878885"),
        make_dhl("331881003"),
        "1001921334250001000300779017972697",
        "9622001560001234567100794808390594",
        "9611020987654312345672",
        "61299998820821171811",
        "00000123450000000027",
        "420787459400111206206406260787",
        "LP12345678901234",
        "JJD0123456789",
        "A1234567890",
    ]
    checked = 0
    for code in codes:
        for variant in (code, code.lower(), _wrong(code, len(code) - 1) if code[-1].isdigit() else code):
            assert feed_id(variant) == _as_parse_says(variant), variant
            checked += 1
    assert parse(_wrong(make_s10("RB", "12345678", "GB"), 10)).misread
    assert feed_id(_wrong(make_s10("RB", "12345678", "GB"), 10)) == ("RB123456780GB", "post", "upu_s10")
    assert checked == 3 * len(codes)


@given(st.text(alphabet=ALNUM, min_size=1, max_size=40))
def test_any_clean_code_reads_as_parse_reads_it(code: str) -> None:
    assert feed_id(code) == _as_parse_says(code)


@given(st.text(alphabet=DIGITS, min_size=10, max_size=34))
def test_any_digit_code_reads_as_parse_reads_it(code: str) -> None:
    assert feed_id(code) == _as_parse_says(code)


@given(HOSTILE_SHORT)
def test_anything_else_is_left_to_parse_or_read_alike(raw: str) -> None:
    got = feed_id(raw)
    assert got is None or got == _as_parse_says(raw)
    if not (raw.isascii() and raw.isalnum()):
        assert got is None


def test_a_code_longer_than_parse_reads_is_left_to_parse() -> None:
    assert feed_id("1" * 300) is None


def _gs1_by_the_book(digits: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _s10_by_the_book(digits8: str) -> int:
    r = sum(int(d) * w for d, w in zip(digits8, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    return 5 if r == 0 else 0 if r == 1 else 11 - r


def _ups_by_the_book(body: str) -> int:
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else (ord(c) - 3) % 10
        total += v * 2 if i % 2 == 1 else v
    return (10 - total % 10) % 10


@given(st.text(alphabet=DIGITS, min_size=1, max_size=40))
def test_gs1_check_digit_is_the_books(digits: str) -> None:
    assert gs1_mod10(digits) == _gs1_by_the_book(digits)


@given(st.text(alphabet=DIGITS, min_size=8, max_size=8))
def test_s10_check_digit_is_the_books(digits: str) -> None:
    assert s10_check(digits) == _s10_by_the_book(digits)


@given(st.text(alphabet=ALNUM, min_size=15, max_size=15))
def test_ups_check_digit_is_the_books(body: str) -> None:
    assert ups_check(body) == _ups_by_the_book(body)


@given(st.text(alphabet=DIGITS, min_size=1, max_size=20))
def test_weighted_check_digit_is_the_books(digits: str) -> None:
    weights = (3, 1, 7)
    expected = sum(int(d) * weights[i % 3] for i, d in enumerate(digits)) % 11 % 10
    assert weighted_mod11_mod10(digits, weights) == expected
    if len(digits) == 11:
        assert fedex12_check(digits) == expected


def test_other_digits_still_count_as_before() -> None:
    arabic = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"  # Arabic-Indic 1 to 8
    assert s10_check(arabic) == s10_check("12345678")
    assert gs1_mod10(arabic) == gs1_mod10("12345678")
