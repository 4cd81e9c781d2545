"""Files and folders of the data directory: owner-only modes, a writability probe, moves that never
overwrite, and what a data directory still holds of earlier records. No database work here.

The records hold password hashes and the cache holds names and addresses, so on POSIX every file
is created 0600 and every folder 0700 whatever the umask, and wider modes left by older versions
are tightened when the file is opened. Windows ignores these bits; the installer sets the folder's
ACL instead (README, "Data directory").
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_POSIX = os.name == "posix"
# errno values that mean "this folder cannot be written", as opposed to "this file is damaged".
_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST}


class StoreUnavailableError(Exception):
    """A database cannot be used as it is; the message names the file, what is wrong and what to do."""


class DataDirNotWritableError(StoreUnavailableError):
    """The data folder cannot be created or written (permissions, a read-only disk, a file in the way)."""


def tighten(path: Path, mode: int) -> None:
    """Take away group and other access from an existing file or folder (POSIX only)."""
    if not _POSIX:
        return
    try:
        current = path.stat().st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except FileNotFoundError:
        pass
    except PermissionError:
        # Someone else owns it (a folder IT made and shared on purpose): their choice stands, and
        # the writability probe says loudly if it is not usable.
        pass


def private_dir(path: Path) -> Path:
    """Create the folder owner-only (0700), or tighten an existing one; parents keep the umask."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(path, PRIVATE_DIR_MODE)
    return path


def create_private(path: Path) -> None:
    """Create an empty file 0600 (fails if it exists): SQLite then opens it and keeps the mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE)
    os.close(fd)


def not_writable_message(folder: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return (
        f"the data folder {folder} is not writable ({reason}); nothing was changed: "
        "give this user write access to it, or choose another folder with --data-dir"
    )


def prepare_data_dir(data_dir: Path) -> None:
    """Make the data folder (owner-only) and prove a file can be created in it.

    SQLite reports a folder it cannot write to as "unable to open database file", which reads
    as a damaged database; saying "not writable" first sends the administrator to the right fix.
    """
    try:
        private_dir(data_dir)
        probe = data_dir / f".write-probe-{os.getpid()}"
        probe.unlink(missing_ok=True)
        create_private(probe)
        probe.unlink()
    except OSError as exc:
        if exc.errno in _NOT_WRITABLE or isinstance(exc, PermissionError):
            raise DataDirNotWritableError(not_writable_message(data_dir, exc)) from exc
        raise


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new name in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; NTFS journals the rename itself
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_no_clobber(src: Path, dst: Path) -> None:
    """Give `src` the name `dst` only if nothing has that name: raises FileExistsError otherwise.

    A hard link is created atomically or not at all, so two processes can never both take the
    same name, which a check-then-rename cannot promise.
    """
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (FAT, some network shares): rename refuses an existing target on
        # Windows; on POSIX the check narrows the window to nothing a bench would hit.
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "already exists", str(dst)) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def records_left(data_dir: Path, records_file: str) -> list[str]:
    """What the data folder still holds of earlier records: backups, photos, other records files.

    A missing records file beside any of these was lost, not never made, and must not be
    created again empty.
    """
    found: list[str] = []
    for folder in ("backups", "photos"):
        if (data_dir / folder).is_dir():
            found.append(f"{folder}/")
    if data_dir.is_dir():
        found += sorted(
            p.name
            for p in data_dir.iterdir()
            if p.name != records_file and p.name.startswith((records_file.split(".")[0], ".restore-"))
        )
    return found


@contextmanager
def waiting_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created 0600), waiting for whoever holds it first.

    For work made of many transactions that must not interleave with the same work run twice
    (two demo seeds signing the same demo officers in and out). The OS drops the lock if the
    process dies, so a crash never leaves the folder locked.
    """
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        if sys.platform == "win32":
            import msvcrt

            while True:  # msvcrt has no blocking lock that waits longer than ten seconds
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    time.sleep(0.2)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
