"""What reconciliation needs of the hub's reference data, kept in `ref_targets` as it is published.

The reference table holds each feed record as JSON (`item:ID`, `risk:ID`); reading every one of
them to find the targeted items of a day would be a scan of millions. So at publish time each
item or risk record is read once (the bench's own validation, core.feed_record.flat_record) into
one narrow row per tracking id: the item's arrival date and the newest risk assessment, as the
bench's cache keeps them (a risk replaces an older or equal one, never a newer one).
Engine-free: both storages run `UPSERT_SET` in their own insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from workstation.core.feed_record import RecordError, RiskRecord, flat_record

COLUMNS = ("tracking_id", "arrival_date", "score", "lane", "targeted", "target_reason", "assessed_at")
PG_TYPES = ("text", "text", "bigint", "text", "bigint", "text", "text")
TARGET_PREFIXES = ("item:", "risk:")

_NEWER = (
    "excluded.assessed_at IS NOT NULL AND "
    "(ref_targets.assessed_at IS NULL OR excluded.assessed_at >= ref_targets.assessed_at)"
)
# The ON CONFLICT (tracking_id) DO UPDATE clause: an item's arrival date, the newest assessment.
UPSERT_SET = ", ".join(
    ["arrival_date = coalesce(excluded.arrival_date, ref_targets.arrival_date)"]
    + [
        f"{c} = CASE WHEN {_NEWER} THEN excluded.{c} ELSE ref_targets.{c} END"
        for c in ("score", "lane", "targeted", "target_reason", "assessed_at")
    ]
)


@dataclass(frozen=True)
class RefTarget:
    tracking_id: str
    arrival_date: str | None  # an item record's; None from a risk-only record
    score: int | None
    lane: str | None
    targeted: int
    target_reason: str
    assessed_at: str | None  # None: no assessment

    def then(self, later: RefTarget) -> RefTarget:
        """This row with a later record of the same tracking id applied, as the upsert does."""
        out = self
        if later.arrival_date is not None:
            out = replace(out, arrival_date=later.arrival_date)
        if later.assessed_at is not None and (
            out.assessed_at is None or later.assessed_at >= out.assessed_at
        ):
            out = replace(
                out,
                score=later.score,
                lane=later.lane,
                targeted=later.targeted,
                target_reason=later.target_reason,
                assessed_at=later.assessed_at,
            )
        return out

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)


def target_of(key: str, record: Mapping[str, Any]) -> RefTarget | None:
    """The row an item or risk record gives; None for any other key or a record that does not validate."""
    if not key.startswith(TARGET_PREFIXES):
        return None
    try:
        rec = flat_record(dict(record))
    except RecordError:
        return None
    arrival = None if isinstance(rec, RiskRecord) else str(rec.head[4])
    if rec.risk is None:
        return RefTarget(rec.tracking_id, arrival, None, None, 0, "", None)
    score, lane, _reasons, targeted, target_reason, _rule, assessed_at = rec.risk
    return RefTarget(rec.tracking_id, arrival, score, lane, int(targeted), target_reason, assessed_at)


def merged(records: Iterable[tuple[str, Mapping[str, Any]]]) -> list[RefTarget]:
    """One row per tracking id for a chunk of published records, applied in order."""
    out: dict[str, RefTarget] = {}
    for key, record in records:
        t = target_of(key, record)
        if t is None:
            continue
        held = out.get(t.tracking_id)
        out[t.tracking_id] = t if held is None else held.then(t)
    return list(out.values())


def tracking_ids_of(keys: Iterable[str]) -> list[str]:
    """The tracking ids whose row a withdrawal of these keys changes."""
    return sorted({k.split(":", 1)[1] for k in keys if k.startswith(TARGET_PREFIXES)})
