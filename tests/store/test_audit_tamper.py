"""Tampering with a real records file in plain sqlite3 (triggers dropped first) is caught by `audit verify`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from records_support import open_bench

from workstation.cli import main
from workstation.core.audit import entry_hash
from workstation.core.records import DetentionDraft, InspectionDraft, Outcome
from workstation.store.records_schema import APPEND_ONLY_TABLES


def make_history(data_dir: Path) -> list[str]:
    b = open_bench(data_dir)
    ids = []
    for n in range(5):
        b.clock.advance(seconds=1)
        ids.append(b.store.save_inspection(b.officer, InspectionDraft(f"X{n}", Outcome.RELEASED)).id)
    b.store.save_detention(
        b.officer, InspectionDraft("D1", Outcome.DETAINED), DetentionDraft("lab", "FDA", date(2026, 3, 1))
    )
    b.directory.record_security_event(b.officer, "lock", "idle")
    b.close()
    return ids


def tamper(data_dir: Path, *sql: str | tuple[str, tuple[object, ...]]) -> None:
    conn = sqlite3.connect(data_dir / "records.sqlite")
    for table in APPEND_ONLY_TABLES:  # someone holding the file can do this
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    for s in sql:
        if isinstance(s, tuple):
            conn.execute(*s)
        else:
            conn.execute(s)
    conn.commit()
    conn.close()


def verify(
    data_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, object], str]:
    code = main(["--data-dir", str(data_dir), "audit", "verify", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out.splitlines()[-1]), err


def entry_seq(data_dir: Path, subject: str) -> int:
    conn = sqlite3.connect(data_dir / "records.sqlite")
    seq = conn.execute("SELECT seq FROM audit_log WHERE subject = ?", (subject,)).fetchone()[0]
    conn.close()
    return int(seq)


def test_an_untouched_file_verifies(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(data_dir)
    code, out, _ = verify(data_dir, capsys)
    assert code == 0
    assert out["ok"] is True
    assert main(["--data-dir", str(data_dir), "audit", "head"]) == 0
    head = json.loads(capsys.readouterr().out)
    assert head["hash"] == out["head_hash"]
    assert head["seq"] == out["entries"]


CASES: list[tuple[str, Callable[[list[str]], list[str | tuple[str, tuple[object, ...]]]], str]] = [
    (
        "edited_record",
        lambda ids: [("UPDATE inspections SET outcome = 'seized' WHERE id = ?", (ids[2],))],
        "edited record",
    ),
    (
        "edited_detention",
        lambda ids: ["UPDATE detentions SET decision_due = '2027-01-01'"],
        "edited record",
    ),
    (
        "edited_entry",
        lambda ids: ["UPDATE audit_log SET actor = 'S1' WHERE seq = 3"],
        "entry 3 was changed",
    ),
    (
        "deleted_entry",
        lambda ids: ["DELETE FROM audit_log WHERE seq = 4"],
        "entry 4 is missing",
    ),
    (
        "deleted_record",
        lambda ids: [("DELETE FROM inspections WHERE id = ?", (ids[1],))],
        "is missing (deleted record)",
    ),
    (
        "record_without_entry",
        lambda ids: [
            "INSERT INTO inspections SELECT 'forged', tracking_id, officer_badge, officer_name, bench_id, "
            "shift_id, at, 'released', exam_types, notes, manifest_found, risk_score, risk_lane, targeted, "
            "agency, NULL, reason, barcode FROM inspections LIMIT 1"
        ],
        "record inspections:forged has no audit entry",
    ),
    (
        "reordered_entries",
        lambda ids: [
            "UPDATE audit_log SET seq = -1 WHERE seq = 5",
            "UPDATE audit_log SET seq = 5 WHERE seq = 6",
            "UPDATE audit_log SET seq = 6 WHERE seq = -1",
        ],
        "entry 5 does not follow entry 4",
    ),
]


@pytest.mark.parametrize(("name", "edits", "message"), CASES, ids=[c[0] for c in CASES])
def test_tampering_is_detected(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    edits: Callable[[list[str]], list[str | tuple[str, tuple[object, ...]]]],
    message: str,
) -> None:
    ids = make_history(data_dir)
    tamper(data_dir, *edits(ids))
    code, out, err = verify(data_dir, capsys)
    assert code == 1
    assert out["ok"] is False
    assert message in err, err


def test_an_inserted_entry_with_a_valid_own_hash_is_detected(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_history(data_dir)
    conn = sqlite3.connect(data_dir / "records.sqlite")
    prev = conn.execute("SELECT hash FROM audit_log WHERE seq = 3").fetchone()[0]
    conn.close()
    body = {"seq": 4, "at": "2026-03-02T09:00:00+00:00", "kind": "unlock", "actor": "O1", "bench_id": "B1",
            "subject": "", "record_sha256": "", "detail": "{}"}  # fmt: skip
    forged = entry_hash(prev, body)
    tamper(
        data_dir,
        "UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 4",
        "UPDATE audit_log SET seq = seq - 1000000 + 1 WHERE seq >= 1000000",
        (
            "INSERT INTO audit_log VALUES (4, ?, 'unlock', 'O1', 'B1', '', '', '{}', ?, ?)",
            ("2026-03-02T09:00:00+00:00", prev, forged),
        ),
    )
    code, _, err = verify(data_dir, capsys)
    assert code == 1
    assert "entry 5 does not follow entry 4" in err


def test_a_rewritten_chain_is_caught_by_the_anchor(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_history(data_dir)
    code, out, _ = verify(data_dir, capsys)
    anchor = f"{out['head_seq']}:{out['head_hash']}"
    # Drop the last entry (a pure security event): without an anchor nothing points at it.
    tamper(data_dir, f"DELETE FROM audit_log WHERE seq = {out['head_seq']}")
    code, _, _ = verify(data_dir, capsys)
    assert code == 0
    code, _, err = verify(data_dir, capsys, "--anchor", anchor)
    assert code == 1
    assert "truncated" in err
