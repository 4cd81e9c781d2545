"""What an administrator reads when the data folder or a database is wrong: one line that names
the path, what is wrong and what to do; and two demo seeds at once take turns."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from workstation_process import REPO_ROOT, child_env, one_line, run_workstation, workstation_argv

from workstation.cli import main


def _can_mount_read_only(tmp_path: Path) -> bool:
    """A private mount namespace (unshare -rm) where a folder can be bind-mounted read-only.

    Tests run as root here, and root ignores permission bits, so chmod cannot make a folder
    unwritable; a read-only mount refuses writes to root as well (EROFS), as a read-only disk does.
    """
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    script = f"mount --bind {probe} {probe} && mount -o remount,ro,bind {probe} {probe} && ! touch {probe}/x"
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, check=False)
    return done.returncode == 0


def test_a_read_only_data_folder_is_reported_as_not_writable(data_dir: Path, tmp_path: Path) -> None:
    if not _can_mount_read_only(tmp_path):
        pytest.skip("needs unshare and mount in a user namespace (util-linux) to make a read-only folder")
    assert main(["--data-dir", str(data_dir), "demo", "seed", "--items", "10", "--records", "5"]) == 0
    argv = " ".join(f"'{a}'" for a in workstation_argv(data_dir, "audit", "verify"))
    script = (
        f"mount --bind '{data_dir}' '{data_dir}' && mount -o remount,ro,bind '{data_dir}' '{data_dir}' "
        f"&& exec {argv}"
    )
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert f"the data folder {data_dir} is not writable" in line
    assert "Read-only file system" in line
    assert "damaged" not in line


def test_a_data_folder_that_cannot_be_made_is_reported_as_not_writable(tmp_path: Path) -> None:
    """A path through a regular file: the folder can never be created, whoever runs the command."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    data_dir = blocker / "data"
    for argv in (["audit", "verify"], ["cache", "stats"]):
        done = run_workstation(data_dir, *argv)
        assert done.returncode == 2
        line = one_line(done.stderr)
        assert f"the data folder {data_dir} is not writable" in line
        assert "--data-dir" in line


def _corrupt_so_the_check_reports_many_lines(path: Path) -> None:
    """Overwrite one page's cell pointers; try pages from the end until quick_check lists several."""
    original = path.read_bytes()
    page = 4096
    for n in range(len(original) // page - 1, 1, -1):
        data = bytearray(original)
        data[n * page + 8 : n * page + 4000] = b"\x5a" * 3992
        path.write_bytes(bytes(data))
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError:
            continue
        finally:
            conn.close()
        if len("\n".join(r[0] for r in rows).splitlines()) > 4:
            return
    pytest.fail("no page gave a multi-line integrity report")


def test_an_integrity_error_is_one_line(data_dir: Path) -> None:
    assert main(["--data-dir", str(data_dir), "demo", "seed", "--items", "10", "--records", "200"]) == 0
    records = data_dir / "records.sqlite"
    _corrupt_so_the_check_reports_many_lines(records)
    done = run_workstation(data_dir, "audit", "verify")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert str(records) in line
    assert "failed its integrity check" in line
    assert "call your administrator" in line or "workstation restore" in line


def test_two_demo_seeds_at_once_take_turns(data_dir: Path) -> None:
    argv = workstation_argv(data_dir, "demo", "seed", "--items", "20000", "--records", "20")
    procs = [
        subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(), cwd=REPO_ROOT
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=240) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert "Traceback" not in err
        assert proc.returncode == 0, err
        assert json.loads(out)["items_in_cache"] == 20000
    verify = run_workstation(data_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
