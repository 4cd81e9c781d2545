"""`workstation report shift`: exit codes and one-line messages, and a local report end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_support import DAY, make_history, pdf_pages

from workstation.cli import main
from workstation.core.review_csv import read_log_csv

CONFIG = """
facility_id = "JFK"
facility_name = "JFK International Mail Facility"
bench_id = "BENCH-01"

[review]
timezone = "UTC"

[[review.shifts]]
name = "early"
start = "06:00"
hours = 8

[[review.shifts]]
name = "late"
start = "14:00"
hours = 10
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("cli"), 1500, seed=3)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "workstation.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], config: Path, data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "--data-dir", str(data), "report", "shift", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("bad", ["2026-02-30", "27/11/2026", "2026-11-27T06:00", "yesterday"])
def test_a_bad_date_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], config: Path, history: Path, tmp_path: Path, bad: str
) -> None:
    out = tmp_path / "r.csv"
    code, stdout, err = run(capsys, config, history, "--date", bad, "--format", "csv", "--out", str(out))
    assert code == 2
    assert stdout == ""
    assert err.count("\n") == 1
    assert f"--date {bad!r} is not a date" in err
    assert "YYYY-MM-DD" in err
    assert not out.exists()


def test_an_unknown_shift_names_the_facility_shifts(
    capsys: pytest.CaptureFixture[str], config: Path, history: Path, tmp_path: Path
) -> None:
    code, stdout, err = run(
        capsys, config, history, "--date", "2026-11-27", "--shift", "day", "--format", "pdf",
        "--out", str(tmp_path / "r.pdf"), "--local",
    )  # fmt: skip
    assert code == 2
    assert stdout == ""
    assert err == "workstation: --shift 'day': no such shift; the facility's shifts are early, late\n"


def test_a_missing_folder_for_out_is_exit_2(
    capsys: pytest.CaptureFixture[str], config: Path, history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nowhere" / "r.csv"
    code, _, err = run(capsys, config, history, "--date", "2026-11-27", "--format", "csv", "--out", str(out))
    assert code == 2
    assert f"the folder {out.parent} does not exist" in err


def test_local_reports_pdf_and_csv(
    qapp: object, capsys: pytest.CaptureFixture[str], config: Path, history: Path, tmp_path: Path
) -> None:
    pdf = tmp_path / "late.pdf"
    pdf.write_bytes(b"an older report")
    code, stdout, err = run(
        capsys, config, history, "--date", DAY.isoformat(), "--shift", "late", "--format", "pdf",
        "--out", str(pdf), "--local",
    )  # fmt: skip
    assert (code, err) == (0, "")
    (line,) = stdout.splitlines()
    got = json.loads(line)
    assert set(got) == {"out", "format", "rows", "pages", "source", "seconds"}
    assert got["out"] == str(pdf)
    assert got["format"] == "pdf"
    assert got["source"] == "this bench"
    pages = pdf_pages(pdf)
    assert got["pages"] == len(pages) >= 2
    assert "late shift, 14:00 to 00:00 (2026-11-28)" in " ".join(pages[0].split())
    assert "JFK International Mail Facility" in pages[0]
    assert "Hub not used: no hub configured" in pages[0]
    assert f"Inspections {got['rows']:,}" in " ".join(pages[0].split())

    csv_out = tmp_path / "late.csv"
    code, stdout, err = run(
        capsys, config, history, "--date", DAY.isoformat(), "--shift", "late", "--bench", "BENCH-02",
        "--format", "csv", "--out", str(csv_out),
    )  # fmt: skip
    assert (code, err) == (0, "")
    got_csv = json.loads(stdout)
    with csv_out.open(encoding="utf-8", newline="") as fh:
        rows = read_log_csv(fh)
    assert got_csv["rows"] == len(rows) > 0
    assert got_csv["pages"] == 0
    assert {r.bench_id for r in rows} == {"BENCH-02"}
    assert all(r.at.hour >= 14 for r in rows)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_no_records_here_is_exit_2(capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(
        capsys, config, empty, "--date", "2026-11-27", "--format", "csv", "--out", str(tmp_path / "r.csv")
    )
    assert code == 2
    assert "records.sqlite does not exist" in err


@pytest.mark.parametrize(("size", "points"), [("A4", (842, 595)), ("Letter", (792, 612))])
def test_page_size_landscape(
    qapp: object, capsys: pytest.CaptureFixture[str], config: Path, history: Path, tmp_path: Path,
    size: str, points: tuple[int, int],
) -> None:  # fmt: skip
    from pypdf import PdfReader

    pdf = tmp_path / f"{size}.pdf"
    code, _, err = run(
        capsys,
        config,
        history,
        "--date",
        DAY.isoformat(),
        "--format",
        "pdf",
        "--out",
        str(pdf),
        "--page-size",
        size,
    )
    assert (code, err) == (0, "")
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points
