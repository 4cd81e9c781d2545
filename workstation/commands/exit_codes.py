"""The exit codes of every subcommand, and the one place domain errors become them (README, "Exit codes")."""

from __future__ import annotations

from workstation.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from workstation.store.db import StoreUnavailableError

EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check said no: audit break, self-test, restore refused, nothing found by a lookup
EXIT_INVALID = 2  # usage, invalid input, an unreadable file, or the store cannot be opened
EXIT_FORBIDDEN = 3  # not allowed: a permission or a refused sign-in (cache import: rows quarantined)
EXIT_NOT_FOUND = 4  # the record, officer or photo named does not exist
EXIT_CONFLICT = 5  # clashes with what is recorded: a badge that exists, a record already corrected
EXIT_UNAVAILABLE = 6  # the hub could not be reached or was busy: try again later, nothing was lost

# Most specific first: a subclass of two (none today) takes the first match.
DOMAIN_EXIT_CODES: tuple[tuple[type[DomainError], int], ...] = (
    (Forbidden, EXIT_FORBIDDEN),
    (NotFound, EXIT_NOT_FOUND),
    (Conflict, EXIT_CONFLICT),
    (Invalid, EXIT_INVALID),
)


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code of a domain error or an unavailable store; None for anything else."""
    for cls, code in DOMAIN_EXIT_CODES:
        if isinstance(exc, cls):
            return code
    if isinstance(exc, StoreUnavailableError):
        return EXIT_INVALID
    return None
