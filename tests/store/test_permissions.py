"""Each refused action, through the service layer: PermissionDenied says why, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from records_support import PASSWORD, Bench, open_bench

from workstation.core.errors import Conflict
from workstation.core.records import (
    InspectionDraft,
    Outcome,
    PermissionDenied,
    Role,
    SeizedItem,
    SeizureDraft,
    Violation,
)


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def audit_count(b: Bench) -> int:
    return int(b.store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def refused(b: Bench, action: Callable[[], object], why: str) -> None:
    before = audit_count(b)
    with pytest.raises(PermissionDenied, match=why):
        action()
    assert audit_count(b) == before
    assert not b.store.conn.in_transaction


def narcotics_seizure(b: Bench, session_name: str) -> str:
    session = getattr(b, session_name)
    draft = SeizureDraft(Violation.NARCOTICS, "21 U.S.C. 881", (SeizedItem("powder", 1, 0.0, 0.0),), "vault")
    return b.store.save_seizure(session, InspectionDraft("N1", Outcome.SEIZED), draft).id


def test_an_officer_cannot_correct_or_void(bench: Bench) -> None:
    rec = bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    refused(
        bench,
        lambda: bench.store.save_inspection(
            bench.officer, InspectionDraft("X1", Outcome.DUTY_ASSESSED, supersedes=rec.id, reason="mine")
        ),
        "only a supervisor can void or correct",
    )
    refused(bench, lambda: bench.store.void_inspection(bench.officer, rec.id, "oops"), "only a supervisor")


def test_an_admin_account_does_not_record(bench: Bench) -> None:
    refused(
        bench,
        lambda: bench.store.save_inspection(bench.admin, InspectionDraft("X1", Outcome.RELEASED)),
        "admin account",
    )
    refused(bench, lambda: bench.store.save_photo(bench.admin, b"x"), "admin account")


def test_countersign_only_by_a_supervisor_and_never_their_own(bench: Bench) -> None:
    by_officer = narcotics_seizure(bench, "officer")
    refused(bench, lambda: bench.store.countersign_seizure(bench.officer2, by_officer), "only a supervisor")
    refused(bench, lambda: bench.store.countersign_seizure(bench.admin, by_officer), "only a supervisor")
    by_supervisor = narcotics_seizure(bench, "supervisor")
    refused(
        bench,
        lambda: bench.store.countersign_seizure(bench.supervisor, by_supervisor),
        "cannot countersign their own",
    )
    bench.store.countersign_seizure(bench.supervisor2, by_supervisor)
    bench.store.countersign_seizure(bench.supervisor, by_officer)
    with pytest.raises(Conflict, match="already countersigned"):
        bench.store.countersign_seizure(bench.supervisor2, by_officer)


def test_only_an_admin_manages_officers(bench: Bench) -> None:
    d = bench.directory
    for session in (bench.officer, bench.supervisor):
        refused(bench, lambda s=session: d.add(s, "N1", "New", Role.OFFICER, PASSWORD), "only an admin")
        refused(bench, lambda s=session: d.disable(s, "O2"), "only an admin")
        refused(bench, lambda s=session: d.reset_password(s, "O2", "new password"), "only an admin")
    refused(bench, lambda: d.disable(bench.admin, "A1"), "cannot disable their own")


def test_a_disabled_officer_or_an_ended_session_cannot_save(bench: Bench) -> None:
    bench.directory.disable(bench.admin, "O2")
    refused(
        bench,
        lambda: bench.store.save_inspection(bench.officer2, InspectionDraft("X1", Outcome.RELEASED)),
        "disabled",
    )
    bench.directory.sign_out(bench.officer)
    refused(
        bench,
        lambda: bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED)),
        "ended",
    )
