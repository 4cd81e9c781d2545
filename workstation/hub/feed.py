"""Reference data from a feed file: the bench's own reader and validation, published as records.

Each valid record is published in the feed's record format (docs/feed-format.md) with its
tracking id normalised; its key is `item:TRACKINGID` or `risk:TRACKINGID` (a risk-only record).
A record that fails validation is counted and named, never published.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workstation.core.feed_record import RecordError, RiskRecord, flat_record
from workstation.store.feed_reading import MAX_LINE_BYTES, FeedReadError, check_text, reader_for

__all__ = ["FeedReadError", "FeedRecords", "feed_records"]


@dataclass
class FeedRecords:
    """The records of one feed, read lazily; counts fill in as they are read."""

    path: Path
    read: int = 0
    quarantined: int = 0
    first_problems: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        reader = reader_for(self.path.suffix)
        try:
            raw_file = io.FileIO(self.path, "rb")
        except OSError as exc:
            raise FeedReadError(f"cannot read {self.path}: {exc.strerror}") from exc
        with raw_file, io.BufferedReader(raw_file) as fh:
            check_text(fh.peek(64 * 1024)[: 64 * 1024], whole_file=False)
            for raw in reader(fh, MAX_LINE_BYTES):
                self.read += 1
                if raw.fields is None:
                    self._quarantine(raw.line, raw.error or "unreadable")
                    continue
                try:
                    rec = flat_record(raw.fields)
                except RecordError as exc:
                    self._quarantine(raw.line, str(exc))
                    continue
                kind = "risk" if isinstance(rec, RiskRecord) else "item"
                yield f"{kind}:{rec.tracking_id}", {**raw.fields, "tracking_id": rec.tracking_id}

    def _quarantine(self, line: int, reason: str) -> None:
        self.quarantined += 1
        if len(self.first_problems) < 10:
            self.first_problems.append(f"line {line}: {reason}")


def feed_records(path: Path) -> FeedRecords:
    return FeedRecords(path)
