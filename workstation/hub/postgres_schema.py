"""The hub's PostgreSQL schema: its numbered migrations, and the projection's set-based writers.

Migration 1 is the sync's (devices, events, anchors, reference data, officers, photo bytes);
migration 2 the supervisor review's projection (workstation/hub/projection.py) and `ref_targets`,
filled from what the hub already held. `migrate` applies what is not yet applied, under an
advisory lock, so hub processes starting together take turns.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from functools import cache
from typing import Any

import psycopg

from workstation.hub import targets
from workstation.hub.projection import TABLES, Row, column_values, stored_rows

# Advisory lock key (any 64-bit number, fixed for this schema).
MIGRATION_LOCK = 0x776B5F6D6967  # "wk_mig"


def _m001(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        """
        CREATE TABLE hub_secret (id int PRIMARY KEY CHECK (id = 1), secret text NOT NULL);
        CREATE TABLE hub_state (key text PRIMARY KEY, value bigint NOT NULL);
        INSERT INTO hub_state VALUES ('reference_horizon', 0);
        CREATE TABLE devices (
            name text PRIMARY KEY,
            token_sha256 text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        );
        CREATE TABLE events (
            hub_seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bench text NOT NULL,
            kind text NOT NULL,
            event_id text NOT NULL,
            payload text NOT NULL,
            payload_sha256 text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (kind, event_id)
        );
        CREATE FUNCTION hub_refuse_change() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
        CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION hub_refuse_change();
        CREATE TABLE event_conflicts (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bench text NOT NULL,
            kind text NOT NULL,
            event_id text NOT NULL,
            payload text NOT NULL,
            payload_sha256 text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (kind, event_id, payload_sha256)
        );
        CREATE TABLE rejections (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bench text NOT NULL,
            kind text NOT NULL,
            event_id text NOT NULL,
            payload text NOT NULL,
            reason text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE audit_entries (
            bench text NOT NULL,
            seq bigint NOT NULL,
            at text NOT NULL,
            kind text NOT NULL,
            actor text NOT NULL,
            bench_id text NOT NULL,
            subject text NOT NULL,
            record_sha256 text NOT NULL,
            detail text NOT NULL,
            prev_hash text NOT NULL,
            hash text NOT NULL,
            PRIMARY KEY (bench, seq)
        );
        CREATE TABLE anchors (
            bench text PRIMARY KEY,
            seq bigint NOT NULL,
            hash text NOT NULL,
            receipt text NOT NULL,
            at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE bench_problems (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            bench text NOT NULL,
            problem text NOT NULL,
            at timestamptz NOT NULL DEFAULT now()
        );
        CREATE SEQUENCE reference_seq_counter;
        CREATE TABLE reference (
            seq bigint NOT NULL UNIQUE,
            record_key text PRIMARY KEY,
            record text NOT NULL
        );
        CREATE SEQUENCE officer_version_counter;
        CREATE TABLE officers (
            badge text PRIMARY KEY,
            name text NOT NULL,
            role text NOT NULL,
            active boolean NOT NULL,
            password_hash text NOT NULL,
            pin_hash text,
            version bigint NOT NULL UNIQUE
        );
        CREATE TABLE photos (
            sha256 text PRIMARY KEY,
            size bigint NOT NULL,
            data bytea NOT NULL,
            complete boolean NOT NULL DEFAULT false
        );
        """
    )
    conn.execute("INSERT INTO hub_secret VALUES (1, %s)", (secrets.token_hex(32),))


# Migration 2: the supervisor review's projection (workstation/hub/projection.py). The records
# schema's tables and columns, as a bench's records file has them, minus the foreign keys (a record
# may arrive before the one it points at) and the one-per-record unique indexes (two benches may
# each correct or void the same record offline: both are facts). Times are the bench's ISO UTC
# text; every text column is ordered byte-wise (COLLATE "C") whatever the database's locale, as
# SQLite orders a records file (so both sources sort ties alike), and compared without the
# locale's cost. `row_seq` numbers
# inspections in the order the hub took them: the shift log's key. The hub's own photo bytes move
# to `photo_blobs`, so that `photos` is the records schema's.
M002_SQL = """
ALTER TABLE photos RENAME TO photo_blobs;
CREATE TABLE shifts (
    id text PRIMARY KEY, officer_badge text NOT NULL, bench_id text NOT NULL,
    started_at text NOT NULL, handed_over_from text
);
CREATE INDEX shifts_bench ON shifts (bench_id, started_at);
CREATE TABLE shift_ends (id text PRIMARY KEY, ended_at text NOT NULL, how text NOT NULL);
CREATE TABLE inspections (
    row_seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL,
    tracking_id text NOT NULL,
    officer_badge text NOT NULL,
    officer_name text NOT NULL,
    bench_id text NOT NULL,
    shift_id text NOT NULL,
    at text NOT NULL,
    outcome text NOT NULL,
    exam_types text NOT NULL,
    notes text NOT NULL,
    manifest_found bigint NOT NULL,
    risk_score bigint,
    risk_lane text,
    targeted bigint NOT NULL,
    agency text,
    supersedes text,
    reason text NOT NULL,
    barcode text
);
-- The log by time, newest first, filtered by outcome, targeted or lane, from the index alone: in
-- the log's order (at, row_seq), so no sort, holding what the filters and the "current" test read.
CREATE INDEX inspections_log ON inspections (at, row_seq) INCLUDE (outcome, targeted, risk_lane, id);
-- Unique, and holding the key: the log's "current" test maps superseded and voided ids to keys
-- from the index alone.
CREATE UNIQUE INDEX inspections_id ON inspections (id) INCLUDE (row_seq);
CREATE INDEX inspections_officer_at ON inspections (officer_badge, at);
CREATE INDEX inspections_bench_at ON inspections (bench_id, at);
CREATE INDEX inspections_tracking ON inspections (tracking_id, at);
CREATE INDEX inspections_barcode ON inspections (barcode);
CREATE INDEX inspections_supersedes ON inspections (supersedes) WHERE supersedes IS NOT NULL;
CREATE TABLE detentions (
    id text PRIMARY KEY, reason text NOT NULL, agency_or_test text NOT NULL,
    detained_on text NOT NULL, notice_due text NOT NULL,
    decision_due text NOT NULL
);
CREATE TABLE seizures (
    id text PRIMARY KEY, violation text NOT NULL, law_cited text NOT NULL, storage_location text NOT NULL,
    total_msrp float8 NOT NULL, total_domestic_value float8 NOT NULL
);
CREATE TABLE seized_items (
    id text PRIMARY KEY, seizure_id text NOT NULL, line_no bigint NOT NULL, description text NOT NULL,
    quantity bigint NOT NULL, msrp_per_unit float8 NOT NULL, domestic_value float8 NOT NULL,
    rights_holder text NOT NULL, recordation_number text NOT NULL, identifiers text NOT NULL
);
CREATE INDEX seized_items_seizure ON seized_items (seizure_id, line_no);
CREATE TABLE photos (
    id text PRIMARY KEY, file_name text NOT NULL, sha256 text NOT NULL, size bigint NOT NULL,
    officer_badge text NOT NULL, at text NOT NULL
);
CREATE TABLE seizure_photos (
    id text PRIMARY KEY, seizure_id text NOT NULL, photo_id text NOT NULL, position bigint NOT NULL
);
CREATE INDEX seizure_photos_seizure ON seizure_photos (seizure_id, position);
CREATE TABLE countersignatures (
    id text PRIMARY KEY, seizure_id text NOT NULL, supervisor_badge text NOT NULL,
    supervisor_name text NOT NULL, bench_id text NOT NULL, at text NOT NULL
);
CREATE INDEX countersignatures_seizure ON countersignatures (seizure_id);
CREATE TABLE voids (
    id text PRIMARY KEY, inspection_id text NOT NULL, officer_badge text NOT NULL, bench_id text NOT NULL,
    at text NOT NULL, reason text NOT NULL
);
CREATE INDEX voids_inspection ON voids (inspection_id);
CREATE TABLE seizure_reviews (
    id text PRIMARY KEY, seizure_id text NOT NULL, action text NOT NULL, supervisor_badge text NOT NULL,
    supervisor_name text NOT NULL, seizing_badge text NOT NULL, bench_id text NOT NULL,
    at text NOT NULL, reason text NOT NULL
);
CREATE INDEX seizure_reviews_seizure ON seizure_reviews (seizure_id, at);
CREATE TABLE lookouts (
    id text PRIMARY KEY, field text NOT NULL, pattern text NOT NULL, reason text NOT NULL,
    expires_at text NOT NULL, supervisor_badge text NOT NULL, supervisor_name text NOT NULL,
    bench_id text NOT NULL, at text NOT NULL
);
CREATE TABLE lookout_removals (
    id text PRIMARY KEY, lookout_id text NOT NULL, supervisor_badge text NOT NULL, bench_id text NOT NULL,
    at text NOT NULL, reason text NOT NULL
);
CREATE INDEX lookout_removals_lookout ON lookout_removals (lookout_id);
CREATE VIEW current_inspections AS
    SELECT i.* FROM inspections i
    WHERE NOT EXISTS (SELECT 1 FROM inspections c WHERE c.supersedes = i.id)
      AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.inspection_id = i.id);
-- The records file's audit_log, over every bench's anchored entries; a record's entry by subject.
CREATE INDEX audit_entries_subject ON audit_entries (subject) WHERE subject <> '';
CREATE VIEW audit_log AS
    SELECT seq, at, kind, actor, bench_id, subject, record_sha256, detail, prev_hash, hash
    FROM audit_entries;
-- What reconciliation needs of the reference data, kept as it is published (publish_reference).
CREATE TABLE ref_targets (
    tracking_id text PRIMARY KEY,
    arrival_date text,
    score bigint,
    lane text,
    targeted bigint NOT NULL DEFAULT 0,
    target_reason text NOT NULL DEFAULT '',
    assessed_at text
);
CREATE INDEX ref_targets_targeted ON ref_targets (arrival_date) WHERE targeted = 1;
CREATE INDEX ref_targets_arrival ON ref_targets (arrival_date);
"""


def _m002(conn: psycopg.Connection[Any]) -> None:
    conn.execute(re.sub(r"\btext\b(?= |,|\n)", 'text COLLATE "C"', M002_SQL))
    for table in PROJECTED:
        conn.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hub_refuse_change()"
        )
    # What the hub held before: its events projected in the order it took them, its reference
    # data's targets (an upgraded hub's review starts from its whole history).
    with conn.cursor(name="m002_events") as events, conn.cursor() as cur:
        events.execute("SELECT payload FROM events ORDER BY hub_seq")
        while chunk := events.fetchmany(5000):
            write_projection(cur, stored_rows(r[0] for r in chunk))
    with conn.cursor(name="m002_reference") as reference, conn.cursor() as cur:
        reference.execute("SELECT record_key, record FROM reference ORDER BY seq")
        while chunk := reference.fetchmany(5000):
            write_targets(cur, targets.merged((r[0], json.loads(r[1])) for r in chunk))


MIGRATIONS: tuple[tuple[int, Callable[[psycopg.Connection[Any]], None]], ...] = ((1, _m001), (2, _m002))


def migrate(url: str) -> None:
    """Apply the numbered steps not yet applied; two processes starting at once take turns."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {int(r[0]) for r in conn.execute("SELECT version FROM schema_version")}
            for number, step in MIGRATIONS:
                if number in done:
                    continue
                with conn.transaction():
                    step(conn)
                    conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


PROJECTED = tuple(TABLES)


@cache
def projection_insert_sql(table: str) -> str:
    """One statement inserting a table's rows given as one binary array per column, in order."""
    names = [name for name, _ in TABLES[table]]
    arrays = ", ".join(f"%b::{kind}[]" for _, kind in TABLES[table])
    return (
        f"INSERT INTO {table} ({', '.join(names)}) "
        f"SELECT {', '.join('t.' + n for n in names)} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS t({', '.join(names)}, n) ORDER BY t.n "
        "ON CONFLICT (id) DO NOTHING"
    )


def write_projection(cur: psycopg.Cursor[Any], rows: dict[str, list[Row]]) -> None:
    """Projected rows into their tables: one set-based insert per table (an id held is skipped)."""
    for table, table_rows in rows.items():
        columns = list(zip(*column_values(table, table_rows), strict=True))
        cur.execute(projection_insert_sql(table), [list(c) for c in columns])


def write_targets(cur: psycopg.Cursor[Any], rows: list[targets.RefTarget]) -> None:
    """Reconciliation's rows into ref_targets: an item's arrival date, the newest assessment."""
    if not rows:
        return
    columns = list(zip(*(t.values() for t in rows), strict=True))
    arrays = ", ".join(f"%b::{kind}[]" for kind in targets.PG_TYPES)
    cur.execute(
        f"INSERT INTO ref_targets ({', '.join(targets.COLUMNS)}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT (tracking_id) DO UPDATE SET {targets.UPSERT_SET}",
        [list(c) for c in columns],
    )
