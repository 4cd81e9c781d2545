"""The outbox in the records file: one message per fact, added by the write path, read by the sync.

Rows are added only by `RecordsStore.write` (inside the fact's transaction); the sync reads
`pending(limit)`, oldest first, and after the hub has acknowledged them calls `mark_sent(ids)`.
`sent_at` is the only column that ever changes (a trigger refuses the rest). A message the hub
refuses (`conflict`, `rejected`) goes to the dead-letter list with the hub's reason: it is no
longer pending, and it is kept, never dropped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from workstation.core.messages import Message, decode, encode, utc_iso
from workstation.store.db import write_transaction

DEAD_STATUSES = ("conflict", "rejected")


@dataclass(frozen=True)
class Pending:
    """An unsent message: `id` is its outbox sequence number, for `mark_sent`."""

    id: int
    message: Message
    created_at: datetime


@dataclass(frozen=True)
class DeadLetter:
    """A message the hub refused: which outbox row, what it was, what the hub said, when."""

    outbox_seq: int
    kind: str
    event_id: str
    status: str  # conflict | rejected
    reason: str
    at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "outbox_seq": self.outbox_seq,
            "kind": self.kind,
            "event_id": self.event_id,
            "status": self.status,
            "reason": self.reason,
            "at": utc_iso(self.at),
        }


# Waiting to be sent: unsent, a message (not a raw row from before messages), not refused by the hub.
_WAITING = (
    "sent_at IS NULL AND message_version > 0 "
    "AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.outbox_seq = outbox.seq)"
)


@dataclass(frozen=True)
class Encoded:
    """An unsent message as the outbox holds it: canonical JSON (`encode`), with its key."""

    id: int
    kind: str
    event_id: str
    payload: str

    def message(self) -> Message:
        return decode(self.payload)


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

        Rows written before messages existed (version 0: raw rows, never sent to any hub) and
        dead letters are not listed.
        """
        if limit < 1:
            return []
        rows = self.db.conn.execute(
            f"SELECT seq, payload, created_at FROM outbox WHERE {_WAITING} ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [Pending(int(seq), decode(payload), datetime.fromisoformat(at)) for seq, payload, at in rows]

    def pending_encoded(self, limit: int = 100, after: int = 0) -> list[Encoded]:
        """`pending` as stored: each message's canonical JSON, not decoded (what an upload sends);
        `after`: only those queued after that outbox sequence number (the batch before is in flight)."""
        if limit < 1:
            return []
        rows = self.db.conn.execute(
            f"SELECT seq, kind, record_id, payload FROM outbox WHERE seq > ? AND {_WAITING} ORDER BY seq LIMIT ?",
            (after, limit),
        ).fetchall()
        return [Encoded(int(seq), kind, record_id, payload) for seq, kind, record_id, payload in rows]

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
        """Messages waiting to be sent: what `pending` lists, so a bench that sent them all shows 0.

        Raw rows from before messages (never sendable) and dead letters are not waiting; see
        `legacy_count` and `dead_letters`.
        """
        return int(self.db.conn.execute(f"SELECT count(*) FROM outbox WHERE {_WAITING}").fetchone()[0])

    def legacy_count(self) -> int:
        """Unsent raw rows from before messages existed: kept in the file, never sent to a hub."""
        row = self.db.conn.execute(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND message_version = 0"
        ).fetchone()
        return int(row[0])

    def dead_letter(self, items: Iterable[tuple[int, str, str]]) -> int:
        """Set these messages aside as dead letters: (outbox seq, status, the hub's reason).

        Returns how many were added; a message already dead-lettered or already sent is left as
        it is (the first refusal is the one kept).
        """
        at = utc_iso(self._now())
        added = 0
        with write_transaction(self.db):
            for seq, status, reason in items:
                if status not in DEAD_STATUSES:
                    raise ValueError(f"a dead letter is {' or '.join(DEAD_STATUSES)}, not {status!r}")
                cur = self.db.conn.execute(
                    "INSERT INTO dead_letters (outbox_seq, kind, event_id, status, reason, at) "
                    "SELECT seq, kind, record_id, ?, ?, ? FROM outbox WHERE seq = ? AND sent_at IS NULL "
                    "ON CONFLICT (outbox_seq) DO NOTHING",
                    (status, reason, at, int(seq)),
                )
                added += cur.rowcount
        return added

    def dead_letters(self) -> list[DeadLetter]:
        """Every message the hub refused, oldest first."""
        rows = self.db.conn.execute(
            "SELECT outbox_seq, kind, event_id, status, reason, at FROM dead_letters ORDER BY outbox_seq"
        ).fetchall()
        return [
            DeadLetter(int(seq), kind, eid, status, reason, datetime.fromisoformat(at))
            for seq, kind, eid, status, reason, at in rows
        ]

    def dead_letter_count(self) -> int:
        return int(self.db.conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

    def payload(self, seq: int) -> str | None:
        """The message text of an outbox row, as queued (for showing a dead letter in full)."""
        row = self.db.conn.execute("SELECT payload FROM outbox WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else str(row[0])
