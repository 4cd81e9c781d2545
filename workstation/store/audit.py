"""The audit log in the records file: append inside the caller's transaction, read the head, verify."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from workstation.core.audit import (
    GENESIS_HASH,
    OFFICER_FIELDS_KEY,
    AuditEntry,
    ChainBreak,
    ChainReport,
    canonical_json,
    check_chain,
    entry_hash,
    field_digests,
    officer_subject,
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


def row_dict(conn: sqlite3.Connection, table: str, key: str, key_column: str = "id") -> dict[str, Any]:
    """A row as column -> value, read back so the digest covers what SQLite holds.

    Every column (SELECT *): a column added later is covered without anyone remembering to.
    """
    cur = conn.execute(f"SELECT * FROM {table} WHERE {key_column} = ?", (key,))
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"{table}:{key} was not written")
    return {d[0]: v for d, v in zip(cur.description, row, strict=True)}


def officer_rows(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Every officer row, badge -> row, as verification recomputes them."""
    cur = conn.execute("SELECT * FROM officers")
    names = [d[0] for d in cur.description]
    rows = (dict(zip(names, r, strict=True)) for r in cur)
    return {str(r["badge"]): r for r in rows}


def append(
    conn: sqlite3.Connection,
    *,
    at: datetime,
    kind: str,
    actor: str,
    bench_id: str,
    detail: Mapping[str, Any] | str = "",
    record: tuple[str, str] | None = None,
    officer: str | None = None,
) -> AuditEntry:
    """Append one entry; the caller holds the write transaction (BEGIN IMMEDIATE).

    `record` names the record row the entry covers; `officer` the badge whose row the entry's
    change left as it now is (written after the change, so the digest is the resulting row).
    """
    if record is not None and officer is not None:
        raise ValueError("an audit entry covers one record or one officer, not both")
    seq, prev = head(conn)
    subject = digest = ""
    body: dict[str, Any] = dict(detail) if isinstance(detail, Mapping) else {"text": detail}
    if record is not None:
        table, key = record
        subject = f"{table}:{key}"
        digest = row_digest(table, row_dict(conn, table, key))
    elif officer is not None:
        row = row_dict(conn, "officers", officer, "badge")
        subject, digest = officer_subject(officer), record_digest(row)
        body[OFFICER_FIELDS_KEY] = field_digests(row)
    detail_json = canonical_json(body)
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


def entries_after(conn: sqlite3.Connection, seq: int, limit: int = 5000) -> list[AuditEntry]:
    """Up to `limit` entries after `seq`, in order: what an upload carries to the hub's anchor."""
    if limit < 1:
        return []
    rows = conn.execute(
        f"SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
    ).fetchall()
    return [AuditEntry(*r) for r in rows]


def entry_at(conn: sqlite3.Connection, seq: int) -> AuditEntry | None:
    row = conn.execute(f"SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else AuditEntry(*row)


def check_anchor(conn: sqlite3.Connection, anchor: tuple[int, str]) -> ChainBreak | None:
    """Whether the local chain still holds the anchored entry (seq, hash); with a whole chain, enough.

    `verify` proves the chain links from genesis to its head; an anchored entry that is missing
    then means the end was cut off, and a different hash that it was rewritten.
    """
    seq, digest = anchor
    if seq <= 0:
        return None
    entry = entry_at(conn, seq)
    if entry is None:
        return ChainBreak(
            seq, "missing_entry", f"the anchored audit entry {seq} is missing (the chain was cut after it)"
        )
    if entry.hash != digest:
        return ChainBreak(seq, "anchor_mismatch", f"audit entry {seq} differs from the anchored hash")
    return None


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
        return check_chain(_entries(conn), _record_digests(conn), anchor, officer_rows(conn))
    finally:
        if own_txn:
            conn.execute("COMMIT")
