"""The hub on PostgreSQL: psycopg 3, one connection pool per process, set-based SQL per batch.

Any number of hub processes share one database and nothing else. A batch of events is one
transaction: one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING for the
whole batch, then one SELECT of the stored payload hashes of the keys it did not insert, to tell
a duplicate from a conflict. Reference rows and officers are numbered under a
transaction-scoped advisory lock, so their numbering is commit order and a cursor never skips a
row that a slower transaction commits late.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from workstation.core.audit import GENESIS_HASH, AuditEntry
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
    Row,
    accepted_lookouts,
    accepted_rows,
    column_values,
    lookout_from_row,
    refuse_own_reviews,
)
from workstation.hub.storage import Dialect, Execute, PhotoOutcome, PhotoState, T, shown_url
from workstation.store.officer_directory import DirectoryOfficer

# Advisory lock keys (any 64-bit numbers, fixed for this schema).
MIGRATION_LOCK = 0x776B5F6D6967  # "wk_mig"
REFERENCE_LOCK = 0x776B5F726566  # "wk_ref"
OFFICER_LOCK = 0x776B5F6F6666  # "wk_off"

# The batch insert the hub runs: batch order is hub_seq order; a key stored before is skipped.
# The arrays go as binary parameters (%b): psycopg's text quoting of a 500-element array costs
# more than the insert.
EVENT_BATCH_SQL = """
INSERT INTO events (bench, kind, event_id, payload, payload_sha256)
SELECT %s, t.kind, t.event_id, t.payload, t.payload_sha256
FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[]) WITH ORDINALITY
     AS t(kind, event_id, payload, payload_sha256, n)
ORDER BY t.n
ON CONFLICT (kind, event_id) DO NOTHING
RETURNING hub_seq, kind, event_id
"""

# One event at a time into the same table with the same conflict handling: the benchmark's floor
# (psycopg executemany of (bench, kind, event_id, payload, payload_sha256) rows).
EVENT_INSERT_SQL = """
INSERT INTO events (bench, kind, event_id, payload, payload_sha256) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (kind, event_id) DO NOTHING
"""

_STORED_HASHES_SQL = """
SELECT e.kind, e.event_id, e.payload_sha256
FROM events e JOIN unnest(%b::text[], %b::text[]) AS k(kind, event_id)
  ON e.kind = k.kind AND e.event_id = k.event_id
