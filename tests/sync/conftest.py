"""The bench's sync against a real hub process: fixtures for a hub, its devices, and benches."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "store", HERE.parent / "hub"):  # records_support, hub_process
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from hub_process import HubProcess, add_device  # noqa: E402
from sync_support import FaultProxy  # noqa: E402


@pytest.fixture
def hub(hub_database: str, tmp_path: Path) -> Iterator[HubProcess]:
    """A real hub (`workstation hub serve`) on SQLite, then on PostgreSQL."""
    folder = tmp_path / "hub"
    folder.mkdir()
    process = HubProcess(folder, hub_database).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def token(hub: HubProcess) -> str:
    return add_device(hub.data_dir, hub.database, "B1")


@pytest.fixture
def proxy(hub: HubProcess) -> Iterator[FaultProxy]:
    """A tiny HTTP server in front of the hub that fails requests as the test tells it to."""
    p = FaultProxy(hub).start()
    try:
        yield p
    finally:
        p.stop()
