"""The supervisor review's queries over the records schema, for this bench's file and for the hub.

One SQL builder, two dialects: `ReviewQueries("sqlite")` (`?` parameters, the key is the
inspections rowid) and `ReviewQueries("postgresql")` (`%s`, the key is a `row_seq` column). The
hub keeps a projection with the records schema's table and column names (booleans as integers,
times as ISO 8601 UTC text, so text order is time order) and runs the same SQL on it.

`ReviewReader` runs the queries through any `execute(sql, params) -> rows` callable (sqlite3,
psycopg) and turns rows into the types of `core.review`; `LocalReviewSource` is the reader over
this bench's records file (read-only) and its cache (the targeted items, for reconciliation).

A current record is neither superseded by a correction nor voided (the `current_inspections`
view, written out here so that PostgreSQL runs it too).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from workstation.core import tracking
from workstation.core.errors import NotFound
from workstation.core.review import (
    Counts,
    LogFilter,
    LogRow,
    Lookout,
    OpenDetention,
    RecordDetail,
    SeizureRef,
    SourceInfo,
    SyncProblem,
    Unexamined,
    day_span,
)
from workstation.store.files import StoreUnavailableError

Dialect = Literal["sqlite", "postgresql"]
Query = tuple[str, tuple[Any, ...]]
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

# SQLite's default limit on parameters is 32766 (999 before 3.32): IN lists go in chunks.
CHUNK = 500

_DEFAULT_KEY: dict[str, str] = {"sqlite": "rowid", "postgresql": "row_seq"}

# Neither superseded by a correction nor voided (the records file's `current_inspections`).
CURRENT = (
    "NOT EXISTS (SELECT 1 FROM inspections c WHERE c.supersedes = {i}.id) "
    "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.inspection_id = {i}.id)"
)
# The shift log's scans (thousands of rows) test currency against the few records that are not
# current, gathered once per query, by key: an integer test per row instead of two lookups by id
# (a week of 500,000 records: 80 ms instead of 120). Same answer as CURRENT.
_CURRENT_KEYS = (
    "{i}.{key} NOT IN (SELECT x.{key} FROM inspections x WHERE x.id IN "
    "(SELECT c.supersedes FROM inspections c WHERE c.supersedes IS NOT NULL UNION ALL "
    "SELECT v.inspection_id FROM voids v))"
)
_HAS_SEIZURE = "EXISTS (SELECT 1 FROM seizures s WHERE s.id = {i}.id)"
_HAS_DETENTION = "EXISTS (SELECT 1 FROM detentions d WHERE d.id = {i}.id)"
# The write path gives a seizures row only to a record whose outcome is seized (a detentions row:
# detained), so the filters test the outcome first and look for the row only where it can be.
_SEIZURE_FILTER = "({i}.outcome = 'seized' AND " + _HAS_SEIZURE + ")"
_DETENTION_FILTER = "({i}.outcome = 'detained' AND " + _HAS_DETENTION + ")"
# Countersigned before m006 (countersignatures) or since (seizure_reviews, any bench's seizure).
_COUNTERSIGNED = (
    "(EXISTS (SELECT 1 FROM countersignatures cs WHERE cs.seizure_id = {i}.id) "
    "OR EXISTS (SELECT 1 FROM seizure_reviews sr WHERE sr.seizure_id = {i}.id AND sr.action = 'countersign'))"
)
_RETURNED_REASON = (
    "(SELECT rr.reason FROM seizure_reviews rr WHERE rr.seizure_id = {i}.id AND rr.action = 'return' "
    "ORDER BY rr.at DESC LIMIT 1)"
)


def _flag(condition: str) -> str:
    """A condition as 0 or 1 in both dialects (PostgreSQL's EXISTS is a boolean, SQLite's an integer)."""
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def iso(at: datetime) -> str:
    """A time as the records store it: ISO 8601 UTC with microseconds (so that text order is time order)."""
    if at.tzinfo is None:
        raise ValueError("review times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def chunks(seq: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for n in range(0, len(seq), size):
        yield seq[n : n + size]


@dataclass(frozen=True)
class TargetedItem:
    """An item the reference data targets for exam: what reconciliation compares with the records."""

    tracking_id: str
    arrival_date: date
    target_reason: str
    lane: str
    score: int


# (first arrival day, last arrival day), both included -> the targeted items that arrived then.
TargetedItems = Callable[[date, date], list[TargetedItem]]


class ReviewQueries:
    """The review's SQL for one dialect: each method returns (sql, params); converters make the types."""

    def __init__(self, dialect: Dialect = "sqlite", key: str | None = None) -> None:
        """`key`: the inspections column that numbers rows (default rowid in SQLite, row_seq in PostgreSQL)."""
        if dialect not in _DEFAULT_KEY:
            raise ValueError(f"unknown SQL dialect {dialect!r}: sqlite or postgresql")
        self.dialect = dialect
        self.key = key or _DEFAULT_KEY[dialect]

    def _sql(self, sql: str, params: Iterable[Any] = ()) -> Query:
        # Written with ? throughout (no literal ? or % anywhere in the SQL), then made the dialect's.
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        return sql, tuple(params)

    @staticmethod
    def _marks(n: int) -> str:
        return ", ".join("?" for _ in range(n))

    # -- the shift log filter ----------------------------------------------------------------------

    def where(self, f: LogFilter, i: str = "i") -> tuple[str, list[Any]]:
        """The WHERE clause (without WHERE, `?` marks) selecting the filter's current records."""
        clauses = [_CURRENT_KEYS.format(i=i, key=self.key)]
        params: list[Any] = []
        if f.start is not None:
            clauses.append(f"{i}.at >= ?")
            params.append(iso(f.start))
        if f.end is not None:
            clauses.append(f"{i}.at < ?")
            params.append(iso(f.end))
        for column, value in (
            ("officer_badge", f.officer),
            ("bench_id", f.bench),
            ("outcome", f.outcome),
            ("risk_lane", f.lane),
        ):
            if value is not None:
                clauses.append(f"{i}.{column} = ?")
                params.append(value)
        if f.targeted is not None:
            clauses.append(f"{i}.targeted = ?")
            params.append(1 if f.targeted else 0)
        for condition, wanted in ((_SEIZURE_FILTER, f.seizure), (_DETENTION_FILTER, f.detention)):
            if wanted is not None:
                clauses.append(("" if wanted else "NOT ") + condition.format(i=i))
        if f.search is not None and f.search.strip():
            ids = search_ids(f.search)
            marks = self._marks(len(ids))
            clauses.append(f"({i}.tracking_id IN ({marks}) OR {i}.barcode IN ({marks}))")
            params.extend(ids)
            params.extend(ids)
        return " AND ".join(clauses), params

    def log_keys(self, f: LogFilter) -> Query:
        """Newest first. SQLite: records of the same microsecond in the time index's order (a tie-break
        by key would sort every row again: the index holds the filter columns between time and key)."""
        where, params = self.where(f)
        ties = f", i.{self.key} DESC" if self.dialect == "postgresql" else ""
        return self._sql(
            f"SELECT i.{self.key} FROM inspections i WHERE {where} ORDER BY i.at DESC{ties}", params
        )

    def _log_columns(self, i: str = "i") -> str:
        return (
            f"{i}.{self.key}, {i}.id, {i}.tracking_id, {i}.barcode, {i}.at, {i}.officer_badge, "
            f"{i}.officer_name, {i}.bench_id, {i}.outcome, {i}.risk_lane, {i}.risk_score, {i}.targeted, "
            f"{_flag(_HAS_SEIZURE.format(i=i))}, {_flag(_HAS_DETENTION.format(i=i))}, "
            f"{_flag(_COUNTERSIGNED.format(i=i))}, "
            f"CASE WHEN {i}.supersedes IS NULL THEN 0 ELSE 1 END, {i}.notes"
        )

    def log_rows(self, keys: Sequence[int]) -> Query:
        """The rows for at most CHUNK keys, in no particular order (the reader puts them in order)."""
        return self._sql(
            f"SELECT {self._log_columns()} FROM inspections i WHERE i.{self.key} IN ({self._marks(len(keys))})",
            keys,
        )

    def log_row_by_id(self, inspection_id: str) -> Query:
        return self._sql(f"SELECT {self._log_columns()} FROM inspections i WHERE i.id = ?", (inspection_id,))

    @staticmethod
    def log_row(row: Sequence[Any]) -> LogRow:
        return LogRow(
            key=int(row[0]),
            id=row[1],
            tracking_id=row[2],
            barcode=row[3],
            at=parse_time(row[4]),
            officer_badge=row[5],
            officer_name=row[6],
            bench_id=row[7],
            outcome=row[8],
            risk_lane=row[9],
            risk_score=None if row[10] is None else int(row[10]),
            targeted=bool(row[11]),
            seizure=bool(row[12]),
            detention=bool(row[13]),
            countersigned=bool(row[14]),
            corrected=bool(row[15]),
            notes=row[16],
        )

    # -- counts ------------------------------------------------------------------------------------

    def count_by_time(self, f: LogFilter, width: int = 16) -> Query:
        """(UTC time prefix, outcome, count): `width` 16 groups by minute ("YYYY-MM-DDTHH:MM"), 13 by
        hour. The hours are made local in Python; outcome and time are in the time index (no row read)."""
        if width not in (13, 16):
            raise ValueError("group by hour (13) or minute (16)")
        where, params = self.where(f)
        return self._sql(
            f"SELECT substr(i.at, 1, {width}), i.outcome, count(*) FROM inspections i WHERE {where} "
            f"GROUP BY substr(i.at, 1, {width}), i.outcome",
            params,
        )

    def count_by_officer_and_bench(self, f: LogFilter) -> Query:
        where, params = self.where(f)
        return self._sql(
            f"SELECT i.officer_name, i.officer_badge, i.bench_id, count(*) FROM inspections i WHERE {where} "
            "GROUP BY i.officer_name, i.officer_badge, i.bench_id",
            params,
        )

    def targeted_tracking_ids(self, f: LogFilter) -> Query:
        where, params = self.where(f)
        return self._sql(
            f"SELECT DISTINCT i.tracking_id FROM inspections i WHERE {where} AND i.targeted = 1", params
        )

    def seizures_by_violation(self, f: LogFilter) -> Query:
        where, params = self.where(f)
        return self._sql(
            f"SELECT s.violation, count(*) FROM inspections i JOIN seizures s ON s.id = i.id "
            f"WHERE {where} AND i.outcome = 'seized' GROUP BY s.violation",
            params,
        )

    def detention_deadlines(self, f: LogFilter) -> Query:
        """notice_due, decision_due of the open detentions among the filter's records."""
        where, params = self.where(f)
        return self._sql(
            f"SELECT d.notice_due, d.decision_due FROM inspections i JOIN detentions d ON d.id = i.id "
            f"WHERE {where} AND i.outcome = 'detained' AND {_NO_LATER_RECORD}",
            params,
        )

    def covered(self, tracking_ids: Sequence[str]) -> Query:
        """Which of these (at most CHUNK) tracking ids a current record covers."""
        return self._sql(
            f"SELECT DISTINCT i.tracking_id FROM inspections i WHERE i.tracking_id IN "
            f"({self._marks(len(tracking_ids))}) AND {CURRENT.format(i='i')}",
            tracking_ids,
        )

    # -- seizures ------------------------------------------------------------------------------------

    _SEIZURE_COLUMNS = (
        "i.id, i.tracking_id, i.officer_badge, i.officer_name, i.bench_id, i.at, s.violation, "
        "s.total_msrp, s.total_domestic_value, {current}, {countersigned}, {returned}"
    )

    def _seizure_columns(self) -> str:
        return self._SEIZURE_COLUMNS.format(
            current=_flag(CURRENT.format(i="i")),
            countersigned=_flag(_COUNTERSIGNED.format(i="i")),
            returned=_RETURNED_REASON.format(i="i"),
        )

    def seizures(self, f: LogFilter) -> Query:
        where, params = self.where(f)
        return self._sql(
            f"SELECT {self._seizure_columns()} FROM inspections i JOIN seizures s ON s.id = i.id "
            f"WHERE {where} AND i.outcome = 'seized' ORDER BY i.at, i.{self.key}",
            params,
        )

    def seizure(self, seizure_id: str) -> Query:
        return self._sql(
            f"SELECT {self._seizure_columns()} FROM inspections i JOIN seizures s ON s.id = i.id WHERE i.id = ?",
            (seizure_id,),
        )

    def to_countersign(self, exclude_badge: str | None) -> Query:
        clauses = ["i.id = s.id", CURRENT.format(i="i"), "NOT " + _COUNTERSIGNED.format(i="i")]
        params: list[Any] = []
        if exclude_badge is not None:
            clauses.append("i.officer_badge <> ?")
            params.append(exclude_badge)
        return self._sql(
            f"SELECT {self._seizure_columns()} FROM seizures s CROSS JOIN inspections i "
            f"WHERE {' AND '.join(clauses)} ORDER BY i.at, i.{self.key}",
            params,
        )

    _ITEM_COLUMNS = (
        "id",
        "seizure_id",
        "line_no",
        "description",
        "quantity",
        "msrp_per_unit",
        "domestic_value",
        "rights_holder",
        "recordation_number",
        "identifiers",
    )

    def seized_items(self, seizure_ids: Sequence[str]) -> Query:
        return self._sql(
            f"SELECT {', '.join(self._ITEM_COLUMNS)} FROM seized_items WHERE seizure_id IN "
            f"({self._marks(len(seizure_ids))}) ORDER BY seizure_id, line_no",
            seizure_ids,
        )

    @classmethod
    def seized_item(cls, row: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(cls._ITEM_COLUMNS, row, strict=True))

    @staticmethod
    def seizure_ref(row: Sequence[Any], items: tuple[dict[str, Any], ...] = ()) -> SeizureRef:
        return SeizureRef(
            id=row[0],
            tracking_id=row[1],
            officer_badge=row[2],
            officer_name=row[3],
            bench_id=row[4],
            at=parse_time(row[5]),
            violation=row[6],
            total_msrp=float(row[7]),
            total_domestic_value=float(row[8]),
            current=bool(row[9]),
            countersigned=bool(row[10]),
            returned_reason=row[11] if row[9] else None,
            items=items,
        )

    # -- reconciliation, detentions, lookouts, sync problems ----------------------------------------

    def open_detentions(self) -> Query:
        return self._sql(
            "SELECT i.id, i.tracking_id, i.officer_name, i.bench_id, d.detained_on, d.notice_due, "
            "d.decision_due, d.reason FROM detentions d CROSS JOIN inspections i "
            f"WHERE i.id = d.id AND {CURRENT.format(i='i')} AND {_NO_LATER_RECORD} "
            f"ORDER BY d.decision_due, d.notice_due, i.at, i.{self.key}"
        )

    @staticmethod
    def open_detention(row: Sequence[Any]) -> OpenDetention:
        return OpenDetention(
            inspection_id=row[0],
            tracking_id=row[1],
            officer_name=row[2],
            bench_id=row[3],
            detained_on=date.fromisoformat(row[4]),
            notice_due=date.fromisoformat(row[5]),
            decision_due=date.fromisoformat(row[6]),
            reason=row[7],
        )

    def lookouts(self, now: datetime) -> Query:
        return self._sql(
            "SELECT l.id, l.field, l.pattern, l.reason, l.expires_at, l.supervisor_name, l.supervisor_badge, "
            "l.at, l.bench_id FROM lookouts l "
            "WHERE l.expires_at > ? AND NOT EXISTS (SELECT 1 FROM lookout_removals r WHERE r.lookout_id = l.id) "
            "ORDER BY l.at DESC, l.id",
            (iso(now),),
        )

    @staticmethod
    def lookout(row: Sequence[Any]) -> Lookout:
        return Lookout(
            id=row[0],
            field=row[1],
            pattern=row[2],
            reason=row[3],
            expires_at=parse_time(row[4]),
            added_by=f"{row[5]} ({row[6]})",
            added_at=parse_time(row[7]),
            bench_id=row[8],
        )

    def dead_letters(self) -> Query:
        """The records file's dead letters (not in the hub's projection: the hub has its own)."""
        return self._sql(
            "SELECT d.kind, d.event_id, d.status, d.reason, d.at FROM dead_letters d "
            "JOIN outbox o ON o.seq = d.outbox_seq ORDER BY d.at DESC, d.outbox_seq DESC"
        )

    # -- one record in full --------------------------------------------------------------------------

    def row_of(self, table: str, id_column: str, value: str) -> Query:
        """One row of a record table, its columns named in DETAIL_COLUMNS (no SELECT *: the hub adds its own)."""
        columns = DETAIL_COLUMNS[table]
        return self._sql(f"SELECT {', '.join(columns)} FROM {table} WHERE {id_column} = ?", (value,))

    def photos(self, seizure_id: str) -> Query:
        return self._sql(
            "SELECT p.id, p.file_name, p.sha256, p.size FROM seizure_photos sp JOIN photos p ON p.id = sp.photo_id "
            "WHERE sp.seizure_id = ? ORDER BY sp.position",
            (seizure_id,),
        )

    def reviews(self, seizure_id: str) -> Query:
        """Countersignatures (before and since m006) and returns for correction, oldest first."""
        return self._sql(
            "SELECT 'countersignatures', id, 'countersign', supervisor_badge, supervisor_name, bench_id, at, '' "
            "FROM countersignatures WHERE seizure_id = ? UNION ALL "
            "SELECT 'seizure_reviews', id, action, supervisor_badge, supervisor_name, bench_id, at, reason "
            "FROM seizure_reviews WHERE seizure_id = ? ORDER BY 7, 2",
            (seizure_id, seizure_id),
        )

    def audit_entries(self, subjects: Sequence[str]) -> Query:
        return self._sql(
            f"SELECT seq, at, kind, actor, bench_id, subject, detail FROM audit_log WHERE subject IN "
            f"({self._marks(len(subjects))}) ORDER BY seq",
            subjects,
        )


