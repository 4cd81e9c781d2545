"""The facility lookouts a scan at this bench is matched against: the hub's and the bench's own.

The hub's arrive with the reference pull (the cache's `lookouts` table); the bench's own are
records in its records file, so a lookout a supervisor adds here flags scans at once, hub or
no hub. A removal known to either side ends the lookout.
"""

from __future__ import annotations

from datetime import datetime

from workstation.core.review import Lookout
from workstation.store.cache import ManifestCache
from workstation.store.records import RecordsStore


def live_lookouts(cache: ManifestCache, records: RecordsStore, now: datetime) -> list[Lookout]:
    """Every live lookout known here, once each: the bench's own first, then the hub's, newest first."""
    removed = records.removed_lookouts() | cache.removed_lookouts()
    found: dict[str, Lookout] = {}
    for lookout in (*records.lookouts(now), *cache.lookouts(now)):
        if lookout.id not in removed:
            found.setdefault(lookout.id, lookout)
    return list(found.values())


class LiveLookouts:
    """`live_lookouts`, kept in memory and read again only when either file changed.

    A scan is on the officer's critical path: reading and building every lookout on each one
    would cost milliseconds. The records' lookout tables are append-only, so their newest rowids
    say whether they changed; the cache's lookouts are written by the reference pull on another
    connection, which SQLite's `data_version` counts (and `total_changes` counts this one's own).
    Lookouts that expire after the list was read are dropped by the match, which checks the time.
    """

    def __init__(self, cache: ManifestCache, records: RecordsStore) -> None:
        self.cache = cache
        self.records = records
        self._key: tuple[object, ...] | None = None
        self._lookouts: list[Lookout] = []

    def _version(self) -> tuple[object, ...]:
        cache = self.cache.db.conn
        data_version = cache.execute("PRAGMA data_version").fetchone()[0]
        return (data_version, cache.total_changes, *self.records.lookout_version())

    def get(self, now: datetime) -> list[Lookout]:
        """The lookouts live at `now` or later (the caller's match checks each one's expiry)."""
        key = self._version()
        if key != self._key:
            self._lookouts = live_lookouts(self.cache, self.records, now)
            self._key = key
        return self._lookouts
