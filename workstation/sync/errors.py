"""What can go wrong talking to the hub, typed by what the bench should do about it.

`HubUnreachable`: no answer (connection refused, timeout, an untrusted certificate): retry later.
`HubBusy`: the hub answered 429/5xx: wait at least `retry_after` when given, else back off.
`HubRefused`: the hub said no (400, 401, 403, 404, 409, 413, 422): sending it again will not help.
`CursorExpired`: the reference cursor is older than the hub keeps: pull again from "0".
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure; the message says what happened in words for a status line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HubUnreachable(SyncError):
    """The hub could not be reached or did not answer in time."""


class HubBusy(SyncError):
    """The hub answered but cannot serve now (429, 500, 502, 503, 504)."""

    def __init__(self, status: int, retry_after: float | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


class HubRefused(SyncError):
    """The hub refused the request itself; retrying the same request will not help."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class CursorExpired(SyncError):
    """The reference cursor expired (410): start again from "0"."""