# A detention stays open until a later current record of the same package (released, seized...).
_NO_LATER_RECORD = (
    "NOT EXISTS (SELECT 1 FROM inspections j WHERE j.tracking_id = i.tracking_id AND j.at > i.at "
    f"AND {CURRENT.format(i='j')})"
)
DETAIL_COLUMNS: dict[str, tuple[str, ...]] = {
    "inspections": (
        "id", "tracking_id", "barcode", "officer_badge", "officer_name", "bench_id", "shift_id", "at",
        "outcome", "exam_types", "notes", "manifest_found", "risk_score", "risk_lane", "targeted",
        "agency", "supersedes", "reason",
    ),
    "detentions": ("id", "reason", "agency_or_test", "detained_on", "notice_due", "decision_due"),
    "seizures": ("id", "violation", "law_cited", "storage_location", "total_msrp", "total_domestic_value"),
    "voids": ("id", "inspection_id", "officer_badge", "bench_id", "at", "reason"),
}  # fmt: skip
_REVIEW_COLUMNS = ("table", "id", "action", "supervisor_badge", "supervisor_name", "bench_id", "at", "reason")
_AUDIT_COLUMNS = ("seq", "at", "kind", "actor", "bench_id", "subject", "detail")


def search_ids(text: str) -> list[str]:
    """What a search for a scanned code matches: its tracking id and its normalised barcode form."""
    parsed = tracking.parse(text)
    return list(dict.fromkeys(x for x in (parsed.tracking_id, parsed.barcode) if x))


