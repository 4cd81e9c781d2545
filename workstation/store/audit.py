"""The audit log in the records file: append inside the caller's transaction, read the head, verify."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from workstation.core.audit import (
    GENESIS_HASH,
    AuditEntry,
    ChainReport,
    canonical_json,
    check_chain,
    entry_hash,
    record_digest,
)
from workstation.store.records_schema import LATER_COLUMNS, RECORD_TABLES

ENTRY_COLUMNS = "seq, at, kind, actor, bench_id, subject, record_sha256, detail, prev_hash, hash"


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq, hash) of the newest entry; (0, genesis) for an empty log."""
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def row_digest(table: str, row: dict[str, Any]) -> str:
    """The digest of a record row; a NULL in a column added later is left out (LATER_COLUMNS).

    Rows written before such a column existed were hashed without it. Drops those keys from `row`.
    """
    for column in LATER_COLUMNS.get(table, ()):
        if column in row and row[column] is None:
            del row[column]
    return record_digest(row)


def row_dict(conn: sqlite3.Connection, table: str, key: str) -> dict[str, Any]:
    """A record row as column -> value, read back so the digest covers what SQLite holds."""
    cur = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (key,))
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"{table}:{key} was not written")
    return {d[0]: v for d, v in zip(cur.description, row, strict=True)}


def append(
    conn: sqlite3.Connection,
    *,
    at: datetime,
    kind: str,
    actor: str,
    bench_id: str,
    detail: Mapping[str, Any] | str = "",
    record: tuple[str, str] | None = None,
) -> AuditEntry:
    """Append one entry; the caller holds the write transaction (BEGIN IMMEDIATE)."""
    seq, prev = head(conn)
    subject = digest = ""
    if record is not None:
        table, key = record
        subject = f"{table}:{key}"
        digest = row_digest(table, row_dict(conn, table, key))
    detail_json = canonical_json(detail if isinstance(detail, Mapping) else {"text": detail})
    entry = AuditEntry(seq + 1, at.isoformat(), kind, actor, bench_id, subject, digest, detail_json, prev, "")
    entry = AuditEntry(**{**entry.__dict__, "hash": entry_hash(prev, entry.body())})
    conn.execute(
        f"INSERT INTO audit_log ({ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.seq,
            entry.at,
            entry.kind,
            entry.actor,
            entry.bench_id,
            entry.subject,
            entry.record_sha256,
            entry.detail,
            entry.prev_hash,
            entry.hash,
        ),
    )
    return entry


def _entries(conn: sqlite3.Connection) -> Iterator[AuditEntry]:
    cur = conn.execute(f"SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq")
    while rows := cur.fetchmany(10_000):
        for r in rows:
            yield AuditEntry(*r)


def _record_digests(conn: sqlite3.Connection) -> dict[str, str]:
    digests: dict[str, str] = {}
    for table in RECORD_TABLES:
        cur = conn.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        for row in cur:
            values = dict(zip(names, row, strict=True))
            digests[f"{table}:{values['id']}"] = row_digest(table, values)
    return digests


def verify(conn: sqlite3.Connection, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the whole chain and check every record against its entry, in one read snapshot."""
    own_txn = not conn.in_transaction
    if own_txn:
        conn.execute("BEGIN")
    try:
        return check_chain(_entries(conn), _record_digests(conn), anchor)
    finally:
        if own_txn:
            conn.execute("COMMIT")
