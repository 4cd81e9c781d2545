"""Reference pull pages written into a cache that already holds a million items.

    uv run python benchmarks/reference_apply.py [--base-items 1000000] [--records 200000]

The pre-filled cache is made once, by importing the demo feed of benchmarks/cache_import.py
(DemoGenerator seed 1) in a child process, and kept under /tmp/workstation-bench; each run
works on a copy. The pull then applies pages of 5,000 records through
`ManifestCache.apply_reference_page` (validation, versions, quarantine, the cursor, one
transaction per page), inside one `bulk_writes()` as the puller holds it: half of each page
updates an item already cached (its next version), half is new (seed 7). Only the apply calls
are timed; making each page's records (what the hub's JSON would give) is not.

`--mode records` writes the same pages with `flat_record` and `apply_records` instead (no
cursor), the path this benchmark measured before `apply_reference_page` existed.

The apply runs in a child process, which reports its own peak RSS (getrusage). The last line
printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

BENCH_DIR = Path(os.environ.get("WORKSTATION_BENCH_DIR", "/tmp/workstation-bench"))
BASE_DATE = date(2026, 5, 1)
PAGE = 5000
RATE_TARGET = 20_000
HUB = "https://hub.bench.example"


def base_cache(items: int) -> Path:
    """A data folder whose cache holds the demo feed of `items` items, made once and reused."""
    from workstation.store.db import CACHE_FILE

    layout = _layout()
    d = BENCH_DIR / f"reference-base-{items}-{layout}"
    if (d / CACHE_FILE).exists() and (d / "done").exists():
        return d
    shutil.rmtree(d, ignore_errors=True)
    sys.path.insert(0, str(Path(__file__).parent))
    from cache_import import feed_path

    feed = feed_path(items)
    started = time.perf_counter()
    _child("build", d, {"feed": str(feed)})
    (d / "done").touch()
    print(f"built {d} ({items:,} items) in {time.perf_counter() - started:.0f} s (not timed)")
    return d


def _layout() -> str:
    """Caches of the code under test: a cache made by other code would be migrated in the timing."""
    import hashlib

    from workstation.store import cache_schema

    names = ",".join(m.name for m in cache_schema.migrations._migrations)
    return hashlib.sha256(names.encode()).hexdigest()[:8]


def _child(kind: str, data_dir: Path, extra: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--data-dir",
            str(data_dir),
            "--extra",
            json.dumps(extra),
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"the {kind} child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def child_build(data_dir: Path, extra: dict[str, Any]) -> dict[str, Any]:
    from workstation.store.cache import ManifestCache
    from workstation.store.db import open_cache
    from workstation.store.feed_import import FeedImporter

    cache = ManifestCache(open_cache(data_dir))
    summary = FeedImporter(cache).import_file(Path(extra["feed"]))
    cache.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache.db.conn.close()
    return {"items": summary.items_written}


def pages(base_items: int, records: int) -> Any:
    """Pages of PAGE records: half the next version of a cached item, half a new item."""
    from workstation.core.demo import DemoGenerator

    cached = DemoGenerator(1, BASE_DATE).records(base_items)
    fresh = DemoGenerator(7, BASE_DATE).records(records)
    half = PAGE // 2
    made = 0
    while made < records:
        page: list[dict[str, Any]] = []
        for rec in islice(cached, half):
            newer = copy.copy(rec)
            newer["version"] = rec["version"] + 1
            newer["seller"] = rec["seller"] + " (v2)"
            page.append(newer)
        page.extend(islice(fresh, PAGE - len(page)))
        made += len(page)
        yield page


def child_apply(data_dir: Path, extra: dict[str, Any]) -> dict[str, Any]:
    from workstation.core.feed_record import RecordError, flat_record
    from workstation.store.cache import ManifestCache
    from workstation.store.db import open_cache

    cache = ManifestCache(open_cache(data_dir))
    seconds = 0.0
    cpu = 0.0
    totals = {"records": 0, "items_written": 0, "skipped": 0, "quarantined": 0, "pages": 0}
    bulk = cache.bulk_writes() if hasattr(cache, "bulk_writes") else None
    if bulk is not None:
        bulk.__enter__()
    for n, page in enumerate(pages(extra["base_items"], extra["records"]), start=1):
        t0, c0 = time.perf_counter(), time.process_time()
        if extra["mode"] == "page":
            out = cache.apply_reference_page(page, str(n * PAGE), HUB, f'"{n}"')
            written, skipped, quarantined = out.items_written, out.skipped, out.quarantined
        else:
            good = []
            quarantined = 0
            for i, rec in enumerate(page, start=1):
                try:
                    good.append((i, flat_record(rec)))
                except RecordError:
                    quarantined += 1
            batch = cache.apply_records(good, None)
            written, skipped = batch.items_written, batch.skipped
            quarantined += len(batch.rejected)
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        totals["records"] += len(page)
        totals["items_written"] += written
        totals["skipped"] += skipped
        totals["quarantined"] += quarantined
        totals["pages"] += 1
    if bulk is not None:
        bulk.__exit__(None, None, None)
    totals["cached_after"] = cache.count()
    cache.db.conn.close()
    return {**totals, "seconds": seconds, "cpu_seconds": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-items", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--mode", choices=("page", "records"), default="page")
    ap.add_argument("--child", choices=("build", "apply"), help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--extra", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        run = child_build if args.child == "build" else child_apply
        result = run(args.data_dir, json.loads(args.extra))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
        print(json.dumps(result))
        return

    from workstation.store.db import CACHE_FILE

    base = base_cache(args.base_items)
    tmp = Path(tempfile.mkdtemp(prefix="ws-reference-bench-"))
    try:
        work = tmp / "data"
        work.mkdir()
        shutil.copy2(base / CACHE_FILE, work / CACHE_FILE)
        extra = {"base_items": args.base_items, "records": args.records, "mode": args.mode}
        res = _child("apply", work, extra)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rate = res["records"] / res["seconds"]
    print(
        f"cache of {args.base_items:,} items; {res['pages']} pages of {PAGE:,} records "
        f"({args.mode}); cpus: {os.cpu_count()}"
    )
    print(
        f"applied {res['records']:,} records in {res['seconds']:.1f} s = {rate:,.0f} records/s "
        f"(target >= {RATE_TARGET:,}); {res['records'] / res['cpu_seconds']:,.0f} per CPU second"
    )
    print(
        f"written {res['items_written']:,}, skipped {res['skipped']:,}, quarantined {res['quarantined']:,}; "
        f"cache now {res['cached_after']:,} items; peak RSS {res['peak_rss_mb']:.0f} MB"
    )
    print(
        json.dumps(
            {
                "benchmark": "reference_apply",
                "mode": args.mode,
                "base_items": args.base_items,
                "page_records": PAGE,
                "pages": res["pages"],
                "records": res["records"],
                "items_per_s": round(rate),
                "items_per_cpu_s": round(res["records"] / res["cpu_seconds"]),
                "seconds": round(res["seconds"], 2),
                "cpu_seconds": round(res["cpu_seconds"], 2),
                "items_written": res["items_written"],
                "skipped": res["skipped"],
                "quarantined": res["quarantined"],
                "cached_after": res["cached_after"],
                "peak_rss_mb": round(res["peak_rss_mb"], 1),
                "rate_target_items_per_s": RATE_TARGET,
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
