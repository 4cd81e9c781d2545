"""The records store: inspections, detentions, seizures and photos, each written with its audit
entry and its outbox row in one transaction. Records are never updated or deleted.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from workstation.core.audit import ChainReport, canonical_json
from workstation.core.permissions import require_corrector, require_countersigner, require_recorder
from workstation.core.records import (
    OPEN_CASE_OUTCOMES,
    DetentionDraft,
    ExamType,
    InspectionDraft,
    InspectionRecord,
    Officer,
    Outcome,
    PermissionDenied,
    Role,
    SeizureDraft,
    Session,
    detention_deadlines,
    validate_detention,
    validate_inspection,
    validate_seizure,
)
from workstation.store import audit
from workstation.store.backup_files import damaged_advice
from workstation.store.db import RECORDS_FILE, apply_migrations, open_records_connection, write_transaction
from workstation.store.files import records_left
from workstation.store.photos import (
    PHOTOS_DIR,
    check_suffix,
    content_suffix,
    read_checked,
    sha256_hex,
    write_durably,
)
from workstation.store.records_schema import migrations

Clock = Callable[[], datetime]

__all__ = ["RecordsStore", "ValidationError", "open_case_tracking_ids"]


class ValidationError(ValueError):
    """A draft that cannot be saved; `errors` maps field paths to messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def new_id() -> str:
    return str(uuid.uuid4())


def officer_from_row(badge: str, name: str, role: str, active: int) -> Officer:
    return Officer(badge, name, Role(role), bool(active))


