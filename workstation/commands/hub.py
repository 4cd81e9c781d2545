"""`workstation hub serve|add-device|revoke-device|officers|import|audit verify`: the facility hub.

Every subcommand takes `--database URL` (postgresql://... for a facility, sqlite:///PATH for a
one-site demo). Whoever holds the database URL administers the hub: the officer subcommands
need no `--as`. Passwords are read as `workstation officers` reads them ($WORKSTATION_NEW_PASSWORD,
a prompt asked twice, or a line of stdin).
"""

from __future__ import annotations

import argparse
import socket
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.exit_codes import EXIT_CHECK_FAILED
from workstation.commands.officers import NEW_PASSWORD_ENV, read_secret, role_arg
from workstation.core.audit import GENESIS_HASH, entry_hash_fast
from workstation.core.badge import InvalidBadge, check_badge
from workstation.core.errors import Conflict, Invalid, NotFound
from workstation.core.services.officers import MIN_PASSWORD_LENGTH
from workstation.hub.model import StorageUnavailable, receipt
from workstation.hub.storage import HubStorage, open_storage, shown_url

DEFAULT_PORT = 8470


@contextmanager
def opened(url: str) -> Iterator[HubStorage]:
    try:
        storage = open_storage(url)
    except (ValueError, StorageUnavailable) as exc:
        raise CommandError(str(exc), 2) from exc
    try:
        yield storage
    except StorageUnavailable as exc:
        raise CommandError(str(exc), 2) from exc
    finally:
        storage.close()


def register(sub: Subparsers) -> None:
    p = sub.add_parser("hub", help="the facility hub: serve, devices, officers, reference data, audit")
    hsub = p.add_subparsers(dest="hub_command", metavar="ACTION", required=True)

    def database(q: argparse.ArgumentParser) -> None:
        q.add_argument("--database", required=True, metavar="URL", help="postgresql://... or sqlite:///PATH")

    serve = hsub.add_parser("serve", help="serve the sync protocol over HTTP(S)")
    database(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="0: any free port")
    serve.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM)")
    serve.add_argument("--key", metavar="FILE", help="TLS private key (PEM)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="hub processes (PostgreSQL)")
    serve.add_argument(
        "--exit-with-parent", action="store_true", help=argparse.SUPPRESS
    )  # the demo's hub: gone with the app, even when the app is killed
    serve.set_defaults(func=run_serve)

    add = hsub.add_parser("add-device", help="add a bench; its token is the last line printed")
    add.add_argument("name", metavar="NAME", help="the bench id")
    database(add)
    add.set_defaults(func=run_add_device)

    revoke = hsub.add_parser("revoke-device", help="revoke a bench's token")
    revoke.add_argument("name", metavar="NAME")
    database(revoke)
    revoke.set_defaults(func=run_revoke_device)

    officers = hsub.add_parser("officers", help="the facility's officer directory")
    osub = officers.add_subparsers(dest="officers_command", metavar="ACTION", required=True)
    o_add = osub.add_parser("add", help="add an officer")
    o_add.add_argument("badge", metavar="BADGE")
    o_add.add_argument("--name", required=True)
    o_add.add_argument("--role", type=role_arg, required=True, metavar="officer|supervisor|admin")
    database(o_add)
    o_add.set_defaults(func=run_officers_add)
    o_list = osub.add_parser("list", help="list officers")
    database(o_list)
    o_list.set_defaults(func=run_officers_list)
    o_dis = osub.add_parser("disable", help="disable a badge")
    o_dis.add_argument("badge", metavar="BADGE")
    database(o_dis)
    o_dis.set_defaults(func=run_officers_disable)
    o_reset = osub.add_parser("reset-password", help="set a new password")
    o_reset.add_argument("badge", metavar="BADGE")
    database(o_reset)
    o_reset.set_defaults(func=run_officers_reset)

    imp = hsub.add_parser("import", help="publish reference data (items and risk) from a feed")
    imp.add_argument("feed", metavar="FEED", help=".jsonl or .csv (docs/feed-format.md)")
    database(imp)
    imp.set_defaults(func=run_import)

    audit = hsub.add_parser("audit", help="the benches' audit chains as the hub holds them")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = asub.add_parser("verify", help="walk a bench's chain: hashes, links, receipt")
    verify.add_argument("--bench", required=True, metavar="NAME")
    database(verify)
    verify.set_defaults(func=run_audit_verify)


# -- serve ------------------------------------------------------------------------------------


def _exit_with_parent() -> None:
    """Stop (as on Ctrl+C: the request in hand is finished) once the process that started us is gone."""
    import os
    import signal
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="workstation-hub-parent-watch", daemon=True).start()


