"""A chain whose last entries were cut after the hub anchored them fails `audit verify`.

Cutting the end leaves a chain that still links from genesis; only an anchor kept elsewhere
shows it. The bench keeps the hub's anchor twice (a row in the records, a file beside them):
the thief who deletes one is still caught by the other.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from records_support import open_bench
from test_audit_tamper import make_history, tamper

from workstation.cli import main
from workstation.store.sync_state import ANCHOR_FILE, HubAnchor


def anchor_at_head(data_dir: Path) -> int:
    b = open_bench(data_dir)
    seq, digest = b.store.audit_head()
    b.store.sync_state.store_anchor(HubAnchor(seq, digest, "receipt"))
    b.close()
    return seq


def cut_the_end(data_dir: Path, keep: int) -> None:
    """Delete every entry after `keep` and the records they covered, as a thief with the file would."""
    conn = sqlite3.connect(data_dir / "records.sqlite")
    subjects = [
        s for (s,) in conn.execute("SELECT subject FROM audit_log WHERE seq > ? AND subject != ''", (keep,))
    ]
    conn.close()
    deletes: list[str | tuple[str, tuple[object, ...]]] = [("DELETE FROM audit_log WHERE seq > ?", (keep,))]
    for subject in subjects:
        table, _, key = subject.partition(":")
        column = "badge" if table == "officers" else "id"
        deletes.append((f"DELETE FROM {table} WHERE {column} = ?", (key,)))
    tamper(data_dir, *deletes)


def verify(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object], str]:
    code = main(["--data-dir", str(data_dir), "audit", "verify", "--offline"])
    out, err = capsys.readouterr()
    return code, json.loads(out.splitlines()[-1]), err


def test_an_anchored_chain_verifies_and_says_which_anchors_it_checked(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_history(data_dir)
    seq = anchor_at_head(data_dir)
    code, out, _ = verify(data_dir, capsys)
    assert code == 0
    assert [(a["source"], a["seq"], a["ok"]) for a in out["anchors"]] == [  # type: ignore[union-attr]
        ("records", seq, True),
        ("file", seq, True),
    ]
    assert out["hub"] == "not asked: --offline"


def test_cutting_the_last_entries_after_the_anchor_fails_verify(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_history(data_dir)
    seq = anchor_at_head(data_dir)
    cut_the_end(data_dir, seq - 3)
    code, out, err = verify(data_dir, capsys)
    assert code == 1
    assert out["ok"] is False
    assert out["head_seq"] == seq - 3
    assert out["break"]["kind"] == "missing_entry"  # type: ignore[index]
    assert f"anchored audit entry {seq} is missing" in err
    assert [a["ok"] for a in out["anchors"]] == [False, False]  # type: ignore[union-attr]


def test_deleting_the_kept_anchor_row_too_is_caught_by_the_copy_beside_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_history(data_dir)
    seq = anchor_at_head(data_dir)
    cut_the_end(data_dir, seq - 2)
    tamper(data_dir, "DELETE FROM sync_state")
    code, out, err = verify(data_dir, capsys)
    assert code == 1
    assert [a["source"] for a in out["anchors"]] == ["file"]  # type: ignore[union-attr]
    assert "kept beside the records" in err


def test_a_rewritten_anchored_entry_is_a_mismatch(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_history(data_dir)
    seq = anchor_at_head(data_dir)
    (data_dir / ANCHOR_FILE).write_text(json.dumps({"seq": seq, "hash": "f" * 64, "receipt": ""}))
    code, out, _ = verify(data_dir, capsys)
    assert code == 1
    assert out["break"]["kind"] == "anchor_mismatch"  # type: ignore[index]
    assert [a["ok"] for a in out["anchors"]] == [True, False]  # type: ignore[union-attr]
