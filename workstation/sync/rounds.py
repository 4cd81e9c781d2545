"""One full sync round, as `workstation sync --once` and the bench's background sender run it.

Upload everything waiting (the sender), then take the officer directory (into the records file),
and send what taking it queued. The reference data goes into the cache separately
(`pull_reference_into`): on the bench that runs on the bulk-write lane, in a process of its own.
Qt-free; called from a worker thread or the command line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from workstation.core.changes import Changes
from workstation.store.cache import ManifestCache
from workstation.store.records import RecordsStore
from workstation.sync.errors import HubUnreachable, SyncError
from workstation.sync.pull import (
    MAX_PAGES,
    OfficerClient,
    ReferenceClient,
    ReferencePulled,
    pull_officers,
    pull_reference,
)
from workstation.sync.sender import RoundReport, Sender, UploadClient


class RoundClient(UploadClient, OfficerClient, Protocol):
    """What a round asks of the hub."""


@dataclass(frozen=True)
class FullRound:
    """What a round did: the upload's report (both passes together) and the officers it took."""

    report: RoundReport
    officers_pulled: int
    changes: Changes  # officer rows changed by the directory

    @property
    def error(self) -> SyncError | None:
        return self.report.error


def combined(first: RoundReport, second: RoundReport) -> RoundReport:
    """Two passes of the sender as one report (the second's state, both passes' counts)."""
    return dataclasses.replace(
        second,
        sent=first.sent + second.sent,
        duplicates=first.duplicates + second.duplicates,
        dead_lettered=first.dead_lettered + second.dead_lettered,
        photos_uploaded=first.photos_uploaded + second.photos_uploaded,
        batches=first.batches + second.batches,
        dead_letter_ids=first.dead_letter_ids + second.dead_letter_ids,
        skew_seconds=second.skew_seconds if second.skew_seconds is not None else first.skew_seconds,
        clock_warning=second.clock_warning or first.clock_warning,
    )


def full_round(sender: Sender, store: RecordsStore, client: RoundClient, bench_id: str) -> FullRound:
    """Upload, then the officer directory, then upload what the directory queued; never raises SyncError."""
    report = sender.round()
    if report.error is not None:
        return FullRound(report, 0, Changes())
    try:
        pulled = pull_officers(store, client, bench_id)
    except SyncError as exc:
        store.sync_state.failed(str(exc), offline=isinstance(exc, HubUnreachable))
        return FullRound(dataclasses.replace(report, error=exc), 0, Changes())
    if store.outbox.count():
        # Applying the directory queued its own audit message: send it in this round too.
        report = combined(report, sender.round())
    return FullRound(report, len(pulled.changed), pulled.changes)


def pull_reference_into(
    cache: ManifestCache, client: ReferenceClient, hub: str, *, max_pages: int = MAX_PAGES
) -> ReferencePulled:
    """The hub's reference data into the cache from where the cache left off, each page with its cursor."""
    cursor, etag = cache.reference_cursor(hub)

    def apply_page(records: Sequence[Mapping[str, Any]], cursor: str, etag: str | None) -> object:
        return cache.apply_reference_page(records, cursor, hub, etag)

    # One page cache for the whole pull: the tracking-id indexes stay in memory between pages.
    with cache.bulk_writes():
        return pull_reference(client, cursor, etag, apply_page, max_pages=max_pages)


@dataclass(frozen=True)
class HubTarget:
    """Where a bench syncs: the hub's address, this device's token, the CA its certificate must chain to."""

    url: str
    token: str
    ca_file: str | None = None
    # What the bench's reference cursor is kept under: the hub's address (the demo's hub gets a
    # new port every start, so it names itself instead).
    name: str = ""

    @property
    def key(self) -> str:
        return self.name or self.url

    @classmethod
    def from_settings(cls, url: str, token: str, ca_file: str) -> HubTarget | None:
        """The configured hub; None when the bench has none (no address, or no token yet)."""
        if not url or not token:
            return None
        return cls(url, token, ca_file or None)
