"""A cache written before rows went in arrival order keeps every item, line and risk through m003."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import flat_record
from workstation.store.cache import ManifestCache
from workstation.store.cache_schema import migrations
from workstation.store.db import CACHE_FILE, open_cache

BASE_DATE = date(2026, 5, 1)
_ITEM_KEYS = [
    "tracking_id",
    "carrier",
    "tracking_format",
    "entry_type",
    "arrival_date",
    "port",
    "shipper_name",
    "shipper_address",
    "shipper_country",
    "consignee_name",
    "consignee_address",
    "consignee_country",
    "marketplace",
    "seller",
    "weight_kg",
    "declared_value",
    "currency",
    "version",
]


def test_an_old_cache_keeps_its_items_lines_and_risk(data_dir: Path) -> None:
    records = list(DemoGenerator(5, BASE_DATE).records(60))
    conn = sqlite3.connect(str(data_dir / CACHE_FILE))
    conn.execute("PRAGMA journal_mode=WAL")
    migrations.apply(Database(conn), stop_before="m003_append_order")
    for n, rec in enumerate(records, start=1):
        tid = rec["tracking_id"]
        conn.execute(
            f"INSERT INTO items ({', '.join(_ITEM_KEYS)}, batch_id, feed_line) VALUES "
            f"({', '.join('?' * (len(_ITEM_KEYS) + 2))})",
            [rec.get(k) for k in _ITEM_KEYS] + [None, n],
        )
        for i, ln in enumerate(rec["lines"]):
            conn.execute(
                "INSERT INTO content_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    tid,
                    i,
                    ln["description"],
                    ln["hts_code"],
                    ln["quantity"],
                    ln["unit_value"],
                    ln["origin_country"],
                ),
            )
        r = rec["risk"]
        conn.execute(
            "INSERT INTO risk VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tid,
                r["score"],
                r["lane"],
                json.dumps(r["reasons"]),
                int(r["targeted"]),
                r["target_reason"],
                r["rule_version"],
                r["assessed_at"],
            ),
        )
    conn.commit()
    conn.close()

    cache = ManifestCache(open_cache(data_dir))
    try:
        assert cache.count() == len(records)
        for rec in records:
            item = cache.get(rec["tracking_id"])
            assert item is not None
            assert item.shipper_name == rec["shipper_name"]
            assert [ln.description for ln in item.lines] == [ln["description"] for ln in rec["lines"]]
            assert item.risk is not None
            assert item.risk.lane.value == rec["risk"]["lane"]
        tables = {r[0] for r in cache.db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not any(t.endswith("_new") for t in tables)
        assert "reference_cursor" in tables
        # New items go after the migrated ones; a newer version keeps its row.
        more = list(DemoGenerator(6, BASE_DATE).records(3))
        cache.apply_records([(i, flat_record(r)) for i, r in enumerate(more, start=1)], None)
        assert cache.count() == len(records) + 3
        ids = [r[0] for r in cache.db.conn.execute("SELECT id FROM items ORDER BY id")]
        assert ids == list(range(1, len(records) + 4))
    finally:
        cache.db.conn.close()
