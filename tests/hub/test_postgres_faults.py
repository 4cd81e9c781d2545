"""PostgreSQL only: two hub processes on one database; the database restarted under a running hub."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import httpx
import postgres_server
import pytest
from hub_process import HubProcess, add_device, running_hub
from hub_support import message, query

from workstation.core.messages import Message
from workstation.sync.client import HubClient
from workstation.sync.errors import HubBusy, SyncError


def test_two_hub_processes_serve_the_same_batches_with_nothing_lost_or_doubled(
    data_dir: Path, postgres_url: str
) -> None:
    benches = [f"bench-{n}" for n in range(4)]
    tokens = {b: add_device(data_dir, postgres_url, b) for b in benches}
    batches = {b: [[message(b) for _ in range(50)] for _ in range(6)] for b in benches}
    statuses: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send(url: str, bench: str, batch: list[Message]) -> None:
        try:
            with HubClient(url, tokens[bench], timeout=60) as c:
                reply = c.send(bench, batch, [])
            with lock:
                statuses.extend(r.status for r in reply.results)
        except BaseException as exc:
            errors.append(exc)

    with running_hub(data_dir, postgres_url) as a, running_hub(data_dir, postgres_url) as b:
        threads = [
            threading.Thread(target=send, args=(hub.url, bench, batch))
            for bench in benches
            for batch in batches[bench]
            for hub in (a, b)  # every batch to both hubs at once: a retry that raced the original
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not errors
    total = sum(len(batch) for bench in benches for batch in batches[bench])
    assert statuses.count("accepted") == total
    assert statuses.count("duplicate") == total
    ids = query(postgres_url, "SELECT event_id FROM events ORDER BY hub_seq")
    assert sorted(i for (i,) in ids) == sorted(
        m.event_id for bench in benches for batch in batches[bench] for m in batch
    )
    for bench in benches:  # each batch in its order
        for batch in batches[bench]:
            got = query(
                postgres_url,
                "SELECT event_id FROM events WHERE event_id IN ({}) ORDER BY hub_seq".format(
                    ",".join(f"'{m.event_id}'" for m in batch)
                ),
            )
            assert [i for (i,) in got] == [m.event_id for m in batch]


def _stop(server: postgres_server.Server) -> None:
    assert server.bin_dir is not None
    subprocess.run(
        server._as_owner(str(server.bin_dir / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop"),
        check=True,
        capture_output=True,
    )


def _until_served(client: HubClient, batch: list[Message], bench: str) -> list[str]:
    for _ in range(60):
        try:
            return [r.status for r in client.send(bench, batch, []).results]
        except SyncError:
            time.sleep(0.5)
    raise AssertionError("the hub did not recover after the database came back")


def test_the_hub_says_503_while_postgresql_is_down_and_recovers_after(
    data_dir: Path, postgres_url: str, pg_server: postgres_server.Server
) -> None:
    if pg_server.data is None:
        pytest.skip("the PostgreSQL server was started outside the tests; it cannot be stopped here")
    bench = "bench-1"
    token = add_device(data_dir, postgres_url, bench)
    with running_hub(data_dir, postgres_url) as hub, HubClient(hub.url, token, timeout=30) as client:
        before = [message(bench) for _ in range(10)]
        assert client.send(bench, before, []).results[0].status == "accepted"
        _stop(pg_server)
        try:
            down = httpx.get(f"{hub.url}/v1/anchor", headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert down.status_code == 503
            assert int(down.headers["retry-after"]) > 0
            with pytest.raises(HubBusy) as caught:
                client.send(bench, [message(bench)], [])
            assert caught.value.status == 503
            assert caught.value.retry_after is not None
        finally:
            assert pg_server.bin_dir is not None
            postgres_server._start(pg_server, str(pg_server.bin_dir / "pg_ctl"))
        during = [message(bench) for _ in range(10)]
        assert set(_until_served(client, during, bench)) == {"accepted"}
        pg_server.restart()  # a hard restart while the hub holds pooled connections
        assert set(_until_served(client, before + during, bench)) == {"duplicate"}
    assert query(postgres_url, "SELECT count(*) FROM events") == [(20,)]


def test_a_hub_killed_and_restarted_on_its_database_keeps_everything(
    data_dir: Path, postgres_url: str
) -> None:
    bench = "bench-1"
    token = add_device(data_dir, postgres_url, bench)
    hub = HubProcess(data_dir, postgres_url).start()
    try:
        batch = [message(bench) for _ in range(10)]
        with HubClient(hub.url, token) as c:
            assert {r.status for r in c.send(bench, batch, []).results} == {"accepted"}
        hub.restart()
        with HubClient(hub.url, token) as c:
            assert {r.status for r in c.send(bench, batch, []).results} == {"duplicate"}
    finally:
        hub.stop()
