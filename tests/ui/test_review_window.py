"""The supervisor review window over a real records file: who opens it, filters and search, the lazy
log, countersigning and returns, lookouts, and the banner when the hub is not the source."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QBuffer, QDate, QEvent, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from workstation.config import SecuritySettings, Settings
from workstation.core.records import (
    DetentionDraft,
    InspectionDraft,
    Outcome,
    SeizedItem,
    SeizureDraft,
    Session,
    Violation,
)
from workstation.core.review_csv import read_log_csv
from workstation.core.tracking import make_s10
from workstation.store.db import CACHE_FILE, RECORDS_FILE
from workstation.store.demo_history import write_history
from workstation.store.officers import OfficerDirectory
from workstation.store.records import RecordsStore
from workstation.sync.rounds import HubTarget
from workstation.ui.bench_app import Bench
from workstation.ui.review_log import ShiftLogTab
from workstation.ui.review_sources import NO_HUB, local_factory
from workstation.ui.review_window import ReviewWindow
from workstation.ui.root import Workstation

RELEASED = make_s10("RB", "10000001", "CN")
SEIZED = make_s10("LX", "20000002", "HK")
DETAINED = make_s10("CP", "30000003", "DE")
OTHERS = make_s10("RR", "40000004", "GB")
OWN_SEIZURE = make_s10("LX", "50000005", "HK")


@dataclass
class Desk:
    """Records made at this bench by other officers, through a second store on the same data directory."""

    store: RecordsStore
    sessions: dict[str, Session]

    def seize(self, badge: str, tracking_id: str) -> str:
        return self.store.save_seizure(
            self.sessions[badge],
            InspectionDraft(tracking_id, Outcome.SEIZED),
            SeizureDraft(
                Violation.OTHER, "19 U.S.C. 1595a", (SeizedItem("Pills", 3, 20.0, 15.0),), "vault B"
            ),
        ).id


@pytest.fixture
def supervisor_bench(make_workstation: Callable[..., Workstation], qtbot: QtBot) -> Bench:
    """A bench where the demo supervisor D2001 is signed in (no hub configured)."""
    root = make_workstation(Settings(bench_id="bench-7"))
    sessions: list[Session] = []
    root.demo_sign_in("D2001").on_success(sessions.append)
    qtbot.waitUntil(lambda: bool(sessions), timeout=10_000)
    bench = root.start(sessions[0])
    qtbot.addWidget(bench.window)
    return bench


@pytest.fixture
def desk(supervisor_bench: Bench) -> Iterator[Desk]:
    supervisor_bench.runner.wait_idle()
    store = RecordsStore.open(supervisor_bench.ctx.data_dir)
    officers = OfficerDirectory(store, SecuritySettings())
    # Each at a bench of its own: a sign-in ends the session before it at the same bench.
    sessions = {b: officers.sign_in(b, "demo", f"bench-{b}") for b in ("D1001", "D1002", "D2001")}
    try:
        yield Desk(store, sessions)
    finally:
        store.close()


def _open(bench: Bench, qtbot: QtBot) -> ReviewWindow:
    window = bench.review.open()
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitUntil(
        lambda: (
            window.banner.text() != "Opening the records…"
            and window.log_tab.count_label.text().endswith(("record", "records"))
        ),
        timeout=10_000,
    )
    return window


def _apply(tab: ShiftLogTab, qtbot: QtBot, change: Callable[[], None]) -> list[str]:
    """Change the filter, wait for its keys and rows: the tracking numbers the table shows."""
    with qtbot.waitSignal(tab.keys_loaded, timeout=10_000):
        change()
    model = tab.model
    for row in range(model.rowCount()):
        model.row_at(row)
    qtbot.waitUntil(lambda: all(model.row_at(r) is not None for r in range(model.rowCount())), timeout=10_000)
    return sorted(r.tracking_id for r in (model.row_at(n) for n in range(model.rowCount())) if r is not None)


def test_an_officer_sees_no_entry_and_is_refused_with_the_reason(bench: Bench) -> None:
    assert not bench.review.action.isVisible()
    assert not bench.window.menuBar().isVisible()
    assert bench.review.open() is None
    assert bench.review.window is None
    assert bench.window.banner.text() == (
        "Supervisor review is for supervisors and admins: Demo Officer (D1001) is an officer. Ask a supervisor."
    )


def test_a_supervisor_opens_it_over_this_benchs_records_under_the_banner(
    supervisor_bench: Bench, qtbot: QtBot
) -> None:
    assert supervisor_bench.review.action.isVisible()
    assert supervisor_bench.review.action.shortcut().toString() == "Ctrl+Shift+R"
    window = _open(supervisor_bench, qtbot)
    assert window.banner.text() == NO_HUB
    assert window.banner.isVisibleTo(window)
    assert supervisor_bench.review.open() is window  # a second Ctrl+Shift+R raises the same window
    supervisor_bench.lock()  # the lock hides every record: the review closes
    assert supervisor_bench.review.window is None
    assert window.closed


def test_filters_and_search_select_the_right_rows(supervisor_bench: Bench, desk: Desk, qtbot: QtBot) -> None:
    store, s = desk.store, desk.sessions
    store.save_inspection(
        s["D1001"], InspectionDraft(RELEASED, Outcome.RELEASED, risk_lane="red", targeted=True)
    )
    desk.seize("D1001", SEIZED)
    store.save_detention(
        s["D1001"],
        InspectionDraft(DETAINED, Outcome.DETAINED),
        DetentionDraft("no invoice", "FDA", date.today()),
    )
    store.save_inspection(s["D1002"], InspectionDraft(OTHERS, Outcome.DUTY_ASSESSED, risk_lane="green"))
    window = _open(supervisor_bench, qtbot)
    tab, bar = window.log_tab, window.log_tab.filters
    assert _apply(tab, qtbot, tab.reload) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])
    assert tab.count_label.text() == "4 records"

    def pick(box: object, index: int) -> Callable[[], None]:
        return lambda: box.setCurrentIndex(index)  # type: ignore[attr-defined]

    assert _apply(tab, qtbot, pick(bar.outcome, bar.outcome.findData("seized"))) == [SEIZED]
    assert _apply(tab, qtbot, pick(bar.outcome, 0)) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])
    assert _apply(tab, qtbot, pick(bar.seizure, 1)) == [SEIZED]
    assert _apply(tab, qtbot, pick(bar.seizure, 2)) == sorted([RELEASED, DETAINED, OTHERS])
    assert _apply(tab, qtbot, pick(bar.seizure, 0)) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])
    assert _apply(tab, qtbot, pick(bar.detention, 1)) == [DETAINED]
    assert _apply(tab, qtbot, pick(bar.detention, 0)) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])
    assert _apply(tab, qtbot, pick(bar.targeted, 1)) == [RELEASED]
    assert _apply(tab, qtbot, pick(bar.lane, bar.lane.findData("green"))) == []  # targeted and green: none
    assert _apply(tab, qtbot, pick(bar.targeted, 0)) == [OTHERS]
    assert _apply(tab, qtbot, pick(bar.lane, 0)) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])

    def officer(badge: str) -> Callable[[], None]:
        def set_officer() -> None:
            bar.officer.setText(badge)
            bar.officer.editingFinished.emit()

        return set_officer

    assert _apply(tab, qtbot, officer("D1002")) == [OTHERS]
    assert _apply(tab, qtbot, officer("")) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])

    def search(text: str) -> Callable[[], None]:
        def typed() -> None:
            bar.search.setText(text)
            bar.search.returnPressed.emit()

        return typed

    spaced = (
        f"{SEIZED[:2].lower()} {SEIZED[2:6]} {SEIZED[6:11]} {SEIZED[11:].lower()}"  # as a person types it
    )
    assert _apply(tab, qtbot, search(spaced)) == [SEIZED]
    assert tab.count_label.text() == "1 record"
    # Another day holds none of them; the whole history holds them all.
    assert _apply(tab, qtbot, search("")) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])
    assert _apply(tab, qtbot, lambda: bar.day.setDate(bar.day.date().addDays(-3))) == []
    assert _apply(tab, qtbot, bar.set_all_days) == sorted([RELEASED, SEIZED, DETAINED, OTHERS])

    # The detail pane: the whole record, with its seizure items and values.
    row = next(n for n in range(tab.model.rowCount()) if tab.model.row_at(n).tracking_id == SEIZED)  # type: ignore[union-attr]
    with qtbot.waitSignal(tab.detail_shown, timeout=10_000):
        tab.table.selectRow(row)
    text = tab.detail.toPlainText()
    assert SEIZED in text
    assert "ITEMS SEIZED" in text
    assert "Pills" in text
    assert "vault B" in text


def test_countersign_another_officers_seizure_never_ones_own(
    supervisor_bench: Bench, desk: Desk, qtbot: QtBot
) -> None:
    theirs = desk.seize("D1001", SEIZED)
    own = desk.seize("D2001", OWN_SEIZURE)
    window = _open(supervisor_bench, qtbot)
    tab = window.countersign_tab
    qtbot.waitUntil(lambda: bool(tab.seizures), timeout=10_000)
    assert [s.id for s in tab.seizures] == [theirs]  # the own seizure is not listed
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Countersign (1)"

    # ... and the service refuses it, whatever the window lists.
    own_ref = window.lane.run(lambda c: c.source.seizure(own))
    refs: list[object] = []
    own_ref.on_success(refs.append)
    qtbot.waitUntil(lambda: bool(refs), timeout=10_000)
    window.countersign(refs[0])  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: tab.message.text() != "", timeout=10_000)
    assert (
        tab.message.text()
        == "Not countersigned. Not allowed: a supervisor cannot countersign their own seizure."
    )

    seen: list[object] = []
    supervisor_bench.runner.changes_made.connect(seen.append)
    tab.select(theirs)
    tab.countersign.click()
    qtbot.waitUntil(lambda: not tab.seizures, timeout=10_000)  # countersigned: no longer waiting
    assert window.status.text() == f"Countersigned: seizure of {SEIZED} by Demo Officer."
    assert any(c.touches("countersignature") for c in seen)  # type: ignore[attr-defined]
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Countersign"


def test_a_return_for_correction_needs_a_reason(supervisor_bench: Bench, desk: Desk, qtbot: QtBot) -> None:
    theirs = desk.seize("D1001", SEIZED)
    window = _open(supervisor_bench, qtbot)
    tab = window.countersign_tab
    qtbot.waitUntil(lambda: bool(tab.seizures), timeout=10_000)
    reasons = iter(["   ", "the storage location is missing the shelf"])
    window.ask_return_reason = lambda seizure: next(reasons)  # type: ignore[method-assign]
    tab.select(theirs)
    tab.give_back.click()
    qtbot.waitUntil(lambda: tab.message.text() != "", timeout=10_000)
    assert tab.message.text().startswith("Not returned. Check what was entered. Reason: ")
    assert tab.seizures[0].returned_reason is None
    tab.select(theirs)
    tab.give_back.click()
    qtbot.waitUntil(
        lambda: bool(tab.seizures) and tab.seizures[0].returned_reason is not None, timeout=10_000
    )
    assert tab.seizures[0].returned_reason == "the storage location is missing the shelf"
    assert window.status.text() == f"Returned for correction: seizure of {SEIZED} to Demo Officer."


def test_a_lookout_added_and_removed_from_the_window(supervisor_bench: Bench, qtbot: QtBot) -> None:
    window = _open(supervisor_bench, qtbot)
    tab = window.lookouts_tab
    expires = datetime.now(UTC) + timedelta(days=3)
    window.ask_lookout = lambda: ("shipper", "*acme trading*", "counterfeit watches last week", expires)  # type: ignore[method-assign]
    window.add_lookout()
    qtbot.waitUntil(lambda: len(tab.lookouts) == 1, timeout=10_000)
    assert (tab.lookouts[0].field, tab.lookouts[0].pattern) == ("shipper", "*acme trading*")
    assert tab.table.item(0, 2).text() == "counterfeit watches last week"
    window.ask_removal_reason = lambda lookout: "the shipper was cleared"  # type: ignore[method-assign]
    tab.table.selectRow(0)
    tab.remove.click()
    qtbot.waitUntil(lambda: not tab.lookouts, timeout=10_000)


def _burst(widget: QWidget, text: str) -> None:
    """A scanner's keyboard burst: every key at once, then Enter (the bench's wedge filter judges the gaps)."""
    for ch in [*text, "\r"]:
        key = Qt.Key.Key_Return if ch == "\r" else ord(ch.upper())
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))


def test_ctrl_l_in_the_review_window_locks_the_bench_and_closes_the_review(
    supervisor_bench: Bench, qtbot: QtBot
) -> None:
    window = _open(supervisor_bench, qtbot)
    window.activateWindow()
    window.log_tab.filters.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    qtbot.keyClick(window.log_tab.filters.search, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: supervisor_bench.locked, timeout=5_000)
    assert window.closed
    assert window.log_tab.filters.search.text() == ""  # the key locked; it typed nothing


def test_the_bench_keeps_catching_scans_while_the_review_window_has_the_focus(
    supervisor_bench: Bench, qtbot: QtBot
) -> None:
    window = _open(supervisor_bench, qtbot)
    search = window.log_tab.filters.search
    window.activateWindow()
    search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search, timeout=5_000)
    with qtbot.waitSignal(supervisor_bench.window.scan_shown, timeout=10_000) as shown:
        _burst(search, RELEASED)
    assert shown.args[0].tracking.tracking_id == RELEASED
    assert search.text() == ""  # the scan went to the bench, not into the search box


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A records file of 100,000 inspections over three days (helper A's demo history)."""
    d = tmp_path_factory.mktemp("history")
    write_history(d / RECORDS_FILE, 100_000, days=3, seed=13)
    return d


