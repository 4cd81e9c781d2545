"""The shift report as a PDF, drawn with Qt's own QPdfWriter.

Header (facility, day, shift, bench, source, when), summary counts, the charts, then the lists:
seizures with their values and countersign state, open detentions with their deadlines (overdue
ones marked), and the reconciliation (targeted items no inspection covers, with how long each has
waited). Tables flow over as many pages as they need, their column heads repeated; every page says
"Page n of N": the whole report is laid out first, then painted, so N is known.

Everything from records is drawn with drawText as plain characters (never rich text), one line a
cell, cut with an ellipsis where it does not fit.
"""

from __future__ import annotations

import os
import sys
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen
from PySide6.QtWidgets import QApplication

from workstation.core.review import (
    Counts,
    OpenDetention,
    ReviewSource,
    SeizureRef,
    ShiftWindow,
    SourceInfo,
    Unexamined,
)
from workstation.core.review_report import ReportResult, ReportScope, atomic_output
from workstation.ui.review_charts import (
    bench_chart,
    detention_chart,
    hourly_chart,
    officer_chart,
    outcome_label,
    render_chart,
    targeted_chart,
    targeted_share,
    violation_chart,
)

PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
DPI = 300
FAMILY = "DejaVu Sans"
INK = QColor("#212121")
MUTED = QColor("#607d8b")
ALERT = QColor("#c62828")
RULE = QColor("#b0bec5")
STRIPE = QColor("#eceff1")

MAX_CELL = 500  # characters of one cell that are measured and drawn; no line holds more
Op = Callable[[QPainter], object]


def ensure_app() -> QApplication:
    """The QApplication Qt Charts needs; one is made (offscreen when there is no display) if none runs."""
    app = QApplication.instance()
    if app is None:
        no_display = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
        if sys.platform.startswith("linux") and no_display and not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a report from a terminal or a timer job
        app = QApplication(["workstation"])
    if not isinstance(app, QApplication):
        raise RuntimeError("the report's charts need a QApplication, and a QGuiApplication is running")
    return app


def plain(text: object) -> str:
    """Outside text on one line: control and format characters (newlines, bidi overrides) as spaces."""
    s = str(text)[:MAX_CELL]
    return " ".join("".join(ch if ch.isprintable() else " " for ch in s).split())


def money(value: float) -> str:
    return f"{value:,.2f}"


