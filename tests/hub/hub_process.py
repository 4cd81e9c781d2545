"""A real hub in a child process: `python -m workstation hub serve --port 0`, as an administrator runs it.

`HubProcess.start()` waits for the one JSON line the hub prints once it listens; `kill()` is a
SIGKILL; `restart()` starts it again on the same database and the same port. `add_device` runs
`hub add-device` does, in the database directly, and returns the token.
"""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workstation_process import REPO_ROOT, child_env, workstation_argv

START_TIMEOUT = 60.0


@dataclass
class HubProcess:
    data_dir: Path
    database: str
    extra: tuple[str, ...] = ()
    port: int = 0
    url: str = ""
    proc: subprocess.Popen[str] | None = field(default=None, repr=False)

    def start(self) -> HubProcess:
        argv = workstation_argv(
            self.data_dir, "hub", "serve", "--database", self.database, "--port", str(self.port), *self.extra
        )
        log = open(self.data_dir / "hub-stderr.txt", "a")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=log, text=True, env=child_env(), cwd=REPO_ROOT
        )
        log.close()
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(START_TIMEOUT):
                self.kill()
                raise AssertionError(f"the hub did not start: {self.stderr()}")
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise AssertionError(f"the hub exited ({self.proc.returncode}): {self.stderr()}")
        self.url = json.loads(line)["listening"]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stderr(self) -> str:
        path = self.data_dir / "hub-stderr.txt"
        return path.read_text() if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye (what a power cut does to the hub)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def restart(self) -> HubProcess:
        """Kill it and start it again on the same database and port."""
        self.kill()
        return self.start()


@contextmanager
def running_hub(data_dir: Path, database: str, *extra: str) -> Iterator[HubProcess]:
    hub = HubProcess(data_dir, database, extra).start()
    try:
        yield hub
    finally:
        hub.stop()


def add_device(data_dir: Path, database: str, name: str) -> str:
    """Add a device in the hub's database directly (as `hub add-device` does, without a process start
    per test: test_tokens.py runs the command itself); its token."""
    from workstation.hub.app import add_device as add
    from workstation.hub.storage import open_storage

    storage = open_storage(database)
    try:
        return add(storage, name)
    finally:
        storage.close()
