"""Manifests and risk assessments: what the advance data says about a package, validated.

`record_from_dict` turns one feed record (already parsed from JSON or CSV) into an `Item` or a
`RiskUpdate`, or raises `RecordError` with a reason a person can act on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from workstation.core.codes import COUNTRIES, CURRENCIES
from workstation.core.tracking import is_usable, parse


class Lane(Enum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class RiskReason:
    code: str
    text: str
    weight: float


@dataclass(frozen=True)
class Risk:
    score: int
    lane: Lane
    reasons: tuple[RiskReason, ...]
    targeted: bool
    target_reason: str
    rule_version: str
    assessed_at: str  # ISO 8601; newer assessments replace older ones


@dataclass(frozen=True)
class ContentLine:
    description: str
    hts_code: str | None
    quantity: float
    unit_value: float
    origin_country: str


@dataclass(frozen=True)
class Item:
    tracking_id: str
    carrier: str | None
    tracking_format: str | None
    entry_type: str
    arrival_date: str  # ISO date
    port: str
    shipper_name: str
    shipper_address: str
    shipper_country: str
    consignee_name: str
    consignee_address: str
    consignee_country: str
    marketplace: str
    seller: str
    weight_kg: float | None
    declared_value: float
    currency: str
    version: int
    lines: tuple[ContentLine, ...]
    risk: Risk | None


@dataclass(frozen=True)
class RiskUpdate:
    """A risk-only record: the assessment arrives after the manifest."""

    tracking_id: str
    risk: Risk


class RecordError(ValueError):
    """One feed record is unusable; the message names the field and what is wrong with it."""


ITEM_FIELDS = (
    "tracking_id",
    "carrier",
    "entry_type",
    "arrival_date",
    "port",
    "shipper_name",
    "shipper_address",
    "shipper_country",
    "consignee_name",
    "consignee_address",
    "consignee_country",
    "marketplace",
    "seller",
    "weight_kg",
    "declared_value",
    "currency",
    "version",
)
REQUIRED_ITEM_FIELDS = (
    "tracking_id",
    "arrival_date",
    "shipper_name",
    "shipper_country",
    "consignee_name",
    "declared_value",
    "currency",
)
LINE_FIELDS = ("description", "hts_code", "quantity", "unit_value", "origin_country")
REQUIRED_LINE_FIELDS = ("description", "quantity", "unit_value", "origin_country")
RISK_FIELDS = ("score", "lane", "reasons", "targeted", "target_reason", "rule_version", "assessed_at")

_HTS = re.compile(r"\d{6,10}")
_MAX_TEXT = 2000


def _text(d: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = d.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f"{where}{key}: missing (required)")
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{where}{key}: expected text, got {type(value).__name__} {value!r}")
    if len(value) > _MAX_TEXT:
        raise RecordError(f"{where}{key}: longer than {_MAX_TEXT} characters")
    return value.strip()


def _number(d: dict[str, Any], key: str, where: str, *, required: bool = False) -> float | None:
    value = d.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f"{where}{key}: missing (required)")
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise RecordError(f"{where}{key}: expected a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{where}{key}: expected a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise RecordError(f"{where}{key}: expected a finite number, got {value!r}")
    if value < 0:
        raise RecordError(f"{where}{key}: must not be negative, got {value!r}")
    return float(value)


def _country(d: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = _text(d, key, where, required=required).upper()
    if value and value not in COUNTRIES:
        raise RecordError(f"{where}{key}: {d.get(key)!r} is not an ISO 3166 alpha-2 country code")
    return value


def _tracking(d: dict[str, Any]) -> tuple[str, str | None, str | None]:
    raw = d.get("tracking_id")
    if raw is None or raw == "":
        raise RecordError("tracking_id: missing (required)")
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise RecordError(f"tracking_id: expected text, got {type(raw).__name__}")
    parsed = parse(str(raw))
    if not is_usable(parsed.tracking_id):
        raise RecordError(f"tracking_id: {raw!r} is not a usable tracking number (6 to 40 letters or digits)")
    return parsed.tracking_id, parsed.carrier, parsed.format


def _iso_date(value: str, key: str) -> str:
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise RecordError(f"{key}: {value!r} is not a date (YYYY-MM-DD)") from None


def _utc_iso(value: str) -> str:
    """ISO 8601 in UTC, so that assessments compare as text; a time without offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"risk.assessed_at: {value!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def risk_from_dict(d: Any) -> Risk:
    where = "risk."
    if not isinstance(d, dict):
        raise RecordError(f"risk: expected an object, got {type(d).__name__}")
    score = _number(d, "score", where, required=True)
    assert score is not None
    if score > 100 or score != int(score):
        raise RecordError(f"risk.score: must be a whole number from 0 to 100, got {d.get('score')!r}")
    lane_text = _text(d, "lane", where, required=True).lower()
    try:
        lane = Lane(lane_text)
    except ValueError:
        raise RecordError(f"risk.lane: {d.get('lane')!r} is not one of green, yellow, red") from None
    raw_reasons = d.get("reasons") or []
    if not isinstance(raw_reasons, list):
        raise RecordError("risk.reasons: expected a list of {code, text, weight}")
    reasons = []
    for i, r in enumerate(raw_reasons):
        rw = f"risk.reasons[{i}]."
        if not isinstance(r, dict):
            raise RecordError(f"risk.reasons[{i}]: expected an object with code, text, weight")
        weight = _number(r, "weight", rw) or 0.0
        reasons.append(RiskReason(_text(r, "code", rw, required=True), _text(r, "text", rw), weight))
    targeted = d.get("targeted", False)
    if isinstance(targeted, str) and targeted.lower() in ("true", "false", "1", "0", "yes", "no", ""):
        targeted = targeted.lower() in ("true", "1", "yes")
    if isinstance(targeted, int) and not isinstance(targeted, bool) and targeted in (0, 1):
        targeted = bool(targeted)
    if not isinstance(targeted, bool):
        raise RecordError(f"risk.targeted: expected true or false, got {targeted!r}")
    assessed = _utc_iso(_text(d, "assessed_at", where, required=True))
    return Risk(
        score=int(score),
        lane=lane,
        reasons=tuple(reasons),
        targeted=targeted,
        target_reason=_text(d, "target_reason", where),
        rule_version=_text(d, "rule_version", where),
        assessed_at=assessed,
    )


