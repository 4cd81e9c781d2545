"""The hub's projection of accepted events into the records schema's tables, and its review rule.

Every accepted message becomes the rows the bench that sent it wrote in its own records file:
the same table names, the same columns, the same values (record ids are the event ids, times the
bench's ISO 8601 UTC text, booleans 0/1), so one query builder (`store/review_query.py`) reads
the bench's file and the hub's database alike. Both engines call `project` inside the upload's
transaction, for accepted events only: a duplicate or a conflict projects nothing.

Qt-free and SQL-free: the engines own the statements; this module owns what goes in them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from workstation.core.messages import (
    DetentionRecorded,
    InspectionPart,
    InspectionRecorded,
    InspectionVoided,
    LookoutAdded,
    LookoutRemoved,
    Message,
    PhotoTaken,
    SeizureCountersigned,
    SeizureRecorded,
    SeizureReturned,
    ShiftEnded,
    ShiftStarted,
)
from workstation.core.review import Lookout, SeizureRef, countersign_problem
from workstation.hub.model import EventResult, Incoming

Row = dict[str, Any]

# Each projected table's columns in insert order, with the SQL type PostgreSQL gives them
# ("text", "bigint", "float8"); SQLite stores the same values untyped. Booleans are integers.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "shifts": (
        ("id", "text"),
        ("officer_badge", "text"),
        ("bench_id", "text"),
        ("started_at", "text"),
        ("handed_over_from", "text"),
    ),
    "shift_ends": (("id", "text"), ("ended_at", "text"), ("how", "text")),
    "inspections": (
        ("id", "text"),
        ("tracking_id", "text"),
        ("officer_badge", "text"),
        ("officer_name", "text"),
        ("bench_id", "text"),
        ("shift_id", "text"),
        ("at", "text"),
        ("outcome", "text"),
        ("exam_types", "text"),
        ("notes", "text"),
        ("manifest_found", "bigint"),
        ("risk_score", "bigint"),
        ("risk_lane", "text"),
        ("targeted", "bigint"),
        ("agency", "text"),
        ("supersedes", "text"),
        ("reason", "text"),
        ("barcode", "text"),
    ),
    "detentions": (
        ("id", "text"),
        ("reason", "text"),
        ("agency_or_test", "text"),
        ("detained_on", "text"),
        ("notice_due", "text"),
        ("decision_due", "text"),
    ),
    "seizures": (
        ("id", "text"),
        ("violation", "text"),
        ("law_cited", "text"),
        ("storage_location", "text"),
        ("total_msrp", "float8"),
        ("total_domestic_value", "float8"),
    ),
    "seized_items": (
        ("id", "text"),
        ("seizure_id", "text"),
        ("line_no", "bigint"),
        ("description", "text"),
        ("quantity", "bigint"),
        ("msrp_per_unit", "float8"),
        ("domestic_value", "float8"),
        ("rights_holder", "text"),
        ("recordation_number", "text"),
        ("identifiers", "text"),
    ),
    "photos": (
        ("id", "text"),
        ("file_name", "text"),
        ("sha256", "text"),
        ("size", "bigint"),
        ("officer_badge", "text"),
        ("at", "text"),
    ),
    "seizure_photos": (("id", "text"), ("seizure_id", "text"), ("photo_id", "text"), ("position", "bigint")),
    "countersignatures": (
        ("id", "text"),
        ("seizure_id", "text"),
        ("supervisor_badge", "text"),
        ("supervisor_name", "text"),
        ("bench_id", "text"),
        ("at", "text"),
    ),
    "voids": (
        ("id", "text"),
        ("inspection_id", "text"),
        ("officer_badge", "text"),
        ("bench_id", "text"),
        ("at", "text"),
        ("reason", "text"),
    ),
    "seizure_reviews": (
        ("id", "text"),
        ("seizure_id", "text"),
        ("action", "text"),
        ("supervisor_badge", "text"),
        ("supervisor_name", "text"),
        ("seizing_badge", "text"),
        ("bench_id", "text"),
        ("at", "text"),
        ("reason", "text"),
    ),
    "lookouts": (
        ("id", "text"),
        ("field", "text"),
        ("pattern", "text"),
        ("reason", "text"),
        ("expires_at", "text"),
        ("supervisor_badge", "text"),
        ("supervisor_name", "text"),
        ("bench_id", "text"),
        ("at", "text"),
    ),
    "lookout_removals": (
        ("id", "text"),
        ("lookout_id", "text"),
        ("supervisor_badge", "text"),
        ("bench_id", "text"),
        ("at", "text"),
        ("reason", "text"),
    ),
}

# The message kinds a supervisor's review of a seizure arrives as.
REVIEW_KINDS = frozenset({SeizureCountersigned.KIND, SeizureReturned.KIND})


def iso(at: datetime) -> str:
    """A time as the bench writes it (core/services/records.py::iso): UTC, microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _inspection(m: Message, part: InspectionPart) -> Row:
    return {
        "id": m.event_id,
        "tracking_id": part.tracking_id,
        "officer_badge": part.officer_badge,
        "officer_name": part.officer_name,
        "bench_id": m.bench_id,
        "shift_id": part.shift_id,
        "at": iso(m.at),
        "outcome": part.outcome,
        # As the bench stores it: json.dumps of the sorted list (the message keeps that order).
        "exam_types": json.dumps(list(part.exam_types)),
        "notes": part.notes,
        "manifest_found": int(part.manifest_found),
        "risk_score": part.risk_score,
        "risk_lane": part.risk_lane,
        "targeted": int(part.targeted),
        "agency": part.agency,
        "supersedes": part.supersedes,
        "reason": part.reason,
        "barcode": part.barcode,
    }


