"""The officer's bench end to end: real data directory, real task runner threads, real widgets."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workstation.core import tracking
from workstation.core.bench import Feedback, ScanState
from workstation.core.records import ExamType, Outcome, Violation
from workstation.core.scan import ScanEvent, ScanSource
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.records import RecordsStore
from workstation.ui.bench_app import Bench
from workstation.ui.forms import SeizureDialog


def _cache(bench: Bench) -> ManifestCache:
    return ManifestCache(open_cache(bench.ctx.data_dir))


def _records(bench: Bench) -> RecordsStore:
    return RecordsStore.open(bench.ctx.data_dir)


def _find(bench: Bench, targeted: bool) -> str:
    cache = _cache(bench)
    row = cache.db.conn.execute(
        "SELECT i.tracking_id FROM items i JOIN risk r USING (tracking_id) WHERE r.targeted = ? "
        "AND r.lane = ? LIMIT 1",
        (int(targeted), "red" if targeted else "green"),
    ).fetchone()
    cache.db.conn.close()
    assert row is not None
    return str(row[0])


def _scan(bench: Bench, qtbot: QtBot, code: str) -> None:
    with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(code, ScanSource.MANUAL))


def _key(bench: Bench, key: Qt.Key) -> None:
    QTest.keyClick(bench.window, key)


def test_burst_into_notes_shows_card_and_one_key_records_release(bench: Bench, qtbot: QtBot) -> None:
    code = _find(bench, targeted=False)
    window = bench.window
    window.notes.setFocus()
    qtbot.waitUntil(window.notes.hasFocus)
    QTest.keyClicks(window.notes, "fragile")
    qtbot.wait(200)  # typed at human pace: stays in the notes
    with qtbot.waitSignal(window.scan_shown, timeout=10_000):
        QTest.keyClicks(QApplication.focusWidget(), code.lower())
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.card.tracking_id.text() == code
    assert window.notes.toPlainText() == "fragile"
    assert window.result is not None
    assert window.result.state is ScanState.CLEAR

    with qtbot.waitSignal(window.record_saved, timeout=10_000) as saved:
        _key(bench, Qt.Key.Key_F2)
    record = saved.args[0]
    assert record.outcome is Outcome.RELEASED
    assert record.notes == "fragile"
    bench.runner.wait_idle()  # the save's Changes re-query the shift
    assert window.recent.rowCount() == 1
    assert window.recent.records[0].tracking_id == code
    store = _records(bench)
    try:
        assert [r.id for r in store.inspections_for(code)] == [record.id]
        # Sign-ins and officer changes are messages too: this save queued one inspection message.
        sent = [p.message.event_id for p in store.outbox.pending(1000) if p.message.KIND == "inspection"]
        assert sent == [record.id]
    finally:
        store.close()


def test_misread_records_nothing(bench: Bench, qtbot: QtBot) -> None:
    good = tracking.make_s10("RB", "12345678", "CN")
    bad = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    _scan(bench, qtbot, bad)
    window = bench.window
    assert window.result is not None
    assert window.result.state is ScanState.MISREAD
    assert bench.sounds.played[-1] is Feedback.ERROR
    assert "MISREAD" in window.banner.text()
    _key(bench, Qt.Key.Key_F2)
    bench.runner.wait_idle()  # a save, had one been asked for, is delivered by now
    assert window.recent.rowCount() == 0
    assert not window.outcomes.buttons[Outcome.RELEASED].isEnabled()


def test_a_cached_code_with_a_look_alike_letter_is_a_misread(bench: Bench, qtbot: QtBot) -> None:
    code = _find(bench, targeted=False)
    _scan(bench, qtbot, code[:2] + "\u200b" + code[2:])  # a zero-width space inside the cached number
    window = bench.window
    assert window.result is not None
    assert window.result.state is ScanState.MISREAD
    assert window.result.item is None  # the item under the stripped number is not shown
    assert bench.sounds.played[-1] is Feedback.ERROR
    assert window.banner.text() == (
        "MISREAD: the code holds U+200B ZERO WIDTH SPACE at position 3, which no label prints. "
        "Rescan the label."
    )
    assert "U+200B" in window.card.subtitle.text()
    _key(bench, Qt.Key.Key_F2)
    bench.runner.wait_idle()  # a save, had one been asked for, is delivered by now
    assert window.recent.rowCount() == 0


def test_unmanifested_item_is_recorded_as_such(bench: Bench, qtbot: QtBot) -> None:
    code = tracking.make_s10("LX", "87654321", "HK")
    _scan(bench, qtbot, code)
    window = bench.window
    assert window.result is not None
    assert window.result.state is ScanState.UNMANIFESTED
    assert "NO MANIFEST" in window.banner.text()
    with qtbot.waitSignal(window.record_saved, timeout=10_000) as saved:
        _key(bench, Qt.Key.Key_F7)
    assert saved.args[0].manifest_found is False
    assert saved.args[0].outcome is Outcome.REFUSED_RETURNED


def test_already_inspected_needs_a_reason(
    bench: Bench, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _find(bench, targeted=False)
    window = bench.window
    _scan(bench, qtbot, code)
    with qtbot.waitSignal(window.record_saved, timeout=10_000) as first:
        _key(bench, Qt.Key.Key_F2)
    _scan(bench, qtbot, code)
    assert window.result is not None
    assert window.result.state is ScanState.ALREADY_INSPECTED
    assert "ALREADY INSPECTED by Demo Officer" in window.banner.text()

    monkeypatch.setattr(window, "ask_reason", lambda result: "")
    _key(bench, Qt.Key.Key_F3)
    bench.runner.wait_idle()
    assert window.recent.rowCount() == 1  # no reason, no second record

    monkeypatch.setattr(window, "ask_reason", lambda result: "duty was owed after all")
    with qtbot.waitSignal(window.record_saved, timeout=10_000) as second:
        _key(bench, Qt.Key.Key_F3)
    assert second.args[0].reason == "duty was owed after all"
    assert second.args[0].outcome is Outcome.DUTY_ASSESSED
    store = _records(bench)
    try:
        assert {r.id for r in store.inspections_for(code)} == {first.args[0].id, second.args[0].id}
    finally:
        store.close()


def test_targeted_item_needs_an_exam_and_a_confirmation(
    bench: Bench, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _find(bench, targeted=True)
    window = bench.window
    _scan(bench, qtbot, code)
    assert window.result is not None
    assert window.result.state is ScanState.TARGETED
    assert bench.sounds.played[-1] is Feedback.ATTENTION
    assert window.risk.targeted.isVisible()

    _key(bench, Qt.Key.Key_F2)  # no exam yet: refused
    bench.runner.wait_idle()
    assert window.recent.rowCount() == 0
    assert bench.sounds.played[-1] is Feedback.ERROR

    asked: list[frozenset[ExamType]] = []
    monkeypatch.setattr(window, "confirm_release", lambda exams: asked.append(exams) or True)
    _key(bench, Qt.Key.Key_F9)
    with qtbot.waitSignal(window.record_saved, timeout=10_000) as saved:
        _key(bench, Qt.Key.Key_F2)
    assert asked == [frozenset({ExamType.XRAY})]
    assert saved.args[0].exam_types == frozenset({ExamType.XRAY})
    assert saved.args[0].targeted is True


def test_seizure_form_names_every_missing_field(qtbot: QtBot) -> None:
    dialog = SeizureDialog("Demo Officer", ("19 U.S.C. 1526(e)",), None)
    qtbot.addWidget(dialog)
    dialog.law.setCurrentText("")
    dialog.try_accept()
    assert dialog.draft is None
    shown = {k for k, label in dialog.errors.items() if not label.isHidden()}
    assert {"law_cited", "items", "storage_location", "photos"} <= shown

    dialog.law.setCurrentText("19 U.S.C. 1526(e)")
    dialog.storage.setText("vault A")
    dialog.set_item(0, description="Watch", quantity="two", msrp_per_unit="250", domestic_value="40")
    dialog.try_accept()
    assert dialog.draft is None
    assert "Qty must be a number" in dialog.errors["items"].text()

    dialog.set_item(0, quantity="2")
    dialog.add_photo(b"\x89PNG fake but present", ".png")
    dialog.try_accept()
    assert dialog.draft is not None
    assert dialog.draft.violation is Violation.TRADEMARK
    assert dialog.draft.total_msrp == 500


def _video(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for i in range(20):
        frame = np.full((240, 320, 3), 40 + i * 5, np.uint8)
        cv2.putText(frame, "COUNTERFEIT", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        writer.write(frame)
    writer.release()
    return path


def test_seizure_with_a_photo_from_a_video_file_camera(bench: Bench, qtbot: QtBot, tmp_path: Path) -> None:
    capture = cv2.VideoCapture(str(_video(tmp_path / "camera.avi")))

    def grab() -> np.ndarray | None:
        ok, frame = capture.read()
        return frame if ok else None

    window = bench.window
    window.frame_grabber = grab
    code = _find(bench, targeted=True)
    _scan(bench, qtbot, code)

    problems: list[str] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SeizureDialog):
            problems.append(f"expected the seizure form, got {dialog!r}")
            if dialog is not None:
                dialog.close()
            return
        dialog.storage.setText("vault B, shelf 2")
        # The form comes pre-filled with the manifest's lines; the officer adds the values.
        for row in range(dialog.items.rowCount()):
            dialog.set_item(
                row, quantity="3", msrp_per_unit="199.99", domestic_value="36", rights_holder="Acme"
            )
        if not dialog.take_camera_photo():
            problems.append("no photo from the camera")
        dialog.try_accept()
        if dialog.isVisible():  # never leave a modal form open: that would hang the test
            problems.append(
                "form refused: " + "; ".join(lb.text() for lb in dialog.errors.values() if lb.text())
            )
            dialog.reject()

    QTimer.singleShot(100, fill)
    _key(bench, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: bool(problems) or window.recent.rowCount() == 1, timeout=15_000)
    capture.release()
    assert problems == []
    record = window.recent.records[0]
    assert record.outcome is Outcome.SEIZED
    store = _records(bench)
    try:
        photos = [
            r[0]
            for r in store.conn.execute(
                "SELECT photo_id FROM seizure_photos WHERE seizure_id = ?", (record.id,)
            )
        ]
        assert len(photos) == 1
        data = store.read_photo(photos[0])
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert decoded.shape == (240, 320, 3)
        # The file's name says what it holds: the camera frame is JPEG, so it must not be named .png.
        (file_name,) = store.conn.execute(
            "SELECT file_name FROM photos WHERE id = ?", (photos[0],)
        ).fetchone()
        assert data.startswith(b"\xff\xd8\xff"), "the camera photo is JPEG data"
        assert file_name.endswith(".jpg")
        assert (store.data_dir / "photos" / file_name).read_bytes() == data
    finally:
        store.close()


def test_lock_hides_everything_and_refuses_scans(bench: Bench, qtbot: QtBot, tmp_path: Path) -> None:
    code = _find(bench, targeted=False)
    _scan(bench, qtbot, code)
    bench.lock()
    bench.runner.wait_idle()
    qtbot.waitUntil(lambda: bench.window.result is None and bench.window.card.tracking_id.text() != code)
    image = bench.window.grab().toImage()
    shot = tmp_path / "locked.png"
    image.save(str(shot))
    assert bench.window.card.tracking_id.text() != code
    assert bench.lock_screen.geometry() == bench.window.rect()
    # Where the card was, the grabbed window shows the lock screen's colour, not the manifest.
    centre = bench.window.card.mapTo(bench.window, bench.window.card.rect().center())
    assert image.pixelColor(centre).name() == "#263238"
    texts = json.dumps([w.text() for w in bench.window.findChildren(type(bench.window.banner))])
    assert code not in texts
    before = len(bench.sounds.played)
    bench.on_scan(ScanEvent(code, ScanSource.WEDGE))
    assert bench.sounds.played[before:] == [Feedback.ERROR]
    assert bench.window.result is None


def test_ctrl_l_locks_and_the_same_officer_unlocks(bench: Bench, qtbot: QtBot) -> None:
    QTest.keyClick(bench.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert bench.locked
    assert bench.lock_screen.isVisible()
    bench.lock_screen.form.secret.setText("wrong")
    bench.lock_screen.form.button.click()
    qtbot.waitUntil(lambda: "Wrong" in bench.lock_screen.form.error.text(), timeout=10_000)
    assert bench.locked
    bench.lock_screen.form.secret.setText("demo")
    bench.lock_screen.form.button.click()
    qtbot.waitUntil(lambda: not bench.locked, timeout=10_000)
    assert not bench.lock_screen.isVisible()


def test_another_officer_signing_in_at_the_lock_takes_over(bench: Bench, qtbot: QtBot) -> None:
    bench.lock()
    bench.lock_screen.form.badge.setText("D1002")
    bench.lock_screen.form.secret.setText("demo")
    bench.lock_screen.form.button.click()
    qtbot.waitUntil(lambda: not bench.locked, timeout=10_000)
    assert bench.session.officer.badge == "D1002"
    assert "D1002" in bench.window.officer_label.text()


def test_idle_lock_after_the_interval_and_activity_postpones_it(bench: Bench, qtbot: QtBot) -> None:
    bench.idle.timer.setInterval(400)
    bench.idle.restart()
    for _ in range(4):  # activity keeps the bench open
        qtbot.wait(200)
        QTest.mouseMove(bench.window.card)
        QTest.keyClick(bench.window.notes, Qt.Key.Key_Space)
    assert not bench.locked
    qtbot.waitUntil(lambda: bench.locked, timeout=5_000)
    assert bench.lock_screen.isVisible()


def test_a_long_fedex_label_barcode_finds_the_item_and_the_record_keeps_both(
    bench: Bench, qtbot: QtBot
) -> None:
    from workstation.core.tracking import make_fedex_express34

    cache = _cache(bench)
    row = cache.db.conn.execute(
        "SELECT i.tracking_id FROM items i JOIN risk r USING (tracking_id) "
        "WHERE length(i.tracking_id) = 12 AND i.carrier = 'fedex' AND r.targeted = 0 LIMIT 1"
    ).fetchone()
    cache.db.conn.close()
    assert row is not None, "the demo cache has FedEx 12-digit items"
    number = str(row[0])
    long_form = make_fedex_express34(number)
    window = bench.window
    _scan(bench, qtbot, long_form)
    assert window.card.tracking_id.text() == number
    assert window.result is not None
    assert window.result.item is not None
    assert "FedEx Express (34-digit label barcode)" in window.card.subtitle.text()
    with qtbot.waitSignal(window.record_saved, timeout=10_000) as saved:
        _key(bench, Qt.Key.Key_F2)
    record = saved.args[0]
    assert (record.tracking_id, record.barcode) == (number, long_form)
    store = _records(bench)
    try:
        row = store.conn.execute(
            "SELECT tracking_id, barcode FROM inspections WHERE id = ?", (record.id,)
        ).fetchone()
        assert tuple(row) == (number, long_form)
    finally:
        store.close()


def test_a_photo_file_for_a_seizure_is_read_on_the_runner(bench: Bench, qtbot: QtBot, tmp_path: Path) -> None:
    photo = tmp_path / "evidence.photo"
    _, png = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))
    photo.write_bytes(png.tobytes())
    dialog = bench.window.seizure_dialog()
    qtbot.addWidget(dialog)
    task = dialog.add_photo_file(str(photo))
    assert task is not None
    assert dialog.photos == []  # not read here, on the GUI thread
    bench.runner.wait_idle()
    assert [(bytes(d), s) for d, s in dialog.photos] == [(png.tobytes(), ".png")]  # type: ignore[arg-type]

    dialog.add_photo_file(str(tmp_path / "gone.jpg"))
    bench.runner.wait_idle()
    assert len(dialog.photos) == 1
    assert dialog.errors["photos"].text() == "The photo file could not be read: no such file or directory"


def test_the_release_confirmation_names_the_exams_as_their_keys_do(bench: Bench, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMessageBox

    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(QMessageBox.StandardButton.No).click()
        elif box is not None:
            box.close()

    QTimer.singleShot(100, answer)
    assert bench.window.confirm_release(frozenset({ExamType.CANINE, ExamType.XRAY})) is False
    assert seen == ["This item was targeted for exam. Exam recorded: X-ray, Canine.\nRelease it?"]
