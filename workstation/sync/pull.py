"""What the bench takes from the hub: the officer directory and the reference data, page by page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from workstation.core.changes import Changes
from workstation.store.officer_directory import apply_officer_directory
from workstation.store.records import RecordsStore
from workstation.sync.errors import CursorExpired, SyncError

log = logging.getLogger(__name__)

MAX_REFERENCE_LIMIT = 5000
# A directory or feed larger than this many pages in one pull is a hub answering in a loop.
MAX_PAGES = 100_000


class OfficerPageLike(Protocol):
    @property
    def officers(self) -> Sequence[Any]: ...
    @property
    def cursor(self) -> str: ...


class ReferencePageLike(Protocol):
    @property
    def records(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def cursor(self) -> str: ...
    @property
    def more(self) -> bool: ...
    @property
    def etag(self) -> str | None: ...


class OfficerClient(Protocol):
    url: str  # the hub: the directory's cursor is kept per hub

    def officers(self, cursor: str) -> OfficerPageLike: ...


class ReferenceClient(Protocol):
    def reference(
        self, cursor: str, limit: int = ..., etag: str | None = ...
    ) -> ReferencePageLike | None: ...


@dataclass(frozen=True)
class OfficersPulled:
    """Officers added or changed from the hub's directory, entries refused, and the cursor now."""

    changed: tuple[str, ...]
    refused: tuple[str, ...]
    cursor: str
    changes: Changes


def pull_officers(store: RecordsStore, client: OfficerClient, bench_id: str) -> OfficersPulled:
    """Take the hub's officer directory since the kept cursor; each page in one transaction.

    The hub answers one page per cursor; the pull asks again until the cursor stops moving.
    """
    state = store.sync_state
    cursor = state.officer_cursor(client.url)
    changed: list[str] = []
    refused: list[str] = []
    changes = Changes()
    for _ in range(MAX_PAGES):
        page = client.officers(cursor)
        if not page.officers and page.cursor == cursor:
            break
        applied = apply_officer_directory(store, state, page.officers, str(page.cursor), bench_id, client.url)
        changed.extend(applied.changed)
        refused.extend(applied.refused)
        changes |= applied.changes
        if page.cursor == cursor:
            break
        cursor = str(page.cursor)
    return OfficersPulled(tuple(changed), tuple(refused), cursor, changes)


# apply_page(records, cursor, etag): writes one page and its cursor in one transaction.
ApplyPage = Callable[[Sequence[Mapping[str, Any]], str, str | None], object]


@dataclass(frozen=True)
class ReferencePulled:
    records: int
    pages: int
    cursor: str
    etag: str | None
    restarted: bool  # the cursor had expired: a full re-sync from 0
    complete: bool = True  # False: stopped after `max_pages` with more at the hub


def pull_reference(
    client: ReferenceClient,
    cursor: str,
    etag: str | None,
    apply_page: ApplyPage,
    *,
    limit: int = MAX_REFERENCE_LIMIT,
    max_pages: int = MAX_PAGES,
) -> ReferencePulled:
    """Page the hub's reference data from `cursor` into `apply_page` until the hub has no more now.

    A 304 (nothing changed since `etag`) ends it at once. An expired cursor starts again from 0
    (the hub's rows overwrite the bench's, they do not duplicate them); twice in a row is an error.
    """
    if not 1 <= limit <= MAX_REFERENCE_LIMIT:
        raise ValueError(f"a reference page holds 1 to {MAX_REFERENCE_LIMIT} records, not {limit}")
    records = pages = 0
    restarted = False
    expired_here = False
    complete = True
    # The next page is fetched while this one is written: the network and the disk overlap.
    with ThreadPoolExecutor(1, thread_name_prefix="workstation-reference-fetch") as pool:
        ahead: Future[ReferencePageLike | None] | None = None
        for _ in range(MAX_PAGES):
            try:
                page = ahead.result() if ahead is not None else client.reference(cursor, limit, etag)
            except CursorExpired:
                if expired_here:
                    raise SyncError("the hub says the reference cursor 0 has expired") from None
                log.warning("sync: reference cursor %s expired at the hub: a full re-sync from 0", cursor)
                cursor, etag, restarted, expired_here, ahead = "0", None, True, True, None
                continue
            ahead = None
            expired_here = False
            if page is None:
                break
            next_cursor, next_etag = str(page.cursor), page.etag
            if page.more and pages + 1 < max_pages:
                ahead = pool.submit(client.reference, next_cursor, limit, next_etag)
            apply_page(page.records, next_cursor, next_etag)
            records += len(page.records)
            pages += 1
            cursor, etag = next_cursor, next_etag
            if not page.more:
                break
            if pages >= max_pages:
                complete = False  # the rest in the next pull, from the cursor just kept
                break
    return ReferencePulled(records, pages, cursor, etag, restarted, complete)
