"""What every records service shares: ids, record times, the session's officer, and writing a fact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from workstation.core.changes import Changes
from workstation.core.errors import Forbidden
from workstation.core.records import Officer, Session
from workstation.core.services.repository import Fact, Writer


def iso(at: datetime) -> str:
    """A record's time as the records file holds it: UTC ISO 8601 with microseconds (text order is time order)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def new_id() -> str:
    return str(uuid.uuid4())


def written(repo: Writer, fact: Fact[Any], changes: Changes) -> Changes:
    """Write the fact; its changes, with the outbox message it queued."""
    message = repo.write(fact)
    return changes | Changes.of("outbox", message.event_id)


def current_officer(repo: Writer, session: Session) -> Officer:
    """The session's officer as the records know them now; refuses ended shifts and disabled badges."""
    shift = repo.shift(session.shift_id)
    if shift is None or shift.officer.badge != session.officer.badge:
        raise Forbidden("this session is not known on this workstation: sign in again")
    if shift.ended is not None:
        raise Forbidden(f"this session has ended ({shift.ended}): sign in again")
    if not shift.officer.active:
        raise Forbidden(f"badge {shift.officer.badge} is disabled")
    return shift.officer
