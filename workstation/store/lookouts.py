"""The facility lookouts a scan at this bench is matched against: the hub's and the bench's own.

The hub's arrive with the reference pull (the cache's `lookouts` table); the bench's own are
records in its records file, so a lookout a supervisor adds here flags scans at once, hub or
no hub. A removal known to either side ends the lookout. Both tables are small and read per scan.
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
