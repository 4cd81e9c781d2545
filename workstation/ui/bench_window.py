"""The window an officer looks at all shift: scan, see the card and the risk, record with one key."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workstation.config import Settings
from workstation.core.bench import Feedback, Gate, ScanResult, ScanState, gate, misread_reason
from workstation.core.changes import Changes, Saved
from workstation.core.records import AGENCIES, ExamType, InspectionDraft, InspectionRecord, Outcome, Session
from workstation.core.scan import ScanEvent, ScanSource
from workstation.ui.about import show_about
from workstation.ui.card import ManifestCard, RiskPanel
from workstation.ui.forms import DetentionDialog, SeizureDialog
from workstation.ui.help_overlay import HelpOverlay
from workstation.ui.officer_messages import is_refusal, officer_message
from workstation.ui.operations import (
    BenchRunner,
    Photo,
    SaveRequest,
    ShiftView,
    lookup_op,
    read_photo_file_op,
    save_op,
    shift_op,
)
from workstation.ui.outcome_bar import EXAM_KEYS, OutcomeBar
from workstation.ui.recent_scans import RecentScansModel
from workstation.ui.sounds import Sounds
from workstation.ui.sync_driver import SyncView, sync_details, sync_text
from workstation.ui.text import plain, plain_message_box, plain_tooltip
from workstation.ui.theme import set_style_role, stylesheet

log = logging.getLogger(__name__)
FrameGrabber = Callable[[], np.ndarray | None]
# Changes that alter what the scan bar and the recent list show of the shift (a supervisor's
# review and lookouts add messages to send, which the scan bar counts).
SHIFT_KINDS = (
    "inspection",
    "shift",
    "seizure",
    "detention",
    "void",
    "countersignature",
    "correction",
    "seizure_review",
    "lookout",
)


STATE_BANNERS = {
    ScanState.UNMANIFESTED: (
        "NO MANIFEST: record what you see, take a photo (Ctrl+P); the supervisor is flagged.",
        "unmanifested",
    ),
    ScanState.TARGETED: ("TARGETED FOR EXAM: record an exam (F9-F12) before release.", "error"),
}


class BenchWindow(QMainWindow):
    scan_shown = Signal(object)  # ScanResult, once the card shows it
    record_saved = Signal(object)  # InspectionRecord

    def __init__(
        self,
        runner: BenchRunner,
        session: Session,
        settings: Settings,
        sounds: Sounds,
        frame_grabber: FrameGrabber | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        self.runner = runner
        self.session = session
        self.settings = settings
        self.sounds = sounds
        self.frame_grabber = frame_grabber
        self.today = today
        self.result: ScanResult | None = None
        self.pending_photos: list[tuple[Photo, str]] = []
        self._scan_seq = 0
        self._saving = False
        self.high_contrast = False
        self.setWindowTitle(
            f"Inspection Workstation · {settings.facility_name or 'bench'} {settings.bench_id}"
        )

        # scan bar
        self.source_label = plain(QLabel("Source: —"))
        self.sync_label = plain(QLabel("Sync: —"))
        # A hub to sync with: an address and this device's token (the driver says more once it runs).
        self.sync_view = SyncView(hub=bool(settings.hub_url and settings.sync.token))
        self.officer_label = plain(QLabel(f"Officer: {session.officer.name} ({session.officer.badge})"))
        self.count_label = plain(QLabel("This shift: 0"))
        self.device_status: dict[str, str] = {}
        self.devices_label = plain(QLabel(""))
        # Optional parts that do not work here (no sound, no second decoder), in words IT can act on.
        self.notices: dict[str, str] = {}
        self.notice_label = plain(QLabel(""))
        self.notice_label.setObjectName("notice")
        self.statusBar().addPermanentWidget(self.notice_label, 1)
        self.statusBar().hide()
        self.manual = QLineEdit(placeholderText="Manual entry (Ctrl+M): type the number, Enter")
        self.manual.returnPressed.connect(self._manual_entered)
        bar = QHBoxLayout()
        for w in (
            self.source_label,
            self.sync_label,
            self.officer_label,
            self.count_label,
            self.devices_label,
        ):
            bar.addWidget(w)
            bar.addSpacing(18)
        bar.addStretch(1)
        bar.addWidget(self.manual, 2)

        self.card = ManifestCard()
        self.risk = RiskPanel()
        self.banner = plain(QLabel(""))
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.outcomes = OutcomeBar(self)
        self.outcomes.outcome_chosen.connect(self.on_outcome)
        self.notes = QPlainTextEdit(placeholderText="Notes (Ctrl+N)")
        self.notes.setMaximumHeight(90)
        self.recent = RecentScansModel()
        self.recent_view = QTableView()
        self.recent_view.setModel(self.recent)
        self.recent_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.recent_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.recent_view.horizontalHeader().setStretchLastSection(True)
        self.recent_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.recent_view.verticalHeader().setVisible(False)
        # Fixed widths: ResizeToContents would measure every row on every save, on the GUI thread.
        for column, width in enumerate((90, 200, 150, 90)):
            self.recent_view.setColumnWidth(column, width)
        self.recent_view.setMinimumWidth(460)

        middle = QHBoxLayout()
        middle.addWidget(self.card, 3)
        middle.addWidget(self.risk, 2)
        right = QVBoxLayout()
        right.addWidget(plain(QLabel("Recent scans this shift")))
        right.addWidget(self.recent_view)
        body = QVBoxLayout()
        body.addLayout(bar)
        body.addWidget(self.banner)
        body.addLayout(middle, 1)
        body.addWidget(self.notes)
        body.addWidget(self.outcomes)
        root = QHBoxLayout()
        root.addLayout(body, 3)
        root.addLayout(right, 1)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)
        self.setStyleSheet(stylesheet(False))

        for key, slot in (
            ("Ctrl+M", self.manual.setFocus),
            ("Ctrl+N", self.notes.setFocus),
            ("Ctrl+P", self.take_photo),
            ("Ctrl+H", self.toggle_contrast),
            ("F1", self.show_help),
            ("Ctrl+I", lambda: show_about(self)),
            ("Esc", self.clear_card),
        ):
            QShortcut(QKeySequence(key), self).activated.connect(slot)
        self.help_key = QShortcut(QKeySequence("?"), self)
        self.help_key.activated.connect(self.show_help)
        self.resize(1500, 900)
        runner.changes_made.connect(self.on_changes)
        self.refresh_shift()

    # --- scans -------------------------------------------------------------------------

    @Slot(object)
    def on_scan(self, event: ScanEvent) -> None:
        """A scan from any source: look it up off the GUI thread, then show the card."""
        self._scan_seq += 1
        seq = self._scan_seq
        self.source_label.setText(f"Source: {event.source.value}")
        self.runner.run(lookup_op(event.code), "lookup").on_success(
            lambda result: self._show(seq, result)
        ).on_failure(lambda exc: self._failed("Lookup failed", exc))

    @Slot()
    def _manual_entered(self) -> None:
        code = self.manual.text().strip()
        self.manual.clear()
        if code:
            self.on_scan(ScanEvent(code, ScanSource.MANUAL))

    def _show(self, seq: int, result: ScanResult) -> None:
        if seq != self._scan_seq:  # a newer scan is already on its way
            return
        self.result = result
        self.pending_photos.clear()
        self.outcomes.reset()
        self.card.show_result(result)
        self.risk.show_risk(result.item.risk if result.item else None)
        self._show_banner(result)
        self.outcomes.set_enabled(result.recordable)
        self.sounds.play(result.feedback)
        self.card.flash(result.feedback.value)
        self.scan_shown.emit(result)

    def _show_banner(self, result: ScanResult) -> None:
        if result.state is ScanState.MISREAD:  # before "already inspected": nothing is recorded
            self._banner(f"MISREAD: {misread_reason(result.tracking)}. Rescan the label.", "error")
        elif result.previous:
            last = result.previous[0]
            text = (
                f"ALREADY INSPECTED by {last.officer_name} at {last.at.astimezone():%H:%M} on "
                f"{last.at.astimezone():%d %b}: {last.outcome.value.replace('_', ' ')}. "
                "A second outcome needs a reason."
            )
            self._banner(text, "warning")
        elif result.state in STATE_BANNERS:
            self._banner(*STATE_BANNERS[result.state])
        else:
            self.banner.hide()

    def _banner(self, text: str, kind: str) -> None:
        self.banner.setText(text)
        set_style_role(self.banner, "kind", kind)
        self.banner.show()

    def _error(self, message: str) -> None:
        self.sounds.play(Feedback.ERROR)
        self._banner(message, "error")

    def _failed(self, what: str, exc: BaseException) -> None:
        """A refused or failed operation on the banner, in the officer's words (ui/officer_messages)."""
        if not is_refusal(exc):  # a fault, not a refusal: IT finds it in the log with its traceback
            log.error("%s", what, exc_info=exc)
        self._error(f"{what}. {officer_message(exc)}")

    @Slot(str)
    def show_error(self, message: str) -> None:
        """An error from outside the window's own flow (an uncaught exception): the error banner."""
        self._error(message)

    # --- outcomes ----------------------------------------------------------------------

    @Slot(object)
    def on_outcome(self, outcome: Outcome) -> None:
        result = self.result
        if result is None or self._saving:
            return
        exams = self.outcomes.exams()
        reason = ""
        supersedes = None
        step = gate(result, outcome, exams)
        if step is Gate.REFUSED:
            self._error("Nothing recorded: the label was misread. Rescan it.")
            return
        if step is Gate.NEEDS_REASON:
            reason = self.ask_reason(result)
            if not reason:
                return
            # A second outcome is a new fact about the package, with its reason; it does not
            # void the first (only a supervisor's correction supersedes a record).
            step = gate(result, outcome, exams, reason_given=True)
        if step is Gate.NEEDS_EXAM:
            self._error(
                "Targeted for exam: record an exam (F9 X-ray, F10 opened, F11 canine, F12 lab) first."
            )
            return
        if step is Gate.CONFIRM and not self.confirm_release(exams):
            return
        draft = self._draft(result, outcome, exams, supersedes, reason)
        request = SaveRequest(draft, photos=tuple(self.pending_photos))
        if outcome is Outcome.REFERRED:
            agency = self.ask_agency()
            if not agency:
                return
            request = replace(request, draft=replace(draft, agency=agency))
        elif outcome is Outcome.DETAINED:
            detention = DetentionDialog(self.today(), self)
            if not self.modal(detention) or detention.draft is None:
                return
            request = replace(request, detention=detention.draft)
        elif outcome is Outcome.SEIZED:
            dialog = self.seizure_dialog()
            if not self.modal(dialog) or dialog.draft is None:
                return
            photos = tuple(self.pending_photos) + tuple(dialog.photos)
            request = replace(request, seizure=dialog.draft, photos=photos)
        self.save(request)

    def _draft(
        self,
        result: ScanResult,
        outcome: Outcome,
        exams: frozenset[ExamType],
        supersedes: str | None,
        reason: str,
    ) -> InspectionDraft:
        risk = result.item.risk if result.item else None
        return InspectionDraft(
            tracking_id=result.item.tracking_id if result.item else result.tracking.tracking_id,
            barcode=result.tracking.barcode,
            outcome=outcome,
            exam_types=exams,
            notes=self.notes.toPlainText(),
            manifest_found=result.item is not None,
            risk_score=risk.score if risk else None,
            risk_lane=risk.lane.value if risk else None,
            targeted=result.targeted,  # targeted by the risk rules or by a facility lookout
            supersedes=supersedes,
            reason=reason,
        )

    def save(self, request: SaveRequest) -> None:
        self._saving = True
        self.outcomes.set_enabled(False)
        self.runner.run(save_op(self.session, request), "save").on_success(self._saved).on_failure(
            self._save_failed
        )

    def _saved(self, saved: Saved[InspectionRecord]) -> None:
        # The recent list and the count follow from the save's Changes (on_changes), re-queried.
        record = saved.value
        self._saving = False
        self.notes.clear()
        self.pending_photos.clear()
        self.result = None
        self._banner(f"RECORDED: {record.outcome.value.replace('_', ' ')} · {record.tracking_id}", "ok")
        self.record_saved.emit(record)

    def _save_failed(self, exc: BaseException) -> None:
        # The officer's input stays on screen (notes, exams): nothing typed is lost.
        self._saving = False
        self.outcomes.set_enabled(self.result is not None and self.result.recordable)
        self._failed("Not recorded", exc)

    # --- questions (methods, so that tests and benchmarks can answer them) -------------

    @contextmanager
    def refocused(self) -> Iterator[None]:
        """Give the window the focus back when a dialog closes.

        Without a window manager (a kiosk bench, Xvfb) nothing re-activates the main window
        after a dialog: Qt would then have no active window, and no F-key would work.
        """
        try:
            yield
        finally:
            self.activateWindow()
            self.raise_()

    def modal(self, dialog: QDialog) -> int:
        with self.refocused():
            result: int = dialog.exec()
        dialog.deleteLater()
        return result

    def ask_reason(self, result: ScanResult) -> str:
        with self.refocused():
            text, ok = QInputDialog.getText(
                self, "Second outcome", "Reason for a second outcome on this package:"
            )
        return text.strip() if ok else ""

    def ask_agency(self) -> str:
        with self.refocused():
            agency, ok = QInputDialog.getItem(self, "Refer", "Partner agency:", list(AGENCIES), 0, False)
        return agency if ok else ""

    def confirm_release(self, exams: frozenset[ExamType]) -> bool:
        done = ", ".join(name for exam, name, _ in EXAM_KEYS if exam in exams)  # "X-ray", as on its key
        box = plain_message_box(
            QMessageBox.Icon.Warning,
            "Release a targeted item",
            f"This item was targeted for exam. Exam recorded: {done}.\nRelease it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return self.modal(box) == QMessageBox.StandardButton.Yes

    def seizure_dialog(self) -> SeizureDialog:
        # The camera frame is kept as pixels and encoded by the save, on the database thread; a
        # photo file is read on the runner too: the GUI thread neither reads disk nor encodes.
        camera: FrameGrabber | None = None
        if self.frame_grabber is not None:
            grabber = self.frame_grabber

            def camera() -> np.ndarray | None:
                return _copy(grabber())

        dialog = SeizureDialog(
            self.session.officer.name,
            self.settings.laws_cited,
            camera,
            lambda path: self.runner.run(read_photo_file_op(Path(path)), "photo file"),
            self,
        )
        if self.result is not None and self.result.item is not None:
            for row, line in enumerate(self.result.item.lines):
                dialog.set_item(row, description=line.description, quantity=f"{line.quantity:g}")
        return dialog

    # --- other actions -----------------------------------------------------------------

    @Slot()
    def take_photo(self) -> None:
        frame = self.frame_grabber() if self.frame_grabber else None
        if frame is None:
            self._error("No camera picture: check the camera, or attach a photo file in the seizure form.")
            return
        self.pending_photos.append((frame.copy(), ".jpg"))
        self._banner(f"{len(self.pending_photos)} photo(s) will be saved with this record.", "info")

    @Slot()
    def clear_card(self) -> None:
        self.result = None
        self.card.clear()
        self.risk.clear()
        self.banner.hide()
        self.outcomes.set_enabled(False)

    @Slot()
    def toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self.setStyleSheet(stylesheet(self.high_contrast))

    @Slot()
    def show_help(self) -> None:
        self.modal(HelpOverlay(self))

    @Slot(object)
    def on_changes(self, changes: Changes) -> None:
        """Records changed (here, or elsewhere and published): re-query only what this window shows."""
        if changes.touches(*SHIFT_KINDS):
            self.refresh_shift()

    def refresh_shift(self) -> None:
        # The session is captured here, on the GUI thread; the operation only gets the value.
        self.runner.run(shift_op(self.session), "shift").on_success(self._show_shift)

    def _show_shift(self, view: ShiftView) -> None:
        # The count comes from the store: the recent list holds only the newest rows.
        self.recent.reset(view.records)
        self.count_label.setText(f"This shift: {view.count}")
        self.show_sync(replace(self.sync_view, pending=view.waiting))

    @Slot(object)
    def show_sync(self, view: SyncView) -> None:
        """What waits to go to the hub, when it last got there, since when it is out of reach."""
        self.sync_view = view
        self.sync_label.setText(sync_text(view))
        self.sync_label.setToolTip(plain_tooltip(sync_details(view)))

    def report_missing(self, part: str, text: str) -> None:
        """An optional part that does not work (sounds, second decoder), in the status bar.

        The part's own module has logged it, once; this shows it to the officer and IT.
        """
        if self.notices.get(part) == text:
            return
        self.notices[part] = text
        self.notice_label.setText(" · ".join(self.notices[k] for k in sorted(self.notices)))
        self.notice_label.setToolTip(plain_tooltip("\n".join(self.notices[k] for k in sorted(self.notices))))
        self.statusBar().show()

    def set_device_status(self, device: str, text: str) -> None:
        """Camera and serial scanner state in the scan bar: plugged, lost, retrying."""
        if self.device_status.get(device) != text:
            log.info("%s: %s", device, text)
        self.device_status[device] = text
        self.devices_label.setText(" · ".join(f"{k}: {v}" for k, v in sorted(self.device_status.items())))

    def set_locked(self, locked: bool) -> None:
        """While locked nothing is shown and no outcome key works."""
        self.outcomes.set_enabled(not locked and self.result is not None and self.result.recordable)
        if locked:
            QTimer.singleShot(0, self.clear_card)


def _copy(frame: np.ndarray | None) -> np.ndarray | None:
    """The camera reuses its buffers: a photo keeps its own copy of the pixels."""
    return None if frame is None else frame.copy()
