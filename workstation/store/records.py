"""The records store: the SQLite repository of the records services, and their façade.

`write(fact)` is the one write path: a fact's rows, one audit entry per row and its one outbox
message, in the caller's transaction. The rules (who may record, correct, countersign; what a
record carries) are in `workstation.core.services`; `RecordsStore.save_*` are thin façades over
`RecordsStore.service` that return the value only, for callers that do not route `Changes`.
Records are never updated or deleted.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from workstation.core.audit import ChainReport
from workstation.core.errors import Invalid, NotFound
from workstation.core.messages import Message
from workstation.core.records import (
    OPEN_CASE_OUTCOMES,
    DetentionDraft,
    InspectionDraft,
    InspectionRecord,
    Officer,
    Role,
    SeizureDraft,
    Session,
)
from workstation.core.review import Lookout, SeizureRef
from workstation.core.services.records import RecordsService, iso, new_id, record_from_row
from workstation.core.services.repository import (
    Fact,
    InspectionInfo,
    LookoutInfo,
    OfficerRow,
    RecordRow,
    SeizureReview,
    ShiftInfo,
)
from workstation.store import audit, outbox
from workstation.store.backup_files import damaged_advice
from workstation.store.db import RECORDS_FILE, apply_migrations, open_records_connection, write_transaction
from workstation.store.files import records_left
from workstation.store.outbox import Outbox
from workstation.store.photos import PHOTOS_DIR, read_checked, write_durably
from workstation.store.records_schema import RECORD_TABLES, migrations
from workstation.store.sync_state import SyncState

Clock = Callable[[], datetime]
M = TypeVar("M", bound=Message)

__all__ = ["RecordsStore", "ValidationError", "iso", "new_id", "open_case_tracking_ids", "record_from_row"]

# The old name of Invalid, kept for callers and tests written against it.
ValidationError = Invalid

_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")
_OFFICER_COLUMNS = frozenset({"badge", "name", "role", "active", "password_hash", "pin_hash", "created_at"})


LOOKOUT_COLUMNS = "l.id, l.field, l.pattern, l.reason, l.expires_at, l.supervisor_badge, l.supervisor_name, l.bench_id, l.at"


def lookout_from_row(row: Sequence[Any]) -> Lookout:
    """A `lookouts` row (LOOKOUT_COLUMNS, in order) as the core's Lookout."""
    lid, field, pattern, reason, expires_at, badge, name, bench_id, at = row
    return Lookout(
        id=lid,
        field=field,
        pattern=pattern,
        reason=reason,
        expires_at=datetime.fromisoformat(expires_at),
        added_by=f"{name} ({badge})",
        added_at=datetime.fromisoformat(at),
        bench_id=bench_id,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def officer_from_row(badge: str, name: str, role: str, active: int) -> Officer:
    return Officer(badge, name, Role(role), bool(active))


def _columns(values: Mapping[str, Any], allowed: frozenset[str] | None = None) -> list[str]:
    names = list(values)
    for name in names:
        if not _COLUMN.fullmatch(name) or (allowed is not None and name not in allowed):
            raise ValueError(f"{name!r} is not a column the write path writes")
    return names


class RecordsStore:
    """The records file: implements the services' repositories (records and, with SqliteOfficers, officers)."""

    def __init__(self, db: Database, data_dir: Path, clock: Clock | None = None) -> None:
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.data_dir = data_dir
        self._clock = clock or utc_now
        self.outbox = Outbox(db, self.now)
        self.sync_state = SyncState(db, data_dir, self.now)
        self.service = RecordsService(self)

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

    def write(self, fact: Fact[M]) -> M:
        """The one write path: the fact's rows, an audit entry each, its outbox message; inside transaction().

        Returns the message as queued, stamped with the audit entry that closed the fact.
        """
        if not self.conn.in_transaction:
            raise RuntimeError("write() runs inside transaction(): a fact is written whole or not at all")
        if not fact.entries:
            raise ValueError("a fact has at least one audit entry")
        at = self.now()
        entry = None
        for e in fact.entries:
            subject = e.subject
            if isinstance(subject, RecordRow):
                if subject.table not in RECORD_TABLES:
                    raise ValueError(f"{subject.table!r} is not a record table")
                cols = _columns(subject.values)
                self.conn.execute(
                    f"INSERT INTO {subject.table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    tuple(subject.values[c] for c in cols),
                )
                entry = audit.append(
                    self.conn, at=at, kind=e.kind, actor=fact.actor, bench_id=fact.bench_id,
                    detail=e.detail, record=(subject.table, str(subject.values["id"])),
                )  # fmt: skip
            elif isinstance(subject, OfficerRow):
                self._write_officer(subject)
                entry = audit.append(
                    self.conn, at=at, kind=e.kind, actor=fact.actor, bench_id=fact.bench_id,
                    detail=e.detail, officer=subject.badge,
                )  # fmt: skip
            else:
                entry = audit.append(
                    self.conn, at=at, kind=e.kind, actor=fact.actor, bench_id=fact.bench_id, detail=e.detail
                )
        assert entry is not None
        message = fact.message.stamped(entry.seq, entry.hash)
        outbox.add(self.conn, message, at)
        return message

    def _write_officer(self, change: OfficerRow) -> None:
        cols = _columns(change.values, _OFFICER_COLUMNS)
        if change.insert:
            if change.values.get("badge") != change.badge:
                raise ValueError("an inserted officer row names its own badge")
            self.conn.execute(
                f"INSERT INTO officers ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                tuple(change.values[c] for c in cols),
            )
            return
        cur = self.conn.execute(
            f"UPDATE officers SET {', '.join(f'{c} = ?' for c in cols)} WHERE badge = ?",
            (*(change.values[c] for c in cols), change.badge),
        )
        if cur.rowcount != 1:
            raise NotFound(f"no officer {change.badge!r} to change")

    # -- what the rules read --------------------------------------------------------------------

    def shift(self, shift_id: str) -> ShiftInfo | None:
        row = self.conn.execute(
            "SELECT o.badge, o.name, o.role, o.active, e.how FROM shifts s "
            "JOIN officers o ON o.badge = s.officer_badge LEFT JOIN shift_ends e ON e.id = s.id "
            "WHERE s.id = ?",
            (shift_id,),
        ).fetchone()
        if row is None:
            return None
        return ShiftInfo(shift_id, officer_from_row(*row[:4]), row[4])

    def inspection_info(self, inspection_id: str) -> InspectionInfo | None:
        row = self.conn.execute(
            "SELECT i.tracking_id, i.officer_badge, i.id IN (SELECT id FROM current_inspections), "
            "s.id IS NOT NULL, EXISTS (SELECT 1 FROM countersignatures c WHERE c.seizure_id = i.id) "
            "OR EXISTS (SELECT 1 FROM seizure_reviews r WHERE r.seizure_id = i.id AND r.action = 'countersign') "
            "FROM inspections i LEFT JOIN seizures s ON s.id = i.id WHERE i.id = ?",
            (inspection_id,),
        ).fetchone()
        if row is None:
            return None
        return InspectionInfo(inspection_id, row[0], row[1], bool(row[2]), bool(row[3]), bool(row[4]))

    def seizure_ref(self, seizure_id: str) -> SeizureRef | None:
        row = self.conn.execute(
            "SELECT i.tracking_id, i.officer_badge, i.officer_name, i.bench_id, i.at, s.violation, "
            "s.total_msrp, s.total_domestic_value FROM inspections i JOIN seizures s ON s.id = i.id "
            "WHERE i.id = ?",
            (seizure_id,),
        ).fetchone()
        info = self.inspection_info(seizure_id)
        if row is None or info is None:
            return None
        items = self.conn.execute(
            "SELECT description, quantity, msrp_per_unit, domestic_value, rights_holder, "
            "recordation_number, identifiers FROM seized_items WHERE seizure_id = ? ORDER BY line_no",
            (seizure_id,),
        )
        names = [d[0] for d in items.description]
        returned = [r.reason for r in self.seizure_reviews(seizure_id) if r.action == "return"]
        return SeizureRef(
            id=seizure_id,
            tracking_id=row[0],
            officer_badge=row[1],
            officer_name=row[2],
            bench_id=row[3],
            at=datetime.fromisoformat(row[4]),
            violation=row[5],
            total_msrp=float(row[6]),
            total_domestic_value=float(row[7]),
            current=info.current,
            countersigned=info.countersigned,
            returned_reason=returned[-1] if returned and info.current else None,
            items=tuple(dict(zip(names, r, strict=True)) for r in items),
        )

    def seizure_reviews(self, seizure_id: str) -> list[SeizureReview]:
        rows = self.conn.execute(
            "SELECT id, seizure_id, 'countersign', supervisor_badge, at, '' FROM countersignatures "
            "WHERE seizure_id = ? UNION ALL "
            "SELECT id, seizure_id, action, supervisor_badge, at, reason FROM seizure_reviews "
            "WHERE seizure_id = ? ORDER BY 5, 1",
            (seizure_id, seizure_id),
        )
        return [SeizureReview(*r) for r in rows]

    def lookout_info(self, lookout_id: str) -> LookoutInfo | None:
        row = self.conn.execute(
            f"SELECT {LOOKOUT_COLUMNS}, EXISTS (SELECT 1 FROM lookout_removals r WHERE r.lookout_id = l.id) "
            "FROM lookouts l WHERE l.id = ?",
            (lookout_id,),
        ).fetchone()
        return None if row is None else LookoutInfo(lookout_from_row(row[:9]), bool(row[9]))

    def lookout_removed(self, lookout_id: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM lookout_removals WHERE lookout_id = ?", (lookout_id,)
        ).fetchone()
        return row is not None

    def lookouts(self, now: datetime) -> list[Lookout]:
        """The live lookouts added at this bench and not removed here, newest first (offline scans use them)."""
        rows = self.conn.execute(
            f"SELECT {LOOKOUT_COLUMNS} FROM lookouts l WHERE l.expires_at > ? "
            "AND NOT EXISTS (SELECT 1 FROM lookout_removals r WHERE r.lookout_id = l.id) ORDER BY l.at DESC",
            (iso(now),),
        )
        return [lookout_from_row(r) for r in rows]

    def lookout_version(self) -> tuple[int, int]:
        """The newest rowids of `lookouts` and `lookout_removals`: append-only, so they change with every write."""
        row = self.conn.execute(
            "SELECT coalesce((SELECT max(rowid) FROM lookouts), 0), "
            "coalesce((SELECT max(rowid) FROM lookout_removals), 0)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def removed_lookouts(self) -> set[str]:
        """Ids of the lookouts removed at this bench (of any bench): a scan here no longer flags them."""
        return {r[0] for r in self.conn.execute("SELECT lookout_id FROM lookout_removals")}

    def known_photos(self, photo_ids: Sequence[str]) -> set[str]:
        if not photo_ids:
            return set()
        marks = ", ".join("?" for _ in photo_ids)
        return {
            r[0] for r in self.conn.execute(f"SELECT id FROM photos WHERE id IN ({marks})", tuple(photo_ids))
        }

    def keep_photo_file(self, file_name: str, data: bytes) -> None:
        write_durably(self.data_dir / PHOTOS_DIR, file_name, data)

    # -- façades over the service (the value only; the service returns Saved(value, changes)) ----

    def current_officer(self, session: Session) -> Officer:
        """The session's officer as the file knows them now; refuses ended shifts and disabled badges."""
        return self.service.current_officer(session)

    def record_security_event(
        self, session: Session | None, kind: str, detail: Mapping[str, Any] | str = ""
    ) -> None:
        """Append a security event (lock, unlock, export, backup, ...) with its outbox message."""
        self.service.record_security_event(session, kind, detail)

    def save_inspection(self, session: Session, draft: InspectionDraft) -> InspectionRecord:
        """Record an outcome without case details (released, duty assessed, referred, refused)."""
        return self.service.save_inspection(session, draft).value

    def save_detention(
        self, session: Session, inspection: InspectionDraft, detention: DetentionDraft
    ) -> InspectionRecord:
        """Record a detention (CBP 6051D) with its notice and decision deadlines."""
        return self.service.save_detention(session, inspection, detention).value

    def save_seizure(
        self, session: Session, inspection: InspectionDraft, seizure: SeizureDraft
    ) -> InspectionRecord:
        """Record a seizure with its items and photos; raises Invalid naming each bad field."""
        return self.service.save_seizure(session, inspection, seizure).value

    def save_photo(self, session: Session, data: bytes, suffix: str = ".jpg") -> str:
        """Keep a photo as evidence; returns its id."""
        return self.service.save_photo(session, data, suffix).value

    def countersign_seizure(self, session: Session, inspection_id: str) -> None:
        """A supervisor's countersignature on someone else's seizure."""
        self.service.countersign_seizure(session, inspection_id)

    def countersign(self, session: Session, seizure: SeizureRef) -> str:
        """A supervisor's countersignature on a seizure of any bench; returns its id."""
        return self.service.countersign(session, seizure).value

    def return_for_correction(self, session: Session, seizure: SeizureRef, reason: str) -> str:
        """Send a seizure back for correction with the reason; returns the return's id."""
        return self.service.return_for_correction(session, seizure, reason).value

    def add_lookout(
        self, session: Session, field: str, pattern: str, reason: str, expires_at: datetime
    ) -> Lookout:
        """A supervisor's facility lookout."""
        return self.service.add_lookout(session, field, pattern, reason, expires_at).value

    def remove_lookout(
        self, session: Session, lookout_id: str, reason: str, known: Lookout | None = None
    ) -> str:
        """End a lookout (`known`: another bench's, as the hub showed it); returns the removal's id."""
        return self.service.remove_lookout(session, lookout_id, reason, known).value

    def void_inspection(self, session: Session, inspection_id: str, reason: str) -> None:
        """A supervisor voids a record made in error; the record stays, the view drops it."""
        self.service.void_inspection(session, inspection_id, reason)

    def read_photo(self, photo_id: str) -> bytes:
        """The photo's bytes; raises PhotoIntegrityError when they no longer match the record."""
        row = self.conn.execute("SELECT file_name, sha256 FROM photos WHERE id = ?", (photo_id,)).fetchone()
        if row is None:
            raise NotFound(f"no photo {photo_id!r} in the records")
        return read_checked(self.data_dir / PHOTOS_DIR / row[0], row[1])

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
        """Messages waiting to be sent."""
        return self.outbox.count()

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


def open_case_tracking_ids(data_dir: Path) -> set[str]:
    """Tracking ids with an open detention or seizure; none on a bench that has never recorded."""
    if not (data_dir / RECORDS_FILE).exists() and not records_left(data_dir, RECORDS_FILE):
        return set()
    store = RecordsStore.open(data_dir)
    try:
        return store.open_case_tracking_ids()
    finally:
        store.close()
