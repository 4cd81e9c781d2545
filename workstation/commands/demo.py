"""`workstation demo feed|seed|labels`: realistic, deterministic demo data, and labels to scan."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import platformdirs

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.cache import open_cache_or_fail
from workstation.core.demo import DEMO_ITEMS, DemoGenerator, label_barcodes
from workstation.store.demo_data import seed_cache, write_feed
from workstation.store.files import DataDirNotWritableError, prepare_data_dir, waiting_lock

DEMO_SEED = 1
SEED_LOCK = ".demo-seed.lock"


def default_demo_dir() -> Path:
    return Path(platformdirs.user_data_dir("workstation", appauthor=False)) / "demo"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: Subparsers) -> None:
    p = sub.add_parser("demo", help="demo data")
    demo_sub = p.add_subparsers(dest="demo_command", metavar="ACTION", required=True)

    feed = demo_sub.add_parser("feed", help="write a demo feed file (.jsonl or .csv by extension)")
    feed.add_argument("--count", type=int, default=1000)
    feed.add_argument("--seed", type=int, default=DEMO_SEED)
    feed.add_argument("--base-date", type=_date, help="latest arrival date (default: today)")
    feed.add_argument("--out", type=Path, required=True, metavar="FILE")
    feed.set_defaults(func=run_feed)

    seed = demo_sub.add_parser("seed", help="fill the data directory's cache with demo items")
    seed.add_argument("--items", type=int, default=DEMO_ITEMS)
    seed.add_argument("--seed", type=int, default=DEMO_SEED)
    seed.add_argument("--base-date", type=_date, help="latest arrival date (default: today)")
    seed.add_argument(
        "--records", type=int, default=0, help="also record M outcomes by the demo officers (password 'demo')"
    )
    seed.set_defaults(func=run_seed)

    labels = demo_sub.add_parser(
        "labels", help="print a PDF sheet of tracking labels from the demo cache, to try a scanner or webcam"
    )
    labels.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    labels.add_argument("--count", type=int, default=10, help="labels of cached items (default 10)")
    labels.set_defaults(func=run_labels)


def run_labels(args: argparse.Namespace, ctx: Context) -> int:
    """Cached items (green and targeted), one unmanifested number, one with a wrong check digit."""
    if args.out.suffix.lower() != ".pdf":
        raise CommandError(f"{args.out}: the extension must be .pdf")
    cache = open_cache_or_fail(ctx)
    conn = cache.db.conn
    # Formats in turn, so the sheet shows every format the scanner will meet.
    pick = (
        "SELECT tracking_id, caption FROM (SELECT i.tracking_id, ? || r.lane || ' lane' AS caption, "
        "i.tracking_format AS fmt, "
        "ROW_NUMBER() OVER (PARTITION BY i.tracking_format ORDER BY i.tracking_id) AS n "
        "FROM items i JOIN risk r USING (tracking_id) WHERE r.targeted = ?) ORDER BY n, fmt LIMIT ?"
    )
    rows = conn.execute(pick, ("targeted, ", 1, max(1, args.count // 3))).fetchall()
    rows += conn.execute(pick, ("", 0, max(0, args.count - len(rows)))).fetchall()
    conn.close()
    if not rows:
        raise CommandError(
            f"the cache in {ctx.data_dir} is empty: run 'workstation demo seed' first (or use --demo)"
        )
    from workstation.core.tracking import make_s10
    from workstation.ui.labels_pdf import DemoLabel, write_labels_pdf

    unmanifested = make_s10("LX", "90000001", "CN")
    good = make_s10("RB", "90000002", "HK")
    wrong = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    labels = []
    # FedEx numbers are printed inside their longer label barcodes; the cache has the short one.
    for (tracking_id, caption), code in zip(rows, label_barcodes([r[0] for r in rows]), strict=True):
        note = "" if code == tracking_id else f"{len(code)}-digit FedEx barcode of {tracking_id}"
        labels.append(DemoLabel(code, caption, tracking_id, note))
    labels += [DemoLabel(unmanifested, "no manifest"), DemoLabel(wrong, "wrong check digit")]
    try:
        pages = write_labels_pdf(labels, args.out)
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror}") from exc
    if not args.out.exists():
        raise CommandError(f"cannot write {args.out}")
    print_json(
        {
            "file": str(args.out),
            "labels": [
                {"code": lb.code, "caption": lb.caption, "tracking_id": lb.tracking_id or lb.code}
                for lb in labels
            ],
            "pages": pages,
        }
    )
    return 0


def run_feed(args: argparse.Namespace, ctx: Context) -> int:
    if args.count < 0:
        raise CommandError("--count must be 0 or more")
    if args.out.suffix.lower() not in (".jsonl", ".csv"):
        raise CommandError(f"{args.out}: the extension must be .jsonl or .csv")
    try:
        written = write_feed(DemoGenerator(args.seed, args.base_date).records(args.count), args.out)
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror}") from exc
    print_json({"file": str(args.out), "items": written, "seed": args.seed})
    return 0


def run_seed(args: argparse.Namespace, ctx: Context) -> int:
    if args.items < 0:
        raise CommandError("--items must be 0 or more")
    if args.records < 0:
        raise CommandError("--records must be 0 or more")
    try:
        prepare_data_dir(ctx.data_dir)
    except DataDirNotWritableError as exc:
        raise CommandError(str(exc), 2) from exc
    # A second seed of the same folder waits for the first to finish: both sign the same demo
    # officers in and out, which would end each other's shifts half-way.
    with waiting_lock(ctx.data_dir / SEED_LOCK):
        return _seed(args, ctx)


def _seed(args: argparse.Namespace, ctx: Context) -> int:
    cache = open_cache_or_fail(ctx)
    written = seed_cache(cache, args.items, args.seed, args.base_date)
    out: dict[str, object] = {
        "data_dir": str(ctx.data_dir),
        "items_written": written,
        "items_in_cache": cache.count(),
    }
    if args.records:
        from workstation.commands.officers import open_store_or_fail
        from workstation.store.demo_records import seed_records

        store = open_store_or_fail(ctx)
        try:
            out["records"] = vars(seed_records(store, args.records, args.seed, args.base_date))
            out["audit_head"] = store.audit_head()[1]
        finally:
            store.close()
    print_json(out)
    return 0
