"""SIGKILL a writer process at random moments: nothing it reported as saved is lost, nothing half-written."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from records_support import PASSWORD, open_directory

from workstation.core.audit import OFFICER_SUBJECT_PREFIX
from workstation.core.messages import MESSAGE_TYPES
from workstation.core.records import Role
from workstation.store.records import RecordsStore

KILLS = 55
WRITER = Path(__file__).with_name("crash_writer.py")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_records_survive_sigkill_at_random_moments(data_dir: Path) -> None:
    store, directory, _ = open_directory(data_dir)
    directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    admin = directory.sign_in("A1", PASSWORD, "DESK")
    directory.add(admin, "O1", "Olga Officer", Role.OFFICER, PASSWORD)
    directory.add(admin, "O2", "Omar Officer", Role.OFFICER, PASSWORD)
    directory.add(admin, "O3", "Otto Officer", Role.OFFICER, PASSWORD)
    directory.add(admin, "S1", "Sam Supervisor", Role.SUPERVISOR, PASSWORD)
    store.close()

    rng = random.Random(20260302)
    reported: set[str] = set()
    server = subprocess.Popen(
        [sys.executable, str(WRITER), str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        for kill in range(KILLS):
            server.stdin.write(f"go {kill}\n")
            server.stdin.flush()
            ready = server.stdout.readline().split()
            assert ready[:1] == ["ready"], f"writer did not start: {ready}"
            pid = int(ready[1])
            time.sleep(rng.uniform(0.0, 0.15))
            os.kill(pid, signal.SIGKILL)
            server.stdin.write(f"reap {pid}\n")
            server.stdin.flush()
            # Everything the writer wrote before it died is in the pipe before "reaped".
            while (line := server.stdout.readline()) != f"reaped {pid}\n":
                assert line.startswith(("saved ", "did ")), f"unexpected output {line!r}"
                if line.startswith("saved "):
                    reported.add(line.split()[1])
    finally:
        server.stdin.close()
        server.wait(timeout=10)

    assert len(reported) > KILLS  # the writer got real work done between kills
    conn = sqlite3.connect(data_dir / "records.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    saved = {r[0] for r in conn.execute("SELECT id FROM inspections")}
    assert reported <= saved, f"lost after commit: {sorted(reported - saved)[:5]}"
    kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM outbox")}
    conn.close()
    assert kinds == set(MESSAGE_TYPES), f"kinds of fact never written: {set(MESSAGE_TYPES) - kinds}"
    assert_every_fact_whole(data_dir)
    store = RecordsStore.open(data_dir)
    report = store.verify_audit()
    store.close()
    assert report.ok, report.first_break


# The table whose row is a fact's own (its id is the message's event id), and the message kinds.
FACT_TABLES = {
    "inspections": ("inspection", "detention", "seizure"),
    "detentions": ("detention",),
    "seizures": ("seizure",),
    "photos": ("photo",),
    "seizure_reviews": ("countersignature", "seizure_return"),
    "lookouts": ("lookout",),
    "lookout_removals": ("lookout_removal",),
    "voids": ("void",),
    "shifts": ("shift",),
    "shift_ends": ("shift_end",),
}


def assert_every_fact_whole(data_dir: Path) -> None:
    """Every row has its audit entry and its fact's one message; every message its entry; no orphan."""
    conn = sqlite3.connect(data_dir / "records.sqlite")
    try:
        messages = [
            json.loads(p)
            for (p,) in conn.execute("SELECT payload FROM outbox WHERE message_version > 0 ORDER BY seq")
        ]
        entries = {seq: (kind, subject, h) for seq, kind, subject, h in conn.execute(
            "SELECT seq, kind, subject, hash FROM audit_log"
        )}  # fmt: skip
        by_kind: dict[str, set[str]] = {}
        for m in messages:
            assert m["v"] == 1
            assert entries[m["audit_seq"]][2] == m["audit_hash"], m
            assert (m["kind"], m["event_id"]) not in {(k, i) for k, ids in by_kind.items() for i in ids}
            by_kind.setdefault(m["kind"], set()).add(m["event_id"])
            assert "hash" not in json.dumps({k: v for k, v in m.items() if k != "audit_hash"}), m
            assert "$argon2" not in json.dumps(m)
        for table, kinds in FACT_TABLES.items():
            ids = {r[0] for r in conn.execute(f"SELECT id FROM {table}")}
            sent = set().union(*(by_kind.get(k, set()) for k in kinds))
            assert ids <= sent, f"{table}: rows without their message"
            assert sent <= ids or len(kinds) > 1, f"{table}: messages without their row"
            audited = {s.split(":", 1)[1] for _, s, _ in entries.values() if s.startswith(f"{table}:")}
            assert ids == audited, f"{table}: rows and audit entries differ"
        # Every record row of every table has its entry (seized items and photo links too).
        for (table,) in conn.execute(
            "SELECT DISTINCT substr(subject, 1, instr(subject, ':') - 1) FROM audit_log"
        ):
            if table and table != "officers":
                n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                m = sum(1 for _, s, _ in entries.values() if s.startswith(f"{table}:"))
                assert n == m, table
        # Events without a row (security) and officer changes: one message per entry.
        security = {seq for seq, (k, s, _) in entries.items() if s == ""}
        officer = {
            seq
            for seq, (k, s, _) in entries.items()
            if s.startswith(OFFICER_SUBJECT_PREFIX) and k != "officer_baseline"
        }
        assert security == {m["audit_seq"] for m in messages if m["kind"] == "security"}
        assert officer == {m["audit_seq"] for m in messages if m["kind"] == "officer"}
        # Nothing sent that was not written: every message's event is in its table.
        assert by_kind.get("inspection", set()) <= {r[0] for r in conn.execute("SELECT id FROM inspections")}
    finally:
        conn.close()