def waited_text(waited: timedelta) -> str:
    hours = int(waited.total_seconds() // 3600)
    days, hours = divmod(max(hours, 0), 24)
    return f"{days} d {hours} h" if days else f"{hours} h"


@dataclass(frozen=True)
class Column:
    title: str
    right: bool = False
    # May be cut (with an ellipsis) when the row is wider than the page: names and free text,
    # never an id, a date or a value.
    cut: bool = False


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    alert: frozenset[int] = frozenset()  # columns drawn in the alert colour: overdue, waiting


def fit_widths(natural: Sequence[float], total: float, cuttable: Sequence[bool]) -> list[float]:
    """Column widths for `total`: each its natural width when all fit (the room left shared out);
    else the columns that may not be cut whole, and the cuttable ones sharing what is left, the
    narrow among them whole and the wide ones in proportion to their natural widths."""
    n = len(natural)
    if sum(natural) <= total:
        extra = (total - sum(natural)) / n
        return [w + extra for w in natural]
    widths = list(natural)
    wide = {i for i in range(n) if cuttable[i]}
    room = total - sum(natural[i] for i in range(n) if not cuttable[i])
    while wide:
        share = room / len(wide)
        narrow = {i for i in wide if natural[i] <= share}
        if not narrow:
            break
        room -= sum(natural[i] for i in narrow)
        wide -= narrow
    weight = sum(natural[i] for i in wide)
    for i in wide:
        widths[i] = max(room, 0.0) * natural[i] / weight
    return widths


class _Layout:
    """Lays the report out into pages of paint operations; `paint` draws them once N is known."""

    def __init__(self, writer: QPdfWriter, running_head: str, footer: str) -> None:
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        self.device = writer
        self.width = float(rect.width())
        self.height = float(rect.height())
        self.running_head = running_head
        self.footer = footer
        self.small = self.font(7.5)
        self.body = self.font(9)
        self.cell = self.font(7.5)
        self.cell_bold = self.font(7.5, bold=True)
        self.h1 = self.font(16, bold=True)
        self.h2 = self.font(11.5, bold=True)
        self.pages: list[list[Op]] = []
        self.top = self.line(self.small) * 2.2
        self.bottom = self.height - self.line(self.small) * 2.2
        self.y = self.top
        self.new_page()

    # --- measuring -------------------------------------------------------------------------

    def font(self, points: float, *, bold: bool = False) -> QFont:
        f = QFont(FAMILY)
        f.setPointSizeF(points)
        f.setBold(bold)
        # No ligatures: "ffi" in "Officer" or "Jeffrey" would be one glyph, and the PDF's text
        # (search, copy, pdftotext) would not hold the letters.
        for tag in ("liga", "clig"):
            f.setFeature(QFont.Tag(tag), 0)
        return f

    def metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.device)

    def line(self, font: QFont) -> float:
        return self.metrics(font).height()

    def fit(self, font: QFont, text: str, width: float) -> str:
        return self.metrics(font).elidedText(plain(text), Qt.TextElideMode.ElideRight, max(width, 1.0))

    # --- pages -----------------------------------------------------------------------------

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.top

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` still fits on this one."""
        if self.y + height > self.bottom and self.y > self.top:
            self.new_page()

    def add(self, op: Op) -> None:
        self.pages[-1].append(op)

    def text(
        self,
        font: QFont,
        text: str,
        *,
        colour: QColor = INK,
        x: float = 0.0,
        width: float | None = None,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        advance: bool = True,
    ) -> None:
        w = (self.width - x) if width is None else width
        h = self.line(font)
        shown = self.fit(font, text, w)
        rect = QRectF(x, self.y, w, h)
        flags = align | Qt.AlignmentFlag.AlignVCenter

        def op(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(rect, int(flags), shown)

        self.add(op)
        if advance:
            self.y += h

    def gap(self, lines: float = 0.6) -> None:
        self.y += self.line(self.body) * lines

    def heading(self, text: str, *, keep: float = 0.0) -> None:
        """A section title, moved to the next page with `keep` of what follows when that would not fit."""
        h = self.line(self.h2) * 1.5
        self.ensure(h + keep)
        self.y += self.line(self.h2) * 0.3
        self.text(self.h2, text)
        y = self.y + self.line(self.h2) * 0.1
        width = self.width
        self.add(lambda p: (p.setPen(QPen(RULE, 3)), p.drawLine(QPointF(0, y), QPointF(width, y))))
        self.y += self.line(self.h2) * 0.2

    def pairs(
        self, rows: Sequence[tuple[str, str, bool]], x: float, width: float, label_share: float = 0.55
    ) -> float:
        """Label and value lines at `x`, `label_share` of `width` for the labels (not advancing); returns their height."""
        y0 = self.y
        label_w = width * label_share
        for label, value, alert in rows:
            self.text(self.body, label, colour=MUTED, x=x, width=label_w, advance=False)
            self.text(self.body, value, colour=ALERT if alert else INK, x=x + label_w, width=width - label_w)
        height = self.y - y0
        self.y = y0
        return height

    def table(self, title: str, columns: Sequence[Column], rows: Sequence[Row], empty: str) -> None:
        row_h = self.line(self.cell) * 1.45
        self.heading(title, keep=row_h * 3)
        if not rows:
            self.text(self.body, empty, colour=MUTED)
            return
        widths = self._widths(columns, rows)
        self._table_head(columns, widths, row_h)
        for i, row in enumerate(rows):
            if self.y + row_h > self.bottom:
                self.new_page()
                self.text(self.body, f"{title} (continued)", colour=MUTED)
                self._table_head(columns, widths, row_h)
            self._table_row(columns, widths, row, row_h, stripe=i % 2 == 1)

    def _widths(self, columns: Sequence[Column], rows: Sequence[Row]) -> list[float]:
        pad = self.line(self.cell) * 0.6
        head = self.metrics(self.cell_bold)
        cell = self.metrics(self.cell)
        natural = [head.horizontalAdvance(c.title) + pad for c in columns]
        bold = self.metrics(self.cell_bold)
        for row in rows:
            for i, text in enumerate(row.cells):
                metrics = bold if i in row.alert else cell  # alert cells are drawn bold
                natural[i] = max(natural[i], metrics.horizontalAdvance(plain(text)) + pad)
        # No column, cut or not, takes more than 40% of the line (an id from outside data may be anything).
        natural = [min(w, self.width * 0.4) for w in natural]
        return fit_widths(natural, self.width, [c.cut for c in columns])

    def _table_head(self, columns: Sequence[Column], widths: Sequence[float], row_h: float) -> None:
        self._cells(columns, widths, [c.title for c in columns], row_h, self.cell_bold, MUTED, frozenset())
        y = self.y
        width = self.width
        self.add(lambda p: (p.setPen(QPen(RULE, 2)), p.drawLine(QPointF(0, y), QPointF(width, y))))

    def _table_row(
        self, columns: Sequence[Column], widths: Sequence[float], row: Row, row_h: float, *, stripe: bool
    ) -> None:
        if stripe:
            band = QRectF(0, self.y, self.width, row_h)
            self.add(lambda p: p.fillRect(band, STRIPE))
        self._cells(columns, widths, row.cells, row_h, self.cell, INK, row.alert)

    def _cells(
        self,
        columns: Sequence[Column],
        widths: Sequence[float],
        cells: Sequence[str],
        row_h: float,
        font: QFont,
        colour: QColor,
        alert: frozenset[int],
    ) -> None:
        pad = self.line(font) * 0.3
        x = 0.0
        bold = QFont(font)
        bold.setBold(True)
        drawn: list[tuple[QRectF, int, str, bool]] = []
        for i, (column, width, cell) in enumerate(zip(columns, widths, cells, strict=True)):
            align = Qt.AlignmentFlag.AlignRight if column.right else Qt.AlignmentFlag.AlignLeft
            rect = QRectF(x + pad, self.y, width - 2 * pad, row_h)
            flags = int(align | Qt.AlignmentFlag.AlignVCenter)
            shown = self.fit(bold if i in alert else font, cell, width - 2 * pad)
            drawn.append((rect, flags, shown, i in alert))
            x += width

        def op(p: QPainter) -> None:
            for rect, flags, text, red in drawn:
                p.setFont(bold if red else font)
                p.setPen(ALERT if red else colour)
                p.drawText(rect, flags, text)

        self.add(op)
        self.y += row_h

    def chart(self, build: Callable[[Counts], Any], counts: Counts, rect: QRectF) -> None:
        # The chart is built when painted: render_chart consumes it.
        # Laid out at about screen size for the rectangle's width on paper: the type stays readable.
        layout_width = max(rect.width() * 96 / DPI * 1.25, 560.0)
        self.add(lambda p: render_chart(build(counts), p, rect, layout_width))

    # --- painting --------------------------------------------------------------------------

    def paint(self, writer: QPdfWriter, painter: QPainter) -> int:
        n = len(self.pages)
        for i, ops in enumerate(self.pages):
            if i:
                writer.newPage()
            for op in ops:
                op(painter)
            self._frame(painter, i + 1, n)
        return n

    def _frame(self, p: QPainter, page: int, pages: int) -> None:
        h = self.line(self.small)
        p.setFont(self.small)
        p.setPen(MUTED)
        p.drawText(
            QRectF(0, 0, self.width, h),
            int(Qt.AlignmentFlag.AlignLeft),
            self.fit(self.small, self.running_head, self.width),
        )
        p.setPen(QPen(RULE, 2))
        p.drawLine(QPointF(0, h * 1.4), QPointF(self.width, h * 1.4))
        foot_y = self.height - h
        p.drawLine(QPointF(0, foot_y - h * 0.4), QPointF(self.width, foot_y - h * 0.4))
        p.setPen(MUTED)
        p.drawText(
            QRectF(0, foot_y, self.width * 0.75, h),
            int(Qt.AlignmentFlag.AlignLeft),
            self.fit(self.small, self.footer, self.width * 0.75),
        )
        p.drawText(
            QRectF(self.width * 0.75, foot_y, self.width * 0.25, h),
            int(Qt.AlignmentFlag.AlignRight),
            f"Page {page} of {pages}",
        )


# --- what the report shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftReport:
    """Everything the report draws, read from the source once."""

    scope: ReportScope
    info: SourceInfo
    now: datetime
    counts: Counts
    seizures: list[SeizureRef]
    detentions: list[OpenDetention]
    unexamined: list[Unexamined]

    @property
    def today(self) -> date:
        return self.now.astimezone(self.scope.zone).date()


def read_report(source: ReviewSource, scope: ReportScope, now: datetime) -> ShiftReport:
    f = scope.log_filter()
    seizures = source.seizures(f)
    detentions = [d for d in source.open_detentions() if scope.bench is None or d.bench_id == scope.bench]
    return ShiftReport(
        scope=scope,
        info=source.info,
        now=now,
        counts=source.counts(f, scope.zone),
        seizures=seizures,
        detentions=detentions,
        unexamined=source.unexamined(scope.day, now, scope.zone),
    )


def _local(at: datetime, report: ShiftReport) -> str:
    local = at.astimezone(report.scope.zone)
    return f"{local:%H:%M}" if local.date() == report.scope.day else f"{local:%m-%d %H:%M}"


def _countersign_cell(s: SeizureRef, report: ShiftReport) -> tuple[str, bool]:
    if s.countersigned:
        return f"countersigned by {s.countersigned_by or 'a supervisor'}", False
    if s.returned_reason:
        return f"returned: {s.returned_reason}", True
    return "waiting", True


def _items_cell(s: SeizureRef) -> str:
    if not s.items:
        return ""
    units = sum(int(i.get("quantity", 0) or 0) for i in s.items)
    first = plain(s.items[0].get("description", ""))
    more = f" +{len(s.items) - 1}" if len(s.items) > 1 else ""
    return f"{units} × {first}{more}" if units else f"{first}{more}"


SEIZURE_COLUMNS = (
    Column("Tracking id"),
    Column("Officer", cut=True),
    Column("Bench", cut=True),
    Column("Time"),
    Column("Violation", cut=True),
    Column("Items", cut=True),
    Column("MSRP", right=True),
    Column("Domestic", right=True),
    Column("Countersign", cut=True),
)
DETENTION_COLUMNS = (
    Column("Tracking id"),
    Column("Officer", cut=True),
    Column("Bench", cut=True),
    Column("Detained"),
    Column("Notice due"),
    Column("Decision due"),
    Column("Overdue"),
    Column("Reason", cut=True),
)
UNEXAMINED_COLUMNS = (
    Column("Tracking id"),
    Column("Arrived"),
    Column("Waited", right=True),
    Column("Lane"),
    Column("Score", right=True),
    Column("Why targeted", cut=True),
)


def seizure_rows(report: ShiftReport) -> list[Row]:
    rows = []
    for s in report.seizures:
        state, alert = _countersign_cell(s, report)
        rows.append(
            Row(
                (
                    s.tracking_id,
                    f"{s.officer_name} ({s.officer_badge})",
                    s.bench_id,
                    _local(s.at, report),
                    s.violation.replace("_", " "),
                    _items_cell(s),
                    money(s.total_msrp),
                    money(s.total_domestic_value),
                    state,
                ),
                alert=frozenset({8}) if alert else frozenset(),
            )
        )
    return rows


def detention_rows(report: ShiftReport) -> list[Row]:
    rows = []
    for d in report.detentions:
        overdue = d.overdue(report.today)
        rows.append(
            Row(
                (
                    d.tracking_id,
                    d.officer_name,
                    d.bench_id,
                    d.detained_on.isoformat(),
                    d.notice_due.isoformat(),
                    d.decision_due.isoformat(),
                    f"OVERDUE: {overdue}" if overdue else "",
                    d.reason,
                ),
                alert=frozenset({0, 6}) if overdue else frozenset(),
            )
        )
    return rows


def unexamined_rows(report: ShiftReport) -> list[Row]:
    return [
        Row(
            (
                u.tracking_id,
                u.arrival_date.isoformat(),
                waited_text(u.waited),
                u.lane,
                str(u.score),
                u.target_reason,
            ),
            alert=frozenset({2}),
        )
        for u in report.unexamined
    ]


def summary_lines(report: ShiftReport) -> tuple[list[tuple[str, str, bool]], list[tuple[str, str, bool]]]:
    """The summary's two columns: inspections by outcome; targeted, seizures, detentions."""
    c = report.counts
    left: list[tuple[str, str, bool]] = [("Inspections", f"{c.total:,}", False)]
    for outcome, n in sorted(c.by_outcome.items(), key=lambda kv: (-kv[1], kv[0])):
        part = f" ({n / c.total:.0%})" if c.total else ""
        left.append((f"  {outcome_label(plain(outcome))}", f"{n:,}{part}", False))
    share = targeted_share(c)
    waiting = sum(1 for s in report.seizures if not s.countersigned)
    overdue = sum(1 for d in report.detentions if d.overdue(report.today))
    right: list[tuple[str, str, bool]] = [
        (
            "Targeted items examined",
            "none targeted" if share is None else f"{c.targeted_examined:,} of {c.targeted:,} ({share:.0%})",
            share is not None and share < 1,
        ),
        ("Targeted, not examined (day)", f"{len(report.unexamined):,}", bool(report.unexamined)),
        ("Seizures", f"{len(report.seizures):,}", False),
        ("  waiting for a countersign", f"{waiting:,}", waiting > 0),
        ("  total MSRP", money(sum(s.total_msrp for s in report.seizures)), False),
        ("  total domestic value", money(sum(s.total_domestic_value for s in report.seizures)), False),
        ("Open detentions, all days", f"{len(report.detentions):,}", False),
        ("  past a deadline", f"{overdue:,}", overdue > 0),
    ]
    return left, right


def _zone_name(at: datetime) -> str:
    return at.tzname() or at.strftime("%z")


def lay_out(layout: _Layout, report: ShiftReport, title: str, facility: str) -> None:
    scope = report.scope
    layout.text(layout.h1, title)
    layout.gap(0.3)
    generated = report.now.astimezone(scope.zone)
    source = report.info.name + ("" if report.info.facility_wide else " (not facility-wide)")
    header = [
        ("Facility", facility or "(not named in the config)", False),
        ("Date", scope.day.isoformat(), False),
        ("Shift", scope.shift_text(), False),
        ("Bench", scope.bench_text(), False),
        ("Source", source, not report.info.facility_wide),
        ("Generated", f"{generated:%Y-%m-%d %H:%M} {_zone_name(generated)}", False),
    ]
    left, right = summary_lines(report)
    # Landscape: the header and the summary's two columns side by side, then the charts.
    third = layout.width / 3
    layout.heading("Summary", keep=layout.line(layout.body) * max(len(header), len(left), len(right)))
    used = max(
        layout.pairs(header, 0, third * 0.95, label_share=0.28),
        layout.pairs(left, third * 1.02, third * 0.75, label_share=0.6),
        layout.pairs(right, third * 1.85, third * 1.15, label_share=0.6),
    )
    layout.y += used
    if report.info.problem:
        layout.text(layout.body, f"Hub not used: {report.info.problem}", colour=ALERT)

    gap = layout.width * 0.02
    full = QRectF(0, 0, layout.width, layout.width * 0.18)
    half_w = (layout.width - gap) / 2
    half_h = half_w * 0.5
    layout.heading("Charts", keep=full.height())
    layout.chart(hourly_chart, report.counts, full.translated(0, layout.y))
    layout.y += full.height() + gap / 2
    rows: list[list[Callable[[Counts], Any]]] = [
        [targeted_chart, officer_chart],
        [bench_chart, violation_chart],
        [detention_chart],
    ]
    for charts in rows:
        layout.ensure(half_h)
        for i, build in enumerate(charts):
            layout.chart(build, report.counts, QRectF(i * (half_w + gap), layout.y, half_w, half_h))
        layout.y += half_h + gap / 2

    layout.table(
        f"Seizures ({len(report.seizures):,})",
        SEIZURE_COLUMNS,
        seizure_rows(report),
        "No seizures in this shift.",
    )
    layout.gap()
    layout.table(
        f"Open detentions ({len(report.detentions):,}), deadlines as of {report.today.isoformat()}",
        DETENTION_COLUMNS,
        detention_rows(report),
        "No open detentions.",
    )
    layout.gap()
    layout.table(
        f"Reconciliation: targeted, arrived {scope.day.isoformat()}, "
        f"not examined ({len(report.unexamined):,}), oldest first",
        UNEXAMINED_COLUMNS,
        unexamined_rows(report),
        "Every item targeted that day was examined.",
    )


def write_report_pdf(
    report: ShiftReport, out: Path, *, title: str = "Shift report", facility: str = "", page_size: str = "A4"
) -> int:
    """Draw `report` into `out` (atomically); returns the number of pages."""
    ensure_app()
    scope = report.scope
    running_head = f"{title} · {facility or 'facility'} · {scope.day.isoformat()} · {scope.shift_text()} · {scope.bench_text()}"
    footer = f"{report.info.name} · generated {report.now.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    with atomic_output(out) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setPageLayout(
            QPageLayout(
                QPageSize(PAGE_SIZES[page_size]),
                QPageLayout.Orientation.Landscape,
                QMarginsF(14, 12, 14, 12),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setResolution(DPI)
        writer.setTitle(plain(f"{title}: {scope.day.isoformat()} {scope.shift_text()}"))
        writer.setCreator("Inspection Workstation")
        layout = _Layout(writer, running_head, footer)
        lay_out(layout, report, title, facility)
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot write the PDF {out}")
        try:
            pages = layout.paint(writer, painter)
        finally:
            painter.end()
    return pages


def write_shift_pdf(
    source: ReviewSource,
    *,
    day: date,
    shift: ShiftWindow | None,
    bench: str | None,
    zone: tzinfo,
    out: Path,
    title: str = "Shift report",
    facility: str = "",
    page_size: str = "A4",
    now: datetime | None = None,
) -> ReportResult:
    """The shift report of `day` (and `shift`, `bench`) from `source` as a PDF at `out`."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r}: expected one of {', '.join(PAGE_SIZES)}")
    began = clock.perf_counter()
    scope = ReportScope(day=day, zone=zone, shift=shift, bench=bench)
    report = read_report(source, scope, now or datetime.now(UTC))
    pages = write_report_pdf(report, out, title=title, facility=facility, page_size=page_size)
    return ReportResult(pages=pages, rows=report.counts.total, seconds=clock.perf_counter() - began)