def test_scrolling_a_100000_row_log_loads_only_the_blocks_scrolled_to(
    supervisor_bench: Bench, history: Path, qtbot: QtBot
) -> None:
    supervisor_bench.review.sources = lambda session: local_factory(history, "BENCH-01")
    window = _open(supervisor_bench, qtbot)
    qtbot.waitExposed(window)
    tab = window.log_tab
    model = tab.model
    with qtbot.waitSignal(tab.keys_loaded, timeout=30_000):
        tab.filters.set_all_days()
    total = model.rowCount()
    assert total > 99_000  # every current record of the history: the keys, not the rows
    assert tab.count_label.text() == f"{total:,} records"
    qtbot.waitUntil(lambda: model.held_rows > 0, timeout=10_000)  # the first screen
    first = model.row_at(0)
    assert first is not None
    assert model.data(model.index(0, 1)) == first.tracking_id

    tab.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.row_at(total - 1) is not None, timeout=10_000)
    last = model.row_at(total - 1)
    assert last is not None
    assert last.at <= first.at  # newest first
    assert model.data(model.index(total - 1, 1)) == last.tracking_id
    middle = total // 2
    tab.table.scrollTo(model.index(middle, 0))
    qtbot.waitUntil(lambda: model.row_at(middle) is not None, timeout=10_000)
    # The top, the end and the middle: a few blocks of 200, far from 100,000 rows.
    assert model.fetched_rows <= 6 * model.block_size
    assert model.held_rows <= model.max_blocks * model.block_size


