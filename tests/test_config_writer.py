"""The config writer's TOML reads back through load_settings, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstation.config import ConfigError, load_settings
from workstation.config_writer import hub_url_problem, to_toml, write_settings


def test_round_trip_first_run_values(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "workstation.toml"
    values = {
        "facility_id": 'JFK "IMF"',
        "facility_name": "JFK International Mail Facility\\ñ",
        "bench_id": "bench-07",
        "hub_url": "https://hub.facility.local:8443",
    }
    written = write_settings(path, values)
    loaded = load_settings(path)
    for key, value in values.items():
        assert getattr(loaded, key) == value
    assert written == loaded
    assert loaded.source == str(path)


def test_round_trip_every_type(tmp_path: Path) -> None:
    path = tmp_path / "workstation.toml"
    write_settings(
        path,
        {
            "retention_days": 30,
            "laws_cited": ["a", 'b "quoted"'],
            "camera": {"source": "0", "dedupe_seconds": 2.5},
            "scanner": {"serial_terminator": "\r\n", "wedge_terminators": ["enter"]},
        },
    )
    s = load_settings(path)
    assert s.retention_days == 30
    assert s.laws_cited == ("a", 'b "quoted"')
    assert s.camera.source == "0"
    assert s.camera.dedupe_seconds == 2.5
    assert s.scanner.serial_terminator == "\r\n"
    assert s.scanner.wedge_terminators == ("enter",)


def test_update_keeps_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "workstation.toml"
    write_settings(path, {"facility_id": "F1", "camera": {"source": "1"}})
    write_settings(path, {"bench_id": "B2", "camera": {"retry_seconds": 5.0}})
    s = load_settings(path)
    assert (s.facility_id, s.bench_id, s.camera.source, s.camera.retry_seconds) == ("F1", "B2", "1", 5.0)


def test_bad_value_names_the_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "workstation.toml"
    write_settings(path, {"facility_id": "F1"})
    before = path.read_text()
    with pytest.raises(ConfigError, match=r"workstation\.toml: 'retention_days' must be int"):
        write_settings(path, {"retention_days": "soon"})
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        write_settings(path, {"colour": "blue"})
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["workstation.toml"]


def test_unwritable_value_type() -> None:
    with pytest.raises(ConfigError, match=r"laws_cited: cannot write a list"):
        to_toml({"laws_cited": [["x"], 1]})
    with pytest.raises(ConfigError, match=r"\[camera\] source: cannot write a dict"):
        to_toml({"camera": {"source": {"b": 1}}})


def test_a_list_of_tables_is_written_inline_and_reads_back(tmp_path: Path) -> None:
    # [review] shifts: a facility config holding them survives the first-run dialog's rewrite.
    path = tmp_path / "workstation.toml"
    path.write_text('[review]\nshifts = [{name = "early", start = "05:30", hours = 12}]\n')
    settings = write_settings(path, {"bench_id": "B7"})
    assert [(s.name, s.start.isoformat("minutes"), s.hours) for s in settings.review.shifts] == [
        ("early", "05:30", 12.0)
    ]
    assert 'shifts = [{name = "early", start = "05:30", hours = 12}]' in path.read_text()


@pytest.mark.parametrize(
    ("url", "ok"),
    [("", True), ("https://hub.local:8443", True), ("http://10.0.0.5", True), ("hub.local", False)],
)
def test_hub_url_problem(url: str, ok: bool) -> None:
    assert (hub_url_problem(url) is None) is ok
