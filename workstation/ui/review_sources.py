"""Where the supervisor window reads from: the facility hub, or this bench's records under a banner.

A `SourceFactory` is called on the review lane's own thread (ui/tasks.py), so the source's
connections (a read-only SQLite connection, an HTTP client) belong to that thread. With a hub it
opens a review session with the supervisor's password and reads the hub; when the hub cannot be
reached (or refuses), it falls back to this bench's records and says why in the banner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workstation.core.review import ReviewSource
from workstation.store.db import CACHE_FILE, RECORDS_FILE
from workstation.sync.errors import HubRefused
from workstation.sync.rounds import HubTarget

log = logging.getLogger(__name__)

NO_HUB = "No hub configured: this bench's records only"


def hub_unreachable(reason: str) -> str:
    return f"Hub unreachable: showing this bench's records only ({reason})"


def hub_refused(reason: str) -> str:
    """The hub answered and said no (a wrong password, a badge it does not know as a supervisor)."""
    return f"The hub refused the facility records: showing this bench's records only ({reason})"


@dataclass
class SourceChoice:
    """The source the window reads, and the banner it shows over it (None: the hub, facility-wide)."""

    source: ReviewSource
    banner: str | None

    def close(self) -> None:
        closer = getattr(self.source, "close", None)
        if callable(closer):
            closer()


SourceFactory = Callable[[], SourceChoice]


def local_factory(data_dir: Path, bench_id: str, banner: str | None = NO_HUB) -> SourceFactory:
    """This bench's records file (and its cache, for the reconciliation), read-only."""

    def local() -> SourceChoice:
        from workstation.store.review_query import LocalReviewSource

        return SourceChoice(
            LocalReviewSource(data_dir / RECORDS_FILE, data_dir / CACHE_FILE, bench_id), banner
        )

    return local


def hub_factory(target: HubTarget, badge: str, password: str, data_dir: Path, bench_id: str) -> SourceFactory:
    """The hub's read endpoints as this supervisor; this bench's records when the hub fails."""

    def hub() -> SourceChoice:
        # httpx loads here, on the review lane, once a supervisor asks: not at the bench's start-up.
        from workstation.sync.review_client import HubReviewSource, open_review_session

        try:
            token = open_review_session(target, badge, password)
            return SourceChoice(HubReviewSource(target, token), None)
        except Exception as exc:  # any failure of the hub: the bench's own records, and why
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.warning("review: hub source unavailable, local records instead: %s", reason)
            banner = hub_refused(reason) if isinstance(exc, HubRefused) else hub_unreachable(reason)
            return local_factory(data_dir, bench_id, banner)()

    return hub
