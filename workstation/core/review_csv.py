"""The shift log as CSV: written by the window and `workstation report shift --format csv`, read back exactly.

The header is `LOG_COLUMNS` then `key`. Times are ISO 8601 UTC with microseconds, booleans
`true`/`false`, and an empty cell is None only in the optional columns (barcode, risk lane, risk
score); elsewhere it is the empty text it was (notes). A file that is not such a CSV is refused
with `Invalid`, each problem keyed by its line and column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from workstation.core.errors import Invalid
from workstation.core.records import Outcome
from workstation.core.review import LOG_COLUMNS, LogRow

CSV_COLUMNS = (*LOG_COLUMNS, "key")
OPTIONAL = frozenset({"barcode", "risk_lane", "risk_score"})
BOOLEANS = frozenset({"targeted", "seizure", "detention", "countersigned", "corrected"})
# Text that must not be empty: what identifies a record and where it was made.
REQUIRED_TEXT = frozenset({"id", "tracking_id", "officer_badge", "bench_id"})
_OUTCOMES = frozenset(o.value for o in Outcome)
MAX_REPORTED = 20  # problems named in one refusal: enough to see the pattern, short enough to read


def _cell(row: LogRow, column: str) -> str:
    value = getattr(row, column)
    if value is None:
        if column not in OPTIONAL:
            raise ValueError(f"row {row.key}: {column} is empty but not optional")
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"row {row.key}: {column} has no time zone")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def write_log_csv(rows: Iterable[LogRow], fh: TextIO) -> int:
    """Write the rows (header first); returns how many rows. Open `fh` with newline=""."""
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_cell(row, c) for c in CSV_COLUMNS])
        count += 1
    return count


def _time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return at.astimezone(UTC)


def _integer(text: str) -> int:
    if not text.lstrip("-").isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{text!r}: expected true or false")
    return text == "true"


def _outcome(text: str) -> str:
    if text not in _OUTCOMES:
        raise ValueError(f"{text!r} is not an outcome ({', '.join(sorted(_OUTCOMES))})")
    return text


def _text(text: str) -> str:
    return text


def _parser(column: str) -> Callable[[str], Any]:
    if column in BOOLEANS:
        return _boolean
    if column in ("key", "risk_score"):
        return _integer
    if column == "at":
        return _time
    if column == "outcome":
        return _outcome
    return _text


_PARSERS = {c: _parser(c) for c in CSV_COLUMNS}


def read_log_csv(fh: TextIO) -> list[LogRow]:
    """The rows of a shift-log CSV; Invalid keyed "line N, column NAME" for each problem found."""
    reader = csv.reader(fh)
    errors: dict[str, str] = {}
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise Invalid({"line 1": f"not a CSV file ({exc})"}) from None
    if header is None:
        raise Invalid({"line 1": "the file is empty: expected the header " + ",".join(CSV_COLUMNS)})
    if tuple(header) != CSV_COLUMNS:
        for n, (got, want) in enumerate(zip(header, CSV_COLUMNS, strict=False), start=1):
            if got != want:
                raise Invalid(
                    {f"line 1, column {n}": f"expected {want!r}, found {got!r}: not a shift-log CSV"}
                )
        missing = CSV_COLUMNS[len(header) :]
        what = (
            f"missing {', '.join(missing)}"
            if missing
            else f"unexpected {', '.join(header[len(CSV_COLUMNS) :])}"
        )
        raise Invalid({"line 1": f"{what}: not a shift-log CSV"})
    rows: list[LogRow] = []
    line = reader.line_num + 1  # where the next row starts (a quoted cell may span lines)
    try:
        for cells in reader:
            if len(cells) != len(CSV_COLUMNS):
                errors[f"line {line}"] = f"{len(cells)} cells, expected {len(CSV_COLUMNS)}"
            else:
                row = _row(cells, line, errors)
                if row is not None:
                    rows.append(row)
            if len(errors) >= MAX_REPORTED:
                break
            line = reader.line_num + 1
    except csv.Error as exc:
        errors[f"line {line}"] = f"not valid CSV ({exc})"
    if errors:
        raise Invalid(errors)
    return rows


def _row(cells: list[str], line: int, errors: dict[str, str]) -> LogRow | None:
    values: dict[str, Any] = {}
    ok = True
    for column, text in zip(CSV_COLUMNS, cells, strict=True):
        where = f"line {line}, column {column}"
        if text == "" and column in OPTIONAL:
            values[column] = None
            continue
        if text == "" and (column in REQUIRED_TEXT or _PARSERS[column] is not _text):
            errors[where] = "empty, and it is required"
            ok = False
            continue
        try:
            values[column] = _PARSERS[column](text)
        except ValueError as exc:
            errors[where] = str(exc)
            ok = False
    return LogRow(**values) if ok else None
