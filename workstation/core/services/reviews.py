"""A supervisor's review as records: countersigning or returning a seizure, adding or removing a lookout.

Each is a record with its audit entry and outbox message, written through `repo.write(fact)`.
A seizure reviewed may be another bench's, known only from the hub (`SeizureRef`); when it is
this bench's, the records here are asked too, so a stale or forged `SeizureRef` cannot get past
the rules: the seizing officer is the one the records name, a corrected or voided seizure stays
refused, and one countersignature is enough.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from workstation.core.changes import Changes, Saved
from workstation.core.errors import Conflict, Invalid, NotFound
from workstation.core.messages import LookoutAdded, LookoutRemoved, SeizureCountersigned, SeizureReturned
from workstation.core.permissions import require_countersigner, require_lookout_keeper, require_reviewer
from workstation.core.records import Session
from workstation.core.review import Lookout, SeizureRef, countersign_problem, validate_lookout
from workstation.core.services.repository import Entry, Fact, RecordRow, RecordsRepository, Value
from workstation.core.services.writes import current_officer, iso, new_id, written
from workstation.core.tracking import parse

RETURN = "return for correction"


def _as_recorded_here(repo: RecordsRepository, seizure: SeizureRef) -> SeizureRef:
    """The seizure as the rules judge it: what the caller saw, corrected by what this bench's records hold."""
    info = repo.inspection_info(seizure.id)
    reviews = repo.seizure_reviews(seizure.id)
    if info is not None:
        if not info.is_seizure:
            raise Invalid({"seizure_id": f"record {seizure.id} is not a seizure"})
        # This bench recorded it: its records, not the caller, say who seized it and whether it stands.
        seizure = replace(
            seizure,
            officer_badge=info.officer_badge,
            current=seizure.current and info.current,
            countersigned=seizure.countersigned or info.countersigned,
        )
    if any(r.action == "countersign" for r in reviews):
        seizure = replace(seizure, countersigned=True)
    returned = [r for r in reviews if r.action == "return"]
    if returned and seizure.returned_reason is None:
        seizure = replace(seizure, returned_reason=returned[-1].reason)
    return seizure


def countersign(repo: RecordsRepository, session: Session, seizure: SeizureRef) -> Saved[str]:
    """A supervisor's countersignature on someone else's current seizure (any bench's); the value is its id."""
    with repo.transaction():
        officer = current_officer(repo, session)
        seizure = _as_recorded_here(repo, seizure)
        require_countersigner(officer, seizure.officer_badge)  # Forbidden: not a supervisor, or their own
        problem = countersign_problem(officer.badge, seizure)
        if problem is not None:  # corrected, voided or countersigned already
            raise Conflict(problem)
        now = repo.now()
        row: dict[str, Value] = {
            "id": new_id(),
            "seizure_id": seizure.id,
            "action": "countersign",
            "supervisor_badge": officer.badge,
            "supervisor_name": officer.name,
            "seizing_badge": seizure.officer_badge,
            "bench_id": session.bench_id,
            "at": iso(now),
            "reason": "",
        }
        review_id = str(row["id"])
        message = SeizureCountersigned(
            review_id,
            session.bench_id,
            now,
            officer.badge,
            0,
            "",
            seizure.id,
            officer.name,
            seizure.officer_badge,
        )
        entry = Entry("countersign", RecordRow("seizure_reviews", row), {"seizure_id": seizure.id})
        changes = written(
            repo,
            Fact(officer.badge, session.bench_id, (entry,), message),
            Changes.of("countersignature", review_id)
            | Changes.of("seizure_review", review_id)
            | Changes.of("seizure", seizure.id),
        )
    return Saved(review_id, changes)


