"""Where the hub keeps everything: one Protocol, two engines chosen by the database URL.

`postgresql://...` is the facility hub (psycopg 3, a connection pool per process, any number of
hub processes on one database); `sqlite:///path` is the one-site demo (one process, one write
lock). Both apply their numbered migrations at open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from workstation.core.audit import AuditEntry
from workstation.hub.model import Anchor, Incoming, Page, UploadOutcome
from workstation.store.officer_directory import DirectoryOfficer

REFERENCE_PAGE_MAX = 5000

T = TypeVar("T")
# A DB-API-like query runner: SQL in the storage's dialect and its parameters -> the rows.
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class PhotoState:
    """What the hub holds of a photo: `held` bytes of `size`, and whether it is whole and checked."""

    held: int
    size: int | None
    complete: bool


@dataclass(frozen=True)
class PhotoOutcome:
    status: str  # complete, partial, offset_mismatch, hash_mismatch
    held: int
    size: int


class HubStorage(Protocol):
    """Everything the hub's routes and commands need of the database; each call is one transaction."""

    @property
    def url(self) -> str: ...

    @property
    def dialect(self) -> Dialect:
        """The SQL its `review_read` runs: "postgresql" (%s parameters) or "sqlite" (?)."""
        ...

    def close(self) -> None: ...

    # devices
    def device_for(self, token_sha256: str) -> str | None: ...
    def add_device(self, name: str, token_sha256: str) -> None: ...
    def revoke_device(self, name: str) -> None: ...

    # events and anchors
    def upload(
        self, bench: str, events: Sequence[Incoming], audit: Sequence[AuditEntry]
    ) -> UploadOutcome: ...
    def anchor(self, bench: str) -> Anchor: ...
    def audit_entries(self, bench: str) -> list[AuditEntry]: ...
    def bench_problems(self, bench: str) -> list[tuple[str, str]]: ...
    def hub_secret(self) -> str: ...

    # reference data
    def publish_reference(
        self, records: Iterable[tuple[str, dict[str, Any]]], chunk_size: int = 5000
    ) -> int: ...
    def withdraw_reference(self, keys: Iterable[str]) -> int: ...
    def reference_page(self, cursor: int, limit: int, horizon: int | None = None) -> Page:
        """Rows after `cursor`; CursorExpired when `horizon` (None: a start from 0) is not the hub's."""
        ...

    # officers
    def officer(self, badge: str) -> DirectoryOfficer | None: ...
    def save_officer(
        self,
        badge: str,
        name: str,
        role: str,
        active: bool,
        password_hash: str,
        pin_hash: str | None,
        *,
        new: bool = False,
    ) -> DirectoryOfficer:
        """Add or change an officer; with `new`, only add (Conflict when the badge exists), in one statement."""
        ...

    def officers_since(self, version: int) -> list[DirectoryOfficer]: ...

    # the supervisor review: the projection of accepted events (workstation/hub/projection.py)
    def review_read(self, work: Callable[[Execute], T]) -> T:
        """Run `work` with a query runner inside one read-only transaction (one consistent snapshot)."""
        ...

    # photos
    def photo_state(self, sha256: str) -> PhotoState: ...
    def append_photo(self, sha256: str, offset: int, size: int, data: bytes) -> PhotoOutcome: ...


def shown_url(url: str) -> str:
    """The database URL without its password, for logs and the `listening` line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def open_storage(url: str) -> HubStorage:
    """The storage for a database URL, migrated; ValueError for a URL of another kind."""
    if url.startswith(("postgresql://", "postgres://")):
        from workstation.hub.postgres import PostgresStorage

        return PostgresStorage(url)
    if url.startswith("sqlite:///"):
        from workstation.hub.sqlite import SqliteStorage

        return SqliteStorage(url)
    raise ValueError(f"unknown database URL {shown_url(url)!r}: use postgresql://... or sqlite:///PATH")
