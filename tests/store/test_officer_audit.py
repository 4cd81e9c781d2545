"""Officer rows are covered by the audit chain: every change the app makes verifies, and a change
made with plain sqlite3 (role, password hash, an added or deleted row) fails `audit verify`
naming the badge. Real records files; the verify runs through `workstation.cli.main`.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from records_support import FAST_HASHER, PASSWORD, open_bench, open_directory
from sqlite_utils import Database
from test_audit_tamper import make_history, tamper, verify

from workstation.config import SecuritySettings
from workstation.core.records import PermissionDenied, Role
from workstation.store import audit
from workstation.store.db import open_records_connection
from workstation.store.officers import SignInError
from workstation.store.records_schema import migrations


def test_every_officer_change_the_app_makes_verifies(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = open_bench(data_dir)
    d = b.directory
    d.set_pin(b.officer, "4321")
    d.set_role(b.admin, "O2", Role.SUPERVISOR)
    d.reset_password(b.admin, "S2", "another long password")
    d.disable(b.admin, "S1")
    for _ in range(2):  # failures and their reset live outside the covered row
        with pytest.raises(SignInError):
            d.sign_in("O1", "wrong", "B1")
    d.sign_in("O1", PASSWORD, "B1")
    b.close()
    code, out, err = verify(data_dir, capsys)
    assert code == 0, err
    assert out["ok"] is True
    conn = sqlite3.connect(data_dir / "records.sqlite")
    kinds = {
        k: n
        for k, n in conn.execute(
            "SELECT kind, count(*) FROM audit_log WHERE subject LIKE 'officers:%' GROUP BY kind"
        )
    }
    conn.close()
    assert kinds == {
        "officer_added": 5,
        "pin_set": 1,
        "role_changed": 1,
        "password_reset": 1,
        "officer_disabled": 1,
    }


def test_an_admin_cannot_change_their_own_role(data_dir: Path) -> None:
    b = open_bench(data_dir)
    with pytest.raises(PermissionDenied, match="own role"):
        b.directory.set_role(b.admin, "A1", Role.OFFICER)
    with pytest.raises(PermissionDenied, match="only an admin"):
        b.directory.set_role(b.officer, "O2", Role.ADMIN)
    b.close()


TAMPERING = [
    (
        "role_raised",
        ["UPDATE officers SET role = 'admin' WHERE badge = 'O1'"],
        "officer O1: role does not match its last audit entry",
    ),
    (
        "password_hash_replaced",
        [
            "UPDATE officers SET password_hash = (SELECT password_hash FROM officers WHERE badge = 'A1') "
            "WHERE badge = 'O2'"
        ],
        "officer O2: password_hash does not match its last audit entry",
    ),
    (
        "re_enabled",
        ["UPDATE officers SET active = 1, name = 'Someone Else' WHERE badge = 'O2'"],
        "officer O2: name does not match its last audit entry",
    ),
    (
        "officer_inserted",
        [
            "INSERT INTO officers (badge, name, role, active, password_hash, created_at) "
            "SELECT 'X9', 'Mallory', 'admin', 1, password_hash, created_at FROM officers WHERE badge = 'A1'"
        ],
        "officer X9: the row has no audit entry (added outside the app)",
    ),
    (
        "officer_deleted",
        ["PRAGMA foreign_keys = OFF", "DELETE FROM officers WHERE badge = 'S2'"],
        "officer S2: the row of audit entry",
    ),
]


@pytest.mark.parametrize(("name", "edits", "message"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_officer_tampering_fails_verify_naming_the_badge(
    data_dir: Path, capsys: pytest.CaptureFixture[str], name: str, edits: list[str], message: str
) -> None:
    make_history(data_dir)
    code, _, _ = verify(data_dir, capsys)
    assert code == 0
    tamper(data_dir, *edits)
    code, out, err = verify(data_dir, capsys)
    assert code == 1
    assert out["ok"] is False
    assert message in err, err
    assert err.count("\n") == 1  # one line


def test_a_forged_role_in_a_subprocess_style_run_names_the_field(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's reproduction: `UPDATE officers SET role='admin'` used to pass verify."""
    make_history(data_dir)
    conn = sqlite3.connect(data_dir / "records.sqlite")  # no trigger guards officers: none to drop
    conn.execute("UPDATE officers SET role = 'admin' WHERE badge = 'O1'")
    conn.commit()
    conn.close()
    code, out, err = verify(data_dir, capsys)
    assert code == 1
    brk = out["break"]
    assert isinstance(brk, dict)
    assert brk["kind"] == "edited_officer"
    assert "officer O1: role does not match its last audit entry" in brk["message"]
    assert "(changed outside the app)" in err


