"""The records file's schema, changed only through migrations.

Records tables are append-only: triggers refuse UPDATE and DELETE. The triggers stop mistakes,
not someone holding the file; the audit chain is what detects that. Officers are state: each
change writes the row's resulting digest in its audit entry (see m003), so a migration that
changes the `officers` table must write a new `officer_baseline` entry for every row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("workstation.records")

# The record tables m001 made (its append-only triggers cover these and audit_log).
_M001_RECORD_TABLES = (
    "shifts",
    "shift_ends",
    "inspections",
    "detentions",
    "seizures",
    "seized_items",
    "photos",
    "seizure_photos",
    "countersignatures",
    "voids",
)
# Every row of these tables is a fact with its own audit entry (subject "table:id").
RECORD_TABLES = (
    *_M001_RECORD_TABLES,
    # m006: a supervisor's review of a seizure (any bench's), and facility lookouts.
    "seizure_reviews",
    "lookouts",
    "lookout_removals",
)
APPEND_ONLY_TABLES = (*RECORD_TABLES, "audit_log")

# Columns added to a record table after its first migration. Rows written before a column existed
# were hashed into the audit chain without it, so a NULL there is left out of a row's digest; a
# value is always in it (store/audit.py).
LATER_COLUMNS: dict[str, tuple[str, ...]] = {"inspections": ("barcode",)}


def _append_only_statements(table: str) -> tuple[str, str]:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: write a correction instead'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: records are never deleted'); END",
    )


def _append_only_triggers(table: str) -> str:
    return "".join(f"{statement};\n" for statement in _append_only_statements(table))


@migrations()
def m001_records(db: Database) -> None:
    db.executescript(
        """
        -- Officers are state, not facts: every change to them is a security event in the audit log.
        CREATE TABLE officers (
            badge TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
            active INTEGER NOT NULL DEFAULT 1,
            password_hash TEXT NOT NULL,
            pin_hash TEXT,
            failed_count INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE shifts (
            id TEXT PRIMARY KEY,
            officer_badge TEXT NOT NULL REFERENCES officers(badge),
            bench_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            handed_over_from TEXT REFERENCES shifts(id)
        );
        CREATE INDEX shifts_bench ON shifts(bench_id, started_at);
        CREATE TABLE shift_ends (
            id TEXT PRIMARY KEY REFERENCES shifts(id),
            ended_at TEXT NOT NULL,
            how TEXT NOT NULL
        );

        CREATE TABLE inspections (
            id TEXT PRIMARY KEY,
            tracking_id TEXT NOT NULL,
            officer_badge TEXT NOT NULL REFERENCES officers(badge),
            officer_name TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            shift_id TEXT NOT NULL REFERENCES shifts(id),
            at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            exam_types TEXT NOT NULL,
            notes TEXT NOT NULL,
            manifest_found INTEGER NOT NULL,
            risk_score INTEGER,
            risk_lane TEXT,
            targeted INTEGER NOT NULL,
            agency TEXT,
            supersedes TEXT REFERENCES inspections(id),
            reason TEXT NOT NULL
        );
        CREATE INDEX inspections_tracking ON inspections(tracking_id, at);
        CREATE INDEX inspections_shift ON inspections(shift_id, at);
        -- A record is corrected once; a later correction supersedes the correction.
        CREATE UNIQUE INDEX inspections_supersedes ON inspections(supersedes) WHERE supersedes IS NOT NULL;

        CREATE TABLE detentions (
            id TEXT PRIMARY KEY REFERENCES inspections(id),
            reason TEXT NOT NULL,
            agency_or_test TEXT NOT NULL,
            detained_on TEXT NOT NULL,
            notice_due TEXT NOT NULL,
            decision_due TEXT NOT NULL
        );

        CREATE TABLE seizures (
            id TEXT PRIMARY KEY REFERENCES inspections(id),
            violation TEXT NOT NULL,
            law_cited TEXT NOT NULL,
            storage_location TEXT NOT NULL,
            total_msrp REAL NOT NULL,
            total_domestic_value REAL NOT NULL
        );
        CREATE TABLE seized_items (
            id TEXT PRIMARY KEY,
            seizure_id TEXT NOT NULL REFERENCES seizures(id),
            line_no INTEGER NOT NULL,
            description TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            msrp_per_unit REAL NOT NULL,
            domestic_value REAL NOT NULL,
            rights_holder TEXT NOT NULL,
            recordation_number TEXT NOT NULL,
            identifiers TEXT NOT NULL
        );
        CREATE INDEX seized_items_seizure ON seized_items(seizure_id, line_no);

        CREATE TABLE photos (
            id TEXT PRIMARY KEY,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            officer_badge TEXT NOT NULL REFERENCES officers(badge),
            at TEXT NOT NULL
        );
        CREATE TABLE seizure_photos (
            id TEXT PRIMARY KEY,
            seizure_id TEXT NOT NULL REFERENCES seizures(id),
            photo_id TEXT NOT NULL REFERENCES photos(id),
            position INTEGER NOT NULL
        );
        CREATE INDEX seizure_photos_seizure ON seizure_photos(seizure_id, position);

        CREATE TABLE countersignatures (
            id TEXT PRIMARY KEY,
            seizure_id TEXT NOT NULL UNIQUE REFERENCES seizures(id),
            supervisor_badge TEXT NOT NULL REFERENCES officers(badge),
            supervisor_name TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            at TEXT NOT NULL
        );

        CREATE TABLE voids (
            id TEXT PRIMARY KEY,
            inspection_id TEXT NOT NULL UNIQUE REFERENCES inspections(id),
            officer_badge TEXT NOT NULL REFERENCES officers(badge),
            bench_id TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL
        );

        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            record_sha256 TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );

        -- What the sync sends; sent_at is its only changing column.
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (kind, record_id)
        );
        CREATE INDEX outbox_unsent ON outbox(seq) WHERE sent_at IS NULL;
        CREATE TRIGGER outbox_payload_fixed BEFORE UPDATE OF kind, record_id, payload, created_at ON outbox
        BEGIN SELECT RAISE(ABORT, 'an outbox row''s payload never changes'); END;

        -- The current state: records neither superseded nor voided.
        -- row_seq: insertion order (rows are never deleted), the tie-break for equal timestamps.
        CREATE VIEW current_inspections AS
            SELECT i.rowid AS row_seq, i.* FROM inspections i
            WHERE NOT EXISTS (SELECT 1 FROM inspections c WHERE c.supersedes = i.id)
              AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.inspection_id = i.id);
        CREATE VIEW open_shifts AS
            SELECT s.* FROM shifts s WHERE NOT EXISTS (SELECT 1 FROM shift_ends e WHERE e.id = s.id);
        """
        + "".join(_append_only_triggers(t) for t in (*_M001_RECORD_TABLES, "audit_log"))
    )


@migrations()
def m002_inspection_barcode(db: Database) -> None:
    # What the label's barcode held (a FedEx 34-digit barcode around the 12-digit tracking id);
    # NULL for records made before it was kept. ADD COLUMN rewrites no row, so no trigger fires.
    db.execute("ALTER TABLE inspections ADD COLUMN barcode TEXT")


@migrations()
def m003_officer_rows_in_the_audit_chain(db: Database) -> None:
    """Officer rows enter the audit chain: the lockout counters move out, each row gets a baseline.

    From here every change to an officer writes the row's resulting digest in its audit entry,
    and `audit verify` recomputes every row (all its columns). The sign-in failure count and
    lock end move to `sign_in_failures`, outside the covered row: they change on every failed
    attempt and are reset on every success, each such event is already an audit entry of its own
    (sign_in_failed, lockout), and a forged count gives whoever holds the file nothing they lack.
    A row here, not a column, also means a column added to `officers` later is covered by default.
    """
    # Imported here: store.audit imports this module's table lists.
    from workstation.store import audit

    conn = db.conn
    # One statement at a time: executescript would commit the migration's transaction first.
    conn.execute(
        """
        CREATE TABLE sign_in_failures (
            badge TEXT PRIMARY KEY REFERENCES officers(badge),
            failed_count INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )
        """
    )
    conn.execute(
        "INSERT INTO sign_in_failures (badge, failed_count, locked_until) "
        "SELECT badge, failed_count, locked_until FROM officers "
        "WHERE failed_count != 0 OR locked_until IS NOT NULL"
    )
    conn.execute("ALTER TABLE officers DROP COLUMN failed_count")
    conn.execute("ALTER TABLE officers DROP COLUMN locked_until")
    # The rows as they are now become the baseline: what happened to them before is unknowable.
    at = datetime.now(UTC)
    for (badge,) in conn.execute("SELECT badge FROM officers ORDER BY badge").fetchall():
        audit.append(
            conn,
            at=at,
            kind="officer_baseline",
            actor="",
            bench_id="migration",
            detail={"badge": badge, "why": "officer rows enter the audit chain"},
            officer=badge,
        )


@migrations()
def m004_outbox_messages(db: Database) -> None:
    # Rows from here hold a versioned message (core/messages.py); rows before it hold the raw
    # record row (version 0). No hub ever received those; `Outbox.pending` skips them.
    db.execute("ALTER TABLE outbox ADD COLUMN message_version INTEGER NOT NULL DEFAULT 0")


@migrations()
def m005_sync_dead_letters_and_state(db: Database) -> None:
    """What the hub refused, kept for people to see, and the sync's own small state.

    A dead letter is an outbox message the hub answered `conflict` or `rejected`: `Outbox.pending`
    skips it from then on, and it is never deleted (the trigger refuses it). `sync_state` holds
    key -> JSON value: last success, offline since, last error, the hub's anchor, the officer
    directory's cursor. Neither is a record: neither enters the audit chain.
    """
    conn = db.conn
    conn.execute(
        """
        CREATE TABLE dead_letters (
            outbox_seq INTEGER PRIMARY KEY REFERENCES outbox(seq),
            kind TEXT NOT NULL,
            event_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('conflict', 'rejected')),
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    conn.execute(
        "CREATE TRIGGER dead_letters_kept BEFORE DELETE ON dead_letters "
        "BEGIN SELECT RAISE(ABORT, 'dead letters are kept: the hub refused them and people must see why'); END"
    )
    conn.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m006_supervisor_review(db: Database) -> None:
    """A supervisor's review of seizures, facility lookouts, and the shift log's indexes.

    `seizure_reviews` holds countersignatures and returns for correction made from here on, for a
    seizure of this bench or of any other (known from the hub), so it has no foreign key to
    `seizures`; `seizing_badge` is the seizing officer as the supervisor saw it, which the hub checks
    again. A lookout is a record; removing one is a record too (`lookout_removals`).
    """
    conn = db.conn
    for statement in (
        """
        CREATE TABLE seizure_reviews (
            id TEXT PRIMARY KEY,
            seizure_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('countersign', 'return')),
            supervisor_badge TEXT NOT NULL,
            supervisor_name TEXT NOT NULL,
            seizing_badge TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL
        )
        """,
        "CREATE INDEX seizure_reviews_seizure ON seizure_reviews(seizure_id, at)",
        """
        CREATE TABLE lookouts (
            id TEXT PRIMARY KEY,
            field TEXT NOT NULL,
            pattern TEXT NOT NULL,
            reason TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            supervisor_badge TEXT NOT NULL,
            supervisor_name TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE lookout_removals (
            id TEXT PRIMARY KEY,
            lookout_id TEXT NOT NULL UNIQUE,
            supervisor_badge TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            at TEXT NOT NULL,
            reason TEXT NOT NULL
        )
        """,
        # The shift log reads by time, and by time within officer or bench.
        "CREATE INDEX inspections_at ON inspections(at)",
        "CREATE INDEX inspections_officer_at ON inspections(officer_badge, at)",
        "CREATE INDEX inspections_bench_at ON inspections(bench_id, at)",
    ):
        conn.execute(statement)
    for table in ("seizure_reviews", "lookouts", "lookout_removals"):
        for statement in _append_only_statements(table):
            conn.execute(statement)


@migrations()
def m007_review_indexes(db: Database) -> None:
    """Indexes for the supervisor review (benchmarks/review.py, 500,000 records).

    The shift log by time filtered by outcome, targeted or lane (and with or without a seizure or
    detention, which the outcome tells first) reads the time index alone, not a 300-byte row per
    record: a week's log (110,000 records) in two thirds of the time. It replaces m006's (at).
    A search by a label's barcode (a FedEx 34-digit form) finds its record without reading every
    row, and a record's detail finds its audit entries by their subject.
    """
    conn = db.conn
    conn.execute("CREATE INDEX inspections_at_filters ON inspections(at, outcome, targeted, risk_lane)")
    conn.execute("DROP INDEX inspections_at")  # (at) is a prefix of the new one
    conn.execute("CREATE INDEX inspections_barcode ON inspections(barcode)")
    conn.execute("CREATE INDEX audit_log_subject ON audit_log(subject)")
