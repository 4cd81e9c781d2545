"""The one command-line entry: the GUI by default, admin subcommands otherwise."""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from workstation.commands.base import CommandError, Context
from workstation.config import ConfigError, load_settings, resolve_data_dir

# Each module registers its own subcommands; add a group by adding its module here.
COMMAND_MODULES = (
    "workstation.commands.audit",
    "workstation.commands.backup",
    "workstation.commands.cache",
    "workstation.commands.decode",
    "workstation.commands.demo",
    "workstation.commands.officers",
    "workstation.commands.parse",
    "workstation.commands.selftest",
)


def package_version() -> str:
    try:
        return version("workstation")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workstation",
        description="Inspection bench: scan a package, see its manifest and risk, record the outcome.",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data directory (default: $WORKSTATION_DATA_DIR, the config file's data_dir, "
        "or the platform's user data directory)",
    )
    parser.add_argument("--config", metavar="FILE", help="facility config file (TOML)")
    parser.add_argument(
        "--demo", action="store_true", help="use the demo data directory, created on first run"
    )
    parser.add_argument("--version", action="version", version=f"workstation {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _context(args: argparse.Namespace) -> Context:
    settings = load_settings(Path(args.config) if args.config else None)
    if args.demo and not args.data_dir:
        from workstation.commands.demo import default_demo_dir

        data_dir = default_demo_dir()
    else:
        data_dir = resolve_data_dir(args.data_dir, settings)
    return Context(settings=settings, data_dir=data_dir, demo=args.demo)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        ctx = _context(args)
        if args.command is None:
            from workstation.app import StartupError, run_gui

            try:
                return run_gui(ctx)
            except StartupError as exc:
                raise CommandError(str(exc), 2) from exc
        code: int = args.func(args, ctx)
        return code
    except (CommandError, ConfigError) as exc:
        sys.stderr.write(f"workstation: {exc}\n")
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        sys.stderr.write("workstation: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