def test_reconciliation_lists_the_targeted_items_no_inspection_covers(
    supervisor_bench: Bench, desk: Desk, qtbot: QtBot
) -> None:
    cache = sqlite3.connect(supervisor_bench.ctx.data_dir / CACHE_FILE)
    try:
        day, count = cache.execute(
            "SELECT i.arrival_date, count(*) FROM risk r JOIN items i USING (tracking_id) "
            "WHERE r.targeted = 1 GROUP BY i.arrival_date ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        targeted = [
            t
            for (t,) in cache.execute(
                "SELECT r.tracking_id FROM risk r JOIN items i USING (tracking_id) "
                "WHERE r.targeted = 1 AND i.arrival_date = ? ORDER BY r.tracking_id",
                (day,),
            )
        ]
    finally:
        cache.close()
    assert count >= 2  # the demo day has some targeted items
    examined = targeted[0]
    desk.store.save_inspection(
        desk.sessions["D1001"], InspectionDraft(examined, Outcome.RELEASED, targeted=True)
    )
    window = _open(supervisor_bench, qtbot)
    tab = window.reconciliation_tab
    tab.day.setDate(QDate.fromString(day, "yyyy-MM-dd"))
    qtbot.waitUntil(lambda: {u.tracking_id for u in tab.items} == set(targeted[1:]), timeout=10_000)
    waits = [u.waited for u in tab.items]
    assert waits == sorted(waits, reverse=True)  # oldest first
    assert window.tabs.tabText(window.tabs.indexOf(tab)).startswith(f"Not examined ({len(targeted) - 1})")
    shown = {tab.unexamined.item(r, 0).text() for r in range(tab.unexamined.rowCount())}
    assert examined not in shown


