"""The one command-line entry: the GUI by default, admin subcommands otherwise."""

from __future__ import annotations

import argparse
import hashlib
import importlib
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from workstation.commands.base import CommandError, Context
from workstation.commands.exit_codes import exit_code_for
from workstation.config import ConfigError, default_config_path, load_settings, resolve_data_dir
from workstation.logs import FILE_ONLY, LogSetup, setup_logging

log = logging.getLogger("workstation")

# Each module registers its own subcommands; add a group by adding its module here.
COMMAND_MODULES = (
    "workstation.commands.audit",
    "workstation.commands.backup",
    "workstation.commands.cache",
    "workstation.commands.decode",
    "workstation.commands.demo",
    "workstation.commands.hub",
    "workstation.commands.officers",
    "workstation.commands.parse",
    "workstation.commands.report",
    "workstation.commands.selftest",
    "workstation.commands.sync",
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
    config_path = Path(args.config) if args.config else default_config_path()
    settings = load_settings(config_path)
    if args.demo and not args.data_dir:
        from workstation.commands.demo import default_demo_dir

        data_dir = default_demo_dir()
    else:
        data_dir = resolve_data_dir(args.data_dir, settings)
    return Context(settings=settings, data_dir=data_dir, demo=args.demo, config_path=config_path)


def _loggable(message: str, args: argparse.Namespace) -> str:
    """A failure as the log keeps it: a badge typed on the command line only as a hash and length.

    People type passwords into badge fields (`--as 'CorrectHorse1!'`), and "unknown badge ..."
    repeats it; the terminal may show it, the log must not keep it.
    """
    for dest in ("actor", "badge"):
        value = getattr(args, dest, None)
        if isinstance(value, str) and value:
            digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
            masked = f"<badge sha256:{digest}, {len(value)} chars>"
            message = message.replace(repr(value), masked).replace(value, masked)
    return message


def _one_line(message: str) -> str:
    return " ".join(message.split()) or "refused"


def _start_logging(ctx: Context) -> LogSetup:
    ctx.log.bench = ctx.settings.bench_id
    return setup_logging(
        ctx.data_dir,
        ctx.log,
        max_bytes=ctx.settings.log.max_bytes,
        files_kept=ctx.settings.log.files_kept,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    logging_setup: LogSetup | None = None
    try:
        ctx = _context(args)
        logging_setup = _start_logging(ctx)
        log.info("workstation %s: %s", package_version(), command)
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
        if logging_setup is not None:  # a config error comes before the log file
            # said on stderr already
            log.error("%s failed: %s", command, _loggable(str(exc), args), extra=FILE_ONLY)
        return getattr(exc, "exit_code", 2)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        # Domain errors (Invalid, NotFound, Conflict, Forbidden) and an unavailable store are
        # mapped here, once, to their documented exit codes; anything else is a bug.
        mapped = exit_code_for(exc)
        if mapped is None:
            if logging_setup is not None:
                log.critical("%s failed with an uncaught exception", command, exc_info=True, extra=FILE_ONLY)
            raise
        sys.stderr.write(f"workstation: {_one_line(str(exc))}\n")
        if logging_setup is not None:
            log.error("%s failed: %s", command, _loggable(str(exc), args), extra=FILE_ONLY)
        return mapped
    except KeyboardInterrupt:
        sys.stderr.write("workstation: interrupted\n")
        return 130
    finally:
        if logging_setup is not None:
            logging_setup.close()


if __name__ == "__main__":
    sys.exit(main())
