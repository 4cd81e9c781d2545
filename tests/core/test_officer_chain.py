"""check_chain over officer state: only the last entry per badge must match the current row."""

from __future__ import annotations

from typing import Any

from workstation.core.audit import (
    GENESIS_HASH,
    OFFICER_FIELDS_KEY,
    AuditEntry,
    canonical_json,
    check_chain,
    entry_hash,
    field_digests,
    officer_subject,
    record_digest,
)

ROW: dict[str, Any] = {"badge": "D1001", "name": "Olga", "role": "officer", "active": 1, "pin_hash": None}


def chain(*rows: dict[str, Any]) -> list[AuditEntry]:
    entries, prev = [], GENESIS_HASH
    for seq, row in enumerate(rows, start=1):
        detail = canonical_json({"badge": row["badge"], OFFICER_FIELDS_KEY: field_digests(row)})
        e = AuditEntry(seq, "t", "officer_change", "A1", "B", officer_subject(row["badge"]),
                       record_digest(row), detail, prev, "")  # fmt: skip
        e = AuditEntry(**{**e.__dict__, "hash": entry_hash(prev, e.body())})
        entries.append(e)
        prev = e.hash
    return entries


def test_many_entries_per_officer_and_the_last_one_counts() -> None:
    later = {**ROW, "role": "supervisor"}
    entries = chain(ROW, later)
    assert check_chain(entries, {}, officer_rows={"D1001": later}).ok
    brk = check_chain(entries, {}, officer_rows={"D1001": ROW}).first_break
    assert brk is not None
    assert (brk.seq, brk.kind) == (2, "edited_officer")
    assert (
        brk.message == "officer D1001: role does not match its last audit entry 2 (changed outside the app)"
    )


def test_two_fields_changed_are_both_named() -> None:
    brk = check_chain(
        chain(ROW), {}, officer_rows={"D1001": {**ROW, "role": "admin", "active": 0}}
    ).first_break
    assert brk is not None
    assert "officer D1001: active, role do not match its last audit entry 1" in brk.message


def test_a_deleted_and_an_added_officer() -> None:
    brk = check_chain(chain(ROW), {}, officer_rows={}).first_break
    assert brk is not None
    assert brk.kind == "missing_officer"
    assert "officer D1001: the row of audit entry 1 is missing" in brk.message
    brk = check_chain(chain(ROW), {}, officer_rows={"D1001": ROW, "X\n9": ROW}).first_break
    assert brk is not None
    assert brk.kind == "unaudited_officer"
    assert brk.message == "officer 'X\\n9': the row has no audit entry (added outside the app)"


def test_a_missing_field_digest_still_says_the_row_does_not_match() -> None:
    e = chain(ROW)[0]
    bare = AuditEntry(**{**e.__dict__, "detail": "{}"})
    bare = AuditEntry(**{**bare.__dict__, "hash": entry_hash(GENESIS_HASH, bare.body())})
    brk = check_chain([bare], {}, officer_rows={"D1001": {**ROW, "name": "Eve"}}).first_break
    assert brk is not None
    assert "officer D1001: row does not match its last audit entry 1" in brk.message
