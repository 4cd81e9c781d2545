"""The log for facility IT: logs/workstation.log under the data directory, rotated, owner-only.

Set up once per run by `cli.main` (the GUI and every subcommand). Each line carries the time,
the level, the bench and the signed-in officer's badge (from a `LogContext` the bench updates on
sign-in and hand-over), and the message. What goes in is escaped: a tracking number or badge full
of newlines and control characters cannot forge a line. Warnings also go to stderr, for the CLI.

Personal data stays out by what is logged, not by filtering: callers log badges, tracking
numbers, counts and file names, never feed contents (names, addresses), passwords or notes.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

LOG_DIR = "logs"
LOG_FILE = "workstation.log"
# `log.error(..., extra=FILE_ONLY)`: for what the caller has already said on stderr in its own words.
FILE_ONLY = {"file_only": True}
# One record stays one readable entry: a 200,000-character field is cut, not written whole.
MAX_MESSAGE_CHARS = 4000
MAX_FIELD_CHARS = 64
# Libraries that log every request at INFO: only their warnings are worth a line.
_QUIET_LOGGERS = ("httpx", "httpcore")

log = logging.getLogger(__name__)


@dataclass
class LogContext:
    """Who is at the bench, stamped on every log line; the bench sets it on sign-in and hand-over."""

    bench: str = ""
    badge: str = ""


def escape(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` on one line: control, format and separator characters as Python escapes, cut at `limit`."""
    if len(text) > limit:
        text = f"{text[:limit]}...[{len(text)} chars]"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ContextFilter(logging.Filter):
    """Stamps each record with the bench and badge of the `LogContext` it was given."""

    def __init__(self, context: LogContext) -> None:
        super().__init__()
        self.context = context

    def filter(self, record: logging.LogRecord) -> bool:
        record.bench = escape(self.context.bench, MAX_FIELD_CHARS) or "-"
        record.badge = escape(self.context.badge, MAX_FIELD_CHARS) or "-"
        return True


class LineFormatter(logging.Formatter):
    """One line per record; a traceback follows on lines that start with "  | ", never a date."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")
        head = (
            f"{at} {record.levelname} bench={getattr(record, 'bench', '-')} "
            f"badge={getattr(record, 'badge', '-')} {record.name}: {escape(record.getMessage())}"
        )
        return head + _continuation(record, self)


class ConsoleFormatter(logging.Formatter):
    """stderr: "workstation: <message>", as the commands say their one-line reasons."""

    def format(self, record: logging.LogRecord) -> str:
        return f"workstation: {escape(record.getMessage())}" + _continuation(record, self)


def _continuation(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    extra = []
    if record.exc_info:
        extra.append(formatter.formatException(record.exc_info))
    if record.stack_info:
        extra.append(formatter.formatStack(record.stack_info))
    lines = "\n".join(extra).splitlines()
    return "".join(f"\n  | {escape(line)}" for line in lines)


class _ConsoleFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


class OwnerOnlyRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are created 0600 (and tightened to it if they exist)."""

    def _open(self) -> Any:
        path = self.baseFilename
        stream = open(  # noqa: SIM115 - the handler owns and closes the stream
            path,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda p, flags: os.open(p, flags, 0o600),
        )
        if os.name == "posix":
            os.chmod(path, 0o600)  # a file left 0644 by an older version, or restored from a copy
        return stream


def log_dir(data_dir: Path) -> Path:
    return data_dir / LOG_DIR


def log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, where: str = ""
) -> None:
    """Write an exception nobody caught to the log, with its traceback."""
    logging.getLogger("workstation.uncaught").critical(
        "uncaught exception%s: %s: %s", where, exc_type.__name__, exc, exc_info=(exc_type, exc, tb)
    )


class LogSetup:
    """The handlers and hooks `setup_logging` installed; `close()` takes them out again."""

    def __init__(self, path: Path | None, handlers: list[logging.Handler]) -> None:
        self.path = path
        self.handlers = handlers
        self._old_hooks = (sys.excepthook, threading.excepthook)
        self._old_level = logging.getLogger().level
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook

    def _sys_hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._old_hooks[0](exc_type, exc, tb)
            return
        log_uncaught(exc_type, exc, tb)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, f" in thread {name}")

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(self._old_level)
        sys.excepthook, threading.excepthook = self._old_hooks
        logging.captureWarnings(False)


def setup_logging(
    data_dir: Path,
    context: LogContext,
    *,
    max_bytes: int = 5 * 1024 * 1024,
    files_kept: int = 5,
    console: bool = True,
) -> LogSetup:
    """Log to <data_dir>/logs/workstation.log (and warnings to stderr); uncaught exceptions too.

    A data directory where the log cannot be written (read-only, full) costs the file, not the
    run: the reason goes to stderr and the program carries on.
    """
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    stamp = ContextFilter(context)
    if console:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(ConsoleFormatter())
        stderr.addFilter(_ConsoleFilter())
        handlers.append(stderr)
    path: Path | None = None
    problem = ""
    try:
        _make_private_dir(log_dir(data_dir))
        # maxBytes 0 would mean "never rotate": at least 1 KiB keeps the cap a cap.
        handler = OwnerOnlyRotatingFileHandler(
            log_dir(data_dir) / LOG_FILE,
            maxBytes=max(max_bytes, 1024),
            backupCount=max(files_kept, 1),
            encoding="utf-8",
        )
    except OSError as exc:
        problem = f"no log file in {log_dir(data_dir)}: {exc.strerror or exc}"
    else:
        path = Path(handler.baseFilename)
        handler.setLevel(logging.INFO)
        handler.setFormatter(LineFormatter())
        handler.addFilter(stamp)
        handlers.append(handler)
    for h in handlers:
        root.addHandler(h)
    setup = LogSetup(path, handlers)
    root.setLevel(logging.INFO)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    if problem:
        # An unwritable data folder is the command's own one-line error; a second line would
        # only repeat it. A writable folder whose logs/ cannot be made is worth a warning.
        writable = data_dir.is_dir() and os.access(data_dir, os.W_OK)
        log.log(logging.WARNING if writable else logging.INFO, "%s", problem)
    return setup


def _make_private_dir(path: Path) -> None:
    # The data directory itself is created owner-only too when this is the first thing to make it.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask, and an existing folder kept as is