def test_lockout_counters_are_outside_the_covered_row(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, d, _ = open_directory(data_dir, security=SecuritySettings(max_failed_sign_ins=2))
    d.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    for _ in range(2):
        with pytest.raises(SignInError):
            d.sign_in("A1", "wrong", "DESK")
    locked = store.conn.execute("SELECT failed_count, locked_until FROM sign_in_failures").fetchone()
    assert locked[1] is not None
    store.close()
    assert verify(data_dir, capsys)[0] == 0
    # Lifting a lock by hand is not evidence tampering: the lockout itself is an audit entry.
    tamper(data_dir, "DELETE FROM sign_in_failures")
    assert verify(data_dir, capsys)[0] == 0
    conn = sqlite3.connect(data_dir / "records.sqlite")
    columns = {r[1] for r in conn.execute("PRAGMA table_info(officers)")}
    conn.close()
    assert not {"failed_count", "locked_until"} & columns


def test_a_changed_pin_hash_is_named(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(data_dir)
    tamper(data_dir, "UPDATE officers SET pin_hash = 'x' WHERE badge = 'S1'")
    code, out, _ = verify(data_dir, capsys)
    assert code == 1
    brk = out["break"]
    assert isinstance(brk, dict)
    assert brk["kind"] == "edited_officer"
    assert "officer S1: pin_hash does not match" in brk["message"]


M003 = "m003_officer_rows_in_the_audit_chain"


def old_records_file(data_dir: Path) -> None:
    """A records file as the app wrote it before m003: counters in the officers row, no row digests."""
    conn = open_records_connection(data_dir, "test")
    db = Database(conn)
    migrations.apply(db, stop_before=M003)
    hashed = FAST_HASHER.hash(PASSWORD)
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    with db.atomic():
        for badge, role, failed, until in (
            ("A1", "admin", 0, None),
            ("O1", "officer", 3, None),
            ("O2", "officer", 0, "2026-03-01T08:05:00.000000+00:00"),
        ):
            conn.execute(
                "INSERT INTO officers (badge, name, role, password_hash, failed_count, locked_until, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (badge, f"Officer {badge}", role, hashed, failed, until, at.isoformat()),
            )
            audit.append(conn, at=at, kind="officer_added", actor="", bench_id="old", detail={"badge": badge})
    conn.close()


def test_an_existing_file_gets_a_baseline_per_officer_and_keeps_working(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_records_file(data_dir)
    store, d, _ = open_directory(data_dir)  # applies m003
    rows = store.conn.execute(
        "SELECT subject, actor, bench_id FROM audit_log WHERE kind = 'officer_baseline' ORDER BY seq"
    ).fetchall()
    assert rows == [(f"officers:{b}", "", "migration") for b in ("A1", "O1", "O2")]
    failures = store.conn.execute(
        "SELECT badge, failed_count, locked_until FROM sign_in_failures ORDER BY badge"
    )
    assert failures.fetchall() == [("O1", 3, None), ("O2", 0, "2026-03-01T08:05:00.000000+00:00")]
    admin = d.sign_in("A1", PASSWORD, "DESK")
    d.set_role(admin, "O1", Role.SUPERVISOR)
    store.close()
    assert verify(data_dir, capsys)[0] == 0
    store, _, _ = open_directory(data_dir)  # a second open adds nothing
    assert (
        store.conn.execute("SELECT count(*) FROM audit_log WHERE kind = 'officer_baseline'").fetchone()[0]
        == 3
    )
    store.close()
    tamper(data_dir, "UPDATE officers SET role = 'admin' WHERE badge = 'O2'")
    code, _, err = verify(data_dir, capsys)
    assert code == 1
    assert "officer O2: role does not match its last audit entry" in err


def test_the_issue_reproduction_in_a_real_process(data_dir: Path) -> None:
    """`UPDATE officers SET role='admin'` with plain sqlite3, then `workstation audit verify`."""
    make_history(data_dir)
    conn = sqlite3.connect(data_dir / "records.sqlite")
    conn.execute("UPDATE officers SET role = 'admin' WHERE badge = 'O2'")
    conn.commit()
    conn.close()
    done = subprocess.run(
        [sys.executable, "-m", "workstation", "--data-dir", str(data_dir), "audit", "verify"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("workstation: audit chain broken: officer O2: role does not match")
