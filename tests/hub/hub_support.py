"""Messages, audit chains and database peeks for the hub's tests."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

from workstation.core.audit import GENESIS_HASH, AuditEntry, entry_hash
from workstation.core.messages import Message, SecurityEvent

# The device every hub test sends as.
BENCH = "bench-07"


def message(bench: str, event_id: str | None = None, event: str = "lock") -> Message:
    return SecurityEvent(
        event_id or str(uuid.uuid4()), bench, datetime.now(UTC), "D1001", 1, "ab" * 32, event, {"n": 1}
    )


def chain(
    bench: str, count: int, *, start: int = 1, prev: str = GENESIS_HASH, salt: str = ""
) -> list[AuditEntry]:
    """`count` linked audit entries from `start`, the first linking to `prev`."""
    out = []
    for seq in range(start, start + count):
        body = {
            "seq": seq,
            "at": "2026-05-01T10:00:00.000000+00:00",
            "kind": "security",
            "actor": "D1001",
            "bench_id": bench,
            "subject": "",
            "record_sha256": "",
            "detail": f'{{"n":{seq},"salt":"{salt}"}}',
        }
        h = entry_hash(prev, body)
        out.append(AuditEntry(prev_hash=prev, hash=h, **body))
        prev = h
    return out


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one SQL query straight from the hub's database (either engine)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [tuple(r) for r in conn.execute(sql)]
    import psycopg

    with psycopg.connect(url) as conn:
        return [tuple(r) for r in conn.execute(sql)]  # type: ignore[arg-type]
