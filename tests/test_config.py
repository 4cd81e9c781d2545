"""The facility config is checked when it loads: a bad value stops the start in one line naming
the file, the key and what is wrong (exit 2); the --config path travels with the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstation.cli import _context, build_parser, main
from workstation.config import ConfigError, SyncSettings, load_settings


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('hub_url = "ftp://hub.local"', "'hub_url': the hub address must start with http:// or https://"),
        ('hub_url = "https://"', "'hub_url': the hub address has no host name"),
        ('hub_url = "https://hub.local:99999"', "'hub_url': the hub address is not a URL"),
        ("retention_days = 0", "'retention_days': must be 1 or more, not 0"),
        (
            "[security]\nidle_lock_minutes = -1",
            "[security]: 'idle_lock_minutes': must be 0.1 or more, not -1.0",
        ),
        (
            '[scanner]\nwedge_terminators = ["enter", "space"]',
            "'wedge_terminators': must list only 'enter' and 'tab', not 'space'",
        ),
        ('retention_days = "14"', "'retention_days' must be int, not str"),
        ("[sync]\nbatch_size = 501", "[sync]: 'batch_size': must be from 1 to 500, not 501"),
        ("[sync]\nbatch_size = 0", "[sync]: 'batch_size': must be from 1 to 500, not 0"),
        ("[sync]\ninterval_seconds = 0", "[sync]: 'interval_seconds': must be 1 or more, not 0.0"),
        ("[sync]\nmax_clock_skew_seconds = 0.5", "'max_clock_skew_seconds': must be 1 or more, not 0.5"),
        ("[sync]\nbackoff_cap_seconds = -3", "'backoff_cap_seconds': must be 1 or more, not -3.0"),
        ("[sync]\ntoken = 12", "[sync]: 'token' must be str, not int"),
        ("[sync]\nretries = 3", "[sync]: unknown setting 'retries'"),
        ("sync = 3", "[sync] must be a table"),
    ],
)
def test_a_bad_value_is_named_with_its_file_and_key(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "workstation.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert said in message
    assert "\n" not in message


def test_a_good_hub_url_loads(tmp_path: Path) -> None:
    path = tmp_path / "workstation.toml"
    ca = tmp_path / "facility-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    path.write_text(f'hub_url = "https://hub.facility.local:8443"\n[sync]\nca_file = "{ca}"\n')
    assert load_settings(path).hub_url == "https://hub.facility.local:8443"


def test_an_https_hub_needs_a_readable_ca_file(tmp_path: Path) -> None:
    path = tmp_path / "workstation.toml"
    path.write_text('hub_url = "https://hub.facility.local:8443"\n[sync]\ntoken = "wsd_t"\n')
    with pytest.raises(ConfigError, match=r"\[sync\] 'ca_file' is needed for an https hub"):
        load_settings(path)
    missing = tmp_path / "nowhere" / "ca.pem"
    path.write_text(f'hub_url = "https://hub.facility.local"\n[sync]\nca_file = "{missing}"\n')
    with pytest.raises(ConfigError, match=r"cannot read .*ca.pem: No such file or directory"):
        load_settings(path)


def test_the_sync_table_loads_and_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.toml").sync == SyncSettings()
    assert SyncSettings().batch_size == 500
    assert SyncSettings().max_clock_skew_seconds == 120.0
    path = tmp_path / "workstation.toml"
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    path.write_text(
        f'hub_url = "https://hub.local"\n[sync]\ntoken = "t0k"\nca_file = "{ca}"\n'
        "interval_seconds = 30\nbatch_size = 200\nmax_clock_skew_seconds = 60\nbackoff_cap_seconds = 90\n"
    )
    settings = load_settings(path)
    assert settings.hub_url == "https://hub.local"
    assert settings.sync == SyncSettings("t0k", str(ca), 30.0, 200, 60.0, 90.0)


def test_the_cli_stops_with_exit_2_and_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "workstation.toml"
    path.write_text('hub_url = "hub.local"\n')
    assert main(["--config", str(path), "parse", "LX123456785HK"]) == 2
    err = capsys.readouterr().err
    assert err == f"workstation: {path}: 'hub_url': the hub address must start with http:// or https://\n"


def test_the_context_keeps_the_config_path_even_before_the_file_exists(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "workstation.toml"
    args = build_parser().parse_args(["--config", str(path), "--data-dir", str(tmp_path / "data")])
    ctx = _context(args)
    assert ctx.config_path == path
    assert ctx.settings.source == "defaults"
