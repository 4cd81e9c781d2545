"""Each domain error reaches the shell as its documented exit code (README, "Exit codes"), in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstation.cli import main
from workstation.commands.exit_codes import (
    EXIT_CONFLICT,
    EXIT_FORBIDDEN,
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    exit_code_for,
)
from workstation.core.errors import Conflict, Forbidden, Invalid, NotFound
from workstation.store.db import DatabaseDamagedError

PASSWORD = "correct horse battery"


@pytest.fixture
def officers(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A1 (admin) and O1 (officer); returns the argv prefix."""
    base = ["--data-dir", str(data_dir), "officers"]
    monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKSTATION_PASSWORD", PASSWORD)
    assert main([*base, "add", "A1", "--name=Ada", "--role=admin"]) == 0
    assert main([*base, "add", "O1", "--name=Olga", "--role=officer", "--as", "A1"]) == 0
    return base


@pytest.mark.parametrize(
    ("argv", "new_password", "code", "words"),
    [
        (["add", "N1", "--name=Nina", "--role=officer", "--as", "A1"], "short", EXIT_INVALID, "at least"),
        (["disable", "NOBODY", "--as", "A1"], None, EXIT_NOT_FOUND, "unknown badge"),
        (["add", "O1", "--name=Olga", "--role=officer", "--as", "A1"], None, EXIT_CONFLICT, "already exists"),
        (["disable", "A1", "--as", "O1"], None, EXIT_FORBIDDEN, "only an admin"),
        (["disable", "A1", "--as", "A1"], None, EXIT_FORBIDDEN, "their own badge"),
    ],
)
def test_a_domain_error_is_its_exit_code_and_one_line(
    officers: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    new_password: str | None,
    code: int,
    words: str,
) -> None:
    if new_password is not None:
        monkeypatch.setenv("WORKSTATION_NEW_PASSWORD", new_password)
    capsys.readouterr()
    assert main([*officers, *argv]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert words in err


def test_a_refused_sign_in_is_forbidden(officers: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKSTATION_PASSWORD", "not the password")
    assert main([*officers, "list", "--as", "A1"]) == EXIT_FORBIDDEN


def test_a_damaged_records_file_is_store_unavailable(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_dir / "records.sqlite").write_bytes(b"not a database" * 300)
    assert main(["--data-dir", str(data_dir), "officers", "list", "--as", "A1"]) == EXIT_INVALID
    assert "records.sqlite" in capsys.readouterr().err


def test_the_table_is_the_documented_one() -> None:
    assert [exit_code_for(e) for e in (Invalid("x"), NotFound("x"), Conflict("x"), Forbidden("x"))] == [
        2,
        4,
        5,
        3,
    ]
    assert exit_code_for(DatabaseDamagedError("x")) == 2
    assert exit_code_for(RuntimeError("a bug")) is None
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code, name in ((2, "Invalid"), (3, "Forbidden"), (4, "NotFound"), (5, "Conflict")):
        assert f"| {code} |" in readme
        assert f"`{name}`" in readme