"""


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
# text, ordered byte-wise (COLLATE "C") whatever the database's locale. `row_seq` numbers
# inspections in the order the hub took them: the shift log's key. The hub's own photo bytes move
# to `photo_blobs`, so that `photos` is the records schema's.
M002_SQL = """
ALTER TABLE photos RENAME TO photo_blobs;
CREATE TABLE shifts (
    id text PRIMARY KEY, officer_badge text NOT NULL, bench_id text NOT NULL,
    started_at text COLLATE "C" NOT NULL, handed_over_from text
);
CREATE INDEX shifts_bench ON shifts (bench_id, started_at);
CREATE TABLE shift_ends (id text PRIMARY KEY, ended_at text COLLATE "C" NOT NULL, how text NOT NULL);
CREATE TABLE inspections (
    row_seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    tracking_id text COLLATE "C" NOT NULL,
    officer_badge text NOT NULL,
    officer_name text NOT NULL,
    bench_id text NOT NULL,
    shift_id text NOT NULL,
    at text COLLATE "C" NOT NULL,
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
    barcode text COLLATE "C"
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
    id text PRIMARY KEY, reason text NOT NULL, agency_or_test text NOT NULL,
    detained_on text COLLATE "C" NOT NULL, notice_due text COLLATE "C" NOT NULL,
    decision_due text COLLATE "C" NOT NULL
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
    officer_badge text NOT NULL, at text COLLATE "C" NOT NULL
);
CREATE TABLE seizure_photos (
    id text PRIMARY KEY, seizure_id text NOT NULL, photo_id text NOT NULL, position bigint NOT NULL
);
CREATE INDEX seizure_photos_seizure ON seizure_photos (seizure_id, position);
CREATE TABLE countersignatures (
    id text PRIMARY KEY, seizure_id text NOT NULL, supervisor_badge text NOT NULL,
    supervisor_name text NOT NULL, bench_id text NOT NULL, at text COLLATE "C" NOT NULL
);
CREATE INDEX countersignatures_seizure ON countersignatures (seizure_id);
CREATE TABLE voids (
    id text PRIMARY KEY, inspection_id text NOT NULL, officer_badge text NOT NULL, bench_id text NOT NULL,
    at text COLLATE "C" NOT NULL, reason text NOT NULL
);
CREATE INDEX voids_inspection ON voids (inspection_id);
CREATE TABLE seizure_reviews (
    id text PRIMARY KEY, seizure_id text NOT NULL, action text NOT NULL, supervisor_badge text NOT NULL,
    supervisor_name text NOT NULL, seizing_badge text NOT NULL, bench_id text NOT NULL,
    at text COLLATE "C" NOT NULL, reason text NOT NULL
);
CREATE INDEX seizure_reviews_seizure ON seizure_reviews (seizure_id, at);
CREATE TABLE lookouts (
    id text PRIMARY KEY, field text NOT NULL, pattern text NOT NULL, reason text NOT NULL,
    expires_at text COLLATE "C" NOT NULL, supervisor_badge text NOT NULL, supervisor_name text NOT NULL,
    bench_id text NOT NULL, at text COLLATE "C" NOT NULL
);
CREATE TABLE lookout_removals (
    id text PRIMARY KEY, lookout_id text NOT NULL, supervisor_badge text NOT NULL, bench_id text NOT NULL,
    at text COLLATE "C" NOT NULL, reason text NOT NULL
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
    tracking_id text COLLATE "C" PRIMARY KEY,
    arrival_date text COLLATE "C",
    score bigint,
    lane text,
    targeted bigint NOT NULL DEFAULT 0,
    target_reason text NOT NULL DEFAULT '',
    assessed_at text COLLATE "C"
);
CREATE INDEX ref_targets_targeted ON ref_targets (arrival_date) WHERE targeted = 1;
CREATE INDEX ref_targets_arrival ON ref_targets (arrival_date);
"""


def _m002(conn: psycopg.Connection[Any]) -> None:
    conn.execute(M002_SQL)
    for table in PROJECTED:
        conn.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hub_refuse_change()"
        )


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


@functools.cache
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


def _batched(items: Iterable[Any], n: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, n)):
        yield chunk


class PostgresStorage:
    """HubStorage on PostgreSQL."""

    def __init__(self, url: str, *, max_connections: int = 10, pool_timeout: float = 5.0) -> None:
        self._url = url
        try:
            migrate(url)
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(f"cannot reach the database {shown_url(url)}: {exc}") from exc
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            timeout=pool_timeout,
            check=ConnectionPool.check_connection,
            open=False,
            name="hub",
        )
        self.pool.open(wait=False)
        self._secret: str | None = None

    @property
    def url(self) -> str:
        return self._url

    @property
    def dialect(self) -> Dialect:
        return "postgresql"

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction on a pooled connection; an unreachable database is StorageUnavailable."""
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StorageUnavailable(f"no database connection free: {exc}") from exc
        except psycopg.OperationalError as exc:
            raise StorageUnavailable(f"the database is unreachable: {exc}") from exc

    # -- devices ----------------------------------------------------------------------------------

    def device_for(self, token_sha256: str) -> str | None:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT name FROM devices WHERE token_sha256 = %s AND revoked_at IS NULL", (token_sha256,)
            ).fetchone()
        return None if row is None else str(row[0])

    def add_device(self, name: str, token_sha256: str) -> None:
        with self._tx() as conn:
            # One statement: two `add-device NAME` at once cannot both win (the loser is a Conflict).
            row = conn.execute(
                "INSERT INTO devices (name, token_sha256) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                "SET token_sha256 = excluded.token_sha256, created_at = now(), revoked_at = NULL "
                "WHERE devices.revoked_at IS NOT NULL RETURNING name",
                (name, token_sha256),
            ).fetchone()
            if row is None:
                raise Conflict(f"device {name} exists: revoke it first to give it a new token")

    def revoke_device(self, name: str) -> None:
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE devices SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL", (name,)
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active device named {name}")

    # -- events and anchors -----------------------------------------------------------------------

    def upload(self, bench: str, events: Sequence[Incoming], audit: Sequence[AuditEntry]) -> UploadOutcome:
        with self._tx() as conn, conn.cursor() as cur:
            if any(e.good and e.kind in REVIEW_KINDS for e in events):
                events = refuse_own_reviews(events, functools.partial(self._seizing_officers, cur))
            good = [e for e in events if e.good]
            inserted: dict[tuple[str, str], int] = {}
            if good:
                cur.execute(
                    EVENT_BATCH_SQL,
                    (
                        bench,
                        [e.kind for e in good],
                        [e.event_id for e in good],
                        [e.payload for e in good],
                        [e.payload_sha256 for e in good],
                    ),
                )
                inserted = {(r[1], r[2]): int(r[0]) for r in cur.fetchall()}
            missing = [e for e in good if (e.kind, e.event_id) not in inserted]
            existing: dict[tuple[str, str], str] = {}
            if missing:
                cur.execute(_STORED_HASHES_SQL, ([e.kind for e in missing], [e.event_id for e in missing]))
                existing = {(r[0], r[1]): r[2] for r in cur.fetchall()}
            results, conflicts = classify(events, inserted, existing)
            self._project(cur, accepted_rows(events, [r.status for r in results]))
            lookouts = accepted_lookouts(events, results)
            if lookouts:  # out to every bench with the reference pull, from this same commit
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (REFERENCE_LOCK,))
                known = functools.partial(self._known_lookout, cur)
                self._publish(cur, lookout_reference_records(lookouts, known), 5000)
            if conflicts:
                cur.executemany(
                    "INSERT INTO event_conflicts (bench, kind, event_id, payload, payload_sha256) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(bench, e.kind, e.event_id, e.payload, e.payload_sha256) for e in conflicts],
                )
            refused = [e for e in events if not e.good]
            if refused:
                cur.executemany(
                    "INSERT INTO rejections (bench, kind, event_id, payload, reason) VALUES (%s, %s, %s, %s, %s)",
                    [(bench, e.kind, e.event_id, e.payload, e.reason) for e in refused],
                )
            anchor = self._take_audit(cur, bench, audit)
        return UploadOutcome(results, anchor)

    @staticmethod
    def _seizing_officers(cur: psycopg.Cursor[Any], seizure_ids: list[str]) -> dict[str, str]:
        cur.execute("SELECT id, officer_badge FROM inspections WHERE id = ANY(%b::text[])", (seizure_ids,))
        return {str(r[0]): str(r[1]) for r in cur.fetchall()}

    @staticmethod
    def _project(cur: psycopg.Cursor[Any], rows: dict[str, list[Row]]) -> None:
        """The accepted events' rows into the projection: one set-based insert per table."""
        for table, table_rows in rows.items():
            columns = list(zip(*column_values(table, table_rows), strict=True))
            cur.execute(projection_insert_sql(table), [list(c) for c in columns])

    def _take_audit(self, cur: psycopg.Cursor[Any], bench: str, audit: Sequence[AuditEntry]) -> AnchorResult:
        if not audit:
            held = self._anchor(cur, bench)
            return AnchorResult("unchanged", held.seq, held.hash)
        cur.execute(
            "INSERT INTO anchors (bench, seq, hash, receipt) VALUES (%s, 0, %s, '') "
            "ON CONFLICT (bench) DO NOTHING",
            (bench, GENESIS_HASH),
        )
        cur.execute("SELECT seq, hash, receipt FROM anchors WHERE bench = %s FOR UPDATE", (bench,))
        row = cur.fetchone()
        assert row is not None
        held = Anchor(int(row[0]), row[1], row[2])
        stored: dict[int, str] = {}
        if audit[0].seq <= held.seq:
            cur.execute(
                "SELECT seq, hash FROM audit_entries WHERE bench = %s AND seq BETWEEN %s AND %s",
                (bench, audit[0].seq, min(audit[-1].seq, held.seq)),
            )
            stored = {int(r[0]): r[1] for r in cur.fetchall()}
        verdict = judge_chain(held, audit, stored.get)
        if verdict.status == "broken":
            # Once per problem: a bench resends the same entries every round until it is looked at.
            cur.execute(
                "INSERT INTO bench_problems (bench, problem) SELECT %s, %s WHERE NOT EXISTS "
                "(SELECT 1 FROM bench_problems WHERE bench = %s AND problem = %s)",
                (bench, verdict.reason, bench, verdict.reason),
            )
            return AnchorResult("broken", held.seq, held.hash, reason=verdict.reason)
        if verdict.status != "anchored":
            return AnchorResult(verdict.status, held.seq, held.hash)
        if not verdict.new_entries:
            return AnchorResult("anchored", held.seq, held.hash, held.receipt)
        # COPY: thousands of entries in one stream (executemany would send a statement a row).
        with cur.copy(
            "COPY audit_entries (bench, seq, at, kind, actor, bench_id, subject, record_sha256, "
            "detail, prev_hash, hash) FROM STDIN"
        ) as copy:
            for e in verdict.new_entries:
                copy.write_row(
                    (bench, e.seq, e.at, e.kind, e.actor, e.bench_id, e.subject, e.record_sha256,
                     e.detail, e.prev_hash, e.hash)
                )  # fmt: skip
        last = verdict.new_entries[-1]
        signed = receipt(self.hub_secret(), bench, last.seq, last.hash)
        cur.execute(
            "UPDATE anchors SET seq = %s, hash = %s, receipt = %s, at = now() WHERE bench = %s",
            (last.seq, last.hash, signed, bench),
        )
        return AnchorResult("anchored", last.seq, last.hash, signed)

    def _anchor(self, cur: psycopg.Cursor[Any], bench: str) -> Anchor:
        cur.execute("SELECT seq, hash, receipt FROM anchors WHERE bench = %s", (bench,))
        row = cur.fetchone()
        return GENESIS if row is None else Anchor(int(row[0]), row[1], row[2])

    def anchor(self, bench: str) -> Anchor:
        with self._tx() as conn, conn.cursor() as cur:
            return self._anchor(cur, bench)

    def audit_entries(self, bench: str) -> list[AuditEntry]:
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT seq, at, kind, actor, bench_id, subject, record_sha256, detail, prev_hash, hash "
                "FROM audit_entries WHERE bench = %s ORDER BY seq",
                (bench,),
            ).fetchall()
        return [AuditEntry(int(r[0]), *r[1:]) for r in rows]

    def bench_problems(self, bench: str) -> list[tuple[str, str]]:
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT at, problem FROM bench_problems WHERE bench = %s ORDER BY id", (bench,)
            ).fetchall()
        return [(r[0].isoformat(), r[1]) for r in rows]

    def hub_secret(self) -> str:
        if self._secret is None:  # written once by the first migration, never changed
            with self._tx() as conn:
                row = conn.execute("SELECT secret FROM hub_secret WHERE id = 1").fetchone()
            assert row is not None
            self._secret = str(row[0])
        return self._secret

    # -- reference data ---------------------------------------------------------------------------

    def publish_reference(self, records: Iterable[tuple[str, dict[str, Any]]], chunk_size: int = 5000) -> int:
        with self._tx() as conn, conn.cursor() as cur:
            # Held to commit: the next publisher numbers its rows after ours are visible.
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (REFERENCE_LOCK,))
            return self._publish(cur, records, chunk_size)

    def _publish(
        self, cur: psycopg.Cursor[Any], records: Iterable[tuple[str, dict[str, Any]]], chunk_size: int
    ) -> int:
        """Publish under REFERENCE_LOCK, which the caller holds to its commit."""
        count = 0
        for chunk in _batched(records, chunk_size):
            rows = {key: json.dumps(record, sort_keys=True, ensure_ascii=False) for key, record in chunk}
            cur.execute(
                "INSERT INTO reference (seq, record_key, record) "
                "SELECT nextval('reference_seq_counter'), t.k, t.r "
                "FROM unnest(%b::text[], %b::text[]) WITH ORDINALITY AS t(k, r, n) ORDER BY t.n "
                "ON CONFLICT (record_key) DO UPDATE SET seq = excluded.seq, record = excluded.record",
                (list(rows), list(rows.values())),
            )
            self._put_targets(cur, targets.merged(chunk))
            count += len(rows)
        return count

    @staticmethod
    def _known_lookout(cur: psycopg.Cursor[Any], lookout_id: str) -> Lookout | None:
        cur.execute(f"SELECT {LOOKOUT_COLUMNS} FROM lookouts WHERE id = %s", (lookout_id,))
        row = cur.fetchone()
        return None if row is None else lookout_from_row(row)

    @staticmethod
    def _put_targets(cur: psycopg.Cursor[Any], rows: list[targets.RefTarget]) -> None:
        if not rows:
            return
        columns = list(zip(*(t.values() for t in rows), strict=True))
        arrays = ", ".join(f"%b::{kind}[]" for kind in targets.PG_TYPES)
        cur.execute(
            f"INSERT INTO ref_targets ({', '.join(targets.COLUMNS)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT (tracking_id) DO UPDATE SET {targets.UPSERT_SET}",
            [list(c) for c in columns],
        )

    def withdraw_reference(self, keys: Iterable[str]) -> int:
        with self._tx() as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (REFERENCE_LOCK,))
            keys = list(keys)
            cur.execute("DELETE FROM reference WHERE record_key = ANY(%b::text[])", (keys,))
            deleted = cur.rowcount
            ids = targets.tracking_ids_of(keys)
            if ids:  # what is left of those tracking ids, derived again
                cur.execute("DELETE FROM ref_targets WHERE tracking_id = ANY(%b::text[])", (ids,))
                cur.execute(
                    "SELECT record_key, record FROM reference WHERE record_key = ANY(%b::text[]) ORDER BY seq",
                    ([f"{p}{i}" for i in ids for p in targets.TARGET_PREFIXES],),
                )
                self._put_targets(cur, targets.merged((r[0], json.loads(r[1])) for r in cur.fetchall()))
            if deleted:
                cur.execute("UPDATE hub_state SET value = value + 1 WHERE key = 'reference_horizon'")
        return deleted

    def reference_page(self, cursor: int, limit: int, horizon: int | None = None) -> Page:
        with self._tx() as conn, conn.cursor() as cur:
            cur.execute("SELECT value FROM hub_state WHERE key = 'reference_horizon'")
            row = cur.fetchone()
            held = int(row[0]) if row else 0
            if horizon is not None and horizon != held:
                raise CursorExpired(f"the cursor was issued before reference horizon {held}")
            cur.execute("SELECT coalesce(max(seq), 0) FROM reference")
            max_row = cur.fetchone()
            cur.execute(
                "SELECT seq, record FROM reference WHERE seq > %s ORDER BY seq LIMIT %s", (cursor, limit + 1)
            )
            rows = cur.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(
            [json.loads(r[1]) for r in rows],
            int(rows[-1][0]) if rows else cursor,
            more,
            int(max_row[0]) if max_row else 0,
            held,
        )

    # -- officers ---------------------------------------------------------------------------------

    def officer(self, badge: str) -> DirectoryOfficer | None:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT badge, name, role, active, password_hash, pin_hash, version FROM officers "
                "WHERE badge = %s",
                (badge,),
            ).fetchone()
        return None if row is None else DirectoryOfficer(*row)

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
        with self._tx() as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (OFFICER_LOCK,))
            cur.execute(
                "INSERT INTO officers (badge, name, role, active, password_hash, pin_hash, version) "
                "VALUES (%s, %s, %s, %s, %s, %s, nextval('officer_version_counter')) "
                + (
                    "ON CONFLICT (badge) DO NOTHING RETURNING version"
                    if new
                    else "ON CONFLICT (badge) DO UPDATE SET name = excluded.name, role = excluded.role, "
                    "active = excluded.active, password_hash = excluded.password_hash, "
                    "pin_hash = excluded.pin_hash, version = excluded.version RETURNING version"
                ),
                (badge, name, role, active, password_hash, pin_hash),
            )
            row = cur.fetchone()
        if row is None:
            raise Conflict(f"badge {badge} already exists")
        return DirectoryOfficer(badge, name, role, active, password_hash, pin_hash, int(row[0]))

    def officers_since(self, version: int) -> list[DirectoryOfficer]:
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT badge, name, role, active, password_hash, pin_hash, version FROM officers "
                "WHERE version > %s ORDER BY version",
                (version,),
            ).fetchall()
        return [DirectoryOfficer(*r) for r in rows]

    # -- the supervisor review ----------------------------------------------------------------------

    def review_read(self, work: Callable[[Execute], T]) -> T:
        with self._tx() as conn, conn.cursor() as cur:
            # One snapshot for every query of the request (a detail reads several tables).
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

            def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
                cur.execute(sql, params)
                return cur.fetchall()

            return work(execute)

    # -- photos -----------------------------------------------------------------------------------

    def photo_state(self, sha256: str) -> PhotoState:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT length(data), size, complete FROM photo_blobs WHERE sha256 = %s", (sha256,)
            ).fetchone()
        return PhotoState(0, None, False) if row is None else PhotoState(int(row[0]), int(row[1]), row[2])

    def append_photo(self, sha256: str, offset: int, size: int, data: bytes) -> PhotoOutcome:
        with self._tx() as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO photo_blobs (sha256, size, data) VALUES (%s, %s, ''::bytea) ON CONFLICT DO NOTHING",
                (sha256, size),
            )
            cur.execute(
                "SELECT length(data), size, complete FROM photo_blobs WHERE sha256 = %s FOR UPDATE", (sha256,)
            )
            row = cur.fetchone()
            assert row is not None
            held, stored_size, complete = int(row[0]), int(row[1]), bool(row[2])
            if complete:
                return PhotoOutcome("complete", held, held)
            if offset == 0 and (held != 0 or stored_size != size):
                cur.execute(
                    "UPDATE photo_blobs SET data = ''::bytea, size = %s WHERE sha256 = %s", (size, sha256)
                )
                held, stored_size = 0, size
            if offset != held or stored_size != size:
                return PhotoOutcome("offset_mismatch", held, stored_size)
            held += len(data)
            if held < size:
                cur.execute("UPDATE photo_blobs SET data = data || %s WHERE sha256 = %s", (data, sha256))
                return PhotoOutcome("partial", held, size)
            cur.execute("SELECT data FROM photo_blobs WHERE sha256 = %s", (sha256,))
            before = cur.fetchone()
            assert before is not None
            whole = bytes(before[0]) + data
            if held != size or hashlib.sha256(whole).hexdigest() != sha256:
                cur.execute("DELETE FROM photo_blobs WHERE sha256 = %s", (sha256,))
                return PhotoOutcome("hash_mismatch", 0, size)
            cur.execute(
                "UPDATE photo_blobs SET data = %s, complete = true WHERE sha256 = %s", (whole, sha256)
            )
            return PhotoOutcome("complete", size, size)
