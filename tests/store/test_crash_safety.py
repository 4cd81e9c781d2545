"""SIGKILL a writer process at random moments: nothing it reported as saved is lost, nothing half-written."""

from __future__ import annotations

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

from workstation.core.records import Role
from workstation.store.records import RecordsStore

KILLS = 55
WRITER = Path(__file__).with_name("crash_writer.py")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_records_survive_sigkill_at_random_moments(data_dir: Path) -> None:
    store, directory, _ = open_directory(data_dir)
    directory.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    directory.add(directory.sign_in("A1", PASSWORD, "DESK"), "O1", "Olga Officer", Role.OFFICER, PASSWORD)
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
                assert line.startswith("saved "), f"unexpected output {line!r}"
                reported.add(line.split()[1])
    finally:
        server.stdin.close()
        server.wait(timeout=10)

    assert len(reported) > KILLS  # the writer got real work done between kills
    conn = sqlite3.connect(data_dir / "records.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    saved = {r[0] for r in conn.execute("SELECT id FROM inspections")}
    assert reported <= saved, f"lost after commit: {sorted(reported - saved)[:5]}"
    lacking_outbox = conn.execute(
        "SELECT count(*) FROM inspections i WHERE NOT EXISTS "
        "(SELECT 1 FROM outbox o WHERE o.kind = 'inspection' AND o.record_id = i.id)"
    ).fetchone()[0]
    lacking_entry = conn.execute(
        "SELECT count(*) FROM inspections i WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_log a WHERE a.subject = 'inspections:' || i.id)"
    ).fetchone()[0]
    half_seizures = conn.execute(
        "SELECT count(*) FROM inspections i WHERE outcome = 'seized' AND NOT EXISTS "
        "(SELECT 1 FROM seized_items s WHERE s.seizure_id = i.id)"
    ).fetchone()[0]
    conn.close()
    assert (lacking_outbox, lacking_entry, half_seizures) == (0, 0, 0)
    store = RecordsStore.open(data_dir)
    report = store.verify_audit()
    store.close()
    assert report.ok, report.first_break
