"""The audit chain: each entry's hash = SHA-256(previous hash + canonical JSON of the entry).

Pure: the store feeds entries, record digests and the current officer rows in; `check_chain`
says where the chain breaks. Nothing here trusts the database's triggers: whoever holds the file
can drop them.

Records are facts: one entry each. Officers are state that changes: every change writes an entry
whose subject is `officers:BADGE` and whose record_sha256 is the digest of the whole row as it
became, with a digest per field in its detail (`officer_fields`), so verification can say which
field was changed outside the app.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_str
from typing import Any

from workstation.core.badge import shown_badge

GENESIS_HASH = "0" * 64
OFFICER_SUBJECT_PREFIX = "officers:"
OFFICER_FIELDS_KEY = "officer_fields"


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(obj: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text kept as is: the same value always gives the same bytes."""
    return _ENCODER.encode(obj)


def record_digest(row: Mapping[str, Any]) -> str:
    """SHA-256 of a record row (column -> value) as canonical JSON."""
    return hashlib.sha256(canonical_json(dict(row)).encode("utf-8", "surrogatepass")).hexdigest()


def officer_subject(badge: str) -> str:
    return OFFICER_SUBJECT_PREFIX + badge


def field_digests(row: Mapping[str, Any]) -> dict[str, str]:
    """A short digest per column, so a mismatch names its field without the entry holding the value."""
    return {
        name: hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        for name, value in row.items()
    }


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    kind: str
    actor: str
    bench_id: str
    subject: str  # "table:id" for a record, "" for a pure security event
    record_sha256: str
    detail: str  # canonical JSON text
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "bench_id": self.bench_id,
            "subject": self.subject,
            "record_sha256": self.record_sha256,
            "detail": self.detail,
        }


def entry_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        (prev_hash + canonical_json(dict(body))).encode("utf-8", "surrogatepass")
    ).hexdigest()


