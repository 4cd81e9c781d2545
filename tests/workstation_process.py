"""Run the real command line in a child process, as an administrator would: `python -m workstation`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def workstation_argv(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "workstation", "--data-dir", str(data_dir), *args]


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment, offscreen, with no password unless the test gives one."""
    env = {k: v for k, v in os.environ.items() if k not in ("WORKSTATION_PASSWORD", "WORKSTATION_DATA_DIR")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run_workstation(
    data_dir: Path, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run one subcommand to its end; stdin is empty, so a password prompt fails instead of waiting."""
    return subprocess.run(
        workstation_argv(data_dir, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(**env),
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def one_line(stderr: str) -> str:
    """The one line a failing command writes; fails the test if there are more (a traceback)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    return lines[0]
