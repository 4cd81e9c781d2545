"""A records file that was emptied or deleted is refused, never created again empty; an emptied
cache is refused too; backup retention never throws away the last good copy."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from records_support import FakeClock, open_bench
from workstation_process import one_line, run_workstation

from workstation.cli import main
from workstation.core.records import InspectionDraft, Outcome
from workstation.store.backup import backup_records
from workstation.store.backup_files import list_backups
from workstation.store.db import DatabaseDamagedError, RecordsMissingError
from workstation.store.records import RecordsStore


def history(data_dir: Path, clock: FakeClock | None = None, n: int = 20, photo: bool = False) -> None:
    b = open_bench(data_dir, clock)
    for i in range(n):
        b.store.save_inspection(b.officer, InspectionDraft(f"X{i}", Outcome.RELEASED))
    if photo:
        b.store.save_photo(b.officer, b"\xff\xd8\xff\xe0evidence\xff\xd9")
    b.close()


def test_emptied_records_file_is_refused_and_the_last_backup_survives(data_dir: Path) -> None:
    history(data_dir)
    first = run_workstation(data_dir, "backup")
    assert first.returncode == 0, first.stderr
    [good] = list_backups(data_dir)
    live = data_dir / "records.sqlite"
    live.write_bytes(b"")  # : > records.sqlite

    second = run_workstation(data_dir, "backup", "--keep", "1")
    assert second.returncode == 2
    line = one_line(second.stderr)
    assert str(live) in line
    assert "empty (0 bytes)" in line
    assert f"workstation restore {good}" in line
    assert list_backups(data_dir) == [good]  # the 20-record copy is still there

    verify = run_workstation(data_dir, "audit", "verify")
    assert verify.returncode == 2
    assert "empty (0 bytes)" in one_line(verify.stderr)
    assert live.stat().st_size == 0  # left as found: never replaced by a new, empty database


@pytest.mark.parametrize("left", ["backups and photos", "photos only", "a replaced records file"])
def test_deleted_records_file_is_not_created_again_while_earlier_records_remain(
    data_dir: Path, left: str
) -> None:
    history(data_dir, photo=True)
    if left == "backups and photos":
        store = RecordsStore.open(data_dir)
        backup_records(store, kept=3)
        store.close()
    elif left == "a replaced records file":
        (data_dir / "records.sqlite").rename(data_dir / "records.replaced-20260302-090000.sqlite")
        for photo in (data_dir / "photos").iterdir():
            photo.unlink()
        (data_dir / "photos").rmdir()
    live = data_dir / "records.sqlite"
    live.unlink(missing_ok=True)

    with pytest.raises(RecordsMissingError, match="is missing"):
        RecordsStore.open(data_dir)
    assert not live.exists()
    result = run_workstation(data_dir, "audit", "verify")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert str(live) in line
    assert "not created again" in line
    assert "workstation restore" in line
    assert not live.exists()


def test_every_records_command_refuses_a_missing_records_file(data_dir: Path) -> None:
    history(data_dir, photo=True)
    (data_dir / "records.sqlite").unlink()
    for argv in (["backup"], ["officers", "list", "--as", "A1"], ["audit", "head"], ["cache", "purge"]):
        assert main(["--data-dir", str(data_dir), *argv]) == 2
    assert not (data_dir / "records.sqlite").exists()


def test_a_true_first_run_creates_the_records_file(data_dir: Path) -> None:
    store = RecordsStore.open(data_dir)
    assert store.audit_head()[0] == 0
    store.close()
    assert (data_dir / "records.sqlite").stat().st_size > 0
    assert not list(data_dir.glob(".records.sqlite.new-*"))  # built aside, then named


def test_an_emptied_cache_is_refused_naming_how_to_rebuild_it(data_dir: Path) -> None:
    assert main(["--data-dir", str(data_dir), "demo", "seed", "--items", "50"]) == 0
    history(data_dir, n=1)
    cache = data_dir / "cache.sqlite"
    cache.write_bytes(b"")

    lookup = run_workstation(data_dir, "cache", "lookup", "RB123456785GB")
    assert lookup.returncode == 2
    line = one_line(lookup.stderr)
    assert str(cache) in line
    assert "empty (0 bytes)" in line
    assert "workstation cache import" in line
    assert "not in the cache" not in line
    # The bench itself does not start on it (an officer would see "not in the cache" on every scan).
    gui = run_workstation(data_dir, timeout=90)
    assert gui.returncode == 2
    assert "empty (0 bytes)" in one_line(gui.stderr)
    assert cache.stat().st_size == 0


def test_retention_removes_nothing_when_the_live_chain_is_broken(data_dir: Path) -> None:
    clock = FakeClock()
    history(data_dir, clock)
    store = RecordsStore.open(data_dir, clock=clock)
    for _ in range(2):
        clock.advance(hours=1)
        backup_records(store, kept=5)
    store.close()
    conn = sqlite3.connect(data_dir / "records.sqlite")
    conn.execute("DROP TRIGGER inspections_no_update")
    conn.execute("UPDATE inspections SET outcome = 'seized' WHERE rowid = 1")
    conn.commit()
    conn.close()
    before = list_backups(data_dir)

    result = run_workstation(data_dir, "backup", "--keep", "1")
    assert result.returncode == 0, result.stderr
    assert '"removed": []' in result.stdout
    assert "nothing_removed_because" in result.stdout
    assert set(before) < set(list_backups(data_dir))


def test_retention_never_removes_the_newest_good_copy_nor_the_one_just_made(data_dir: Path) -> None:
    clock = FakeClock()
    history(data_dir, clock)
    store = RecordsStore.open(data_dir, clock=clock)
    made = []
    for _ in range(3):
        clock.advance(hours=1)
        made.append(backup_records(store, kept=5).path)
    made[-1].write_bytes(b"\x00" * 4096)  # the newest by name is damaged
    clock.now -= timedelta(days=1)  # and the clock was set back: the next copy sorts first
    new = backup_records(store, kept=1)
    store.close()
    assert new.path.name < made[0].name
    kept = list_backups(data_dir)
    assert new.path in kept
    assert made[1] in kept  # the newest copy that passes its checks
    assert made[0] in new.removed


def test_a_damaged_records_file_is_not_a_missing_one(data_dir: Path) -> None:
    history(data_dir, n=1)
    (data_dir / "records.sqlite").write_bytes(b"garbage" * 1000)
    with pytest.raises(DatabaseDamagedError, match="not an SQLite database"):
        RecordsStore.open(data_dir)
    assert (
        hashlib.sha256((data_dir / "records.sqlite").read_bytes()).hexdigest()
        == hashlib.sha256(b"garbage" * 1000).hexdigest()
    )
