"""The supervisor window's smaller tabs: counts, countersigning, reconciliation, lookouts, sync problems.

Each tab shows what the window hands it (lists read on the review lane) and emits what the
supervisor wants done; the window runs it through the records service (ui/operations.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QDate, QDateTime, Signal, SignalInstance, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workstation.core.review import (
    LOOKOUT_FIELDS,
    Counts,
    Lookout,
    OpenDetention,
    SeizureRef,
    SyncProblem,
    Unexamined,
    validate_lookout,
)
from workstation.ui.review_charts import chart_views, refresh_views
from workstation.ui.text import plain

OVERDUE_COLOUR = "#ffcdd2"
NOTICE_COLOUR = "#ffe0b2"


def table(headers: Sequence[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    t.setWordWrap(False)
    return t


def fill(t: QTableWidget, rows: Sequence[Sequence[str]], colours: Sequence[str | None] = ()) -> None:
    """Put plain-text cells in the table (a table item never reads its text as markup)."""
    t.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        colour = colours[r] if r < len(colours) else None
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if colour:
                item.setBackground(QColor(colour))
            t.setItem(r, c, item)
    t.resizeColumnsToContents()


def waited(span: timedelta) -> str:
    """'2 d 5 h', '3 h 20 min': how long an item has waited."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days} d {hours} h" if days else f"{hours} h {mins:02d} min"


def money(v: float) -> str:
    return f"${v:,.2f}"


def _message_label() -> QLabel:
    label = plain(QLabel(""))
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    return label


# --- counts -----------------------------------------------------------------------------------


def counts_text(c: Counts) -> str:
    """The numbers behind the charts, as text (beside the charts, and where charts cannot draw)."""
    share = f"{100 * c.targeted_examined / c.targeted:.0f}%" if c.targeted else "—"
    lines = [
        f"Inspections: {c.total:,} · targeted items examined: {c.targeted_examined:,} of {c.targeted:,} ({share})",
        "By outcome: " + _top(c.by_outcome),
        "Seizures by violation: " + _top(c.seizures_by_violation),
        "Open detentions by deadline: " + _top(c.detentions_by_deadline),
        "By bench: " + _top(c.by_bench),
        "By officer: " + _top(c.by_officer, 6),
    ]
    return "\n".join(lines)


def _top(values: dict[str, int], n: int = 12) -> str:
    """The largest `n`, then how many more: one line, whatever the facility's size."""
    ranked = sorted(values.items(), key=lambda kv: -kv[1])
    text = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in ranked[:n]) or "none"
    return text + (f" and {len(ranked) - n} more" if len(ranked) > n else "")