def run_serve(args: argparse.Namespace, ctx: Context) -> int:
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from workstation.hub.app import DATABASE_ENV, create_app

    if bool(args.cert) != bool(args.key):
        raise CommandError("hub serve: give both --cert and --key for TLS, or neither", 2)
    if args.workers < 1:
        raise CommandError("hub serve: --workers is at least 1", 2)
    if args.workers > 1 and not args.database.startswith(("postgresql://", "postgres://")):
        raise CommandError("hub serve: --workers needs PostgreSQL; a SQLite hub is one process", 2)
    if args.cert:
        try:  # a bad certificate or key fails here, before the `listening` line
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(args.cert, args.key)
        except (OSError, ssl.SSLError) as exc:
            raise CommandError(f"hub serve: cannot load the TLS certificate or key: {exc}", 2) from exc
    try:
        storage = open_storage(args.database)  # migrates, and fails here when unreachable
    except (ValueError, StorageUnavailable) as exc:
        raise CommandError(str(exc), 2) from exc
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError as exc:
        storage.close()
        raise CommandError(f"hub serve: cannot listen on {args.host}:{args.port}: {exc.strerror}", 2) from exc
    port = sock.getsockname()[1]
    common: dict[str, Any] = {
        "log_config": None,
        "access_log": False,
        "ssl_certfile": args.cert,
        "ssl_keyfile": args.key,
        "timeout_graceful_shutdown": 5,
    }
    if args.workers == 1:
        config = uvicorn.Config(create_app(storage, close_storage=True), **common)
    else:
        storage.close()
        os.environ[DATABASE_ENV] = args.database
        config = uvicorn.Config(
            "workstation.hub.app:app_from_environment", factory=True, workers=args.workers, **common
        )
    if args.exit_with_parent:
        _exit_with_parent()
    scheme = "https" if args.cert else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    print_json({"listening": f"{scheme}://{host}:{port}", "database": shown_url(args.database)})
    sys.stdout.flush()
    if args.workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        Multiprocess(config, sockets=[sock]).run()
    return 0


# -- devices ----------------------------------------------------------------------------------


def run_add_device(args: argparse.Namespace, ctx: Context) -> int:
    from workstation.hub.app import add_device

    if not args.name.strip() or args.name != args.name.strip():
        raise Invalid({"name": "a device name is the bench id: not empty, no surrounding spaces"})
    with opened(args.database) as storage:
        token = add_device(storage, args.name)
    print_json({"device_added": args.name, "token": "on the next line; shown once, only its hash is kept"})
    sys.stdout.write(token + "\n")
    return 0


def run_revoke_device(args: argparse.Namespace, ctx: Context) -> int:
    with opened(args.database) as storage:
        storage.revoke_device(args.name)
    print_json({"device_revoked": args.name})
    return 0


# -- officers ---------------------------------------------------------------------------------


