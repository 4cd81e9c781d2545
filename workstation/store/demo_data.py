"""Demo data on disk: feed files from the generator, and a seeded cache."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import (
    ITEM_FIELDS,
    LINE_FIELDS,
    RISK_FIELDS,
    ItemRecord,
    RiskRecord,
    flat_record,
)
from workstation.store.cache import ManifestCache
from workstation.store.db import write_transaction

CSV_COLUMNS = (*ITEM_FIELDS, *LINE_FIELDS, *(f"risk_{f}" for f in RISK_FIELDS))


def csv_rows(record: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One CSV row per content line, the item's fields repeated on each.

    What CSV cannot say (a risk or a line that is not an object) is written as empty cells, so
    that tests can write any record and let the importer judge the result.
    """
    risk = record.get("risk")
    risk = risk if isinstance(risk, dict) else {}
    lines = record.get("lines")
    for line in lines if isinstance(lines, list) else [{}]:
        row = {k: record.get(k, "") for k in ITEM_FIELDS}
        row.update({k: line.get(k, "") for k in LINE_FIELDS} if isinstance(line, dict) else {})
        for k in RISK_FIELDS:
            value = risk.get(k, "")
            row[f"risk_{k}"] = json.dumps(value) if k == "reasons" else value
        yield row


def write_feed(records: Iterable[dict[str, Any]], out: Path) -> int:
    """Write records as JSON Lines or CSV, by the file's extension; return how many."""
    count = 0
    suffix = out.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise ValueError(f"{out}: the extension must be .jsonl or .csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        if suffix == ".jsonl":
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                count += 1
        else:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for rec in records:
                writer.writerows(csv_rows(rec))
                count += 1
    return count


def seed_cache(
    cache: ManifestCache,
    count: int,
    seed: int = 1,
    base_date: date | None = None,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fill the cache straight from the generator (no file), through the same validation.

    Each batch takes the write lock before it reads what is cached, so a second seed (or an
    import) running at the same time waits its turn instead of failing with "database is locked".
    """
    written = 0
    batch: list[tuple[int, ItemRecord | RiskRecord]] = []

    def flush() -> int:
        with write_transaction(cache.db):
            return cache.apply_records(batch, None).items_written

    for n, rec in enumerate(DemoGenerator(seed, base_date).records(count), start=1):
        batch.append((n, flat_record(rec)))
        if len(batch) >= batch_size:
            written += flush()
            batch.clear()
            if progress:
                progress(n)
    if batch:
        written += flush()
    return written