def entry_hash_fast(prev_hash: str, e: AuditEntry) -> str:
    """entry_hash(prev_hash, e.body()) without the general encoder: verification's hot loop.

    Spells out canonical JSON for the usual field types (keys in sorted order); anything else
    (a tampered column holding a number or a blob) takes the general path.
    """
    enc = _encode_str
    try:
        text = (
            f'{{"actor":{enc(e.actor)},"at":{enc(e.at)},"bench_id":{enc(e.bench_id)},'
            f'"detail":{enc(e.detail)},"kind":{enc(e.kind)},"record_sha256":{enc(e.record_sha256)},'
            f'"seq":{int.__repr__(e.seq)},"subject":{enc(e.subject)}}}'
        )
    except TypeError:
        return entry_hash(prev_hash, e.body())
    return hashlib.sha256((prev_hash + text).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    kind: str  # edited_entry, missing_entry, broken_link, edited_record, missing_record, ...
    message: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    records: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def check_chain(
    entries: Iterable[AuditEntry],
    record_digests: Mapping[str, str],
    anchor: tuple[int, str] | None = None,
    officer_rows: Mapping[str, Mapping[str, Any]] | None = None,
) -> ChainReport:
    """Walk the entries in seq order; report the first break, then officers and records no entry covers.

    `officer_rows` maps each badge in the officers table to its row (column -> value); None is
    an empty table, so an entry for an officer whose row is gone is a break.
    """
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    seen: dict[str, int] = {}
    last_officer_entry: dict[str, AuditEntry] = {}
    anchor_seen = anchor is None

    def report(brk: ChainBreak | None) -> ChainReport:
        return ChainReport(count, len(record_digests), expected_seq - 1, prev_hash, brk)

    for e in entries:
        if e.seq != expected_seq:
            if e.seq > expected_seq:
                missing = f"{expected_seq}" if e.seq == expected_seq + 1 else f"{expected_seq}-{e.seq - 1}"
                return report(
                    ChainBreak(e.seq, "missing_entry", f"audit entry {missing} is missing (deleted)")
                )
            return report(ChainBreak(e.seq, "out_of_order", f"audit entry {e.seq} is out of sequence"))
        if e.prev_hash != prev_hash:
            return report(
                ChainBreak(
                    e.seq,
                    "broken_link",
                    f"audit entry {e.seq} does not follow entry {e.seq - 1} "
                    "(an entry was deleted, inserted or reordered)",
                )
            )
        if entry_hash_fast(prev_hash, e) != e.hash:
            return report(
                ChainBreak(e.seq, "edited_entry", f"audit entry {e.seq} was changed after it was written")
            )
        if e.subject:
            if e.subject.startswith(OFFICER_SUBJECT_PREFIX):
                # State, not a fact: many entries per officer, and only the last must match the row.
                last_officer_entry[e.subject[len(OFFICER_SUBJECT_PREFIX) :]] = e
            elif e.subject in seen:
                return report(
                    ChainBreak(
                        e.seq,
                        "duplicate_entry",
                        f"audit entry {e.seq} repeats entry {seen[e.subject]} for {e.subject} (inserted entry)",
                    )
                )
            else:
                seen[e.subject] = e.seq
                digest = record_digests.get(e.subject)
                if digest is None:
                    return report(
                        ChainBreak(
                            e.seq,
                            "missing_record",
                            f"record {e.subject} of audit entry {e.seq} is missing (deleted record)",
                        )
                    )
                if digest != e.record_sha256:
                    return report(
                        ChainBreak(
                            e.seq,
                            "edited_record",
                            f"record {e.subject} does not match its audit entry {e.seq} (edited record)",
                        )
                    )
        if anchor is not None and e.seq == anchor[0]:
            if e.hash != anchor[1]:
                return report(
                    ChainBreak(
                        e.seq, "anchor_mismatch", f"audit entry {e.seq} differs from the anchored hash"
                    )
                )
            anchor_seen = True
        prev_hash = e.hash
        expected_seq += 1
        count += 1
    if not anchor_seen and anchor is not None:
        return report(
            ChainBreak(
                anchor[0], "missing_entry", f"the anchored audit entry {anchor[0]} is missing (truncated)"
            )
        )
    officer_break = check_officers(last_officer_entry, officer_rows or {})
    if officer_break is not None:
        return report(officer_break)
    for subject in record_digests:
        if subject not in seen:
            return report(ChainBreak(0, "unaudited_record", f"record {subject} has no audit entry"))
    return report(None)


def check_officers(
    last_entries: Mapping[str, AuditEntry], rows: Mapping[str, Mapping[str, Any]]
) -> ChainBreak | None:
    """Each officer row must be exactly what its last audit entry says it became."""
    for badge, entry in last_entries.items():
        row = rows.get(badge)
        if row is None:
            return ChainBreak(
                entry.seq,
                "missing_officer",
                f"officer {shown_badge(badge)}: the row of audit entry {entry.seq} is missing "
                "(deleted outside the app)",
            )
        if record_digest(row) != entry.record_sha256:
            return ChainBreak(
                entry.seq,
                "edited_officer",
                f"officer {shown_badge(badge)}: {_changed_fields(entry, row)} its last audit entry "
                f"{entry.seq} (changed outside the app)",
            )
    for badge in rows:
        if badge not in last_entries:
            return ChainBreak(
                0,
                "unaudited_officer",
                f"officer {shown_badge(badge)}: the row has no audit entry (added outside the app)",
            )
    return None


def _changed_fields(entry: AuditEntry, row: Mapping[str, Any]) -> str:
    """'role does not match', 'role, active do not match', or 'row does not match' when unknown."""
    try:
        recorded = json.loads(entry.detail).get(OFFICER_FIELDS_KEY)
    except (ValueError, AttributeError):
        recorded = None
    if not isinstance(recorded, dict):
        return "row does not match"
    now = field_digests(row)
    changed = sorted(
        {name for name in now if recorded.get(name) != now[name]}
        | {name for name in recorded if name not in now}
    )
    if not changed:
        return "row does not match"
    return f"{', '.join(changed)} {'does' if len(changed) == 1 else 'do'} not match"
