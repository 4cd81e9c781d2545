"""The domain's four kinds of refusal, mapped once at each edge.

The CLI maps them to exit codes (`workstation/commands/`), the window to messages for officers
(`workstation/ui/`), the hub to HTTP statuses (404, 409, 422, 403). Each message says what was
wrong and where, in words the person at that edge can act on.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base of the refusals below; never raised itself."""


class NotFound(DomainError, LookupError):
    """What was asked for does not exist (a record, an officer, a photo)."""


class Conflict(DomainError):
    """The request clashes with what is already recorded (a record already corrected, a duplicate)."""


class Invalid(DomainError, ValueError):
    """Input that cannot be accepted; `errors` maps each field path to its message."""

    def __init__(self, errors: Mapping[str, str] | str) -> None:
        self.errors = {"": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items()))


class Forbidden(DomainError, PermissionError):
    """The signed-in person may not do this; the message says why."""