def return_for_correction(
    repo: RecordsRepository, session: Session, seizure: SeizureRef, reason: str
) -> Saved[str]:
    """Send someone else's current, not yet countersigned seizure back for correction; the value is the return's id."""
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": "say what to correct: the seizing officer reads it"})
    with repo.transaction():
        officer = current_officer(repo, session)
        seizure = _as_recorded_here(repo, seizure)
        require_reviewer(officer, seizure.officer_badge, RETURN)
        if not seizure.current:
            raise Conflict(f"seizure {seizure.id} was corrected or voided: review the current record")
        if seizure.countersigned:
            raise Conflict(f"seizure {seizure.id} is already countersigned: there is nothing to return")
        if seizure.returned_reason is not None:
            raise Conflict(
                f"seizure {seizure.id} was already returned for correction "
                f"({seizure.returned_reason}): the seizing officer corrects it"
            )
        now = repo.now()
        row: dict[str, Value] = {
            "id": new_id(),
            "seizure_id": seizure.id,
            "action": "return",
            "supervisor_badge": officer.badge,
            "supervisor_name": officer.name,
            "seizing_badge": seizure.officer_badge,
            "bench_id": session.bench_id,
            "at": iso(now),
            "reason": reason,
        }
        review_id = str(row["id"])
        message = SeizureReturned(
            review_id,
            session.bench_id,
            now,
            officer.badge,
            0,
            "",
            seizure.id,
            seizure.officer_badge,
            officer.name,
            reason,
        )
        detail = {"seizure_id": seizure.id, "reason": reason}
        entry = Entry("seizure_return", RecordRow("seizure_reviews", row), detail)
        changes = written(
            repo,
            Fact(officer.badge, session.bench_id, (entry,), message),
            Changes.of("seizure_review", review_id) | Changes.of("seizure", seizure.id),
        )
    return Saved(review_id, changes)


def lookout_pattern(field_name: str, pattern: str) -> str:
    """The pattern as kept: a tracking number in its plain form (from any scanned form), others trimmed."""
    text = pattern.strip()
    if field_name == "tracking" and "*" not in text and "?" not in text:
        parsed = parse(text)
        if parsed.foreign is None and parsed.tracking_id:
            return parsed.tracking_id
    return text


def add_lookout(
    repo: RecordsRepository, session: Session, field: str, pattern: str, reason: str, expires_at: datetime
) -> Saved[Lookout]:
    """A supervisor's facility lookout; Invalid names each bad field."""
    with repo.transaction():
        officer = current_officer(repo, session)
        require_lookout_keeper(officer)
        now = repo.now()
        errors = validate_lookout(field, pattern, reason, expires_at, now)
        if errors:
            raise Invalid(errors)
        lookout = Lookout(
            id=new_id(),
            field=field,
            pattern=lookout_pattern(field, pattern),
            reason=reason.strip(),
            expires_at=expires_at,
            added_by=f"{officer.name} ({officer.badge})",
            added_at=now,
            bench_id=session.bench_id,
        )
        row: dict[str, Value] = {
            "id": lookout.id,
            "field": lookout.field,
            "pattern": lookout.pattern,
            "reason": lookout.reason,
            "expires_at": iso(expires_at),
            "supervisor_badge": officer.badge,
            "supervisor_name": officer.name,
            "bench_id": session.bench_id,
            "at": iso(now),
        }
        message = LookoutAdded(
            lookout.id,
            session.bench_id,
            now,
            officer.badge,
            0,
            "",
            lookout.field,
            lookout.pattern,
            lookout.reason,
            expires_at,
            officer.name,
        )
        entry = Entry("lookout", RecordRow("lookouts", row))
        changes = written(
            repo, Fact(officer.badge, session.bench_id, (entry,), message), Changes.of("lookout", lookout.id)
        )
    return Saved(lookout, changes)


def remove_lookout(
    repo: RecordsRepository, session: Session, lookout_id: str, reason: str, known: Lookout | None = None
) -> Saved[str]:
    """End a lookout before its expiry; the value is the removal's id.

    `known` is the lookout as the supervisor saw it from the hub, for one added at another bench:
    this bench's records know only their own.
    """
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": "say why the lookout ends"})
    with repo.transaction():
        officer = current_officer(repo, session)
        require_lookout_keeper(officer)
        info = repo.lookout_info(lookout_id)
        if info is None and (known is None or known.id != lookout_id):
            raise NotFound(f"lookout {lookout_id} is not known here: nothing to remove")
        if (info is not None and info.removed) or repo.lookout_removed(lookout_id):
            raise Conflict(f"lookout {lookout_id} was already removed")
        now = repo.now()
        row: dict[str, Value] = {
            "id": new_id(),
            "lookout_id": lookout_id,
            "supervisor_badge": officer.badge,
            "bench_id": session.bench_id,
            "at": iso(now),
            "reason": reason,
        }
        removal_id = str(row["id"])
        message = LookoutRemoved(removal_id, session.bench_id, now, officer.badge, 0, "", lookout_id, reason)
        entry = Entry("lookout_removal", RecordRow("lookout_removals", row), {"lookout_id": lookout_id})
        changes = written(
            repo,
            Fact(officer.badge, session.bench_id, (entry,), message),
            Changes.of("lookout", lookout_id) | Changes.of("lookout_removal", removal_id),
        )
    return Saved(removal_id, changes)
