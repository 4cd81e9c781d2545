"""The wedge filter under a real X server, driven by xdotool as a USB scanner and as a person.

Offscreen tests send key events straight to a widget; a real X server delivers each key press to
the window first and then to the focus widget, so an application-wide filter sees it twice. Only
a real display shows that a burst is counted once, with each key once, and that typing arrives.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HELPER = Path(__file__).with_name("wedge_x_app.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
CODE = "1Z5R89390357567127"

pytestmark = pytest.mark.usefixtures("real_x")


class Program:
    """The helper program's stdout, read line by line with a deadline (no reader thread)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._partial = b""

    def _read(self, timeout: float) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"the program ended; it printed {self.lines}")
            *done, self._partial = (self._partial + chunk).split(b"\n")
            self.lines += [d.decode() for d in done]

    def wait_for(self, line: str, timeout: float = 8.0) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.lines:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {line!r} within {timeout} s; the program printed {self.lines}")
            self._read(left)

    def settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._read(left)


def free_display() -> int:
    n = 90
    while Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
        n += 1
    return n


@pytest.fixture
def display() -> Iterator[dict[str, str]]:
    n = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "DISPLAY": f":{n}", "QT_QPA_PLATFORM": "xcb"}
    try:
        for _ in range(100):
            probe = subprocess.run(["xdotool", "getmouselocation"], env=env, capture_output=True)
            if probe.returncode == 0:
                break
            time.sleep(0.05)
        else:
            pytest.fail("Xvfb did not start")
        yield env
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=5)


@pytest.fixture
def program(display: dict[str, str]) -> Iterator[Program]:
    env = {**display, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(HELPER)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        prog = Program(proc)
        prog.wait_for("READY", timeout=15.0)
        # No window manager on Xvfb: give the program's window the X input focus ourselves.
        wid = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(proc.pid)],
            env=display,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.split()[-1]
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], env=display, check=True, timeout=10)
        # The pointer rests on the window, as on a bench where the app fills the screen: when X
        # focus falls back to the pointer (a dialog closed, no window manager) keys still come here.
        subprocess.run(
            ["xdotool", "mousemove", "--window", wid, "20", "20"], env=display, check=True, timeout=10
        )
        prog.env = display  # type: ignore[attr-defined]
        yield prog
    finally:
        proc.terminate()
        proc.wait(timeout=5)
        assert proc.stdout is not None
        proc.stdout.close()


def xdotool(env: dict[str, str], *args: str) -> None:
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=20)


def test_real_x_keys_burst_is_one_scan_and_typing_reaches_the_widget(program: Program) -> None:
    env: dict[str, str] = program.env  # type: ignore[attr-defined]

    # One xdotool call types the code and its Enter ("\\r", the Return key), as a scanner sends them: a second process
    # would start the Enter tens of milliseconds late, which is a person's gap, not a scanner's.
    xdotool(env, "type", "--delay", "10", CODE + "\r")
    program.wait_for(f"SCAN {CODE}")

    xdotool(env, "type", "--delay", "120", "Torn box")
    program.wait_for("TEXT Torn box")
    xdotool(env, "key", "Return")
    program.wait_for("RETURN Torn box")

    xdotool(env, "type", "--delay", "15", "9400111206206406260787\r")
    program.wait_for("SCAN 9400111206206406260787")
    program.settle(0.3)

    scans = [line for line in program.lines if line.startswith("SCAN ")]
    assert scans == [f"SCAN {CODE}", "SCAN 9400111206206406260787"]
    texts = [line for line in program.lines if line.startswith("TEXT ")]
    # The person's keys arrived one by one, each exactly once; the scanner's never did.
    assert texts == [f"TEXT {'Torn box'[:i]}" for i in range(1, len("Torn box") + 1)]
    assert [line for line in program.lines if line.startswith("RETURN ")] == ["RETURN Torn box"]


def test_real_x_burst_after_a_dialog_closed_is_still_a_scan(program: Program) -> None:
    """Help (F1) opened and closed: with no window manager Qt has no focus widget any more."""
    env: dict[str, str] = program.env  # type: ignore[attr-defined]
    xdotool(env, "key", "F1")
    program.settle(0.5)
    xdotool(env, "key", "Escape")
    program.wait_for("DIALOG CLOSED")
    program.settle(0.3)

    xdotool(env, "type", "--delay", "10", CODE + "\r")
    program.wait_for(f"SCAN {CODE}")
    xdotool(env, "type", "--delay", "120", "ok")
    program.wait_for("TEXT ok")
    program.settle(0.3)
    assert [line for line in program.lines if line.startswith("TEXT ")] == ["TEXT o", "TEXT ok"]