def _seizure(m: SeizureRecorded) -> list[tuple[str, Row]]:
    rid = m.event_id
    rows: list[tuple[str, Row]] = [
        ("inspections", _inspection(m, m.inspection)),
        (
            "seizures",
            {
                "id": rid,
                "violation": m.violation,
                "law_cited": m.law_cited,
                "storage_location": m.storage_location,
                "total_msrp": m.total_msrp,
                "total_domestic_value": m.total_domestic_value,
            },
        ),
    ]
    for n, it in enumerate(m.items):
        rows.append(
            (
                "seized_items",
                {
                    "id": f"{rid}:{n}",
                    "seizure_id": rid,
                    "line_no": n,
                    "description": it.description,
                    "quantity": it.quantity,
                    "msrp_per_unit": it.msrp_per_unit,
                    "domestic_value": it.domestic_value,
                    "rights_holder": it.rights_holder,
                    "recordation_number": it.recordation_number,
                    "identifiers": it.identifiers,
                },
            )
        )
    for n, photo_id in enumerate(m.photo_ids):
        rows.append(
            ("seizure_photos", {"id": f"{rid}:{n}", "seizure_id": rid, "photo_id": photo_id, "position": n})
        )
    return rows


def _review(m: SeizureCountersigned | SeizureReturned, action: str) -> Row:
    return {
        "id": m.event_id,
        "seizure_id": m.seizure_id,
        "action": action,
        "supervisor_badge": m.actor,
        "supervisor_name": m.supervisor_name,
        "seizing_badge": m.seizing_badge,
        "bench_id": m.bench_id,
        "at": iso(m.at),
        "reason": m.reason if isinstance(m, SeizureReturned) else "",
    }


def project(m: Message) -> list[tuple[str, Row]]:
    """The rows the bench wrote for this message, as (table, row); none for a message of no record."""
    if isinstance(m, InspectionRecorded):
        return [("inspections", _inspection(m, m.inspection))]
    if isinstance(m, DetentionRecorded):
        return [
            ("inspections", _inspection(m, m.inspection)),
            (
                "detentions",
                {
                    "id": m.event_id,
                    "reason": m.reason,
                    "agency_or_test": m.agency_or_test,
                    "detained_on": m.detained_on.isoformat(),
                    "notice_due": m.notice_due.isoformat(),
                    "decision_due": m.decision_due.isoformat(),
                },
            ),
        ]
    if isinstance(m, SeizureRecorded):
        return _seizure(m)
    if isinstance(m, PhotoTaken):
        row = {
            "id": m.event_id,
            "file_name": m.file_name,
            "sha256": m.sha256,
            "size": m.size,
            "officer_badge": m.actor,
            "at": iso(m.at),
        }
        return [("photos", row)]
    if isinstance(m, SeizureCountersigned):
        if not m.seizing_badge:
            # Written before seizure reviews existed: the bench kept it in `countersignatures`.
            sig = {
                "id": m.event_id,
                "seizure_id": m.seizure_id,
                "supervisor_badge": m.actor,
                "supervisor_name": m.supervisor_name,
                "bench_id": m.bench_id,
                "at": iso(m.at),
            }
            return [("countersignatures", sig)]
        return [("seizure_reviews", _review(m, "countersign"))]
    if isinstance(m, SeizureReturned):
        return [("seizure_reviews", _review(m, "return"))]
    if isinstance(m, InspectionVoided):
        row = {
            "id": m.event_id,
            "inspection_id": m.inspection_id,
            "officer_badge": m.actor,
            "bench_id": m.bench_id,
            "at": iso(m.at),
            "reason": m.reason,
        }
        return [("voids", row)]
    if isinstance(m, LookoutAdded):
        lookout = {
            "id": m.event_id,
            "field": m.field,
            "pattern": m.pattern,
            "reason": m.reason,
            "expires_at": iso(m.expires_at),
            "supervisor_badge": m.actor,
            "supervisor_name": m.supervisor_name,
            "bench_id": m.bench_id,
            "at": iso(m.at),
        }
        return [("lookouts", lookout)]
    if isinstance(m, LookoutRemoved):
        removal = {
            "id": m.event_id,
            "lookout_id": m.lookout_id,
            "supervisor_badge": m.actor,
            "bench_id": m.bench_id,
            "at": iso(m.at),
            "reason": m.reason,
        }
        return [("lookout_removals", removal)]
    if isinstance(m, ShiftStarted):
        shift = {
            "id": m.event_id,
            "officer_badge": m.actor,
            "bench_id": m.bench_id,
            "started_at": iso(m.at),
            "handed_over_from": m.handed_over_from,
        }
        return [("shifts", shift)]
    if isinstance(m, ShiftEnded):
        return [("shift_ends", {"id": m.event_id, "ended_at": iso(m.at), "how": m.how})]
    return []


