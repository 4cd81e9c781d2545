"""Backups of the records file (SQLite backup API) and restores that verify before they replace."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workstation.core.audit import ChainReport
from workstation.core.records import Session
from workstation.store import audit
from workstation.store.backup_files import backup_name, backups_dir, has_backup_on, list_backups
from workstation.store.db import RECORDS_FILE, SQLITE_HEADER
from workstation.store.records import RecordsStore, iso

_SIDE_FILES = ("-wal", "-shm")


class RestoreRefused(Exception):
    """The copy to restore failed its checks; nothing was replaced."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    removed: tuple[Path, ...]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def backup_records(store: RecordsStore, kept: int, session: Session | None = None) -> BackupResult:
    """A consistent copy under backups/ with a dated name; keeps the newest `kept` copies."""
    folder = backups_dir(store.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    at = store.now()
    n = 0
    while (folder / backup_name(at, n)).exists():
        n += 1
    final = folder / backup_name(at, n)
    # Logged first, so the copy holds the entry that describes it.
    store.record_security_event(session, "backup", {"file": final.name})
    tmp = folder / f".{final.name}.tmp"
    dest = sqlite3.connect(str(tmp))
    try:
        store.conn.backup(dest)
    finally:
        dest.close()
    _fsync_file(tmp)
    os.replace(tmp, final)
    _fsync_dir(folder)
    existing = list_backups(store.data_dir)
    removed = tuple(existing[: max(0, len(existing) - max(1, kept))])
    for old in removed:
        old.unlink()
    return BackupResult(final, removed)


def ensure_daily_backup(
    data_dir: Path, kept: int = 14, *, clock: Callable[[], datetime] | None = None
) -> Path | None:
    """One backup per (local) day, made at start-up; returns the new copy, or None."""
    if not (data_dir / RECORDS_FILE).exists():
        return None
    now = clock() if clock else datetime.now(UTC)
    if has_backup_on(data_dir, now):
        return None
    store = RecordsStore.open(data_dir, clock=clock)
    try:
        return backup_records(store, kept).path
    finally:
        store.close()


def verify_copy(path: Path) -> ChainReport:
    """Integrity check and audit chain of a database file; raises RestoreRefused saying what failed."""
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise RestoreRefused(f"{path} cannot be read: {exc.strerror}") from exc
    if header != SQLITE_HEADER:
        raise RestoreRefused(f"{path} is not an SQLite database (damaged header)")
    conn = sqlite3.connect(str(path))
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        if problems:
            raise RestoreRefused(f"{path} failed its integrity check: {problems[0]}")
        report = audit.verify(conn)
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{path} is damaged or is not a records file ({exc})") from exc
    finally:
        conn.close()
    if report.first_break is not None:
        raise RestoreRefused(f"{path}: the audit chain does not hold: {report.first_break.message}")
    return report


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    replaced_kept_as: Path | None
    report: ChainReport


def restore_records(data_dir: Path, source: Path, session: Session | None = None) -> RestoreResult:
    """Verify a copy of `source`, then put it in place of the records file, keeping the old one.

    The app must not have the records file open meanwhile.
    """
    now = datetime.now(UTC)
    stamp = now.astimezone().strftime("%Y%m%d-%H%M%S")
    stage = data_dir / f".restore-{stamp}.sqlite"
    try:
        shutil.copyfile(source, stage)
    except OSError as exc:
        raise RestoreRefused(f"cannot copy {source}: {exc.strerror}") from exc
    try:
        _fsync_file(stage)
        report = verify_copy(stage)
    except BaseException:
        for suffix in ("", *_SIDE_FILES):
            Path(f"{stage}{suffix}").unlink(missing_ok=True)
        raise
    live = data_dir / RECORDS_FILE
    kept_as: Path | None = None
    if live.exists():
        kept_as = data_dir / f"records.replaced-{stamp}.sqlite"
        for suffix in ("", *_SIDE_FILES):
            side = Path(f"{live}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept_as}{suffix}"))
    os.replace(stage, live)
    _fsync_dir(data_dir)
    store = RecordsStore.open(data_dir)
    try:
        store.record_security_event(
            session,
            "restore",
            {
                "from": str(source),
                "replaced_kept_as": str(kept_as) if kept_as else None,
                "head_hash": report.head_hash,
                "at": iso(now),
            },
        )
    finally:
        store.close()
    return RestoreResult(source, kept_as, report)
