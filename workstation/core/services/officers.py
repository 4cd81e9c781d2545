"""The officer rules: sign-in with lockout, shifts and hand-over, idle unlock, managing officers.

Every sign-in, failure, lockout, unlock and change to an officer is written through the one write
path: an audit entry and an outbox message (an officer's message never carries a hash). Text
typed as a badge that is no officer's badge is never stored: often it is a password.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from workstation.core.badge import badge_fingerprint, check_badge, is_valid_badge, shown_badge
from workstation.core.changes import Changes, Saved
from workstation.core.errors import Conflict, Forbidden, Invalid, NotFound
from workstation.core.messages import OfficerChanged, ShiftEnded, ShiftStarted
from workstation.core.permissions import require_admin
from workstation.core.records import Officer, Role, Session
from workstation.core.services.records import current_officer, iso, new_id, security_event, written
from workstation.core.services.repository import (
    Credentials,
    Entry,
    Fact,
    OfficerRow,
    OfficersRepository,
    RecordRow,
    Value,
)

MIN_PASSWORD_LENGTH = 8
DEMO_PASSWORD = "demo"
DEMO_OFFICERS = (
    ("D1001", "Demo Officer", Role.OFFICER),
    ("D1002", "Demo Officer Two", Role.OFFICER),
    ("D2001", "Demo Supervisor", Role.SUPERVISOR),
    ("D9001", "Demo Admin", Role.ADMIN),
)
_PIN = re.compile(r"[0-9]{4,12}")


class Hasher(Protocol):
    """Argon2's PasswordHasher, as the rules use it; `verify` returns False rather than raising."""

    def hash(self, secret: str) -> str: ...

    def matches(self, stored: str, secret: str) -> bool: ...

    def needs_rehash(self, stored: str) -> bool: ...


class LockoutPolicy(Protocol):
    """How many failed sign-ins lock a badge, and for how long (config's SecuritySettings)."""

    @property
    def max_failed_sign_ins(self) -> int: ...

    @property
    def lockout_minutes(self) -> float: ...


class SignInReason(Enum):
    UNKNOWN_BADGE = "unknown badge"
    WRONG_PASSWORD = "wrong password"
    LOCKED = "locked"
    DISABLED = "disabled"


