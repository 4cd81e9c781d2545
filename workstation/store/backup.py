"""Backups of the records file (SQLite backup API) and restores that verify before they replace."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from workstation.core.audit import ChainReport
from workstation.core.records import PermissionDenied, Session
from workstation.core.restore import copy_divergence, require_restorer
from workstation.store import audit
from workstation.store.backup_files import backup_name, backups_dir, has_backup_on, list_backups
from workstation.store.db import (
    BUSY_TIMEOUT_S,
    RECORDS_FILE,
    SIDE_FILES,
    SQLITE_HEADER,
    DataDirNotWritableError,
    StoreUnavailableError,
    apply_migrations,
)
from workstation.store.files import (
    PRIVATE_FILE_MODE,
    create_private,
    fsync_dir,
    move_no_clobber,
    prepare_data_dir,
    private_dir,
    tighten,
)
from workstation.store.records import Clock, RecordsStore, iso
from workstation.store.records_schema import migrations as records_migrations


class RestoreRefused(Exception):
    """The copy to restore failed its checks, or does not hold the live history; nothing was replaced."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    removed: tuple[Path, ...]
    # Why retention removed nothing this time (the live file failed its checks), or None.
    nothing_removed_because: str | None = None


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def _copy_to(store: RecordsStore, folder: Path, final: Path) -> None:
    """The SQLite backup API into a private temporary file, then the final name, never overwriting."""
    tmp = folder / f".{final.name}.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    create_private(tmp)
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            store.conn.backup(dest)
        finally:
            dest.close()
        _fsync_file(tmp)
        move_no_clobber(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)


def _is_good(path: Path) -> bool:
    try:
        verify_copy(path)
    except RestoreRefused:
        return False
    return True


def _prune(store: RecordsStore, kept: int, just_made: Path) -> tuple[tuple[Path, ...], str | None]:
    """Remove the oldest copies beyond `kept`, but never the one just made nor the newest good one,
    and none at all when the live file fails its checks (its copies may be the only good history).

    Names sort by the clock: after a clock was set back, the copy just made sorts first and the
    newest by name may be damaged, so neither "oldest" nor "newest" is trusted alone.
    """
    existing = list_backups(store.data_dir)
    for path in existing:
        tighten(path, PRIVATE_FILE_MODE)  # copies made by older versions were 0644
    excess = existing[: max(0, len(existing) - max(1, kept))]
    if not excess:
        return (), None
    live = store.verify_audit()
    if live.first_break is not None:
        return (), f"the live records fail their audit check ({live.first_break.message})"
    newest_good = next((p for p in reversed(existing) if _is_good(p)), None)
    removed = tuple(p for p in excess if p not in (newest_good, just_made))
    for old in removed:
        old.unlink()
    return removed, None


def backup_records(store: RecordsStore, kept: int, session: Session | None = None) -> BackupResult:
    """A consistent copy under backups/ with a dated name; keeps the newest `kept` copies."""
    folder = private_dir(backups_dir(store.data_dir))
    at = store.now()
    n = 0
    while True:
        while (folder / backup_name(at, n)).exists():
            n += 1
        final = folder / backup_name(at, n)
        # Logged first, so the copy holds the entry that describes it.
        store.record_security_event(session, "backup", {"file": final.name})
        try:
            _copy_to(store, folder, final)
            break
        except FileExistsError:
            n += 1  # another process took the name this second: a new entry names the next one
    removed, why_not = _prune(store, kept, final)
    return BackupResult(final, removed, why_not)


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
            raise RestoreRefused(f"{path} failed its integrity check: {' '.join(problems[0].split())}")
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
    forced: str | None = None
    divergence: str | None = None


@dataclass
class PlannedRestore:
    """A verified copy staged in the data folder, waiting for an admin to sign in and commit it.

    `authority` is where the admin signs in: the live records when they pass their checks, else
    the staged copy itself (its officers are the ones the restored bench will know).
    """

    data_dir: Path
    source: Path
    clock: Clock | None
    stage: Path
    report: ChainReport
    live: RecordsStore | None
    live_problem: str | None
    authority: RecordsStore
    divergence: str | None

    def close(self) -> None:
        if self.live is not None:
            self.live.close()
        if self.authority is not self.live:
            self.authority.close()


def _seq_hashes(conn: sqlite3.Connection, upto: int) -> Iterator[tuple[int, str]]:
    cur = conn.execute("SELECT seq, hash FROM audit_log WHERE seq <= ? ORDER BY seq", (upto,))
    while rows := cur.fetchmany(10_000):
        yield from ((int(r[0]), str(r[1])) for r in rows)


def _open_copy(stage: Path, data_dir: Path, clock: Clock | None) -> RecordsStore:
    conn = sqlite3.connect(str(stage), timeout=BUSY_TIMEOUT_S)
    conn.execute("PRAGMA foreign_keys=ON")
    db = Database(conn)
    apply_migrations(db, records_migrations)
    return RecordsStore(db, data_dir, clock)


