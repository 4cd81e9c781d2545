"""What the bench's hub client says before it sends anything: plain http off this PC is noted, once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from workstation.sync.client import HubClient
from workstation.sync.errors import HubUnreachable


def test_plain_http_to_another_host_is_noted_once_and_loopback_not_at_all(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="workstation.sync.client"):
        for _ in range(3):
            HubClient("http://10.99.0.7:8470", "wsd_x").close()
        HubClient("http://127.0.0.1:8470", "wsd_x").close()
        HubClient("http://localhost:8470", "wsd_x").close()
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1
    assert "10.99.0.7" in notes[0]
    assert "unencrypted" in notes[0]


def test_a_ca_file_that_cannot_be_read_is_a_typed_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(HubUnreachable, match=r"cannot use the CA file .*no-such-ca.pem"):
        HubClient("https://hub.local:8470", "wsd_x", ca_file=str(missing))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(HubUnreachable, match=r"garbage\.pem"):
        HubClient("https://hub.local:8470", "wsd_x", ca_file=str(garbage))


def test_sync_once_refuses_an_https_hub_without_its_ca_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workstation.cli import main

    config = tmp_path / "workstation.toml"
    config.write_text('bench_id = "B1"\n')
    data = tmp_path / "data"
    code = main(
        ["--config", str(config), "--data-dir", str(data), "sync", "--once", "--hub", "https://hub.local:8470",
         "--token", "wsd_x"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "an https hub is checked against [sync] ca_file" in err