class SignInError(Forbidden):
    """A refused sign-in; `reason` says which kind, the message says it to the officer."""

    def __init__(self, reason: SignInReason, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.locked_until = locked_until


class OfficerService:
    """Officers and their credentials, and the shifts they sign in to."""

    def __init__(
        self,
        repo: OfficersRepository,
        policy: LockoutPolicy,
        hasher: Hasher,
        *,
        min_password_length: int = MIN_PASSWORD_LENGTH,
    ) -> None:
        self.repo = repo
        self.policy = policy
        self.hasher = hasher
        self.min_password_length = min_password_length
        # Verified when the badge is unknown, so a wrong badge takes as long as a wrong password.
        self._dummy_hash: str | None = None

    # -- reading --------------------------------------------------------------------------------

    def get(self, badge: str) -> Officer | None:
        row = self.repo.credentials(badge)
        return row.officer if row else None

    def list(self) -> builtins.list[Officer]:
        return self.repo.officers()

    def is_empty(self) -> bool:
        return not self.repo.has_officers()

    def _matches(self, stored: str | None, secret: str) -> bool:
        return bool(stored) and self.hasher.matches(stored or "", secret)

    # -- writing --------------------------------------------------------------------------------

    def _event(self, kind: str, actor: str, bench_id: str, detail: Mapping[str, Any]) -> Changes:
        return security_event(self.repo, actor, bench_id, kind, detail).changes

    def _officer_event(
        self,
        kind: str,
        actor: str,
        bench_id: str,
        detail: Mapping[str, Any],
        officer: Officer,
        values: Mapping[str, Value],
        *,
        insert: bool = False,
    ) -> Changes:
        """An officer's row changed (or added): its audit entry carries the row as it became."""
        message = OfficerChanged(
            new_id(), bench_id, self.repo.now(), actor, 0, "", kind,
            officer.badge, officer.name, officer.role.value, officer.active,
        )  # fmt: skip
        entry = Entry(kind, OfficerRow(officer.badge, values, insert), detail)
        return written(
            self.repo, Fact(actor, bench_id, (entry,), message), Changes.of("officer", officer.badge)
        )

    def _count_failure(self, badge: str, bench_id: str, kind: str) -> tuple[datetime | None, Changes]:
        """Count one failure (inside a transaction); the lock's end when this one locks."""
        count = self.repo.count_failure(badge)
        changes = self._event(kind, badge, bench_id, {"failures_in_a_row": count})
        if count < self.policy.max_failed_sign_ins:
            return None, changes
        until = self.repo.now() + timedelta(minutes=self.policy.lockout_minutes)
        self.repo.lock_out(badge, until)
        changes |= self._event(
            "lockout", badge, bench_id, {"locked_until": iso(until), "after_failures": count}
        )
        return until, changes

    def _locked_until(self, row: Credentials) -> datetime | None:
        if row.locked_until is not None and row.locked_until > self.repo.now():
            return row.locked_until
        return None

    # -- signing in -----------------------------------------------------------------------------

    def sign_in(self, badge: str, password: str, bench_id: str) -> Saved[Session]:
        """Check the badge and password and start (or resume) this officer's shift on the bench.

        Another officer's open shift on the bench ends here: that is the hand-over. A refusal is
        a SignInError (a Forbidden), written to the audit log first.
        """
        # A text that breaks the badge rule is no officer's badge, whatever the table holds.
        row = self.repo.credentials(badge) if is_valid_badge(badge) else None
        if row is None:
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash("not a password")
            self._matches(self._dummy_hash, password)
            with self.repo.transaction():
                self._event(
                    "sign_in_failed", "", bench_id, {**badge_fingerprint(badge), "reason": "unknown badge"}
                )
            # Not echoed either: the text may be a password, and this message reaches screens and logs.
            raise SignInError(SignInReason.UNKNOWN_BADGE, "unknown badge: check the badge id and try again")
        if not row.officer.active:
            with self.repo.transaction():
                self._event("sign_in_refused", badge, bench_id, {"reason": "disabled"})
            raise SignInError(SignInReason.DISABLED, f"badge {badge} is disabled: see your administrator")
        locked = self._locked_until(row)
        if locked is not None:
            with self.repo.transaction():
                self._event(
                    "sign_in_refused", badge, bench_id, {"reason": "locked", "locked_until": iso(locked)}
                )
            raise SignInError(SignInReason.LOCKED, locked_message(badge, locked), locked)
        if not self._matches(row.password_hash, password):
            with self.repo.transaction():
                until, _ = self._count_failure(badge, bench_id, "sign_in_failed")
            if until is not None:
                raise SignInError(SignInReason.LOCKED, locked_message(badge, until), until)
            raise SignInError(SignInReason.WRONG_PASSWORD, f"wrong password for badge {badge}")
        new_hash = self.hasher.hash(password) if self.hasher.needs_rehash(row.password_hash) else None
        with self.repo.transaction():
            self.repo.clear_failures(badge)
            changes = Changes()
            if new_hash is not None:
                changes |= self._officer_event(
                    "password_rehashed", badge, bench_id, {}, row.officer, {"password_hash": new_hash}
                )
            saved = self._start_shift(row.officer, bench_id)
        return Saved(saved.value, changes | saved.changes)

    def _start_shift(self, officer: Officer, bench_id: str) -> Saved[Session]:
        now = self.repo.now()
        open_shifts = self.repo.open_shifts(bench_id)
        own = [s for s in open_shifts if s.officer_badge == officer.badge]
        if own and len(open_shifts) == 1:
            shift = own[0]
            changes = self._event(
                "sign_in", officer.badge, bench_id, {"shift_id": shift.shift_id, "resumed": True}
            )
            return Saved(Session(officer, bench_id, shift.started_at, shift.shift_id), changes)
        previous = None
        changes = Changes()
        for shift in open_shifts:
            changes |= self._end_shift(
                shift.shift_id, f"handed over to {officer.badge}", officer.badge, bench_id,
                {"previous_officer": shift.officer_badge},
            )  # fmt: skip
            previous = shift.shift_id
        shift_id = new_id()
        row: dict[str, Value] = {
            "id": shift_id,
            "officer_badge": officer.badge,
            "bench_id": bench_id,
            "started_at": iso(now),
            "handed_over_from": previous,
        }
        message = ShiftStarted(shift_id, bench_id, now, officer.badge, 0, "", previous)
        fact = Fact(officer.badge, bench_id, (Entry("sign_in", RecordRow("shifts", row)),), message)
        changes |= written(self.repo, fact, Changes.of("shift", shift_id))
        return Saved(Session(officer, bench_id, now, shift_id), changes)

    def _end_shift(
        self, shift_id: str, how: str, actor: str, bench_id: str, detail: Mapping[str, Any] | str = ""
    ) -> Changes:
        now = self.repo.now()
        row: dict[str, Value] = {"id": shift_id, "ended_at": iso(now), "how": how}
        message = ShiftEnded(shift_id, bench_id, now, actor, 0, "", how)
        fact = Fact(actor, bench_id, (Entry("shift_end", RecordRow("shift_ends", row), detail),), message)
        return written(self.repo, fact, Changes.of("shift_end", shift_id) | Changes.of("shift", shift_id))

    def sign_out(self, session: Session) -> Saved[None]:
        """End the shift; the session can no longer save."""
        with self.repo.transaction():
            current_officer(self.repo, session)
            changes = self._end_shift(session.shift_id, "signed out", session.officer.badge, session.bench_id)
        return Saved(None, changes)

    def unlock(self, session: Session, password_or_pin: str) -> Saved[bool]:
        """Unlock an idle-locked screen with the password or the PIN; failures count toward lockout."""
        officer = current_officer(self.repo, session)
        row = self.repo.credentials(officer.badge)
        if row is None:
            raise NotFound(f"badge {officer.badge} is no longer on this workstation")
        bench = session.bench_id
        locked = self._locked_until(row)
        if locked is not None:
            with self.repo.transaction():
                changes = self._event("unlock_refused", officer.badge, bench, {"locked_until": iso(locked)})
            return Saved(False, changes)
        ok = self._matches(row.password_hash, password_or_pin) or self._matches(row.pin_hash, password_or_pin)
        with self.repo.transaction():
            if ok:
                self.repo.clear_failures(officer.badge)
                changes = self._event("unlock", officer.badge, bench, {"shift_id": session.shift_id})
            else:
                _, changes = self._count_failure(officer.badge, bench, "unlock_failed")
        return Saved(ok, changes)

    def record_security_event(
        self, session: Session | None, kind: str, detail: Mapping[str, Any] | str = ""
    ) -> Saved[str]:
        """Lock, export and other events the UI sees happen; an audit entry and its message."""
        with self.repo.transaction():
            return security_event(
                self.repo,
                session.officer.badge if session else "",
                session.bench_id if session else "",
                kind,
                detail,
            )

    # -- managing officers ------------------------------------------------------------------------

    def _check_password(self, password: str) -> None:
        if len(password) < self.min_password_length:
            raise Invalid({"password": f"a password has at least {self.min_password_length} characters"})

    def _admin(self, actor: Session) -> Officer:
        officer = current_officer(self.repo, actor)
        require_admin(officer)
        return officer

    def _existing(self, badge: str) -> Credentials:
        row = self.repo.credentials(badge)
        if row is None:
            raise NotFound(f"unknown badge {shown_badge(badge)}")
        return row

    def add(self, actor: Session | None, badge: str, name: str, role: Role, password: str) -> Saved[Officer]:
        """Add an officer; only an admin may, except the very first officer (an admin) at bootstrap.

        Raises InvalidBadge (an Invalid) for a badge that breaks the rule (core.badge).
        """
        check_badge(badge)
        if not name.strip():
            raise Invalid({"name": "the officer's name is required"})
        self._check_password(password)
        hashed = self.hasher.hash(password)
        with self.repo.transaction():
            if actor is None:
                if not self.is_empty():
                    raise Forbidden("only an admin manages officers: sign in as an admin")
                if role is not Role.ADMIN:
                    raise Forbidden("the first officer must be an admin, who then adds the others")
                actor_badge, bench = "", "bootstrap"
            else:
                actor_badge, bench = self._admin(actor).badge, actor.bench_id
            return self._insert(badge, name, role, hashed, actor_badge, bench)

    def _insert(
        self, badge: str, name: str, role: Role, hashed: str, actor: str, bench: str
    ) -> Saved[Officer]:
        if self.repo.credentials(badge) is not None:
            raise Conflict(f"badge {badge} already exists")
        officer = Officer(badge, name, role)
        values: dict[str, Value] = {
            "badge": badge,
            "name": name,
            "role": role.value,
            "password_hash": hashed,
            "created_at": iso(self.repo.now()),
        }
        detail = {"badge": badge, "name": name, "role": role.value}
        changes = self._officer_event("officer_added", actor, bench, detail, officer, values, insert=True)
        return Saved(officer, changes)

    def disable(self, actor: Session, badge: str) -> Saved[None]:
        """Disable a badge: it can no longer sign in, and its open sessions can no longer save."""
        with self.repo.transaction():
            admin = self._admin(actor)
            if badge == admin.badge:
                raise Forbidden("an admin cannot disable their own badge")
            row = self._existing(badge)
            officer = Officer(badge, row.officer.name, row.officer.role, False)
            changes = self._officer_event(
                "officer_disabled", admin.badge, actor.bench_id, {"badge": badge}, officer, {"active": 0}
            )
        return Saved(None, changes)

    def set_role(self, actor: Session, badge: str, role: Role) -> Saved[None]:
        """Give an officer another role; not one's own, so the acting admin always remains one."""
        with self.repo.transaction():
            admin = self._admin(actor)
            if badge == admin.badge:
                raise Forbidden("an admin cannot change their own role")
            row = self._existing(badge)
            if row.officer.role is role:
                return Saved(None, Changes())
            officer = Officer(badge, row.officer.name, role, row.officer.active)
            detail = {"badge": badge, "role": role.value, "previous_role": row.officer.role.value}
            changes = self._officer_event(
                "role_changed", admin.badge, actor.bench_id, detail, officer, {"role": role.value}
            )
        return Saved(None, changes)

    def reset_password(self, actor: Session, badge: str, new_password: str) -> Saved[None]:
        """Set a new password and lift any lockout."""
        self._check_password(new_password)
        hashed = self.hasher.hash(new_password)
        with self.repo.transaction():
            admin = self._admin(actor)
            row = self._existing(badge)
            self.repo.clear_failures(badge)
            changes = self._officer_event(
                "password_reset", admin.badge, actor.bench_id, {"badge": badge}, row.officer,
                {"password_hash": hashed},
            )  # fmt: skip
        return Saved(None, changes)

    def set_pin(self, session: Session, pin: str) -> Saved[None]:
        """The officer's own PIN for unlocking an idle-locked screen (4 to 12 digits)."""
        if not _PIN.fullmatch(pin):
            raise Invalid({"pin": "a PIN is 4 to 12 digits"})
        hashed = self.hasher.hash(pin)
        with self.repo.transaction():
            officer = current_officer(self.repo, session)
            changes = self._officer_event(
                "pin_set", officer.badge, session.bench_id, {}, officer, {"pin_hash": hashed}
            )
        return Saved(None, changes)

    def ensure_demo_officers(self) -> Saved[builtins.list[Officer]]:
        """The demo officers (password 'demo'), for `workstation --demo`; the value is those it added."""
        added: builtins.list[Officer] = []
        changes = Changes()
        for badge, name, role in DEMO_OFFICERS:
            if self.repo.credentials(badge) is not None:
                continue
            hashed = self.hasher.hash(DEMO_PASSWORD)
            with self.repo.transaction():
                saved = self._insert(badge, name, role, hashed, "", "demo")
            added.append(saved.value)
            changes |= saved.changes
        return Saved(added, changes)


def locked_message(badge: str, until: datetime) -> str:
    return (
        f"badge {badge} is locked until {until.astimezone().strftime('%H:%M')} after repeated failed sign-ins"
    )
