"""Records of the bench: outcomes, detentions, seizures, who made them, and their validation.

Pure values and rules; the store writes them and the UI builds the drafts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from workstation.core.errors import Forbidden

# 19 CFR 151.16: notice of detention within 5 business days, decision within 30 days (calendar
# days here: the conservative reading, so a deadline is never shown later than it is).
NOTICE_DAYS = 5
DECISION_DAYS = 30


class Outcome(Enum):
    RELEASED = "released"
    DUTY_ASSESSED = "duty_assessed"
    DETAINED = "detained"
    REFERRED = "referred"
    SEIZED = "seized"
    REFUSED_RETURNED = "refused_returned"


# Outcomes that open a case; retention keeps their manifests while the case is open.
OPEN_CASE_OUTCOMES = frozenset({Outcome.DETAINED, Outcome.SEIZED})


class ExamType(Enum):
    XRAY = "xray"
    OPENED = "opened"
    CANINE = "canine"
    LAB_SAMPLE = "lab_sample"


class Violation(Enum):
    TRADEMARK = "trademark"
    COPYRIGHT = "copyright"
    NARCOTICS = "narcotics"
    PROHIBITED = "prohibited_restricted"
    AGRICULTURE = "agriculture"
    CURRENCY = "currency"
    OTHER = "other"


# Violations where the rights holder is told and photos are the evidence they see.
PHOTO_REQUIRED = frozenset({Violation.TRADEMARK, Violation.COPYRIGHT})

AGENCIES = ("FDA", "USDA/APHIS", "CPSC", "FWS", "DEA", "Other")


class Role(Enum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Officer:
    badge: str
    name: str
    role: Role
    active: bool = True


@dataclass(frozen=True)
class Session:
    officer: Officer
    bench_id: str
    started_at: datetime
    shift_id: str


# The old name of Forbidden, kept so that callers and tests written against it need no change.
PermissionDenied = Forbidden


@dataclass(frozen=True)
class InspectionDraft:
    tracking_id: str
    outcome: Outcome
    exam_types: frozenset[ExamType] = frozenset()
    notes: str = ""
    manifest_found: bool = True
    risk_score: int | None = None
    risk_lane: str | None = None
    targeted: bool = False
    agency: str | None = None
    supersedes: str | None = None
    reason: str = ""
    # What the label's barcode held, normalised (TrackingNumber.barcode): the tracking number
    # itself or a longer form around it (a FedEx 34-digit barcode); None when not scanned.
    barcode: str | None = None


@dataclass(frozen=True)
class InspectionRecord:
    id: str
    tracking_id: str
    officer_badge: str
    officer_name: str
    bench_id: str
    at: datetime
    outcome: Outcome
    exam_types: frozenset[ExamType]
    notes: str
    manifest_found: bool
    risk_score: int | None
    risk_lane: str | None
    targeted: bool
    agency: str | None
    supersedes: str | None
    reason: str
    barcode: str | None = None  # the scanned form; None for records made before it was kept


@dataclass(frozen=True)
class SeizedItem:
    description: str
    quantity: int
    msrp_per_unit: float
    domestic_value: float  # for the whole line: last purchase price plus duties, fees and freight
    rights_holder: str = ""
    recordation_number: str = ""
    identifiers: str = ""  # serial numbers, UPCs, SKUs

    @property
    def msrp(self) -> float:
        return self.quantity * self.msrp_per_unit


@dataclass(frozen=True)
class SeizureDraft:
    violation: Violation
    law_cited: str
    items: tuple[SeizedItem, ...]
    storage_location: str
    photo_ids: tuple[str, ...] = ()

    @property
    def total_msrp(self) -> float:
        return sum((i.msrp for i in self.items), 0.0)

    @property
    def total_domestic_value(self) -> float:
        return sum((i.domestic_value for i in self.items), 0.0)


@dataclass(frozen=True)
class DetentionDraft:
    reason: str
    agency_or_test: str
    detained_on: date


def _blank(text: str) -> bool:
    return not text.strip()


def _bad_money(value: float) -> bool:
    return (
        isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0
    )


def validate_inspection(d: InspectionDraft) -> dict[str, str]:
    """Field -> message for what keeps the draft from being saved; empty when it can be."""
    errors: dict[str, str] = {}
    if _blank(d.tracking_id):
        errors["tracking_id"] = "a tracking number is required"
    if d.outcome is Outcome.REFERRED and d.agency not in AGENCIES:
        errors["agency"] = f"a referral names the agency: one of {', '.join(AGENCIES)}"
    if d.agency is not None and d.agency not in AGENCIES:
        errors.setdefault("agency", f"unknown agency {d.agency!r}: one of {', '.join(AGENCIES)}")
    if d.risk_score is not None and (isinstance(d.risk_score, bool) or not isinstance(d.risk_score, int)):
        errors["risk_score"] = "the risk score is a whole number"
    if d.barcode and not (isinstance(d.barcode, str) and d.barcode.isascii() and d.barcode.isalnum()):
        errors["barcode"] = "the barcode is kept as normalised: letters and digits only"
    if d.supersedes is not None and _blank(d.reason):
        errors["reason"] = "a correction says why it corrects the record"
    return errors


def validate_seizure(d: SeizureDraft) -> dict[str, str]:
    """Field path -> message ("items[0].quantity"); empty when the seizure can be saved."""
    errors: dict[str, str] = {}
    if not isinstance(d.violation, Violation):
        errors["violation"] = "choose the violation"
    if _blank(d.law_cited):
        errors["law_cited"] = "cite the law the goods are seized under"
    if not d.items:
        errors["items"] = "list at least one seized item"
    for n, item in enumerate(d.items):
        where = f"items[{n}]"
        if _blank(item.description):
            errors[f"{where}.description"] = "describe the item"
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int) or item.quantity < 1:
            errors[f"{where}.quantity"] = "the quantity is a whole number, 1 or more"
        if _bad_money(item.msrp_per_unit):
            errors[f"{where}.msrp_per_unit"] = "the MSRP per unit is an amount, 0 or more"
        if _bad_money(item.domestic_value):
            errors[f"{where}.domestic_value"] = "the domestic value is an amount, 0 or more"
    if d.violation in PHOTO_REQUIRED and not d.photo_ids:
        errors["photos"] = f"a {d.violation.value} seizure needs at least one photo for the rights holder"
    if len(set(d.photo_ids)) != len(d.photo_ids):
        errors["photos"] = "the same photo is attached twice"
    if _blank(d.storage_location):
        errors["storage_location"] = "say where the seized goods are stored"
    return errors


def detention_deadlines(detained_on: date) -> tuple[date, date]:
    """(notice due, decision due) for goods detained on that day."""
    return detained_on + timedelta(days=NOTICE_DAYS), detained_on + timedelta(days=DECISION_DAYS)


def validate_detention(d: DetentionDraft, today: date | None = None) -> dict[str, str]:
    """Field -> message; empty when the detention can be saved. `today` bounds the date."""
    errors: dict[str, str] = {}
    if _blank(d.reason):
        errors["reason"] = "give the reason for the detention"
    if _blank(d.agency_or_test):
        errors["agency_or_test"] = "name the agency or the test the goods are held for"
    if not isinstance(d.detained_on, date):
        errors["detained_on"] = "the detention date is required"
    elif today is not None and d.detained_on > today:
        errors["detained_on"] = "the detention date cannot be in the future"
    return errors
