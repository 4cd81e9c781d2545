"""Personal data is owner-only on POSIX: files 0600 and folders 0700 whatever the umask, and the
wider modes older versions left are tightened when the files are opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from records_support import open_bench
from workstation_process import run_workstation

from workstation.core.records import InspectionDraft, Outcome
from workstation.store.backup import backup_records
from workstation.store.backup_files import list_backups
from workstation.store.db import open_cache
from workstation.store.records import RecordsStore

pytestmark = pytest.mark.skipif(
    os.name != "posix", reason="POSIX mode bits; Windows uses the installer's ACL"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual 022: what made everything 0644 and 0755 before."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_everything_the_commands_create_is_owner_only(
    tmp_path: Path, loose_umask: None
) -> None:  # a data folder the app creates itself
    data_dir = tmp_path / "new" / "data"
    seeded = run_workstation(data_dir, "demo", "seed", "--items", "20", "--records", "30")
    assert seeded.returncode == 0, seeded.stderr
    assert run_workstation(data_dir, "backup").returncode == 0

    assert mode(data_dir) == 0o700
    for name in ("records.sqlite", "cache.sqlite"):
        assert mode(data_dir / name) == 0o600, name
    assert mode(data_dir / "backups") == 0o700
    [backup] = list_backups(data_dir)
    assert mode(backup) == 0o600
    photos = list((data_dir / "photos").iterdir())
    assert photos, "the demo records include seizures with photos"
    assert mode(data_dir / "photos") == 0o700
    assert {mode(p) for p in photos} == {0o600}


def test_wal_and_shm_files_are_owner_only_while_open(data_dir: Path, loose_umask: None) -> None:
    b = open_bench(data_dir)
    b.store.save_inspection(b.officer, InspectionDraft("X1", Outcome.RELEASED))
    cache = open_cache(data_dir)
    cache.conn.execute("SELECT count(*) FROM items").fetchone()
    try:
        for name in ("records.sqlite", "cache.sqlite"):
            for suffix in ("-wal", "-shm"):
                side = data_dir / f"{name}{suffix}"
                assert side.exists(), side
                assert mode(side) == 0o600, side
    finally:
        cache.conn.close()
        b.close()


def test_wider_modes_left_by_older_versions_are_tightened_on_open(data_dir: Path) -> None:
    b = open_bench(data_dir)
    b.store.save_photo(b.officer, b"\xff\xd8\xff\xe0photo\xff\xd9")
    backup_records(b.store, kept=5)
    b.close()
    open_cache(data_dir).conn.close()
    loosened = [
        data_dir,
        data_dir / "records.sqlite",
        data_dir / "cache.sqlite",
        data_dir / "backups",
        data_dir / "photos",
        *list_backups(data_dir),
    ]
    for path in loosened:
        path.chmod(0o755 if path.is_dir() else 0o644)

    RecordsStore.open(data_dir).close()
    open_cache(data_dir).conn.close()
    store = RecordsStore.open(data_dir)
    backup_records(store, kept=5)
    store.close()

    assert mode(data_dir) == 0o700
    assert mode(data_dir / "records.sqlite") == 0o600
    assert mode(data_dir / "cache.sqlite") == 0o600
    assert mode(data_dir / "backups") == 0o700
    assert mode(data_dir / "photos") == 0o700
    assert {mode(p) for p in list_backups(data_dir)} == {0o600}
