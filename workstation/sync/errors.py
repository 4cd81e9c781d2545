"""The sync client's typed errors (the hub branch owns this module; this is its agreed interface)."""

from __future__ import annotations


class SyncError(Exception):
    """Talking to the hub failed."""


class HubUnreachable(SyncError):
    """No answer: connection refused or reset, timeout, DNS, TLS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HubBusy(SyncError):
    """500 or 503: try again later, not before `retry_after` seconds when the hub said so."""

    def __init__(self, status: int, retry_after: float | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after
        self.reason = reason


class HubRefused(SyncError):
    """The hub refused the request (401, 400, 413, ...): retrying the same will not help."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CursorExpired(SyncError):
    """410: the reference cursor is older than what the hub keeps; start again from 0."""
