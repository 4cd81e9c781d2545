"""Tracking numbers: every format valid and invalid, every normalisation, and arbitrary input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_text import HOSTILE_SHORT, invisible, look_alikes
from hypothesis import given
from hypothesis import strategies as st

from workstation.core.tracking import (
    MAX_INPUT,
    CheckDigit,
    fedex12_check,
    fedex34_check,
    gs1_mod10,
    is_usable,
    make_dhl,
    make_fedex12,
    make_fedex_astra32,
    make_fedex_express34,
    make_fedex_ground96,
    make_fedex_gsn34,
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
    # Label barcodes around a tracking number: the number is what the feed carries.
    ("1001921334250001000300779017972697", "779017972697", "fedex", "fedex_express_34"),
    ("1001901781990001000300617767839437", "617767839437", "fedex", "fedex_express_34"),
    ("9622001560001234567100794808390594", "794808390594", "fedex", "fedex_ground_gsn_34"),
    ("9622001900000000000000776632517510", "776632517510", "fedex", "fedex_ground_gsn_34"),
    ("041441760228964", "041441760228964", "fedex", "fedex_ground_15"),
    ("9611020987654312345672", "987654312345672", "fedex", "fedex_ground_96"),
    # 20 digits: USPS's own, and FedEx SmartPost's (the IMpb without its "92"); USPS delivers both.
    ("61299998820821171811", "61299998820821171811", "usps", "usps_or_fedex_smartpost_20"),
    ("03071790000523483741", "03071790000523483741", "usps", "usps_or_fedex_smartpost_20"),
    ("71123456789123456787", "71123456789123456787", "usps", "usps_or_fedex_smartpost_20"),
    ("71969010756003077385", "71969010756003077385", "usps", "usps_or_fedex_smartpost_20"),
    ("9101123456789000000013", "9101123456789000000013", "usps", "usps_91"),
    ("420221539101026837331000039521", "9101026837331000039521", "usps", "usps_91"),
    ("000123450000000027", "000123450000000027", "gs1", "gs1_sscc"),
    ("00000123450000000027", "000123450000000027", "gs1", "gs1_sscc"),
    ("3318810036", "3318810036", "dhl", "dhl_express"),
    ("73891051146", "73891051146", "dhl", "dhl_express"),
    ("RB123456785GB", "RB123456785GB", "post", "upu_s10"),
]


def _wrong_check(code: str, at: int | None = None) -> str:
    """The same code with its check digit changed (the last digit, or the S10's digit before the country).

    Shifted by 5: the 20-digit form accepts three readings whose check digits are 0, 1 and 2 apart.
    """
    i = at if at is not None else len(code) - 3 if code[-1].isalpha() else len(code) - 1
    return code[:i] + str((int(code[i]) + 5) % 10) + code[i + 1 :]


ASTRA_CHECK_AT = 27  # the 12-digit number sits at code[16:28]; 4 more digits follow its check


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
    t = parse(_wrong_check(normalize(raw)))
    assert t.format == fmt
    assert t.check_digit is CheckDigit.INVALID
    assert t.misread


@pytest.mark.parametrize(
    ("barcode", "number"),
    [
        ("1001921334250001000300779017972697", "779017972697"),
        ("1001921380360001000300639585804382", "639585804382"),
        ("9622001560001234567100794808390594", "794808390594"),
        ("9632001560123456789900794808390594", "794808390594"),
    ],
)
def test_the_last_12_digits_of_a_34_digit_barcode_are_a_valid_fedex_12(barcode: str, number: str) -> None:
    # The carriers' own examples: the serial starts "00", so both check digits agree.
    assert barcode[20:22] == "00"
    assert fedex34_check(barcode[20:33]) == int(barcode[33])
    assert fedex12_check(number[:11]) == int(number[11])
    assert parse(barcode).tracking_id == number
    assert parse(number).format == "fedex_express_12"


FEDEX12 = st.text(alphabet="0123456789", min_size=11, max_size=11).map(make_fedex12)
FEDEX15 = st.text(alphabet="0123456789", min_size=14, max_size=14).map(make_gs1)


@given(FEDEX12)
def test_long_fedex_barcodes_of_a_12_digit_number_map_to_it(number: str) -> None:
    for make, fmt, check_at in (
        (make_fedex_express34, "fedex_express_34", None),
        (make_fedex_gsn34, "fedex_ground_gsn_34", None),
        (make_fedex_astra32, "fedex_astra_32", ASTRA_CHECK_AT),
    ):
        barcode = make(number)
        t = parse(barcode)
        assert (t.tracking_id, t.carrier, t.format, t.check_digit) == (
            number,
            "fedex",
            fmt,
            CheckDigit.VALID,
        )
        assert t.barcode == barcode
        assert parse("]C1" + barcode).barcode == barcode  # the AIM identifier is not part of it
        misread = parse(_wrong_check(barcode, check_at))
        assert (misread.format, misread.check_digit) == (fmt, CheckDigit.INVALID)
        assert misread.barcode == _wrong_check(barcode, check_at)


@given(FEDEX15)
def test_a_ground_96_barcode_maps_to_its_15_digit_number(number: str) -> None:
    barcode = make_fedex_ground96(number)
    assert len(barcode) == 22
    t = parse(barcode)
    assert (t.tracking_id, t.carrier, t.format, t.check_digit, t.barcode) == (
        number,
        "fedex",
        "fedex_ground_96",
        CheckDigit.VALID,
        barcode,
    )
    assert parse(_wrong_check(barcode)).check_digit is CheckDigit.INVALID


def test_34_digit_barcode_checks_over_the_serial_not_the_whole_code() -> None:
    barcode = make_fedex_express34("986578788855")
    # A digit changed before the serial (the ZIP) is not covered by the check digit.
    other_zip = barcode[:15] + "90210" + barcode[20:]
    assert parse(other_zip).check_digit is CheckDigit.VALID
    assert parse(other_zip).tracking_id == "986578788855"
    # A digit changed inside the serial is.
    assert parse(barcode[:25] + str((int(barcode[25]) + 1) % 10) + barcode[26:]).misread


def test_long_forms_are_made_only_from_valid_numbers() -> None:
    with pytest.raises(ValueError, match="not a valid FedEx 12-digit number"):
        make_fedex_express34("986578788856")
    with pytest.raises(ValueError, match="not a valid FedEx 12-digit number"):
        make_fedex_astra32("98657878885")
    with pytest.raises(ValueError, match="not a valid FedEx Ground 15-digit number"):
        make_fedex_ground96("041441760228965")
    with pytest.raises(ValueError, match="head"):
        make_fedex_express34("986578788855", head15="9" * 15)  # a 9 would read as Ground "96"


# Shapes without a check digit: (code, carrier, format).
NO_CHECK = [
    ("H1234567890", "ups", "ups_letter_10"),  # UPS Mail Innovations / waybill
    ("GM2951173225174494", "dhl", "dhl_ecommerce"),
    ("GM295117494011169042", "dhl", "dhl_ecommerce"),
    ("GMUS1234567890ABCDEF12", "dhl", "dhl_ecommerce"),
    ("JJD0099999999", "dhl", "dhl_piece_id"),
    ("JJD000390007807345678", "dhl", "dhl_piece_id"),
    ("LP00123456789012", "cainiao", "cainiao_lp"),
    ("YT2229521272164446", "yunexpress", "yunexpress_yt"),
]


@pytest.mark.parametrize(("code", "carrier", "fmt"), NO_CHECK)
def test_shapes_without_a_check_digit_are_named(code: str, carrier: str, fmt: str) -> None:
    t = parse(" " + code.lower() + "\r\n")
    assert (t.tracking_id, t.carrier, t.format, t.check_digit) == (code, carrier, fmt, CheckDigit.NONE)
    assert t.recognized
    assert not t.misread
    assert t.barcode == code


@pytest.mark.parametrize(
    "code",
    [
        "GM123456789012345",  # GM + 15: one short
        "GM12345678901234567890123",  # GM + 23: one long
        "JJD12345678",  # too few digits for a piece id
        "LP1234567890123",  # LP + 13
        "YT123456789012345",  # YT + 15
        "HH1234567890",  # two letters and 10 digits
    ],
)
def test_near_misses_of_those_shapes_stay_unrecognised(code: str) -> None:
    t = parse(code)
    assert (t.format, t.tracking_id, t.check_digit) == (None, code, CheckDigit.NONE)


def test_the_new_shapes_do_not_take_numbers_of_older_formats() -> None:
    # An S10 with the LP prefix is 2 letters + 9 digits + 2 letters, not Cainiao's LP + 14 digits.
    s10 = make_s10("LP", "12345678", "CN")
    assert parse(s10).format == "upu_s10"
    assert parse(_wrong_check(s10)).format == "upu_s10"
    # A 34-digit number starting 96 is Ground GSN, never Express 34 (which starts 0 to 8).
    gsn = make_fedex_gsn34("986578788855")
    assert parse(_wrong_check(gsn)).format == "fedex_ground_gsn_34"
    # A routed USPS 34 (420 + ZIP+4 + 22) stays USPS though it also has the Express 34 shape.
    assert parse("4201002334249200190132607600833457").format == "usps_impb"


def test_the_20_digit_ambiguity_is_named_with_the_check_digit_of_either_reading() -> None:
    body = "0307179000052348374"
    plain, smartpost, legacy = gs1_mod10(body), gs1_mod10("92" + body), gs1_mod10("91" + body)
    assert len({plain, smartpost, legacy}) == 3
    for check in (plain, smartpost, legacy):
        t = parse(f"{body}{check}")
        assert (t.carrier, t.format, t.check_digit) == (
            "usps",
            "usps_or_fedex_smartpost_20",
            CheckDigit.VALID,
        )
    for check in set(range(10)) - {plain, smartpost, legacy}:
        assert parse(f"{body}{check}").misread


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
    assert t.barcode == "ABC123XYZ"
    assert not t.recognized
    assert not t.misread


def test_the_barcode_is_the_scanned_form_normalised() -> None:
    assert parse("]C1420787459400111206206406260787").barcode == "420787459400111206206406260787"
    assert parse("]C100000123450000000027").barcode == "00000123450000000027"
    assert parse(" rb 123 456 785 gb ").barcode == "RB123456785GB"


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
        "barcode": "1Z5R89390357567127",
        "foreign": None,
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
    assert t.barcode == normalize(raw[:MAX_INPUT])
    assert t.tracking_id in t.barcode  # the tracking number is the barcode or a part of it
    assert t.misread == (t.check_digit is CheckDigit.INVALID or t.foreign is not None)
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
        {"input", "tracking_id", "carrier", "format", "check_digit", "recognized", "barcode", "foreign"}
    ] * 3
    assert lines[0]["barcode"] == "420787459400111206206406260787"
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


# --- characters no label prints: never dropped, always a misread ---------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("L\u0425123456785CN", "holds U+0425 CYRILLIC CAPITAL LETTER HA at position 2"),
        ("RB12345678\uff15GB", "holds U+FF15 FULLWIDTH DIGIT FIVE at position 11"),
        ("RB123\u200b456785GB", "holds U+200B ZERO WIDTH SPACE at position 6"),
        ("\u202eRB123456785GB", "holds U+202E RIGHT-TO-LEFT OVERRIDE at position 1"),
        ("RB123456785GB\u00a0", "holds U+00A0 NO-BREAK SPACE at position 14"),
        ("RB1234\x0056785GB", "holds U+0000 (a control character) at position 7"),
        ("RB1234\t56785GB", "holds U+0009 (a control character) at position 7"),
        ("  R\u0412123456785GB", "holds U+0412 CYRILLIC CAPITAL LETTER VE at position 4"),
    ],
)
def test_a_foreign_character_is_named_and_makes_a_misread(raw: str, reason: str) -> None:
    t = parse(raw)
    assert t.foreign == reason
    assert t.misread
    assert not t.recognized  # the stripped code is another number: never matched to a format
    assert t.as_dict()["foreign"] == reason


@pytest.mark.parametrize(
    "raw",
    [
        " ]C1 RB-123 456 785 gb\r\n",  # AIM prefix, spaces, dashes, case, the reader's line ending
        "\x1d42078745\x1d9400111206206406260787",  # GS (FNC1) stays allowed anywhere
        "\tRB123456785GB\n",
    ],
)
def test_what_readers_add_on_purpose_is_still_stripped_without_a_flag(raw: str) -> None:
    t = parse(raw)
    assert t.foreign is None
    assert t.check_digit is CheckDigit.VALID


@given(look_alikes)
def test_a_look_alike_anywhere_is_foreign(raw: str) -> None:
    t = parse(raw)
    assert t.foreign is not None
    assert t.misread


@given(
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=6, max_size=30),
    invisible,
    st.integers(0, 40),
)
def test_an_invisible_character_anywhere_is_foreign(code: str, mark: str, at: int) -> None:
    at %= len(code) + 1
    t = parse(code[:at] + mark + code[at:])
    assert t.foreign is not None
    assert f"at position {at + 1}" in t.foreign


@given(HOSTILE_SHORT)
def test_hostile_text_is_either_printable_ascii_or_flagged(raw: str) -> None:
    t = parse(raw)
    clean = raw[:MAX_INPUT].strip(" \t\r\n\v\f")
    assert (t.foreign is None) == all(" " <= c <= "~" or c == "\x1d" for c in clean)
