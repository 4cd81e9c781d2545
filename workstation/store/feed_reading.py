"""Reading a feed file: bytes to records, whatever the file holds, in bounded memory.

Every byte read goes through a SHA-256, so that the import can record the hash of what it
actually read (a file may change while it is read). Lines are read with a length limit: a
longer line is skipped in small pieces and reported, never held whole. A line that cannot be
read (not UTF-8, not JSON, nested too deeply, not CSV, a NUL byte) becomes a record with an
error instead of an exception, so one hostile line never stops the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, Protocol

from workstation.core.feed_record import (
    ITEM_FIELDS,
    LINE_FIELDS,
    REQUIRED_ITEM_FIELDS,
    REQUIRED_LINE_FIELDS,
    RISK_FIELDS,
    RecordError,
)

MAX_RAW_TEXT = 10_000
# A record with many content lines of long text stays well under this; a longer line is quarantined.
MAX_LINE_BYTES = 1 << 20
# How much of the start of a file is looked at to tell text from binary.
SNIFF_BYTES = 64 * 1024
_SKIP_PIECE = 64 * 1024


class LineSource(Protocol):
    """What the readers need of a file: lines of bytes, at most `size` at a time."""

    def readline(self, size: int | None = -1, /) -> bytes: ...


class FeedReadError(Exception):
    """The file cannot be read at all (missing, unreadable, empty, wrong format, CSV header)."""


class NotTextError(FeedReadError):
    """The file is not text: binary, compressed, or in another encoding than UTF-8."""


class Raw(NamedTuple):
    """One record as read: its first line number, raw text, and parsed fields or why it failed."""

    line: int
    text: str
    fields: dict[str, Any] | None
    error: str | None = None
    # CSV: the line numbers of every row of this item, for quarantining all of them together.
    lines: tuple[int, ...] = ()


class HashingFile(io.RawIOBase):
    """A raw file that hashes every byte handed out, and knows whether it reached the end."""

    def __init__(self, raw: io.RawIOBase) -> None:
        super().__init__()
        self._raw = raw
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        self.reached_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n: int | None = self._raw.readinto(buffer)
        if not n:
            self.reached_end = True
            return 0
        self.digest.update(memoryview(buffer)[:n])
        self.bytes_read += n
        return n

    def fileno(self) -> int:
        return self._raw.fileno()


def _not_text(line: bytes) -> str | None:
    """Why one line is not UTF-8 text (a NUL, or bytes that are not UTF-8), or None."""
    nul = line.find(b"\x00")
    if nul >= 0:
        return f"a NUL byte at byte {nul + 1}"
    try:
        # Incremental: the last line of the block may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(line, final=False)
    except UnicodeDecodeError as exc:
        return f"bytes that are not UTF-8 at byte {exc.start + 1}"
    return None


def check_text(block: bytes, whole_file: bool) -> None:
    """Refuse a file whose first block is not text; one bad line among good ones is only quarantined.

    A feed's first line (a record or the CSV header) is text; a binary or compressed file has
    NUL bytes or bytes that are not UTF-8 on most of its lines, the first almost always.
    """
    lines = block.split(b"\n")
    if not whole_file and len(lines) > 1:
        lines.pop()  # cut at the block's end: judged by the lines before it
    problems = [_not_text(line) for line in lines]
    hint = "feeds are UTF-8 text; is it a binary or compressed file?"
    if problems[0] is not None:
        raise NotTextError(f"not a text file: the first line holds {problems[0]}; {hint}")
    bad = [(i, why) for i, why in enumerate(problems) if why is not None]
    if len(lines) > 2 and 2 * len(bad) >= len(lines):
        i, why = bad[0]
        raise NotTextError(
            f"not a text file: {len(bad)} of its first {len(lines)} lines are not text "
            f"(line {i + 1} holds {why}); {hint}"
        )


def _raw_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")[:MAX_RAW_TEXT]


def _too_long(length: int, max_bytes: int) -> str:
    return f"line longer than {max_bytes:,} bytes ({length:,} bytes): not read"


def bounded_lines(fh: LineSource, max_bytes: int) -> Iterator[tuple[int, bytes, int]]:
    """(line number, line, length) for every line; a line over `max_bytes` comes cut, its full length given."""
    readline = fh.readline
    number = 0
    while data := readline(max_bytes + 1):
        number += 1
        length = len(data)
        if length > max_bytes:
            # Skip the rest in pieces: memory stays bounded whatever the line's length.
            piece = data
            while piece and not piece.endswith(b"\n"):
                piece = readline(_SKIP_PIECE)
                length += len(piece)
            data = data[:MAX_RAW_TEXT]
        yield number, data, length


# The decoder's scanner: json.loads' own, C when the interpreter has it (not in typeshed).
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _json_object(text: str) -> Any:
    """json.loads(text) for a line without white space around it, without json.loads' wrapping.

    The C scanner that json.loads calls, called directly; anything it does not read whole (an
    error, something after the value) is read again by json.loads, for its own error.
    """
    try:
        value, end = _scan_once(text, 0)
    except (StopIteration, ValueError):
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value


def read_jsonl(fh: LineSource, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Raw]:
    for number, data, length in bounded_lines(fh, max_bytes):
        if length > max_bytes:
            yield Raw(number, _raw_text(data), None, _too_long(length, max_bytes))
            continue
        stripped = data.strip()
        if not stripped:
            continue
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Raw(number, _raw_text(stripped), None, f"not UTF-8 text (byte {exc.start + 1} of the line)")
            continue
        try:
            value = _json_object(text)
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(text) - 1 or exc.msg.startswith("Unterminated") or not data.endswith(b"\n")
            hint = "; the line looks cut off" if cut else ""
            yield Raw(
                number, text[:MAX_RAW_TEXT], None, f"not valid JSON: {exc.msg} (column {exc.colno}){hint}"
            )
            continue
        except RecursionError:
            yield Raw(number, text[:MAX_RAW_TEXT], None, "not valid JSON: nested too deeply to read")
            continue
        if not isinstance(value, dict):
            yield Raw(
                number, text[:MAX_RAW_TEXT], None, f"expected a JSON object, got {type(value).__name__}"
            )
            continue
        yield Raw(number, text if len(text) <= MAX_RAW_TEXT else text[:MAX_RAW_TEXT], value)


_CSV_RISK = {f"risk_{name}": name for name in RISK_FIELDS}
_CSV_REQUIRED = set(REQUIRED_ITEM_FIELDS) | set(REQUIRED_LINE_FIELDS)


class _CsvLines:
    """The file's lines as text for csv.reader, remembering which were too long to hand over."""

    def __init__(self, fh: LineSource, max_bytes: int) -> None:
        self._lines = bounded_lines(fh, max_bytes)
        self.max_bytes = max_bytes
        self.too_long: dict[int, int] = {}  # line number -> length

    def __iter__(self) -> Iterator[str]:
        for number, data, length in self._lines:
            if length > self.max_bytes:
                self.too_long[number] = length
                yield "\n"  # keeps csv.reader's line count; the row is refused below
                continue
            yield data.decode("utf-8", errors="surrogateescape")


