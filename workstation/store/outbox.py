"""The outbox in the records file: one message per fact, added by the write path, read by the sync.

Rows are added only by `RecordsStore.write` (inside the fact's transaction); the sync reads
`pending(limit)`, oldest first, and after the hub has acknowledged them calls `mark_sent(ids)`.
`sent_at` is the only column that ever changes (a trigger refuses the rest).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from workstation.core.messages import Message, decode, encode, utc_iso
from workstation.store.db import write_transaction


@dataclass(frozen=True)
class Pending:
    """An unsent message: `id` is its outbox sequence number, for `mark_sent`."""

    id: int
    message: Message
    created_at: datetime


def add(conn: sqlite3.Connection, message: Message, at: datetime) -> int:
    """Queue the message; the caller holds the fact's write transaction."""
    cur = conn.execute(
        "INSERT INTO outbox (kind, record_id, payload, created_at, message_version) VALUES (?, ?, ?, ?, ?)",
        (message.KIND, message.event_id, encode(message), utc_iso(at), message.VERSION),
    )
    return int(cur.lastrowid or 0)


class Outbox:
    """What waits to be sent to the hub."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db = db
        self._now = now

    def pending(self, limit: int = 100) -> list[Pending]:
        """Up to `limit` unsent messages, oldest first.

        Rows written before messages existed (version 0: raw rows, never sent to any hub) are
        not listed.
        """
        if limit < 1:
            return []
        rows = self.db.conn.execute(
            "SELECT seq, payload, created_at FROM outbox WHERE sent_at IS NULL AND message_version > 0 "
            "ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [Pending(int(seq), decode(payload), datetime.fromisoformat(at)) for seq, payload, at in rows]

    def mark_sent(self, ids: Iterable[int]) -> int:
        """Mark these messages sent (those not already); returns how many were marked."""
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            return 0
        marked = 0
        sent_at = utc_iso(self._now())
        with write_transaction(self.db):
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                cur = self.db.conn.execute(
                    f"UPDATE outbox SET sent_at = ? WHERE sent_at IS NULL AND seq IN ({', '.join('?' for _ in chunk)})",
                    (sent_at, *chunk),
                )
                marked += cur.rowcount
        return marked

    def count(self) -> int:
        """Messages not yet sent (legacy rows included: they are still unsent)."""
        return int(self.db.conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])
