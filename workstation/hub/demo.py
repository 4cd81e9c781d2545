"""The demo's hub: `workstation hub serve` on SQLite in the demo folder, on a free loopback port.

`workstation --demo` starts one beside the app, so a new user sees the whole system: records go
up, the scan bar turns to "up to date". It starts in the background (the bench does not wait for
it) and stops when the app exits. Its device token is kept in the hub's folder, owner-only; if
the token is lost the demo hub starts over with an empty database (it holds only demo records).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workstation.hub.storage import HubStorage

log = logging.getLogger(__name__)

HUB_FOLDER = "demo-hub"
TOKEN_FILE = "device-token"
DATABASE_FILE = "hub.sqlite"
START_TIMEOUT = 30.0


def program_argv(*args: str) -> list[str]:
    """This program with these arguments: the bundle itself when frozen, else `python -m workstation`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "workstation", *args]


def _drain(stream: Any) -> None:
    with contextlib.suppress(OSError, ValueError):
        for _ in stream:
            pass


def _ensure_demo_officers(storage: HubStorage) -> None:
    """The demo officers in the demo hub's directory, as a facility's hub holds its officers: the
    bench pulls them, and the demo supervisor's password opens the facility's records there."""
    from workstation.store.officers import DEMO_OFFICERS, DEMO_PASSWORD, default_hasher

    hasher = None
    for badge, name, role in DEMO_OFFICERS:
        if storage.officer(badge) is not None:
            continue
        hasher = hasher or default_hasher()
        storage.save_officer(badge, name, role.value, True, hasher.hash(DEMO_PASSWORD), None, new=True)


def _publish_demo_reference(storage: HubStorage, data_dir: Path, items: int) -> None:
    """The demo feed the bench's cache was made from, as a facility's hub holds its reference data:
    the supervisor's reconciliation at the hub needs the targeted items. Same generator, seed and
    base date (the newest arrival in the bench's demo cache), so the bench's pull changes nothing."""
    import sqlite3
    from datetime import date

    from workstation.core.demo import DemoGenerator
    from workstation.core.feed_record import RiskRecord, flat_record
    from workstation.store.db import CACHE_FILE

    cache = data_dir / CACHE_FILE
    if not cache.exists():
        return
    with contextlib.closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as conn:
        (newest,) = conn.execute("SELECT max(arrival_date) FROM items").fetchone()
    if not newest:
        return

    def records() -> Iterator[tuple[str, dict[str, Any]]]:
        for raw in DemoGenerator(1, date.fromisoformat(newest)).records(items):
            rec = flat_record(raw)
            kind = "risk" if isinstance(rec, RiskRecord) else "item"
            yield f"{kind}:{rec.tracking_id}", {**raw, "tracking_id": rec.tracking_id}

    storage.publish_reference(records())


class DemoHub:
    """One hub process for one demo bench; `target()` is (url, token) once it listens."""

    def __init__(self, data_dir: Path, bench_id: str, demo_items: int = 0) -> None:
        self.data_dir = data_dir
        # The demo cache's size: a new demo hub publishes the same demo feed (0: publishes none).
        self.demo_items = demo_items
        self.folder = data_dir / HUB_FOLDER
        self.bench_id = bench_id
        self.database = f"sqlite:///{self.folder / DATABASE_FILE}"
        self._url: str | None = None
        self._token: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self.problem: str | None = None  # why it did not start, for the log and the status

    def start(self) -> DemoHub:
        """Start it on a thread of its own; returns at once."""
        threading.Thread(target=self._run, name="workstation-demo-hub", daemon=True).start()
        return self

    def target(self) -> tuple[str, str] | None:
        with self._lock:
            return (self._url, self._token) if self._url and self._token else None

    def _device_token(self) -> str:
        """This bench's token at the demo hub: the kept one, or a fresh demo hub with a new one.

        The token file names the device it belongs to; a token for another bench id, or one whose
        database is gone, starts the demo hub over (it holds only demo records).
        """
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        token_file = self.folder / TOKEN_FILE
        database_file = self.folder / DATABASE_FILE
        from workstation.hub.storage import open_storage  # the server's modules, only once needed

        if token_file.exists() and database_file.exists():
            name, _, token = token_file.read_text(encoding="utf-8").strip().partition(" ")
            if name == self.bench_id and token:
                storage = open_storage(self.database)
                try:
                    _ensure_demo_officers(storage)  # a demo hub made before it kept them
                finally:
                    storage.close()
                return token
        from workstation.hub.app import add_device

        for stale in (database_file, Path(f"{database_file}-wal"), Path(f"{database_file}-shm")):
            stale.unlink(missing_ok=True)
        storage = open_storage(self.database)
        try:
            token = add_device(storage, self.bench_id)
            _ensure_demo_officers(storage)
            if self.demo_items:
                _publish_demo_reference(storage, self.data_dir, self.demo_items)
        finally:
            storage.close()
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{self.bench_id} {token}\n")
        return token

    def _run(self) -> None:
        try:
            token = self._device_token()
            argv = program_argv(
                "--data-dir", str(self.folder), "hub", "serve", "--database", self.database, "--port", "0",
                "--exit-with-parent",
            )  # fmt: skip
            with open(self.folder / "hub.log", "a", encoding="utf-8") as err:
                proc = subprocess.Popen(
                    argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True
                )
            with self._lock:
                self._proc = proc
                if self._stopped:
                    proc.terminate()
                    return
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"it exited ({proc.wait()}); see {self.folder / 'hub.log'}")
            url = json.loads(line)["listening"]
            # Whatever else it prints is read and dropped, so a full pipe never stops it.
            threading.Thread(
                target=_drain, args=(proc.stdout,), name="workstation-demo-hub-out", daemon=True
            ).start()
        except Exception as exc:
            self.problem = f"the demo hub did not start: {exc}"
            log.warning("%s", self.problem)
            return
        with self._lock:
            self._url, self._token = url, token
        log.info("demo hub listening on %s (%s)", url, self.database)

    def stop(self) -> None:
        """Stop the hub process (it finishes the request in hand), then kill it if it lingers."""
        with self._lock:
            self._stopped = True
            proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