def _new_password(badge: str) -> str:
    password = read_secret(f"new password for {badge}: ", NEW_PASSWORD_ENV, confirm=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid({"password": f"a password has at least {MIN_PASSWORD_LENGTH} characters"})
    return password


def _hash(password: str) -> str:
    from workstation.store.officers import default_hasher

    return default_hasher().hash(password)


def _officer_json(badge: str, name: str, role: str, active: bool, version: int) -> dict[str, object]:
    return {"badge": badge, "name": name, "role": role, "active": active, "version": version}


def run_officers_add(args: argparse.Namespace, ctx: Context) -> int:
    try:
        check_badge(args.badge)
    except InvalidBadge as exc:
        raise CommandError(f"hub officers add: {exc}", 2) from exc
    if not args.name.strip():
        raise Invalid({"name": "the officer's name is required"})
    with opened(args.database) as storage:
        if storage.officer(args.badge) is not None:  # said before the password is asked for
            raise Conflict(f"badge {args.badge} already exists")
        hashed = _hash(_new_password(args.badge))
        # Added only if still absent: another admin adding the same badge meanwhile is a Conflict.
        o = storage.save_officer(args.badge, args.name, args.role.value, True, hashed, None, new=True)
    print_json({"added": _officer_json(o.badge, o.name, o.role, o.active, o.version)})
    return 0


def run_officers_list(args: argparse.Namespace, ctx: Context) -> int:
    with opened(args.database) as storage:
        officers = sorted(storage.officers_since(0), key=lambda o: o.badge)
    for o in officers:
        print_json(_officer_json(o.badge, o.name, o.role, o.active, o.version))
    return 0


def run_officers_disable(args: argparse.Namespace, ctx: Context) -> int:
    with opened(args.database) as storage:
        o = storage.officer(args.badge)
        if o is None:
            raise NotFound(f"unknown badge {args.badge}")
        o = storage.save_officer(o.badge, o.name, o.role, False, o.password_hash, o.pin_hash)
    print_json({"disabled": o.badge, "version": o.version})
    return 0


def run_officers_reset(args: argparse.Namespace, ctx: Context) -> int:
    with opened(args.database) as storage:
        o = storage.officer(args.badge)
        if o is None:
            raise NotFound(f"unknown badge {args.badge}")
        hashed = _hash(_new_password(args.badge))
        o = storage.save_officer(o.badge, o.name, o.role, o.active, hashed, o.pin_hash)
    print_json({"password_reset": o.badge, "version": o.version})
    return 0


# -- reference data ---------------------------------------------------------------------------


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    from workstation.hub.feed import FeedReadError, feed_records

    records = feed_records(Path(args.feed))
    with opened(args.database) as storage:
        try:
            published = storage.publish_reference(records)
        except FeedReadError as exc:
            raise CommandError(str(exc), 2) from exc
    print_json(
        {
            "file": args.feed,
            "read": records.read,
            "published": published,
            "quarantined": records.quarantined,
            "problems": records.first_problems,
        }
    )
    return 0


# -- audit ------------------------------------------------------------------------------------


def run_audit_verify(args: argparse.Namespace, ctx: Context) -> int:
    with opened(args.database) as storage:
        entries = storage.audit_entries(args.bench)
        anchor = storage.anchor(args.bench)
        problems = storage.bench_problems(args.bench)
        secret = storage.hub_secret()
    first_break = None
    prev, expected = GENESIS_HASH, 1
    hashes: dict[int, str] = {}
    for e in entries:
        if e.seq != expected:
            first_break = f"audit entry {expected} is missing"
        elif e.prev_hash != prev:
            first_break = f"audit entry {e.seq} does not link to entry {e.seq - 1}"
        elif entry_hash_fast(prev, e) != e.hash:
            first_break = f"audit entry {e.seq} was changed after the hub stored it"
        if first_break:
            break
        hashes[e.seq] = e.hash
        prev, expected = e.hash, expected + 1
    if first_break is None and anchor.seq:
        if hashes.get(anchor.seq) != anchor.hash:
            first_break = f"the anchor (entry {anchor.seq}) is not the entry the hub holds"
        elif receipt(secret, args.bench, anchor.seq, anchor.hash) != anchor.receipt:
            first_break = f"the receipt of the anchor (entry {anchor.seq}) does not check"
    report = {
        "bench": args.bench,
        "entries": len(entries),
        "anchor_seq": anchor.seq,
        "ok": first_break is None and not problems,
        "first_break": first_break,
        "problems": [{"at": at, "problem": text} for at, text in problems],
    }
    print_json(report)
    if first_break is not None:
        raise CommandError(f"hub audit verify: bench {args.bench}: {first_break}", EXIT_CHECK_FAILED)
    if problems:
        raise CommandError(
            f"hub audit verify: bench {args.bench}: {len(problems)} recorded problem(s), the first: "
            f"{problems[0][1]}",
            EXIT_CHECK_FAILED,
        )
    return 0