def _discard(stage: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        Path(f"{stage}{suffix}").unlink(missing_ok=True)


def plan_restore(data_dir: Path, source: Path, *, clock: Clock | None = None) -> PlannedRestore:
    """Stage a private copy of `source`, verify it, and compare it with the live chain.

    Raises RestoreRefused when the copy itself fails; a copy that does not hold the live history
    is returned with `divergence` set, for the caller to refuse or force.
    """
    prepare_data_dir(data_dir)
    stamp = datetime.now(UTC).astimezone().strftime("%Y%m%d-%H%M%S")
    stage = data_dir / f".restore-{stamp}-{os.getpid()}.sqlite"
    _discard(stage)
    try:
        create_private(stage)
        shutil.copyfile(source, stage)
    except OSError as exc:
        _discard(stage)
        raise RestoreRefused(f"cannot copy {source}: {exc.strerror}") from exc
    live: RecordsStore | None = None
    copy: RecordsStore | None = None
    try:
        _fsync_file(stage)
        report = verify_copy(stage)
        live_problem: str | None = None
        try:
            live = RecordsStore.open(data_dir, clock=clock)
        except StoreUnavailableError as exc:
            if isinstance(exc, DataDirNotWritableError):
                raise
            live_problem = str(exc)
        copy = _open_copy(stage, data_dir, clock)
        divergence = None
        if live is not None:
            live_head = live.audit_head()[0]
            upto = min(live_head, report.head_seq)
            divergence = copy_divergence(
                _seq_hashes(live.conn, upto), _seq_hashes(copy.conn, upto), live_head, report.head_seq
            )
    except BaseException:
        for store in (live, copy):
            if store is not None:
                store.close()
        _discard(stage)
        raise
    authority = live if live is not None else copy
    if authority is not copy:
        copy.close()
    return PlannedRestore(data_dir, source, clock, stage, report, live, live_problem, authority, divergence)


def abort_restore(plan: PlannedRestore, session: Session | None = None, why: str | None = None) -> None:
    """Drop the staged copy; a refusal with a signed-in admin is logged in the live records."""
    try:
        if why is not None and plan.live is not None:
            plan.live.record_security_event(
                session, "restore_refused", {"from": str(plan.source), "reason": why}
            )
    finally:
        plan.close()
        _discard(plan.stage)


def _keep_replaced(live: Path, stamp: str) -> Path | None:
    """Rename the live file (and its -wal/-shm) to a name no file has: a kept file is never replaced."""
    if not live.exists():
        return None
    n = 0
    while True:
        kept = live.with_name(f"records.replaced-{stamp}{'' if n == 0 else f'-{n}'}.sqlite")
        if any(Path(f"{kept}{s}").exists() for s in ("", *SIDE_FILES)):
            n += 1
            continue
        try:
            move_no_clobber(live, kept)
        except FileExistsError:
            n += 1
            continue
        for suffix in SIDE_FILES:
            side = Path(f"{live}{suffix}")
            if side.exists():
                move_no_clobber(side, Path(f"{kept}{suffix}"))
        return kept


def commit_restore(
    plan: PlannedRestore, session: Session | None, *, force_reason: str | None = None
) -> RestoreResult:
    """Put the staged copy in place of the records file, keeping the old one, and log the restore
    in the restored file. A copy with a divergence needs `force_reason`, which is logged too.

    The app must not have the records file open meanwhile.
    """
    try:
        require_restorer(session.officer if session else None)
    except PermissionDenied as exc:
        abort_restore(plan, session, str(exc))
        raise
    if plan.divergence is not None and not force_reason:
        abort_restore(plan, session, plan.divergence)
        raise RestoreRefused(
            f"{plan.source} does not hold the live records' history ({plan.divergence}); "
            "give --force REASON to restore it anyway (the reason is logged)"
        )
    now = plan.clock() if plan.clock else datetime.now(UTC)
    plan.close()  # every connection to either file is closed before a file is renamed
    live = plan.data_dir / RECORDS_FILE
    try:
        kept_as = _keep_replaced(live, now.astimezone().strftime("%Y%m%d-%H%M%S"))
        move_no_clobber(plan.stage, live)
    except FileExistsError as exc:
        _discard(plan.stage)
        raise RestoreRefused(
            f"{live} appeared while restoring (another restore or a bench starting?); the copy was "
            "not put in place: try again with the bench closed"
        ) from exc
    fsync_dir(plan.data_dir)
    store = RecordsStore.open(plan.data_dir, clock=plan.clock)
    try:
        store.record_security_event(
            session,
            "restore",
            {
                "from": str(plan.source),
                "replaced_kept_as": str(kept_as) if kept_as else None,
                "head_hash": plan.report.head_hash,
                "at": iso(now),
                "live_problem": plan.live_problem,
                "divergence": plan.divergence,
                "forced": force_reason,
            },
        )
    finally:
        store.close()
    return RestoreResult(plan.source, kept_as, plan.report, force_reason, plan.divergence)


def restore_records(
    data_dir: Path,
    source: Path,
    session: Session | None,
    *,
    force_reason: str | None = None,
    clock: Clock | None = None,
) -> RestoreResult:
    """Plan and commit in one step, for an admin session signed in beforehand (tests, tools)."""
    return commit_restore(plan_restore(data_dir, source, clock=clock), session, force_reason=force_reason)
