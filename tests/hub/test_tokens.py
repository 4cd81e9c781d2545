"""Device tokens as `workstation hub add-device` makes them: shown once, usable at once, safe to type."""

from __future__ import annotations

from pathlib import Path

from hub_process import HubProcess
from workstation_process import run_workstation

from workstation.hub.app import new_device_token
from workstation.sync.client import HubClient


def test_a_token_never_looks_like_an_option_and_never_repeats() -> None:
    tokens = {new_device_token() for _ in range(2000)}
    assert len(tokens) == 2000
    # token_urlsafe alone starts with "-" one time in 64: `sync --token -x...` would be an option.
    assert all(t.startswith("wsd_") and len(t) > 40 for t in tokens)


def test_add_device_prints_the_token_last_and_the_hub_takes_it(hub: HubProcess) -> None:
    done = run_workstation(hub.data_dir, "hub", "add-device", "bench-cli", "--database", hub.database)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("wsd_")
    assert token not in hub.stderr()
    with HubClient(hub.url, token) as client:
        assert client.time()
    # Only its hash is kept: the token's text is nowhere in the hub's database file or tables.
    if hub.database.startswith("sqlite:///"):
        assert token.encode() not in Path(hub.database.removeprefix("sqlite:///")).read_bytes()
