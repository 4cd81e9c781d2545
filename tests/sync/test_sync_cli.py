"""`workstation sync --once | status | dead-letters` as an administrator runs them, against a real hub."""

from __future__ import annotations

import json
from pathlib import Path

from hub_process import HubProcess
from records_support import FAST_HASHER
from sync_support import SyncBench, assert_agree, make_bench
from workstation_process import one_line, run_workstation

from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore

KEYS = {
    "sent", "duplicates", "dead_lettered", "pending", "anchor_seq", "officers_pulled",
    "reference_records", "hub_time_skew_seconds",
}  # fmt: skip


def config(tmp_path: Path, hub_url: str, token: str, bench: str = "B1") -> Path:
    path = tmp_path / "workstation.toml"
    path.write_text(f'bench_id = "{bench}"\nhub_url = "{hub_url}"\n[sync]\ntoken = "{token}"\n')
    return path


def test_sync_once_sends_everything_pulls_officers_and_exits_0(
    hub: HubProcess, token: str, data_dir: Path, tmp_path: Path
) -> None:
    bench = make_bench(data_dir)
    bench.record(3)
    bench.close()
    added = run_workstation(
        hub.data_dir, "hub", "officers", "add", "H7", "--name", "Hana Hub", "--role", "officer",
        "--database", hub.database, WORKSTATION_NEW_PASSWORD="hub password 7",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    done = run_workstation(data_dir, "--config", str(config(tmp_path, hub.url, token)), "sync", "--once")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(out) >= KEYS
    assert (out["sent"], out["pending"], out["officers_pulled"]) == (8, 0, 1)  # and the directory applied
    assert out["anchor_seq"] is not None
    store = RecordsStore.open(data_dir)
    assert_agree(
        hub.database, SyncBench(store, OfficerDirectory(store, None, hasher=FAST_HASHER), None, "B1")
    )  # type: ignore[arg-type]
    # The hub's officer signs in here, with the hub's password.
    assert OfficerDirectory(store).sign_in("H7", "hub password 7", "B1").officer.name == "Hana Hub"
    store.close()
    status = run_workstation(data_dir, "--config", str(config(tmp_path, hub.url, token)), "sync", "status")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["last_success"] is not None
    assert shown["offline_since"] is None
    assert shown["dead_letters"] == []


def test_sync_once_exit_codes(hub: HubProcess, token: str, data_dir: Path, tmp_path: Path) -> None:
    bench = make_bench(data_dir)
    bench.close()
    no_hub = run_workstation(data_dir, "sync", "--once")
    assert no_hub.returncode == 2
    assert "no hub" in one_line(no_hub.stderr)
    wrong = run_workstation(
        data_dir, "--config", str(config(tmp_path, hub.url, "not-a-token")), "sync", "--once"
    )
    assert wrong.returncode == 3
    assert "refused" in one_line(wrong.stderr)
    hub.stop()
    down = run_workstation(data_dir, "--config", str(config(tmp_path, hub.url, token)), "sync", "--once")
    assert down.returncode == 6
    assert "hub unreachable" in one_line(down.stderr)
    assert json.loads(down.stdout)["pending"] == 4
    status = json.loads(run_workstation(data_dir, "sync", "status").stdout)
    assert status["offline_since"] is not None
    assert status["pending"] == 4
    hub.start()
    # --hub and --token win over the config.
    up = run_workstation(
        data_dir, "--config", str(config(tmp_path, "http://127.0.0.1:9", "x")), "sync", "--once",
        "--hub", hub.url, "--token", token,
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["sent"] == 4


def test_dead_letters_are_listed_as_json_lines(
    hub: HubProcess, token: str, data_dir: Path, tmp_path: Path
) -> None:
    from workstation.core.services.records import security_event

    bench = make_bench(data_dir)
    with bench.store.transaction():
        foreign = security_event(bench.store, "O1", "B9", "lock", {}).value
    bench.close()
    done = run_workstation(data_dir, "--config", str(config(tmp_path, hub.url, token)), "sync", "--once")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dead_lettered"] == 1
    listed = run_workstation(data_dir, "sync", "dead-letters")
    assert listed.returncode == 0
    (line,) = listed.stdout.strip().splitlines()
    dead = json.loads(line)
    assert (dead["event_id"], dead["status"]) == (foreign, "rejected")
    assert json.loads(dead["payload"])["bench_id"] == "B9"
    status = json.loads(run_workstation(data_dir, "sync", "status").stdout)
    assert [d["event_id"] for d in status["dead_letters"]] == [foreign]
