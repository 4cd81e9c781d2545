"""Text typed into the badge field that is no officer's badge never reaches the records file:
the audit entry keeps a hash prefix and the length. Badges are checked on `officers add`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from hostile_text import HOSTILE_SHORT
from hypothesis import HealthCheck, given, settings
from records_support import PASSWORD, open_directory

from workstation.cli import main
from workstation.core.badge import InvalidBadge, is_valid_badge
from workstation.core.records import Role
from workstation.store.officers import SignInError, SignInReason

SECRET = "CorrectHorse1!"
UNKNOWN = "unknown badge: check the badge id and try again"


def bootstrap(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    assert main(["--data-dir", str(data_dir), "officers", "add", "A1", "--name=Ada", "--role=admin"]) == 0


def last_detail(conn: sqlite3.Connection, kind: str) -> dict[str, object]:
    row = conn.execute("SELECT detail FROM audit_log WHERE kind = ? ORDER BY seq DESC LIMIT 1", (kind,))
    return dict(json.loads(row.fetchone()[0]))


def test_a_password_typed_as_the_badge_leaves_no_trace_in_the_records_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap(data_dir, monkeypatch)
    capsys.readouterr()
    # Held open so the write-ahead log outlives the command and its bytes can be read too.
    watcher = sqlite3.connect(data_dir / "records.sqlite")
    watcher.execute("SELECT count(*) FROM audit_log").fetchone()
    monkeypatch.setenv("WORKSTATION_PASSWORD", SECRET)
    code = main(["--data-dir", str(data_dir), "officers", "list", "--as", SECRET])
    _, err = capsys.readouterr()
    assert code == 3
    assert err == f"workstation: {UNKNOWN}\n"
    files = [p for p in data_dir.iterdir() if p.name.startswith("records.sqlite")]
    assert data_dir / "records.sqlite-wal" in files
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path.name
        assert SECRET.encode("utf-16-le") not in path.read_bytes(), path.name
    detail = last_detail(watcher, "sign_in_failed")
    watcher.close()
    assert detail == {
        "badge_sha256_prefix": hashlib.sha256(SECRET.encode()).hexdigest()[:8],
        "badge_length": len(SECRET),
        "reason": "unknown badge",
    }
    assert main(["--data-dir", str(data_dir), "audit", "verify"]) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=HOSTILE_SHORT)
def test_any_unknown_badge_is_kept_as_a_fingerprint_only(data_dir: Path, typed: str) -> None:
    store, d, _ = open_directory(data_dir)
    try:
        if d.is_empty():
            d.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
        if typed == "A1":
            return
        with pytest.raises(SignInError) as err:
            d.sign_in(typed, PASSWORD, "B1")
        assert err.value.reason is SignInReason.UNKNOWN_BADGE
        assert str(err.value) == UNKNOWN
        detail = last_detail(store.conn, "sign_in_failed")
        assert set(detail) == {"badge_sha256_prefix", "badge_length", "reason"}
        assert detail["badge_length"] == len(typed)
    finally:
        store.close()


@pytest.mark.parametrize("near", [" A1", "A1 ", "A1\n", "\u202eA1", "a1\u200b", "\u0410" + "1"])
def test_a_badge_that_breaks_the_rule_is_unknown_at_sign_in(data_dir: Path, near: str) -> None:
    store, d, _ = open_directory(data_dir)
    d.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    with pytest.raises(SignInError) as err:
        d.sign_in(near, PASSWORD, "B1")
    assert err.value.reason is SignInReason.UNKNOWN_BADGE
    assert "badge" not in last_detail(store.conn, "sign_in_failed")
    store.close()


@pytest.mark.parametrize("badge", [" D1001", "D1001\n", "D1/001", "D1\u202e001", "", "X" * 33])
def test_officers_add_refuses_an_invalid_badge_in_one_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], badge: str
) -> None:
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    code = main(["--data-dir", str(data_dir), "officers", "add", "--name=Ada", "--role=admin", "--", badge])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("workstation: officers add: badge ")
    assert "is not valid: " in err
    assert err.count("\n") == 1
    assert err.isascii()


def test_the_directory_refuses_an_invalid_badge_with_a_typed_error(data_dir: Path) -> None:
    store, d, _ = open_directory(data_dir)
    with pytest.raises(InvalidBadge, match="character 3 is U\\+002F"):
        d.add(None, "A1/", "Ada Admin", Role.ADMIN, PASSWORD)
    assert d.is_empty()
    d.add(None, "A1", "Ada Admin", Role.ADMIN, PASSWORD)
    store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(badge=HOSTILE_SHORT)
def test_officers_add_accepts_exactly_the_valid_badges(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], badge: str
) -> None:
    if "\x00" in badge:  # a command line cannot carry a NUL
        return
    target = data_dir / "add"
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    code = main(["--data-dir", str(target), "officers", "add", "--name=Ada", "--role=admin", "--", badge])
    out, err = capsys.readouterr()
    if is_valid_badge(badge):
        assert code == 0, err
        assert json.loads(out)["added"]["badge"] == badge
        shutil.rmtree(target)  # the next example is a first run again
    else:
        assert code == 2
        assert err.count("\n") == 1
        assert "Traceback" not in err
