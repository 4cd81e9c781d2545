"""Starting the window on a PC that cannot show one: one line that says what to do, not a Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workstation.app import XCB_LIBRARIES, display_problem


def test_no_display_is_named_with_what_to_do() -> None:
    problem = display_problem(environ={}, platform="linux", loads=lambda _: True)
    assert problem is not None
    assert "DISPLAY" in problem
    assert "QT_QPA_PLATFORM=offscreen" in problem


def test_missing_x11_libraries_are_named_by_package() -> None:
    present = {"libxcb-icccm.so.4", "libxcb-shape.so.0"}
    problem = display_problem(environ={"DISPLAY": ":0"}, platform="linux", loads=present.__contains__)
    assert problem is not None
    missing = [pkg for so, pkg in XCB_LIBRARIES.items() if so not in present]
    assert problem.endswith("apt-get install " + " ".join(missing))
    assert "libxcb-icccm4" not in problem


def test_a_window_can_open_elsewhere() -> None:
    assert display_problem(environ={"DISPLAY": ":0"}, platform="linux", loads=lambda _: True) is None
    assert (
        display_problem(environ={"WAYLAND_DISPLAY": "wayland-0"}, platform="linux", loads=lambda _: False)
        is None
    )
    assert (
        display_problem(environ={"QT_QPA_PLATFORM": "offscreen"}, platform="linux", loads=lambda _: False)
        is None
    )
    assert display_problem(environ={}, platform="win32", loads=lambda _: False) is None


def test_the_bench_without_a_screen_exits_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["WORKSTATION_CONFIG"] = str(tmp_path / "none.toml")
    proc = subprocess.run(
        [sys.executable, "-m", "workstation", "--data-dir", str(tmp_path / "data"), "--demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("workstation: no screen to open the window on")
    assert not (tmp_path / "data" / "cache.sqlite").exists()  # failed before making demo data