def test_the_exports_hold_the_rows_the_log_shows(
    supervisor_bench: Bench, desk: Desk, qtbot: QtBot, tmp_path: Path
) -> None:
    store, s = desk.store, desk.sessions
    store.save_inspection(s["D1001"], InspectionDraft(RELEASED, Outcome.RELEASED))
    desk.seize("D1001", SEIZED)
    store.save_inspection(s["D1002"], InspectionDraft(OTHERS, Outcome.DUTY_ASSESSED))
    window = _open(supervisor_bench, qtbot)
    tab = window.log_tab

    def only_d1001() -> None:
        tab.filters.officer.setText("D1001")
        tab.filters.officer.editingFinished.emit()

    shown = _apply(tab, qtbot, only_d1001)
    assert shown == sorted([RELEASED, SEIZED])
    rows = [tab.model.row_at(n) for n in range(tab.model.rowCount())]

    csv_path = tmp_path / "log.csv"
    window.write_csv(csv_path)
    qtbot.waitUntil(lambda: window.status.text().startswith("CSV written"), timeout=10_000)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        assert read_log_csv(fh) == rows  # the same rows, in the same order, as the table

    pdf_path = tmp_path / "shift.pdf"
    window.write_pdf(pdf_path)
    qtbot.waitUntil(lambda: window.status.text().startswith("PDF written"), timeout=30_000)
    pages = PdfReader(pdf_path).pages
    assert SEIZED in "\n".join(page.extract_text() for page in pages)  # the seizure list
    assert (
        window.status.text()
        == f"PDF written: {pdf_path} ({len(pages)} page{'s' if len(pages) != 1 else ''})."
    )