def _line(d: Any, i: int) -> ContentLine:
    where = f"lines[{i}]."
    if not isinstance(d, dict):
        raise RecordError(f"lines[{i}]: expected an object, got {type(d).__name__}")
    hts_raw = d.get("hts_code")
    hts: str | None = None
    if hts_raw not in (None, ""):
        hts = str(hts_raw).replace(".", "").strip() if isinstance(hts_raw, str | int) else None
        if hts is None or not _HTS.fullmatch(hts):
            raise RecordError(f"{where}hts_code: {hts_raw!r} is not an HTS code of 6 to 10 digits")
    quantity = _number(d, "quantity", where, required=True)
    unit_value = _number(d, "unit_value", where, required=True)
    assert quantity is not None
    assert unit_value is not None
    return ContentLine(
        description=_text(d, "description", where, required=True),
        hts_code=hts,
        quantity=quantity,
        unit_value=unit_value,
        origin_country=_country(d, "origin_country", where, required=True),
    )


def is_risk_only(d: dict[str, Any]) -> bool:
    return "risk" in d and not any(k in d for k in REQUIRED_ITEM_FIELDS[1:]) and "lines" not in d


def record_from_dict(d: Any) -> Item | RiskUpdate:
    """Validate one feed record; raise RecordError naming the first field that is wrong."""
    if not isinstance(d, dict):
        raise RecordError(f"expected an object with tracking_id and its fields, got {type(d).__name__}")
    tracking_id, carrier, fmt = _tracking(d)
    if is_risk_only(d):
        return RiskUpdate(tracking_id, risk_from_dict(d["risk"]))
    currency = _text(d, "currency", "", required=True).upper()
    if currency not in CURRENCIES:
        raise RecordError(f"currency: {d.get('currency')!r} is not an ISO 4217 currency code")
    version = _number(d, "version", "")
    if version is not None and version != int(version):
        raise RecordError(f"version: expected a whole number, got {d.get('version')!r}")
    raw_lines = d.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise RecordError("lines: missing (at least one content line is required)")
    declared = _number(d, "declared_value", "", required=True)
    assert declared is not None
    given_carrier = _text(d, "carrier", "").lower()
    return Item(
        tracking_id=tracking_id,
        carrier=given_carrier or carrier,
        tracking_format=fmt,
        entry_type=_text(d, "entry_type", "") or "unknown",
        arrival_date=_iso_date(_text(d, "arrival_date", "", required=True), "arrival_date"),
        port=_text(d, "port", ""),
        shipper_name=_text(d, "shipper_name", "", required=True),
        shipper_address=_text(d, "shipper_address", ""),
        shipper_country=_country(d, "shipper_country", "", required=True),
        consignee_name=_text(d, "consignee_name", "", required=True),
        consignee_address=_text(d, "consignee_address", ""),
        consignee_country=_country(d, "consignee_country", ""),
        marketplace=_text(d, "marketplace", ""),
        seller=_text(d, "seller", ""),
        weight_kg=_number(d, "weight_kg", ""),
        declared_value=declared,
        currency=currency,
        version=int(version) if version is not None else 1,
        lines=tuple(_line(line, i) for i, line in enumerate(raw_lines)),
        risk=risk_from_dict(d["risk"]) if d.get("risk") not in (None, {}) else None,
    )
