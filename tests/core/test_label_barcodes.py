"""Demo labels print FedEx numbers inside their long label barcodes; the feed keeps the short ones."""

from __future__ import annotations

from datetime import date

from workstation.core.demo import DemoGenerator, label_barcodes
from workstation.core.tracking import CheckDigit, parse


def test_fedex_numbers_get_long_barcodes_that_parse_back_to_them() -> None:
    ids = [r["tracking_id"] for r in DemoGenerator(3, date(2026, 5, 1)).records(400)]
    codes = label_barcodes(ids)
    formats = set()
    for tracking_id, code in zip(ids, codes, strict=True):
        short = parse(tracking_id)
        scanned = parse(code)
        assert scanned.tracking_id == tracking_id
        assert scanned.check_digit is CheckDigit.VALID
        assert scanned.barcode == code
        if short.carrier == "fedex":
            assert len(code) > len(tracking_id)
            formats.add(scanned.format)
        else:
            assert code == tracking_id
    assert formats == {"fedex_express_34", "fedex_astra_32", "fedex_ground_gsn_34", "fedex_ground_96"}


def test_the_demo_feed_carries_short_fedex_numbers_only() -> None:
    for rec in DemoGenerator(3, date(2026, 5, 1)).records(2000):
        if rec["carrier"] == "fedex":
            assert len(rec["tracking_id"]) in (12, 15), rec["tracking_id"]


def test_the_long_forms_take_turns_among_12_digit_numbers() -> None:
    ids = ["986578788855", "477179081230", "799531274483", "790535312317"]
    assert [parse(c).format for c in label_barcodes(ids)] == [
        "fedex_express_34",
        "fedex_astra_32",
        "fedex_ground_gsn_34",
        "fedex_express_34",
    ]
