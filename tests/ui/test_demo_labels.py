"""`workstation demo labels`: a printable sheet whose barcodes read back as the tracking numbers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from workstation.cli import main
from workstation.core.tracking import parse
from workstation.scanning.decoders import decode_file


@pytest.mark.usefixtures("pdftoppm")
def test_label_sheet_reads_back(seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(seeded / "cache.sqlite", data_dir / "cache.sqlite")
    pdf = tmp_path / "labels.pdf"
    assert main(["--data-dir", str(data_dir), "demo", "labels", "--out", str(pdf), "--count", "6"]) == 0
    sheet = json.loads(capsys.readouterr().out)
    labels = {lb["code"]: lb["caption"] for lb in sheet["labels"]}
    assert len(labels) == 8
    assert sum("targeted" in c for c in labels.values()) == 2
    assert "no manifest" in labels.values()
    wrong = next(code for code, c in labels.items() if c == "wrong check digit")
    assert parse(wrong).misread
    assert len({parse(code).carrier for code, c in labels.items() if "lane" in c}) >= 3

    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    read = {s.text for page in sorted(tmp_path.glob("page*.png")) for s in decode_file(page)}
    assert read == set(labels)


def test_labels_need_a_seeded_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "demo", "labels", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "demo seed" in capsys.readouterr().err
