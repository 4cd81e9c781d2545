"""`workstation report shift` from a real hub: a supervisor signs in, the facility's records come back;
a refused sign-in is exit 3, a hub gone is exit 6 with the --local hint, and --local still reports."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hub_process import HubProcess, add_device
from records_support import FakeClock
from report_support import pdf_pages
from sync_support import make_bench
from workstation_process import run_workstation

from workstation.core.records import InspectionDraft, Outcome, SeizedItem, SeizureDraft, Violation
from workstation.core.review_csv import read_log_csv

AT = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
SUPERVISOR_PASSWORD = "supervisor password 9"


@pytest.fixture
def hub(hub_database: str, tmp_path: Path) -> Iterator[HubProcess]:
    folder = tmp_path / "hub"
    folder.mkdir()
    process = HubProcess(folder, hub_database).start()
    try:
        yield process
    finally:
        process.stop()


def write_config(tmp_path: Path, hub_url: str, token: str) -> Path:
    path = tmp_path / "workstation.toml"
    path.write_text(
        f'bench_id = "B1"\nfacility_name = "Test IMF"\nhub_url = "{hub_url}"\n'
        f'[sync]\ntoken = "{token}"\n[review]\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    return path


def report(data_dir: Path, config: Path, out: Path, *args: str, **env: str) -> tuple[int, str, str]:
    done = run_workstation(
        data_dir, "--config", str(config), "report", "shift", "--date", "2026-11-27",
        "--out", str(out), *args, **env,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_report_from_the_hub_and_its_failures(hub: HubProcess, data_dir: Path, tmp_path: Path) -> None:
    token = add_device(hub.data_dir, hub.database, "B1")
    added = run_workstation(
        hub.data_dir, "hub", "officers", "add", "S9", "--name", "Sam Super", "--role", "supervisor",
        "--database", hub.database, WORKSTATION_NEW_PASSWORD=SUPERVISOR_PASSWORD,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    bench = make_bench(data_dir, clock=FakeClock(AT))
    bench.record(4)
    photo = bench.store.save_photo(bench.officer, b"\xff\xd8\xff\xe0a photo\xff\xd9")
    draft = SeizureDraft(
        Violation.TRADEMARK,
        "19 U.S.C. 1526(e)",
        (SeizedItem("Wrist watch", 3, 410.5, 96.0),),
        "cage B",
        (photo,),
    )
    bench.store.save_seizure(bench.officer, InspectionDraft("RB123456785GB", Outcome.SEIZED), draft)
    bench.close()
    config = write_config(tmp_path, hub.url, token)
    synced = run_workstation(data_dir, "--config", str(config), "sync", "--once")
    assert synced.returncode == 0, synced.stderr

    pdf = tmp_path / "hub.pdf"
    code, out, err = report(
        data_dir, config, pdf, "--format", "pdf", "--as", "S9", WORKSTATION_PASSWORD=SUPERVISOR_PASSWORD
    )
    assert code == 0, err
    got = json.loads(out)
    assert (got["source"], got["rows"], got["format"]) == ("facility hub", 5, "pdf")
    text = " ".join(" ".join(pdf_pages(pdf)).split())
    assert "Source facility hub" in text
    assert "Hub not used" not in text
    assert "RB123456785GB" in text
    assert "1,231.50 96.00" in text  # 3 x 410.50 MSRP, 96.00 domestic value
    assert "waiting" in text

    csv_out = tmp_path / "hub.csv"
    code, out, err = report(
        data_dir, config, csv_out, "--format", "csv", "--as", "S9", WORKSTATION_PASSWORD=SUPERVISOR_PASSWORD
    )
    assert code == 0, err
    with csv_out.open(encoding="utf-8", newline="") as fh:
        rows = read_log_csv(fh)
    assert sorted(r.tracking_id for r in rows) == ["RB123456785GB", "X0", "X1", "X2", "X3"]
    assert {r.bench_id for r in rows} == {"B1"}

    # A wrong password: the hub refuses, exit 3.
    code, out, err = report(
        data_dir, config, tmp_path / "no.pdf", "--format", "pdf", "--as", "S9", WORKSTATION_PASSWORD="wrong"
    )
    assert (code, out) == (3, "")
    assert err.count("\n") == 1
    assert "the hub refused the supervisor's sign-in (401)" in err

    # No supervisor named: exit 2, saying how.
    code, _, err = report(data_dir, config, tmp_path / "no.pdf", "--format", "pdf")
    assert code == 2
    assert "--as BADGE" in err
    assert "--local" in err

    hub.stop()
    code, out, err = report(
        data_dir, config, pdf, "--format", "pdf", "--as", "S9", WORKSTATION_PASSWORD=SUPERVISOR_PASSWORD
    )
    assert (code, out) == (6, "")
    assert err.startswith("workstation: hub unreachable while signing in: ")
    assert "use --local" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "no.pdf").exists()

    code, out, err = report(data_dir, config, tmp_path / "local.csv", "--format", "csv", "--local")
    assert code == 0, err
    assert json.loads(out)["source"] == "this bench"
    assert json.loads(out)["rows"] == 5


def test_an_unreachable_hub_is_exit_6(data_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bench = make_bench(data_dir)
    bench.close()
    config = write_config(tmp_path, f"http://127.0.0.1:{port}", "t0ken")
    code, out, err = report(
        data_dir, config, tmp_path / "r.csv", "--format", "csv", "--as", "S9", WORKSTATION_PASSWORD="x"
    )
    assert (code, out) == (6, "")
    assert "hub unreachable" in err
    assert "use --local to report from this bench's records" in err
