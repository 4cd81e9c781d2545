"""The hub's officer directory applied to the bench's officers, so an officer signs in at any bench.

A page of the hub's directory is written in one transaction through the one write path: one
audit entry per officer row it adds or changes (kind `officer_synced`, with the hub's version),
and the directory's cursor. Echo: the fact's one outbox message is a `SecurityEvent`
(`officer_directory_applied`: how many rows, the cursor), never an `OfficerChanged`, so what the
bench took from the hub does not go back as an officer change for the hub to apply; and a page
that changes nothing writes nothing at all. Officers the hub does not list (added at this bench)
stay as they are. A bench without a hub never calls this.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workstation.core.badge import is_valid_badge, shown_badge
from workstation.core.changes import Changes
from workstation.core.messages import JsonScalar, SecurityEvent
from workstation.core.records import Role
from workstation.core.services.records import iso, new_id
from workstation.core.services.repository import Entry, Fact, OfficerRow, Value
from workstation.store.records import RecordsStore
from workstation.store.sync_state import SyncState

log = logging.getLogger(__name__)

SYNCED_KIND = "officer_synced"
APPLIED_EVENT = "officer_directory_applied"
_FIELDS = ("name", "role", "active", "password_hash", "pin_hash")


@dataclass(frozen=True)
class DirectoryOfficer:
    """One officer as the hub's directory holds them (Argon2id hashes, as the bench stores them):
    what the hub stores and sends, and what the bench applies."""

    badge: str
    name: str
    role: str
    active: bool
    password_hash: str
    pin_hash: str | None
    version: int

    def as_dict(self) -> dict[str, Any]:
        """As the hub sends it (`from_wire` reads it back)."""
        return {
            "badge": self.badge,
            "name": self.name,
            "role": self.role,
            "active": self.active,
            "password_hash": self.password_hash,
            "pin_hash": self.pin_hash,
            "version": self.version,
        }

    @classmethod
    def from_wire(cls, raw: Any) -> DirectoryOfficer:
        """From a mapping or an object with these attributes; ValueError naming the field."""

        def field(name: str) -> Any:
            if isinstance(raw, dict):
                if name not in raw:
                    raise ValueError(f"officer directory entry: '{name}' is missing")
                return raw[name]
            if not hasattr(raw, name):
                raise ValueError(f"officer directory entry: '{name}' is missing")
            return getattr(raw, name)

        badge, name, role = field("badge"), field("name"), field("role")
        active, pw, pin, version = (
            field("active"),
            field("password_hash"),
            field("pin_hash"),
            field("version"),
        )
        if not isinstance(badge, str) or not is_valid_badge(badge):
            raise ValueError("officer directory entry: 'badge' is not a valid badge")
        where = f"officer directory entry {shown_badge(badge)}"
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: 'name' must be text")
        if role not in {r.value for r in Role}:
            raise ValueError(f"{where}: 'role' {role!r} is not one of officer, supervisor, admin")
        if not isinstance(active, bool):
            raise ValueError(f"{where}: 'active' must be true or false")
        if not isinstance(pw, str) or not pw.startswith("$argon2"):
            raise ValueError(f"{where}: 'password_hash' is not an Argon2 hash")
        if pin is not None and (not isinstance(pin, str) or not pin.startswith("$argon2")):
            raise ValueError(f"{where}: 'pin_hash' is not an Argon2 hash")
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValueError(f"{where}: 'version' must be a whole number")
        return cls(badge, name, role, active, pw, pin, version)

    def values(self) -> dict[str, Value]:
        return {
            "name": self.name,
            "role": self.role,
            "active": int(self.active),
            "password_hash": self.password_hash,
            "pin_hash": self.pin_hash,
        }


@dataclass(frozen=True)
class DirectoryApplied:
    """What a page changed: the badges added or changed, the entries refused (with why), the cursor."""

    changed: tuple[str, ...]
    refused: tuple[str, ...]
    cursor: str
    changes: Changes


def apply_officer_directory(
    store: RecordsStore, state: SyncState, officers: Sequence[Any], cursor: str, bench_id: str, hub: str = ""
) -> DirectoryApplied:
    """Apply one page of the hub's directory and its cursor, in one transaction.

    A malformed entry is refused (logged, listed) and the rest applied: one bad row at the hub
    must not keep every other officer from signing in.
    """
    entries: list[Entry] = []
    changed: list[str] = []
    refused: list[str] = []
    newest: dict[str, DirectoryOfficer] = {}
    for raw in officers:
        try:
            officer = DirectoryOfficer.from_wire(raw)
        except ValueError as exc:
            log.warning("officer directory: %s; that entry is not applied", exc)
            refused.append(str(exc))
            continue
        seen = newest.get(officer.badge)
        if seen is None or officer.version >= seen.version:
            newest[officer.badge] = officer
    with store.transaction():
        for officer in newest.values():
            values = officer.values()
            current = store.conn.execute(
                f"SELECT {', '.join(_FIELDS)} FROM officers WHERE badge = ?", (officer.badge,)
            ).fetchone()
            detail: dict[str, Any] = {"badge": officer.badge, "hub_version": officer.version}
            if current is None:
                row = OfficerRow(
                    officer.badge,
                    {"badge": officer.badge, **values, "created_at": iso(store.now())},
                    insert=True,
                )
            else:
                diff = {k: v for k, v, old in zip(_FIELDS, values.values(), current, strict=True) if v != old}
                if not diff:
                    continue
                row = OfficerRow(officer.badge, diff)
                detail["fields"] = sorted(diff)
            entries.append(Entry(SYNCED_KIND, row, detail))
            changed.append(officer.badge)
        changes = Changes()
        if entries:
            event: dict[str, JsonScalar] = {"officers": len(entries), "cursor": cursor}
            message = SecurityEvent(new_id(), bench_id, store.now(), "", 0, "", APPLIED_EVENT, event)
            queued = store.write(Fact("", bench_id, tuple(entries), message))
            changes = Changes.of("officer", *changed) | Changes.of("outbox", queued.event_id)
        state.set_officer_cursor(cursor, hub)
    return DirectoryApplied(tuple(changed), tuple(refused), cursor, changes)
