"""What a supervisor reviews: the shift log's filter and rows, counts, seizures to countersign,
the reconciliation of targeted items never examined, open detentions, lookouts and sync problems.

Qt-free and SQL-free. The same `ReviewSource` is answered by this bench's records file
(`store/review_query.py`) and by the facility hub (`sync/review_client.py` over the hub's read
endpoints), so the supervisor window, the reports and the benchmark never know which one they have.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from workstation.core.errors import Invalid

# --- shifts: named time windows of the facility's day -------------------------------------------


@dataclass(frozen=True)
class ShiftWindow:
    """A named shift: `hours` long from `start` (facility local time); may run past midnight."""

    name: str
    start: time
    hours: float = 8.0

    def span(self, day: date, zone: tzinfo) -> tuple[datetime, datetime]:
        """The shift of `day` (the day it starts) as aware UTC datetimes [start, end)."""
        begin = datetime.combine(day, self.start, tzinfo=zone)
        return begin.astimezone(UTC), (begin + timedelta(hours=self.hours)).astimezone(UTC)


DEFAULT_SHIFTS: tuple[ShiftWindow, ...] = (
    ShiftWindow("day", time(6, 0)),
    ShiftWindow("evening", time(14, 0)),
    ShiftWindow("night", time(22, 0)),
)


def shift_named(shifts: Sequence[ShiftWindow], name: str) -> ShiftWindow:
    for s in shifts:
        if s.name == name:
            return s
    known = ", ".join(s.name for s in shifts)
    raise Invalid({"shift": f"no shift named {name!r}: the facility's shifts are {known}"})


def shift_of(shifts: Sequence[ShiftWindow], at: datetime, zone: tzinfo) -> tuple[date, ShiftWindow] | None:
    """The (day, shift) whose window holds `at`, or None when no shift covers it."""
    local = at.astimezone(zone)
    for back in (0, 1):
        day = local.date() - timedelta(days=back)
        for s in shifts:
            begin, end = s.span(day, zone)
            if begin <= at < end:
                return day, s
    return None


def day_span(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """A whole local day as aware UTC datetimes [start, end)."""
    begin = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return begin.astimezone(UTC), end.astimezone(UTC)


# --- the shift log --------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    """What the shift log shows; None means "any". Times are aware; `end` is exclusive."""

    start: datetime | None = None
    end: datetime | None = None
    officer: str | None = None  # badge
    bench: str | None = None
    outcome: str | None = None  # an Outcome value
    lane: str | None = None  # risk lane: green, amber, red
    targeted: bool | None = None
    seizure: bool | None = None
    detention: bool | None = None
    # A tracking number in any scanned form (a FedEx 34-digit barcode, spaces, lower case): the
    # source normalises it with core.tracking.parse and matches the tracking id or the barcode.
    search: str | None = None

    def as_query(self) -> dict[str, str]:
        """The filter as URL query parameters (the hub's read endpoints take these)."""
        out: dict[str, str] = {}
        for name, value in self.__dict__.items():
            if value is None:
                continue
            if isinstance(value, bool):
                out[name] = "true" if value else "false"
            elif isinstance(value, datetime):
                out[name] = value.astimezone(UTC).isoformat()
            else:
                out[name] = str(value)
        return out

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> LogFilter:
        """The inverse of `as_query`; Invalid names each bad parameter."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            if name in ("start", "end"):
                try:
                    at = datetime.fromisoformat(raw)
                except ValueError:
                    errors[name] = f"{raw!r} is not an ISO 8601 time"
                    continue
                if at.tzinfo is None:
                    errors[name] = f"{raw!r} has no time zone"
                    continue
                values[name] = at
            elif name in ("targeted", "seizure", "detention"):
                if raw not in ("true", "false"):
                    errors[name] = f"{raw!r}: expected true or false"
                    continue
                values[name] = raw == "true"
            else:
                values[name] = raw
        unknown = sorted(set(params) - set(cls.__dataclass_fields__))
        for name in unknown:
            errors[name] = "not a filter of the shift log"
        if errors:
            raise Invalid(errors)
        return cls(**values)


@dataclass(frozen=True)
class LogRow:
    """One current record of the shift log. `key` is the source's row number: what the lazy model holds."""

    key: int
    id: str
    tracking_id: str
    barcode: str | None
    at: datetime
    officer_badge: str
    officer_name: str
    bench_id: str
    outcome: str
    risk_lane: str | None
    risk_score: int | None
    targeted: bool
    seizure: bool
    detention: bool
    countersigned: bool
    corrected: bool  # this record supersedes an earlier one
    notes: str


LOG_COLUMNS = (
    "id",
    "tracking_id",
    "barcode",
    "at",
    "officer_badge",
    "officer_name",
    "bench_id",
    "outcome",
    "risk_lane",
    "risk_score",
    "targeted",
    "seizure",
    "detention",
    "countersigned",
    "corrected",
    "notes",
)


@dataclass(frozen=True)
class Counts:
    """The numbers behind the charts, for one filter."""

    total: int
    # "YYYY-MM-DDTHH" (facility local hour) -> outcome -> count
    by_hour: dict[str, dict[str, int]]
    by_officer: dict[str, int]  # "Name (badge)" -> count
    by_bench: dict[str, int]
    by_outcome: dict[str, int]
    seizures_by_violation: dict[str, int]
    # "overdue", "due in 2 days", "later": open detentions by their nearest deadline
    detentions_by_deadline: dict[str, int]
    targeted: int  # targeted items (reference data) that arrived in the window
    targeted_examined: int  # of those, how many an inspection covers


@dataclass(frozen=True)
class RecordDetail:
    """Everything about one record: the record, its case, photos, corrections, void, reviews, audit."""

    row: LogRow
    record: dict[str, Any]  # every column of the inspection
    detention: dict[str, Any] | None
    seizure: dict[str, Any] | None
    items: list[dict[str, Any]]
    photos: list[dict[str, Any]]  # id, file_name, sha256, size
    history: list[dict[str, Any]]  # the chain of records this one corrects, oldest first
    void: dict[str, Any] | None
    reviews: list[dict[str, Any]]  # countersignature and returns for correction, oldest first
    audit: list[dict[str, Any]]  # the audit entries naming this record


# --- countersigning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeizureRef:
    """A seizure as a supervisor reviews it; `current` is False once corrected or voided."""

    id: str
    tracking_id: str
    officer_badge: str
    officer_name: str
    bench_id: str
    at: datetime
    violation: str
    total_msrp: float
    total_domestic_value: float
    current: bool = True
    countersigned: bool = False
    returned_reason: str | None = None  # the latest return for correction, when not yet corrected
    items: tuple[dict[str, Any], ...] = ()
    countersigned_by: str | None = None  # "Name (badge)" of the countersigning supervisor


def countersign_problem(supervisor_badge: str, seizure: SeizureRef) -> str | None:
    """Why this supervisor may not countersign this seizure, or None. Bench and hub both ask."""
    if seizure.officer_badge == supervisor_badge:
        return "a supervisor cannot countersign their own seizure"
    if not seizure.current:
        return f"seizure {seizure.id} was corrected or voided: countersign the current record"
    if seizure.countersigned:
        return f"seizure {seizure.id} is already countersigned"
    return None


# --- reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unexamined:
    """An item targeted for exam that arrived and that no inspection covers."""

    tracking_id: str
    arrival_date: date
    waited: timedelta  # since the start of its arrival day (facility local)
    target_reason: str
    lane: str
    score: int


@dataclass(frozen=True)
class OpenDetention:
    inspection_id: str
    tracking_id: str
    officer_name: str
    bench_id: str
    detained_on: date
    notice_due: date
    decision_due: date
    reason: str

    def overdue(self, today: date) -> str | None:
        """ "decision" or "notice" when that deadline has passed, else None."""
        if today > self.decision_due:
            return "decision"
        if today > self.notice_due:
            return "notice"
        return None


# --- lookouts ---------------------------------------------------------------------------------

LOOKOUT_FIELDS = ("tracking", "shipper", "consignee", "seller", "address")


@dataclass(frozen=True)
class Lookout:
    """A facility lookout: `field` matches `pattern` (tracking: exact; others: `*` wildcards, any case)."""

    id: str
    field: str
    pattern: str
    reason: str
    expires_at: datetime
    added_by: str  # "Name (badge)"
    added_at: datetime
    bench_id: str

    def live(self, now: datetime) -> bool:
        return now < self.expires_at


def validate_lookout(
    field_name: str, pattern: str, reason: str, expires_at: datetime, now: datetime
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if field_name not in LOOKOUT_FIELDS:
        errors["field"] = f"{field_name!r} is not one of {', '.join(LOOKOUT_FIELDS)}"
    stripped = pattern.strip().strip("*")
    if len(stripped) < 3:
        errors["pattern"] = "a pattern needs at least 3 characters besides *"
    if not reason.strip():
        errors["reason"] = "say why: the officer who gets the banner reads it"
    if expires_at.tzinfo is None:
        errors["expires_at"] = "an expiry needs a time zone"
    elif expires_at <= now:
        errors["expires_at"] = "the expiry is already past"
    elif expires_at - now > timedelta(days=366):
        errors["expires_at"] = "a lookout lasts at most a year"
    return errors


def _matches(pattern: str, value: str) -> bool:
    p, v = pattern.casefold(), value.casefold()
    if "*" in p or "?" in p:
        return fnmatch.fnmatchcase(v, p)
    return p in v


def matching_lookouts(
    lookouts: Sequence[Lookout], tracking_id: str, fields: Mapping[str, str], now: datetime
) -> list[Lookout]:
    """The live lookouts a scanned item matches. `fields`: shipper, consignee, seller, address text."""
    hits: list[Lookout] = []
    for lk in lookouts:
        if not lk.live(now):
            continue
        if lk.field == "tracking":
            if lk.pattern.replace(" ", "").upper() == tracking_id.upper():
                hits.append(lk)
        elif _matches(lk.pattern, fields.get(lk.field, "")):
            hits.append(lk)
    return hits


# --- sync problems ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncProblem:
    """A message the hub refused or kept aside, with its reason; per bench."""

    bench_id: str
    kind: str
    event_id: str
    status: str  # rejected, conflict
    reason: str
    at: datetime


# --- the source -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceInfo:
    name: str  # "facility hub" or "this bench"
    facility_wide: bool
    problem: str | None = None  # why the hub is not the source (the banner), when it is not
    extra: dict[str, Any] = field(default_factory=dict)


class ReviewSource(Protocol):
    """Where the supervisor window and the reports read from: the hub, or this bench's records."""

    @property
    def info(self) -> SourceInfo: ...

    def log_keys(self, f: LogFilter) -> list[int]:
        """Keys of the current records the filter selects, newest first (never the rows themselves)."""
        ...

    def log_rows(self, keys: Sequence[int]) -> list[LogRow]:
        """The rows for these keys, in the order given; unknown keys are left out."""
        ...

    def detail(self, inspection_id: str) -> RecordDetail:
        """NotFound when no such record."""
        ...

    def counts(self, f: LogFilter, zone: tzinfo) -> Counts: ...

    def seizures(self, f: LogFilter) -> list[SeizureRef]:
        """Current seizures the filter selects, oldest first (the report's seizure list)."""
        ...

    def seizure(self, seizure_id: str) -> SeizureRef:
        """NotFound when no such seizure."""
        ...

    def to_countersign(self, exclude_badge: str | None = None) -> list[SeizureRef]:
        """Current seizures not yet countersigned, oldest first, leaving out `exclude_badge`'s own."""
        ...

    def unexamined(self, day: date, now: datetime, zone: tzinfo) -> list[Unexamined]:
        """Targeted items that arrived on `day` and that no inspection covers, oldest first."""
        ...

    def open_detentions(self) -> list[OpenDetention]:
        """Current detentions, by decision deadline then notice deadline."""
        ...

    def lookouts(self, now: datetime) -> list[Lookout]:
        """Live lookouts, newest first."""
        ...

    def sync_problems(self) -> list[SyncProblem]: ...
