"""Tracking numbers: every format valid and invalid, every normalisation, and arbitrary input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.core.tracking import (
    CheckDigit,
    gs1_mod10,
    is_usable,
    make_dhl,
    make_fedex12,
    make_gs1,
    make_s10,
    make_ups,
    normalize,
    parse,
)

# (input, tracking_id, carrier, format): real numbers from the carriers' public examples.
VALID = [
    ("1Z5R89390357567127", "1Z5R89390357567127", "ups", "ups_1z"),
    ("1Z879E930346834440", "1Z879E930346834440", "ups", "ups_1z"),
    ("1Z410E7W0392751591", "1Z410E7W0392751591", "ups", "ups_1z"),
    ("9400111206206406260787", "9400111206206406260787", "usps", "usps_impb"),
    ("420787459400111206206406260787", "9400111206206406260787", "usps", "usps_impb"),
    ("4201002334249200190132607600833457", "9200190132607600833457", "usps", "usps_impb"),
    ("986578788855", "986578788855", "fedex", "fedex_express_12"),
    ("1001921334250001000300779017972697", "1001921334250001000300779017972697", "fedex", "fedex_express_34"),
    ("041441760228964", "041441760228964", "fedex", "fedex_ground_15"),
    ("61299998820821171811", "61299998820821171811", "fedex", "fedex_smartpost_20"),
    ("9611020987654312345672", "9611020987654312345672", "fedex", "fedex_ground_96"),
    ("000123450000000027", "000123450000000027", "gs1", "gs1_sscc"),
    ("00000123450000000027", "000123450000000027", "gs1", "gs1_sscc"),
    ("3318810036", "3318810036", "dhl", "dhl_express"),
    ("73891051146", "73891051146", "dhl", "dhl_express"),
    ("RB123456785GB", "RB123456785GB", "post", "upu_s10"),
]


def _wrong_check(code: str) -> str:
    """The same code with its check digit changed (the last digit, or the S10's digit before the country)."""
    i = len(code) - 3 if code[-1].isalpha() else len(code) - 1
    return code[:i] + str((int(code[i]) + 1) % 10) + code[i + 1 :]


@pytest.mark.parametrize(("raw", "tracking_id", "carrier", "fmt"), VALID)
def test_valid_numbers_are_recognised_with_a_valid_check_digit(
    raw: str, tracking_id: str, carrier: str, fmt: str
) -> None:
    t = parse(raw)
    assert (t.tracking_id, t.carrier, t.format, t.check_digit) == (
        tracking_id,
        carrier,
        fmt,
        CheckDigit.VALID,
    )
    assert t.recognized
    assert not t.misread
    assert t.input == raw


@pytest.mark.parametrize(("raw", "tracking_id", "carrier", "fmt"), VALID)
def test_a_wrong_check_digit_is_a_misread_of_the_same_format(
    raw: str, tracking_id: str, carrier: str, fmt: str
) -> None:
    t = parse(_wrong_check(tracking_id))
    assert t.format == fmt
    assert t.check_digit is CheckDigit.INVALID
    assert t.misread


def test_known_invalid_fedex_12() -> None:
    t = parse("996578788855")
    assert (t.format, t.check_digit) == ("fedex_express_12", CheckDigit.INVALID)


@pytest.mark.parametrize(
    ("raw", "tracking_id"),
    [
        ("  1Z5R89390357567127\r\n", "1Z5R89390357567127"),  # white space around
        ("1z5r89390357567127", "1Z5R89390357567127"),  # lower case
        ("1Z 5R8 939 0357 5671 27", "1Z5R89390357567127"),  # spaces inside, as printed
        ("RB 123 456 785 GB", "RB123456785GB"),
        ("rb123456785gb", "RB123456785GB"),
        ("9400-1112-0620-6406-2607-87", "9400111206206406260787"),  # dashes
        ("]C1420787459400111206206406260787", "9400111206206406260787"),  # AIM Code 128 / GS1-128
        ("]C100000123450000000027", "000123450000000027"),
        ("]d200000123450000000027", "000123450000000027"),  # AIM DataMatrix GS1, lower case
        ("]Q3RB123456785GB", "RB123456785GB"),  # AIM QR
        ("42078745\x1d9400111206206406260787", "9400111206206406260787"),  # GS between AIs
        ("\x1d42078745\x1d9400111206206406260787", "9400111206206406260787"),  # FNC1 sent as leading GS
        ("]C1\x1d420787459400111206206406260787", "9400111206206406260787"),
        ("420787451234\x1d9400111206206406260787", "9400111206206406260787"),  # 420 + ZIP+4
        ("4201002334249200190132607600833457", "9200190132607600833457"),
    ],
)
def test_normalisation(raw: str, tracking_id: str) -> None:
    t = parse(raw)
    assert t.tracking_id == tracking_id
    assert t.check_digit is CheckDigit.VALID


def test_normalize_keeps_letters_and_digits_only() -> None:
    assert normalize(" ]C1 ab-12\x1d34/ü ") == "AB1234"
    assert normalize("]d2") == ""
    assert normalize("") == ""


def test_an_unknown_shape_is_unrecognised_but_still_normalised_for_lookup() -> None:
    t = parse("  abc-123-xyz ")
    assert (t.tracking_id, t.carrier, t.format, t.check_digit) == ("ABC123XYZ", None, None, CheckDigit.NONE)
    assert not t.recognized
    assert not t.misread


def test_bytes_and_other_objects_are_accepted() -> None:
    assert parse(b"RB123456785GB").check_digit is CheckDigit.VALID
    assert parse(986578788855).format == "fedex_express_12"


def test_as_dict() -> None:
    assert parse(" 1z5r89390357567127 ").as_dict() == {
        "input": " 1z5r89390357567127 ",
        "tracking_id": "1Z5R89390357567127",
        "carrier": "ups",
        "format": "ups_1z",
        "check_digit": "valid",
        "recognized": True,
    }


def test_is_usable() -> None:
    assert not is_usable("12345")
    assert is_usable("123456")
    assert is_usable("X" * 40)
    assert not is_usable("X" * 41)


def test_gs1_mod10_reference() -> None:
    assert gs1_mod10("00012345000000002") == 7  # the SSCC above
    assert gs1_mod10("629104150021") == 3  # EAN-13 6291041500213


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.sampled_from(["RB", "EE", "CP", "LX"]))
def test_made_s10_numbers_are_valid(serial: str, prefix: str) -> None:
    code = make_s10(prefix, serial, "GB")
    t = parse(code)
    assert (t.format, t.check_digit) == ("upu_s10", CheckDigit.VALID)
    assert parse(_wrong_check(code)).check_digit is CheckDigit.INVALID


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=15, max_size=15))
def test_made_ups_numbers_are_valid(body: str) -> None:
    code = make_ups(body)
    assert parse(code).check_digit is CheckDigit.VALID
    assert parse(_wrong_check(code)).check_digit is CheckDigit.INVALID


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_made_sscc_numbers_are_valid(body: str) -> None:
    code = make_gs1(body)
    assert (parse(code).format, parse(code).check_digit) == ("gs1_sscc", CheckDigit.VALID)
    assert parse("00" + code).tracking_id == code


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_made_fedex12_numbers_are_valid(body: str) -> None:
    assert parse(make_fedex12(body)).check_digit is CheckDigit.VALID


