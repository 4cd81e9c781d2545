"""The supervisor review's answers: the shift log, counts, seizures, reconciliation, from any database.

`ReviewReader` runs `ReviewQueries` (store/review_sql.py) through any `execute(sql, params) ->
rows` callable (sqlite3, psycopg) and returns the types of `core.review`: the hub runs it on its
projection. `LocalReviewSource` is the reader over this bench's records file (read-only) and its
cache (the targeted items, for reconciliation): the supervisor window's source when the hub is
not there, and the reports' with `--local`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

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
from workstation.store.review_sql import (
    DETAIL_COLUMNS,
    Dialect,
    Execute,
    Query,
    ReviewQueries,
    chunks,
    iso,
    parse_time,
    search_ids,
)

__all__ = [
    "Dialect",
    "Execute",
    "LocalReviewSource",
    "ReviewQueries",
    "ReviewReader",
    "TargetedItem",
    "TargetedItems",
    "cache_targeted",
    "iso",
    "search_ids",
]


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


_REVIEW_COLUMNS = ("table", "id", "action", "supervisor_badge", "supervisor_name", "bench_id", "at", "reason")
_AUDIT_COLUMNS = ("seq", "at", "kind", "actor", "bench_id", "subject", "detail")


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
        while earlier and all(h["id"] != earlier for h in history):  # a chain, never a loop
            older = self._one_dict("inspections", "id", earlier)
            if older is None:  # the hub may not hold another bench's older record
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
