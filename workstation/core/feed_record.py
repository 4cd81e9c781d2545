"""Feed records validated: one parsed JSON or CSV record in, an `Item` or `RiskUpdate` out.

`record_from_dict` turns one feed record into an `Item` or a `RiskUpdate`, or raises
`RecordError` with a reason a person can act on.

`flat_record` does the same validation but returns plain tuples (`ItemRecord`, `RiskRecord`):
the feed import's hot path, a million records at a time, where building frozen dataclasses
would cost more than the validation. Both share one rule set: a fast path accepts only the
common, well-formed shape; anything else goes through the thorough path, which either accepts
it or raises the error message. So the two paths cannot disagree on what is valid.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from workstation.core.codes import COUNTRIES, CURRENCIES
from workstation.core.manifest import ContentLine, Item, Lane, Risk, RiskReason, RiskUpdate
from workstation.core.tracking import feed_id, is_usable, parse


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

# ASCII digits only: `\d` would also accept other scripts' digits.
_HTS = re.compile(r"[0-9]{6,10}")
_MAX_VERSION = (1 << 63) - 1  # a version is stored as a 64-bit integer
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
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite:
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
    if parsed.foreign is not None:
        raise RecordError(f"tracking_id {parsed.foreign}")
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
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:  # e.g. year 1 with a positive offset
        raise RecordError(f"risk.assessed_at: {value!r} is out of the range of dates") from None


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


def _thorough_record(d: Any) -> Item | RiskUpdate:
    """Validate one feed record field by field; raise RecordError naming the first field that is wrong."""
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
    if version is not None and version > _MAX_VERSION:
        raise RecordError(f"version: must be at most {_MAX_VERSION}, got {d.get('version')!r}")
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


# --- the flat form: the same validation, plain tuples out -----------------------------------

LineRow = tuple[str, str | None, float, float, str]  # ContentLine's fields, in order
ReasonRow = tuple[str, str, float]  # RiskReason's fields, in order
# Risk's fields in order, with the lane as its text value.
RiskRow = tuple[int, str, tuple[ReasonRow, ...], bool, str, str, str]


class ItemRecord(NamedTuple):
    """A validated item as plain values: `head` holds Item's 18 scalar fields in declaration order."""

    head: tuple[Any, ...]
    lines: list[LineRow]
    risk: RiskRow | None

    @property
    def tracking_id(self) -> str:
        return str(self.head[0])

    @property
    def version(self) -> int:
        return int(self.head[17])


class RiskRecord(NamedTuple):
    """A validated risk-only record."""

    tracking_id: str
    risk: RiskRow


class _Unusual(Exception):
    """The fast path met something it does not handle; the thorough path decides."""


_INF = math.inf
_MAX_INT = 1 << 53  # larger ints are left to the thorough path (float conversion, overflow)
_LANES = frozenset(lane.value for lane in Lane)


def _opt_text(v: object) -> str:
    if v is None:
        return ""
    if type(v) is str and len(v) <= _MAX_TEXT:
        return v.strip()
    raise _Unusual


def _req_text(v: object) -> str:
    if type(v) is str and v and len(v) <= _MAX_TEXT:
        return v.strip()
    raise _Unusual


def _req_number(v: object) -> float:
    if (type(v) is float and 0.0 <= v < _INF) or (type(v) is int and 0 <= v < _MAX_INT):
        return float(v)
    raise _Unusual


def _opt_number(v: object) -> float | None:
    return None if v is None else _req_number(v)


def _req_country(v: object) -> str:
    if type(v) is str and v in COUNTRIES:
        return v
    raise _Unusual


def _opt_country(v: object) -> str:
    return "" if v is None or v == "" else _req_country(v)


def _fast_risk(r: object) -> RiskRow:
    if type(r) is not dict:
        raise _Unusual
    g = r.get
    score = g("score")
    lane = g("lane")
    targeted = g("targeted", False)
    if type(score) is not int or not 0 <= score <= 100 or type(targeted) is not bool:
        raise _Unusual
    if type(lane) is not str or lane not in _LANES:
        raise _Unusual
    raw_reasons = g("reasons") or []
    if type(raw_reasons) is not list:
        raise _Unusual
    reasons = []
    for rr in raw_reasons:
        if type(rr) is not dict:
            raise _Unusual
        weight = rr.get("weight")
        reasons.append(
            (
                _req_text(rr.get("code")),
                _opt_text(rr.get("text")),
                (_req_number(weight) or 0.0) if weight is not None else 0.0,
            )
        )
    return (
        score,
        lane,
        tuple(reasons),
        targeted,
        _opt_text(g("target_reason")),
        _opt_text(g("rule_version")),
        _utc_iso(_req_text(g("assessed_at"))),
    )


