"""The hub on SQLite: the one-site demo. One process, one connection, one lock around every call.

The same tables and rules as on PostgreSQL (workstation/hub/postgres.py); the lock makes each
call one transaction at a time, so numbering is commit order here too.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workstation.core.audit import AuditEntry
from workstation.core.errors import Conflict, NotFound
from workstation.core.review import Lookout
from workstation.hub import targets
from workstation.hub.lookouts import lookout_reference_records
from workstation.hub.model import (
    GENESIS,
    Anchor,
    AnchorResult,
    CursorExpired,
    Incoming,
    Page,
    StorageUnavailable,
    UploadOutcome,
    classify,
    judge_chain,
    receipt,
)
from workstation.hub.projection import (
    LOOKOUT_COLUMNS,
    REVIEW_KINDS,
    TABLES,
    accepted_lookouts,
    accepted_rows,
    column_values,
    lookout_from_row,
    refuse_own_reviews,
)
from workstation.hub.storage import Dialect, Execute, PhotoOutcome, PhotoState, T
from workstation.store.officer_directory import DirectoryOfficer

_M001 = """
CREATE TABLE hub_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL);
CREATE TABLE hub_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO hub_state VALUES ('reference_horizon', 0), ('reference_seq', 0), ('officer_version', 0);
CREATE TABLE devices (
    name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')), revoked_at TEXT
);
CREATE TABLE events (
    hub_seq INTEGER PRIMARY KEY AUTOINCREMENT, bench TEXT NOT NULL, kind TEXT NOT NULL,
    event_id TEXT NOT NULL, payload TEXT NOT NULL, payload_sha256 TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')), UNIQUE (kind, event_id)
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE event_conflicts (
    id INTEGER PRIMARY KEY, bench TEXT NOT NULL, kind TEXT NOT NULL, event_id TEXT NOT NULL,
    payload TEXT NOT NULL, payload_sha256 TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
    UNIQUE (kind, event_id, payload_sha256)
);
CREATE TABLE rejections (
    id INTEGER PRIMARY KEY, bench TEXT NOT NULL, kind TEXT NOT NULL, event_id TEXT NOT NULL,
    payload TEXT NOT NULL, reason TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
);
CREATE TABLE audit_entries (
    bench TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL,
    bench_id TEXT NOT NULL, subject TEXT NOT NULL, record_sha256 TEXT NOT NULL, detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (bench, seq)
);
CREATE TABLE anchors (
    bench TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, receipt TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
);
CREATE TABLE bench_problems (
    id INTEGER PRIMARY KEY, bench TEXT NOT NULL, problem TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
);
CREATE TABLE reference (seq INTEGER NOT NULL UNIQUE, record_key TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE officers (
    badge TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, active INTEGER NOT NULL,
    password_hash TEXT NOT NULL, pin_hash TEXT, version INTEGER NOT NULL UNIQUE
);
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL, complete INTEGER NOT NULL DEFAULT 0
);
"""

# The supervisor review's projection: the same tables as on PostgreSQL (see postgres.py's M002_SQL).
# `row_seq INTEGER PRIMARY KEY` is the rowid itself, as `inspections.rowid` is in a records file.
_M002 = """
ALTER TABLE photos RENAME TO photo_blobs;
CREATE TABLE shifts (
    id TEXT PRIMARY KEY, officer_badge TEXT NOT NULL, bench_id TEXT NOT NULL, started_at TEXT NOT NULL,
    handed_over_from TEXT
);
CREATE INDEX shifts_bench ON shifts (bench_id, started_at);
CREATE TABLE shift_ends (id TEXT PRIMARY KEY, ended_at TEXT NOT NULL, how TEXT NOT NULL);
CREATE TABLE inspections (
    row_seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, tracking_id TEXT NOT NULL,
    officer_badge TEXT NOT NULL, officer_name TEXT NOT NULL, bench_id TEXT NOT NULL, shift_id TEXT NOT NULL,
    at TEXT NOT NULL, outcome TEXT NOT NULL, exam_types TEXT NOT NULL, notes TEXT NOT NULL,
    manifest_found INTEGER NOT NULL, risk_score INTEGER, risk_lane TEXT, targeted INTEGER NOT NULL,
    agency TEXT, supersedes TEXT, reason TEXT NOT NULL, barcode TEXT
);
-- The log by time, filtered by outcome, targeted or lane, from the index alone (as m007 on a bench).
CREATE INDEX inspections_at_filters ON inspections (at, outcome, targeted, risk_lane);
CREATE INDEX inspections_officer_at ON inspections (officer_badge, at);
CREATE INDEX inspections_bench_at ON inspections (bench_id, at);
CREATE INDEX inspections_tracking ON inspections (tracking_id, at);
CREATE INDEX inspections_barcode ON inspections (barcode);
CREATE INDEX inspections_supersedes ON inspections (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX inspections_shift ON inspections (shift_id, at);
CREATE TABLE detentions (
    id TEXT PRIMARY KEY, reason TEXT NOT NULL, agency_or_test TEXT NOT NULL, detained_on TEXT NOT NULL,
    notice_due TEXT NOT NULL, decision_due TEXT NOT NULL
);
CREATE TABLE seizures (
    id TEXT PRIMARY KEY, violation TEXT NOT NULL, law_cited TEXT NOT NULL, storage_location TEXT NOT NULL,
    total_msrp REAL NOT NULL, total_domestic_value REAL NOT NULL
);
CREATE TABLE seized_items (
    id TEXT PRIMARY KEY, seizure_id TEXT NOT NULL, line_no INTEGER NOT NULL, description TEXT NOT NULL,
    quantity INTEGER NOT NULL, msrp_per_unit REAL NOT NULL, domestic_value REAL NOT NULL,
    rights_holder TEXT NOT NULL, recordation_number TEXT NOT NULL, identifiers TEXT NOT NULL
);
CREATE INDEX seized_items_seizure ON seized_items (seizure_id, line_no);
CREATE TABLE photos (
    id TEXT PRIMARY KEY, file_name TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    officer_badge TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE seizure_photos (
    id TEXT PRIMARY KEY, seizure_id TEXT NOT NULL, photo_id TEXT NOT NULL, position INTEGER NOT NULL
);
CREATE INDEX seizure_photos_seizure ON seizure_photos (seizure_id, position);
CREATE TABLE countersignatures (
    id TEXT PRIMARY KEY, seizure_id TEXT NOT NULL, supervisor_badge TEXT NOT NULL,
    supervisor_name TEXT NOT NULL, bench_id TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX countersignatures_seizure ON countersignatures (seizure_id);
CREATE TABLE voids (
    id TEXT PRIMARY KEY, inspection_id TEXT NOT NULL, officer_badge TEXT NOT NULL, bench_id TEXT NOT NULL,
    at TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX voids_inspection ON voids (inspection_id);
CREATE TABLE seizure_reviews (
    id TEXT PRIMARY KEY, seizure_id TEXT NOT NULL, action TEXT NOT NULL, supervisor_badge TEXT NOT NULL,
    supervisor_name TEXT NOT NULL, seizing_badge TEXT NOT NULL, bench_id TEXT NOT NULL, at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX seizure_reviews_seizure ON seizure_reviews (seizure_id, at);
CREATE TABLE lookouts (
    id TEXT PRIMARY KEY, field TEXT NOT NULL, pattern TEXT NOT NULL, reason TEXT NOT NULL,
    expires_at TEXT NOT NULL, supervisor_badge TEXT NOT NULL, supervisor_name TEXT NOT NULL,
    bench_id TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE lookout_removals (
    id TEXT PRIMARY KEY, lookout_id TEXT NOT NULL, supervisor_badge TEXT NOT NULL, bench_id TEXT NOT NULL,
    at TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX lookout_removals_lookout ON lookout_removals (lookout_id);
CREATE VIEW current_inspections AS
    SELECT i.* FROM inspections i
    WHERE NOT EXISTS (SELECT 1 FROM inspections c WHERE c.supersedes = i.id)
      AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.inspection_id = i.id);
CREATE INDEX audit_entries_subject ON audit_entries (subject) WHERE subject <> '';
CREATE VIEW audit_log AS
    SELECT seq, at, kind, actor, bench_id, subject, record_sha256, detail, prev_hash, hash FROM audit_entries;
CREATE TABLE ref_targets (
    tracking_id TEXT PRIMARY KEY, arrival_date TEXT, score INTEGER, lane TEXT,
    targeted INTEGER NOT NULL DEFAULT 0, target_reason TEXT NOT NULL DEFAULT '', assessed_at TEXT
);
CREATE INDEX ref_targets_targeted ON ref_targets (arrival_date) WHERE targeted = 1;
CREATE INDEX ref_targets_arrival ON ref_targets (arrival_date);
""" + "".join(
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;\n"
    f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;\n"
    for t in TABLES
)

MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _M001), (2, _M002))


class SqliteStorage:
    """HubStorage on one SQLite file (WAL), for the demo hub."""

    def __init__(self, url: str) -> None:
        self._url = url
        path = Path(url.removeprefix("sqlite:///"))
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"cannot open the hub database {path}: {exc}") from exc
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.Lock()
        self._migrate()
        row = self.conn.execute("SELECT secret FROM hub_secret WHERE id = 1").fetchone()
        self._secret = str(row[0])

    def _migrate(self) -> None:
        with self._tx() as c:  # BEGIN IMMEDIATE: a second process waits for the first
            c.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)"
            )
            done = {int(r[0]) for r in c.execute("SELECT version FROM schema_version")}
            for number, script in MIGRATIONS:
                if number in done:
                    continue
                for statement in _statements(script):
                    c.execute(statement)
                if number == 1:
                    c.execute("INSERT INTO hub_secret VALUES (1, ?)", (secrets.token_hex(32),))
                c.execute("INSERT INTO schema_version VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'))", (number,))

    @property
    def url(self) -> str:
        return self._url

    @property
    def dialect(self) -> Dialect:
        return "sqlite"

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def _tx(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; a writer takes the file's write lock at once, a reader a WAL snapshot."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            except sqlite3.OperationalError as exc:
                raise StorageUnavailable(f"the hub database is busy: {exc}") from exc
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _next(self, c: sqlite3.Connection, counter: str) -> int:
        c.execute("UPDATE hub_state SET value = value + 1 WHERE key = ?", (counter,))
        return int(c.execute("SELECT value FROM hub_state WHERE key = ?", (counter,)).fetchone()[0])

    # -- devices ----------------------------------------------------------------------------------

    def device_for(self, token_sha256: str) -> str | None:
        with self._tx(write=False) as c:
            row = c.execute(
                "SELECT name FROM devices WHERE token_sha256 = ? AND revoked_at IS NULL", (token_sha256,)
            ).fetchone()
        return None if row is None else str(row[0])

    def add_device(self, name: str, token_sha256: str) -> None:
        with self._tx() as c:
            row = c.execute("SELECT revoked_at IS NULL FROM devices WHERE name = ?", (name,)).fetchone()
            if row is not None and row[0]:
                raise Conflict(f"device {name} exists: revoke it first to give it a new token")
            c.execute(
                "INSERT INTO devices (name, token_sha256) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET token_sha256 = excluded.token_sha256, revoked_at = NULL",
                (name, token_sha256),
            )

    def revoke_device(self, name: str) -> None:
        with self._tx() as c:
            cur = c.execute(
                "UPDATE devices SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ') "
                "WHERE name = ? AND revoked_at IS NULL",
                (name,),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active device named {name}")

    # -- events and anchors -----------------------------------------------------------------------

    def upload(self, bench: str, events: Sequence[Incoming], audit: Sequence[AuditEntry]) -> UploadOutcome:
        with self._tx() as c:
            if any(e.good and e.kind in REVIEW_KINDS for e in events):
                events = refuse_own_reviews(events, functools.partial(_seizing_officers, c))
            inserted: dict[tuple[str, str], int] = {}
            existing: dict[tuple[str, str], str] = {}
            for e in events:
                if not e.good:
                    continue
                row = c.execute(
                    "INSERT INTO events (bench, kind, event_id, payload, payload_sha256) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (kind, event_id) DO NOTHING RETURNING hub_seq",
                    (bench, e.kind, e.event_id, e.payload, e.payload_sha256),
                ).fetchone()
                key = (e.kind, e.event_id)
                if row is not None:
                    inserted[key] = int(row[0])
                elif key not in inserted:
                    held = c.execute(
                        "SELECT payload_sha256 FROM events WHERE kind = ? AND event_id = ?", key
                    ).fetchone()
                    existing[key] = held[0]
            results, conflicts = classify(events, inserted, existing)
            for table, rows in accepted_rows(events, [r.status for r in results]).items():
                c.executemany(_insert_sql(table), column_values(table, rows))
            lookouts = accepted_lookouts(events, results)
            if lookouts:  # out to every bench with the reference pull, from this same commit
                self._publish(
                    c, lookout_reference_records(lookouts, functools.partial(_known_lookout, c)), 5000
                )
            c.executemany(
                "INSERT INTO event_conflicts (bench, kind, event_id, payload, payload_sha256) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(bench, e.kind, e.event_id, e.payload, e.payload_sha256) for e in conflicts],
            )
            c.executemany(
                "INSERT INTO rejections (bench, kind, event_id, payload, reason) VALUES (?, ?, ?, ?, ?)",
                [(bench, e.kind, e.event_id, e.payload, e.reason) for e in events if not e.good],
            )
            anchor = self._take_audit(c, bench, audit)
        return UploadOutcome(results, anchor)

    def _anchor(self, c: sqlite3.Connection, bench: str) -> Anchor:
        row = c.execute("SELECT seq, hash, receipt FROM anchors WHERE bench = ?", (bench,)).fetchone()
        return GENESIS if row is None else Anchor(int(row[0]), row[1], row[2])

    def _take_audit(self, c: sqlite3.Connection, bench: str, audit: Sequence[AuditEntry]) -> AnchorResult:
        held = self._anchor(c, bench)
        if not audit:
            return AnchorResult("unchanged", held.seq, held.hash)

        def stored_hash(seq: int) -> str | None:
            row = c.execute(
                "SELECT hash FROM audit_entries WHERE bench = ? AND seq = ?", (bench, seq)
            ).fetchone()
            return None if row is None else str(row[0])

        verdict = judge_chain(held, audit, stored_hash)
        if verdict.status == "broken":
            c.execute(  # once per problem (see postgres.py)
                "INSERT INTO bench_problems (bench, problem) SELECT ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM bench_problems WHERE bench = ? AND problem = ?)",
                (bench, verdict.reason, bench, verdict.reason),
            )
            return AnchorResult("broken", held.seq, held.hash, reason=verdict.reason)
        if verdict.status != "anchored":
            return AnchorResult(verdict.status, held.seq, held.hash)
        if not verdict.new_entries:
            return AnchorResult("anchored", held.seq, held.hash, held.receipt)
        c.executemany(
            "INSERT INTO audit_entries (bench, seq, at, kind, actor, bench_id, subject, record_sha256, "
            "detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (bench, e.seq, e.at, e.kind, e.actor, e.bench_id, e.subject, e.record_sha256,
                 e.detail, e.prev_hash, e.hash)
                for e in verdict.new_entries
            ],
        )  # fmt: skip
        last = verdict.new_entries[-1]
        signed = receipt(self._secret, bench, last.seq, last.hash)
        c.execute(
            "INSERT INTO anchors (bench, seq, hash, receipt) VALUES (?, ?, ?, ?) ON CONFLICT (bench) DO UPDATE "
            "SET seq = excluded.seq, hash = excluded.hash, receipt = excluded.receipt, "
            "at = strftime('%Y-%m-%dT%H:%M:%fZ')",
            (bench, last.seq, last.hash, signed),
        )
        return AnchorResult("anchored", last.seq, last.hash, signed)

    def anchor(self, bench: str) -> Anchor:
        with self._tx(write=False) as c:
            return self._anchor(c, bench)

    def audit_entries(self, bench: str) -> list[AuditEntry]:
        with self._tx(write=False) as c:
            rows = c.execute(
                "SELECT seq, at, kind, actor, bench_id, subject, record_sha256, detail, prev_hash, hash "
                "FROM audit_entries WHERE bench = ? ORDER BY seq",
                (bench,),
            ).fetchall()
        return [AuditEntry(*r) for r in rows]

    def bench_problems(self, bench: str) -> list[tuple[str, str]]:
        with self._tx(write=False) as c:
            rows = c.execute("SELECT at, problem FROM bench_problems WHERE bench = ? ORDER BY id", (bench,))
            return [(r[0], r[1]) for r in rows]

    def hub_secret(self) -> str:
        return self._secret

    # -- reference data ---------------------------------------------------------------------------

    def publish_reference(self, records: Iterable[tuple[str, dict[str, Any]]], chunk_size: int = 5000) -> int:
        with self._tx() as c:
            return self._publish(c, records, chunk_size)

    def _publish(
        self, c: sqlite3.Connection, records: Iterable[tuple[str, dict[str, Any]]], chunk_size: int
    ) -> int:
        count = 0
        it = iter(records)
        while chunk := list(itertools.islice(it, chunk_size)):
            for key, record in chunk:
                seq = self._next(c, "reference_seq")
                c.execute(
                    "INSERT INTO reference (seq, record_key, record) VALUES (?, ?, ?) "
                    "ON CONFLICT (record_key) DO UPDATE SET seq = excluded.seq, record = excluded.record",
                    (seq, key, json.dumps(record, sort_keys=True, ensure_ascii=False)),
                )
            _put_targets(c, targets.merged(chunk))
            count += len(chunk)
        return count

    def withdraw_reference(self, keys: Iterable[str]) -> int:
        with self._tx() as c:
            keys = list(keys)
            deleted = sum(
                c.execute("DELETE FROM reference WHERE record_key = ?", (k,)).rowcount for k in keys
            )
            ids = targets.tracking_ids_of(keys)
            if ids:  # what is left of those tracking ids, derived again
                c.executemany("DELETE FROM ref_targets WHERE tracking_id = ?", [(i,) for i in ids])
                wanted = [f"{p}{i}" for i in ids for p in targets.TARGET_PREFIXES]
                rows = c.execute(
                    f"SELECT record_key, record FROM reference WHERE record_key IN ({', '.join('?' * len(wanted))}) "
                    "ORDER BY seq",
                    wanted,
                ).fetchall()
                _put_targets(c, targets.merged((r[0], json.loads(r[1])) for r in rows))
            if deleted:
                c.execute("UPDATE hub_state SET value = value + 1 WHERE key = 'reference_horizon'")
        return deleted

    def reference_page(self, cursor: int, limit: int, horizon: int | None = None) -> Page:
        with self._tx(write=False) as c:
            held = int(c.execute("SELECT value FROM hub_state WHERE key = 'reference_horizon'").fetchone()[0])
            if horizon is not None and horizon != held:
                raise CursorExpired(f"the cursor was issued before reference horizon {held}")
            max_seq = int(c.execute("SELECT coalesce(max(seq), 0) FROM reference").fetchone()[0])
            rows = c.execute(
                "SELECT seq, record FROM reference WHERE seq > ? ORDER BY seq LIMIT ?", (cursor, limit + 1)
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(
            [json.loads(r[1]) for r in rows], int(rows[-1][0]) if rows else cursor, more, max_seq, held
        )

    # -- officers ---------------------------------------------------------------------------------

    def officer(self, badge: str) -> DirectoryOfficer | None:
        with self._tx(write=False) as c:
            row = c.execute(
                "SELECT badge, name, role, active, password_hash, pin_hash, version FROM officers WHERE badge = ?",
                (badge,),
            ).fetchone()
        return None if row is None else _officer(row)

    def save_officer(
        self,
        badge: str,
        name: str,
        role: str,
        active: bool,
        password_hash: str,
        pin_hash: str | None,
        *,
        new: bool = False,
    ) -> DirectoryOfficer:
        with self._tx() as c:
            if new and c.execute("SELECT 1 FROM officers WHERE badge = ?", (badge,)).fetchone():
                raise Conflict(f"badge {badge} already exists")  # under the write lock: no race
            version = self._next(c, "officer_version")
            c.execute(
                "INSERT INTO officers (badge, name, role, active, password_hash, pin_hash, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (badge) DO UPDATE SET name = excluded.name, "
                "role = excluded.role, active = excluded.active, password_hash = excluded.password_hash, "
                "pin_hash = excluded.pin_hash, version = excluded.version",
                (badge, name, role, int(active), password_hash, pin_hash, version),
            )
        return DirectoryOfficer(badge, name, role, active, password_hash, pin_hash, version)

    def officers_since(self, version: int) -> list[DirectoryOfficer]:
        with self._tx(write=False) as c:
            rows = c.execute(
                "SELECT badge, name, role, active, password_hash, pin_hash, version FROM officers "
                "WHERE version > ? ORDER BY version",
                (version,),
            ).fetchall()
        return [_officer(r) for r in rows]

    # -- the supervisor review ----------------------------------------------------------------------

    def review_read(self, work: Callable[[Execute], T]) -> T:
        with self._tx(write=False) as c:

            def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                return c.execute(sql, tuple(params)).fetchall()

            return work(execute)

    # -- photos -----------------------------------------------------------------------------------

    def photo_state(self, sha256: str) -> PhotoState:
        with self._tx(write=False) as c:
            row = c.execute(
                "SELECT length(data), size, complete FROM photo_blobs WHERE sha256 = ?", (sha256,)
            ).fetchone()
        return (
            PhotoState(0, None, False) if row is None else PhotoState(int(row[0]), int(row[1]), bool(row[2]))
        )

    def append_photo(self, sha256: str, offset: int, size: int, data: bytes) -> PhotoOutcome:
        with self._tx() as c:
            row = c.execute(
                "SELECT data, size, complete FROM photo_blobs WHERE sha256 = ?", (sha256,)
            ).fetchone()
            held_bytes = b"" if row is None else bytes(row[0])
            stored_size = size if row is None else int(row[1])
            if row is not None and row[2]:
                return PhotoOutcome("complete", len(held_bytes), len(held_bytes))
            if offset == 0:
                held_bytes, stored_size = b"", size
            if offset != len(held_bytes) or stored_size != size:
                return PhotoOutcome("offset_mismatch", len(held_bytes), stored_size)
            whole = held_bytes + data
            complete = len(whole) >= size
            if complete and (len(whole) != size or hashlib.sha256(whole).hexdigest() != sha256):
                c.execute("DELETE FROM photo_blobs WHERE sha256 = ?", (sha256,))
                return PhotoOutcome("hash_mismatch", 0, size)
            c.execute(
                "INSERT INTO photo_blobs (sha256, size, data, complete) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) "
                "DO UPDATE SET size = excluded.size, data = excluded.data, complete = excluded.complete",
                (sha256, size, whole, int(complete)),
            )
            return PhotoOutcome("complete" if complete else "partial", len(whole), size)


@functools.cache
def _insert_sql(table: str) -> str:
    names = [name for name, _ in TABLES[table]]
    return (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        "ON CONFLICT (id) DO NOTHING"
    )


def _seizing_officers(c: sqlite3.Connection, seizure_ids: list[str]) -> dict[str, str]:
    marks = ", ".join("?" * len(seizure_ids))
    rows = c.execute(f"SELECT id, officer_badge FROM inspections WHERE id IN ({marks})", seizure_ids)
    return {str(r[0]): str(r[1]) for r in rows}


def _known_lookout(c: sqlite3.Connection, lookout_id: str) -> Lookout | None:
    row = c.execute(f"SELECT {LOOKOUT_COLUMNS} FROM lookouts WHERE id = ?", (lookout_id,)).fetchone()
    return None if row is None else lookout_from_row(row)


def _put_targets(c: sqlite3.Connection, rows: list[targets.RefTarget]) -> None:
    c.executemany(
        f"INSERT INTO ref_targets ({', '.join(targets.COLUMNS)}) VALUES ({', '.join('?' * len(targets.COLUMNS))}) "
        f"ON CONFLICT (tracking_id) DO UPDATE SET {targets.UPSERT_SET}",
        [t.values() for t in rows],
    )


def _officer(row: Sequence[Any]) -> DirectoryOfficer:
    return DirectoryOfficer(row[0], row[1], row[2], bool(row[3]), row[4], row[5], int(row[6]))


def _statements(script: str) -> list[str]:
    """A migration script's statements (a trigger's body holds semicolons of its own)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]
