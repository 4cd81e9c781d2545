"""`workstation audit verify|head`: the audit chain of the records file."""

from __future__ import annotations

import argparse
import re
import sys

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.officers import open_store_or_fail

_ANCHOR = re.compile(r"(\d+):([0-9a-f]{64})")


def _anchor(text: str) -> tuple[int, str]:
    m = _ANCHOR.fullmatch(text.strip().lower())
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not SEQ:HASH (a number, a colon, 64 hex digits)")
    return int(m.group(1)), m.group(2)


def register(sub: Subparsers) -> None:
    p = sub.add_parser("audit", help="the audit chain of the records")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    ver = asub.add_parser(
        "verify", help="walk the chain and check every record; exit 0 if all holds, 1 naming the first break"
    )
    ver.add_argument(
        "--anchor",
        type=_anchor,
        metavar="SEQ:HASH",
        help="a head recorded earlier elsewhere; the chain must still hold it",
    )
    ver.set_defaults(func=run_verify)
    head = asub.add_parser("head", help="print the newest entry's sequence number and hash")
    head.set_defaults(func=run_head)


def run_verify(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store_or_fail(ctx)
    try:
        report = store.verify_audit(args.anchor)
    finally:
        store.close()
    out: dict[str, object] = {
        "ok": report.ok,
        "entries": report.entries,
        "records": report.records,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
    }
    if report.first_break is None:
        print_json(out)
        return 0
    brk = report.first_break
    out["break"] = {"seq": brk.seq, "kind": brk.kind, "message": brk.message}
    print_json(out)
    sys.stderr.write(f"workstation: audit chain broken: {brk.message}\n")
    return 1


def run_head(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store_or_fail(ctx)
    try:
        seq, digest = store.audit_head()
    finally:
        store.close()
    if seq == 0:
        raise CommandError("the audit log is empty", 1)
    print_json({"seq": seq, "hash": digest, "anchor": f"{seq}:{digest}"})
    return 0
