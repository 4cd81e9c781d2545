"""A facility lookout at the real bench window: the banner on the card, the look-closer feedback, targeted = 1.

Real data directory, real task runner threads, real widgets. The hub's lookouts arrive as a
reference page (applied here as the sync's pull applies it); a supervisor's own lookout is a
record in the bench's records file and flags scans with no hub at all.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from workstation.config import SecuritySettings
from workstation.core.bench import Feedback, ScanState, lookout_banner
from workstation.core.lookout_record import lookout_body
from workstation.core.records import ExamType, InspectionDraft, Outcome, SeizedItem, SeizureDraft, Violation
from workstation.core.review import Lookout
from workstation.core.scan import ScanEvent, ScanSource
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.ui.bench_app import Bench
from workstation.ui.operations import (
    add_lookout_op,
    countersign_op,
    remove_lookout_op,
    return_for_correction_op,
)

HUB = "https://hub.example:8443"


def _green_items(bench: Bench, count: int) -> list[tuple[str, str, str]]:
    """(tracking id, shipper name, consignee address) of plain items: nothing but a lookout targets them."""
    conn = sqlite3.connect(bench.ctx.data_dir / "cache.sqlite")
    try:
        rows = conn.execute(
            "SELECT i.tracking_id, i.shipper_name, i.consignee_address FROM items i "
            "JOIN risk r USING (tracking_id) WHERE r.targeted = 0 AND r.lane = 'green' "
            "GROUP BY i.shipper_name HAVING count(*) = 1 LIMIT ?",
            (count,),
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == count
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def _pull(bench: Bench, *lookouts: tuple[Lookout, bool]) -> None:
    """What a reference pull from the hub writes: a page holding these lookout records."""
    cache = ManifestCache(open_cache(bench.ctx.data_dir))
    try:
        out = cache.apply_reference_page(
            [lookout_body(lk, removed) for lk, removed in lookouts], "7", HUB, None
        )
        assert out.lookouts == len(lookouts)
    finally:
        cache.db.conn.close()


def _lookout(lid: str, field: str, pattern: str, expires_at: datetime) -> Lookout:
    now = datetime.now(UTC)
    return Lookout(
        lid, field, pattern, "counterfeit watches", expires_at, "Sue Supervisor (S2)", now, "bench-3"
    )


def _scan(bench: Bench, qtbot: QtBot, code: str) -> None:
    with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(code, ScanSource.MANUAL))


def _targeted_column(bench: Bench, record_id: str) -> int:
    store = RecordsStore.open(bench.ctx.data_dir)
    try:
        row = store.conn.execute("SELECT targeted FROM inspections WHERE id = ?", (record_id,)).fetchone()
    finally:
        store.close()
    return int(row[0])


def test_a_lookout_from_the_hub_flags_the_scan_and_the_record_is_targeted(
    bench: Bench, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    (flagged, shipper, _), (expired_one, expired_shipper, _), (removed_one, removed_shipper, _) = (
        _green_items(bench, 3)
    )
    later = datetime.now(UTC) + timedelta(days=3)
    live = _lookout("L1", "shipper", shipper, later)
    _pull(
        bench,
        (live, False),
        (_lookout("L2", "shipper", expired_shipper, datetime.now(UTC) - timedelta(minutes=1)), False),
        (_lookout("L3", "shipper", removed_shipper, later), True),
    )
    window = bench.window

    _scan(bench, qtbot, flagged)
    assert window.result is not None
    assert window.result.state is ScanState.TARGETED
    assert window.card.lookout.isVisible()
    assert window.card.lookout.text() == lookout_banner(live)
    assert window.card.lookout.text().startswith(
        "LOOKOUT: counterfeit watches — added by Sue Supervisor (S2)"
    )
    assert window.card.lookout.textFormat() is Qt.TextFormat.PlainText
    assert bench.sounds.played[-1] is Feedback.ATTENTION

    # Counts as targeted: release needs an exam and a confirmation, and the record says targeted.
    QTest.keyClick(window, Qt.Key.Key_F2)
    bench.runner.wait_idle()
    assert bench.sounds.played[-1] is Feedback.ERROR  # refused without an exam
    monkeypatch.setattr(window, "confirm_release", lambda exams: True)
    QTest.keyClick(window, Qt.Key.Key_F9)
    with qtbot.waitSignal(window.record_saved, timeout=10_000) as saved:
        QTest.keyClick(window, Qt.Key.Key_F2)
    record = saved.args[0]
    assert record.targeted is True
    assert record.exam_types == frozenset({ExamType.XRAY})
    assert _targeted_column(bench, record.id) == 1

    # An expired lookout and a removed one flag nothing.
    for code in (expired_one, removed_one):
        _scan(bench, qtbot, code)
        assert window.result is not None
        assert window.result.state is ScanState.CLEAR
        assert not window.card.lookout.isVisible()
        assert bench.sounds.played[-1] is Feedback.ACCEPT
        with qtbot.waitSignal(window.record_saved, timeout=10_000) as saved:
            QTest.keyClick(window, Qt.Key.Key_F2)
        assert saved.args[0].outcome is Outcome.RELEASED
        assert _targeted_column(bench, saved.args[0].id) == 0


def test_a_supervisors_own_lookout_flags_scans_at_the_bench_with_no_hub(bench: Bench, qtbot: QtBot) -> None:
    ((code, _, consignee_address),) = _green_items(bench, 1)
    other = RecordsStore.open(bench.ctx.data_dir)
    try:
        supervisor = OfficerDirectory(other, SecuritySettings()).sign_in("D2001", "demo", "bench-supervisor")
        lookout = other.add_lookout(
            supervisor,
            "address",
            consignee_address.upper(),
            "drop house",
            datetime.now(UTC) + timedelta(hours=8),
        )
    finally:
        other.close()
    _scan(bench, qtbot, code)
    window = bench.window
    assert window.result is not None
    assert window.result.lookouts == (lookout,)
    assert window.card.lookout.text() == lookout_banner(lookout)
    assert "added by Demo Supervisor (D2001)" in window.card.lookout.text()
    # Escape clears the card, the banner with it.
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.card.lookout.isVisible()


def test_review_operations_on_the_runner_publish_their_changes(bench: Bench, qtbot: QtBot) -> None:
    """What the supervisor window runs: each write on the database lane, its Changes to every window."""
    ((code, shipper, _),) = _green_items(bench, 1)
    other = RecordsStore.open(bench.ctx.data_dir)
    try:
        supervisor = OfficerDirectory(other, SecuritySettings()).sign_in("D2001", "demo", "bench-supervisor")
        seizure_id = other.save_seizure(
            bench.session,
            InspectionDraft("LX123456785HK", Outcome.SEIZED),
            SeizureDraft(Violation.NARCOTICS, "21 U.S.C. 881", (SeizedItem("powder", 1, 0.0, 0.0),), "vault"),
        ).id
        seizure = other.seizure_ref(seizure_id)
    finally:
        other.close()
    assert seizure is not None
    runner = bench.runner
    with qtbot.waitSignal(runner.changes_made, timeout=10_000) as made:
        runner.run(return_for_correction_op(supervisor, seizure, "add the storage shelf"), "return")
    assert made.args[0].ids("seizure") == {seizure_id}
    with qtbot.waitSignal(runner.changes_made, timeout=10_000) as made:
        runner.run(countersign_op(supervisor, seizure), "countersign")
    assert "countersignature" in made.args[0].kinds
    later = datetime.now(UTC) + timedelta(days=1)
    added: list[Lookout] = []
    runner.wait_idle()
    waiting = bench.window.sync_label.text()
    with qtbot.waitSignal(runner.changes_made, timeout=10_000) as made:
        runner.run(add_lookout_op(supervisor, "shipper", shipper, "tip-off", later), "lookout").on_success(
            lambda saved: added.append(saved.value)
        )
    assert made.args[0].ids("lookout") == {added[0].id}
    # The scan bar counts the lookout's message waiting for the hub.
    qtbot.waitUntil(lambda: bench.window.sync_label.text() != waiting, timeout=10_000)
    _scan(bench, qtbot, code)
    assert bench.window.card.lookout.text() == lookout_banner(added[0])
    with qtbot.waitSignal(runner.changes_made, timeout=10_000) as made:
        runner.run(remove_lookout_op(supervisor, added[0].id, "cleared"), "lookout removal")
    assert made.args[0].ids("lookout") == {added[0].id}
    _scan(bench, qtbot, code)
    assert not bench.window.card.lookout.isVisible()
