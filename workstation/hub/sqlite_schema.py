"""The demo hub's SQLite schema: the same tables as on PostgreSQL (postgres_schema.py), its
numbered migrations, and the writers the migrations and the storage share.
"""

from __future__ import annotations

import functools
import json
import secrets
import sqlite3

from workstation.hub import targets
from workstation.hub.projection import TABLES, column_values, stored_rows

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


def migrate(c: sqlite3.Connection) -> None:
    """Apply the steps not yet applied, inside the caller's write transaction."""
    c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
    done = {int(r[0]) for r in c.execute("SELECT version FROM schema_version")}
    for number, script in MIGRATIONS:
        if number in done:
            continue
        for statement in _statements(script):
            c.execute(statement)
        if number == 1:
            c.execute("INSERT INTO hub_secret VALUES (1, ?)", (secrets.token_hex(32),))
        if number == 2:
            _backfill(c)
        c.execute("INSERT INTO schema_version VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'))", (number,))


def _backfill(c: sqlite3.Connection) -> None:
    """What the hub held before migration 2: its events projected in order, its reference targets."""
    events = c.execute("SELECT payload FROM events ORDER BY hub_seq")
    while chunk := events.fetchmany(5000):
        for table, rows in stored_rows(r[0] for r in chunk).items():
            c.executemany(insert_sql(table), column_values(table, rows))
    reference = c.execute("SELECT record_key, record FROM reference ORDER BY seq")
    while chunk := reference.fetchmany(5000):
        write_targets(c, targets.merged((r[0], json.loads(r[1])) for r in chunk))


@functools.cache
def insert_sql(table: str) -> str:
    names = [name for name, _ in TABLES[table]]
    return (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        "ON CONFLICT (id) DO NOTHING"
    )


def write_targets(c: sqlite3.Connection, rows: list[targets.RefTarget]) -> None:
    c.executemany(
        f"INSERT INTO ref_targets ({', '.join(targets.COLUMNS)}) VALUES ({', '.join('?' * len(targets.COLUMNS))}) "
        f"ON CONFLICT (tracking_id) DO UPDATE SET {targets.UPSERT_SET}",
        [t.values() for t in rows],
    )


def _statements(script: str) -> list[str]:
    """A migration script's statements (a trigger's body holds semicolons of its own)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]