def _csv_rows(
    fh: LineSource, max_bytes: int
) -> Iterator[tuple[int, int, str, dict[str, str] | None, str | None]]:
    """(first line, last line, raw text, row, error) for every CSV row; checks the header first."""
    source = _CsvLines(fh, max_bytes)
    reader = csv.reader(source)
    try:
        header = next(reader)
    except StopIteration:
        raise FeedReadError("the file is empty") from None
    except csv.Error as exc:
        raise FeedReadError(f"the CSV header cannot be read: {exc}") from None
    if source.too_long:
        raise FeedReadError(f"the CSV header is on a {_too_long(max(source.too_long.values()), max_bytes)}")
    header = [h.strip().lstrip("\ufeff") for h in header]
    if not any(h in _CSV_REQUIRED for h in header) and "tracking_id" not in header:
        raise FeedReadError(f"the first line is not a CSV header naming the columns (got {header[:5]!r})")
    risk_only = "tracking_id" in header and any(h in _CSV_RISK for h in header)
    missing = sorted(_CSV_REQUIRED - set(header))
    if missing and not (risk_only and not any(h in ITEM_FIELDS[1:] for h in header)):
        raise FeedReadError(f"the CSV header lacks the required column(s): {', '.join(missing)}")
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, previous_end = previous_end + 1, reader.line_num
            yield start, previous_end, "", None, f"not valid CSV: {exc}"
            continue
        start, previous_end = previous_end + 1, reader.line_num
        raw = ",".join(row).encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        long_lines = [n for n in range(start, previous_end + 1) if n in source.too_long]
        if long_lines:
            yield (
                start,
                previous_end,
                raw[:MAX_RAW_TEXT],
                None,
                _too_long(source.too_long.pop(long_lines[0]), max_bytes),
            )
            for n in long_lines[1:]:
                source.too_long.pop(n)
        elif not any(cell.strip() for cell in row):
            continue
        elif any("\udc80" <= ch <= "\udcff" for cell in row for ch in cell):
            yield start, previous_end, raw, None, "not UTF-8 text"
        elif "\x00" in raw:
            column = next(i for i, cell in enumerate(row) if "\x00" in cell)
            name = f" ({header[column]})" if column < len(header) else ""
            yield (
                start,
                previous_end,
                raw.replace("\x00", "\\x00"),
                None,
                f"field {column + 1}{name} holds a NUL byte",
            )
        elif len(row) != len(header):
            yield start, previous_end, raw, None, f"has {len(row)} fields where the header has {len(header)}"
        else:
            yield start, previous_end, raw, dict(zip(header, row, strict=True)), None


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
            except (json.JSONDecodeError, RecursionError):
                raise RecordError("risk_reasons: expected a JSON list of {code, text, weight}") from None
        record["risk"] = risk
    if any(row.get(f, "") != "" for row in rows for f in LINE_FIELDS):
        record["lines"] = [{f: row[f] for f in LINE_FIELDS if row.get(f, "") != ""} for row in rows]
    return record


def read_csv(fh: LineSource, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Raw]:
    group: list[tuple[int, str, dict[str, str]]] = []

    def flush() -> Iterator[Raw]:
        if not group:
            return
        numbers = tuple(n for n, _, _ in group)
        text = "\n".join(t for _, t, _ in group)[:MAX_RAW_TEXT]
        try:
            yield Raw(numbers[0], text, _csv_record([r for _, _, r in group]), lines=numbers)
        except RecordError as exc:
            yield Raw(numbers[0], text, None, str(exc), lines=numbers)
        group.clear()

    for first, _last, raw, row, error in _csv_rows(fh, max_bytes):
        if row is None:
            yield Raw(first, raw, None, error)
            continue
        if group and group[0][2].get("tracking_id") != row.get("tracking_id"):
            yield from flush()
        group.append((first, raw, row))
    yield from flush()


Reader = Callable[[LineSource, int], Iterator[Raw]]


def reader_for(suffix: str) -> Reader:
    suffix = suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return read_jsonl
    if suffix == ".csv":
        return read_csv
    raise FeedReadError(f"unknown feed format '{suffix}': use .jsonl (JSON Lines) or .csv")