def test_a_hub_out_of_reach_falls_back_to_this_benchs_records_saying_why(
    supervisor_bench: Bench, desk: Desk, qtbot: QtBot
) -> None:
    desk.store.save_inspection(desk.sessions["D1001"], InspectionDraft(RELEASED, Outcome.RELEASED))
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    opener = supervisor_bench.review
    opener.hub_target = lambda: HubTarget(f"http://127.0.0.1:{port}", "device-token")
    asked: list[str] = []
    opener.ask_password = lambda: asked.append("asked") or "demo"  # type: ignore[method-assign]
    window = _open(supervisor_bench, qtbot)
    assert asked == ["asked"]  # "Facility records: confirm your password", once
    assert window.banner.text().startswith("Hub unreachable: showing this bench's records only (")
    assert window.log_tab.count_label.text() == "1 record"  # this bench's records, all the same


def _png() -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#c62828"))
    buf = QBuffer()
    buf.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data().data())


def test_the_detail_pane_shows_a_seizures_photos_as_thumbnails(
    supervisor_bench: Bench, desk: Desk, qtbot: QtBot
) -> None:
    session = desk.sessions["D1001"]
    photo = desk.store.save_photo(session, _png(), ".png")
    desk.store.save_seizure(
        session,
        InspectionDraft(SEIZED, Outcome.SEIZED),
        SeizureDraft(
            Violation.TRADEMARK,
            "19 U.S.C. 1526(e)",
            (SeizedItem("Watch", 2, 250.0, 40.0),),
            "vault A",
            (photo,),
        ),
    )
    window = _open(supervisor_bench, qtbot)
    tab = window.log_tab
    assert _apply(tab, qtbot, tab.reload) == [SEIZED]
    with qtbot.waitSignal(tab.detail_shown, timeout=10_000):
        tab.table.selectRow(0)
    thumbs = [
        w for w in tab.thumbs.findChildren(QLabel) if w.pixmap() is not None and not w.pixmap().isNull()
    ]
    assert len(thumbs) == 1  # the photo file is on this bench: its picture, not its name
    assert tab.thumbs_scroll.isVisibleTo(window)
    assert "PHOTOS" in tab.detail.toPlainText()


def test_a_hand_over_to_an_officer_closes_the_window_and_hides_the_entry(
    supervisor_bench: Bench, desk: Desk, qtbot: QtBot
) -> None:
    window = _open(supervisor_bench, qtbot)
    supervisor_bench._signed_in(desk.sessions["D1001"])  # what the lock screen does on another badge
    assert window.closed
    assert supervisor_bench.review.window is None
    assert not supervisor_bench.review.action.isVisible()
    assert supervisor_bench.review.open() is None


def test_sync_problems_show_the_hubs_reason(supervisor_bench: Bench, desk: Desk, qtbot: QtBot) -> None:
    desk.store.save_inspection(desk.sessions["D1001"], InspectionDraft(RELEASED, Outcome.RELEASED))
    waiting = desk.store.outbox.pending(1)[0]
    desk.store.outbox.dead_letter([(waiting.id, "rejected", "badge D1001 is not in the facility directory")])
    window = _open(supervisor_bench, qtbot)
    tab = window.sync_tab
    qtbot.waitUntil(lambda: bool(tab.problems), timeout=10_000)
    assert [(p.status, p.reason) for p in tab.problems] == [
        ("rejected", "badge D1001 is not in the facility directory")
    ]
    assert tab.table.item(0, 5).text() == "badge D1001 is not in the facility directory"
    assert window.tabs.tabText(window.tabs.indexOf(tab)) == "Sync problems (1)"
