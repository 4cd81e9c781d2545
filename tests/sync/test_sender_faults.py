"""The fault matrix: a real hub process (SQLite and PostgreSQL), a real records file, real HTTP.

Each ends with the hub and the bench agreeing exactly: every message at the hub once, none lost.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from pathlib import Path

import pytest
from hub_process import HubProcess, add_device
from hub_support import query
from sync_support import FaultProxy, SyncBench, assert_agree, make_bench, reopen

from workstation.core.audit import AuditEntry
from workstation.core.messages import InspectionRecorded
from workstation.core.services.records import security_event
from workstation.store import audit
from workstation.sync import sender as sender_module
from workstation.sync.client import HubClient, UploadReply
from workstation.sync.errors import HubBusy
from workstation.sync.sender import RoundReport, Sender

# make_bench leaves 4 messages waiting: the admin's shift, the officer added, the hand-over (2).
SETUP = 4


def sync_round(bench: SyncBench, url: str, token: str, *, batch_size: int = 500) -> RoundReport:
    with HubClient(url, token, timeout=30) as client:
        return Sender(bench.store, client, bench.name, batch_size=batch_size).round()


def assert_anchored(bench: SyncBench, database: str) -> None:
    head = bench.store.audit_head()
    anchor = bench.store.sync_state.anchor()
    assert anchor is not None
    assert (anchor.seq, anchor.hash) == head
    assert query(database, f"SELECT seq, hash FROM anchors WHERE bench = '{bench.name}'") == [head]
    assert bench.store.sync_state.file_anchor() == anchor


def test_a_round_sends_everything_in_batches_and_anchors_the_chain(
    hub: HubProcess, token: str, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(25)
    report = sync_round(bench, hub.url, token, batch_size=10)
    assert report.ok, report.error
    assert (report.sent, report.duplicates, report.dead_lettered, report.pending) == (29, 0, 0, 0)
    assert report.batches == 3
    assert report.skew_seconds is not None
    assert abs(report.skew_seconds) < 120
    assert report.clock_warning is None
    assert assert_agree(hub.database, bench) == 29
    assert_anchored(bench, hub.database)
    status = bench.store.sync_state.status()
    assert status.last_success is not None
    assert status.offline_since is None
    again = sync_round(bench, hub.url, token)
    assert (again.sent, again.batches, again.pending) == (0, 0, 0)
    bench.close()


def test_hub_down_when_the_bench_starts_then_up(hub: HubProcess, token: str, data_dir: Path) -> None:
    hub.stop()
    bench = make_bench(data_dir)
    bench.record(5)
    down = sync_round(bench, hub.url, token)
    assert down.offline
    assert down.pending == 9
    assert bench.store.sync_state.status().offline_since is not None
    bench.close()
    hub.start()  # same database, same port
    bench = reopen(data_dir)  # a restarted bench resumes from what the records file holds
    up = sync_round(bench, hub.url, token)
    assert up.ok, up.error
    assert up.sent == 10  # and the shift resumed on reopen
    assert bench.store.sync_state.status().offline_since is None
    assert_agree(hub.database, bench)
    assert_anchored(bench, hub.database)
    bench.close()


def test_the_lost_acknowledgement_comes_back_as_duplicates(
    hub: HubProcess, token: str, proxy: FaultProxy, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(12)
    proxy.only = lambda method, path: path.startswith("/v1/events")
    proxy.plan = ["drop_reply"]
    lost = sync_round(bench, proxy.url, token)
    assert lost.offline
    assert lost.pending == 16
    assert len(query(hub.database, "SELECT event_id FROM events")) == 16  # the hub committed
    again = sync_round(bench, proxy.url, token)
    assert again.ok, again.error
    assert (again.sent, again.duplicates) == (0, 16)
    assert assert_agree(hub.database, bench) == 16
    assert_anchored(bench, hub.database)  # the hub said "gap"; the bench took its anchor
    bench.close()


def test_hub_killed_in_the_middle_of_a_batch(
    hub: HubProcess, token: str, proxy: FaultProxy, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(400)
    proxy.only = lambda method, path: path.startswith("/v1/events")
    proxy.plan = ["kill"]
    killed = sync_round(bench, proxy.url, token)
    assert killed.offline
    hub.start()
    done = sync_round(bench, proxy.url, token)
    assert done.ok, done.error
    assert done.sent + done.duplicates == 404
    assert assert_agree(hub.database, bench) == 404
    assert_anchored(bench, hub.database)
    bench.close()


def test_500s_then_503_with_retry_after_then_through(
    hub: HubProcess, token: str, proxy: FaultProxy, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(4)
    proxy.plan = ["500", "500", "503:7"]
    reports = [sync_round(bench, proxy.url, token) for _ in range(3)]
    assert [r.error is not None for r in reports] == [True, True, True]
    assert [r.retry_after for r in reports] == [None, None, 7.0]
    assert not any(r.offline for r in reports)  # the hub answered: busy, not offline
    assert all(r.pending == 8 for r in reports)
    assert query(hub.database, "SELECT count(*) FROM events") == [(0,)]
    through = sync_round(bench, proxy.url, token)
    assert through.ok, through.error
    assert through.sent == 8
    assert_agree(hub.database, bench)
    bench.close()


def test_duplicated_and_reordered_batches(hub: HubProcess, token: str, data_dir: Path) -> None:
    bench = make_bench(data_dir)
    bench.record(9)
    pending = [p.message for p in bench.store.outbox.pending(500)]
    first, second = pending[:6], pending[6:]
    with HubClient(hub.url, token) as client:
        later = client.send("B1", second, [])
        assert {r.status for r in later.results} == {"accepted"}
        earlier = client.send("B1", first, [])
        assert {r.status for r in earlier.results} == {"accepted"}
        twice = client.send("B1", first + second, [])
        assert {r.status for r in twice.results} == {"duplicate"}
    report = sync_round(bench, hub.url, token)
    assert (report.sent, report.duplicates) == (0, 13)
    assert assert_agree(hub.database, bench) == 13
    assert_anchored(bench, hub.database)
    bench.close()


def test_two_benches_at_once(hub: HubProcess, tmp_path: Path) -> None:
    tokens = {name: add_device(hub.data_dir, hub.database, name) for name in ("B1", "B2")}
    dirs = {name: tmp_path / name for name in tokens}
    for name, folder in dirs.items():
        b = make_bench(folder, name)
        b.record(150, prefix=name)
        b.close()
    reports: dict[str, RoundReport] = {}

    def run(name: str) -> None:  # each thread opens its own connection, as the task runner does
        b = reopen(dirs[name], name)
        try:
            reports[name] = sync_round(b, hub.url, tokens[name], batch_size=50)
        finally:
            b.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for name in tokens:
        assert reports[name].ok, reports[name].error
        b = reopen(dirs[name], name)
        sync_round(b, hub.url, tokens[name])  # the sign-in of reopen
        assert assert_agree(hub.database, b) == 156  # and the two resumed sign-ins
        assert_anchored(b, hub.database)
        b.close()


def test_one_event_id_with_two_payloads_is_a_conflict_kept_on_both_sides(
    hub: HubProcess, token: str, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    (rid,) = bench.record(1)
    message = bench.store.outbox.pending(500)[-1].message
    assert isinstance(message, InspectionRecorded)
    assert message.event_id == rid
    other = dataclasses.replace(
        message, inspection=dataclasses.replace(message.inspection, notes="not what the bench holds")
    )
    with HubClient(hub.url, token) as client:
        (first,) = client.send("B1", [other], []).results
        assert first.status == "accepted"
    report = sync_round(bench, hub.url, token)
    assert report.ok, report.error
    assert report.dead_lettered == 1
    assert report.dead_letter_ids == (rid,)
    (dead,) = bench.store.outbox.dead_letters()
    assert (dead.event_id, dead.status) == (rid, "conflict")
    assert dead.reason
    assert report.pending == 0
    # Both visible at the hub: the first payload stored, the bench's kept aside.
    assert query(hub.database, f"SELECT count(*) FROM events WHERE event_id = '{rid}'") == [(1,)]
    assert query(hub.database, f"SELECT count(*) FROM event_conflicts WHERE event_id = '{rid}'") == [(1,)]
    again = sync_round(bench, hub.url, token)
    assert (again.sent, again.dead_lettered, again.batches) == (0, 0, 0)  # never sent again
    bench.close()


def test_a_message_naming_another_bench_is_rejected_and_dead_lettered(
    hub: HubProcess, token: str, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    with bench.store.transaction():  # written here, but naming another bench (a copied file, a bug)
        foreign = security_event(bench.store, "O1", "B9", "lock", {"idle_minutes": 5}).value
    bench.record(2)
    report = sync_round(bench, hub.url, token)
    assert report.ok, report.error
    assert (report.sent, report.dead_lettered, report.pending) == (6, 1, 0)
    (dead,) = bench.store.outbox.dead_letters()
    assert (dead.event_id, dead.status) == (foreign, "rejected")
    assert "bench_id" in dead.reason
    assert assert_agree(hub.database, bench, dead=1) == 6
    bench.close()


def test_a_photo_reaches_the_hub_before_its_record(hub: HubProcess, token: str, data_dir: Path) -> None:
    bench = make_bench(data_dir)
    data = b"\xff\xd8\xff\xe0 a seizure photo" * 1000
    bench.seizure_with_photo(data)
    report = sync_round(bench, hub.url, token)
    assert report.ok, report.error
    assert report.photos_uploaded == 1
    sha = hashlib.sha256(data).hexdigest()
    assert query(hub.database, f"SELECT size, complete FROM photo_blobs WHERE sha256 = '{sha}'") == [
        (len(data), 1)
    ]
    assert_agree(hub.database, bench)
    bench.close()


def test_a_chain_cut_after_its_anchor_is_a_problem_the_bench_records(
    hub: HubProcess, token: str, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(3)
    assert sync_round(bench, hub.url, token).ok
    head, _ = bench.store.audit_head()
    bench.store.sync_state.set({"hub_anchor": None})  # the thief deletes the kept anchor ...
    conn = bench.store.conn
    conn.execute("DROP TRIGGER audit_log_no_delete")  # ... and the chain's last entries
    conn.execute("DELETE FROM audit_log WHERE seq > ?", (head - 2,))
    conn.commit()
    with bench.store.transaction():
        security_event(bench.store, "O1", "B1", "lock", {})
    report = sync_round(bench, hub.url, token)
    assert report.ok, report.error  # events still flow
    assert report.sent == 1
    assert report.anchor_problem is not None
    assert str(head) in report.anchor_problem
    # The hub's anchor is kept again: `audit verify` now fails on this bench.
    anchor = bench.store.sync_state.anchor()
    assert anchor is not None
    assert anchor.seq == head
    assert audit.check_anchor(conn, (anchor.seq, anchor.hash)) is not None
    bench.close()


def test_audit_entries_go_up_once_each_over_many_batches(
    hub: HubProcess, token: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain is caught up a few entries a batch: each entry is sent once, from the anchor the
    hub returned (a batch goes only after the one before it is settled)."""
    monkeypatch.setattr(sender_module, "MAX_AUDIT_ENTRIES", 4)
    bench = make_bench(data_dir)
    bench.record(10)
    sent: list[int] = []
    with HubClient(hub.url, token, timeout=30) as client:
        send = client.send_encoded

        def watched(bench_id: str, payloads: list[str], entries: list[AuditEntry]) -> UploadReply:
            sent.extend(e.seq for e in entries)
            return send(bench_id, payloads, entries)

        monkeypatch.setattr(client, "send_encoded", watched)
        report = Sender(bench.store, client, bench.name, batch_size=3).round()
    assert report.ok, report.error
    head_seq, _ = bench.store.audit_head()
    assert sent == list(range(1, head_seq + 1))  # each once, in order
    assert_anchored(bench, hub.database)
    assert_agree(hub.database, bench)
    bench.close()


def test_a_reply_that_is_not_the_protocols_is_a_typed_error_and_nothing_is_lost(
    hub: HubProcess, proxy: FaultProxy, token: str, data_dir: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(5)
    proxy.only = lambda method, path: path.startswith("/v1/events")
    proxy.plan = ["200{}"]
    first = sync_round(bench, proxy.url, token)
    assert isinstance(first.error, HubBusy)
    assert "not what the protocol says" in first.error.reason
    assert first.pending == bench.store.outbox.count() > 0
    assert bench.store.sync_state.status().last_error is not None
    again = sync_round(bench, proxy.url, token)
    assert again.ok, again.error
    assert again.pending == 0
    assert_agree(hub.database, bench)
    bench.close()