def deadline_bucket(notice_due: date, decision_due: date, today: date) -> str:
    """Counts.detentions_by_deadline's bucket: overdue, due in 2 days (the nearest deadline), or later."""
    if today > notice_due or today > decision_due:
        return "overdue"
    if (min(notice_due, decision_due) - today).days <= 2:
        return "due in 2 days"
    return "later"


def _only_time(f: LogFilter) -> bool:
    """Whether the filter narrows by time (and lane or targeted) only: reference items then count."""
    return all(v is None for v in (f.officer, f.bench, f.outcome, f.seizure, f.detention, f.search))


def whole_hours(f: LogFilter, zone: tzinfo) -> bool:
    """Whether `zone` is a whole number of hours off UTC all through the filter's window (at most a
    year long, sampled every 3 hours): then UTC hours map onto local hours and the count groups by hour."""
    if f.start is None or f.end is None or f.end - f.start > timedelta(days=366):
        return False
    at = f.start
    while True:
        offset = at.astimezone(zone).utcoffset()
        if offset is None or offset % timedelta(hours=1):
            return False
        if at >= f.end:
            return True
        at = min(at + timedelta(hours=3), f.end)


def window_days(f: LogFilter, zone: tzinfo) -> tuple[date, date] | None:
    """The facility-local days the filter's window touches, first and last included; None if open-ended."""
    if f.start is None or f.end is None or f.end <= f.start:
        return None
    return f.start.astimezone(zone).date(), (f.end - timedelta(microseconds=1)).astimezone(zone).date()