class CountsTab(QWidget):
    """The charts for the log's current filter (ui/review_charts.py), and the numbers as text."""

    def __init__(self) -> None:
        super().__init__()
        self.summary = QPlainTextEdit(readOnly=True)
        self.summary.setMaximumHeight(140)
        self.charts = QWidget()
        self.grid = QGridLayout(self.charts)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.views: dict[str, QChartView] = {}
        self.counts: Counts | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.charts, 1)

    def show_counts(self, counts: Counts) -> None:
        self.counts = counts
        self.summary.setPlainText(counts_text(counts))
        if self.views:
            refresh_views(self.views, counts)
            return
        self.views = chart_views(counts, self.charts)
        for n, view in enumerate(self.views.values()):
            self.grid.addWidget(view, n // 3, n % 3)


# --- countersigning ---------------------------------------------------------------------------


class CountersignTab(QWidget):
    """Seizures waiting for a countersign (never the supervisor's own): countersign, or return."""

    countersign_wanted = Signal(object)  # SeizureRef
    return_wanted = Signal(object)  # SeizureRef

    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self.zone = zone
        self.seizures: list[SeizureRef] = []
        self.table = table(
            ("Seized", "Tracking", "Officer", "Bench", "Violation", "MSRP", "Domestic value", "Returned")
        )
        self.countersign = QPushButton("Countersign")
        self.give_back = QPushButton("Return for correction…")
        self.countersign.clicked.connect(lambda: self._want(self.countersign_wanted))
        self.give_back.clicked.connect(lambda: self._want(self.return_wanted))
        self.message = _message_label()
        buttons = QHBoxLayout()
        buttons.addWidget(self.countersign)
        buttons.addWidget(self.give_back)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def show_seizures(self, seizures: list[SeizureRef]) -> None:
        self.seizures = seizures
        fill(
            self.table,
            [
                (
                    f"{s.at.astimezone(self.zone):%d %b %H:%M}",
                    s.tracking_id,
                    f"{s.officer_name} ({s.officer_badge})",
                    s.bench_id,
                    s.violation.replace("_", " "),
                    money(s.total_msrp),
                    money(s.total_domestic_value),
                    s.returned_reason or "",
                )
                for s in seizures
            ],
            [NOTICE_COLOUR if s.returned_reason else None for s in seizures],
        )

    def selected(self) -> SeizureRef | None:
        rows = self.table.selectionModel().selectedRows()
        return self.seizures[rows[0].row()] if rows and rows[0].row() < len(self.seizures) else None

    def select(self, seizure_id: str) -> None:
        for n, s in enumerate(self.seizures):
            if s.id == seizure_id:
                self.table.selectRow(n)

    def _want(self, signal: SignalInstance) -> None:
        s = self.selected()
        if s is None:
            self.message.setText("Select a seizure first.")
            return
        self.message.setText("")
        signal.emit(s)


# --- reconciliation ---------------------------------------------------------------------------


class ReconciliationTab(QWidget):
    """Targeted items never examined, oldest first; open detentions, the overdue ones in red."""

    day_changed = Signal(object)  # date

    def __init__(self, today: date) -> None:
        super().__init__()
        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.dateChanged.connect(lambda q: self.day_changed.emit(date(q.year(), q.month(), q.day())))
        self.unexamined_title = plain(QLabel("Targeted, not examined"))
        self.unexamined_title.setObjectName("bigValue")
        self.unexamined = table(("Tracking", "Arrived", "Waited", "Lane", "Score", "Why targeted"))
        self.detentions_title = plain(QLabel("Open detentions"))
        self.detentions_title.setObjectName("bigValue")
        self.detentions = table(
            ("Tracking", "Officer", "Bench", "Detained", "Notice due", "Decision due", "Overdue", "Reason")
        )
        self.items: list[Unexamined] = []
        self.open: list[OpenDetention] = []
        self.overdue = 0
        top = QHBoxLayout()
        top.addWidget(plain(QLabel("Arrived on")))
        top.addWidget(self.day)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.unexamined_title)
        layout.addWidget(self.unexamined, 3)
        layout.addWidget(self.detentions_title)
        layout.addWidget(self.detentions, 2)

    def chosen_day(self) -> date:
        q = self.day.date()
        return date(q.year(), q.month(), q.day())

    def show_unexamined(self, items: list[Unexamined]) -> None:
        self.items = sorted(items, key=lambda u: u.waited, reverse=True)  # oldest first
        self.unexamined_title.setText(
            f"Targeted, not examined: {len(items)} (arrived {self.chosen_day():%Y-%m-%d}, oldest first)"
        )
        fill(
            self.unexamined,
            [
                (
                    u.tracking_id,
                    f"{u.arrival_date:%Y-%m-%d}",
                    waited(u.waited),
                    u.lane,
                    str(u.score),
                    u.target_reason,
                )
                for u in self.items
            ],
            [OVERDUE_COLOUR] * len(self.items),
        )

    def show_detentions(self, detentions: list[OpenDetention], today: date) -> None:
        # Past the decision deadline first, then past the notice deadline, then the rest (as the source orders them).
        rank = {"decision": 0, "notice": 1, None: 2}
        detentions = sorted(detentions, key=lambda d: rank[d.overdue(today)])
        self.open = detentions
        late = [d.overdue(today) for d in detentions]
        self.overdue = sum(1 for x in late if x)
        self.detentions_title.setText(f"Open detentions: {len(detentions)}, past a deadline: {self.overdue}")
        fill(
            self.detentions,
            [
                (
                    d.tracking_id,
                    d.officer_name,
                    d.bench_id,
                    f"{d.detained_on:%Y-%m-%d}",
                    f"{d.notice_due:%Y-%m-%d}",
                    f"{d.decision_due:%Y-%m-%d}",
                    f"{x} deadline passed" if x else "",
                    d.reason,
                )
                for d, x in zip(detentions, late, strict=True)
            ],
            [OVERDUE_COLOUR if x == "decision" else NOTICE_COLOUR if x else None for x in late],
        )

    def title(self) -> str:
        """The tab's title: the counts in it, so that the gap cannot be missed."""
        text = f"Not examined ({len(self.items)})"
        return text + (f" · Overdue ({self.overdue})" if self.overdue else "")


