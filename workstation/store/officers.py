"""Officers, sign-in with Argon2id, lockout, shift hand-over, idle unlock.

Every sign-in, failure, lockout, unlock and change to an officer is an audit entry; an entry for
a change to an officer's row carries the row's resulting digest, which `audit verify` checks.
Failure counts and lock ends live in `sign_in_failures`, outside that row (see migration m003).
Text typed as a badge that is no officer's badge is never stored: often it is a password.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workstation.config import SecuritySettings
from workstation.core.badge import badge_fingerprint, check_badge, is_valid_badge, shown_badge
from workstation.core.permissions import require_admin
from workstation.core.records import Officer, PermissionDenied, Role, Session
from workstation.store import audit
from workstation.store.records import RecordsStore, iso, new_id, officer_from_row

# OWASP's minimum is m=19 MiB, t=2, p=1; this is stronger (46 MiB) and verifies in about 100 ms.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 46 * 1024
ARGON2_PARALLELISM = 1
MIN_PASSWORD_LENGTH = 8
DEMO_PASSWORD = "demo"
DEMO_OFFICERS = (
    ("D1001", "Demo Officer", Role.OFFICER),
    ("D1002", "Demo Officer Two", Role.OFFICER),
    ("D2001", "Demo Supervisor", Role.SUPERVISOR),
    ("D9001", "Demo Admin", Role.ADMIN),
)
_PIN = re.compile(r"[0-9]{4,12}")


def default_hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
    )


class SignInReason(Enum):
    UNKNOWN_BADGE = "unknown badge"
    WRONG_PASSWORD = "wrong password"
    LOCKED = "locked"
    DISABLED = "disabled"


class SignInError(Exception):
    """A refused sign-in; `reason` says which kind, the message says it to the officer."""

    def __init__(self, reason: SignInReason, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.locked_until = locked_until


@dataclass(frozen=True)
class _Row:
    officer: Officer
    password_hash: str
    pin_hash: str | None
    failed_count: int
    locked_until: datetime | None


class OfficerDirectory:
    """Officers and their credentials, kept in the records file next to what they record."""

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
        self.min_password_length = min_password_length
        # Verified when the badge is unknown, so a wrong badge takes as long as a wrong password.
        self._dummy_hash: str | None = None

    # -- reading --------------------------------------------------------------------------------

    def _row(self, badge: str) -> _Row | None:
        r = self.store.conn.execute(
            "SELECT o.badge, o.name, o.role, o.active, o.password_hash, o.pin_hash, "
            "coalesce(f.failed_count, 0), f.locked_until "
            "FROM officers o LEFT JOIN sign_in_failures f ON f.badge = o.badge WHERE o.badge = ?",
            (badge,),
        ).fetchone()
        if r is None:
            return None
        locked = datetime.fromisoformat(r[7]) if r[7] else None
        return _Row(officer_from_row(*r[:4]), r[4], r[5], int(r[6]), locked)

    def get(self, badge: str) -> Officer | None:
        row = self._row(badge)
        return row.officer if row else None

    def list(self) -> list[Officer]:
        rows = self.store.conn.execute("SELECT badge, name, role, active FROM officers ORDER BY badge")
        return [officer_from_row(*r) for r in rows]

    def is_empty(self) -> bool:
        return self.store.conn.execute("SELECT 1 FROM officers LIMIT 1").fetchone() is None

    def _matches(self, stored: str | None, secret: str) -> bool:
        if not stored:
            return False
        try:
            return self.hasher.verify(stored, secret)
        except (VerificationError, InvalidHashError):
            return False

    # -- signing in -----------------------------------------------------------------------------

    def _event(
        self, kind: str, actor: str, bench_id: str, detail: dict[str, Any], *, officer: str | None = None
    ) -> None:
        """Append an entry; `officer` when this event changed that officer's row (after the change)."""
        audit.append(
            self.store.conn,
            at=self.store.now(),
            kind=kind,
            actor=actor,
            bench_id=bench_id,
            detail=detail,
            officer=officer,
        )

    def _clear_failures(self, badge: str) -> None:
        self.store.conn.execute("DELETE FROM sign_in_failures WHERE badge = ?", (badge,))

    def _count_failure(self, badge: str, bench_id: str, kind: str) -> datetime | None:
        """Count one failure (inside a transaction); returns the lock's end when this one locks."""
        self.store.conn.execute(
            "INSERT INTO sign_in_failures (badge, failed_count) VALUES (?, 1) "
            "ON CONFLICT (badge) DO UPDATE SET failed_count = failed_count + 1",
            (badge,),
        )
        row = self._row(badge)
        assert row is not None
        self._event(kind, badge, bench_id, {"failures_in_a_row": row.failed_count})
        if row.failed_count < self.security.max_failed_sign_ins:
            return None
        until = self.store.now() + timedelta(minutes=self.security.lockout_minutes)
        self.store.conn.execute(
            "UPDATE sign_in_failures SET failed_count = 0, locked_until = ? WHERE badge = ?",
            (iso(until), badge),
        )
        self._event(
            "lockout", badge, bench_id, {"locked_until": iso(until), "after_failures": row.failed_count}
        )
        return until

    def _locked_until(self, row: _Row) -> datetime | None:
        if row.locked_until is not None and row.locked_until > self.store.now():
            return row.locked_until
        return None

    def sign_in(self, badge: str, password: str, bench_id: str) -> Session:
        """Check the badge and password and start (or resume) this officer's shift on the bench.

        Another officer's open shift on the bench ends here: that is the hand-over.
        """
        # A text that breaks the badge rule is no officer's badge, whatever the table holds.
        row = self._row(badge) if is_valid_badge(badge) else None
        if row is None:
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash("not a password")
            self._matches(self._dummy_hash, password)
            with self.store.transaction():
                self._event(
                    "sign_in_failed", "", bench_id, {**badge_fingerprint(badge), "reason": "unknown badge"}
                )
            # Not echoed either: the text may be a password, and this message reaches screens and logs.
            raise SignInError(SignInReason.UNKNOWN_BADGE, "unknown badge: check the badge id and try again")
        if not row.officer.active:
            with self.store.transaction():
                self._event("sign_in_refused", badge, bench_id, {"reason": "disabled"})
            raise SignInError(SignInReason.DISABLED, f"badge {badge} is disabled: see your administrator")
        locked = self._locked_until(row)
        if locked is not None:
            with self.store.transaction():
                self._event(
                    "sign_in_refused", badge, bench_id, {"reason": "locked", "locked_until": iso(locked)}
                )
            raise SignInError(SignInReason.LOCKED, _locked_message(badge, locked), locked)
        if not self._matches(row.password_hash, password):
            with self.store.transaction():
                until = self._count_failure(badge, bench_id, "sign_in_failed")
            if until is not None:
                raise SignInError(SignInReason.LOCKED, _locked_message(badge, until), until)
            raise SignInError(SignInReason.WRONG_PASSWORD, f"wrong password for badge {badge}")
        new_hash = self.hasher.hash(password) if self.hasher.check_needs_rehash(row.password_hash) else None
        with self.store.transaction():
            self._clear_failures(badge)
            if new_hash is not None:
                self.store.conn.execute(
                    "UPDATE officers SET password_hash = ? WHERE badge = ?", (new_hash, badge)
                )
                self._event("password_rehashed", badge, bench_id, {}, officer=badge)
            return self._start_shift(row.officer, bench_id)

    def _start_shift(self, officer: Officer, bench_id: str) -> Session:
        now = self.store.now()
        open_shifts = self.store.conn.execute(
            "SELECT id, officer_badge, started_at FROM open_shifts WHERE bench_id = ? ORDER BY started_at",
            (bench_id,),
        ).fetchall()
        own = [s for s in open_shifts if s[1] == officer.badge]
        if own and len(open_shifts) == 1:
            shift_id, started = own[0][0], datetime.fromisoformat(own[0][2])
            self._event("sign_in", officer.badge, bench_id, {"shift_id": shift_id, "resumed": True})
            return Session(officer, bench_id, started, shift_id)
        previous = None
        for shift_id, badge, _ in open_shifts:
            self.store.write_record(
                "shift_ends",
                {"id": shift_id, "ended_at": iso(now), "how": f"handed over to {officer.badge}"},
                kind="shift_end",
                actor=officer.badge,
                bench_id=bench_id,
                detail={"previous_officer": badge},
            )
            previous = shift_id
        shift_id = new_id()
        shift = {
            "id": shift_id,
            "officer_badge": officer.badge,
            "bench_id": bench_id,
            "started_at": iso(now),
            "handed_over_from": previous,
        }
        self.store.write_record("shifts", shift, kind="sign_in", actor=officer.badge, bench_id=bench_id)
        return Session(officer, bench_id, now, shift_id)

    def sign_out(self, session: Session) -> None:
        """End the shift; the session can no longer save."""
        with self.store.transaction():
            self.store.current_officer(session)
            self.store.write_record(
                "shift_ends",
                {"id": session.shift_id, "ended_at": iso(self.store.now()), "how": "signed out"},
                kind="shift_end",
                actor=session.officer.badge,
                bench_id=session.bench_id,
            )

    def unlock(self, session: Session, password_or_pin: str) -> bool:
        """Unlock an idle-locked screen with the password or the PIN; failures count toward lockout."""
        officer = self.store.current_officer(session)
        row = self._row(officer.badge)
        assert row is not None
        bench = session.bench_id
        locked = self._locked_until(row)
        if locked is not None:
            with self.store.transaction():
                self._event("unlock_refused", officer.badge, bench, {"locked_until": iso(locked)})
            return False
        ok = self._matches(row.password_hash, password_or_pin) or self._matches(row.pin_hash, password_or_pin)
        with self.store.transaction():
            if ok:
                self._clear_failures(officer.badge)
                self._event("unlock", officer.badge, bench, {"shift_id": session.shift_id})
            else:
                self._count_failure(officer.badge, bench, "unlock_failed")
        return ok

    def record_security_event(
        self, session: Session | None, kind: str, detail: dict[str, Any] | str = ""
    ) -> None:
        """Lock, export and other events the UI sees happen; appended to the audit log."""
        self.store.record_security_event(session, kind, detail)

    # -- managing officers ------------------------------------------------------------------------

    def _check_password(self, password: str) -> None:
        if len(password) < self.min_password_length:
            raise ValueError(f"a password has at least {self.min_password_length} characters")

    def _admin(self, actor: Session) -> Officer:
        officer = self.store.current_officer(actor)
        require_admin(officer)
        return officer

    def add(self, actor: Session | None, badge: str, name: str, role: Role, password: str) -> Officer:
        """Add an officer; only an admin may, except the very first officer (an admin) at bootstrap.

        Raises InvalidBadge for a badge that breaks the rule (core.badge).
        """
        check_badge(badge)
        if not name.strip():
            raise ValueError("the officer's name is required")
        self._check_password(password)
        hashed = self.hasher.hash(password)
        with self.store.transaction():
            if actor is None:
                if not self.is_empty():
                    raise PermissionDenied("only an admin manages officers: sign in as an admin")
                if role is not Role.ADMIN:
                    raise PermissionDenied("the first officer must be an admin, who then adds the others")
                actor_badge, bench = "", "bootstrap"
            else:
                actor_badge, bench = self._admin(actor).badge, actor.bench_id
            return self._insert(badge, name, role, hashed, actor_badge, bench)

    def _insert(self, badge: str, name: str, role: Role, hashed: str, actor: str, bench: str) -> Officer:
        if self._row(badge) is not None:
            raise ValueError(f"badge {badge} already exists")
        self.store.conn.execute(
            "INSERT INTO officers (badge, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (badge, name, role.value, hashed, iso(self.store.now())),
        )
        self._event(
            "officer_added", actor, bench, {"badge": badge, "name": name, "role": role.value}, officer=badge
        )
        return Officer(badge, name, role)

    def disable(self, actor: Session, badge: str) -> None:
        """Disable a badge: it can no longer sign in, and its open sessions can no longer save."""
        with self.store.transaction():
            admin = self._admin(actor)
            if badge == admin.badge:
                raise PermissionDenied("an admin cannot disable their own badge")
            if self._row(badge) is None:
                raise ValueError(f"unknown badge {shown_badge(badge)}")
            self.store.conn.execute("UPDATE officers SET active = 0 WHERE badge = ?", (badge,))
            self._event("officer_disabled", admin.badge, actor.bench_id, {"badge": badge}, officer=badge)

    def set_role(self, actor: Session, badge: str, role: Role) -> None:
        """Give an officer another role; not one's own, so the acting admin always remains one."""
        with self.store.transaction():
            admin = self._admin(actor)
            if badge == admin.badge:
                raise PermissionDenied("an admin cannot change their own role")
            row = self._row(badge)
            if row is None:
                raise ValueError(f"unknown badge {shown_badge(badge)}")
            if row.officer.role is role:
                return
            self.store.conn.execute("UPDATE officers SET role = ? WHERE badge = ?", (role.value, badge))
            self._event(
                "role_changed",
                admin.badge,
                actor.bench_id,
                {"badge": badge, "role": role.value, "previous_role": row.officer.role.value},
                officer=badge,
            )

    def reset_password(self, actor: Session, badge: str, new_password: str) -> None:
        """Set a new password and lift any lockout."""
        self._check_password(new_password)
        hashed = self.hasher.hash(new_password)
        with self.store.transaction():
            admin = self._admin(actor)
            if self._row(badge) is None:
                raise ValueError(f"unknown badge {shown_badge(badge)}")
            self.store.conn.execute("UPDATE officers SET password_hash = ? WHERE badge = ?", (hashed, badge))
            self._clear_failures(badge)
            self._event("password_reset", admin.badge, actor.bench_id, {"badge": badge}, officer=badge)

    def set_pin(self, session: Session, pin: str) -> None:
        """The officer's own PIN for unlocking an idle-locked screen (4 to 12 digits)."""
        if not _PIN.fullmatch(pin):
            raise ValueError("a PIN is 4 to 12 digits")
        hashed = self.hasher.hash(pin)
        with self.store.transaction():
            officer = self.store.current_officer(session)
            self.store.conn.execute(
                "UPDATE officers SET pin_hash = ? WHERE badge = ?", (hashed, officer.badge)
            )
            self._event("pin_set", officer.badge, session.bench_id, {}, officer=officer.badge)

    def ensure_demo_officers(self) -> builtins.list[Officer]:
        """The demo officers (password 'demo'), for `workstation --demo`; returns those it added."""
        added: builtins.list[Officer] = []
        for badge, name, role in DEMO_OFFICERS:
            if self._row(badge) is not None:
                continue
            hashed = self.hasher.hash(DEMO_PASSWORD)
            with self.store.transaction():
                added.append(self._insert(badge, name, role, hashed, "", "demo"))
        return added


def _locked_message(badge: str, until: datetime) -> str:
    return (
        f"badge {badge} is locked until {until.astimezone().strftime('%H:%M')} after repeated failed sign-ins"
    )
