"""`workstation audit verify|head`: the audit chain of the records file.

`verify` walks the chain, then checks that every anchor it knows of is still in it: `--anchor`,
the hub's anchor as the records file keeps it, the copy kept beside the records file, and the
hub's own (asked over the network when a hub and token are configured, unless `--offline`).
A chain whose last entries were deleted still links from genesis to its new head; only an
anchor recorded elsewhere shows the cut.
"""

from __future__ import annotations

import argparse
import re
import sys

from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.commands.officers import open_store_or_fail
from workstation.core.audit import ChainBreak
from workstation.store import audit
from workstation.store.records import RecordsStore

_SOURCES = {
    "given": "the anchor given with --anchor",
    "records": "the hub's anchor kept in the records",
    "file": "the hub's anchor kept beside the records",
    "hub": "the anchor the hub holds",
}
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
    ver.add_argument(
        "--offline",
        action="store_true",
        help="do not ask the hub for its anchor (the kept copies are checked)",
    )
    ver.set_defaults(func=run_verify)
    head = asub.add_parser("head", help="print the newest entry's sequence number and hash")
    head.set_defaults(func=run_head)


def _hub_anchor(ctx: Context) -> tuple[tuple[int, str] | None, str]:
    """The hub's anchor for this bench, and what became of asking for it."""
    url, token = ctx.settings.hub_url, ctx.settings.sync.token
    if not url or not token:
        return None, "no hub configured"
    from workstation.sync.client import HubClient
    from workstation.sync.errors import SyncError

    try:
        with HubClient(url, token, ca_file=ctx.settings.sync.ca_file or None) as client:
            reply = client.anchor()
    except SyncError as exc:
        return None, f"not asked: {' '.join(str(exc).split()) or type(exc).__name__}"
    return (int(reply.seq), str(reply.hash)), "asked"


def _anchors(
    store: RecordsStore, ctx: Context, given: tuple[int, str] | None, offline: bool
) -> tuple[list[tuple[str, tuple[int, str]]], str]:
    """Every anchor to check, by where it came from, and what became of asking the hub."""
    anchors: list[tuple[str, tuple[int, str]]] = []
    if given is not None:
        anchors.append(("given", given))
    kept = store.sync_state.anchor()
    if kept is not None:
        anchors.append(("records", (kept.seq, kept.hash)))
    copy = store.sync_state.file_anchor()
    if copy is not None:
        anchors.append(("file", (copy.seq, copy.hash)))
    hub_said = "not asked: --offline"
    if not offline:
        hub, hub_said = _hub_anchor(ctx)
        if hub is not None:
            anchors.append(("hub", hub))
    return anchors, hub_said


def run_verify(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store_or_fail(ctx)
    try:
        report = store.verify_audit(args.anchor)
        anchors, hub_said = _anchors(store, ctx, args.anchor, args.offline)
        checked: list[dict[str, object]] = []
        anchor_break: tuple[str, ChainBreak] | None = None
        for source, anchor in anchors:
            brk = audit.check_anchor(store.conn, anchor) if report.ok else None
            checked.append(
                {"source": source, "seq": anchor[0], "hash": anchor[1], "ok": report.ok and brk is None}
            )
            if brk is not None and anchor_break is None:
                anchor_break = (source, brk)
    finally:
        store.close()
    out: dict[str, object] = {
        "ok": report.ok and anchor_break is None,
        "entries": report.entries,
        "records": report.records,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "anchors": checked,
        "hub": hub_said,
    }
    if report.first_break is None and anchor_break is None:
        print_json(out)
        return 0
    if report.first_break is not None:
        brk = report.first_break
    else:
        assert anchor_break is not None
        source, found = anchor_break
        brk = ChainBreak(found.seq, found.kind, f"{found.message} ({_SOURCES[source]})")
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
