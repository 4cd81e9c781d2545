"""The same review SQL on PostgreSQL: the records tables copied into a real server give the same answers.

The hub keeps a projection with the records schema's table and column names (booleans as
integers, times as ISO text, a bigint `row_seq` key); here the bench's tables are copied into
PostgreSQL that way, and the PostgreSQL dialect's answers are compared with the SQLite source's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from review_support import FEDEX_34, START, History, make_history

from workstation.core.review import LogFilter
from workstation.store.review_query import LocalReviewSource, ReviewQueries, ReviewReader

TABLES = (
    "inspections",
    "detentions",
    "seizures",
    "seized_items",
    "photos",
    "seizure_photos",
    "countersignatures",
    "voids",
    "seizure_reviews",
    "lookouts",
    "lookout_removals",
    "audit_log",
    "outbox",
    "dead_letters",
)
PG_TYPES = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision"}


def copy_to_postgres(records: Path, conn: psycopg.Connection[Any]) -> None:
    with sqlite3.connect(str(records)) as src:
        for table in TABLES:
            info = src.execute(f"PRAGMA table_info({table})").fetchall()
            names = [c[1] for c in info]
            columns = [f"{c[1]} {PG_TYPES[c[2]]}" for c in info]
            key = ", row_seq bigint PRIMARY KEY" if table == "inspections" else ""
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)}{key})")
            select = ", ".join(names) + (", rowid" if table == "inspections" else "")
            rows = src.execute(f"SELECT {select} FROM {table}").fetchall()
            marks = ", ".join(["%s"] * (len(names) + (1 if table == "inspections" else 0)))
            target = ", ".join(names) + (", row_seq" if table == "inspections" else "")
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} ({target}) VALUES ({marks})", rows)
    conn.commit()


@pytest.fixture
def both(data_dir: Path, postgres_url: str) -> Iterator[tuple[History, LocalReviewSource, ReviewReader]]:
    history = make_history(data_dir)
    with history.raw() as raw:
        raw.execute(
            "INSERT INTO lookouts (id, field, pattern, reason, expires_at, supervisor_badge, supervisor_name, "
            "bench_id, at) VALUES ('lk', 'seller', 'Dragon*', 'fakes', ?, 'S1', 'Sam Supervisor', 'B3', ?)",
            ((START + timedelta(days=3)).isoformat(), START.isoformat()),
        )
    seq = history.bench.store.conn.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    history.bench.store.outbox.dead_letter([(seq, "conflict", "already recorded at the hub")])
    pg = psycopg.connect(postgres_url)
    copy_to_postgres(history.records_path, pg)

    def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with pg.cursor() as cur:
            cur.execute(sql, tuple(params))
            return cur.fetchall()

    local = LocalReviewSource(history.records_path, None, "B1", clock=history.clock)
    hub = ReviewReader(ReviewQueries("postgresql"), execute, clock=history.clock)
    try:
        yield history, local, hub
    finally:
        local.close()
        pg.close()
        history.bench.close()


FILTERS = [
    LogFilter(),
    LogFilter(start=START + timedelta(hours=1), end=START + timedelta(hours=6)),
    LogFilter(officer="O1"),
    LogFilter(bench="B2"),
    LogFilter(outcome="seized", lane="red"),
    LogFilter(targeted=True),
    LogFilter(seizure=True),
    LogFilter(seizure=False, detention=False),
    LogFilter(detention=True),
    LogFilter(search=FEDEX_34),
    LogFilter(search="lx000000020cn"),
]


@pytest.mark.parametrize("f", FILTERS)
def test_the_log_is_the_same_on_postgresql(
    both: tuple[History, LocalReviewSource, ReviewReader], f: LogFilter
) -> None:
    _, local, hub = both
    keys = local.log_keys(f)
    assert hub.log_keys(f) == keys
    assert hub.log_rows(keys) == local.log_rows(keys)
    zone = ZoneInfo("America/Los_Angeles")
    assert hub.counts(f, zone) == local.counts(f, zone)
    assert hub.seizures(f) == local.seizures(f)


def test_everything_else_is_the_same_on_postgresql(
    both: tuple[History, LocalReviewSource, ReviewReader],
) -> None:
    history, local, hub = both
    assert len(local.log_keys(LogFilter())) == 6
    for badge in (None, "O1", "O2"):
        assert hub.to_countersign(badge) == local.to_countersign(badge)
    for name in ("seized", "seized_returned"):
        assert hub.seizure(history.ids[name]) == local.seizure(history.ids[name])
    for name in ("correction", "seized", "to_void", "detained"):
        assert hub.detail(history.ids[name]) == local.detail(history.ids[name])
    assert hub.open_detentions() == local.open_detentions()
    assert [lk.id for lk in hub.lookouts(START)] == ["lk"]
    assert hub.lookouts(START) == local.lookouts(START)
    assert hub.dead_letters("B1") == local.sync_problems()
    assert hub.covered(["LX000000020CN", "LX000000030CN"]) == {"LX000000020CN"}  # the other is voided
