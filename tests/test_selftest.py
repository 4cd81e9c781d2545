"""`workstation self-test`: passes on this machine, and names the check that fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workstation.cli import main

EXPECTED_CHECKS = [
    "qt",
    "config",
    "data-dir",
    "databases",
    "decoder zxing-cpp",
    "decoder pyzbar",
    "cameras",
    "sound files",
    "sounds",
    "hub",
]


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No facility config file: the developer's own one must not leak into the test."""
    path = tmp_path / "absent.toml"
    monkeypatch.setenv("WORKSTATION_CONFIG", str(path))
    return path


def _json_lines(text: str) -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {str(r["check"]): r for r in rows}


def test_self_test_passes_here(data_dir: Path, no_config: Path) -> None:
    """The real thing, in its own process, as the installer runs it (Qt offscreen without a display)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.run(
        [sys.executable, "-m", "workstation", "--data-dir", str(data_dir), "self-test", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    results = _json_lines(proc.stdout)
    assert list(results) == EXPECTED_CHECKS, proc.stderr
    failed = {name: r["detail"] for name, r in results.items() if not r["ok"]}
    assert not failed
    assert proc.returncode == 0, proc.stderr
    assert "offscreen" in str(results["qt"]["detail"])
    assert (data_dir / "cache.sqlite").exists()
    assert (data_dir / "records.sqlite").exists()


def test_unwritable_data_dir_fails_naming_the_check(
    tmp_path: Path, no_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tests run as root, so permissions stop nothing: a directory under a regular file cannot exist.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code = main(["--data-dir", str(blocker / "data"), "self-test", "--no-qt"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = {line[6:23].strip(): line[:4].strip() for line in out.splitlines()}
    assert lines["data-dir"] == "FAIL"
    assert lines["databases"] == "FAIL"
    assert lines["decoder zxing-cpp"] == "ok"
    assert "self-test failed: data-dir, databases" in err
    assert str(blocker / "data") in out


def test_undecodable_sample_fails_each_decoder(
    data_dir: Path, tmp_path: Path, no_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import cv2
    import numpy as np

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 400), 255, np.uint8))
    code = main(["--data-dir", str(data_dir), "self-test", "--no-qt", "--json", "--sample", str(blank)])
    out, err = capsys.readouterr()
    results = _json_lines(out)
    assert code == 1
    assert results["decoder zxing-cpp"]["ok"] is False
    assert results["decoder pyzbar"]["ok"] is False
    assert "read no barcode" in str(results["decoder pyzbar"]["detail"])
    assert results["data-dir"]["ok"] is True
    assert err.strip() == "workstation: self-test failed: decoder zxing-cpp, decoder pyzbar"


def test_unreachable_hub_fails(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "workstation.toml"
    config.write_text('hub_url = "http://127.0.0.1:9"\n')  # the discard port: nothing listens
    code = main(["--config", str(config), "--data-dir", str(data_dir), "self-test", "--no-qt", "--json"])
    results = _json_lines(capsys.readouterr().out)
    assert code == 1
    assert results["hub"]["ok"] is False
    assert "127.0.0.1:9/health" in str(results["hub"]["detail"])