def accepted_rows(events: Sequence[Incoming], statuses: Sequence[str]) -> dict[str, list[Row]]:
    """The projected rows of the events accepted now (`statuses`: each event's result), by table."""
    out: dict[str, list[Row]] = {}
    for ev, status in zip(events, statuses, strict=True):
        if status != "accepted" or ev.message is None:
            continue
        for table, row in project(ev.message):
            out.setdefault(table, []).append(row)
    return out


def accepted_lookouts(events: Sequence[Incoming], results: Sequence[EventResult]) -> list[Message]:
    """The lookout events accepted now (a duplicate went out with the reference data before)."""
    return [
        ev.message
        for ev, r in zip(events, results, strict=True)
        if r.status == "accepted" and isinstance(ev.message, LookoutAdded | LookoutRemoved)
    ]


LOOKOUT_COLUMNS = "id, field, pattern, reason, expires_at, supervisor_name, supervisor_badge, at, bench_id"


def lookout_from_row(row: Sequence[Any]) -> Lookout:
    """A Lookout from the projection's `lookouts` row (LOOKOUT_COLUMNS, in order)."""
    return Lookout(
        id=row[0],
        field=row[1],
        pattern=row[2],
        reason=row[3],
        expires_at=datetime.fromisoformat(row[4]),
        added_by=f"{row[5]} ({row[6]})",
        added_at=datetime.fromisoformat(row[7]),
        bench_id=row[8],
    )


def column_values(table: str, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    """The rows as tuples in the table's column order."""
    names = [name for name, _ in TABLES[table]]
    return [tuple(row[n] for n in names) for row in rows]


# -- the hub's review rule ------------------------------------------------------------------------


def refuse_own_reviews(
    events: Sequence[Incoming], seizing_officers: Callable[[list[str]], Mapping[str, str]]
) -> list[Incoming]:
    """The batch with every countersignature or return made by the seizing officer refused.

    The seizing officer is the one the hub's projection holds for the seizure
    (`seizing_officers(ids)` -> {seizure id: badge}), else the one of a seizure earlier in this
    batch, else the one the message names. The reason is core.review.countersign_problem's, so
    bench and hub say the same words.
    """
    ids = sorted(
        {m.seizure_id for e in events if isinstance(m := e.message, SeizureCountersigned | SeizureReturned)}
    )
    if not ids:
        return list(events)
    held = dict(seizing_officers(ids))
    in_batch: dict[str, str] = {}
    out: list[Incoming] = []
    for e in events:
        m = e.message
        if e.good and isinstance(m, SeizureRecorded):
            in_batch.setdefault(m.event_id, m.inspection.officer_badge)
        if not (e.good and isinstance(m, SeizureCountersigned | SeizureReturned)):
            out.append(e)
            continue
        seizer = held.get(m.seizure_id) or in_batch.get(m.seizure_id) or m.seizing_badge
        ref = SeizureRef(m.seizure_id, "", seizer, "", "", m.at, "", 0.0, 0.0)
        problem = countersign_problem(m.actor, ref) if seizer else None
        out.append(e.refused(problem) if problem else e)
    return out
