"""`workstation backup` and `workstation restore FILE`: copies of the records file."""

from __future__ import annotations

import argparse
from pathlib import Path

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.officers import (
    CLI_BENCH,
    EXIT_REFUSED,
    PASSWORD_ENV,
    open_store_or_fail,
    read_secret,
)
from workstation.core.records import PermissionDenied, Session
from workstation.store.backup import (
    PlannedRestore,
    RestoreRefused,
    abort_restore,
    backup_records,
    commit_restore,
    plan_restore,
)
from workstation.store.db import StoreUnavailableError
from workstation.store.officers import OfficerDirectory, SignInError


def register(sub: Subparsers) -> None:
    b = sub.add_parser("backup", help="write a consistent, dated copy of the records under backups/")
    b.add_argument("--keep", type=int, help="how many copies to keep (default: config backups_kept)")
    b.set_defaults(func=run_backup)
    r = sub.add_parser(
        "restore",
        help="(admins) verify a copy (integrity, audit chain, holds the live history), then put it in "
        "place; the replaced file is kept",
    )
    r.add_argument("file", type=Path, metavar="FILE")
    r.add_argument(
        "--as", dest="actor", metavar="BADGE", help=f"the acting admin (password: ${PASSWORD_ENV})"
    )
    r.add_argument(
        "--force",
        metavar="REASON",
        help="restore a copy that does not hold the live history; the reason is logged",
    )
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
    out: dict[str, object] = {"file": str(result.path), "removed": [str(p) for p in result.removed]}
    if result.nothing_removed_because:
        out["nothing_removed_because"] = result.nothing_removed_because
    print_json(out)
    return 0


def _sign_in_admin(plan: PlannedRestore, ctx: Context, badge: str) -> tuple[OfficerDirectory, Session]:
    """Sign the admin in where the restore is decided: the live records, or the copy if they are gone."""
    directory = OfficerDirectory(plan.authority, ctx.settings.security)
    try:
        session = directory.sign_in(badge, read_secret(f"password for {badge}: ", PASSWORD_ENV), CLI_BENCH)
    except SignInError as exc:
        raise CommandError(str(exc), EXIT_REFUSED) from exc
    return directory, session


def run_restore(args: argparse.Namespace, ctx: Context) -> int:
    if args.actor is None:
        raise CommandError("sign in with --as BADGE (an admin's badge): a restore is an admin action", 2)
    if args.force is not None and not args.force.strip():
        raise CommandError("--force needs a reason, which is logged", 2)
    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file", 2)
    try:
        plan = plan_restore(ctx.data_dir, args.file)
    except RestoreRefused as exc:
        raise CommandError(f"restore refused, nothing was replaced: {exc}", 1) from exc
    except StoreUnavailableError as exc:
        raise CommandError(str(exc), 2) from exc
    try:
        directory, session = _sign_in_admin(plan, ctx, args.actor)
    except BaseException:
        abort_restore(plan)
        raise
    # The shift ends before the files move: nothing writes to a file after it was renamed.
    directory.sign_out(session)
    try:
        result = commit_restore(plan, session, force_reason=args.force)
    except RestoreRefused as exc:
        raise CommandError(f"restore refused, nothing was replaced: {exc}", 1) from exc
    except PermissionDenied as exc:
        raise CommandError(f"restore refused, nothing was replaced: {exc}", EXIT_REFUSED) from exc
    print_json(
        {
            "restored_from": str(result.restored_from),
            "replaced_kept_as": str(result.replaced_kept_as) if result.replaced_kept_as else None,
            "entries": result.report.entries,
            "head_hash": result.report.head_hash,
            "forced": result.forced,
            "divergence": result.divergence,
        }
    )
    return 0
