"""Opening the two SQLite files: pragmas for their jobs, and a check that they are sound.

`cache.sqlite` is large and rebuildable: WAL, synchronous=NORMAL. `records.sqlite` is evidence:
WAL, synchronous=FULL, foreign keys on. A damaged file is reported and left where it is; it is
never replaced by an empty one.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

CACHE_FILE = "cache.sqlite"
RECORDS_FILE = "records.sqlite"
SQLITE_HEADER = b"SQLite format 3\x00"
# quick_check reads every page: affordable on the records file, not on a 10 GB cache.
FULL_CHECK_LIMIT_BYTES = 256 * 1024 * 1024


class DatabaseDamagedError(Exception):
    """A database file exists but cannot be trusted; the message says which and what to do."""


def _check_header(path: Path, advice: str) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DatabaseDamagedError(f"{path} is not an SQLite database (damaged header); {advice}")


def _connect(path: Path, advice: str, *, check_same_thread: bool) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_header(path, advice)
    try:
        conn = sqlite3.connect(str(path), check_same_thread=check_same_thread, timeout=30)
    except sqlite3.Error as exc:
        raise DatabaseDamagedError(f"{path}: cannot open ({exc}); {advice}") from exc
    return conn


def _verify(conn: sqlite3.Connection, path: Path, advice: str) -> None:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if path.exists() and path.stat().st_size <= FULL_CHECK_LIMIT_BYTES:
            result = conn.execute("PRAGMA quick_check").fetchall()
            problems = [r[0] for r in result if r[0] != "ok"]
            if problems:
                raise DatabaseDamagedError(f"{path} failed its integrity check ({problems[0]}); {advice}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseDamagedError(f"{path} is damaged ({exc}); {advice}") from exc


def open_cache(data_dir: Path, *, check_same_thread: bool = True) -> Database:
    """Open (creating if needed) the manifest and risk cache, with its schema up to date."""
    from workstation.store.cache_schema import migrations

    path = data_dir / CACHE_FILE
    advice = (
        "it was left untouched; move it aside and rebuild the cache with 'workstation cache import' "
        "(or 'workstation demo seed' for demo data)"
    )
    conn = _connect(path, advice, check_same_thread=check_same_thread)
    _verify(conn, path, advice)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB
    conn.execute("PRAGMA temp_store=MEMORY")
    db = Database(conn)
    migrations.apply(db)
    return db


def prefetch(path: Path, *, wait: bool = False) -> None:
    """Ask the OS to read a database file into its page cache, so that lookups hit memory.

    A lookup touches a dozen pages at random places in the file: from disk that is a few ms, from
    the page cache a tenth of one. `wait=False` only advises the kernel (it reads ahead in the
    background; nothing here blocks); `wait=True` reads the file through, for benchmarks.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        if wait:
            while os.read(fd, 8 << 20):
                pass
        elif hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    finally:
        os.close(fd)


def open_records_connection(
    data_dir: Path, advice: str, *, check_same_thread: bool = True
) -> sqlite3.Connection:
    """A verified connection to the records file with the pragmas evidence needs."""
    path = data_dir / RECORDS_FILE
    conn = _connect(path, advice, check_same_thread=check_same_thread)
    _verify(conn, path, advice)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn
