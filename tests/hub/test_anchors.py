"""Audit anchors over HTTP, and `hub audit verify --bench` walking what the hub holds."""

from __future__ import annotations

import json

from hub_process import HubProcess
from hub_support import BENCH, chain, message, query
from workstation_process import run_workstation

from workstation.core.audit import GENESIS_HASH
from workstation.sync.client import HubClient


def verify(hub: HubProcess, bench: str = BENCH) -> tuple[int, dict[str, object], str]:
    done = run_workstation(
        hub.data_dir, "hub", "audit", "verify", "--bench", bench, "--database", hub.database
    )
    return done.returncode, json.loads(done.stdout.splitlines()[0]), done.stderr


def test_a_chain_is_anchored_with_a_receipt_then_continued(client: HubClient, hub: HubProcess) -> None:
    entries = chain(BENCH, 10)
    first = client.send(BENCH, [message(BENCH)], entries[:6])
    assert first.anchor.status == "anchored"
    assert (first.anchor.seq, first.anchor.hash) == (6, entries[5].hash)
    assert first.anchor.receipt
    assert client.send(BENCH, [], []).anchor.status == "unchanged"
    second = client.send(BENCH, [], entries[6:])
    assert (second.anchor.status, second.anchor.seq) == ("anchored", 10)
    held = client.anchor()
    assert (held.seq, held.hash) == (10, entries[9].hash)
    # The reply was lost and the bench sends the same entries again: the hub holds them already.
    again = client.send(BENCH, [], entries[6:])
    assert (again.anchor.status, again.anchor.seq, again.anchor.receipt) == (
        "anchored",
        10,
        second.anchor.receipt,
    )
    code, report, _ = verify(hub)
    assert code == 0
    assert report["entries"] == 10
    assert report["ok"] is True


def test_entries_that_do_not_start_after_the_anchor_are_a_gap(client: HubClient) -> None:
    entries = chain(BENCH, 10)
    client.send(BENCH, [], entries[:3])
    reply = client.send(BENCH, [], entries[5:])
    assert (reply.anchor.status, reply.anchor.seq, reply.anchor.hash) == ("gap", 3, entries[2].hash)
    assert client.send(BENCH, [], entries[3:]).anchor.seq == 10


def test_a_chain_rewritten_after_its_anchor_is_broken_and_verify_reports_it(
    client: HubClient, hub: HubProcess
) -> None:
    entries = chain(BENCH, 5)
    assert client.send(BENCH, [], entries).anchor.status == "anchored"
    # The bench's last two entries were cut and the chain regrown from entry 3.
    rewritten = chain(BENCH, 4, start=4, prev=chain(BENCH, 3, salt="x")[-1].hash, salt="x")
    m = message(BENCH)
    reply = client.send(BENCH, [m], rewritten)
    assert reply.anchor.status == "broken"
    assert reply.anchor.seq == 5
    assert "rewritten" in (reply.anchor.reason or "") or "cut" in (reply.anchor.reason or "")
    assert reply.results[0].status == "accepted"  # the events of the batch are still stored
    resent = chain(BENCH, 3, start=3, prev=entries[1].hash, salt="y")
    assert client.send(BENCH, [], resent).anchor.status == "broken"
    assert len(query(hub.database, f"SELECT problem FROM bench_problems WHERE bench = '{BENCH}'")) == 2
    code, report, stderr = verify(hub)
    assert code == 1
    assert len(report["problems"]) == 2  # type: ignore[arg-type]
    assert "recorded problem" in stderr


def test_verify_finds_an_entry_edited_in_the_hub_database(client: HubClient, hub: HubProcess) -> None:
    client.send(BENCH, [], chain(BENCH, 4))
    import sqlite3

    if hub.database.startswith("sqlite:///"):
        with sqlite3.connect(hub.database.removeprefix("sqlite:///")) as conn:
            conn.execute("UPDATE audit_entries SET actor = 'X' WHERE seq = 2")
    else:
        import psycopg

        with psycopg.connect(hub.database) as pg:
            pg.execute("UPDATE audit_entries SET actor = 'X' WHERE seq = 2")
    code, report, _stderr = verify(hub)
    assert code == 1
    assert report["first_break"] == "audit entry 2 was changed after the hub stored it"


def test_a_new_bench_starts_from_the_genesis_hash(client: HubClient) -> None:
    held = client.anchor()
    assert (held.seq, held.hash) == (0, GENESIS_HASH)
    not_from_genesis = chain(BENCH, 2, prev="f" * 64)
    assert client.send(BENCH, [], not_from_genesis).anchor.status == "broken"