class RecordsStore:
    """Writes and reads the records file; every write checks the session and the permissions."""

    def __init__(self, db: Database, data_dir: Path, clock: Clock | None = None) -> None:
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.data_dir = data_dir
        self._clock = clock or utc_now

    @classmethod
    def open(
        cls, data_dir: Path, *, check_same_thread: bool = True, clock: Clock | None = None
    ) -> RecordsStore:
        """Open the records file, creating it only on a true first run.

        Raises StoreUnavailableError (damaged, missing while earlier records remain, folder not
        writable) with a message that says what to do.
        """
        conn = open_records_connection(
            data_dir, damaged_advice(data_dir), check_same_thread=check_same_thread, migrations=migrations
        )
        db = Database(conn)
        apply_migrations(db, migrations)
        return cls(db, data_dir, clock)

    def close(self) -> None:
        self.conn.close()

    def now(self) -> datetime:
        at = self._clock()
        if at.tzinfo is None:
            raise ValueError("the clock must give timezone-aware datetimes")
        return at.astimezone(UTC)

    # -- writing --------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction that takes the write lock first, so the audit head cannot move."""
        with write_transaction(self.db):
            yield

    def write_record(
        self, table: str, row: Mapping[str, Any], *, kind: str, actor: str, bench_id: str, detail: Any = ""
    ) -> None:
        """Insert one record row and its audit entry; call inside transaction()."""
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))
        audit.append(
            self.conn,
            at=self.now(),
            kind=kind,
            actor=actor,
            bench_id=bench_id,
            detail=detail,
            record=(table, str(row["id"])),
        )

    def write_outbox(self, kind: str, record_id: str, payload: Mapping[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO outbox (kind, record_id, payload, created_at) VALUES (?, ?, ?, ?)",
            (kind, record_id, canonical_json(dict(payload)), iso(self.now())),
        )

    def record_security_event(
        self, session: Session | None, kind: str, detail: Mapping[str, Any] | str = ""
    ) -> None:
        """Append a security event (lock, unlock, export, backup, ...) to the audit log."""
        with self.transaction():
            audit.append(
                self.conn,
                at=self.now(),
                kind=kind,
                actor=session.officer.badge if session else "",
                bench_id=session.bench_id if session else "",
                detail=detail,
            )

    def current_officer(self, session: Session) -> Officer:
        """The session's officer as the file knows them now; refuses ended shifts and disabled badges."""
        row = self.conn.execute(
            "SELECT o.badge, o.name, o.role, o.active, s.officer_badge, e.id, e.how FROM shifts s "
            "JOIN officers o ON o.badge = s.officer_badge LEFT JOIN shift_ends e ON e.id = s.id "
            "WHERE s.id = ?",
            (session.shift_id,),
        ).fetchone()
        if row is None or row[4] != session.officer.badge:
            raise PermissionDenied("this session is not known on this workstation: sign in again")
        if row[5] is not None:
            raise PermissionDenied(f"this session has ended ({row[6]}): sign in again")
        officer = officer_from_row(*row[:4])
        if not officer.active:
            raise PermissionDenied(f"badge {officer.badge} is disabled")
        return officer

    def _inspection_row(self, session: Session, officer: Officer, d: InspectionDraft) -> dict[str, Any]:
        return {
            "id": new_id(),
            "tracking_id": d.tracking_id,
            "officer_badge": officer.badge,
            "officer_name": officer.name,
            "bench_id": session.bench_id,
            "shift_id": session.shift_id,
            "at": iso(self.now()),
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

    def _begin_inspection(self, session: Session, d: InspectionDraft) -> tuple[Officer, dict[str, Any]]:
        """Checks shared by every save; call inside transaction(). Writes the inspection row."""
        errors = validate_inspection(d)
        if errors:
            raise ValidationError(errors)
        officer = self.current_officer(session)
        require_recorder(officer)
        kind = "inspection"
        if d.supersedes is not None:
            require_corrector(officer)
            self._check_correctable(d.supersedes, d.tracking_id)
            kind = "correction"
        row = self._inspection_row(session, officer, d)
        self.write_record(
            "inspections",
            row,
            kind=kind,
            actor=officer.badge,
            bench_id=session.bench_id,
            detail={"supersedes": d.supersedes, "reason": d.reason} if d.supersedes else "",
        )
        return officer, row

    def _check_correctable(self, inspection_id: str, tracking_id: str) -> None:
        row = self.conn.execute(
            "SELECT tracking_id, id IN (SELECT id FROM current_inspections) FROM inspections WHERE id = ?",
            (inspection_id,),
        ).fetchone()
        if row is None:
            raise ValueError(f"record {inspection_id} does not exist: nothing to correct")
        if not row[1]:
            raise ValueError(
                f"record {inspection_id} was already corrected or voided: correct the current one"
            )
        if row[0] != tracking_id:
            raise ValueError(f"record {inspection_id} is for {row[0]}, not {tracking_id}")

    def save_inspection(self, session: Session, draft: InspectionDraft) -> InspectionRecord:
        """Record an outcome without case details (released, duty assessed, referred, refused)."""
        if draft.outcome in OPEN_CASE_OUTCOMES:
            method = "save_seizure" if draft.outcome is Outcome.SEIZED else "save_detention"
            raise ValueError(f"a {draft.outcome.value} outcome is saved with its details ({method})")
        with self.transaction():
            _, row = self._begin_inspection(session, draft)
            self.write_outbox("inspection", row["id"], {"inspection": row})
        return record_from_row(row)

    def save_detention(
        self, session: Session, inspection: InspectionDraft, detention: DetentionDraft
    ) -> InspectionRecord:
        """Record a detention (CBP 6051D) with its notice and decision deadlines."""
        if inspection.outcome is not Outcome.DETAINED:
            raise ValueError("a detention is saved with the outcome 'detained'")
        errors = validate_detention(detention, today=self.now().astimezone().date())
        if errors:
            raise ValidationError(errors)
        notice_due, decision_due = detention_deadlines(detention.detained_on)
        with self.transaction():
            officer, row = self._begin_inspection(session, inspection)
            det = {
                "id": row["id"],
                "reason": detention.reason,
                "agency_or_test": detention.agency_or_test,
                "detained_on": detention.detained_on.isoformat(),
                "notice_due": notice_due.isoformat(),
                "decision_due": decision_due.isoformat(),
            }
            self.write_record(
                "detentions", det, kind="detention", actor=officer.badge, bench_id=session.bench_id
            )
            self.write_outbox("inspection", row["id"], {"inspection": row, "detention": det})
        return record_from_row(row)

    def save_seizure(
        self, session: Session, inspection: InspectionDraft, seizure: SeizureDraft
    ) -> InspectionRecord:
        """Record a seizure with its items and photos; raises ValidationError naming each bad field."""
        if inspection.outcome is not Outcome.SEIZED:
            raise ValueError("a seizure is saved with the outcome 'seized'")
        errors = validate_seizure(seizure)
        if errors:
            raise ValidationError(errors)
        with self.transaction():
            known = (
                {
                    r[0]
                    for r in self.conn.execute(
                        f"SELECT id FROM photos WHERE id IN ({', '.join('?' for _ in seizure.photo_ids)})",
                        seizure.photo_ids,
                    )
                }
                if seizure.photo_ids
                else set()
            )
            unknown = [p for p in seizure.photo_ids if p not in known]
            if unknown:
                raise ValidationError({"photos": f"unknown photo id {unknown[0]!r}: save the photo first"})
            officer, row = self._begin_inspection(session, inspection)
            actor, bench = officer.badge, session.bench_id
            sz = {
                "id": row["id"],
                "violation": seizure.violation.value,
                "law_cited": seizure.law_cited,
                "storage_location": seizure.storage_location,
                "total_msrp": float(seizure.total_msrp),
                "total_domestic_value": float(seizure.total_domestic_value),
            }
            self.write_record("seizures", sz, kind="seizure", actor=actor, bench_id=bench)
            items = []
            for n, it in enumerate(seizure.items):
                item = {
                    "id": f"{row['id']}:{n}",
                    "seizure_id": row["id"],
                    "line_no": n,
                    "description": it.description,
                    "quantity": it.quantity,
                    "msrp_per_unit": float(it.msrp_per_unit),
                    "domestic_value": float(it.domestic_value),
                    "rights_holder": it.rights_holder,
                    "recordation_number": it.recordation_number,
                    "identifiers": it.identifiers,
                }
                self.write_record("seized_items", item, kind="seized_item", actor=actor, bench_id=bench)
                items.append(item)
            links = []
            for n, photo_id in enumerate(seizure.photo_ids):
                link = {
                    "id": f"{row['id']}:{n}",
                    "seizure_id": row["id"],
                    "photo_id": photo_id,
                    "position": n,
                }
                self.write_record("seizure_photos", link, kind="seizure_photo", actor=actor, bench_id=bench)
                links.append(link)
            self.write_outbox(
                "inspection", row["id"], {"inspection": row, "seizure": sz, "items": items, "photos": links}
            )
        return record_from_row(row)

    def save_photo(self, session: Session, data: bytes, suffix: str = ".jpg") -> str:
        """Keep a photo as evidence: the file under photos/, its SHA-256 in the record; returns its id."""
        # A file is named by what it holds, whatever the caller thought it was (a camera frame is JPEG).
        suffix = content_suffix(data) or check_suffix(suffix)
        officer = self.current_officer(session)
        require_recorder(officer)
        photo_id = new_id()
        file_name = photo_id + suffix
        write_durably(self.data_dir / PHOTOS_DIR, file_name, data)
        row = {
            "id": photo_id,
            "file_name": file_name,
            "sha256": sha256_hex(data),
            "size": len(data),
            "officer_badge": officer.badge,
            "at": iso(self.now()),
        }
        with self.transaction():
            self.current_officer(session)
            self.write_record("photos", row, kind="photo", actor=officer.badge, bench_id=session.bench_id)
            self.write_outbox("photo", photo_id, {"photo": row})
        return photo_id

    def read_photo(self, photo_id: str) -> bytes:
        """The photo's bytes; raises PhotoIntegrityError when they no longer match the record."""
        row = self.conn.execute("SELECT file_name, sha256 FROM photos WHERE id = ?", (photo_id,)).fetchone()
        if row is None:
            raise LookupError(f"no photo {photo_id!r} in the records")
        return read_checked(self.data_dir / PHOTOS_DIR / row[0], row[1])

    def countersign_seizure(self, session: Session, inspection_id: str) -> None:
        """A supervisor's countersignature on someone else's seizure."""
        with self.transaction():
            officer = self.current_officer(session)
            row = self.conn.execute(
                "SELECT i.officer_badge, s.id, i.id IN (SELECT id FROM current_inspections) "
                "FROM inspections i LEFT JOIN seizures s ON s.id = i.id WHERE i.id = ?",
                (inspection_id,),
            ).fetchone()
            if row is None or row[1] is None:
                raise ValueError(f"record {inspection_id} is not a seizure")
            require_countersigner(officer, row[0])
            if not row[2]:
                raise ValueError(
                    f"seizure {inspection_id} was corrected or voided: countersign the current record"
                )
            if self.conn.execute(
                "SELECT 1 FROM countersignatures WHERE seizure_id = ?", (inspection_id,)
            ).fetchone():
                raise ValueError(f"seizure {inspection_id} is already countersigned")
            sig = {
                "id": new_id(),
                "seizure_id": inspection_id,
                "supervisor_badge": officer.badge,
                "supervisor_name": officer.name,
                "bench_id": session.bench_id,
                "at": iso(self.now()),
            }
            self.write_record(
                "countersignatures", sig, kind="countersign", actor=officer.badge, bench_id=session.bench_id
            )
            self.write_outbox("countersignature", sig["id"], {"countersignature": sig})

    def void_inspection(self, session: Session, inspection_id: str, reason: str) -> None:
        """A supervisor voids a record made in error; the record stays, the view drops it."""
        if not reason.strip():
            raise ValidationError({"reason": "a void says why the record is void"})
        with self.transaction():
            officer = self.current_officer(session)
            require_corrector(officer)
            tracking = self.conn.execute(
                "SELECT tracking_id FROM inspections WHERE id = ?", (inspection_id,)
            ).fetchone()
            if tracking is None:
                raise ValueError(f"record {inspection_id} does not exist: nothing to void")
            self._check_correctable(inspection_id, tracking[0])
            void = {
                "id": new_id(),
                "inspection_id": inspection_id,
                "officer_badge": officer.badge,
                "bench_id": session.bench_id,
                "at": iso(self.now()),
                "reason": reason,
            }
            self.write_record("voids", void, kind="void", actor=officer.badge, bench_id=session.bench_id)
            self.write_outbox("void", void["id"], {"void": void})

    # -- reading --------------------------------------------------------------------------------

    def _inspections(self, where: str, params: tuple[Any, ...], limit: int = -1) -> list[InspectionRecord]:
        cur = self.conn.execute(
            f"SELECT * FROM current_inspections WHERE {where} ORDER BY at DESC, row_seq DESC LIMIT ?",
            (*params, limit),
        )
        names = [d[0] for d in cur.description]
        return [record_from_row(dict(zip(names, r, strict=True))) for r in cur]

    def get_inspection(self, inspection_id: str) -> InspectionRecord | None:
        """Any record by id, current or not."""
        cur = self.conn.execute("SELECT * FROM inspections WHERE id = ?", (inspection_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return record_from_row({d[0]: v for d, v in zip(cur.description, row, strict=True)})

    def inspections_for(self, tracking_id: str) -> list[InspectionRecord]:
        """The current (not superseded, not voided) records of a package, newest first."""
        return self._inspections("tracking_id = ?", (tracking_id,))

    def shift_inspections(self, session: Session, limit: int = 50) -> list[InspectionRecord]:
        """The current records made in this shift, newest first."""
        return self._inspections("shift_id = ?", (session.shift_id,), limit)

    def shift_count(self, session: Session) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM current_inspections WHERE shift_id = ?", (session.shift_id,)
        ).fetchone()
        return int(row[0])

    def outbox_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0])

    def open_case_tracking_ids(self) -> set[str]:
        """Tracking ids whose newest current record is a detention or a seizure."""
        outcomes = tuple(o.value for o in OPEN_CASE_OUTCOMES)
        rows = self.conn.execute(
            "SELECT tracking_id FROM (SELECT tracking_id, outcome, row_number() OVER "
            "(PARTITION BY tracking_id ORDER BY at DESC, row_seq DESC) AS n FROM current_inspections) "
            f"WHERE n = 1 AND outcome IN ({', '.join('?' for _ in outcomes)})",
            outcomes,
        )
        return {r[0] for r in rows}

    def audit_head(self) -> tuple[int, str]:
        """(seq, hash) of the newest audit entry, for anchoring elsewhere."""
        return audit.head(self.conn)

    def verify_audit(self, anchor: tuple[int, str] | None = None) -> ChainReport:
        return audit.verify(self.conn, anchor)


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


def open_case_tracking_ids(data_dir: Path) -> set[str]:
    """Tracking ids with an open detention or seizure; none on a bench that has never recorded."""
    if not (data_dir / RECORDS_FILE).exists() and not records_left(data_dir, RECORDS_FILE):
        return set()
    store = RecordsStore.open(data_dir)
    try:
        return store.open_case_tracking_ids()
    finally:
        store.close()
