"""The command line as a new user meets it: subcommands, --data-dir, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.cli import main


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_seed_then_lookup_by_any_scanned_form(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(data_dir), "demo", "seed", "--items", "300"]) == 0
    seeded = _json_lines(capsys.readouterr().out)[0]
    assert seeded["items_in_cache"] == 300

    feed = data_dir / "feed.jsonl"
    assert main(["demo", "feed", "--count", "3", "--out", str(feed)]) == 0
    capsys.readouterr()
    first = json.loads(feed.read_text().splitlines()[0])
    scanned = "]C1" + " ".join(first["tracking_id"].lower())
    assert main(["--data-dir", str(data_dir), "cache", "lookup", scanned]) == 0
    found = _json_lines(capsys.readouterr().out)[0]
    assert found["tracking_id"] == first["tracking_id"]
    assert found["lines"][0]["hts_code"] == first["lines"][0]["hts_code"]


def test_lookup_of_unknown_code_exits_1_with_reason(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data_dir), "cache", "lookup", "RB123456785GB"]) == 1
    err = capsys.readouterr().err
    assert "not in the cache" in err
    assert len(err.strip().splitlines()) == 1


def test_data_dir_from_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WORKSTATION_DATA_DIR", str(data_dir))
    assert main(["demo", "seed", "--items", "10"]) == 0
    assert (data_dir / "cache.sqlite").exists()


def test_damaged_cache_is_reported_and_left_alone(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damaged = data_dir / "cache.sqlite"
    damaged.write_bytes(b"this is not a database" * 100)
    assert main(["--data-dir", str(data_dir), "cache", "lookup", "RB123456785GB"]) == 2
    err = capsys.readouterr().err
    assert "cache.sqlite" in err
    assert "damaged" in err
    assert damaged.read_bytes() == b"this is not a database" * 100
