"""Each kind of refusal reaches the window as words written for officers, never as `str(exc)`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from workstation.core.errors import Conflict, Forbidden, Invalid, NotFound
from workstation.core.records import Outcome, PermissionDenied
from workstation.core.scan import ScanEvent, ScanSource
from workstation.store.officers import SignInError, SignInReason
from workstation.store.records import ValidationError
from workstation.ui import bench_window
from workstation.ui.bench_app import Bench
from workstation.ui.lock import SignInDialog
from workstation.ui.officer_messages import officer_message
from workstation.ui.operations import BenchResources
from workstation.ui.tasks import Task

CASES: list[tuple[BaseException, str]] = [
    (
        NotFound("record 7f3a does not exist"),
        "Not found: record 7f3a does not exist. Scan the package again.",
    ),
    (
        Conflict("seizure 7f3a is already countersigned"),
        "Already changed: seizure 7f3a is already countersigned. Scan the package again to see its current records.",
    ),
    (
        Invalid({"law_cited": "cite the law", "items[1].quantity": "a whole number"}),
        "Check what was entered. Law cited: cite the law; Items seized, row 2 (quantity): a whole number.",
    ),
    (Forbidden("only a supervisor countersigns"), "Not allowed: only a supervisor countersigns."),
    # Today's exceptions from the store map to the same words.
    (
        PermissionDenied("this session has ended (handover): sign in again"),
        "Not allowed: this session has ended (handover): sign in again.",
    ),
    (ValidationError({"reason": "give the reason"}), "Check what was entered. Reason: give the reason."),
    (
        ValueError("a detention is saved with the outcome 'detained'"),
        "Check what was entered: a detention is saved with the outcome 'detained'.",
    ),
    (
        LookupError("no photo 'p1' in the records"),
        "Not found: no photo 'p1' in the records. Scan the package again.",
    ),
    (
        SignInError(SignInReason.WRONG_PASSWORD, "wrong password for badge D1001"),
        "wrong password for badge D1001",
    ),
]


@pytest.mark.parametrize(("exc", "said"), CASES, ids=[type(e).__name__ for e, _ in CASES])
def test_each_refusal_in_the_officers_words(exc: BaseException, said: str) -> None:
    assert officer_message(exc) == said


def test_a_fault_names_the_log_not_its_text() -> None:
    said = officer_message(RuntimeError("near 'SELEC': syntax error"))
    assert "SELEC" not in said
    assert "RuntimeError" in said
    assert "logs/workstation.log" in said


def _failing(exc: BaseException) -> Callable[..., Callable[[BenchResources], object]]:
    def op(res: BenchResources) -> object:
        raise exc

    return lambda *args: op


@pytest.mark.parametrize(("exc", "said"), CASES[:4], ids=[type(e).__name__ for e, _ in CASES[:4]])
def test_each_typed_error_of_a_save_reaches_the_banner_as_the_officers_message(
    bench: Bench, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, exc: BaseException, said: str
) -> None:
    from workstation.core.tracking import make_s10

    window = bench.window
    with qtbot.waitSignal(window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(make_s10("LX", "87654321", "HK"), ScanSource.MANUAL))
    monkeypatch.setattr(bench_window, "save_op", _failing(exc))
    window.notes.setPlainText("kept")
    window.on_outcome(Outcome.REFUSED_RETURNED)
    bench.runner.wait_idle()
    assert window.banner.text() == f"Not recorded. {said}"
    assert window.notes.toPlainText() == "kept"  # nothing typed is lost


@pytest.mark.parametrize(("exc", "said"), CASES[:4], ids=[type(e).__name__ for e, _ in CASES[:4]])
def test_each_typed_error_of_a_lookup_reaches_the_banner(
    bench: Bench, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, exc: BaseException, said: str
) -> None:
    monkeypatch.setattr(bench_window, "lookup_op", _failing(exc))
    bench.on_scan(ScanEvent("LX123456785HK", ScanSource.MANUAL))
    bench.runner.wait_idle()
    assert bench.window.banner.text() == f"Lookup failed. {said}"


def test_a_save_on_an_ended_shift_is_refused_in_words(bench: Bench, qtbot: QtBot) -> None:
    """The real path: the store refuses a session that another sign-in on this bench ended."""
    from workstation.core.tracking import make_s10

    ended: list[object] = []
    bench.runner.run(lambda res: res.officers.sign_out(bench.session)).on_success(ended.append)
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    window = bench.window
    with qtbot.waitSignal(window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(make_s10("LX", "87654321", "HK"), ScanSource.MANUAL))
    window.on_outcome(Outcome.REFUSED_RETURNED)
    bench.runner.wait_idle()
    assert window.banner.text().startswith("Not recorded. Not allowed: this session has ended")
    assert window.banner.text().endswith("sign in again.")


def test_the_lock_and_sign_in_forms_show_the_officers_message(bench: Bench, qtbot: QtBot) -> None:
    bench.lock()
    bench.lock_screen.form.badge.setText("NOBODY1")
    bench.lock_screen.form.secret.setText("whatever")
    bench.lock_screen.form.button.click()
    bench.runner.wait_idle()
    assert bench.lock_screen.form.error.text() == "unknown badge: check the badge id and try again"

    refused: Task[object] = Task("sign-in")
    dialog = SignInDialog(lambda badge, password: refused)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(dialog)
    dialog.form.badge.setText("D1001")
    dialog.form.secret.setText("demo")
    dialog.form.button.click()
    refused._finish(None, Forbidden("badge D1001 is disabled: see your administrator"))
    assert dialog.form.error.text() == "Not allowed: badge D1001 is disabled: see your administrator."
    assert dialog.form.button.isEnabled()
