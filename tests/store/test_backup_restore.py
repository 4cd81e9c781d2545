"""Backups keep the last N; restore verifies before it replaces; a damaged file is never replaced."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from records_support import PASSWORD, FakeClock, open_bench

from workstation.cli import main
from workstation.core.records import InspectionDraft, Outcome
from workstation.store.backup import RestoreRefused, backup_records, ensure_daily_backup, restore_records
from workstation.store.backup_files import list_backups
from workstation.store.db import DatabaseDamagedError
from workstation.store.records import RecordsStore


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def audit_head(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(path)
    try:
        seq, digest_ = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return int(seq), str(digest_)


def history(data_dir: Path, clock: FakeClock | None = None, n: int = 3) -> None:
    b = open_bench(data_dir, clock)
    for i in range(n):
        b.store.save_inspection(b.officer, InspectionDraft(f"X{i}", Outcome.RELEASED))
    b.close()


def test_backup_is_a_consistent_dated_copy_and_keeps_the_last_n(data_dir: Path) -> None:
    clock = FakeClock()
    history(data_dir, clock)
    store = RecordsStore.open(data_dir, clock=clock)
    made = []
    for _ in range(4):
        clock.advance(hours=1)
        made.append(backup_records(store, kept=2).path)
    store.close()
    assert list_backups(data_dir) == made[2:]
    assert made[-1].name.startswith("records-2026030")
    copy = sqlite3.connect(made[-1])
    assert copy.execute("SELECT count(*) FROM inspections").fetchone()[0] == 3
    assert copy.execute("SELECT kind FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()[0] == "backup"
    copy.close()


def test_daily_backup_once_a_day(data_dir: Path) -> None:
    clock = FakeClock()
    assert ensure_daily_backup(data_dir, clock=clock) is None  # no records yet: nothing to copy
    history(data_dir, clock)
    first = ensure_daily_backup(data_dir, clock=clock)
    assert first is not None
    assert first.exists()
    clock.advance(hours=1)
    assert ensure_daily_backup(data_dir, clock=clock) is None
    clock.advance(days=1)
    assert ensure_daily_backup(data_dir, clock=clock) not in (None, first)
    assert len(list_backups(data_dir)) == 2


def test_cli_backup_then_restore_keeps_the_replaced_file(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    history(data_dir)
    assert main(["--data-dir", str(data_dir), "backup"]) == 0
    backup = Path(json.loads(capsys.readouterr().out)["file"])
    history(data_dir, n=2)  # records made after the backup
    head_before = audit_head(data_dir / "records.sqlite")
    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--as", "A1"]) == 0
    out = json.loads(capsys.readouterr().out)
    kept = Path(out["replaced_kept_as"])
    assert kept.exists()
    # The replaced file is kept whole: its history, then the admin's sign-in and sign-out.
    kept_conn = sqlite3.connect(kept)
    assert kept_conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (head_before[0],)).fetchone() == (
        head_before[1],
    )
    after = [k for (k,) in kept_conn.execute("SELECT kind FROM audit_log WHERE seq > ?", (head_before[0],))]
    assert "sign_in" in after
    assert after[-1] == "shift_end"
    kept_conn.close()
    store = RecordsStore.open(data_dir)
    assert store.verify_audit().ok
    assert store.conn.execute("SELECT count(*) FROM inspections").fetchone()[0] == 3
    assert (
        store.conn.execute("SELECT kind FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()[0] == "restore"
    )
    store.close()


def test_restore_refuses_a_tampered_copy_and_replaces_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    history(data_dir)
    store = RecordsStore.open(data_dir)
    backup = backup_records(store, kept=5).path
    store.close()
    conn = sqlite3.connect(backup)
    conn.execute("DROP TRIGGER inspections_no_update")
    conn.execute("UPDATE inspections SET outcome = 'seized' WHERE rowid = 1")
    conn.commit()
    conn.close()
    before = digest(data_dir / "records.sqlite")
    assert main(["--data-dir", str(data_dir), "restore", str(backup), "--as", "A1"]) == 1
    err = capsys.readouterr().err
    assert "restore refused" in err
    assert "edited record" in err
    assert digest(data_dir / "records.sqlite") == before
    assert not list(data_dir.glob("records.replaced-*"))
    assert not list(data_dir.glob(".restore-*"))


def test_restore_refuses_a_damaged_copy(data_dir: Path, tmp_path: Path) -> None:
    history(data_dir)
    store = RecordsStore.open(data_dir)
    good = backup_records(store, kept=5).path
    store.close()
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(good.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\x5a" * page  # a page of garbage in the middle
    damaged.write_bytes(bytes(data))
    with pytest.raises(RestoreRefused):
        restore_records(data_dir, damaged, None)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(RestoreRefused, match="not an SQLite database"):
        restore_records(data_dir, garbage, None)
    assert RecordsStore.open(data_dir).verify_audit().ok


def test_a_damaged_records_file_at_start_up_names_the_newest_backup(data_dir: Path) -> None:
    clock = FakeClock()
    history(data_dir, clock)
    store = RecordsStore.open(data_dir, clock=clock)
    backup_records(store, kept=5)
    clock.advance(hours=2)
    newest = backup_records(store, kept=5).path
    store.close()
    live = data_dir / "records.sqlite"
    raw = bytearray(live.read_bytes())
    raw[:16] = b"garbage garbage!"
    live.write_bytes(bytes(raw))
    with pytest.raises(DatabaseDamagedError) as err:
        RecordsStore.open(data_dir)
    message = str(err.value)
    assert str(live) in message
    assert str(newest) in message
    assert "workstation restore" in message
    assert live.read_bytes() == bytes(raw)  # left where it was, never replaced by an empty file
    assert main(["--data-dir", str(data_dir), "audit", "verify"]) == 2
