"""Demo data: deterministic, valid, and its risk follows from its manifest."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from workstation.core import risk as rules
from workstation.core.demo import CARRIER_MIX, DemoGenerator
from workstation.core.feed_record import record_from_dict
from workstation.core.manifest import Item
from workstation.core.tracking import CheckDigit, parse

BASE_DATE = date(2026, 5, 1)
N = 5000


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return list(DemoGenerator(7, BASE_DATE).records(N))


def test_same_seed_and_date_give_identical_records(records: list[dict[str, Any]]) -> None:
    again = list(DemoGenerator(7, BASE_DATE).records(300))
    assert again == records[:300]
    other_seed = list(DemoGenerator(8, BASE_DATE).records(300))
    assert other_seed != again
    other_date = list(DemoGenerator(7, date(2026, 5, 2)).records(300))
    assert [r["arrival_date"] for r in other_date] != [r["arrival_date"] for r in again]


def test_every_record_validates_and_every_tracking_number_has_a_valid_check_digit(
    records: list[dict[str, Any]],
) -> None:
    for rec in records:
        parsed = parse(rec["tracking_id"])
        assert parsed.check_digit is CheckDigit.VALID, rec["tracking_id"]
        assert parsed.tracking_id == rec["tracking_id"]
        assert isinstance(record_from_dict(rec), Item)
    assert len({r["tracking_id"] for r in records}) == N


def test_carrier_mix_follows_the_stated_shares(records: list[dict[str, Any]]) -> None:
    counts = Counter(r["carrier"] for r in records)
    for carrier, share in CARRIER_MIX:
        assert abs(counts[carrier] / N - share) < 0.03, (carrier, counts[carrier])
    for rec in records:
        assert parse(rec["tracking_id"]).carrier in (rec["carrier"], "gs1")


def test_about_three_percent_are_targeted(records: list[dict[str, Any]]) -> None:
    share = sum(r["risk"]["targeted"] for r in records) / N
    assert 0.015 <= share <= 0.05, share


def test_arrivals_are_within_ten_days_of_the_base_date(records: list[dict[str, Any]]) -> None:
    days = {(BASE_DATE - date.fromisoformat(r["arrival_date"])).days for r in records}
    assert days <= set(range(10))


def test_reasons_follow_from_the_data(records: list[dict[str, Any]]) -> None:
    watch_listed = DemoGenerator(7, BASE_DATE).watch_listed
    seen: Counter[str] = Counter()
    for rec in records:
        risk = rec["risk"]
        codes = {r["code"] for r in risk["reasons"]}
        seen.update(codes)
        cats = [rules.category_of(ln["hts_code"]) for ln in rec["lines"]]
        if "UNDERVALUED" in codes:
            assert any(
                c is not None and ln["unit_value"] < c.floor for c, ln in zip(cats, rec["lines"], strict=True)
            )
        else:
            assert all(
                c is None or ln["unit_value"] >= c.floor for c, ln in zip(cats, rec["lines"], strict=True)
            )
        if "IPR_CATEGORY_ORIGIN" in codes:
            assert any(
                c is not None and c.counterfeit_prone and ln["origin_country"] in rules.HIGH_RISK_ORIGINS
                for c, ln in zip(cats, rec["lines"], strict=True)
            )
        assert ("WATCHLIST_SHIPPER" in codes) == (rec["shipper_name"] in watch_listed)
        assert risk["score"] == min(100, int(sum(r["weight"] for r in risk["reasons"])))
        lane = (
            "red"
            if risk["score"] >= rules.RED_FROM
            else "yellow"
            if risk["score"] >= rules.YELLOW_FROM
            else "green"
        )
        assert risk["lane"] == lane
        assert risk["targeted"] == (risk["score"] >= rules.TARGET_FROM)
        assert bool(risk["target_reason"]) == risk["targeted"]
        assert rec["declared_value"] == round(
            sum(ln["quantity"] * ln["unit_value"] for ln in rec["lines"]), 2
        )
    # Every kind of reason shows up in a stream this size.
    for code in ("UNDERVALUED", "IPR_CATEGORY_ORIGIN", "WATCHLIST_SHIPPER", "WEIGHT_MISMATCH", "AGENCY_FDA"):
        assert seen[code] > 0, code
