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
from workstation.hub.postgres_schema import migrate, write_projection, write_targets
from workstation.hub.projection import (
    LOOKOUT_COLUMNS,
    REVIEW_KINDS,
    accepted_lookouts,
    accepted_rows,
    lookout_from_row,
    refuse_own_reviews,
)
from workstation.hub.storage import Dialect, Execute, PhotoOutcome, PhotoState, T, shown_url
from workstation.store.officer_directory import DirectoryOfficer

# Advisory lock keys (any 64-bit numbers, fixed for this schema).
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


# For the review's reads, this transaction only. A log query over a week (100,000 records) is a
# few hundred milliseconds of plain work: JIT compiling costs more than it saves there, parallel
# workers each recompute the "current" subquery, and the sort of its keys should stay in memory.
REVIEW_SETTINGS = (
    "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true), "
    "set_config('max_parallel_workers_per_gather', '0', true), set_config('random_page_cost', '1.1', true)"
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
            write_projection(cur, accepted_rows(events, [r.status for r in results]))
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
            write_targets(cur, targets.merged(chunk))
            count += len(rows)
        return count

    @staticmethod
    def _known_lookout(cur: psycopg.Cursor[Any], lookout_id: str) -> Lookout | None:
        cur.execute(f"SELECT {LOOKOUT_COLUMNS} FROM lookouts WHERE id = %s", (lookout_id,))
        row = cur.fetchone()
        return None if row is None else lookout_from_row(row)

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
                write_targets(cur, targets.merged((r[0], json.loads(r[1])) for r in cur.fetchall()))
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
            cur.execute(REVIEW_SETTINGS)

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
