"""`workstation self-test`: is this PC ready for a bench? One line per check; exit 0 only if all pass.

Run by the installers after installing, by IT when a bench misbehaves, and by CI on the built
bundle. Checks: the GUI toolkit starts (offscreen when there is no display), the data directory
is writable, both databases open, each decoder reads the sample label, cameras are listed,
the sounds load, and the hub answers when one is configured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstation.commands import selftest_checks as checks
from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.resources import resource_path


def register(sub: Subparsers) -> None:
    p = sub.add_parser("self-test", help="check that this PC can run a bench; exit 0 when all checks pass")
    p.add_argument("--json", action="store_true", help="one JSON object per check")
    p.add_argument(
        "--sample",
        type=Path,
        metavar="IMAGE",
        help="decode this image instead of the shipped sample label (any barcode passes)",
    )
    p.add_argument("--no-qt", action="store_true", help="skip the checks that need Qt")
    p.set_defaults(func=run)


def _results(args: argparse.Namespace, ctx: Context) -> list[checks.CheckResult]:
    results = []
    if not args.no_qt:
        checks.qt_platform_for_headless()
        from workstation.ui import selftest as qt_checks

        results.append(checks.timed("qt", qt_checks.qt_starts))
    results += [
        checks.timed("config", lambda: (True, ctx.settings.source or "defaults")),
        checks.timed("data-dir", lambda: checks.data_dir_writable(ctx.data_dir)),
        checks.timed("databases", lambda: checks.databases_open(ctx.data_dir)),
        checks.timed("decoder zxing-cpp", lambda: checks.zxing_reads_sample(args.sample)),
        checks.timed("decoder pyzbar", lambda: checks.pyzbar_reads_sample(args.sample)),
        checks.timed("cameras", lambda: checks.cameras_listed(ctx.settings.camera.source)),
        checks.timed("sound files", checks.sound_files_valid),
    ]
    if not args.no_qt:

        def sounds() -> tuple[bool, str]:
            return qt_checks.sounds_load([resource_path(name) for name in checks.SOUND_FILES])

        results.append(checks.timed("sounds", sounds))
    results.append(checks.timed("hub", lambda: checks.hub_reachable(ctx.settings.hub_url)))
    return results


def run(args: argparse.Namespace, ctx: Context) -> int:
    results = _results(args, ctx)
    for r in results:
        if args.json:
            print_json(r.as_dict())
        else:
            sys.stdout.write(f"{'ok' if r.ok else 'FAIL':<4}  {r.name:<17} {r.detail}\n")
    sys.stdout.flush()
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise CommandError(f"self-test failed: {', '.join(failed)}", 1)
    return 0
