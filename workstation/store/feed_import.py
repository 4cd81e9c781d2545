"""Feed import: stream a JSON Lines or CSV feed into the cache, quarantining what is unusable.

Memory stays flat: records are read one at a time and written in batches, each batch one
transaction. One bad record never stops the file; it goes to quarantine with its line number
and a reason a person can act on. Formats: docs/feed-format.md.

A file's batch is marked done under the SHA-256 of the bytes actually read, and only once the
read reached the end of the file: a file that changed while it was read is never taken for
another version of itself. Imports into one cache take turns (`file_lock`), so a batch found
still 'running' by the next import was left by a crash, and is closed as 'interrupted'.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workstation.core.feed_record import ItemRecord, RecordError, RiskRecord, flat_record
from workstation.store import file_lock
from workstation.store.cache import MAX_REASON, ManifestCache
from workstation.store.db import write_transaction
from workstation.store.feed_reading import (
    MAX_LINE_BYTES,
    MAX_RAW_TEXT,
    SNIFF_BYTES,
    FeedReadError,
    HashingFile,
    NotTextError,
    Raw,
    Reader,
    check_text,
    reader_for,
)

__all__ = [
    "MAX_LINE_BYTES",
    "MAX_RAW_TEXT",
    "MAX_REASON",
    "FeedImporter",
    "FeedReadError",
    "ImportProgress",
    "ImportSummary",
    "NotTextError",
]

Progress = Callable[["ImportProgress"], None]
_READ_BUFFER = 1 << 20


@dataclass(frozen=True)
class ImportProgress:
    bytes_done: int
    bytes_total: int
    rows: int
    seconds: float


@dataclass
class ImportSummary:
    file: str
    sha256: str
    batch_id: int | None
    rows_read: int = 0
    items_written: int = 0
    risk_updates: int = 0
    skipped: int = 0
    quarantined: int = 0
    already_imported: bool = False
    seconds: float = 0.0
    # The file's size or time changed while it was read: what was read is imported under its own
    # hash; import the file again once it is complete.
    changed_while_read: bool = False
    # Batches a crashed import left 'running', closed as 'interrupted' before this one started.
    interrupted_batches_closed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(raw: io.FileIO) -> str:
    digest = hashlib.sha256()
    while block := raw.read(_READ_BUFFER):
        digest.update(block)
    return digest.hexdigest()


def _fault_line(raw: Raw, reason: str) -> int:
    """For a multi-row CSV item, the row the reason is about (a content line), else its first row."""
    if len(raw.lines) > 1 and reason.startswith("lines["):
        return raw.lines[int(reason[6 : reason.index("]")])]
    return raw.line


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedImporter:
    """Imports feed files into one cache; remembers nothing between files but what the cache holds."""

    def __init__(
        self,
        cache: ManifestCache,
        batch_size: int = 5000,
        max_line_bytes: int = MAX_LINE_BYTES,
        on_wait: Callable[[], None] | None = None,
    ) -> None:
        self.cache = cache
        self.batch_size = batch_size
        self.max_line_bytes = max_line_bytes
        self.on_wait = on_wait  # told once when another import holds the cache and this one waits

    def _lock_path(self) -> Path | None:
        """Beside the cache file; None for a database without a file (nothing else can reach it)."""
        row = self.cache.db.conn.execute("PRAGMA database_list").fetchone()
        return Path(row[2] + "-import.lock") if row is not None and row[2] else None

    def _start_batch(self, path: Path, sha: str) -> int:
        with write_transaction(self.cache.db, savepoint=False):
            cur = self.cache.db.conn.execute(
                "INSERT INTO feed_batches (file_name, sha256, started_at) VALUES (?, ?, ?)",
                (path.name, sha, _now()),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _end_batch(self, batch_id: int, status: str) -> None:
        with write_transaction(self.cache.db, savepoint=False):
            self.cache.db.conn.execute(
                "UPDATE feed_batches SET status = ?, finished_at = ? WHERE id = ?", (status, _now(), batch_id)
            )

    def close_interrupted_batches(self) -> int:
        """Close the batches a crashed import left 'running', with what they wrote; call under the lock.

        What such a batch wrote stays (each of its transactions was whole); its file does not count
        as imported, so importing it again completes it.
        """
        with write_transaction(self.cache.db, savepoint=False):
            cur = self.cache.db.conn.execute(
                "UPDATE feed_batches SET status = 'interrupted', finished_at = ?, "
                "items_written = (SELECT count(*) FROM items WHERE items.batch_id = feed_batches.id), "
                "quarantined = (SELECT count(*) FROM quarantine q WHERE q.batch_id = feed_batches.id) "
                "WHERE status = 'running'",
                (_now(),),
            )
        return cur.rowcount

    def _quarantine(self, batch_id: int, rows: list[tuple[int, str, str]]) -> None:
        with write_transaction(self.cache.db, savepoint=False):
            self.cache.quarantine(batch_id, rows)

    def already_imported(self, sha: str) -> bool:
        row = self.cache.db.conn.execute(
            "SELECT 1 FROM feed_batches WHERE sha256 = ? AND status = 'done' LIMIT 1", (sha,)
        ).fetchone()
        return row is not None

    def _may_be_imported(self, size: int) -> bool:
        """Whether a done batch read this many bytes (or is older than sizes were kept)."""
        row = self.cache.db.conn.execute(
            "SELECT 1 FROM feed_batches WHERE status = 'done' AND (bytes_read = ? OR bytes_read IS NULL) "
            "LIMIT 1",
            (size,),
        ).fetchone()
        return row is not None

    def import_file(self, path: Path, progress: Progress | None = None) -> ImportSummary:
        started = time.monotonic()
        reader = reader_for(path.suffix)
        try:
            raw = io.FileIO(path, "rb")
        except OSError as exc:
            raise FeedReadError(f"cannot read {path}: {exc.strerror}") from exc
        with raw:
            try:
                before = os.fstat(raw.fileno())
                first = raw.read(SNIFF_BYTES)
                raw.seek(0)
            except OSError as exc:
                raise FeedReadError(f"cannot read {path}: {exc.strerror}") from exc
            if not first:
                raise FeedReadError(f"{path} is empty: nothing to import")
            check_text(first, whole_file=len(first) < SNIFF_BYTES)
            lock = self._lock_path()
            with contextlib.ExitStack() as held:
                if lock is not None:
                    held.enter_context(file_lock.exclusive(lock, self.on_wait))
                held.enter_context(self.cache.bulk_writes())
                return self._import_open(path, raw, before, reader, progress, started)

    def _import_open(
        self,
        path: Path,
        raw: io.FileIO,
        before: os.stat_result,
        reader: Reader,
        progress: Progress | None,
        started: float,
    ) -> ImportSummary:
        summary = ImportSummary(file=str(path), sha256="", batch_id=None)
        summary.interrupted_batches_closed = self.close_interrupted_batches()
        if self._may_be_imported(before.st_size):
            # Only then is the file hashed ahead of reading: to skip a file imported in full.
            summary.sha256 = _sha256(raw)
            raw.seek(0)
            if self.already_imported(summary.sha256):
                summary.already_imported = True
                summary.seconds = time.monotonic() - started
                return summary
        conn = self.cache.db.conn
        hashing = HashingFile(raw)
        fh = io.BufferedReader(hashing, _READ_BUFFER)
        batch_id = self._start_batch(path, summary.sha256)
        summary.batch_id = batch_id
        # The cache is rebuildable from its feeds: during the bulk load, commits need not wait
        # for the disk. A crash may lose the last batches (WAL keeps the file consistent), and
        # the file's batch stays 'running' until the next import closes it as 'interrupted'.
        conn.execute("PRAGMA synchronous=OFF")
        try:
            self._run(
                reader(fh, self.max_line_bytes), hashing, before.st_size, batch_id, summary, progress, started
            )
            # Every reader reads to the end; a batch that did not is not done, whatever the cause.
            if not hashing.reached_end:
                raise FeedReadError(f"{path}: the import stopped before the end of the file")
        except FeedReadError:
            self._end_batch(batch_id, "failed")
            raise
        except OSError as exc:  # the disk or the network share failed under the read
            self._end_batch(batch_id, "failed")
            raise FeedReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            # Best effort: if this fails too, the next import closes the batch.
            with contextlib.suppress(sqlite3.Error):
                self._end_batch(batch_id, "interrupted")
            raise
        finally:
            conn.execute("PRAGMA synchronous=NORMAL")
        after = os.fstat(raw.fileno())
        summary.changed_while_read = (
            after.st_size != hashing.bytes_read
            or after.st_mtime_ns != before.st_mtime_ns
            or bool(summary.sha256 and summary.sha256 != hashing.digest.hexdigest())
        )
        # The batch stands for exactly the bytes it read: a file that changed under the import is
        # not taken for done under its new (or old) hash.
        summary.sha256 = hashing.digest.hexdigest()
        summary.seconds = time.monotonic() - started
        with write_transaction(self.cache.db, savepoint=False):
            conn.execute(
                "UPDATE feed_batches SET finished_at = ?, sha256 = ?, bytes_read = ?, rows_read = ?, "
                "items_written = ?, risk_updates = ?, skipped = ?, quarantined = ?, status = 'done' "
                "WHERE id = ?",
                (
                    _now(),
                    summary.sha256,
                    hashing.bytes_read,
                    summary.rows_read,
                    summary.items_written,
                    summary.risk_updates,
                    summary.skipped,
                    summary.quarantined,
                    batch_id,
                ),
            )
        return summary

    def _run(
        self,
        raws: Iterator[Raw],
        hashing: HashingFile,
        total: int,
        batch_id: int,
        summary: ImportSummary,
        progress: Progress | None,
        started: float,
    ) -> None:
        good: list[tuple[int, ItemRecord | RiskRecord]] = []
        bad: list[tuple[int, str, str]] = []
        texts: dict[int, str] = {}

        def flush() -> None:
            if good:
                outcome = self.cache.apply_records(good, batch_id)
                summary.items_written += outcome.items_written
                summary.risk_updates += outcome.risk_updates
                summary.skipped += outcome.skipped
                for line, reason in outcome.rejected:
                    bad.append((line, texts[line], reason))
            if bad:
                self._quarantine(batch_id, bad)
                summary.quarantined += len(bad)
            good.clear()
            bad.clear()
            texts.clear()
            if progress is not None:
                done = min(hashing.bytes_read, total)
                progress(ImportProgress(done, total, summary.rows_read, time.monotonic() - started))

        batch_size = self.batch_size
        for raw in raws:
            summary.rows_read += len(raw.lines) or 1
            reason = raw.error
            if reason is None:
                try:
                    good.append((raw.line, flat_record(raw.fields)))
                    texts[raw.line] = raw.text
                except RecordError as exc:
                    reason = str(exc)
                except RecursionError:  # a value nested just shallow enough for the JSON reader
                    reason = "a value is nested too deeply to read"
            if reason is not None:
                fault = _fault_line(raw, reason)
                # A CSV item spans rows: all of them go to quarantine, so no half item is cached.
                for n in raw.lines or (raw.line,):
                    why = (
                        reason
                        if n == fault
                        else f"part of the item whose line {fault} was rejected: {reason}"
                    )
                    bad.append((n, raw.text, why))
            if len(good) + len(bad) >= batch_size:
                flush()
        flush()
