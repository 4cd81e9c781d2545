"""`workstation cache import|lookup|purge|stats`: the manifest and risk cache."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.store.cache import ManifestCache, item_to_dict
from workstation.store.db import StoreUnavailableError, open_cache
from workstation.store.feed_import import MAX_LINE_BYTES, FeedImporter, FeedReadError, ImportProgress
from workstation.store.records import open_case_tracking_ids

EXIT_QUARANTINED = 3
EXIT_UNREADABLE = 2


def register(sub: Subparsers) -> None:
    p = sub.add_parser("cache", help="the manifest and risk cache")
    cache_sub = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)

    imp = cache_sub.add_parser("import", help="import a feed file (JSON Lines or CSV)")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--batch-size", type=int, default=5000, help=argparse.SUPPRESS)
    imp.add_argument(
        "--max-line-bytes",
        type=int,
        default=MAX_LINE_BYTES,
        help=f"a longer line is quarantined unread (default {MAX_LINE_BYTES:,})",
    )
    imp.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    imp.set_defaults(func=run_import)

    look = cache_sub.add_parser("lookup", help="print a cached item as JSON (any scanned form of the number)")
    look.add_argument("code", metavar="CODE")
    look.set_defaults(func=run_lookup)

    purge = cache_sub.add_parser("purge", help="remove items past the retention window")
    purge.add_argument("--days", type=int, help="retention in days after arrival (default: config)")
    purge.set_defaults(func=run_purge)

    stats = cache_sub.add_parser("stats", help="counts of items, batches and quarantined rows")
    stats.set_defaults(func=run_stats)


def open_cache_or_fail(ctx: Context) -> ManifestCache:
    try:
        return ManifestCache(open_cache(ctx.data_dir))
    except StoreUnavailableError as exc:
        raise CommandError(str(exc), 2) from exc
    except OSError as exc:
        raise CommandError(f"cannot open the data directory {ctx.data_dir}: {exc.strerror}", 2) from exc


class _ProgressBar:
    """rows/s and ETA on stderr, redrawn in place; only on a terminal."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.last = 0.0

    def __call__(self, p: ImportProgress) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and p.bytes_done < p.bytes_total:
            return
        self.last = now
        share = p.bytes_done / p.bytes_total if p.bytes_total else 1.0
        rate = p.rows / p.seconds if p.seconds > 0 else 0.0
        eta = (p.seconds / share - p.seconds) if share > 0 else 0.0
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r{self.name} [{bar:<30}] {share:6.1%} {p.rows:>10,} rows {rate:>9,.0f} rows/s ETA {eta:5.0f}s"
        )
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\n")


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    cache = open_cache_or_fail(ctx)
    if args.max_line_bytes < 1:
        raise CommandError("--max-line-bytes must be 1 or more")
    waiting: list[Path] = []

    def say_waiting() -> None:
        sys.stderr.write(
            f"workstation: {waiting[-1]}: waiting for another import into this cache to finish\n"
        )

    importer = FeedImporter(
        cache, batch_size=args.batch_size, max_line_bytes=args.max_line_bytes, on_wait=say_waiting
    )
    worst = 0
    for path in args.files:
        waiting.append(path)
        bar = _ProgressBar(path.name) if sys.stderr.isatty() and not args.no_progress else None
        try:
            summary = importer.import_file(path, progress=bar)
        except FeedReadError as exc:
            if bar:
                bar.done()
            sys.stderr.write(f"workstation: {path}: {exc}\n")
            worst = max(worst, EXIT_UNREADABLE)
            continue
        if bar:
            bar.done()
        print_json(summary.as_dict())
        if summary.changed_while_read:
            sys.stderr.write(
                f"workstation: {path}: the file changed while it was read; what was read is imported, "
                "import the file again once it is complete\n"
            )
        if summary.quarantined:
            sys.stderr.write(
                f"workstation: {path}: {summary.quarantined} row(s) quarantined; "
                "see 'workstation cache stats'\n"
            )
            worst = max(worst, EXIT_QUARANTINED) if worst != EXIT_UNREADABLE else worst
    return worst


def run_lookup(args: argparse.Namespace, ctx: Context) -> int:
    cache = open_cache_or_fail(ctx)
    item = cache.lookup(args.code)
    if item is None:
        sys.stderr.write(f"workstation: {args.code!r} is not in the cache\n")
        return 1
    print_json(item_to_dict(item))
    return 0


def run_purge(args: argparse.Namespace, ctx: Context) -> int:
    cache = open_cache_or_fail(ctx)
    days = args.days if args.days is not None else ctx.settings.retention_days
    if days < 0:
        raise CommandError("--days must be 0 or more")
    before = (date.today() - timedelta(days=days)).isoformat()
    keep = kept_ids(ctx)
    removed = cache.purge(before, keep)
    print_json({"removed": removed, "before": before, "kept_open_cases": len(keep)})
    return 0


def kept_ids(ctx: Context) -> set[str]:
    """Tracking ids with an open detention or seizure: retention never removes their manifests."""
    try:
        return open_case_tracking_ids(ctx.data_dir)
    except StoreUnavailableError as exc:
        raise CommandError(f"cannot tell which items have open cases: {exc}", 2) from exc


def run_stats(args: argparse.Namespace, ctx: Context) -> int:
    cache = open_cache_or_fail(ctx)
    conn = cache.db.conn

    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    print_json(
        {
            "items": one("SELECT count(*) FROM items"),
            "targeted": one("SELECT count(*) FROM risk WHERE targeted = 1"),
            "batches": one("SELECT count(*) FROM feed_batches"),
            "quarantined": one("SELECT count(*) FROM quarantine"),
            "recent_quarantine": [
                {"batch": b, "file": f, "line": n, "reason": r}
                for b, f, n, r in conn.execute(
                    "SELECT q.batch_id, b.file_name, q.line_number, q.reason FROM quarantine q "
                    "JOIN feed_batches b ON b.id = q.batch_id ORDER BY q.id DESC LIMIT 20"
                )
            ],
        }
    )
    return 0
