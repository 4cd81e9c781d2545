"""A running hub per test, on each engine (the `hub_database` fixture), with one device added."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_process import HubProcess, add_device, running_hub
from hub_support import BENCH

from workstation.sync.client import HubClient


@pytest.fixture
def hub(data_dir: Path, hub_database: str) -> Iterator[HubProcess]:
    with running_hub(data_dir, hub_database) as h:
        yield h


@pytest.fixture
def token(hub: HubProcess) -> str:
    return add_device(hub.data_dir, hub.database, BENCH)


@pytest.fixture
def client(hub: HubProcess, token: str) -> Iterator[HubClient]:
    with HubClient(hub.url, token) as c:
        yield c