# --- lookouts ---------------------------------------------------------------------------------


class LookoutDialog(QDialog):
    """A new lookout: field, pattern, reason, expiry; checked with core.review.validate_lookout."""

    def __init__(self, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a facility lookout")
        self.now = now
        self.field = QComboBox()
        self.field.addItems(list(LOOKOUT_FIELDS))
        self.pattern = QLineEdit(placeholderText="tracking number, or a name or address (* for any text)")
        self.reason = QLineEdit(placeholderText="why: the officer who gets the banner reads it")
        self.expires = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int((now + timedelta(days=7)).timestamp())))
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.error = _message_label()
        form = QFormLayout()
        form.addRow("Field", self.field)
        form.addRow("Pattern", self.pattern)
        form.addRow("Reason", self.reason)
        form.addRow("Expires", self.expires)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, 260)

    def values(self) -> tuple[str, str, str, datetime]:
        expires = self.expires.dateTime().toPython()
        assert isinstance(expires, datetime)
        return (
            self.field.currentText(),
            self.pattern.text().strip(),
            self.reason.text().strip(),
            expires.astimezone(UTC),  # local wall time, as shown
        )

    @Slot()
    def _check(self) -> None:
        errors = validate_lookout(*self.values(), now=self.now)
        if errors:
            self.error.setText("; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items()))
            return
        self.accept()


class LookoutsTab(QWidget):
    add_wanted = Signal()
    remove_wanted = Signal(object)  # Lookout

    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self.zone = zone
        self.lookouts: list[Lookout] = []
        self.table = table(("Field", "Pattern", "Reason", "Expires", "Added by", "Added", "Bench"))
        add = QPushButton("Add lookout…")
        add.clicked.connect(self.add_wanted)
        self.remove = QPushButton("Remove…")
        self.remove.clicked.connect(self._remove)
        self.message = _message_label()
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(self.remove)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def show_lookouts(self, lookouts: list[Lookout]) -> None:
        self.lookouts = lookouts
        fill(
            self.table,
            [
                (
                    lk.field,
                    lk.pattern,
                    lk.reason,
                    f"{lk.expires_at.astimezone(self.zone):%Y-%m-%d %H:%M}",
                    lk.added_by,
                    f"{lk.added_at.astimezone(self.zone):%Y-%m-%d %H:%M}",
                    lk.bench_id,
                )
                for lk in lookouts
            ],
        )

    def selected(self) -> Lookout | None:
        rows = self.table.selectionModel().selectedRows()
        return self.lookouts[rows[0].row()] if rows and rows[0].row() < len(self.lookouts) else None

    def _remove(self) -> None:
        lk = self.selected()
        if lk is None:
            self.message.setText("Select a lookout first.")
            return
        self.message.setText("")
        self.remove_wanted.emit(lk)


# --- sync problems ----------------------------------------------------------------------------


class SyncProblemsTab(QWidget):
    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self.zone = zone
        self.problems: list[SyncProblem] = []
        self.table = table(("Bench", "Kind", "Event", "Status", "When", "Hub's reason"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def show_problems(self, problems: list[SyncProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.bench_id, p.at))
        fill(
            self.table,
            [
                (
                    p.bench_id,
                    p.kind,
                    p.event_id,
                    p.status,
                    f"{p.at.astimezone(self.zone):%Y-%m-%d %H:%M}",
                    p.reason,
                )
                for p in self.problems
            ],
        )
