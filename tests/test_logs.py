"""The log for facility IT: a real file under <data_dir>/logs, owner-only, rotated, one line per entry."""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hostile_text import HOSTILE_SHORT
from hypothesis import given

from workstation.cli import main
from workstation.logs import LogContext, setup_logging

POSIX = os.name == "posix"
# A new entry starts with its time; everything else (a traceback) starts with "  | ".
ENTRY = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
)


def _log(data_dir: Path) -> str:
    return (data_dir / "logs" / "workstation.log").read_text(encoding="utf-8")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_subcommand_that_warns_writes_the_log_file(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "label.png"
    bad.write_bytes(b"not a png at all")
    config = tmp_path / "workstation.toml"
    config.write_text('bench_id = "bench-12"\n', encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workstation",
            "--config",
            str(config),
            "--data-dir",
            str(data_dir),
            *("decode", str(bad)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    # stderr still says it, in one line, as before
    assert done.stderr.strip().splitlines() == [f"workstation: {bad}: not an image OpenCV can read"]
    text = _log(data_dir)
    warning = next(line for line in text.splitlines() if " WARNING " in line)
    assert ENTRY.match(warning)
    assert "bench=bench-12" in warning
    assert "badge=-" in warning  # nobody signs in to a subcommand
    assert f"{bad}: not an image OpenCV can read" in warning
    if POSIX:
        assert _mode(data_dir / "logs") == 0o700
        assert _mode(data_dir / "logs" / "workstation.log") == 0o600


@pytest.mark.skipif(not POSIX, reason="POSIX file modes")
def test_a_log_left_world_readable_is_made_owner_only(data_dir: Path) -> None:
    logs = data_dir / "logs"
    logs.mkdir(mode=0o755)
    (logs / "workstation.log").write_text("older\n", encoding="utf-8")
    os.chmod(logs, 0o755)
    os.chmod(logs / "workstation.log", 0o644)
    setup = setup_logging(data_dir, LogContext(), console=False)
    setup.close()
    assert _mode(logs) == 0o700
    assert _mode(logs / "workstation.log") == 0o600


def test_the_log_rotates_at_the_configured_size(data_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "workstation.toml"
    config.write_text("[log]\nmax_bytes = 2000\nfiles_kept = 2\n", encoding="utf-8")
    missing = [str(tmp_path / f"missing-{i:03}.png") for i in range(60)]
    assert main(["--config", str(config), "--data-dir", str(data_dir), "decode", *missing]) == 1
    logs = data_dir / "logs"
    names = sorted(p.name for p in logs.iterdir())
    assert names == ["workstation.log", "workstation.log.1", "workstation.log.2"]
    for path in logs.iterdir():
        assert path.stat().st_size <= 2000
        if POSIX:
            assert _mode(path) == 0o600
    assert "missing-059.png" in _log(data_dir)  # the newest entry is in the current file


def test_a_data_dir_where_the_log_cannot_be_written_costs_the_file_not_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "logs").write_text("a file where the folder should be", encoding="utf-8")
    assert main(["--data-dir", str(blocked), "parse", "RB123456785GB"]) == 0
    err = capsys.readouterr().err
    assert "no log file in" in err


@given(badge=HOSTILE_SHORT, bench=HOSTILE_SHORT, tracking=HOSTILE_SHORT, reason=HOSTILE_SHORT)
def test_hostile_text_cannot_forge_a_log_line(badge: str, bench: str, tracking: str, reason: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        setup = setup_logging(data_dir, LogContext(bench=bench, badge=badge), console=False)
        log = logging.getLogger("workstation.test")
        try:
            log.warning("misread %s", tracking)
            try:
                raise ValueError(f"no manifest for {tracking}\n{reason}")
            except ValueError:
                log.exception("lookup failed for %s", tracking)
        finally:
            setup.close()
        # Every reader's idea of a line: \n, \r, \x0b, \x1c, \x85, \u2028 ... (str.splitlines).
        lines = _log(data_dir).splitlines()
    entries = [line for line in lines if ENTRY.match(line)]
    assert len(entries) == 2
    assert all(ENTRY.match(line) or line.startswith("  | ") for line in lines)
    assert all(line.isprintable() for line in lines)


def test_a_password_typed_as_a_badge_stays_out_of_the_log(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WORKSTATION_PASSWORD", "whatever")
    assert main(["--data-dir", str(data_dir), "officers", "list", "--as", "CorrectHorse1!"]) != 0
    err = capsys.readouterr().err
    assert "unknown badge" in err
    assert "CorrectHorse1!" not in err  # not even echoed to the person at the terminal
    text = _log(data_dir)
    assert "officers failed" in text
    assert "CorrectHorse1!" not in text
