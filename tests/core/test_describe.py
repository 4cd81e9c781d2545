"""The words an officer reads for carriers, formats and entry types."""

from __future__ import annotations

import pytest

from workstation.core.demo import ENTRY_TYPES
from workstation.core.describe import (
    describe_carrier,
    describe_entry_type,
    describe_format,
    describe_format_name,
)
from workstation.core.tracking import (
    FORMAT_NAMES,
    make_fedex12,
    make_fedex_astra32,
    make_fedex_express34,
    make_fedex_ground96,
    make_gs1,
    make_s10,
    parse,
)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (make_gs1("04144176022896"), "FedEx Ground (15 digits)"),
        (make_fedex12("98657878885"), "FedEx Express (12 digits)"),
        (make_fedex_express34("986578788855"), "FedEx Express (34-digit label barcode)"),
        (make_fedex_astra32("986578788855"), "FedEx Express (32-digit ASTRA label barcode)"),
        (make_fedex_ground96("041441760228964"), "FedEx Ground (22-digit label barcode)"),
        (make_s10("LX", "12345678", "CN"), "UPU S10 (China Post)"),
        (make_s10("RB", "12345678", "GB"), "UPU S10 (Royal Mail)"),
        (make_s10("EE", "12345678", "HK"), "UPU S10 (Hongkong Post)"),
        (make_s10("CP", "12345678", "ZZ"), "UPU S10 (post of ZZ)"),
        ("9400111206206406260787", "USPS Intelligent Mail package barcode (22 digits)"),
        ("61299998820821171811", "USPS or FedEx SmartPost (20 digits)"),
        ("3318810036", "DHL Express (10 digits)"),
        ("LP00123456789012", "Cainiao (LP and 14 digits)"),
        ("hello there", "Unknown format"),
    ],
)
def test_describe_format(code: str, words: str) -> None:
    assert describe_format(parse(code)) == words


def test_every_format_has_words_and_none_is_shown_by_its_internal_name() -> None:
    for name in FORMAT_NAMES:
        words = describe_format_name(name, "XXXXXXXXXXXXXXXXXXXXCN")
        assert words != name
        assert "_" not in words


def test_a_misread_long_form_is_still_named_for_its_format() -> None:
    barcode = make_fedex_express34("986578788855")
    misread = parse(barcode[:-1] + str((int(barcode[-1]) + 1) % 10))
    assert misread.misread
    assert describe_format(misread) == "FedEx Express (34-digit label barcode)"


@pytest.mark.parametrize(
    ("carrier", "words"),
    [
        ("fedex", "FedEx"),
        ("FEDEX", "FedEx"),
        ("usps", "USPS"),
        ("post", "Post"),
        ("yunexpress", "YunExpress"),
        ("Acme Couriers", "Acme Couriers"),  # a carrier the feed names is shown as named
        (None, "Unknown carrier"),
        ("  ", "Unknown carrier"),
    ],
)
def test_describe_carrier(carrier: str | None, words: str) -> None:
    assert describe_carrier(carrier) == words


@pytest.mark.parametrize(
    ("entry_type", "words"),
    [
        ("type86", "Type 86 entry"),
        ("Type 86", "Type 86 entry"),
        ("section321", "Section 321"),
        ("Section 321", "Section 321"),
        ("formal", "Formal entry"),
        ("informal", "Informal entry"),
        ("unknown", "Entry type not given"),
        ("", "Entry type not given"),
        (None, "Entry type not given"),
        ("warehouse", "Entry type warehouse"),
    ],
)
def test_describe_entry_type(entry_type: str | None, words: str) -> None:
    assert describe_entry_type(entry_type) == words


def test_every_demo_entry_type_has_words() -> None:
    for name, _ in ENTRY_TYPES:
        assert not describe_entry_type(name).startswith("Entry type ")
