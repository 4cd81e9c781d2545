"""Opening the two SQLite files: pragmas for their jobs, and a check that they are sound.

`cache.sqlite` is large and rebuildable: WAL, synchronous=NORMAL. `records.sqlite` is evidence:
WAL, synchronous=FULL, foreign keys on. A damaged file is reported and left where it is; it is
never replaced by an empty one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from workstation.store.backup_files import damaged_advice, missing_advice
from workstation.store.files import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    DataDirNotWritableError,
    StoreUnavailableError,
    create_private,
    fsync_dir,
    move_no_clobber,
    prepare_data_dir,
    records_left,
    tighten,
)

CACHE_FILE = "cache.sqlite"
RECORDS_FILE = "records.sqlite"
SQLITE_HEADER = b"SQLite format 3\x00"
# quick_check reads every page: affordable on the records file, not on a 10 GB cache.
FULL_CHECK_LIMIT_BYTES = 256 * 1024 * 1024
SIDE_FILES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT_S = 30

__all__ = [
    "CACHE_FILE",
    "RECORDS_FILE",
    "DataDirNotWritableError",
    "DatabaseDamagedError",
    "RecordsMissingError",
    "StoreUnavailableError",
    "apply_migrations",
    "open_cache",
    "open_records_connection",
    "write_transaction",
]


class DatabaseDamagedError(StoreUnavailableError):
    """A database file exists but cannot be trusted; the message says which and what to do."""


class RecordsMissingError(StoreUnavailableError):
    """The records file is gone while the data folder still holds earlier records."""


def _one_line(text: str, limit: int = 200) -> str:
    """SQLite's integrity reports run to many lines; an error message is one."""
    flat = " ".join(part for part in text.replace("*** in database main ***", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _check_header(path: Path, advice: str) -> None:
    if not path.exists():
        return
    if path.stat().st_size == 0:
        # SQLite would take an empty file for a new database and the bench would carry on with
        # nothing in it; an empty file was emptied (or cut short), so it is reported instead.
        raise DatabaseDamagedError(f"{path} is empty (0 bytes): it was emptied or cut short; {advice}")
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DatabaseDamagedError(f"{path} is not an SQLite database (damaged header); {advice}")


def _tighten_side_files(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        tighten(Path(f"{path}{suffix}"), PRIVATE_FILE_MODE)


def _create(path: Path, migrations: Migrations | None) -> None:
    """Build a new database under a temporary name and give it its real name only when complete.

    Nobody ever sees a half-made or zero-byte file under the real name (which would be refused
    as emptied), and of two processes creating it at once the second opens the first one's file.
    """
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    create_private(tmp)
    conn = sqlite3.connect(str(tmp))
    try:
        # WAL mode writes the header page: even with no migrations to apply, the file is a
        # database, not the zero-byte file that is refused as emptied.
        conn.execute("PRAGMA journal_mode=WAL")
        if migrations is not None:
            migrations.apply(Database(conn))
    finally:
        conn.close()
    try:
        move_no_clobber(tmp, path)
    except FileExistsError:
        tmp.unlink()
    fsync_dir(path.parent)


def _connect(path: Path, advice: str, *, check_same_thread: bool) -> sqlite3.Connection:
    """Connect to a file that exists (sqlite3.connect would create a missing one, 0644 and empty)."""
    _check_header(path, advice)
    _tighten_side_files(path)
    try:
        # timeout: a second process waits for the write lock (busy timeout) instead of failing.
        conn = sqlite3.connect(str(path), check_same_thread=check_same_thread, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise DatabaseDamagedError(f"{path}: cannot open ({_one_line(str(exc))}); {advice}") from exc
    return conn


def _verify(conn: sqlite3.Connection, path: Path, advice: str) -> None:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if path.exists() and path.stat().st_size <= FULL_CHECK_LIMIT_BYTES:
            result = conn.execute("PRAGMA quick_check").fetchall()
            problems = [r[0] for r in result if r[0] != "ok"]
            if problems:
                conn.close()
                raise DatabaseDamagedError(
                    f"{path} failed its integrity check ({_one_line('; '.join(problems))}); {advice}"
                )
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseDamagedError(f"{path} is damaged ({_one_line(str(exc))}); {advice}") from exc


def _after_open(conn: sqlite3.Connection, path: Path) -> None:
    """WAL makes -wal and -shm files; SQLite gives them the database's mode, this makes sure."""
    _tighten_side_files(path)


@contextmanager
def write_transaction(db: Database, *, savepoint: bool = True) -> Iterator[Database]:
    """One transaction that takes the write lock at BEGIN (waiting up to the busy timeout).

    A deferred transaction that reads and then writes cannot wait for another writer in WAL mode:
    SQLite fails it at once with "database is locked". Taking the lock first makes it queue.
    Inside a transaction already, it is a savepoint of that one. `savepoint=False` for bulk
    writes: a savepoint inside the transaction (which sqlite-utils calls need, as they commit
    otherwise) keeps an undo journal of every page it changes, in memory: 70 MB more peak memory
    and 10% slower on a feed import.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if savepoint:
            with db.atomic():
                yield db
        else:
            yield db
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def apply_migrations(db: Database, migrations: Migrations) -> None:
    """Bring the schema up to date; two processes opening an old file at once take turns."""
    if not migrations.pending(db):
        return
    with write_transaction(db):
        migrations.apply(db)


def open_cache(data_dir: Path, *, check_same_thread: bool = True) -> Database:
    """Open (creating if needed) the manifest and risk cache, with its schema up to date."""
    from workstation.store.cache_schema import migrations

    path = data_dir / CACHE_FILE
    advice = (
        "it was left untouched and the bench would find no manifests in it; "
        "move it aside (or delete it) and rebuild the cache with 'workstation cache import FEED' "
        "(or 'workstation demo seed' for demo data)"
    )
    prepare_data_dir(data_dir)
    if not path.exists():
        _create(path, migrations)  # the cache is rebuildable from feeds: a missing one is simply made
    conn = _connect(path, advice, check_same_thread=check_same_thread)
    _verify(conn, path, advice)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")  # 64 MiB
    _after_open(conn, path)
    db = Database(conn)
    # Before temp_store=MEMORY: a migration that drops a large table journals every page it
    # frees in a statement journal, in memory once temp_store says so (300 MB per 250 MB table).
    apply_migrations(db, migrations)
    conn.execute("PRAGMA temp_store=MEMORY")
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
    data_dir: Path,
    advice: str | None = None,
    *,
    check_same_thread: bool = True,
    migrations: Migrations | None = None,
) -> sqlite3.Connection:
    """A verified connection to the records file with the pragmas evidence needs.

    The file is created (with `migrations` applied) only on a true first run: when the folder
    holds no backups, no photos and no other records file. Otherwise a missing file raises
    RecordsMissingError saying how to restore, and an emptied one DatabaseDamagedError.
    """
    path = data_dir / RECORDS_FILE
    advice = advice if advice is not None else damaged_advice(data_dir)
    prepare_data_dir(data_dir)
    if not path.exists():
        left = records_left(data_dir, RECORDS_FILE)
        if left:
            raise RecordsMissingError(
                f"{path} is missing, but this data folder still holds earlier records "
                f"({', '.join(left)}), so it is not created again empty; {missing_advice(data_dir)}"
            )
        _create(path, migrations)
    conn = _connect(path, advice, check_same_thread=check_same_thread)
    _verify(conn, path, advice)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    _after_open(conn, path)
    # Folders older versions made 0755: closing them covers every file inside, whatever its mode.
    for folder in ("backups", "photos"):
        tighten(data_dir / folder, PRIVATE_DIR_MODE)
    return conn
