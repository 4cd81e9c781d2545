"""The records rules: who may record, correct, void and countersign, and what each record carries.

Every write goes through `repo.write(fact)` (row, audit entry and outbox message in one
transaction) and returns `Saved(value, changes)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workstation.core.changes import Changes, Saved
from workstation.core.errors import Conflict, Invalid, NotFound
from workstation.core.messages import (
    DetentionRecorded,
    InspectionPart,
    InspectionRecorded,
    InspectionVoided,
    JsonScalar,
    Message,
    PhotoTaken,
    SecurityEvent,
    SeizedItemPart,
    SeizureRecorded,
)
from workstation.core.permissions import require_corrector, require_recorder
from workstation.core.photos import check_suffix, content_suffix, sha256_hex
from workstation.core.records import (
    OPEN_CASE_OUTCOMES,
    DetentionDraft,
    ExamType,
    InspectionDraft,
    InspectionRecord,
    Officer,
    Outcome,
    SeizureDraft,
    Session,
    detention_deadlines,
    validate_detention,
    validate_inspection,
    validate_seizure,
)
from workstation.core.review import Lookout, SeizureRef
from workstation.core.services import reviews
from workstation.core.services.repository import (
    Entry,
    Fact,
    RecordRow,
    RecordsRepository,
    Value,
    Writer,
)
from workstation.core.services.writes import current_officer as current_officer
from workstation.core.services.writes import iso as iso
from workstation.core.services.writes import new_id as new_id
from workstation.core.services.writes import written as written


def security_event(
    repo: Writer, actor: str, bench_id: str, kind: str, detail: Mapping[str, Any] | str = ""
) -> Saved[str]:
    """An audit entry with no record row (lock, unlock, backup, a refused sign-in), and its message.

    Call inside a transaction when it goes with other writes.
    """
    body: dict[str, JsonScalar] = (
        dict(detail) if isinstance(detail, Mapping) else {"text": detail} if detail else {}
    )
    event_id = new_id()
    message = SecurityEvent(event_id, bench_id, repo.now(), actor, 0, "", kind, body)
    fact = Fact(actor, bench_id, (Entry(kind, None, detail),), message)
    return Saved(event_id, written(repo, fact, Changes.of("security", event_id)))


def inspection_part(row: Mapping[str, Any]) -> InspectionPart:
    return InspectionPart(
        tracking_id=row["tracking_id"],
        barcode=row["barcode"],
        officer_badge=row["officer_badge"],
        officer_name=row["officer_name"],
        shift_id=row["shift_id"],
        outcome=row["outcome"],
        exam_types=tuple(json.loads(row["exam_types"])),
        notes=row["notes"],
        manifest_found=bool(row["manifest_found"]),
        risk_score=row["risk_score"],
        risk_lane=row["risk_lane"],
        targeted=bool(row["targeted"]),
        agency=row["agency"],
        supersedes=row["supersedes"],
        reason=row["reason"],
    )


def record_from_row(row: Mapping[str, Any]) -> InspectionRecord:
    return InspectionRecord(
        id=row["id"],
        tracking_id=row["tracking_id"],
        officer_badge=row["officer_badge"],
        officer_name=row["officer_name"],
        bench_id=row["bench_id"],
        at=datetime.fromisoformat(row["at"]),
        outcome=Outcome(row["outcome"]),
        exam_types=frozenset(ExamType(e) for e in json.loads(row["exam_types"])),
        notes=row["notes"],
        manifest_found=bool(row["manifest_found"]),
        risk_score=row["risk_score"],
        risk_lane=row["risk_lane"],
        targeted=bool(row["targeted"]),
        agency=row["agency"],
        supersedes=row["supersedes"],
        reason=row["reason"],
        barcode=row["barcode"],
    )


class RecordsService:
    """Records outcomes, detentions, seizures, photos, countersignatures and voids."""

    def __init__(self, repo: RecordsRepository) -> None:
        self.repo = repo

    def current_officer(self, session: Session) -> Officer:
        return current_officer(self.repo, session)

    def record_security_event(
        self, session: Session | None, kind: str, detail: Mapping[str, Any] | str = ""
    ) -> Saved[str]:
        """Lock, unlock, export, backup, ...: an audit entry and its outbox message; returns the event id."""
        with self.repo.transaction():
            return security_event(
                self.repo,
                session.officer.badge if session else "",
                session.bench_id if session else "",
                kind,
                detail,
            )

    # -- outcomes -------------------------------------------------------------------------------

    def _inspection_row(self, session: Session, officer: Officer, d: InspectionDraft) -> dict[str, Value]:
        return {
            "id": new_id(),
            "tracking_id": d.tracking_id,
            "officer_badge": officer.badge,
            "officer_name": officer.name,
            "bench_id": session.bench_id,
            "shift_id": session.shift_id,
            "at": iso(self.repo.now()),
            "outcome": d.outcome.value,
            "exam_types": json.dumps(sorted(e.value for e in d.exam_types)),
            "notes": d.notes,
            "manifest_found": int(bool(d.manifest_found)),
            "risk_score": d.risk_score,
            "risk_lane": d.risk_lane,
            "targeted": int(bool(d.targeted)),
            "agency": d.agency,
            "supersedes": d.supersedes,
            "reason": d.reason,
            "barcode": d.barcode or None,
        }

    def _begin(self, session: Session, d: InspectionDraft) -> tuple[Officer, dict[str, Value], Entry]:
        """The checks every outcome shares (call inside a transaction); the row and its audit entry."""
        errors = validate_inspection(d)
        if errors:
            raise Invalid(errors)
        officer = self.current_officer(session)
        require_recorder(officer)
        kind, detail = "inspection", {}
        if d.supersedes is not None:
            require_corrector(officer)
            self._check_correctable(d.supersedes, d.tracking_id)
            kind, detail = "correction", {"supersedes": d.supersedes, "reason": d.reason}
        row = self._inspection_row(session, officer, d)
        return officer, row, Entry(kind, RecordRow("inspections", row), detail or "")

    def _check_correctable(self, inspection_id: str, tracking_id: str) -> None:
        info = self.repo.inspection_info(inspection_id)
        if info is None:
            raise NotFound(f"record {inspection_id} does not exist: nothing to correct")
        if not info.current:
            raise Conflict(f"record {inspection_id} was already corrected or voided: correct the current one")
        if info.tracking_id != tracking_id:
            raise Invalid(
                {"supersedes": f"record {inspection_id} is for {info.tracking_id}, not {tracking_id}"}
            )

    def _changes(self, row: Mapping[str, Value], *kinds: str) -> Changes:
        rid = str(row["id"])
        changes = Changes.of("inspection", rid)
        if row["supersedes"] is not None:
            changes |= Changes.of("inspection", str(row["supersedes"]))
        for kind in kinds:
            changes |= Changes.of(kind, rid)
        return changes

    def _message_head(self, session: Session, officer: Officer, row: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "event_id": row["id"],
            "bench_id": session.bench_id,
            "at": datetime.fromisoformat(row["at"]),
            "actor": officer.badge,
            "audit_seq": 0,
            "audit_hash": "",
        }

    def save_inspection(self, session: Session, draft: InspectionDraft) -> Saved[InspectionRecord]:
        """Record an outcome without case details (released, duty assessed, referred, refused)."""
        if draft.outcome in OPEN_CASE_OUTCOMES:
            method = "save_seizure" if draft.outcome is Outcome.SEIZED else "save_detention"
            raise Invalid(
                {"outcome": f"a {draft.outcome.value} outcome is saved with its details ({method})"}
            )
        with self.repo.transaction():
            officer, row, entry = self._begin(session, draft)
            message: Message = InspectionRecorded(
                **self._message_head(session, officer, row), inspection=inspection_part(row)
            )
            changes = written(
                self.repo, Fact(officer.badge, session.bench_id, (entry,), message), self._changes(row)
            )
        return Saved(record_from_row(row), changes)

    def save_detention(
        self, session: Session, inspection: InspectionDraft, detention: DetentionDraft
    ) -> Saved[InspectionRecord]:
        """Record a detention (CBP 6051D) with its notice and decision deadlines."""
        if inspection.outcome is not Outcome.DETAINED:
            raise Invalid({"outcome": "a detention is saved with the outcome 'detained'"})
        errors = validate_detention(detention, today=self.repo.now().astimezone().date())
        if errors:
            raise Invalid(errors)
        notice_due, decision_due = detention_deadlines(detention.detained_on)
        with self.repo.transaction():
            officer, row, entry = self._begin(session, inspection)
            det: dict[str, Value] = {
                "id": row["id"],
                "reason": detention.reason,
                "agency_or_test": detention.agency_or_test,
                "detained_on": detention.detained_on.isoformat(),
                "notice_due": notice_due.isoformat(),
                "decision_due": decision_due.isoformat(),
            }
            message = DetentionRecorded(
                **self._message_head(session, officer, row),
                inspection=inspection_part(row),
                reason=detention.reason,
                agency_or_test=detention.agency_or_test,
                detained_on=detention.detained_on,
                notice_due=notice_due,
                decision_due=decision_due,
            )
            entries = (entry, Entry("detention", RecordRow("detentions", det)))
            fact = Fact(officer.badge, session.bench_id, entries, message)
            changes = written(self.repo, fact, self._changes(row, "detention"))
        return Saved(record_from_row(row), changes)

    def save_seizure(
        self, session: Session, inspection: InspectionDraft, seizure: SeizureDraft
    ) -> Saved[InspectionRecord]:
        """Record a seizure with its items and photos; Invalid names each bad field."""
        if inspection.outcome is not Outcome.SEIZED:
            raise Invalid({"outcome": "a seizure is saved with the outcome 'seized'"})
        errors = validate_seizure(seizure)
        if errors:
            raise Invalid(errors)
        with self.repo.transaction():
            known = self.repo.known_photos(seizure.photo_ids) if seizure.photo_ids else set()
            unknown = [p for p in seizure.photo_ids if p not in known]
            if unknown:
                raise Invalid({"photos": f"unknown photo id {unknown[0]!r}: save the photo first"})
            officer, row, entry = self._begin(session, inspection)
            rid = str(row["id"])
            sz: dict[str, Value] = {
                "id": rid,
                "violation": seizure.violation.value,
                "law_cited": seizure.law_cited,
                "storage_location": seizure.storage_location,
                "total_msrp": float(seizure.total_msrp),
                "total_domestic_value": float(seizure.total_domestic_value),
            }
            entries = [entry, Entry("seizure", RecordRow("seizures", sz))]
            parts = []
            for n, it in enumerate(seizure.items):
                item: dict[str, Value] = {
                    "id": f"{rid}:{n}",
                    "seizure_id": rid,
                    "line_no": n,
                    "description": it.description,
                    "quantity": it.quantity,
                    "msrp_per_unit": float(it.msrp_per_unit),
                    "domestic_value": float(it.domestic_value),
                    "rights_holder": it.rights_holder,
                    "recordation_number": it.recordation_number,
                    "identifiers": it.identifiers,
                }
                entries.append(Entry("seized_item", RecordRow("seized_items", item)))
                parts.append(
                    SeizedItemPart(
                        it.description,
                        it.quantity,
                        float(it.msrp_per_unit),
                        float(it.domestic_value),
                        it.rights_holder,
                        it.recordation_number,
                        it.identifiers,
                    )
                )
            for n, photo_id in enumerate(seizure.photo_ids):
                link: dict[str, Value] = {
                    "id": f"{rid}:{n}",
                    "seizure_id": rid,
                    "photo_id": photo_id,
                    "position": n,
                }
                entries.append(Entry("seizure_photo", RecordRow("seizure_photos", link)))
            message = SeizureRecorded(
                **self._message_head(session, officer, row),
                inspection=inspection_part(row),
                violation=seizure.violation.value,
                law_cited=seizure.law_cited,
                storage_location=seizure.storage_location,
                total_msrp=float(seizure.total_msrp),
                total_domestic_value=float(seizure.total_domestic_value),
                items=tuple(parts),
                photo_ids=tuple(seizure.photo_ids),
            )
            fact = Fact(officer.badge, session.bench_id, tuple(entries), message)
            changes = written(self.repo, fact, self._changes(row, "seizure"))
        return Saved(record_from_row(row), changes)

    def save_photo(self, session: Session, data: bytes, suffix: str = ".jpg") -> Saved[str]:
        """Keep a photo as evidence: the file first, then its record with its SHA-256; the value is its id."""
        # A file is named by what it holds, whatever the caller thought it was (a camera frame is JPEG).
        suffix = content_suffix(data) or check_suffix(suffix)
        officer = self.current_officer(session)
        require_recorder(officer)
        photo_id = new_id()
        file_name = photo_id + suffix
        self.repo.keep_photo_file(file_name, data)
        now = self.repo.now()
        row: dict[str, Value] = {
            "id": photo_id,
            "file_name": file_name,
            "sha256": sha256_hex(data),
            "size": len(data),
            "officer_badge": officer.badge,
            "at": iso(now),
        }
        message = PhotoTaken(
            photo_id, session.bench_id, now, officer.badge, 0, "", file_name, sha256_hex(data), len(data)
        )
        with self.repo.transaction():
            self.current_officer(session)
            fact = Fact(officer.badge, session.bench_id, (Entry("photo", RecordRow("photos", row)),), message)
            changes = written(self.repo, fact, Changes.of("photo", photo_id))
        return Saved(photo_id, changes)

    # -- a supervisor's review (core/services/reviews.py) --------------------------------------

    def countersign(self, session: Session, seizure: SeizureRef) -> Saved[str]:
        """A supervisor's countersignature on someone else's current seizure, of any bench; the value is its id.

        Forbidden for an officer, an admin or the seizing supervisor; Conflict when the seizure was
        corrected, voided or countersigned already (as the caller saw it or as this bench records it).
        """
        return reviews.countersign(self.repo, session, seizure)

    def countersign_seizure(self, session: Session, inspection_id: str) -> Saved[str]:
        """Countersign a seizure recorded at this bench, by its record id; the value is the countersignature's id."""
        info = self.repo.inspection_info(inspection_id)
        if info is None:
            raise NotFound(f"record {inspection_id} does not exist: nothing to countersign")
        seizure = self.repo.seizure_ref(inspection_id)
        if seizure is None:
            raise Invalid({"seizure_id": f"record {inspection_id} is not a seizure"})
        return self.countersign(session, seizure)

    def return_for_correction(self, session: Session, seizure: SeizureRef, reason: str) -> Saved[str]:
        """Send someone else's seizure back to its officer for correction, with the reason; the value is the return's id."""
        return reviews.return_for_correction(self.repo, session, seizure, reason)

    def add_lookout(
        self, session: Session, field: str, pattern: str, reason: str, expires_at: datetime
    ) -> Saved[Lookout]:
        """A supervisor's facility lookout (tracking number, shipper, consignee, seller or address pattern)."""
        return reviews.add_lookout(self.repo, session, field, pattern, reason, expires_at)

    def remove_lookout(
        self, session: Session, lookout_id: str, reason: str, known: Lookout | None = None
    ) -> Saved[str]:
        """End a lookout; `known` is another bench's lookout as seen from the hub. The value is the removal's id."""
        return reviews.remove_lookout(self.repo, session, lookout_id, reason, known)

    def void_inspection(self, session: Session, inspection_id: str, reason: str) -> Saved[str]:
        """A supervisor voids a record made in error; the record stays, the view drops it. Value: the void's id."""
        if not reason.strip():
            raise Invalid({"reason": "a void says why the record is void"})
        with self.repo.transaction():
            officer = self.current_officer(session)
            require_corrector(officer)
            info = self.repo.inspection_info(inspection_id)
            if info is None:
                raise NotFound(f"record {inspection_id} does not exist: nothing to void")
            self._check_correctable(inspection_id, info.tracking_id)
            now = self.repo.now()
            void: dict[str, Value] = {
                "id": new_id(),
                "inspection_id": inspection_id,
                "officer_badge": officer.badge,
                "bench_id": session.bench_id,
                "at": iso(now),
                "reason": reason,
            }
            void_id = str(void["id"])
            message = InspectionVoided(
                void_id, session.bench_id, now, officer.badge, 0, "", inspection_id, reason
            )
            entry = Entry("void", RecordRow("voids", void))
            changes = written(
                self.repo,
                Fact(officer.badge, session.bench_id, (entry,), message),
                Changes.of("void", void_id) | Changes.of("inspection", inspection_id),
            )
        return Saved(void_id, changes)
