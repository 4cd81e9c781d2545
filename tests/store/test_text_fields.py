"""Every text field takes anything and keeps it verbatim; sign-in and the CLI never crash on odd input."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records_support import PASSWORD, open_bench

from workstation.cli import main
from workstation.core.records import InspectionDraft, Outcome, SeizedItem, SeizureDraft, Violation
from workstation.store.officers import SignInError

NASTY = st.sampled_from(
    [
        "'; DROP TABLE inspections; --",
        "quote \" and ' and `",
        "\x00\x01\x1b[31m\x7f control",
        "שלום עולם مرحبا \u202eevil\u202c",
        "x" * 10_000,
        "🦆 emoji and \r\n newlines \t",
    ]
)
TEXT = st.one_of(
    NASTY, st.text(max_size=300), st.text(min_size=1, max_size=40).map(lambda s: (s * 10_000)[:10_000])
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    b = open_bench(tmp_path_factory.mktemp("records"))
    yield b
    b.close()


@FAST
@given(tracking=TEXT.filter(lambda t: t.strip() != ""), notes=TEXT, lane=TEXT)
def test_inspection_text_is_stored_verbatim(bench, tracking: str, notes: str, lane: str) -> None:  # type: ignore[no-untyped-def]
    rec = bench.store.save_inspection(
        bench.officer, InspectionDraft(tracking, Outcome.RELEASED, notes=notes, risk_lane=lane)
    )
    back = bench.store.get_inspection(rec.id)
    assert (back.tracking_id, back.notes, back.risk_lane) == (tracking, notes, lane)
    assert back in bench.store.inspections_for(tracking)


@FAST
@given(description=TEXT, law=TEXT, storage=TEXT, rights=TEXT, ids=TEXT)
def test_seizure_text_is_stored_verbatim(
    bench, description: str, law: str, storage: str, rights: str, ids: str
) -> None:  # type: ignore[no-untyped-def]
    item = SeizedItem(description if description.strip() else "d", 1, 1.0, 1.0, rights, ids, ids)
    draft = SeizureDraft(
        Violation.NARCOTICS, law if law.strip() else "law", (item,), storage if storage.strip() else "s"
    )
    rec = bench.store.save_seizure(bench.officer, InspectionDraft("T", Outcome.SEIZED), draft)
    row = bench.store.conn.execute(
        "SELECT s.law_cited, s.storage_location, i.description, i.rights_holder, i.identifiers "
        "FROM seizures s JOIN seized_items i ON i.seizure_id = s.id WHERE s.id = ?",
        (rec.id,),
    ).fetchone()
    assert row == (draft.law_cited, draft.storage_location, item.description, rights, ids)


@FAST
@given(badge=TEXT, password=TEXT)
def test_sign_in_with_any_input_fails_cleanly(bench, badge: str, password: str) -> None:  # type: ignore[no-untyped-def]
    if (badge, password) in {("O1", PASSWORD), ("O2", PASSWORD), ("S1", PASSWORD), ("S2", PASSWORD)}:
        return
    with pytest.raises(SignInError):
        bench.directory.sign_in(badge, password, "FUZZ")


def test_the_chain_holds_after_all_that(bench) -> None:  # type: ignore[no-untyped-def]
    assert bench.store.verify_audit().ok


ARG = st.text(min_size=1, max_size=200).filter(lambda t: "\x00" not in t)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=ARG, badge=ARG)
def test_cli_officers_add_stores_any_name_verbatim_or_refuses_cleanly(
    data_dir: Path, capsys: pytest.CaptureFixture[str], name: str, badge: str
) -> None:
    os.environ["WORKSTATION_NEW_PASSWORD"] = "long enough password"
    try:
        code = main(
            [
                "--data-dir",
                str(data_dir / "cli"),
                "officers",
                "add",
                f"--name={name}",
                "--role=admin",
                "--",
                badge,
            ]
        )
    except SystemExit as exc:  # argparse refusing an argument
        code = int(exc.code or 0)
    finally:
        del os.environ["WORKSTATION_NEW_PASSWORD"]
    out, err = capsys.readouterr()
    if code == 0:
        added = json.loads(out)["added"]
        assert (added["name"], added["badge"]) == (name, badge)
        (data_dir / "cli" / "records.sqlite").unlink()
        for side in ("-wal", "-shm"):
            Path(f"{data_dir / 'cli' / 'records.sqlite'}{side}").unlink(missing_ok=True)
    else:
        assert (code == 2 and err.startswith("workstation: ")) or "usage:" in err
        assert "Traceback" not in err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(anchor=st.text(max_size=100).filter(lambda t: "\x00" not in t))
def test_cli_audit_anchor_argument_never_crashes(
    data_dir: Path, capsys: pytest.CaptureFixture[str], anchor: str
) -> None:
    try:
        code = main(["--data-dir", str(data_dir), "audit", "verify", f"--anchor={anchor}"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code in (0, 1, 2)
    assert "Traceback" not in err
