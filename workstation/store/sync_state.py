"""The sync's small state in the records file, and a copy of the hub's audit anchor beside it.

Key -> JSON value in `sync_state` (migration m005): when the last round succeeded, since when
the hub has been out of reach, the last error, the hub's audit anchor, the officer directory's
cursor. The anchor is also written to `sync-anchor.json` in the data directory (owner-only,
replaced atomically): whoever cuts the end off the audit chain can delete the row too, and
`audit verify` checks both copies (and the hub itself when it can reach it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from workstation.core.messages import utc_iso
from workstation.store.db import write_transaction
from workstation.store.photos import write_durably

ANCHOR_FILE = "sync-anchor.json"

LAST_SUCCESS = "last_success"
OFFLINE_SINCE = "offline_since"
LAST_ERROR = "last_error"
HUB_ANCHOR = "hub_anchor"
ANCHOR_PROBLEM = "anchor_problem"
OFFICER_CURSOR = "officer_cursor"
CLOCK_SKEW = "clock_skew_seconds"
PHOTO_PROBLEM = "photo_problem"


@dataclass(frozen=True)
class HubAnchor:
    """The newest audit entry the hub holds for this bench, and the hub's receipt for it."""

    seq: int
    hash: str
    receipt: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "receipt": self.receipt}

    @classmethod
    def from_dict(cls, raw: Any) -> HubAnchor | None:
        """The anchor a stored value holds; None for anything else (a damaged or foreign value)."""
        if not isinstance(raw, dict):
            return None
        seq, digest, receipt = raw.get("seq"), raw.get("hash"), raw.get("receipt", "")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0 or not isinstance(digest, str):
            return None
        return cls(seq, digest, receipt if isinstance(receipt, str) else "")


@dataclass(frozen=True)
class SyncStatus:
    """The sync as the scan bar and `sync status` show it."""

    last_success: datetime | None
    offline_since: datetime | None
    last_error: str | None
    anchor: HubAnchor | None
    anchor_problem: str | None
    clock_skew_seconds: float | None
    photo_problem: str | None = None  # the latest photo that could not be uploaded, and why


def _text(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


def _time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


class SyncState:
    """The sync's own state: read and written by the sender, read by `sync status` and `audit verify`."""

    def __init__(self, db: Database, data_dir: Path, now: Callable[[], datetime]) -> None:
        self.db = db
        self.data_dir = data_dir
        self._now = now

    # -- key / value ----------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        row = self.db.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def set(self, values: dict[str, Any]) -> None:
        """Set these keys (a None value removes the key), in one transaction."""
        with write_transaction(self.db):
            for key, value in values.items():
                if value is None:
                    self.db.conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
                else:
                    self.db.conn.execute(
                        "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, json.dumps(value, sort_keys=True)),
                    )

    # -- what a round leaves behind -------------------------------------------------------------

    def succeeded(self, skew_seconds: float | None) -> None:
        """A round reached the hub and finished: online again, no error."""
        self.set(
            {
                LAST_SUCCESS: utc_iso(self._now()),
                OFFLINE_SINCE: None,
                LAST_ERROR: None,
                CLOCK_SKEW: skew_seconds,
            }
        )

    def failed(self, error: str, *, offline: bool) -> None:
        """A round failed; `offline` when the hub could not be reached (the start of it is kept)."""
        values: dict[str, Any] = {LAST_ERROR: error}
        if offline and self.get(OFFLINE_SINCE) is None:
            values[OFFLINE_SINCE] = utc_iso(self._now())
        self.set(values)

    def status(self) -> SyncStatus:
        skew = self.get(CLOCK_SKEW)
        problem = self.get(ANCHOR_PROBLEM)
        error = self.get(LAST_ERROR)
        return SyncStatus(
            _time(self.get(LAST_SUCCESS)),
            _time(self.get(OFFLINE_SINCE)),
            error if isinstance(error, str) else None,
            HubAnchor.from_dict(self.get(HUB_ANCHOR)),
            problem if isinstance(problem, str) else None,
            float(skew) if isinstance(skew, int | float) and not isinstance(skew, bool) else None,
            _text(self.get(PHOTO_PROBLEM)),
        )

    def photo_problem(self, problem: str) -> None:
        """A photo whose record went up without it (its file is gone or no longer matches)."""
        self.set({PHOTO_PROBLEM: problem})

    # -- the hub's anchor -----------------------------------------------------------------------

    def anchor(self) -> HubAnchor | None:
        """The hub's anchor as the records file holds it."""
        return HubAnchor.from_dict(self.get(HUB_ANCHOR))

    def file_anchor(self) -> HubAnchor | None:
        """The hub's anchor as the copy beside the records file holds it."""
        try:
            raw = json.loads((self.data_dir / ANCHOR_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return HubAnchor.from_dict(raw)

    def store_anchor(self, anchor: HubAnchor) -> None:
        """Keep the hub's anchor in the records file and in the copy beside it (the copy first).

        The copy never moves back: a lower sequence than the copy holds (the hub's database
        restored from a backup) changes the row, and the copy keeps the highest anchor seen.
        """
        kept = self.file_anchor()
        if kept is None or anchor.seq >= kept.seq:
            text = json.dumps({**anchor.as_dict(), "at": utc_iso(self._now())}, sort_keys=True)
            write_durably(self.data_dir, ANCHOR_FILE, text.encode("utf-8"))
        self.set({HUB_ANCHOR: anchor.as_dict()})

    def anchor_problem(self, problem: str | None) -> None:
        """Record (or clear, with None) what is wrong between the hub's anchor and the local chain."""
        self.set({ANCHOR_PROBLEM: problem})

    # -- the officer directory ------------------------------------------------------------------

    def _officer_cursors(self) -> dict[str, str]:
        kept = self.get(OFFICER_CURSOR)
        if isinstance(kept, str):  # kept before cursors were per hub
            return {"": kept}
        if isinstance(kept, dict):
            return {str(k): v for k, v in kept.items() if isinstance(v, str)}
        return {}

    def officer_cursor(self, hub: str = "") -> str:
        """Where this bench's copy of `hub`'s officer directory stands ("0": nothing taken yet).

        Per hub: a bench moved to another (or a rebuilt) hub takes that hub's whole directory."""
        return self._officer_cursors().get(hub, "0")

    def set_officer_cursor(self, cursor: str, hub: str = "") -> None:
        self.set({OFFICER_CURSOR: {**self._officer_cursors(), hub: cursor}})
