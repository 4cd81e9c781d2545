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


REQUIRED = {"qt", "config", "data-dir", "databases", "decoder zxing-cpp"}
PACKAGE_NAMED = {"decoder pyzbar": "libzbar0", "sounds": "libpulse0"}


def _run_self_test(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The real thing, in its own process, as the installer runs it (Qt offscreen without a display)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-m", "workstation", "--data-dir", str(data_dir), "self-test", "--json", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_self_test_passes_here(data_dir: Path, no_config: Path) -> None:
    proc = _run_self_test(data_dir)
    results = _json_lines(proc.stdout)
    assert list(results) == EXPECTED_CHECKS, proc.stderr
    assert {n for n, r in results.items() if r["required"]} == REQUIRED
    failed = {name: r["detail"] for name, r in results.items() if r["status"] == "fail"}
    assert not failed
    assert proc.returncode == 0, proc.stderr
    assert "offscreen" in str(results["qt"]["detail"])
    assert (data_dir / "cache.sqlite").exists()
    assert (data_dir / "records.sqlite").exists()
    # What this PC lacks is a warning that says what to do about it.
    warned = {name: str(r["detail"]) for name, r in results.items() if r["status"] == "warn"}
    for name, detail in warned.items():
        assert not results[name]["required"]
        assert "install" in detail or "plug in" in detail, detail
        if name in PACKAGE_NAMED and "cannot load" in detail:
            assert PACKAGE_NAMED[name] in detail
    if warned:
        assert "passed with warnings: " + ", ".join(warned) in proc.stderr


def test_strict_turns_warnings_into_failures(data_dir: Path, no_config: Path) -> None:
    plain = _json_lines(_run_self_test(data_dir).stdout)
    warned = [name for name, r in plain.items() if r["status"] == "warn"]
    proc = _run_self_test(data_dir, "--strict")
    strict = _json_lines(proc.stdout)
    assert [r["status"] for r in strict.values()] == [r["status"] for r in plain.values()]
    if warned:
        assert proc.returncode == 1
        assert proc.stderr.strip() == f"workstation: self-test failed: {', '.join(warned)}"
    else:  # a bench PC with every part: strict passes too
        assert proc.returncode == 0, proc.stderr


@pytest.mark.usefixtures("libzbar")
def test_pyzbar_reads_the_sample_where_libzbar_is_installed(data_dir: Path, no_config: Path) -> None:
    from workstation.commands.selftest_checks import pyzbar_reads_sample

    ok, detail = pyzbar_reads_sample()
    assert ok, detail
    assert "RB123456785GB" in detail


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


def test_undecodable_sample_fails_zxing_and_warns_for_pyzbar(
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
    assert results["decoder zxing-cpp"]["status"] == "fail"
    assert results["decoder pyzbar"]["status"] == "warn"  # recommended: never decides alone
    assert "read no barcode" in str(results["decoder pyzbar"]["detail"]) or "libzbar0" in str(
        results["decoder pyzbar"]["detail"]
    )
    assert results["data-dir"]["ok"] is True
    assert err.strip() == "workstation: self-test failed: decoder zxing-cpp"


def test_unreachable_hub_warns_and_fails_only_when_strict(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "workstation.toml"
    # The discard port: nothing listens.
    config.write_text('hub_url = "http://127.0.0.1:9"\n[sync]\ntoken = "wsd_x"\n')
    base = ["--config", str(config), "--data-dir", str(data_dir), "self-test", "--no-qt", "--json"]
    code = main(base)
    out, err = capsys.readouterr()
    results = _json_lines(out)
    assert code == 0, err
    assert results["hub"]["status"] == "warn"
    assert "http://127.0.0.1:9: " in str(results["hub"]["detail"])
    assert "passed with warnings" in err
    assert "hub" in err
    assert main([*base, "--strict"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("workstation: self-test failed: ")
    assert err.strip().endswith("hub")
