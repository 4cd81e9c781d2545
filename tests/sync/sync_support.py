"""A bench with facts to send, the check that hub and bench agree, and a proxy that fails on purpose."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hub_process import HubProcess
from hub_support import query
from records_support import FAST_HASHER, PASSWORD, FakeClock

from workstation.core.records import (
    InspectionDraft,
    Outcome,
    Role,
    SeizedItem,
    SeizureDraft,
    Session,
    Violation,
)
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore


@dataclass
class SyncBench:
    """A records file whose every message names one bench, as a real bench's does."""

    store: RecordsStore
    directory: OfficerDirectory
    officer: Session
    name: str

    def record(self, count: int, prefix: str = "X") -> list[str]:
        return [
            self.store.save_inspection(self.officer, InspectionDraft(f"{prefix}{n}", Outcome.RELEASED)).id
            for n in range(count)
        ]

    def seizure_with_photo(self, data: bytes) -> str:
        photo = self.store.save_photo(self.officer, data)
        draft = SeizureDraft(
            Violation.NARCOTICS, "21 U.S.C. 881", (SeizedItem("powder", 1, 0.0, 0.0),), "vault", (photo,)
        )
        self.store.save_seizure(self.officer, InspectionDraft("S1", Outcome.SEIZED), draft)
        return photo

    def close(self) -> None:
        self.store.close()


def make_bench(data_dir: Path, name: str = "B1", *, clock: FakeClock | None = None) -> SyncBench:
    """An admin (bootstrapped before the bench had a hub), an officer signed in on `name`."""
    store = RecordsStore.open(data_dir, clock=clock or FakeClock(datetime.now(UTC)))
    directory = OfficerDirectory(store, None, hasher=FAST_HASHER)
    directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    # The bootstrap message (bench "bootstrap", which the hub takes as this device's own) is
    # counted as sent before the hub exists: the tests' counts are of what the bench wrote after.
    store.outbox.mark_sent(p.id for p in store.outbox.pending(10))
    admin = directory.sign_in("A1", PASSWORD, name)
    directory.add(admin, "O1", "Olga Officer", Role.OFFICER, PASSWORD)
    officer = directory.sign_in("O1", PASSWORD, name)
    return SyncBench(store, directory, officer, name)


def reopen(data_dir: Path, name: str = "B1") -> SyncBench:
    store = RecordsStore.open(data_dir)
    directory = OfficerDirectory(store, None, hasher=FAST_HASHER)
    return SyncBench(store, directory, directory.sign_in("O1", PASSWORD, name), name)


def hub_events(database: str, bench: str) -> list[tuple[str, str, dict[str, Any]]]:
    rows = query(
        database, f"SELECT kind, event_id, payload FROM events WHERE bench = '{bench}' ORDER BY hub_seq"
    )
    return [(k, e, p if isinstance(p, dict) else json.loads(p)) for k, e, p in rows]


def assert_agree(database: str, bench: SyncBench, *, dead: int = 0) -> int:
    """Hub and bench agree exactly: every message sent is at the hub once, with its payload; none waits."""
    conn = bench.store.conn
    assert bench.store.outbox.count() == 0
    sent = {
        (k, e): json.loads(p)
        for k, e, p in conn.execute(
            "SELECT kind, record_id, payload FROM outbox WHERE sent_at IS NOT NULL AND message_version > 0 "
            "AND seq > (SELECT min(seq) FROM outbox)"  # the bootstrap message, sent before the hub
        )
    }
    at_hub = hub_events(database, bench.name)
    keys = [(k, e) for k, e, _ in at_hub]
    assert len(keys) == len(set(keys)), "an event is at the hub twice"
    assert {(k, e): p for k, e, p in at_hub} == sent
    assert len(bench.store.outbox.dead_letters()) == dead
    return len(at_hub)


# -- a proxy that fails on purpose --------------------------------------------------------------

Action = str  # "forward", "500", "503:SECONDS", "200{}", "drop_reply", "kill"


class FaultProxy:
    """Answers each request by the next planned action, then forwards the rest to the hub.

    `drop_reply` forwards the request, lets the hub commit and reply, and closes the connection
    without passing the reply on (the lost acknowledgement). `kill` forwards the request and
    SIGKILLs the hub while it handles it.
    """

    def __init__(self, hub: HubProcess) -> None:
        self.hub = hub
        self.plan: list[Action] = []
        self.seen: list[tuple[str, str, Action]] = []
        self.only: Callable[[str, str], bool] = lambda method, path: True
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def _next(self, method: str, path: str) -> Action:
        with self._lock:
            action = self.plan.pop(0) if self.plan and self.only(method, path) else "forward"
            self.seen.append((method, path, action))
            return action

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                action = proxy._next(self.command, self.path)
                if action == "500":
                    return self._answer(500, {"error": "hub fault (test)"})
                if action == "200{}":  # a captive portal or proxy answering for the hub
                    return self._answer(200, {})
                if action.startswith("503"):
                    return self._answer(503, {"error": "busy (test)"}, {"Retry-After": action.split(":")[1]})
                upstream = urlsplit(proxy.hub.url)
                conn = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    if action == "kill":
                        proxy.hub.kill()
                        self.close_connection = True
                        return None
                    reply = conn.getresponse()
                    data = reply.read()
                except OSError:
                    self.close_connection = True
                    return None
                finally:
                    conn.close()
                if action == "drop_reply":
                    self.close_connection = True  # the hub committed; the bench never hears it
                    return None
                self.send_response(reply.status)
                for k, v in reply.getheaders():
                    if k.lower() not in (
                        "content-length",
                        "connection",
                        "transfer-encoding",
                        "date",
                        "server",
                    ):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None

            def _answer(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = do_PATCH = _any

        return Handler
