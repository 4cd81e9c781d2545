"""`workstation officers add|list|disable|set-role|reset-password|set-pin`: managing officers, for admins.

The acting admin signs in with `--as BADGE`; the password comes from $WORKSTATION_PASSWORD, a
prompt on a terminal, or the first line of stdin. A new password (or PIN) comes from
$WORKSTATION_NEW_PASSWORD, a prompt (asked twice), or the next line of stdin. The very first
officer is added without `--as` and must be an admin.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.exit_codes import EXIT_FORBIDDEN
from workstation.core.badge import InvalidBadge, check_badge
from workstation.core.errors import Forbidden
from workstation.core.records import Officer, Role, Session
from workstation.store.db import StoreUnavailableError
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore

PASSWORD_ENV = "WORKSTATION_PASSWORD"
NEW_PASSWORD_ENV = "WORKSTATION_NEW_PASSWORD"
CLI_BENCH = "cli"
EXIT_REFUSED = EXIT_FORBIDDEN


def read_secret(prompt: str, env: str, *, confirm: bool = False) -> str:
    """From the environment, a terminal prompt, or one line of stdin, in that order."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("again: ") != first:
            raise CommandError("the two entries differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise CommandError(
            f"no {prompt.rstrip(': ')} given: set {env}, type it at a prompt, or pipe it on stdin"
        )
    return line.removesuffix("\n").removesuffix("\r")


def open_store_or_fail(ctx: Context) -> RecordsStore:
    try:
        return RecordsStore.open(ctx.data_dir)
    except StoreUnavailableError as exc:
        raise CommandError(str(exc), 2) from exc
    except OSError as exc:
        raise CommandError(f"cannot open the data directory {ctx.data_dir}: {exc.strerror}", 2) from exc


@dataclass
class Admin:
    store: RecordsStore
    directory: OfficerDirectory
    session: Session | None


@contextmanager
def signed_in(ctx: Context, badge: str | None, *, allow_bootstrap: bool = False) -> Iterator[Admin]:
    """Open the store and sign `badge` in on the CLI's own bench; sign out afterwards."""
    store = open_store_or_fail(ctx)
    directory = OfficerDirectory(store, ctx.settings.security)
    session = None
    try:
        if badge is None:
            if not (allow_bootstrap and directory.is_empty()):
                raise CommandError("sign in with --as BADGE (an admin's badge)", 2)
        else:
            # A refused sign-in is a Forbidden: cli.main maps it (and every domain error) once.
            session = directory.sign_in(
                badge, read_secret(f"password for {badge}: ", PASSWORD_ENV), CLI_BENCH
            )
        try:
            yield Admin(store, directory, session)
        finally:
            if session is not None:
                directory.sign_out(session)
    finally:
        store.close()


def role_arg(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a role: officer, supervisor or admin") from None


def register(sub: Subparsers) -> None:
    p = sub.add_parser("officers", help="officers and their roles (admins)")
    osub = p.add_subparsers(dest="officers_command", metavar="ACTION", required=True)

    def actor(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--as", dest="actor", metavar="BADGE", help=f"the acting admin (password: ${PASSWORD_ENV})"
        )

    add = osub.add_parser("add", help="add an officer (the first one, an admin, needs no --as)")
    add.add_argument("badge", metavar="BADGE")
    add.add_argument("--name", required=True)
    add.add_argument("--role", type=role_arg, required=True, metavar="officer|supervisor|admin")
    actor(add)
    add.set_defaults(func=run_add)

    lst = osub.add_parser("list", help="list officers")
    actor(lst)
    lst.set_defaults(func=run_list)

    dis = osub.add_parser("disable", help="disable a badge")
    dis.add_argument("badge", metavar="BADGE")
    actor(dis)
    dis.set_defaults(func=run_disable)

    role = osub.add_parser("set-role", help="give an officer another role")
    role.add_argument("badge", metavar="BADGE")
    role.add_argument("--role", type=role_arg, required=True, metavar="officer|supervisor|admin")
    actor(role)
    role.set_defaults(func=run_set_role)

    reset = osub.add_parser("reset-password", help="set a new password and lift a lockout")
    reset.add_argument("badge", metavar="BADGE")
    actor(reset)
    reset.set_defaults(func=run_reset)

    pin = osub.add_parser("set-pin", help="set your own PIN for unlocking an idle-locked screen")
    actor(pin)
    pin.set_defaults(func=run_set_pin)


def _officer_json(o: Officer) -> dict[str, object]:
    return {"badge": o.badge, "name": o.name, "role": o.role.value, "active": o.active}


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    # Before any sign-in or password prompt: a badge that breaks the rule ends it here.
    try:
        check_badge(args.badge)
    except InvalidBadge as exc:
        raise CommandError(f"officers add: {exc}", 2) from exc
    with signed_in(ctx, args.actor, allow_bootstrap=True) as a:
        password = read_secret(f"new password for {args.badge}: ", NEW_PASSWORD_ENV, confirm=True)
        officer = a.directory.add(a.session, args.badge, args.name, args.role, password)
    print_json({"added": _officer_json(officer)})
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    with signed_in(ctx, args.actor) as a:
        assert a.session is not None
        if a.session.officer.role is not Role.ADMIN:
            raise Forbidden("only an admin lists officers from the command line")
        for officer in a.directory.list():
            print_json(_officer_json(officer))
    return 0


def run_disable(args: argparse.Namespace, ctx: Context) -> int:
    with signed_in(ctx, args.actor) as a:
        assert a.session is not None
        a.directory.disable(a.session, args.badge)
    print_json({"disabled": args.badge})
    return 0


def run_set_role(args: argparse.Namespace, ctx: Context) -> int:
    with signed_in(ctx, args.actor) as a:
        assert a.session is not None
        a.directory.set_role(a.session, args.badge, args.role)
    print_json({"role_set": args.badge, "role": args.role.value})
    return 0


def run_reset(args: argparse.Namespace, ctx: Context) -> int:
    with signed_in(ctx, args.actor) as a:
        assert a.session is not None
        password = read_secret(f"new password for {args.badge}: ", NEW_PASSWORD_ENV, confirm=True)
        a.directory.reset_password(a.session, args.badge, password)
    print_json({"password_reset": args.badge})
    return 0


def run_set_pin(args: argparse.Namespace, ctx: Context) -> int:
    with signed_in(ctx, args.actor) as a:
        assert a.session is not None
        pin = read_secret("new PIN: ", NEW_PASSWORD_ENV, confirm=True)
        a.directory.set_pin(a.session, pin)
    print_json({"pin_set": a.session.officer.badge})
    return 0
