"""Feed import throughput against a plain-sqlite3 floor, and the import's peak memory.

    uv run python benchmarks/cache_import.py [--items 100000 1000000] [--no-floor]

Each feed size is measured on its own (by default 100,000 and 1,000,000 items: the write path
must hold its speed as the cache grows). The feed is written once with DemoGenerator (outside any timing) and kept under
/tmp/workstation-bench for the next run. Two child processes then run, one after the other:

- import: `FeedImporter.import_file` into a fresh cache, everything the command does
  (SHA-256 of the file, UTF-8 and JSON per line, full validation, versions, batched writes).
- floor: the least work that puts the same rows in the same schema: read the file line by
  line, json.loads, build the same row tuples by plain indexing (no validation, no version
  check; a set skips the few tracking ids a random million repeats, as the import rejects
  them), executemany into a fresh database with the same schema, indexes and pragmas
  (WAL, synchronous=OFF and the bulk page cache, as the import uses), in one transaction.

Each child reports its own peak RSS (getrusage, RUSAGE_SELF). The last line printed is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

BENCH_DIR = Path(os.environ.get("WORKSTATION_BENCH_DIR", "/tmp/workstation-bench"))
BASE_DATE = date(2026, 5, 1)
CHUNK = 5000
RATIO_TARGET = 0.5
RSS_TARGET_MB = 400
RATE_TARGET = 20_000  # items/s at 1,000,000 items (issue 12)


def feed_path(items: int) -> Path:
    """The demo feed for this size, written once and reused."""
    from workstation.core.demo import DemoGenerator
    from workstation.store.demo_data import write_feed

    path = BENCH_DIR / f"demo-feed-{items}.jsonl"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        partial = BENCH_DIR / f"partial-{os.getpid()}.jsonl"
        started = time.perf_counter()
        write_feed(DemoGenerator(1, BASE_DATE).records(items), partial)
        partial.rename(path)
        print(f"wrote {path} ({items:,} items) in {time.perf_counter() - started:.1f} s (not timed)")
    return path


def fresh_cache_dir(parent: Path, name: str) -> Path:
    """A data directory with an empty cache of the real schema (made outside the timing)."""
    from workstation.store.db import open_cache

    d = parent / name
    d.mkdir()
    open_cache(d).conn.close()
    return d


def child_import(feed: Path, data_dir: Path) -> dict[str, Any]:
    from workstation.store.cache import ManifestCache
    from workstation.store.db import open_cache
    from workstation.store.feed_import import FeedImporter

    cache = ManifestCache(open_cache(data_dir))
    started = time.perf_counter()
    summary = FeedImporter(cache).import_file(feed)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "items": summary.items_written, "quarantined": summary.quarantined}


_ITEM_KEYS = (
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
)
_RISK_KEYS = ("score", "lane", "reasons", "targeted", "target_reason", "rule_version", "assessed_at")


def child_floor(feed: Path, data_dir: Path) -> dict[str, Any]:
    from workstation.store.cache import _INSERT_ITEM, _INSERT_LINE, _UPSERT_RISK, BULK_CACHE_KIB

    conn = sqlite3.connect(str(data_dir / "cache.sqlite"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")  # as the import's bulk_writes
    conn.execute("PRAGMA temp_store=MEMORY")
    started = time.perf_counter()
    count = 0
    items: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    risks: list[tuple[Any, ...]] = []

    def write() -> None:
        conn.executemany(_INSERT_ITEM, items)
        conn.executemany(_INSERT_LINE, lines)
        conn.executemany(_UPSERT_RISK, risks)
        items.clear()
        lines.clear()
        risks.clear()

    conn.execute("BEGIN")
    seen: set[str] = set()
    with feed.open("rb") as fh:
        for n, data in enumerate(fh, start=1):
            d = json.loads(data)
            tid = d["tracking_id"]
            if tid in seen:  # a random demo id can repeat in a million; the import rejects it too
                continue
            seen.add(tid)
            count += 1  # the item's row id: rows go in arrival order
            items.append((count, *(d.get(k) for k in _ITEM_KEYS), 1, n))
            lines.extend(
                (
                    count,
                    i,
                    tid,
                    ln["description"],
                    ln["hts_code"],
                    ln["quantity"],
                    ln["unit_value"],
                    ln["origin_country"],
                )
                for i, ln in enumerate(d["lines"])
            )
            r = d["risk"]
            risks.append((tid, *(json.dumps(r[k]) if k == "reasons" else r[k] for k in _RISK_KEYS)))
            if len(items) >= CHUNK:
                write()
    write()
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"seconds": seconds, "items": count}


def run_child(kind: str, feed: Path, data_dir: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--feed", str(feed), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"the {kind} child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(items: int, with_floor: bool) -> dict[str, Any]:
    """Import (and floor) one feed size in fresh caches; print a summary; return its figures."""
    feed = feed_path(items)
    tmp = Path(tempfile.mkdtemp(prefix="ws-import-bench-"))
    try:
        imp = run_child("import", feed, fresh_cache_dir(tmp, "import"))
        cache_mb = (tmp / "import" / "cache.sqlite").stat().st_size / 1e6
        floor = run_child("floor", feed, fresh_cache_dir(tmp, "floor")) if with_floor else None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    import_rate = imp["items"] / imp["seconds"]
    print(f"feed: {feed} ({feed.stat().st_size / 1e6:.0f} MB, {items:,} items); cpus: {os.cpu_count()}")
    print(
        f"import: {imp['items']:,} items in {imp['seconds']:.1f} s = {import_rate:,.0f} items/s "
        f"({imp['items'] / imp['cpu_seconds']:,.0f} items per CPU second)"
    )
    print(f"        peak RSS {imp['peak_rss_mb']:.0f} MB (target < {RSS_TARGET_MB} MB)")
    figures: dict[str, Any] = {
        "items": items,
        "import_items_per_s": round(import_rate),
        "import_items_per_cpu_s": round(imp["items"] / imp["cpu_seconds"]),
        "import_seconds": round(imp["seconds"], 2),
        "import_cpu_seconds": round(imp["cpu_seconds"], 2),
        "import_peak_rss_mb": round(imp["peak_rss_mb"], 1),
        "quarantined": imp["quarantined"],
        "cache_mb": round(cache_mb, 1),
    }
    if floor is not None:
        floor_rate = floor["items"] / floor["seconds"]
        ratio = import_rate / floor_rate
        cpu_ratio = floor["cpu_seconds"] / imp["cpu_seconds"]
        print(f"floor:  {floor['items']:,} items in {floor['seconds']:.1f} s = {floor_rate:,.0f} items/s")
        print(
            "        (read + json.loads + row tuples + executemany, same schema and pragmas, one transaction)"
        )
        print(f"ratio import/floor: {ratio:.2f} (target >= {RATIO_TARGET}); by CPU time: {cpu_ratio:.2f}")
        figures.update(
            {
                "floor_items_per_s": round(floor_rate),
                "ratio": round(ratio, 3),
                "cpu_ratio": round(cpu_ratio, 3),
                "floor_seconds": round(floor["seconds"], 2),
                "floor_cpu_seconds": round(floor["cpu_seconds"], 2),
                "floor_peak_rss_mb": round(floor["peak_rss_mb"], 1),
            }
        )
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--no-floor", action="store_true", help="measure the import only")
    ap.add_argument("--child", choices=("import", "floor"), help=argparse.SUPPRESS)
    ap.add_argument("--feed", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        run = child_import if args.child == "import" else child_floor
        result = run(args.feed, args.data_dir)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
        # CPU time as well as wall time: on a shared machine it is the steadier figure.
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(result))
        return

    sizes = [measure(items, not args.no_floor) for items in args.items]
    largest = max(sizes, key=lambda f: int(f["items"]))
    smallest = min(sizes, key=lambda f: int(f["items"]))
    if len(sizes) > 1:
        held = largest["import_items_per_s"] / smallest["import_items_per_s"]
        print(f"speed at {largest['items']:,} items / at {smallest['items']:,}: {held:.2f}")
    print(
        json.dumps(
            {
                "benchmark": "cache_import",
                "sizes": sizes,
                "largest_items": largest["items"],
                "largest_import_items_per_s": largest["import_items_per_s"],
                "largest_import_peak_rss_mb": largest["import_peak_rss_mb"],
                "rate_target_items_per_s": RATE_TARGET,
                "rss_target_mb": RSS_TARGET_MB,
                "ratio_target": RATIO_TARGET,
                "speed_held": round(largest["import_items_per_s"] / smallest["import_items_per_s"], 3),
                "cpus": os.cpu_count(),
                "floor_includes": "read lines + json.loads + row tuples by indexing + executemany, "
                "one transaction, same schema/indexes, WAL, synchronous=OFF",
            }
        )
    )


if __name__ == "__main__":
    main()
