"""Officers on SQLite: the officers repository, Argon2id hashing, and the OfficerDirectory façade.

The rules (sign-in, lockout, hand-over, unlock, who manages officers) are in
`workstation.core.services.officers`; every event and change goes through the one write path
(`RecordsStore.write`): an audit entry and an outbox message, in one transaction. Failure counts
and lock ends live in `sign_in_failures`, outside the officer's row (see migration m003).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workstation.config import SecuritySettings
from workstation.core.messages import Message
from workstation.core.records import Officer, Role, Session
from workstation.core.services.officers import (
    DEMO_OFFICERS,
    DEMO_PASSWORD,
    MIN_PASSWORD_LENGTH,
    OfficerService,
    SignInError,
    SignInReason,
)
from workstation.core.services.repository import Credentials, Fact, OpenShift, ShiftInfo
from workstation.store.records import RecordsStore, iso, officer_from_row

__all__ = [
    "DEMO_OFFICERS",
    "DEMO_PASSWORD",
    "MIN_PASSWORD_LENGTH",
    "Argon2Hasher",
    "OfficerDirectory",
    "SignInError",
    "SignInReason",
    "SqliteOfficers",
    "default_hasher",
]

M = TypeVar("M", bound=Message)

# OWASP's minimum is m=19 MiB, t=2, p=1; this is stronger (46 MiB) and verifies in about 100 ms.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 46 * 1024
ARGON2_PARALLELISM = 1


def default_hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
    )


class Argon2Hasher:
    """argon2-cffi's PasswordHasher as the service's Hasher: a mismatch is False, never an exception."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher

    def hash(self, secret: str) -> str:
        return self.hasher.hash(secret)

    def matches(self, stored: str, secret: str) -> bool:
        try:
            return self.hasher.verify(stored, secret)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


class SqliteOfficers:
    """The officers repository on the records file; writes go through the store's one write path."""

    def __init__(self, store: RecordsStore) -> None:
        self.store = store
        self.conn = store.conn

    def now(self) -> datetime:
        return self.store.now()

    def transaction(self) -> AbstractContextManager[None]:
        return self.store.transaction()

    def write(self, fact: Fact[M]) -> M:
        return self.store.write(fact)

    def shift(self, shift_id: str) -> ShiftInfo | None:
        return self.store.shift(shift_id)

    def credentials(self, badge: str) -> Credentials | None:
        r = self.conn.execute(
            "SELECT o.badge, o.name, o.role, o.active, o.password_hash, o.pin_hash, "
            "coalesce(f.failed_count, 0), f.locked_until "
            "FROM officers o LEFT JOIN sign_in_failures f ON f.badge = o.badge WHERE o.badge = ?",
            (badge,),
        ).fetchone()
        if r is None:
            return None
        locked = datetime.fromisoformat(r[7]) if r[7] else None
        return Credentials(officer_from_row(*r[:4]), r[4], r[5], int(r[6]), locked)

    def officers(self) -> list[Officer]:
        rows = self.conn.execute("SELECT badge, name, role, active FROM officers ORDER BY badge")
        return [officer_from_row(*r) for r in rows]

    def has_officers(self) -> bool:
        return self.conn.execute("SELECT 1 FROM officers LIMIT 1").fetchone() is not None

    def open_shifts(self, bench_id: str) -> list[OpenShift]:
        rows = self.conn.execute(
            "SELECT id, officer_badge, started_at FROM open_shifts WHERE bench_id = ? ORDER BY started_at",
            (bench_id,),
        ).fetchall()
        return [OpenShift(r[0], r[1], datetime.fromisoformat(r[2])) for r in rows]

    def count_failure(self, badge: str) -> int:
        self.conn.execute(
            "INSERT INTO sign_in_failures (badge, failed_count) VALUES (?, 1) "
            "ON CONFLICT (badge) DO UPDATE SET failed_count = failed_count + 1",
            (badge,),
        )
        row = self.conn.execute(
            "SELECT failed_count FROM sign_in_failures WHERE badge = ?", (badge,)
        ).fetchone()
        return int(row[0])

    def lock_out(self, badge: str, until: datetime) -> None:
        self.conn.execute(
            "UPDATE sign_in_failures SET failed_count = 0, locked_until = ? WHERE badge = ?",
            (iso(until), badge),
        )

    def clear_failures(self, badge: str) -> None:
        self.conn.execute("DELETE FROM sign_in_failures WHERE badge = ?", (badge,))


class OfficerDirectory:
    """A façade over OfficerService on the records file, returning values only.

    New code that routes `Changes` calls `directory.service` (each write returns `Saved`).
    """

    def __init__(
        self,
        store: RecordsStore,
        security: SecuritySettings | None = None,
        *,
        hasher: PasswordHasher | None = None,
        min_password_length: int = MIN_PASSWORD_LENGTH,
    ) -> None:
        self.store = store
        self.security = security or SecuritySettings()
        self.hasher = hasher or default_hasher()
        self.repo = SqliteOfficers(store)
        self.service = OfficerService(
            self.repo, self.security, Argon2Hasher(self.hasher), min_password_length=min_password_length
        )

    def get(self, badge: str) -> Officer | None:
        return self.service.get(badge)

    def list(self) -> builtins.list[Officer]:
        return self.service.list()

    def is_empty(self) -> bool:
        return self.service.is_empty()

    def sign_in(self, badge: str, password: str, bench_id: str) -> Session:
        return self.service.sign_in(badge, password, bench_id).value

    def sign_out(self, session: Session) -> None:
        self.service.sign_out(session)

    def unlock(self, session: Session, password_or_pin: str) -> bool:
        return self.service.unlock(session, password_or_pin).value

    def record_security_event(
        self, session: Session | None, kind: str, detail: Mapping[str, Any] | str = ""
    ) -> None:
        self.service.record_security_event(session, kind, detail)

    def add(self, actor: Session | None, badge: str, name: str, role: Role, password: str) -> Officer:
        return self.service.add(actor, badge, name, role, password).value

    def disable(self, actor: Session, badge: str) -> None:
        self.service.disable(actor, badge)

    def set_role(self, actor: Session, badge: str, role: Role) -> None:
        self.service.set_role(actor, badge, role)

    def reset_password(self, actor: Session, badge: str, new_password: str) -> None:
        self.service.reset_password(actor, badge, new_password)

    def set_pin(self, session: Session, pin: str) -> None:
        self.service.set_pin(session, pin)

    def ensure_demo_officers(self) -> builtins.list[Officer]:
        return self.service.ensure_demo_officers().value