class ReviewReader:
    """The review's answers from any DB-API-like `execute`: the hub runs it on psycopg and on sqlite3.

    `targeted(first, last)` gives the reference data's targeted items (the cache's items and risk
    on a bench, the hub's extracted table there); without it reconciliation lists nothing.
    `audit_log=False` where the tables hold no audit entries (the hub's projection).
    """

    def __init__(
        self,
        queries: ReviewQueries,
        execute: Execute,
        *,
        targeted: TargetedItems | None = None,
        clock: Callable[[], datetime] | None = None,
        audit_log: bool = True,
    ) -> None:
        self.q = queries
        self.execute = execute
        self.targeted = targeted
        self.clock = clock or (lambda: datetime.now(UTC))
        self.audit_log = audit_log

    def _run(self, query: Query) -> list[tuple[Any, ...]]:
        return self.execute(*query)

    def log_keys(self, f: LogFilter) -> list[int]:
        return [int(r[0]) for r in self._run(self.q.log_keys(f))]

    def log_rows(self, keys: Sequence[int]) -> list[LogRow]:
        found: dict[int, LogRow] = {}
        for part in chunks(list(dict.fromkeys(keys))):
            for r in self._run(self.q.log_rows(part)):
                row = self.q.log_row(r)
                found[row.key] = row
        return [found[k] for k in keys if k in found]

    def detail(self, inspection_id: str) -> RecordDetail:
        rows = self._run(self.q.log_row_by_id(inspection_id))
        if not rows:
            raise NotFound(f"no record {inspection_id!r}")
        row = self.q.log_row(rows[0])
        record = self._one_dict("inspections", "id", inspection_id)
        assert record is not None
        detention = self._one_dict("detentions", "id", inspection_id)
        seizure = self._one_dict("seizures", "id", inspection_id)
        void = self._one_dict("voids", "inspection_id", inspection_id)
        items = [self.q.seized_item(r) for r in self._run(self.q.seized_items([inspection_id]))]
        photos = [
            dict(zip(("id", "file_name", "sha256", "size"), r, strict=True))
            for r in self._run(self.q.photos(inspection_id))
        ]
        reviews = [
            dict(zip(_REVIEW_COLUMNS, r, strict=True)) for r in self._run(self.q.reviews(inspection_id))
        ]
        history: list[dict[str, Any]] = []
        earlier = record.get("supersedes")
        while earlier:
            older = self._one_dict("inspections", "id", earlier)
            if older is None:
                break
            history.append(older)
            earlier = older.get("supersedes")
        history.reverse()
        audit: list[dict[str, Any]] = []
        if self.audit_log:
            subjects = [f"inspections:{inspection_id}"]
            if detention is not None:
                subjects.append(f"detentions:{inspection_id}")
            if seizure is not None:
                subjects.append(f"seizures:{inspection_id}")
                subjects += [f"seized_items:{it['id']}" for it in items]
            if void is not None:
                subjects.append(f"voids:{void['id']}")
            subjects += [f"photos:{p['id']}" for p in photos]
            subjects += [f"{r['table']}:{r['id']}" for r in reviews]
            audit = [
                dict(zip(_AUDIT_COLUMNS, r, strict=True)) for r in self._run(self.q.audit_entries(subjects))
            ]
        return RecordDetail(row, record, detention, seizure, items, photos, history, void, reviews, audit)

    def _one_dict(self, table: str, column: str, value: str) -> dict[str, Any] | None:
        rows = self._run(self.q.row_of(table, column, value))
        return dict(zip(DETAIL_COLUMNS[table], rows[0], strict=True)) if rows else None

    def counts(self, f: LogFilter, zone: tzinfo) -> Counts:
        by_hour: dict[str, dict[str, int]] = {}
        by_outcome: dict[str, int] = {}
        width = 13 if whole_hours(f, zone) else 16
        for prefix, outcome, n in self._run(self.q.count_by_time(f, width)):
            utc = prefix + (":00" if width == 13 else "")
            hour = parse_time(f"{utc}+00:00").astimezone(zone).strftime("%Y-%m-%dT%H")
            per = by_hour.setdefault(hour, {})
            per[outcome] = per.get(outcome, 0) + int(n)
            by_outcome[outcome] = by_outcome.get(outcome, 0) + int(n)
        by_officer: dict[str, int] = {}
        by_bench: dict[str, int] = {}
        for name, badge, bench, n in self._run(self.q.count_by_officer_and_bench(f)):
            who = f"{name} ({badge})"
            by_officer[who] = by_officer.get(who, 0) + int(n)
            by_bench[bench] = by_bench.get(bench, 0) + int(n)
        total = sum(by_outcome.values())
        flagged = (
            {r[0] for r in self._run(self.q.targeted_tracking_ids(f))} if f.targeted is not False else set()
        )
        violations = {str(v): int(n) for v, n in self._run(self.q.seizures_by_violation(f))}
        today = self.clock().astimezone(zone).date()
        deadlines: dict[str, int] = {}
        for notice_due, decision_due in self._run(self.q.detention_deadlines(f)):
            bucket = deadline_bucket(date.fromisoformat(notice_due), date.fromisoformat(decision_due), today)
            deadlines[bucket] = deadlines.get(bucket, 0) + 1
        targeted_total, examined = self._targeted_share(f, zone, flagged)
        return Counts(
            total=total,
            by_hour=dict(sorted(by_hour.items())),
            by_officer=by_officer,
            by_bench=by_bench,
            by_outcome=by_outcome,
            seizures_by_violation=violations,
            detentions_by_deadline=deadlines,
            targeted=targeted_total,
            targeted_examined=examined,
        )

    def _targeted_share(self, f: LogFilter, zone: tzinfo, flagged: set[str]) -> tuple[int, int]:
        """(targeted, examined): the share of targeted items examined, for the filter's window.

        Targeted: the tracking ids of the filter's records marked targeted (they were examined:
        a record covers them), plus, when the filter narrows by time only (and lane or targeted),
        the reference data's targeted items that arrived on the window's local days (of the
        lane, when the filter names one). Examined: those a current record covers, at any time.
        """
        items: set[str] = set()
        days = window_days(f, zone)
        if self.targeted is not None and days is not None and _only_time(f) and f.targeted is not False:
            items = {t.tracking_id for t in self.targeted(*days) if f.lane is None or t.lane == f.lane}
        missing = sorted(items - flagged)
        covered = self.covered(missing)
        return len(items | flagged), len(flagged) + len(covered)

    def covered(self, tracking_ids: Sequence[str]) -> set[str]:
        """The tracking ids among these that a current record covers."""
        out: set[str] = set()
        for part in chunks(list(tracking_ids)):
            out.update(r[0] for r in self._run(self.q.covered(part)))
        return out

    def _seizure_refs(self, rows: list[tuple[Any, ...]]) -> list[SeizureRef]:
        items: dict[str, list[dict[str, Any]]] = {}
        ids = [r[0] for r in rows]
        for part in chunks(ids):
            for r in self._run(self.q.seized_items(part)):
                item = self.q.seized_item(r)
                items.setdefault(item["seizure_id"], []).append(item)
        return [self.q.seizure_ref(r, tuple(items.get(r[0], ()))) for r in rows]

    def seizures(self, f: LogFilter) -> list[SeizureRef]:
        return self._seizure_refs(self._run(self.q.seizures(f)))

    def seizure(self, seizure_id: str) -> SeizureRef:
        refs = self._seizure_refs(self._run(self.q.seizure(seizure_id)))
        if not refs:
            raise NotFound(f"no seizure {seizure_id!r}")
        return refs[0]

    def to_countersign(self, exclude_badge: str | None = None) -> list[SeizureRef]:
        return self._seizure_refs(self._run(self.q.to_countersign(exclude_badge)))

    def unexamined(self, day: date, now: datetime, zone: tzinfo) -> list[Unexamined]:
        if self.targeted is None:
            return []
        items = self.targeted(day, day)
        covered = self.covered([t.tracking_id for t in items])
        waiting = sorted(
            (t for t in items if t.tracking_id not in covered),
            key=lambda t: (t.arrival_date, -t.score, t.tracking_id),
        )
        return [
            Unexamined(
                t.tracking_id,
                t.arrival_date,
                max(now - day_span(t.arrival_date, zone)[0], timedelta(0)),
                t.target_reason,
                t.lane,
                t.score,
            )
            for t in waiting
        ]

    def open_detentions(self) -> list[OpenDetention]:
        return [self.q.open_detention(r) for r in self._run(self.q.open_detentions())]

    def lookouts(self, now: datetime) -> list[Lookout]:
        return [self.q.lookout(r) for r in self._run(self.q.lookouts(now))]

    def dead_letters(self, bench_id: str) -> list[SyncProblem]:
        return [
            SyncProblem(bench_id, kind, event_id, status, reason, parse_time(at))
            for kind, event_id, status, reason, at in self._run(self.q.dead_letters())
        ]


