"""`workstation self-test`: is this PC ready for a bench? One line per check.

Run by the installers after installing, by IT when a bench misbehaves, and by CI on the built
bundle. Required checks decide the exit code: the GUI toolkit starts (offscreen when there is no
display), the data directory is writable, both databases open, zxing-cpp reads the sample label.
Recommended ones are warnings, since a bench works without them: pyzbar (libzbar), the cameras,
the sounds, the hub. `--strict` makes a warning fail too: IT runs that on a bench PC.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workstation.commands import selftest_checks as checks
from workstation.commands.base import CommandError, Context, Subparsers, print_json
from workstation.resources import resource_path


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "self-test",
        help="check that this PC can run a bench; exit 0 when every required check passes",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per check")
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail on warnings too (recommended parts: sounds, pyzbar, cameras, hub); for bench PCs",
    )
    p.add_argument(
        "--sample",
        type=Path,
        metavar="IMAGE",
        help="decode this image instead of the shipped sample label (any barcode passes)",
    )
    p.add_argument("--no-qt", action="store_true", help="skip the checks that need Qt")
    p.set_defaults(func=run)


def _results(args: argparse.Namespace, ctx: Context) -> list[checks.CheckResult]:
    """Required checks decide whether a bench can work at all; recommended ones what it lacks."""
    results = []
    if not args.no_qt:
        checks.qt_platform_for_headless()
        from workstation.ui import selftest as qt_checks

        results.append(checks.timed("qt", qt_checks.qt_starts))
    recommended = {"required": False}
    results += [
        checks.timed("config", lambda: (True, ctx.settings.source or "defaults")),
        checks.timed("data-dir", lambda: checks.data_dir_writable(ctx.data_dir)),
        checks.timed("databases", lambda: checks.databases_open(ctx.data_dir)),
        checks.timed("decoder zxing-cpp", lambda: checks.zxing_reads_sample(args.sample)),
        checks.timed("decoder pyzbar", lambda: checks.pyzbar_reads_sample(args.sample), **recommended),
        checks.timed("cameras", lambda: checks.cameras_listed(ctx.settings.camera.source), **recommended),
        checks.timed("sound files", checks.sound_files_valid, **recommended),
    ]
    if not args.no_qt:

        def sounds() -> tuple[bool, str]:
            return qt_checks.sounds_load([resource_path(name) for name in checks.SOUND_FILES])

        results.append(checks.timed("sounds", sounds, **recommended))
    results.append(
        checks.timed(
            "hub",
            lambda: checks.hub_reachable(
                ctx.settings.hub_url, ctx.settings.sync.token, ctx.settings.sync.ca_file
            ),
            **recommended,
        )
    )
    return results


LABELS = {"ok": "ok", "warn": "WARN", "fail": "FAIL"}


def run(args: argparse.Namespace, ctx: Context) -> int:
    results = _results(args, ctx)
    for r in results:
        if args.json:
            print_json(r.as_dict())
        else:
            sys.stdout.write(f"{LABELS[r.status]:<4}  {r.name:<17} {r.detail}\n")
    sys.stdout.flush()
    failed = [r.name for r in results if r.status == "fail"]
    warned = [r.name for r in results if r.status == "warn"]
    if failed or (args.strict and warned):
        names = ", ".join(failed + warned if args.strict else failed)
        raise CommandError(f"self-test failed: {names}", 1)
    if warned:
        sys.stderr.write(
            f"workstation: self-test passed with warnings: {', '.join(warned)} "
            "(these parts will not work on this PC; --strict makes them fail)\n"
        )
    return 0
