"""The shift log tab: the filter bar, the lazy table of records, and the detail pane of the one selected."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QItemSelection, Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workstation.core.records import Outcome
from workstation.core.review import LogFilter, LogRow, RecordDetail, ShiftWindow, day_span
from workstation.core.review_report import ReportScope
from workstation.store.photos import PHOTOS_DIR
from workstation.ui.officer_messages import officer_message
from workstation.ui.review_model import LogModel
from workstation.ui.review_sources import SourceChoice
from workstation.ui.tasks import Lane
from workstation.ui.text import plain

log = logging.getLogger(__name__)

WHOLE_DAY = "Whole day"
ALL_DAYS = "All days"
LANES = ("green", "yellow", "red")
THUMB = 120


@dataclass(frozen=True)
class DetailView:
    """A record's detail and its photos' bytes where this bench has the file (else None: the name shows)."""

    detail: RecordDetail
    photos: dict[str, bytes | None]


def keys_op(f: LogFilter) -> Callable[[SourceChoice], list[int]]:
    def log_keys(res: SourceChoice) -> list[int]:
        return res.source.log_keys(f)

    return log_keys


def rows_op(keys: Sequence[int]) -> Callable[[SourceChoice], list[LogRow]]:
    wanted = list(keys)

    def log_rows(res: SourceChoice) -> list[LogRow]:
        return res.source.log_rows(wanted)

    return log_rows


def detail_op(inspection_id: str, data_dir: Path) -> Callable[[SourceChoice], DetailView]:
    def detail(res: SourceChoice) -> DetailView:
        d = res.source.detail(inspection_id)
        photos: dict[str, bytes | None] = {}
        for p in d.photos:
            name = str(p.get("file_name") or p.get("id") or "")
            path = data_dir / PHOTOS_DIR / name
            photos[name] = path.read_bytes() if name and path.is_file() else None
        return DetailView(d, photos)

    return detail


# Columns the records keep as 0/1.
FLAGS = frozenset({"targeted", "manifest_found", "countersigned", "corrected", "seizure", "detention"})


# Keys that only link rows together (the record's own id is shown once, under RECORD).
LINKS = frozenset({"seizure_id", "inspection_id", "line_no"})


def _value(v: Any, key: str = "") -> str:
    if isinstance(v, int | float) and not isinstance(v, bool) and ("msrp" in key or "value" in key):
        return f"${v:,.2f}"
    if key in FLAGS and v in (0, 1):
        return "yes" if v else "no"
    if isinstance(v, str) and v.startswith("[") and v.endswith("]"):
        try:
            items = json.loads(v)
        except ValueError:
            return v
        if isinstance(items, list):
            return ", ".join(str(i).replace("_", " ") for i in items) or "—"
    if isinstance(v, float):
        return f"{v:,.2f}"
    if v is None or v == "":
        return "—"
    return str(v).replace("\n", " / ")


def _fields(d: dict[str, Any], indent: str = "  ") -> list[str]:
    return [f"{indent}{k.replace('_', ' ')}: {_value(v, k)}" for k, v in d.items() if k not in LINKS]


def _item(item: dict[str, Any]) -> str:
    """One seized line: what, how many, its values, then the rest."""
    head = f"{item.get('description', '?')} × {_value(item.get('quantity'))}"
    rest = [
        f"{k.replace('_', ' ')} {_value(v, k)}"
        for k, v in item.items()
        if k not in LINKS and k not in ("id", "description", "quantity") and v not in (None, "")
    ]
    return ", ".join([head, *rest])


def detail_text(d: RecordDetail, zone: tzinfo) -> str:
    """The whole record as plain text: its fields, the case, corrections, void, reviews, audit."""
    r = d.row
    lines = [
        f"{r.tracking_id} · {r.outcome.replace('_', ' ')}",
        f"{r.at.astimezone(zone):%Y-%m-%d %H:%M:%S} · {r.officer_name} ({r.officer_badge}) · bench {r.bench_id}",
        "",
        "RECORD",
        *_fields(d.record),
    ]
    if d.detention is not None:
        lines += ["", "DETENTION", *_fields({k: v for k, v in d.detention.items() if k != "id"})]
    if d.seizure is not None:
        lines += ["", "SEIZURE", *_fields({k: v for k, v in d.seizure.items() if k != "id"})]
    if d.items:
        lines += ["", "ITEMS SEIZED"]
        for n, item in enumerate(d.items, 1):
            lines.append(f"  {n}. {_item(item)}")
    if d.photos:
        lines += ["", "PHOTOS", *(f"  {p.get('file_name') or p.get('id')}" for p in d.photos)]
    if d.history:
        lines += ["", "CORRECTS (oldest first)"]
        for h in d.history:
            lines.append("  " + ", ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in h.items()))
    if d.void is not None:
        lines += ["", "VOID", *_fields(d.void)]
    if d.reviews:
        lines += ["", "COUNTERSIGN AND RETURNS"]
        for rv in d.reviews:
            lines.append("  " + ", ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in rv.items()))
    if d.audit:
        lines += ["", "AUDIT"]
        for a in d.audit:
            lines.append("  " + ", ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in a.items()))
    return "\n".join(lines)


def _tri(label: str) -> QComboBox:
    box = QComboBox()
    box.addItems([f"{label}: any", f"{label}: yes", f"{label}: no"])
    return box


def _tri_value(box: QComboBox) -> bool | None:
    return {0: None, 1: True, 2: False}[box.currentIndex()]


class FilterBar(QWidget):
    """Date and shift, officer, bench, outcome, lane, targeted, seizure, detention, and the search."""

    changed = Signal()

    def __init__(self, shifts: Sequence[ShiftWindow], zone: tzinfo, today: date) -> None:
        super().__init__()
        self.shifts = list(shifts)
        self.zone = zone
        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.shift = QComboBox()
        self.shift.addItems(
            [WHOLE_DAY, *(f"{s.name} ({s.start:%H:%M}, {s.hours:g} h)" for s in self.shifts), ALL_DAYS]
        )
        self.officer = QLineEdit(placeholderText="Officer badge")
        self.bench = QLineEdit(placeholderText="Bench")
        self.outcome = QComboBox()
        self.outcome.addItem("Any outcome", None)
        for o in Outcome:
            self.outcome.addItem(o.value.replace("_", " "), o.value)
        self.lane = QComboBox()
        self.lane.addItem("Any lane", None)
        for lane in LANES:
            self.lane.addItem(lane, lane)
        self.targeted = _tri("Targeted")
        self.seizure = _tri("Seizure")
        self.detention = _tri("Detention")
        self.search = QLineEdit(placeholderText="Tracking number (any scanned form), Enter")
        self.search.setClearButtonEnabled(True)
        for edit in (self.officer, self.bench):
            edit.setMaximumWidth(130)
            edit.editingFinished.connect(self.changed)
        self.search.returnPressed.connect(self.changed)
        self.search.textChanged.connect(lambda text: None if text else self.changed.emit())
        self.day.dateChanged.connect(self.changed)
        for box in (self.shift, self.outcome, self.lane, self.targeted, self.seizure, self.detention):
            box.currentIndexChanged.connect(self.changed)
        top = QHBoxLayout()
        widgets: tuple[QWidget, ...] = (
            self.day,
            self.shift,
            self.officer,
            self.bench,
            self.outcome,
            self.lane,
        )
        for w in widgets:
            top.addWidget(w)
        top.addStretch(1)
        bottom = QHBoxLayout()
        for box in (self.targeted, self.seizure, self.detention):
            bottom.addWidget(box)
        bottom.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(bottom)

    def set_shift(self, name: str) -> None:
        """Choose a shift by name ("" for the whole day)."""
        names = [s.name for s in self.shifts]
        self.shift.setCurrentIndex(names.index(name) + 1 if name in names else 0)

    def set_all_days(self) -> None:
        self.shift.setCurrentIndex(self.shift.count() - 1)

    def span(self) -> tuple[datetime | None, datetime | None]:
        q = self.day.date()
        day = date(q.year(), q.month(), q.day())
        index = self.shift.currentIndex()
        if index == self.shift.count() - 1:
            return None, None
        if index == 0:
            return day_span(day, self.zone)
        return self.shifts[index - 1].span(day, self.zone)

    def scope(self) -> ReportScope:
        """The report's scope: the chosen day (whole, or one shift) and bench; the other filters are the log's."""
        q = self.day.date()
        index = self.shift.currentIndex()
        shift = self.shifts[index - 1] if 0 < index <= len(self.shifts) else None
        bench = self.bench.text().strip() or None
        return ReportScope(day=date(q.year(), q.month(), q.day()), zone=self.zone, shift=shift, bench=bench)

    def current(self) -> LogFilter:
        start, end = self.span()
        return LogFilter(
            start=start,
            end=end,
            officer=self.officer.text().strip() or None,
            bench=self.bench.text().strip() or None,
            outcome=self.outcome.currentData(),
            lane=self.lane.currentData(),
            targeted=_tri_value(self.targeted),
            seizure=_tri_value(self.seizure),
            detention=_tri_value(self.detention),
            search=self.search.text().strip() or None,
        )


class ShiftLogTab(QWidget):
    """The filter bar over the lazy table, the detail pane beside it."""

    keys_loaded = Signal(int)  # how many records the filter selects, once the table has them
    detail_shown = Signal(str)  # inspection id

    def __init__(
        self,
        lane: Lane[SourceChoice],
        zone: tzinfo,
        shifts: Sequence[ShiftWindow],
        today: date,
        data_dir: Path,
    ) -> None:
        super().__init__()
        self.lane = lane
        self.zone = zone
        self.data_dir = data_dir
        self.closed = False
        self.filters = FilterBar(shifts, zone, today)
        self.filters.changed.connect(self.reload)
        self.model = LogModel(self._request_block, zone)
        self.count_label = plain(QLabel("…"))
        self.count_label.setObjectName("bigValue")
        self.stale = QPushButton("Records changed: refresh")
        self.stale.hide()
        self.stale.clicked.connect(self.reload)
        self.message = plain(QLabel(""))
        self.message.setObjectName("fieldError")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Fixed row heights: the view then never measures rows it does not show.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((115, 250, 125, 190, 95, 60, 55, 75, 70, 80, 110, 80)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.detail = QPlainTextEdit(readOnly=True)
        self.detail.setPlaceholderText("Select a record to see all of it.")
        self.detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.thumbs = QWidget()
        self.thumbs_layout = QHBoxLayout(self.thumbs)
        self.thumbs_layout.setContentsMargins(0, 0, 0, 0)
        self.thumbs_layout.addStretch(1)
        self.thumbs_scroll = thumbs_scroll = QScrollArea()
        thumbs_scroll.setWidget(self.thumbs)
        thumbs_scroll.setWidgetResizable(True)
        thumbs_scroll.setFixedHeight(THUMB + 40)
        thumbs_scroll.hide()  # until a record with photos is shown
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail, 1)
        side_layout.addWidget(thumbs_scroll)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([1050, 450])
        head = QHBoxLayout()
        head.addWidget(self.count_label)
        head.addWidget(self.stale)
        head.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        self.shown_id: str | None = None

    # --- the table -----------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """Ask the source for the keys the filter selects; the table shows them when they come."""
        self.stale.hide()
        f = self.filters.current()
        self.count_label.setText("Searching…")
        self.lane.run(keys_op(f), "review log").on_success(lambda keys: self._keys(f, keys)).on_failure(
            self._failed
        )

    def _keys(self, f: LogFilter, keys: list[int]) -> None:
        if self.closed or f != self.filters.current():
            return  # a newer filter is on its way
        self.message.setText("")
        self.model.reset(keys)
        n = len(keys)
        self.count_label.setText(f"{n:,} record{'s' if n != 1 else ''}")
        self.keys_loaded.emit(n)

    def _request_block(self, generation: int, block: int, keys: list[int]) -> None:
        self.lane.run(rows_op(keys), "review rows").on_success(
            lambda rows: None if self.closed else self.model.block_loaded(generation, block, rows)
        ).on_failure(lambda exc: self._block_failed(generation, block, exc))

    def _block_failed(self, generation: int, block: int, exc: BaseException) -> None:
        if not self.closed:
            self.model.block_failed(generation, block)
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        log.warning("review: %s", exc, exc_info=exc)
        if not self.closed:
            self.message.setText(officer_message(exc))

    def mark_stale(self) -> None:
        """Records changed since the log was shown: offer a refresh (not forced: the supervisor may be reading)."""
        self.stale.show()

    # --- the detail pane -----------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _selected(self, selected: QItemSelection, _: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        row = self.model.row_at(rows[0].row())
        if row is not None:
            self.show_detail(row.id)

    def show_detail(self, inspection_id: str) -> None:
        self.lane.run(detail_op(inspection_id, self.data_dir), "review detail").on_success(
            self._show_detail
        ).on_failure(self._failed)

    def _show_detail(self, view: DetailView) -> None:
        if self.closed:
            return
        self.shown_id = view.detail.row.id
        self.detail.setPlainText(detail_text(view.detail, self.zone))
        while self.thumbs_layout.count() > 1:
            item = self.thumbs_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.thumbs_scroll.setVisible(bool(view.photos))
        for name, data in view.photos.items():
            label = plain(QLabel(name))
            label.setFixedSize(THUMB, THUMB)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setToolTip("")
            if data is not None:
                pixmap = QPixmap()
                if pixmap.loadFromData(data):
                    label.setPixmap(
                        pixmap.scaled(
                            THUMB,
                            THUMB,
                            Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    )
            self.thumbs_layout.insertWidget(self.thumbs_layout.count() - 1, label)
        self.detail_shown.emit(self.shown_id)
