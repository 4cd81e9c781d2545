"""Restore is an admin action that never loses a file: it refuses a copy that does not hold the
live history (unless forced, with a logged reason), and never overwrites a kept file."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from records_support import PASSWORD, FakeClock, open_bench
from workstation_process import one_line, run_workstation

from workstation.core.audit import AuditEntry, entry_hash
from workstation.core.records import InspectionDraft, Outcome, PermissionDenied
from workstation.store.audit import ENTRY_COLUMNS, row_dict, row_digest
from workstation.store.backup import backup_records, restore_records
from workstation.store.records import RecordsStore
from workstation.store.records_schema import RECORD_TABLES


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def history(data_dir: Path, n: int = 3, clock: FakeClock | None = None) -> None:
    b = open_bench(data_dir, clock)
    for i in range(n):
        b.store.save_inspection(b.officer, InspectionDraft(f"X{i}", Outcome.RELEASED))
    b.close()


def make_backup(data_dir: Path) -> Path:
    store = RecordsStore.open(data_dir)
    try:
        return backup_records(store, kept=10).path
    finally:
        store.close()


def last_entry(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(path)
    try:
        kind, actor, detail = conn.execute(
            "SELECT kind, actor, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return {"kind": kind, "actor": actor, "detail": json.loads(detail)}


def rewrite_chain_after_edit(path: Path) -> None:
    """What a forger with the file does: edit a record, then recompute every digest and hash."""
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE inspections SET outcome = 'seized' WHERE rowid = 1")
    prev = "0" * 64
    for row in conn.execute(f"SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq").fetchall():
        e = AuditEntry(*row)
        table, _, key = e.subject.partition(":")
        if table in RECORD_TABLES:  # officer rows were not edited: their digests stand
            e = AuditEntry(**{**e.__dict__, "record_sha256": row_digest(table, row_dict(conn, table, key))})
        new_hash = entry_hash(prev, e.body())
        conn.execute(
            "UPDATE audit_log SET record_sha256 = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (e.record_sha256, prev, new_hash, e.seq),
        )
        prev = new_hash
    conn.commit()
    conn.close()


def test_two_restores_in_the_same_second_keep_both_replaced_files(data_dir: Path) -> None:
    clock = FakeClock()  # a clock that does not move: both restores share one second
    history(data_dir, clock=clock)
    backup = make_backup(data_dir)
    history(data_dir, n=2, clock=clock)  # the originals: 5 records, 2 of them not in the backup
    b = open_bench(data_dir, clock)
    admin = b.admin
    b.close()
    original = digest(data_dir / "records.sqlite")

    first = restore_records(data_dir, backup, admin, clock=clock)
    second = restore_records(data_dir, backup, admin, clock=clock)

    assert first.replaced_kept_as is not None
    assert second.replaced_kept_as is not None
    assert first.replaced_kept_as != second.replaced_kept_as
    assert digest(first.replaced_kept_as) == original  # the original records, untouched
    kept = sqlite3.connect(first.replaced_kept_as)
    assert kept.execute("SELECT count(*) FROM inspections").fetchone()[0] == 5
    kept.close()


def test_restore_needs_an_admin_signed_in(data_dir: Path) -> None:
    history(data_dir)
    backup = make_backup(data_dir)
    history(data_dir, n=1)

    anonymous = run_workstation(data_dir, "restore", str(backup))
    assert anonymous.returncode == 2
    assert "--as BADGE" in one_line(anonymous.stderr)
    officer = run_workstation(data_dir, "restore", str(backup), "--as", "O1", WORKSTATION_PASSWORD=PASSWORD)
    assert officer.returncode == 3
    assert "only an admin restores" in one_line(officer.stderr)
    wrong = run_workstation(data_dir, "restore", str(backup), "--as", "A1", WORKSTATION_PASSWORD="nope")
    assert wrong.returncode == 3
    one_line(wrong.stderr)
    assert not list(data_dir.glob("records.replaced-*"))
    assert not list(data_dir.glob(".restore-*"))
    live = RecordsStore.open(data_dir)
    kinds = [k for (k,) in live.conn.execute("SELECT kind FROM audit_log WHERE seq > 0")]
    live.close()
    assert "restore_refused" in kinds  # the officer's attempt is on record


def test_restore_refuses_an_empty_records_file_unless_forced(data_dir: Path, tmp_path: Path) -> None:
    history(data_dir)
    other = tmp_path / "elsewhere"
    other.mkdir()
    RecordsStore.open(other).close()  # a self-consistent, empty records file
    empty = other / "records.sqlite"

    refused = run_workstation(data_dir, "restore", str(empty), "--as", "A1", WORKSTATION_PASSWORD=PASSWORD)
    assert refused.returncode == 1
    line = one_line(refused.stderr)
    assert "restore refused" in line
    assert "empty" in line
    assert "--force" in line
    assert not list(data_dir.glob("records.replaced-*"))
    live = RecordsStore.open(data_dir)
    assert live.conn.execute("SELECT count(*) FROM inspections").fetchone()[0] == 3
    live.close()

    forced = run_workstation(
        data_dir,
        "restore",
        str(empty),
        "--as",
        "A1",
        "--force",
        "bench re-imaged, records moved to the hub",
        WORKSTATION_PASSWORD=PASSWORD,
    )
    assert forced.returncode == 0, forced.stderr
    entry = last_entry(data_dir / "records.sqlite")
    assert entry["kind"] == "restore"
    assert entry["actor"] == "A1"
    detail = entry["detail"]
    assert isinstance(detail, dict)
    assert detail["forced"] == "bench re-imaged, records moved to the hub"
    assert "empty" in detail["divergence"]


def test_restore_refuses_a_chain_rewritten_after_an_edit(data_dir: Path) -> None:
    history(data_dir)
    backup = make_backup(data_dir)
    rewrite_chain_after_edit(backup)  # self-consistent: see the next test

    result = run_workstation(data_dir, "restore", str(backup), "--as", "A1", WORKSTATION_PASSWORD=PASSWORD)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "restore refused" in line
    assert "differs from the live file" in line
    live = RecordsStore.open(data_dir)
    assert live.verify_audit().ok
    assert live.conn.execute("SELECT count(*) FROM inspections WHERE outcome = 'released'").fetchone()[0] == 3
    live.close()


def test_a_forged_copy_passes_its_own_checks(data_dir: Path) -> None:
    """The forgery above is the hard case: integrity and chain both hold, only the live chain tells."""
    from workstation.store.backup import verify_copy

    history(data_dir)
    backup = make_backup(data_dir)
    rewrite_chain_after_edit(backup)
    assert verify_copy(backup).ok


def test_restore_of_an_older_backup_is_accepted_and_logged_in_the_restored_file(data_dir: Path) -> None:
    history(data_dir)
    backup = make_backup(data_dir)
    history(data_dir, n=2)
    result = run_workstation(data_dir, "restore", str(backup), "--as", "A1", WORKSTATION_PASSWORD=PASSWORD)
    assert result.returncode == 0, result.stderr
    entry = last_entry(data_dir / "records.sqlite")
    assert entry["kind"] == "restore"
    assert entry["actor"] == "A1"
    assert RecordsStore.open(data_dir).verify_audit().ok


def test_restore_over_a_missing_live_file_signs_in_on_the_copy(data_dir: Path) -> None:
    history(data_dir)
    backup = make_backup(data_dir)
    (data_dir / "records.sqlite").unlink()
    result = run_workstation(data_dir, "restore", str(backup), "--as", "A1", WORKSTATION_PASSWORD=PASSWORD)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["replaced_kept_as"] is None
    entry = last_entry(data_dir / "records.sqlite")
    assert entry["kind"] == "restore"
    assert entry["actor"] == "A1"
    detail = entry["detail"]
    assert isinstance(detail, dict)
    assert "is missing" in detail["live_problem"]


def test_the_service_refuses_a_restore_without_an_admin_session(data_dir: Path) -> None:
    history(data_dir)
    backup = make_backup(data_dir)
    b = open_bench(data_dir)
    officer = b.officer
    b.close()
    with pytest.raises(PermissionDenied):
        restore_records(data_dir, backup, None)
    with pytest.raises(PermissionDenied, match="only an admin"):
        restore_records(data_dir, backup, officer)
    assert not list(data_dir.glob("records.replaced-*"))
    assert not list(data_dir.glob(".restore-*"))
