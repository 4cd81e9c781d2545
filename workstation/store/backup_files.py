"""Where backups of the records file live and what they are called; no database work here."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

BACKUPS_DIR = "backups"
_NAME = re.compile(r"records-(\d{8})-(\d{6})(?:-(\d+))?\.sqlite")


def backups_dir(data_dir: Path) -> Path:
    return data_dir / BACKUPS_DIR


def backup_name(at: datetime, n: int = 0) -> str:
    """records-YYYYMMDD-HHMMSS.sqlite in local time; names sort in time order."""
    stamp = at.astimezone().strftime("%Y%m%d-%H%M%S")
    return f"records-{stamp}.sqlite" if n == 0 else f"records-{stamp}-{n}.sqlite"


def _sort_key(path: Path) -> tuple[str, str, int]:
    m = _NAME.fullmatch(path.name)
    assert m is not None
    return m.group(1), m.group(2), int(m.group(3) or 0)


def list_backups(data_dir: Path) -> list[Path]:
    """The backups, oldest first."""
    folder = backups_dir(data_dir)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if _NAME.fullmatch(p.name)), key=_sort_key)


def newest_backup(data_dir: Path) -> Path | None:
    found = list_backups(data_dir)
    return found[-1] if found else None


def has_backup_on(data_dir: Path, day: datetime) -> bool:
    prefix = f"records-{day.astimezone().strftime('%Y%m%d')}-"
    return any(p.name.startswith(prefix) for p in list_backups(data_dir))


def damaged_advice(data_dir: Path) -> str:
    """What to do about a damaged records file, naming the newest backup."""
    newest = newest_backup(data_dir)
    if newest is None:
        return (
            f"it was left untouched and no backup was found in {backups_dir(data_dir)}; "
            "keep the file for recovery and call your administrator"
        )
    return (
        f"it was left untouched; the newest backup is {newest}: an admin restores it with "
        f"'workstation restore {newest} --as BADGE' (records made after it are not in the backup: keep the damaged file for recovery)"
    )


def missing_advice(data_dir: Path) -> str:
    """What to do about a records file that is gone: put it back, or restore the newest backup."""
    newest = newest_backup(data_dir)
    if newest is None:
        return (
            "put the file back from where it went, or an admin restores a copy with "
            "'workstation restore FILE --as BADGE'"
        )
    return (
        f"put the file back, or an admin restores the newest backup with "
        f"'workstation restore {newest} --as BADGE'"
    )
