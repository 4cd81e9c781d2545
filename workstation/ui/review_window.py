"""The supervisor's window: what the shift did across the facility, what is still open, what went wrong.

A separate top-level window opened from the bench (ui/review_opener.py: a supervisor or an admin,
Ctrl+Shift+R); the bench behind it keeps taking scans (the wedge filter is application-wide).
Reads go to a `ReviewSource` on a lane of their own ("review"), so a slow filter or the hub never
holds up the GUI thread nor a scan's lookup on the database lane. Writes (countersign, return,
lookouts) go through the records service on the database lane, like every record the bench makes,
so the bench window and this one both see their `Changes`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workstation.core.changes import Changes
from workstation.core.records import Session
from workstation.core.review import Counts, LogFilter, Lookout, SeizureRef, ShiftWindow
from workstation.core.review_csv import write_log_csv
from workstation.core.review_report import atomic_output, rows_in_blocks
from workstation.ui.officer_messages import is_refusal, officer_message
from workstation.ui.operations import (
    BenchRunner,
    add_lookout_op,
    countersign_op,
    remove_lookout_op,
    return_for_correction_op,
)
from workstation.ui.report_pdf import ShiftReport, read_report, write_report_pdf
from workstation.ui.review_log import ShiftLogTab
from workstation.ui.review_sources import (
    SourceChoice,
    SourceFactory,
)
from workstation.ui.review_tabs import (
    CountersignTab,
    CountsTab,
    LookoutDialog,
    LookoutsTab,
    ReconciliationTab,
    SyncProblemsTab,
)
from workstation.ui.tasks import Lane
from workstation.ui.text import escaped, plain
from workstation.ui.theme import set_style_role, stylesheet

log = logging.getLogger(__name__)

# Changes that alter what each tab shows.
LOG_KINDS = ("inspection", "seizure", "detention", "void", "correction", "countersignature", "seizure_review")
COUNTERSIGN_KINDS = ("seizure", "countersignature", "seizure_review", "void", "correction")
RECONCILIATION_KINDS = ("inspection", "detention", "void", "correction")
LOOKOUT_KINDS = ("lookout",)


class ReviewWindow(QMainWindow):
    """Tabs: shift log, counts, countersign, reconciliation, lookouts, sync problems."""

    def __init__(
        self,
        runner: BenchRunner,
        session: Session,
        factory: SourceFactory,
        *,
        zone: tzinfo,
        shifts: Sequence[ShiftWindow],
        data_dir: Path,
        facility: str = "",
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self.facility = facility
        self.runner = runner
        self.session = session
        self.zone = zone
        self.today = today
        self.now = now
        self.closed = False
        self.choice_banner: str | None = None
        # Countersigned or returned from this window: the hub hears of it with the bench's next sync,
        # so until then its list would still offer them. Seizure id -> the return's reason ("" for a countersign).
        self.reviewed_here: dict[str, str] = {}
        # The source is built on this lane's thread, used only there, closed there.
        self.lane: Lane[SourceChoice] = runner.lane(factory, "review")
        self.setWindowTitle(f"Supervisor review · {session.officer.name} ({session.officer.badge})")
        self.banner = plain(QLabel("Opening the records…"))
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        set_style_role(self.banner, "kind", "info")
        self.log_tab = ShiftLogTab(self.lane, zone, shifts, today(), data_dir)
        self.counts_tab = CountsTab()
        self.countersign_tab = CountersignTab(zone)
        self.reconciliation_tab = ReconciliationTab(today())
        self.lookouts_tab = LookoutsTab(zone)
        self.sync_tab = SyncProblemsTab(zone)
        self.tabs = QTabWidget()
        for tab, title in (
            (self.log_tab, "Shift log"),
            (self.counts_tab, "Counts"),
            (self.countersign_tab, "Countersign"),
            (self.reconciliation_tab, "Not examined"),
            (self.lookouts_tab, "Lookouts"),
            (self.sync_tab, "Sync problems"),
        ):
            self.tabs.addTab(tab, title)
        self.tabs.currentChanged.connect(lambda _: self._tab_shown())
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_pdf_button = QPushButton("Export PDF…")
        self.export_csv_button.clicked.connect(self.export_csv)
        self.export_pdf_button.clicked.connect(self.export_pdf)
        self.status = plain(QLabel(""))
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.export_csv_button)
        bottom.addWidget(self.export_pdf_button)
        body = QVBoxLayout()
        body.addWidget(self.banner)
        body.addWidget(self.tabs, 1)
        body.addLayout(bottom)
        central = QWidget()
        central.setLayout(body)
        self.setCentralWidget(central)
        self.setStyleSheet(stylesheet(False))
        self.resize(1500, 900)

        self.log_tab.keys_loaded.connect(lambda _: self._log_filtered())
        self.countersign_tab.countersign_wanted.connect(self.countersign)
        self.countersign_tab.return_wanted.connect(self.return_for_correction)
        self.reconciliation_tab.day_changed.connect(lambda _: self.refresh_reconciliation())
        self.lookouts_tab.add_wanted.connect(self.add_lookout)
        self.lookouts_tab.remove_wanted.connect(self.remove_lookout)
        runner.changes_made.connect(self.on_changes)

        self.lane.run(lambda c: c.banner, "review source").on_success(self._show_source).on_failure(
            self._source_failed
        )
        self.log_tab.reload()
        self.refresh_countersign()
        self.refresh_reconciliation()
        self.refresh_lookouts()
        self.refresh_sync_problems()

    # --- the source ------------------------------------------------------------------------

    def _show_source(self, banner: str | None) -> None:
        if self.closed:
            return
        self.choice_banner = banner
        if banner is None:
            self.banner.hide()
            return
        self.banner.setText(banner)
        set_style_role(self.banner, "kind", "warning")
        self.banner.show()

    def _source_failed(self, exc: BaseException) -> None:
        log.error("review: no source", exc_info=exc)
        if not self.closed:
            self.banner.setText(f"The records cannot be read: {officer_message(exc)}")
            set_style_role(self.banner, "kind", "error")

    def _read_failed(self, what: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            if not is_refusal(exc):
                log.error("review: %s", what, exc_info=exc)
            if not self.closed:
                self.status.setText(f"{what}: {officer_message(exc)}")

        return failed

    # --- refreshing the tabs ---------------------------------------------------------------

    def _log_filtered(self) -> None:
        if self.tabs.currentWidget() is self.counts_tab:
            self.refresh_counts()

    def _tab_shown(self) -> None:
        if self.tabs.currentWidget() is self.counts_tab:
            self.refresh_counts()

    def refresh_counts(self) -> None:
        f, zone = self.log_tab.filters.current(), self.zone
        self.lane.run(lambda c: c.source.counts(f, zone), "review counts").on_success(
            lambda counts: self._show_counts(f, counts)
        ).on_failure(self._read_failed("Counts"))

    def _show_counts(self, f: LogFilter, counts: Counts) -> None:
        if not self.closed and f == self.log_tab.filters.current():
            self.counts_tab.show_counts(counts)

    def refresh_countersign(self) -> None:
        badge = self.session.officer.badge
        self.lane.run(lambda c: c.source.to_countersign(exclude_badge=badge), "to countersign").on_success(
            lambda seizures: None if self.closed else self._show_countersign(seizures)
        ).on_failure(self._read_failed("Seizures to countersign"))

    def _show_countersign(self, seizures: list[SeizureRef]) -> None:
        shown = []
        for s in seizures:
            reason = self.reviewed_here.get(s.id)
            if reason == "":
                continue  # countersigned here: on its way to the hub
            shown.append(s if reason is None or s.returned_reason else replace(s, returned_reason=reason))
        seizures = shown
        self.countersign_tab.show_seizures(seizures)
        n = len(seizures)
        self.tabs.setTabText(
            self.tabs.indexOf(self.countersign_tab), f"Countersign ({n})" if n else "Countersign"
        )

    def refresh_reconciliation(self) -> None:
        day, now, zone, today = self.reconciliation_tab.chosen_day(), self.now(), self.zone, self.today()
        self.lane.run(lambda c: c.source.unexamined(day, now, zone), "unexamined").on_success(
            lambda items: self._show_reconciliation(day, items)
        ).on_failure(self._read_failed("Targeted, not examined"))
        self.lane.run(lambda c: c.source.open_detentions(), "open detentions").on_success(
            lambda ds: None if self.closed else self._show_detentions(ds, today)
        ).on_failure(self._read_failed("Open detentions"))

    def _show_reconciliation(self, day: date, items: list) -> None:  # type: ignore[type-arg]
        if self.closed or day != self.reconciliation_tab.chosen_day():
            return
        self.reconciliation_tab.show_unexamined(items)
        self._title_reconciliation()

    def _show_detentions(self, detentions: list, today: date) -> None:  # type: ignore[type-arg]
        self.reconciliation_tab.show_detentions(detentions, today)
        self._title_reconciliation()

    def _title_reconciliation(self) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.reconciliation_tab), self.reconciliation_tab.title())

    def refresh_lookouts(self) -> None:
        now = self.now()
        self.lane.run(lambda c: c.source.lookouts(now), "lookouts").on_success(
            lambda lks: None if self.closed else self.lookouts_tab.show_lookouts(lks)
        ).on_failure(self._read_failed("Lookouts"))

    def refresh_sync_problems(self) -> None:
        self.lane.run(lambda c: c.source.sync_problems(), "sync problems").on_success(
            lambda ps: None if self.closed else self._show_sync_problems(ps)
        ).on_failure(self._read_failed("Sync problems"))

    def _show_sync_problems(self, problems: list) -> None:  # type: ignore[type-arg]
        self.sync_tab.show_problems(problems)
        n = len(problems)
        self.tabs.setTabText(
            self.tabs.indexOf(self.sync_tab), f"Sync problems ({n})" if n else "Sync problems"
        )

    @Slot(object)
    def on_changes(self, changes: Changes) -> None:
        """Records changed (here, at the bench, or pulled from the hub): re-read what shows them."""
        if self.closed:
            return
        if changes.touches(*COUNTERSIGN_KINDS):
            self.refresh_countersign()
        if changes.touches(*RECONCILIATION_KINDS):
            self.refresh_reconciliation()
        if changes.touches(*LOOKOUT_KINDS):
            self.refresh_lookouts()
        if changes.touches(*LOG_KINDS):
            self.log_tab.mark_stale()
            if self.log_tab.shown_id is not None:
                self.log_tab.show_detail(self.log_tab.shown_id)

    # --- what the supervisor does (through the records service, on the database lane) ---------

    def _done(self, text: str) -> Callable[[object], None]:
        def done(_: object) -> None:
            if not self.closed:
                self.status.setText(text)

        return done

    def _refused(self, what: str, where: QLabel) -> Callable[[BaseException], None]:
        def refused(exc: BaseException) -> None:
            if not is_refusal(exc):
                log.error("review: %s", what, exc_info=exc)
            if not self.closed:
                where.setText(f"{what}. {officer_message(exc)}")

        return refused

    @Slot(object)
    def countersign(self, seizure: SeizureRef) -> None:
        done = self._done(f"Countersigned: seizure of {seizure.tracking_id} by {seizure.officer_name}.")

        def countersigned(saved: object) -> None:
            self.reviewed_here[seizure.id] = ""
            done(saved)

        self.runner.run(countersign_op(self.session, seizure), "countersign").on_success(
            countersigned
        ).on_failure(self._refused("Not countersigned", self.countersign_tab.message))

    @Slot(object)
    def return_for_correction(self, seizure: SeizureRef) -> None:
        reason = self.ask_return_reason(seizure)
        if reason is None:
            return
        self.runner.run(
            return_for_correction_op(self.session, seizure, reason), "return for correction"
        ).on_success(
            self._done(
                f"Returned for correction: seizure of {seizure.tracking_id} to {seizure.officer_name}."
            )
        ).on_failure(self._refused("Not returned", self.countersign_tab.message))

    @Slot()
    def add_lookout(self) -> None:
        values = self.ask_lookout()
        if values is None:
            return
        self.runner.run(add_lookout_op(self.session, *values), "add lookout").on_success(
            self._done(f"Lookout added: {values[0]} {values[1]}.")
        ).on_failure(self._refused("Lookout not added", self.lookouts_tab.message))

    @Slot(object)
    def remove_lookout(self, lookout: Lookout) -> None:
        reason = self.ask_removal_reason(lookout)
        if reason is None:
            return
        self.runner.run(
            remove_lookout_op(self.session, lookout.id, reason, known=lookout), "remove lookout"
        ).on_success(self._done(f"Lookout removed: {lookout.field} {lookout.pattern}.")).on_failure(
            self._refused("Lookout not removed", self.lookouts_tab.message)
        )

    # --- reports -----------------------------------------------------------------------------

    @Slot()
    def export_csv(self) -> None:
        path = self.ask_save_path("Export the shift log as CSV", "CSV (*.csv)", ".csv")
        if path is not None:
            self.write_csv(path)

    def write_csv(self, path: Path) -> None:
        """Every row the log's filter selects (the rows the table shows, all of them) as CSV."""
        f = self.log_tab.filters.current()
        self.status.setText(f"Writing {path}…")
        self.lane.run(csv_report_op(f, path), "CSV report").on_success(
            lambda rows: self._done(f"CSV written: {path} ({rows:,} rows).")(rows)
        ).on_failure(self._read_failed("CSV not written"))

    @Slot()
    def export_pdf(self) -> None:
        path = self.ask_save_path("Export the shift report as PDF", "PDF (*.pdf)", ".pdf")
        if path is not None:
            self.write_pdf(path)

    def write_pdf(self, path: Path) -> None:
        """The shift report of the filter's day, shift and bench: read on the review lane, drawn here.

        Qt Charts (a graphics scene) draws on the GUI thread only: the drawing is the one step here.
        """
        scope = self.log_tab.filters.scope()
        self.status.setText(f"Reading the report for {path}…")
        self.lane.run(lambda c: read_report(c.source, scope, self.now()), "PDF report").on_success(
            lambda report: self._draw_pdf(report, path)
        ).on_failure(self._read_failed("PDF not written"))

    def _draw_pdf(self, report: ShiftReport, path: Path) -> None:
        if self.closed:
            return
        try:
            pages = write_report_pdf(report, path, facility=self.facility)
        except OSError as exc:
            self._read_failed("PDF not written")(exc)
            return
        self.status.setText(f"PDF written: {path} ({pages} page{'s' if pages != 1 else ''}).")

    # --- questions (methods, so that tests can answer them) ------------------------------------

    def ask_return_reason(self, seizure: SeizureRef) -> str | None:
        """The reason for a return (None: cancelled). An empty one goes to the service, which refuses it."""
        text, ok = QInputDialog.getText(
            self,
            "Return for correction",
            escaped(f"What must {seizure.officer_name} correct in the seizure of {seizure.tracking_id}?"),
        )
        return text.strip() if ok else None

    def ask_lookout(self) -> tuple[str, str, str, datetime] | None:
        dialog = LookoutDialog(self.now(), self)
        try:
            return dialog.values() if dialog.exec() else None
        finally:
            dialog.deleteLater()

    def ask_removal_reason(self, lookout: Lookout) -> str | None:
        text, ok = QInputDialog.getText(
            self, "Remove lookout", escaped(f"Why remove the lookout on {lookout.field} {lookout.pattern}?")
        )
        return text.strip() if ok else None

    def ask_save_path(self, title: str, kinds: str, suffix: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, title, f"shift{suffix}", kinds)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(suffix)

    # --- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop listening, finish the lane's queued reads and close the source on its thread."""
        if self.closed:
            return
        self.closed = True
        self.log_tab.closed = True
        self.runner.changes_made.disconnect(self.on_changes)
        self.lane.shutdown()


def csv_report_op(f: LogFilter, path: Path) -> Callable[[SourceChoice], int]:
    """Every row the filter selects, written as the shift log's CSV (whole, or not at all); the value is the row count."""

    def csv_report(c: SourceChoice) -> int:
        keys = c.source.log_keys(f)
        with atomic_output(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
            return write_log_csv(rows_in_blocks(c.source, keys), fh)

    return csv_report
