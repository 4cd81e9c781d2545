"""`workstation --demo` runs a hub beside the app: a real hub process on SQLite in the demo folder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

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
    blocker = tmp_path / "demo-hub"  # (the test above left nothing here: a fresh tmp_path)
    blocker.write_text("a file where the hub's folder should be")
    hub = DemoHub(tmp_path, "demo-bench").start()
    deadline = time.monotonic() + 30
    while hub.problem is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.problem is not None
    assert "did not start" in hub.problem
    assert hub.target() is None
    hub.stop()


PARENT = """
import sys, time
from pathlib import Path
from workstation.hub.demo import DemoHub
hub = DemoHub(Path(sys.argv[1]), "demo-bench").start()
while hub.target() is None and hub.problem is None:
    time.sleep(0.05)
print(hub._proc.pid, flush=True)
time.sleep(600)
"""


def test_the_demo_hub_goes_when_the_app_is_killed(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    app = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert app.stdout is not None
    hub_pid = int(app.stdout.readline())
    app.send_signal(signal.SIGKILL)  # no clean exit: nobody stops the hub but the hub itself
    app.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(hub_pid, 0)
        except ProcessLookupError:
            return  # gone (reaped by init)
        # A zombie still answers kill(0): it has exited, only its status waits to be collected.
        with open(f"/proc/{hub_pid}/stat") as fh:
            if fh.read().split(") ", 1)[1].startswith("Z"):
                return
        time.sleep(0.2)
    raise AssertionError("the demo hub outlived the app")


def test_a_token_kept_for_another_bench_starts_a_fresh_demo_hub(tmp_path: Path) -> None:
    first = DemoHub(tmp_path, "bench-a").start()
    try:
        _, token_a = _wait(first)
    finally:
        first.stop()
    second = DemoHub(tmp_path, "bench-b").start()
    try:
        url, token_b = _wait(second)
        assert token_b != token_a
        with HubClient(url, token_b) as client:
            assert client.time()
    finally:
        second.stop()


def test_the_demo_supervisor_opens_the_facility_records_at_the_demo_hub(tmp_path: Path) -> None:
    import sqlite3
    from datetime import UTC, date, datetime

    from workstation.core.review import LogFilter
    from workstation.store.cache import ManifestCache
    from workstation.store.db import CACHE_FILE, open_cache
    from workstation.store.demo_data import seed_cache
    from workstation.store.officers import DEMO_PASSWORD
    from workstation.sync.errors import HubRefused
    from workstation.sync.review_client import HubReviewSource, open_review_session
    from workstation.sync.rounds import HubTarget

    cache = ManifestCache(open_cache(tmp_path))  # the bench's demo cache, as `--demo` makes it
    seed_cache(cache, 3000)
    cache.db.conn.close()
    with sqlite3.connect(tmp_path / CACHE_FILE) as conn:
        newest = conn.execute("SELECT max(arrival_date) FROM items").fetchone()[0]
        targeted = {
            r[0]
            for r in conn.execute(
                "SELECT i.tracking_id FROM items i JOIN risk r USING (tracking_id) "
                "WHERE r.targeted = 1 AND i.arrival_date = ?",
                (newest,),
            )
        }
    assert targeted, "the demo feed targets some items every day"

    hub = DemoHub(tmp_path, "demo-bench", demo_items=3000).start()
    try:
        url, token = _wait(hub)
        target = HubTarget(url, token)
        session = open_review_session(target, "D2001", DEMO_PASSWORD)
        with HubReviewSource(target, session) as source:
            assert source.info.facility_wide
            assert source.log_keys(LogFilter()) == []  # nothing synced yet: an empty facility log
            # The hub holds the demo feed the cache came from: its reconciliation sees the same items.
            day = date.fromisoformat(newest)
            waiting = source.unexamined(day, datetime.now(UTC), UTC)
            assert {u.tracking_id for u in waiting} == targeted
        # A demo officer is in the directory too, and is refused as an officer (403, not 401).
        with pytest.raises(HubRefused) as refused:
            open_review_session(target, "D1001", DEMO_PASSWORD)
        assert refused.value.status == 403
    finally:
        hub.stop()
