"""Validation of the bench's drafts and the detention deadlines (pure; no Qt, no SQL)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from workstation.core.records import (
    AGENCIES,
    DetentionDraft,
    InspectionDraft,
    Outcome,
    SeizedItem,
    SeizureDraft,
    Violation,
    detention_deadlines,
    validate_detention,
    validate_inspection,
    validate_seizure,
)

ITEM = SeizedItem("handbag", 3, 250.0, 120.0, "Brand Co", "TMK 09-12345", "SKU-1")


def seizure(**changes: object) -> SeizureDraft:
    base: dict[str, object] = {
        "violation": Violation.TRADEMARK,
        "law_cited": "19 U.S.C. 1526(e)",
        "items": (ITEM,),
        "storage_location": "cage A",
        "photo_ids": ("p1",),
    }
    base.update(changes)
    return SeizureDraft(**base)  # type: ignore[arg-type]


def test_a_complete_seizure_is_valid_and_totals_add_up() -> None:
    d = seizure(items=(ITEM, SeizedItem("watch", 2, 10.5, 4.0)))
    assert validate_seizure(d) == {}
    assert d.total_msrp == 3 * 250.0 + 2 * 10.5
    assert d.total_domestic_value == 124.0


def test_each_missing_field_is_named_by_its_path() -> None:
    errors = validate_seizure(
        seizure(
            law_cited="  ",
            items=(ITEM, SeizedItem("", 0, -1.0, float("nan"))),
            storage_location="",
            photo_ids=(),
        )
    )
    assert set(errors) == {
        "law_cited",
        "items[1].description",
        "items[1].quantity",
        "items[1].msrp_per_unit",
        "items[1].domestic_value",
        "storage_location",
        "photos",
    }
    assert all(errors.values())


def test_no_items_is_an_error() -> None:
    assert "items" in validate_seizure(seizure(items=()))


def test_photos_are_required_for_trademark_and_copyright_only() -> None:
    assert "photos" in validate_seizure(seizure(violation=Violation.COPYRIGHT, photo_ids=()))
    assert "photos" in validate_seizure(seizure(violation=Violation.TRADEMARK, photo_ids=()))
    for v in (Violation.NARCOTICS, Violation.CURRENCY, Violation.AGRICULTURE, Violation.PROHIBITED):
        assert validate_seizure(seizure(violation=v, photo_ids=())) == {}


def test_the_same_photo_twice_is_an_error() -> None:
    assert "photos" in validate_seizure(seizure(photo_ids=("p1", "p1")))


def test_detention_deadlines_are_5_and_30_days() -> None:
    assert detention_deadlines(date(2026, 2, 25)) == (date(2026, 3, 2), date(2026, 3, 27))


def test_detention_validation() -> None:
    ok = DetentionDraft("lab test", "FDA", date(2026, 3, 1))
    assert validate_detention(ok, today=date(2026, 3, 1)) == {}
    bad = DetentionDraft(" ", "", date(2026, 3, 2))
    assert set(validate_detention(bad, today=date(2026, 3, 1))) == {"reason", "agency_or_test", "detained_on"}


def test_inspection_validation() -> None:
    assert validate_inspection(InspectionDraft("RB123456785GB", Outcome.RELEASED)) == {}
    assert "tracking_id" in validate_inspection(InspectionDraft("  ", Outcome.RELEASED))
    assert "agency" in validate_inspection(InspectionDraft("X", Outcome.REFERRED))
    assert validate_inspection(InspectionDraft("X", Outcome.REFERRED, agency=AGENCIES[0])) == {}
    assert "reason" in validate_inspection(InspectionDraft("X", Outcome.RELEASED, supersedes="abc"))


@given(
    description=st.text(),
    law=st.text(),
    storage=st.text(),
    quantity=st.integers(),
    msrp=st.floats(allow_nan=True, allow_infinity=True),
    value=st.floats(allow_nan=True, allow_infinity=True),
    violation=st.sampled_from(Violation),
    photos=st.lists(st.text(), max_size=3).map(tuple),
)
def test_seizure_validation_accepts_any_input_and_is_empty_only_when_valid(
    description: str,
    law: str,
    storage: str,
    quantity: int,
    msrp: float,
    value: float,
    violation: Violation,
    photos: tuple[str, ...],
) -> None:
    d = SeizureDraft(violation, law, (SeizedItem(description, quantity, msrp, value),), storage, photos)
    errors = validate_seizure(d)
    valid = (
        bool(description.strip() and law.strip() and storage.strip())
        and quantity >= 1
        and 0 <= msrp < float("inf")
        and 0 <= value < float("inf")
        and (violation not in (Violation.TRADEMARK, Violation.COPYRIGHT) or bool(photos))
        and len(set(photos)) == len(photos)
    )
    assert (errors == {}) == valid


@given(st.text(), st.text(), st.dates())
def test_detention_validation_accepts_any_text(reason: str, agency: str, day: date) -> None:
    errors = validate_detention(DetentionDraft(reason, agency, day), today=date(2026, 3, 1))
    assert ("reason" in errors) == (not reason.strip())
    assert ("detained_on" in errors) == (day > date(2026, 3, 1))
