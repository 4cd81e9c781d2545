"""`workstation sync --once | status | dead-letters`: the bench's sync with the facility hub.

`sync --once` runs one full round: everything waiting goes up, then the officer directory and
the reference data come down. It prints one JSON object and exits

- 0 when nothing is left waiting,
- 1 when the hub answered but messages are still waiting (it acknowledged only some),
- 2 when there is no hub to sync with (no hub address or token; `--hub`, `--token` or `[sync]`),
  or the records cannot be opened,
- 3 when the hub refused this device (a wrong, missing or revoked token, a refused request),
- 6 when the hub could not be reached or was busy (try again later; nothing was lost).

Dead letters (messages the hub refused, kept here) are not waiting: `sync status` and
`sync dead-letters` show them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.exit_codes import EXIT_CHECK_FAILED, EXIT_FORBIDDEN, EXIT_INVALID, EXIT_UNAVAILABLE
from workstation.commands.officers import open_store_or_fail
from workstation.config import hub_url_problem
from workstation.core.messages import utc_iso
from workstation.store.records import RecordsStore
from workstation.sync.client import HubClient
from workstation.sync.errors import HubBusy, HubRefused, HubUnreachable, SyncError
from workstation.sync.rounds import full_round, pull_reference_into
from workstation.sync.sender import RoundReport, Sender


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "sync", help="send the records to the facility hub, take its officers and reference data"
    )
    p.add_argument("--once", action="store_true", help="run one full round (upload, then pull) and exit")
    p.add_argument("--hub", metavar="URL", help="the hub's address (default: the config's hub_url)")
    p.add_argument("--token", metavar="TOKEN", help="this bench's device token (default: [sync] token)")
    p.set_defaults(func=run_once)
    ssub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    status = ssub.add_parser("status", help="what waits, what the hub refused, last success, offline since")
    status.set_defaults(func=run_status)
    dead = ssub.add_parser("dead-letters", help="the messages the hub refused, one JSON object a line")
    dead.set_defaults(func=run_dead_letters)


def _when(at: datetime | None) -> str | None:
    return utc_iso(at) if at is not None else None


def run_once(args: argparse.Namespace, ctx: Context) -> int:
    if not args.once:
        raise CommandError(
            "say what to do: 'sync --once', 'sync status' or 'sync dead-letters'", EXIT_INVALID
        )
    url = args.hub if args.hub is not None else ctx.settings.hub_url
    token = args.token if args.token is not None else ctx.settings.sync.token
    if not url:
        raise CommandError("no hub to sync with: give --hub URL or set hub_url in the config", EXIT_INVALID)
    problem = hub_url_problem(url)
    if problem:
        raise CommandError(f"--hub {url}: {problem}", EXIT_INVALID)
    if not token:
        raise CommandError("no device token: give --token or set [sync] token in the config", EXIT_INVALID)
    bench_id = ctx.settings.bench_id
    if not bench_id:
        raise CommandError("no bench_id in the config: the hub knows this bench by it", EXIT_INVALID)
    ca_file = ctx.settings.sync.ca_file or None
    if url.startswith("https://") and ca_file is None:
        raise CommandError(
            f"--hub {url}: an https hub is checked against [sync] ca_file, and none is set", EXIT_INVALID
        )
    try:
        client = HubClient(url, token, ca_file=ca_file)
    except SyncError as exc:  # the CA file cannot be read
        raise CommandError(str(exc), EXIT_INVALID) from exc
    store = open_store_or_fail(ctx)
    try:
        sender = Sender(
            store,
            client,
            bench_id,
            batch_size=ctx.settings.sync.batch_size,
            max_clock_skew_seconds=ctx.settings.sync.max_clock_skew_seconds,
        )
        done = full_round(sender, store, client, bench_id)
        report, officers_pulled, error = done.report, done.officers_pulled, done.error
        reference_records = 0
        if error is None:
            try:
                reference_records = _pull_reference(ctx, client, url)
            except SyncError as exc:
                error = exc
                store.sync_state.failed(str(exc), offline=isinstance(exc, HubUnreachable))
    finally:
        store.close()
        client.close()
    print_json(_round_json(report, officers_pulled, reference_records))
    if report.clock_warning:
        sys.stderr.write(f"workstation: {report.clock_warning}\n")
    if error is not None:
        raise CommandError(_one_line(error, report.pending), _exit_code(error))
    if report.pending:
        raise CommandError(f"{report.pending} message(s) still waiting after the round", EXIT_CHECK_FAILED)
    return 0


def _round_json(report: RoundReport, officers_pulled: int, reference_records: int) -> dict[str, Any]:
    return {
        "sent": report.sent,
        "duplicates": report.duplicates,
        "dead_lettered": report.dead_lettered,
        "pending": report.pending,
        "anchor_seq": report.anchor.seq if report.anchor else None,
        "officers_pulled": officers_pulled,
        "reference_records": reference_records,
        "hub_time_skew_seconds": report.skew_seconds,
        "photos_uploaded": report.photos_uploaded,
        "anchor_status": report.anchor_status,
        "anchor_problem": report.anchor_problem,
    }


def _exit_code(error: SyncError) -> int:
    if isinstance(error, HubRefused):
        return EXIT_FORBIDDEN
    if isinstance(error, HubUnreachable | HubBusy):
        return EXIT_UNAVAILABLE
    return EXIT_CHECK_FAILED


def _one_line(error: SyncError, pending: int) -> str:
    if isinstance(error, HubUnreachable):
        what = f"hub unreachable: {error.reason}"
    elif isinstance(error, HubBusy):
        what = f"hub busy ({error.status}): {error.reason}"
    elif isinstance(error, HubRefused):
        what = f"the hub refused this bench ({error.status}): {error.reason}"
    else:
        what = f"sync failed: {error}"
    return f"{what}; {pending} message(s) still waiting"


def _pull_reference(ctx: Context, client: HubClient, hub: str) -> int:
    """The hub's reference data into the cache, page by page, each page with its cursor."""
    from workstation.commands.cache import open_cache_or_fail

    cache = open_cache_or_fail(ctx)
    try:
        return pull_reference_into(cache, client, hub).records
    finally:
        cache.db.conn.close()


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store_or_fail(ctx)
    try:
        print_json(status_json(store, ctx))
    finally:
        store.close()
    return 0


def status_json(store: RecordsStore, ctx: Context) -> dict[str, Any]:
    status = store.sync_state.status()
    return {
        "hub": ctx.settings.hub_url or None,
        "pending": store.outbox.count(),
        "never_sendable": store.outbox.legacy_count(),
        "dead_letters": [d.as_dict() for d in store.outbox.dead_letters()],
        "last_success": _when(status.last_success),
        "offline_since": _when(status.offline_since),
        "last_error": status.last_error,
        "anchor": status.anchor.as_dict() if status.anchor else None,
        "anchor_problem": status.anchor_problem,
        "photo_problem": status.photo_problem,
        "clock_skew_seconds": status.clock_skew_seconds,
    }


def run_dead_letters(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store_or_fail(ctx)
    try:
        for dead in store.outbox.dead_letters():
            print_json({**dead.as_dict(), "payload": store.outbox.payload(dead.outbox_seq)})
    finally:
        store.close()
    return 0
