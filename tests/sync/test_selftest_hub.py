"""`self-test` asks the configured hub what a bench will ask it: its clock, with this device's token."""

from __future__ import annotations

import json
from pathlib import Path

from hub_process import HubProcess
from workstation_process import run_workstation


def _hub_check(data_dir: Path, tmp_path: Path, url: str, token: str) -> dict[str, object]:
    config = tmp_path / "workstation.toml"
    config.write_text(f'hub_url = "{url}"\n[sync]\ntoken = "{token}"\n')
    done = run_workstation(data_dir, "--config", str(config), "self-test", "--no-qt", "--json")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return next(r for r in lines if r["check"] == "hub")


def test_the_hub_check_passes_with_a_valid_token_and_warns_with_a_revoked_one(
    hub: HubProcess, token: str, data_dir: Path, tmp_path: Path
) -> None:
    ok = _hub_check(data_dir, tmp_path, hub.url, token)
    assert ok["status"] == "ok", ok
    assert "token accepted" in str(ok["detail"])

    revoked = run_workstation(hub.data_dir, "hub", "revoke-device", "B1", "--database", hub.database)
    assert revoked.returncode == 0, revoked.stderr
    refused = _hub_check(data_dir, tmp_path, hub.url, token)
    assert refused["status"] == "warn"
    assert "401" in str(refused["detail"]) or "not valid" in str(refused["detail"])

    no_token = _hub_check(data_dir, tmp_path, hub.url, "")
    assert no_token["status"] == "warn"
    assert "no device token" in str(no_token["detail"])
