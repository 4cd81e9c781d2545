"""`workstation parse CODE...`: what each code says about itself, one JSON object per line."""

from __future__ import annotations

import argparse

from workstation.commands.base import Context, Subparsers, print_json
from workstation.core.tracking import parse


def register(sub: Subparsers) -> None:
    p = sub.add_parser("parse", help="recognise tracking numbers and check their check digits")
    p.add_argument("codes", nargs="+", metavar="CODE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    for code in args.codes:
        print_json(parse(code).as_dict())
    return 0
