"""Uploading events to a real hub process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from hub_process import HubProcess, add_device
from hub_support import BENCH, message, query

from workstation.core.messages import encode, to_dict
from workstation.sync.client import HubClient
from workstation.sync.errors import HubRefused


def test_a_batch_is_accepted_in_order_and_the_same_batch_again_is_all_duplicate(
    client: HubClient, hub: HubProcess
) -> None:
    batch = [message(BENCH) for _ in range(20)]
    first = client.send(BENCH, batch, [])
    assert [r.status for r in first.results] == ["accepted"] * 20
    assert [r.event_id for r in first.results] == [m.event_id for m in batch]
    seqs = [r.hub_seq for r in first.results]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 20
    again = client.send(BENCH, batch, [])
    assert [r.status for r in again.results] == ["duplicate"] * 20
    stored = query(hub.database, "SELECT event_id, payload FROM events ORDER BY hub_seq")
    assert stored == [(m.event_id, encode(m)) for m in batch]


def test_the_same_key_with_another_payload_is_a_conflict_kept_aside(
    client: HubClient, hub: HubProcess
) -> None:
    original = message(BENCH, "evt-1", event="lock")
    changed = message(BENCH, "evt-1", event="unlock")
    assert client.send(BENCH, [original], []).results[0].status == "accepted"
    result = client.send(BENCH, [changed], []).results[0]
    assert result.status == "conflict"
    assert result.reason
    assert "different payload" in result.reason
    assert query(hub.database, "SELECT payload FROM events WHERE event_id = 'evt-1'") == [(encode(original),)]
    assert query(hub.database, "SELECT payload FROM event_conflicts WHERE event_id = 'evt-1'") == [
        (encode(changed),)
    ]


def test_a_malformed_event_is_rejected_naming_the_field_and_the_rest_accepted(
    hub: HubProcess, token: str
) -> None:
    good = [message(BENCH), message(BENCH)]
    bad = to_dict(message(BENCH))
    bad["at"] = "yesterday"
    body = {"bench": BENCH, "events": [to_dict(good[0]), bad, to_dict(good[1])], "audit": []}
    reply = httpx.post(f"{hub.url}/v1/events", json=body, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    results = reply.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["reason"].startswith("at:")
    assert query(hub.database, "SELECT count(*) FROM events") == [(2,)]
    assert len(query(hub.database, "SELECT reason FROM rejections")) == 1


def test_a_message_from_another_bench_id_is_rejected(client: HubClient, hub: HubProcess) -> None:
    reply = client.send(BENCH, [message("bench-99"), message(BENCH)], [])
    assert [r.status for r in reply.results] == ["rejected", "accepted"]
    assert "bench_id" in (reply.results[0].reason or "")


def test_a_malformed_body_is_a_400_and_stores_nothing(hub: HubProcess, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    not_json = httpx.post(f"{hub.url}/v1/events", content=b"{nope", headers=auth)
    assert not_json.status_code == 400
    assert "not JSON" in not_json.json()["error"]
    too_many = httpx.post(
        f"{hub.url}/v1/events", json={"events": [to_dict(message(BENCH))] * 501, "audit": []}, headers=auth
    )
    assert too_many.status_code == 400
    assert "hub_time" in too_many.json()
    assert query(hub.database, "SELECT count(*) FROM events") == [(0,)]


def test_what_the_database_cannot_hold_is_refused_not_a_fault_that_blocks_the_queue(
    hub: HubProcess, token: str
) -> None:
    """A NUL in an event id (PostgreSQL text cannot hold it) and JSON nested past the parser's depth
    would fail the whole batch with a 500, again on every retry, and hold back all behind it."""
    auth = {"Authorization": f"Bearer {token}"}
    good = to_dict(message(BENCH))
    nul = to_dict(message(BENCH, event_id="bad\x00id"))
    reply = httpx.post(f"{hub.url}/v1/events", json={"events": [nul, good], "audit": []}, headers=auth)
    assert reply.status_code == 200, reply.text
    results = reply.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert "NUL" in results[0]["reason"]
    assert query(hub.database, "SELECT count(*) FROM rejections") == [(1,)]
    deep = b'{"events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    nested = httpx.post(f"{hub.url}/v1/events", content=deep, headers=auth)
    assert nested.status_code == 400
    assert "nested too deeply" in nested.json()["error"]


def test_a_body_over_16_mib_is_a_413(hub: HubProcess, token: str) -> None:
    reply = httpx.post(
        f"{hub.url}/v1/events",
        content=b" " * (16 * 1024 * 1024 + 1),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 413


@pytest.mark.parametrize("how", ["missing", "wrong", "revoked"])
def test_a_missing_wrong_or_revoked_token_is_refused(hub: HubProcess, token: str, how: str) -> None:
    from workstation_process import run_workstation

    if how == "revoked":
        done = run_workstation(hub.data_dir, "hub", "revoke-device", BENCH, "--database", hub.database)
        assert done.returncode == 0, done.stderr
    headers = {} if how == "missing" else {"Authorization": f"Bearer {'x' if how == 'wrong' else token}"}
    reply = httpx.get(f"{hub.url}/v1/time", headers=headers)
    assert reply.status_code == 401
    assert set(reply.json()) == {"error", "hub_time"}
    with HubClient(hub.url, "x" if how != "revoked" else token) as c, pytest.raises(HubRefused) as caught:
        c.time()
    assert caught.value.status == 401


def test_a_revoked_name_can_be_added_again_with_a_new_token(hub: HubProcess, token: str) -> None:
    from workstation_process import run_workstation

    again = run_workstation(hub.data_dir, "hub", "add-device", BENCH, "--database", hub.database)
    assert again.returncode == 5
    assert "exists" in again.stderr
    run_workstation(hub.data_dir, "hub", "revoke-device", BENCH, "--database", hub.database)
    new_token = add_device(hub.data_dir, hub.database, BENCH)
    assert new_token != token
    with HubClient(hub.url, new_token) as c:
        assert c.time()
    assert query(hub.database, f"SELECT count(*) FROM devices WHERE token_sha256 LIKE '%{token[:8]}%'") == [
        (0,)
    ]


def test_the_time_route_gives_the_hub_clock_and_protocol(hub: HubProcess, token: str) -> None:
    reply = httpx.get(f"{hub.url}/v1/time", headers={"Authorization": f"Bearer {token}"})
    assert reply.json()["protocol"] == 1
    from workstation.sync.client import hub_time_skew

    assert abs(hub_time_skew(reply.json()["hub_time"])) < 3600
    unknown = httpx.get(f"{hub.url}/v1/nothing", headers={"Authorization": f"Bearer {token}"})
    assert unknown.status_code == 404
