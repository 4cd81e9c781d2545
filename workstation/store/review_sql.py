"""The supervisor review's SQL over the records schema, in two dialects: the bench's SQLite, the hub's PostgreSQL.

`ReviewQueries("sqlite")` writes `?` parameters and keys rows by the inspections rowid;
`ReviewQueries("postgresql")` writes `%s` and keys them by a `row_seq` column. The hub keeps a
projection with the records schema's table and column names (booleans as integers, times as ISO
8601 UTC text, so text order is time order) and runs the same SQL on it; `ReviewQueries("sqlite",
key="row_seq")` for a projection in SQLite. Each method returns (sql, params); the static
converters turn a row into a `core.review` type. `store/review_query.py` runs them.

A current record is neither superseded by a correction nor voided (the `current_inspections`
view, written out here so that PostgreSQL runs it too).

On PostgreSQL the same 50 filters over 500,000 records (benchmarks/review.py's) ran at p50 48 ms,
p99 109 ms with: `inspections (at, row_seq) INCLUDE (outcome, targeted, risk_lane, id)` (index-only
scans once vacuumed), unique `inspections (id)`, `(officer_badge, at)`, `(bench_id, at)`,
`(tracking_id, at)`, `(barcode)`, `(supersedes) WHERE supersedes IS NOT NULL`, `voids
(inspection_id)`, `countersignatures (seizure_id)`, `seizure_reviews (seizure_id, at)`,
`seized_items (seizure_id, line_no)`, primary keys on `seizures` and `detentions`; and `jit = off`
(JIT compiling took 450 ms of a 730 ms query) and `work_mem` of 32 MB (a week's sort spilled to disk).
Without the covering index and those settings: p99 530 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal

from workstation.core import tracking
from workstation.core.review import LogFilter, LogRow, Lookout, OpenDetention, SeizureRef

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
# Who countersigned, "Name (badge)": since m006 a seizure review, before it a countersignature.
_COUNTERSIGNER = (
    "COALESCE((SELECT sc.supervisor_name || ' (' || sc.supervisor_badge || ')' FROM seizure_reviews sc "
    "WHERE sc.seizure_id = {i}.id AND sc.action = 'countersign' ORDER BY sc.at LIMIT 1), "
    "(SELECT co.supervisor_name || ' (' || co.supervisor_badge || ')' FROM countersignatures co "
    "WHERE co.seizure_id = {i}.id LIMIT 1))"
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
        "s.total_msrp, s.total_domestic_value, {current}, {countersigned}, {returned}, {countersigner}"
    )

    def _seizure_columns(self) -> str:
        return self._SEIZURE_COLUMNS.format(
            current=_flag(CURRENT.format(i="i")),
            countersigned=_flag(_COUNTERSIGNED.format(i="i")),
            returned=_RETURNED_REASON.format(i="i"),
            countersigner=_COUNTERSIGNER.format(i="i"),
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
            countersigned_by=row[12],
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


def search_ids(text: str) -> list[str]:
    """What a search for a scanned code matches: its tracking id and its normalised barcode form."""
    parsed = tracking.parse(text)
    return list(dict.fromkeys(x for x in (parsed.tracking_id, parsed.barcode) if x))
