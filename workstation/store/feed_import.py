"""Feed import: stream a JSON Lines or CSV feed into the cache, quarantining what is unusable.

Memory stays flat: records are read one at a time and written in batches, each batch one
transaction. One bad record never stops the file; it goes to quarantine with its line number
and a reason a person can act on. Formats: docs/feed-format.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from workstation.core.feed_record import (
    ITEM_FIELDS,
    LINE_FIELDS,
    REQUIRED_ITEM_FIELDS,
    REQUIRED_LINE_FIELDS,
    RISK_FIELDS,
    ItemRecord,
    RecordError,
    RiskRecord,
    flat_record,
)
from workstation.store.cache import ManifestCache

MAX_RAW_TEXT = 10_000
Progress = Callable[["ImportProgress"], None]


class FeedReadError(Exception):
    """The file cannot be read at all (missing, unreadable, empty, wrong format, CSV header)."""


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Raw(NamedTuple):
    """One record as read: its first line number, raw text, and parsed fields or why it failed."""

    line: int
    text: str
    fields: dict[str, Any] | None
    error: str | None = None
    # CSV: the line numbers of every row of this item, for quarantining all of them together.
    lines: tuple[int, ...] = ()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _raw_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")[:MAX_RAW_TEXT]


def _read_jsonl(fh: io.BufferedReader) -> Iterator[_Raw]:
    for number, data in enumerate(fh, start=1):
        stripped = data.strip()
        if not stripped:
            continue
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield _Raw(
                number, _raw_text(stripped), None, f"not UTF-8 text (byte {exc.start + 1} of the line)"
            )
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(text) - 1 or exc.msg.startswith("Unterminated") or not data.endswith(b"\n")
            hint = "; the line looks cut off" if cut else ""
            yield _Raw(
                number, text[:MAX_RAW_TEXT], None, f"not valid JSON: {exc.msg} (column {exc.colno}){hint}"
            )
            continue
        if not isinstance(value, dict):
            yield _Raw(
                number, text[:MAX_RAW_TEXT], None, f"expected a JSON object, got {type(value).__name__}"
            )
            continue
        yield _Raw(number, text if len(text) <= MAX_RAW_TEXT else text[:MAX_RAW_TEXT], value)


_CSV_RISK = {f"risk_{name}": name for name in RISK_FIELDS}
_CSV_REQUIRED = set(REQUIRED_ITEM_FIELDS) | set(REQUIRED_LINE_FIELDS)


def _csv_rows(fh: io.BufferedReader) -> Iterator[tuple[int, str, dict[str, str] | None, str | None]]:
    """(line number, raw text, row, error) for every CSV row; checks the header first."""
    text = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise FeedReadError("the file is empty") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    if not any(h in _CSV_REQUIRED for h in header) and "tracking_id" not in header:
        raise FeedReadError(f"the first line is not a CSV header naming the columns (got {header[:5]!r})")
    risk_only = "tracking_id" in header and any(h in _CSV_RISK for h in header)
    missing = sorted(_CSV_REQUIRED - set(header))
    if missing and not (risk_only and not any(h in ITEM_FIELDS[1:] for h in header)):
        raise FeedReadError(f"the CSV header lacks the required column(s): {', '.join(missing)}")
    previous_end = reader.line_num
    for row in reader:
        start, previous_end = previous_end + 1, reader.line_num
        raw = ",".join(row).encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        if not any(cell.strip() for cell in row):
            continue
        if any("\udc80" <= ch <= "\udcff" for cell in row for ch in cell):
            yield start, raw, None, "not UTF-8 text"
        elif len(row) != len(header):
            yield start, raw, None, f"has {len(row)} fields where the header has {len(header)}"
        else:
            yield start, raw, dict(zip(header, row, strict=True)), None


def _csv_record(rows: list[dict[str, str]]) -> dict[str, Any]:
    """One item from its rows: item and risk fields from the first row, a content line per row."""
    first = rows[0]
    record: dict[str, Any] = {k: v for k, v in first.items() if k in ITEM_FIELDS and v != ""}
    risk = {name: first[col] for col, name in _CSV_RISK.items() if first.get(col, "") != ""}
    if risk:
        reasons = risk.get("reasons")
        if reasons:
            try:
                risk["reasons"] = json.loads(reasons)
            except json.JSONDecodeError:
                raise RecordError("risk_reasons: expected a JSON list of {code, text, weight}") from None
        record["risk"] = risk
    if any(row.get(f, "") != "" for row in rows for f in LINE_FIELDS):
        record["lines"] = [{f: row[f] for f in LINE_FIELDS if row.get(f, "") != ""} for row in rows]
    return record


def _read_csv(fh: io.BufferedReader) -> Iterator[_Raw]:
    group: list[tuple[int, str, dict[str, str]]] = []

    def flush() -> Iterator[_Raw]:
        if not group:
            return
        numbers = tuple(n for n, _, _ in group)
        text = "\n".join(t for _, t, _ in group)[:MAX_RAW_TEXT]
        try:
            yield _Raw(numbers[0], text, _csv_record([r for _, _, r in group]), lines=numbers)
        except RecordError as exc:
            yield _Raw(numbers[0], text, None, str(exc), lines=numbers)
        group.clear()

    for number, raw, row, error in _csv_rows(fh):
        if row is None:
            yield _Raw(number, raw, None, error)
            continue
        if group and group[0][2].get("tracking_id") != row.get("tracking_id"):
            yield from flush()
        group.append((number, raw, row))
    yield from flush()


def _reader_for(path: Path) -> Callable[[io.BufferedReader], Iterator[_Raw]]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _read_jsonl
    if suffix == ".csv":
        return _read_csv
    raise FeedReadError(f"unknown feed format '{suffix}': use .jsonl (JSON Lines) or .csv")


def _fault_line(raw: _Raw, reason: str) -> int:
    """For a multi-row CSV item, the row the reason is about (a content line), else its first row."""
    if len(raw.lines) > 1 and reason.startswith("lines["):
        return raw.lines[int(reason[6 : reason.index("]")])]
    return raw.line


class FeedImporter:
    """Imports feed files into one cache; remembers nothing between files but what the cache holds."""

    def __init__(self, cache: ManifestCache, batch_size: int = 5000) -> None:
        self.cache = cache
        self.batch_size = batch_size

    def _start_batch(self, path: Path, sha: str) -> int:
        cur = self.cache.db.conn.execute(
            "INSERT INTO feed_batches (file_name, sha256, started_at) VALUES (?, ?, ?)",
            (path.name, sha, datetime.now(UTC).isoformat(timespec="seconds")),
        )
        self.cache.db.conn.commit()
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _quarantine(self, batch_id: int, rows: list[tuple[int, str, str]]) -> None:
        with self.cache.db.atomic():
            self.cache.db.conn.executemany(
                "INSERT INTO quarantine (batch_id, line_number, raw_text, reason) VALUES (?, ?, ?, ?)",
                [(batch_id, line, text, reason) for line, text, reason in rows],
            )

    def already_imported(self, sha: str) -> bool:
        row = self.cache.db.conn.execute(
            "SELECT 1 FROM feed_batches WHERE sha256 = ? AND status = 'done' LIMIT 1", (sha,)
        ).fetchone()
        return row is not None

    def import_file(self, path: Path, progress: Progress | None = None) -> ImportSummary:
        started = time.monotonic()
        try:
            total = path.stat().st_size
            reader = _reader_for(path)
            sha = _sha256(path)
        except OSError as exc:
            raise FeedReadError(f"cannot read {path}: {exc.strerror}") from exc
        if total == 0:
            raise FeedReadError(f"{path} is empty: nothing to import")
        summary = ImportSummary(file=str(path), sha256=sha, batch_id=None)
        if self.already_imported(sha):
            summary.already_imported = True
            summary.seconds = time.monotonic() - started
            return summary
        conn = self.cache.db.conn
        with path.open("rb") as fh:
            batch_id = self._start_batch(path, sha)
            summary.batch_id = batch_id
            # The cache is rebuildable from its feeds: during the bulk load, commits need not wait
            # for the disk. A crash may lose the last batches (WAL keeps the file consistent), and
            # the file's batch stays 'running', so importing the file again redoes it.
            conn.execute("PRAGMA synchronous=OFF")
            try:
                self._run(reader(fh), fh, total, batch_id, summary, progress, started)
            except FeedReadError:
                conn.execute("UPDATE feed_batches SET status = 'failed' WHERE id = ?", (batch_id,))
                conn.commit()
                raise
            finally:
                conn.execute("PRAGMA synchronous=NORMAL")
        summary.seconds = time.monotonic() - started
        with self.cache.db.atomic():
            self.cache.db.conn.execute(
                "UPDATE feed_batches SET finished_at = ?, rows_read = ?, items_written = ?, "
                "risk_updates = ?, skipped = ?, quarantined = ?, status = 'done' WHERE id = ?",
                (
                    datetime.now(UTC).isoformat(timespec="seconds"),
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
        raws: Iterator[_Raw],
        fh: io.BufferedReader,
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
                done = fh.tell() if not fh.closed else total
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
