"""Changes made elsewhere reach an open bench window: it re-queries the shift, nothing else."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from workstation.config import SecuritySettings
from workstation.core.changes import Changes
from workstation.core.records import InspectionDraft, Outcome, SeizedItem, SeizureDraft, Violation
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.ui.bench_app import Bench


def _shown(bench: Bench) -> tuple[int, str, str]:
    window = bench.window
    return window.recent.rowCount(), window.count_label.text(), window.sync_label.text()


def test_a_seizure_countersign_and_void_made_through_another_store_update_the_open_window(
    bench: Bench, qtbot: QtBot
) -> None:
    bench.runner.wait_idle()
    other = RecordsStore.open(bench.ctx.data_dir)  # a second store on the same data directory
    try:
        # Sign-ins and shifts are messages to send too: the bar counts them from the start.
        assert _shown(bench) == (0, "This shift: 0", f"Sync: no hub · {other.outbox_count()} kept here")
        officers = OfficerDirectory(other, SecuritySettings())
        photo = other.save_photo(bench.session, b"\x89PNG\r\n\x1a\n evidence", ".png")
        seizure = other.save_seizure(
            bench.session,
            InspectionDraft("LX123456785HK", Outcome.SEIZED),
            SeizureDraft(
                Violation.TRADEMARK,
                "19 U.S.C. 1526(e)",
                (SeizedItem("Watch", 2, 250.0, 40.0),),
                "vault A",
                (photo,),
            ),
        )
        bench.runner.publish(Changes.of("inspection", seizure.id) | Changes.of("seizure", seizure.id))
        qtbot.waitUntil(lambda: _shown(bench)[:2] == (1, "This shift: 1"), timeout=10_000)
        waiting = other.outbox_count()
        assert bench.window.sync_label.text() == f"Sync: no hub · {waiting} kept here"

        supervisor = officers.sign_in("D2001", "demo", "bench-supervisor")
        other.countersign_seizure(supervisor, seizure.id)
        now_waiting = other.outbox_count()
        assert now_waiting > waiting  # the countersignature's message, after the sign-in's own
        bench.runner.publish(Changes.of("countersignature", seizure.id))
        qtbot.waitUntil(
            lambda: bench.window.sync_label.text() == f"Sync: no hub · {now_waiting} kept here",
            timeout=10_000,
        )

        other.void_inspection(supervisor, seizure.id, "scanned the wrong package")
        bench.runner.publish(Changes.of("void", seizure.id))
        qtbot.waitUntil(lambda: _shown(bench)[:2] == (0, "This shift: 0"), timeout=10_000)
    finally:
        other.close()


def test_changes_the_window_does_not_show_are_not_re_queried(bench: Bench, qtbot: QtBot) -> None:
    bench.runner.wait_idle()
    asked: list[Changes] = []
    shift_ops = bench.runner.pending
    bench.runner.changes_made.connect(asked.append)
    bench.runner.publish(Changes.of("officer", "D1002"))
    bench.runner.publish(Changes.of("photo", "p1"))
    assert len(asked) == 2  # delivered (on this, the GUI thread, at once)
    assert bench.runner.pending == shift_ops  # and nothing re-queried for them
    bench.runner.publish(Changes.of("shift", bench.session.shift_id))
    assert bench.runner.pending == shift_ops + 1  # the shift list and count, re-queried
    bench.runner.wait_idle()