def _fast_record(d: dict[str, Any]) -> ItemRecord | RiskRecord:
    """The common, well-formed record, checked with as few steps as possible; raises _Unusual."""
    g = d.get
    raw_id = g("tracking_id")
    if type(raw_id) is not str or not raw_id:
        raise _Unusual
    parsed = feed_id(raw_id)
    if parsed is None:
        raise _Unusual
    tracking_id, carrier, fmt = parsed
    if not 6 <= len(tracking_id) <= 40:  # is_usable
        raise _Unusual
    if "lines" not in d and is_risk_only(d):
        return RiskRecord(tracking_id, _fast_risk(d["risk"]))
    currency = g("currency")
    if type(currency) is not str or currency not in CURRENCIES:
        raise _Unusual
    version = g("version")
    if version is None:
        version = 1
    elif type(version) is not int or not 0 <= version < _MAX_INT:
        raise _Unusual
    raw_lines = g("lines")
    if type(raw_lines) is not list or not raw_lines:
        raise _Unusual
    lines: list[LineRow] = []
    for ln in raw_lines:
        if type(ln) is not dict:
            raise _Unusual
        lg = ln.get
        hts_raw = lg("hts_code")
        hts: str | None = None
        if hts_raw is not None and hts_raw != "":
            if type(hts_raw) is not str:
                raise _Unusual
            hts = hts_raw.replace(".", "").strip()
            if not _HTS.fullmatch(hts):
                raise _Unusual
        lines.append(
            (
                _req_text(lg("description")),
                hts,
                _req_number(lg("quantity")),
                _req_number(lg("unit_value")),
                _req_country(lg("origin_country")),
            )
        )
    arrival = _req_text(g("arrival_date"))
    raw_risk = g("risk")
    head = (
        tracking_id,
        _opt_text(g("carrier")).lower() or carrier,
        fmt,
        _opt_text(g("entry_type")) or "unknown",
        date.fromisoformat(arrival[:10]).isoformat(),
        _opt_text(g("port")),
        _req_text(g("shipper_name")),
        _opt_text(g("shipper_address")),
        _req_country(g("shipper_country")),
        _req_text(g("consignee_name")),
        _opt_text(g("consignee_address")),
        _opt_country(g("consignee_country")),
        _opt_text(g("marketplace")),
        _opt_text(g("seller")),
        _opt_number(g("weight_kg")),
        _req_number(g("declared_value")),
        currency,
        version,
    )
    return ItemRecord(head, lines, None if raw_risk is None or raw_risk == {} else _fast_risk(raw_risk))


def risk_row(risk: Risk) -> RiskRow:
    return (
        risk.score,
        risk.lane.value,
        tuple((r.code, r.text, r.weight) for r in risk.reasons),
        risk.targeted,
        risk.target_reason,
        risk.rule_version,
        risk.assessed_at,
    )


def risk_from_row(row: RiskRow) -> Risk:
    score, lane, reasons, targeted, target_reason, rule_version, assessed_at = row
    return Risk(
        score,
        Lane(lane),
        tuple(RiskReason(c, t, w) for c, t, w in reasons),
        targeted,
        target_reason,
        rule_version,
        assessed_at,
    )


def item_record(item: Item) -> ItemRecord:
    """The flat form of an Item."""
    head = (
        item.tracking_id,
        item.carrier,
        item.tracking_format,
        item.entry_type,
        item.arrival_date,
        item.port,
        item.shipper_name,
        item.shipper_address,
        item.shipper_country,
        item.consignee_name,
        item.consignee_address,
        item.consignee_country,
        item.marketplace,
        item.seller,
        item.weight_kg,
        item.declared_value,
        item.currency,
        item.version,
    )
    lines: list[LineRow] = [
        (ln.description, ln.hts_code, ln.quantity, ln.unit_value, ln.origin_country) for ln in item.lines
    ]
    return ItemRecord(head, lines, None if item.risk is None else risk_row(item.risk))


def item_from_record(rec: ItemRecord) -> Item:
    lines = tuple(ContentLine(*ln) for ln in rec.lines)
    make: Any = Item  # the head's 18 values fill Item's first 18 fields, in order
    item: Item = make(*rec.head, lines, None if rec.risk is None else risk_from_row(rec.risk))
    return item


def flat_record(d: Any) -> ItemRecord | RiskRecord:
    """Validate one feed record into plain tuples; raise RecordError naming the first field that is wrong."""
    if type(d) is dict:
        try:
            return _fast_record(d)
        except (_Unusual, ValueError, TypeError):
            pass  # the thorough path accepts it or says precisely what is wrong
    rec = _thorough_record(d)
    if isinstance(rec, RiskUpdate):
        return RiskRecord(rec.tracking_id, risk_row(rec.risk))
    return item_record(rec)


def record_from_dict(d: Any) -> Item | RiskUpdate:
    """Validate one feed record; raise RecordError naming the first field that is wrong."""
    rec = flat_record(d)
    if isinstance(rec, RiskRecord):
        return RiskUpdate(rec.tracking_id, risk_from_row(rec.risk))
    return item_from_record(rec)
