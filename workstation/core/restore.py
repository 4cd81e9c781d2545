"""Which copy of the records may replace the live file: the rule, with no storage in it.

A copy may replace the live records only if it holds the live history it claims to reach: every
live audit entry up to the copy's own head (or up to the live head, for a copy newer than the
live file) must be in the copy with the same hash. An older backup of this same file passes; an
empty file, another bench's file, or a history rewritten after an edit does not. Since every hash
covers the one before it, equal hashes at a sequence number mean equal histories up to it; each
entry is compared anyway so that the message can name the first one that differs.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest

from workstation.core.records import Officer, PermissionDenied, Role

SeqHash = tuple[int, str]


def copy_divergence(
    live: Iterable[SeqHash], copy: Iterable[SeqHash], live_head: int, copy_head: int
) -> str | None:
    """Why the copy does not hold the live chain, or None when it does.

    `live` and `copy` are (seq, hash) in seq order, each up to min(live_head, copy_head) or longer.
    """
    if live_head == 0:
        return None  # nothing recorded yet: no history to lose
    if copy_head == 0:
        return f"the copy's audit chain is empty: it holds none of the live file's {live_head} entries"
    upto = min(live_head, copy_head)
    for n, (ours, theirs) in enumerate(zip_longest(live, copy), start=1):
        if n > upto:
            break
        if ours is None or theirs is None or ours[0] != n or theirs[0] != n:
            return f"audit entry {n} is missing from one of the two chains"
        if ours[1] != theirs[1]:
            return (
                f"audit entry {n} differs from the live file's: the copy is not an earlier copy of these "
                "records (another file, or a history rewritten after an edit)"
            )
    return None


def require_restorer(officer: Officer | None) -> None:
    """Only a signed-in, active admin replaces the records file with a copy."""
    if officer is None:
        raise PermissionDenied("a restore needs an admin signed in")
    if not officer.active:
        raise PermissionDenied(f"badge {officer.badge} is disabled")
    if officer.role is not Role.ADMIN:
        raise PermissionDenied(
            f"{officer.name} ({officer.badge}) is not an admin: only an admin restores the records"
        )
