"""What the services need from storage: the one write path, and the reads their rules depend on.

A fact is written whole or not at all: `write(fact)` inserts its rows (or changes an officer's
row), appends one audit entry per row, and adds the fact's one outbox message stamped with the
audit entry that closed it, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from workstation.core.messages import Message
from workstation.core.records import InspectionRecord, Officer
from workstation.core.review import Lookout, SeizureRef

# A column's value as the audit chain hashes it: text, numbers or NULL (booleans as 0/1, lists
# as JSON text). The row form is part of the chain, so both stores write the same values.
Value = str | int | float | None
M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class RecordRow:
    """A new row of an append-only record table; `values["id"]` names it."""

    table: str
    values: Mapping[str, Value]


@dataclass(frozen=True)
class OfficerRow:
    """An officer's row inserted (`insert`) or some of its columns set; hashes included here, never in messages."""

    badge: str
    values: Mapping[str, Value]
    insert: bool = False


@dataclass(frozen=True)
class Entry:
    """One audit entry: for a record row, for an officer row as it became, or for neither (an event)."""

    kind: str
    subject: RecordRow | OfficerRow | None = None
    detail: Mapping[str, Any] | str = ""


@dataclass(frozen=True)
class Fact(Generic[M]):
    """A fact as it is written: its audit entries (with their rows) and its one outbox message.

    The message's `audit_seq` and `audit_hash` are filled in by the writer from the last entry.
    """

    actor: str
    bench_id: str
    entries: tuple[Entry, ...]
    message: M


@dataclass(frozen=True)
class ShiftInfo:
    """A shift as the rules see it: whose it is, the officer as they are now, and how it ended."""

    shift_id: str
    officer: Officer
    ended: str | None  # how it ended ("signed out", "handed over to ..."), None while open


@dataclass(frozen=True)
class OpenShift:
    shift_id: str
    officer_badge: str
    started_at: datetime


@dataclass(frozen=True)
class InspectionInfo:
    """What the correction, void and countersign rules need to know about a record."""

    id: str
    tracking_id: str
    officer_badge: str
    current: bool  # neither superseded nor voided
    is_seizure: bool
    countersigned: bool


@dataclass(frozen=True)
class SeizureReview:
    """A countersignature or return for correction this bench's records hold for a seizure."""

    id: str
    seizure_id: str
    action: str  # countersign, return
    supervisor_badge: str
    at: str
    reason: str


@dataclass(frozen=True)
class LookoutInfo:
    """A lookout this bench's records hold, and whether it was removed here."""

    lookout: Lookout
    removed: bool


@dataclass(frozen=True)
class Credentials:
    officer: Officer
    password_hash: str
    pin_hash: str | None
    failed_count: int
    locked_until: datetime | None


class Writer(Protocol):
    """The one write path, the clock and the transaction every service uses."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction (nested calls join it); it takes the write lock first."""
        ...

    def write(self, fact: Fact[M]) -> M:
        """Write the fact's rows, their audit entries and its outbox message; return the stamped message."""
        ...

    def shift(self, shift_id: str) -> ShiftInfo | None: ...


class RecordsRepository(Writer, Protocol):
    def inspection_info(self, inspection_id: str) -> InspectionInfo | None: ...

    def known_photos(self, photo_ids: Sequence[str]) -> set[str]: ...

    def keep_photo_file(self, file_name: str, data: bytes) -> None:
        """Keep a photo's bytes durably under that name, before its record is written."""
        ...

    def get_inspection(self, inspection_id: str) -> InspectionRecord | None: ...

    def seizure_ref(self, seizure_id: str) -> SeizureRef | None:
        """This bench's seizure as a supervisor reviews it; None when it is not a seizure recorded here."""
        ...

    def seizure_reviews(self, seizure_id: str) -> list[SeizureReview]:
        """Countersignatures (old and new tables) and returns recorded here for a seizure, oldest first."""
        ...

    def lookout_info(self, lookout_id: str) -> LookoutInfo | None:
        """A lookout added at this bench (None for another bench's), and whether it was removed here."""
        ...

    def lookout_removed(self, lookout_id: str) -> bool:
        """Whether this bench's records hold a removal of that lookout (of this bench or another)."""
        ...


class OfficersRepository(Writer, Protocol):
    def credentials(self, badge: str) -> Credentials | None: ...

    def officers(self) -> list[Officer]: ...

    def has_officers(self) -> bool: ...

    def open_shifts(self, bench_id: str) -> list[OpenShift]:
        """The bench's open shifts, oldest first."""
        ...

    def count_failure(self, badge: str) -> int:
        """Add one to the badge's failed sign-ins in a row; return the new count."""
        ...

    def lock_out(self, badge: str, until: datetime) -> None:
        """Reset the count and lock the badge until then."""
        ...

    def clear_failures(self, badge: str) -> None: ...
