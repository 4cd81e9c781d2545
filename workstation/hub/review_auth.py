"""A supervisor's session at the hub: password checked against the hub's officer directory, then a
signed token the read endpoints take in `X-Review-Session`.

The token is `BODY.SIGNATURE`: BODY the URL-safe base64 of "badge\\ndevice\\nexpiry" (expiry in
Unix seconds), SIGNATURE an HMAC-SHA256 of it under the hub's secret (the one that signs audit
receipts, with its own prefix so neither can pass for the other). The hub keeps no session
state: any hub process checks any token. A token is good for 12 hours, only from the device it
was issued to, and only while the directory still holds its badge as an active supervisor or admin
(checked on every request, so disabling someone ends their session at once).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workstation.core.badge import is_valid_badge
from workstation.hub.http import Refused
from workstation.hub.storage import HubStorage
from workstation.store.officer_directory import DirectoryOfficer
from workstation.store.officers import Argon2Hasher, default_hasher

SESSION_HEADER = "X-Review-Session"
SESSION_LIFETIME = timedelta(hours=12)
REVIEW_ROLES = frozenset({"supervisor", "admin"})
_PREFIX = b"workstation review session v1\n"

WRONG_CREDENTIALS = "wrong badge or password"
NOT_A_SUPERVISOR = "only a supervisor or admin reads the facility's records"


@dataclass(frozen=True)
class ReviewSession:
    badge: str
    device: str
    expires_at: datetime


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), _PREFIX + body, hashlib.sha256).hexdigest()


def issue(secret: str, badge: str, device: str, now: datetime) -> tuple[str, datetime]:
    """A session token for this badge on this device, and when it expires."""
    expires = now.astimezone(UTC).replace(microsecond=0) + SESSION_LIFETIME
    body = f"{badge}\n{device}\n{int(expires.timestamp())}".encode()
    return f"{base64.urlsafe_b64encode(body).decode()}.{_sign(secret, body)}", expires


def read(secret: str, token: str, device: str, now: datetime) -> ReviewSession | None:
    """The session a token holds, if it is this hub's, for this device, and not expired; else None."""
    encoded, _, signature = token.strip().partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if not hmac.compare_digest(_sign(secret, body), signature):
        return None
    try:
        badge, held_device, expiry = body.decode().split("\n")
        expires = datetime.fromtimestamp(int(expiry), UTC)
    except (UnicodeDecodeError, ValueError, OverflowError):
        return None
    if held_device != device or expires <= now:
        return None
    return ReviewSession(badge, held_device, expires)


def reviewer_problem(officer: DirectoryOfficer | None) -> str | None:
    """Why this directory entry may not read the facility's records, or None."""
    if officer is None or not officer.active:
        return "this badge is no longer active in the facility's directory: sign in again"
    if officer.role not in REVIEW_ROLES:
        return NOT_A_SUPERVISOR
    return None


class PasswordCheck:
    """The bench's Argon2id verification (store/officers.py), with a dummy hash for unknown badges."""

    def __init__(self) -> None:
        self.hasher = Argon2Hasher(default_hasher())
        self._dummy: str | None = None
        self._lock = threading.Lock()

    def _dummy_hash(self) -> str:
        with self._lock:
            if self._dummy is None:
                self._dummy = self.hasher.hash("not a password")
            return self._dummy

    def open_session(
        self, storage: HubStorage, badge: str, password: str, device: str
    ) -> tuple[str, datetime]:
        """Check the badge and password, then the role; the token and its expiry, or Refused (401/403)."""
        officer = storage.officer(badge) if is_valid_badge(badge) else None
        if officer is None:
            # The same work as a real check, and the same words: whether a badge exists is not said.
            self.hasher.matches(self._dummy_hash(), password)
            raise Refused(401, WRONG_CREDENTIALS)
        if not self.hasher.matches(officer.password_hash, password):
            raise Refused(401, WRONG_CREDENTIALS)
        if not officer.active:
            raise Refused(403, f"badge {badge} is disabled")
        if officer.role not in REVIEW_ROLES:
            raise Refused(403, NOT_A_SUPERVISOR)
        return issue(storage.hub_secret(), badge, device, datetime.now(UTC))


def session_badge(storage: HubStorage, token: str | None, device: str) -> str:
    """The badge of a request's session: 401 without a good token, 403 when no longer a reviewer."""
    if not token:
        raise Refused(401, f"a supervisor's session is required ({SESSION_HEADER}): sign in")
    session = read(storage.hub_secret(), token, device, datetime.now(UTC))
    if session is None:
        raise Refused(401, "the review session is not valid or has expired: sign in again")
    problem = reviewer_problem(storage.officer(session.badge))
    if problem is not None:
        raise Refused(403, problem)
    return session.badge