# --- this bench's records file --------------------------------------------------------------------


class SqliteExecute:
    """`execute` over read-only SQLite connections, one per thread (a worker thread may call it)."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if not self.path.exists():
                raise StoreUnavailableError(f"{self.path}: no {self.what} here")
            try:
                conn = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                )
                conn.execute("PRAGMA query_only=ON")
            except sqlite3.Error as exc:
                raise StoreUnavailableError(f"{self.path}: cannot open the {self.what} ({exc})") from exc
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def __call__(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.connection().execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


def cache_targeted_sql() -> str:
    """The cache's targeted items that arrived from one day to another (both included)."""
    return (
        "SELECT i.tracking_id, i.arrival_date, r.target_reason, r.lane, r.score FROM risk r "
        "JOIN items i ON i.tracking_id = r.tracking_id "
        "WHERE r.targeted = 1 AND i.arrival_date >= ? AND i.arrival_date <= ?"
    )


def cache_targeted(execute: Execute) -> TargetedItems:
    def targeted(first: date, last: date) -> list[TargetedItem]:
        return [
            TargetedItem(tid, date.fromisoformat(arrival), reason, lane, int(score))
            for tid, arrival, reason, lane, score in execute(
                cache_targeted_sql(), (first.isoformat(), last.isoformat())
            )
        ]

    return targeted


class LocalReviewSource(ReviewReader):
    """The review over this bench's records file (read-only) and its cache: the window's fallback."""

    def __init__(
        self,
        records_path: Path,
        cache_path: Path | None,
        bench_id: str,
        *,
        clock: Callable[[], datetime] | None = None,
        problem: str | None = None,
    ) -> None:
        self.records = SqliteExecute(records_path, "records file")
        self.cache = SqliteExecute(cache_path, "reference cache") if cache_path is not None else None
        self.bench_id = bench_id
        self._info = SourceInfo("this bench", False, problem)
        super().__init__(
            ReviewQueries("sqlite"),
            self.records,
            targeted=cache_targeted(self._cache_execute) if cache_path is not None else None,
            clock=clock,
        )

    def _cache_execute(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        assert self.cache is not None
        if not self.cache.path.exists():
            return []  # no reference data yet: nothing targeted
        return self.cache(sql, params)

    @property
    def info(self) -> SourceInfo:
        return self._info

    def sync_problems(self) -> list[SyncProblem]:
        return self.dead_letters(self.bench_id)

    def close(self) -> None:
        self.records.close()
        if self.cache is not None:
            self.cache.close()