@given(st.integers(min_value=100_000_000, max_value=999_999_999))
def test_made_dhl_numbers_are_valid(body: int) -> None:
    code = make_dhl(str(body))
    assert (parse(code).format, parse(code).check_digit) == ("dhl_express", CheckDigit.VALID)
    assert parse(_wrong_check(code)).check_digit is CheckDigit.INVALID


@given(st.text())
def test_any_text_parses_without_raising_to_an_alphanumeric_id(raw: str) -> None:
    t = parse(raw)
    assert t.tracking_id == "" or (t.tracking_id.isascii() and t.tracking_id.isalnum())
    assert t.tracking_id == t.tracking_id.upper()
    assert t.input == raw
    assert parse(t.tracking_id).tracking_id == t.tracking_id  # normalising twice changes nothing
    assert t.misread == (t.check_digit is CheckDigit.INVALID)
    assert t.recognized == (t.format is not None)
    json.dumps(t.as_dict())


@given(st.binary())
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    t = parse(raw)
    assert t.tracking_id == "" or (t.tracking_id.isascii() and t.tracking_id.isalnum())


@given(
    st.one_of(
        st.integers(), st.none(), st.floats(), st.lists(st.text()), st.dictionaries(st.text(), st.binary())
    )
)
def test_any_object_parses_without_raising(raw: object) -> None:
    parse(raw)


def test_workstation_parse_command_prints_one_json_object_per_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workstation.cli import main

    monkeypatch.setenv("WORKSTATION_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("WORKSTATION_DATA_DIR", str(tmp_path / "data"))
    assert main(["parse", "]C1420787459400111206206406260787", "996578788855", "hello"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [set(line) for line in lines] == [
        {"input", "tracking_id", "carrier", "format", "check_digit", "recognized"}
    ] * 3
    assert lines[0]["tracking_id"] == "9400111206206406260787"
    assert (lines[0]["carrier"], lines[0]["format"], lines[0]["check_digit"]) == (
        "usps",
        "usps_impb",
        "valid",
    )
    assert lines[0]["recognized"] is True
    assert (lines[1]["format"], lines[1]["check_digit"]) == ("fedex_express_12", "invalid")
    assert (lines[2]["tracking_id"], lines[2]["recognized"], lines[2]["check_digit"]) == (
        "HELLO",
        False,
        "none",
    )
