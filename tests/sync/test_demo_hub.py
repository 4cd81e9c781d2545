"""`workstation --demo` runs a hub beside the app: a real hub process on SQLite in the demo folder."""

from __future__ import annotations

import time
from pathlib import Path

from workstation.hub.demo import DemoHub
from workstation.sync.client import HubClient


def _wait(hub: DemoHub, seconds: float = 30.0) -> tuple[str, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        target = hub.target()
        if target is not None:
            return target
        assert hub.problem is None, hub.problem
        time.sleep(0.05)
    raise AssertionError("the demo hub did not start")


def test_the_demo_hub_starts_in_the_background_answers_and_stops(tmp_path: Path) -> None:
    hub = DemoHub(tmp_path, "demo-bench").start()
    try:
        url, token = _wait(hub)
        assert url.startswith("http://127.0.0.1:")
        with HubClient(url, token) as client:
            assert client.time()  # the device token the demo keeps is one the hub knows
        token_file = tmp_path / "demo-hub" / "device-token"
        assert token_file.stat().st_mode & 0o077 == 0, "the token is the owner's alone"
    finally:
        hub.stop()
    assert hub._proc is not None
    assert hub._proc.poll() is not None, "stopped with the app"

    # The next start keeps the same database and token.
    again = DemoHub(tmp_path, "demo-bench").start()
    try:
        url2, token2 = _wait(again)
        assert token2 == token
        with HubClient(url2, token2) as client:
            assert client.time()
    finally:
        again.stop()


def test_a_demo_hub_that_cannot_start_says_why_and_the_bench_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "demo-hub"
    blocker.write_text("a file where the hub's folder should be")
    hub = DemoHub(tmp_path, "demo-bench").start()
    deadline = time.monotonic() + 30
    while hub.problem is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.problem is not None
    assert "did not start" in hub.problem
    assert hub.target() is None
    hub.stop()
