"""`workstation backup` and `workstation restore FILE`: copies of the records file."""

from __future__ import annotations

import argparse
from pathlib import Path

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.officers import open_store_or_fail
from workstation.store.backup import RestoreRefused, backup_records, restore_records


def register(sub: Subparsers) -> None:
    b = sub.add_parser("backup", help="write a consistent, dated copy of the records under backups/")
    b.add_argument("--keep", type=int, help="how many copies to keep (default: config backups_kept)")
    b.set_defaults(func=run_backup)
    r = sub.add_parser(
        "restore",
        help="verify a copy (integrity and audit chain), then put it in place; the replaced file is kept",
    )
    r.add_argument("file", type=Path, metavar="FILE")
    r.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace, ctx: Context) -> int:
    kept = args.keep if args.keep is not None else ctx.settings.backups_kept
    if kept < 1:
        raise CommandError("--keep must be 1 or more")
    store = open_store_or_fail(ctx)
    try:
        result = backup_records(store, kept)
    except OSError as exc:
        raise CommandError(f"cannot write the backup: {exc}", 2) from exc
    finally:
        store.close()
    print_json({"file": str(result.path), "removed": [str(p) for p in result.removed]})
    return 0


def run_restore(args: argparse.Namespace, ctx: Context) -> int:
    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file", 2)
    try:
        result = restore_records(ctx.data_dir, args.file)
    except RestoreRefused as exc:
        raise CommandError(f"restore refused, nothing was replaced: {exc}", 1) from exc
    print_json(
        {
            "restored_from": str(result.restored_from),
            "replaced_kept_as": str(result.replaced_kept_as) if result.replaced_kept_as else None,
            "entries": result.report.entries,
            "head_hash": result.report.head_hash,
        }
    )
    return 0
