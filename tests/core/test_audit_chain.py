"""The audit chain's hashing: the fast path equals the canonical definition for any entry."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workstation.core.audit import GENESIS_HASH, AuditEntry, check_chain, entry_hash, entry_hash_fast

TEXT = st.text()


@given(st.integers(min_value=1, max_value=2**62), TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT)
def test_fast_hash_equals_the_definition(
    seq: int, at: str, kind: str, actor: str, bench: str, subject: str, digest: str, detail: str
) -> None:
    e = AuditEntry(seq, at, kind, actor, bench, subject, digest, detail, GENESIS_HASH, "")
    assert entry_hash_fast(GENESIS_HASH, e) == entry_hash(GENESIS_HASH, e.body())


def test_a_tampered_column_of_another_type_still_hashes() -> None:
    e = AuditEntry(1, 5, "k", "a", "b", "", "", "{}", GENESIS_HASH, "")  # type: ignore[arg-type]
    assert entry_hash_fast(GENESIS_HASH, e) == entry_hash(GENESIS_HASH, e.body())


def test_check_chain_on_a_small_chain() -> None:
    entries, prev = [], GENESIS_HASH
    for seq in (1, 2, 3):
        e = AuditEntry(seq, "t", "lock", "O1", "B1", "", "", "{}", prev, "")
        e = AuditEntry(**{**e.__dict__, "hash": entry_hash(prev, e.body())})
        entries.append(e)
        prev = e.hash
    assert check_chain(entries, {}).ok
    assert check_chain(entries, {}, anchor=(2, entries[1].hash)).ok
    brk = check_chain([entries[0], entries[2]], {}).first_break
    assert brk is not None
    assert brk.kind == "missing_entry"
    brk = check_chain(entries, {"inspections:x": "d"}).first_break
    assert brk is not None
    assert brk.kind == "unaudited_record"
