"""The sync's state in the records file, and the hub's anchor also kept beside it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from records_support import Bench, open_bench

from workstation.store import audit
from workstation.store.sync_state import ANCHOR_FILE, HubAnchor


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def test_offline_since_is_the_first_failure_and_a_success_clears_it(bench: Bench) -> None:
    state = bench.store.sync_state
    first = bench.clock.now
    state.failed("hub unreachable: refused", offline=True)
    bench.clock.advance(minutes=5)
    state.failed("hub unreachable: timed out", offline=True)
    status = state.status()
    assert status.offline_since == first
    assert status.last_error == "hub unreachable: timed out"
    bench.clock.advance(minutes=1)
    state.succeeded(3.5)
    status = state.status()
    assert (status.offline_since, status.last_error) == (None, None)
    assert status.last_success == bench.clock.now
    assert status.clock_skew_seconds == 3.5


def test_the_anchor_is_kept_in_the_file_and_beside_it_owner_only(bench: Bench, data_dir: Path) -> None:
    state = bench.store.sync_state
    assert state.anchor() is None
    assert state.file_anchor() is None
    seq, digest = bench.store.audit_head()
    state.store_anchor(HubAnchor(seq, digest, "r1"))
    assert state.anchor() == HubAnchor(seq, digest, "r1")
    assert state.file_anchor() == HubAnchor(seq, digest, "r1")
    path = data_dir / ANCHOR_FILE
    assert json.loads(path.read_text())["seq"] == seq
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The copy never moves back; the row says what the hub said last.
    state.store_anchor(HubAnchor(1, audit.entry_at(bench.store.conn, 1).hash))  # type: ignore[union-attr]
    assert getattr(state.anchor(), "seq", None) == 1
    assert state.file_anchor() == HubAnchor(seq, digest, "r1")


def test_a_damaged_anchor_copy_reads_as_none(bench: Bench, data_dir: Path) -> None:
    (data_dir / ANCHOR_FILE).write_text("{not json")
    assert bench.store.sync_state.file_anchor() is None
    (data_dir / ANCHOR_FILE).write_text('{"seq": "7", "hash": "x"}')
    assert bench.store.sync_state.file_anchor() is None


def test_entries_after_gives_the_chain_in_order_with_a_limit(bench: Bench) -> None:
    head, _ = bench.store.audit_head()
    entries = audit.entries_after(bench.store.conn, 2, 3)
    assert [e.seq for e in entries] == [3, 4, 5]
    assert entries[0].prev_hash == audit.entry_at(bench.store.conn, 2).hash  # type: ignore[union-attr]
    assert [e.seq for e in audit.entries_after(bench.store.conn, head - 1, 10)] == [head]
    assert audit.entries_after(bench.store.conn, head, 10) == []
    assert audit.entries_after(bench.store.conn, 0, 0) == []
