"""The supervisor's charts (Qt Charts) from one `Counts`: for the window's Counts tab and the PDF.

Each builder takes a `Counts` and returns a new `QChart`; `chart_views` wraps them for the window,
`render_chart` paints one into any QPainter rectangle (a PDF page, an image). Qt Charts needs a
QApplication (not only a QGuiApplication): its charts are QGraphicsWidgets.

Qt Charts draws titles, axis labels, legends and slice labels as HTML. Labels from records
(officer names, bench ids, violations) are escaped (`_plain`) so they show as the characters they
are; titles are our own words and numbers.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QGraphicsScene, QWidget

from workstation.core.review import Counts
from workstation.ui.theme import BANNER_KINDS, FLASH_COLOURS, LANE_COLOURS

# Outcome colours follow the bench's lanes and banners: released is the green lane, a seizure the
# red one, a detention the warning yellow; the rest get quiet colours that still tell apart.
OUTCOME_COLOURS: dict[str, str] = {
    "released": LANE_COLOURS["green"],
    "duty_assessed": "#1565c0",
    "detained": BANNER_KINDS["warning"],
    "referred": BANNER_KINDS["unmanifested"],
    "seized": LANE_COLOURS["red"],
    "refused_returned": BANNER_KINDS["info"],
}
OUTCOME_ORDER = tuple(OUTCOME_COLOURS)
OUTCOME_LABELS = {
    "released": "released",
    "duty_assessed": "duty assessed",
    "detained": "detained",
    "referred": "referred",
    "seized": "seized",
    "refused_returned": "refused/returned",
}
BAR_COLOUR = "#455a64"
DEADLINE_COLOURS = {
    "overdue": FLASH_COLOURS["error"],
    "due in 2 days": FLASH_COLOURS["attention"],
    "later": FLASH_COLOURS["accept"],
}
EXAMINED_COLOUR = FLASH_COLOURS["accept"]
NOT_EXAMINED_COLOUR = FLASH_COLOURS["error"]
# The size a chart is laid out at before it is scaled into a rectangle: fonts and bars keep the
# proportions they have on screen whatever the target's resolution.
LAYOUT_SIZE = QSizeF(900, 420)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setPointSizeF(12)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _plain(text: str, limit: int = 40) -> str:
    """A label from outside data, safe for Qt Charts: one line, cut to `limit`, markup escaped.

    Qt Charts draws axis labels, legend entries and slice labels as HTML (a name "<b>x</b>" comes
    out bold, an "<img>" would load): escaping makes it show exactly the characters it holds.
    """
    one = " ".join(text.split())
    one = one if len(one) <= limit else one[: limit - 1] + "…"
    return html.escape(one, quote=False)


def _value_axis(top: int, ticks: int = 8) -> QValueAxis:
    axis = QValueAxis()
    # Whole counts only: a tick every 1, 2, 5, 10... so that labels stay integers.
    step, factors = 1, (2, 2.5, 2)  # 1, 2, 5, 10, 20, 50, 100...
    i = 0
    while top / step > ticks:
        step = int(step * factors[i % 3])
        i += 1
    axis.setRange(0, max(step, -(-top // step) * step))
    axis.setTickCount(int(axis.max() // step) + 1)
    axis.setLabelFormat("%d")
    return axis


def _hours(by_hour: Mapping[str, Mapping[str, int]]) -> list[str]:
    """The hour keys from the first to the last, hours without inspections included."""
    if not by_hour:
        return []
    keys = sorted(by_hour)
    try:
        first = datetime.strptime(keys[0], "%Y-%m-%dT%H")
        last = datetime.strptime(keys[-1], "%Y-%m-%dT%H")
    except ValueError:
        return keys
    out: list[str] = []
    at = first
    while at <= last and len(out) < 24 * 14:
        out.append(at.strftime("%Y-%m-%dT%H"))
        at += timedelta(hours=1)
    return sorted(set(out) | set(keys))


def _hour_label(key: str, days: int) -> str:
    # "14" alone when the chart covers one day; "29 14" (day of month, hour) across midnight.
    date_part, _, hour = key.partition("T")
    return f"{date_part[8:10]} {hour}h" if days > 1 else f"{hour}h"


def hourly_chart(counts: Counts) -> QChart:
    """Inspections per facility-local hour, stacked by outcome."""
    chart = _chart("Inspections per hour, by outcome")
    hours = _hours(counts.by_hour)
    outcomes = [o for o in OUTCOME_ORDER if any(o in counts.by_hour.get(h, {}) for h in hours)]
    outcomes += sorted({o for h in hours for o in counts.by_hour.get(h, {})} - set(outcomes))
    series = QStackedBarSeries()
    for outcome in outcomes:
        bar = QBarSet(_plain(outcome_label(outcome)))
        bar.setColor(QColor(OUTCOME_COLOURS.get(outcome, BAR_COLOUR)))
        bar.setBorderColor(QColor(OUTCOME_COLOURS.get(outcome, BAR_COLOUR)))
        for h in hours:
            bar.append(counts.by_hour.get(h, {}).get(outcome, 0))
        series.append(bar)
    series.setBarWidth(0.8)
    chart.addSeries(series)
    days = len({h[:10] for h in hours})
    categories = QBarCategoryAxis()
    categories.append([_plain(_hour_label(h, days)) for h in hours] or ["no inspections"])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(categories)
    top = max((sum(counts.by_hour.get(h, {}).values()) for h in hours), default=0)
    values = _value_axis(top, ticks=4)  # a wide, short chart: few labels up the side
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(values)
    chart.legend().setVisible(bool(outcomes))
    return chart


def top_n(values: Mapping[str, int], n: int) -> list[tuple[str, int]]:
    """The `n` largest, largest first (ties by name)."""
    return sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _top_title(what: str, values: Mapping[str, int], n: int) -> str:
    return f"{what} (top {n} of {len(values)})" if len(values) > n else what


def _horizontal(
    title: str, values: list[tuple[str, int]], colours: Mapping[str, str] | None = None
) -> QChart:
    chart = _chart(title)
    # Stacked, one set per colour, each holding its own categories' counts (0 elsewhere): bars in
    # several colours stay on their category line, where plain bar sets would sit side by side.
    series = QHorizontalStackedBarSeries()
    # Qt draws the first category at the bottom: reverse so the largest reads first, at the top.
    shown = list(reversed(values))
    colour_of = [(colours or {}).get(name, BAR_COLOUR) for name, _ in shown]
    for colour in dict.fromkeys(colour_of):
        bar = QBarSet(colour)
        bar.setColor(QColor(colour))
        bar.setBorderColor(QColor(colour))
        bar.setLabelColor(QColor("#ffffff"))
        for (_, count), c in zip(shown, colour_of, strict=True):
            bar.append(count if c == colour else 0)
        series.append(bar)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QHorizontalStackedBarSeries.LabelsPosition.LabelsInsideEnd)
    series.setBarWidth(0.7)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append([_plain(name) for name, _ in shown] or ["none"])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    values_axis = _value_axis(max((v for _, v in values), default=0))
    chart.addAxis(values_axis, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(values_axis)
    chart.legend().setVisible(False)
    return chart


def officer_chart(counts: Counts, top: int = 10) -> QChart:
    """Inspections per officer, the `top` busiest."""
    return _horizontal(
        _top_title("Inspections per officer", counts.by_officer, top), top_n(counts.by_officer, top)
    )


def bench_chart(counts: Counts, top: int = 12) -> QChart:
    """Inspections per bench."""
    return _horizontal(_top_title("Inspections per bench", counts.by_bench, top), top_n(counts.by_bench, top))


def violation_chart(counts: Counts, top: int = 10) -> QChart:
    """Seizures by violation."""
    labelled = {v.replace("_", " "): n for v, n in counts.seizures_by_violation.items()}
    return _horizontal(_top_title("Seizures by violation", labelled, top), top_n(labelled, top))


def detention_chart(counts: Counts) -> QChart:
    """Open detentions by their nearest deadline: overdue, due in 2 days, later."""
    order = [k for k in DEADLINE_COLOURS if k in counts.detentions_by_deadline]
    order += sorted(set(counts.detentions_by_deadline) - set(order))
    values = [(k, counts.detentions_by_deadline[k]) for k in order]
    return _horizontal("Open detentions by deadline", values, DEADLINE_COLOURS)


def targeted_share(counts: Counts) -> float | None:
    """The share of targeted items an inspection covers (0..1), or None when none was targeted."""
    if counts.targeted <= 0:
        return None
    return min(counts.targeted_examined, counts.targeted) / counts.targeted


def targeted_chart(counts: Counts) -> QChart:
    """The share of targeted items examined: a pie of examined and not examined."""
    share = targeted_share(counts)
    title = (
        "Targeted examined: none targeted"
        if share is None
        else f"Targeted examined: {counts.targeted_examined} of {counts.targeted} ({share:.0%})"
    )
    chart = _chart(title)
    series = QPieSeries()
    if share is not None:
        examined = min(counts.targeted_examined, counts.targeted)
        missing = counts.targeted - examined
        for label, value, colour in (
            (f"examined: {examined}", examined, EXAMINED_COLOUR),
            (f"not examined: {missing}", missing, NOT_EXAMINED_COLOUR),
        ):
            if value <= 0:
                continue
            pie = series.append(label, value)
            pie.setColor(QColor(colour))
            pie.setLabelVisible(True)
            pie.setLabelPosition(pie.LabelPosition.LabelOutside)
    series.setPieSize(0.7)
    chart.addSeries(series)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    build: Callable[[Counts], QChart]


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("hourly", "Per hour", hourly_chart),
    ChartSpec("targeted", "Targeted examined", targeted_chart),
    ChartSpec("officer", "Per officer", officer_chart),
    ChartSpec("bench", "Per bench", bench_chart),
    ChartSpec("violation", "Seizures by violation", violation_chart),
    ChartSpec("detention", "Detentions by deadline", detention_chart),
)


def build_charts(counts: Counts) -> dict[str, QChart]:
    """Every chart, keyed as in CHARTS, in that order."""
    return {spec.key: spec.build(counts) for spec in CHARTS}


def chart_views(counts: Counts, parent: QWidget | None = None) -> dict[str, QChartView]:
    """A QChartView per chart (keyed as in CHARTS), antialiased, for the window."""
    views: dict[str, QChartView] = {}
    for key, chart in build_charts(counts).items():
        view = QChartView(chart, parent)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setObjectName(f"chart_{key}")
        view.setMinimumSize(360, 240)
        views[key] = view
    return views


def refresh_views(views: Mapping[str, QChartView], counts: Counts) -> None:
    """Give the views of `chart_views` new charts for new counts (the old charts are deleted)."""
    specs = {spec.key: spec for spec in CHARTS}
    for key, view in views.items():
        old = view.chart()
        view.setChart(specs[key].build(counts))
        if old is not None:
            old.deleteLater()


def render_chart(chart: QChart, painter: QPainter, target: QRectF, layout_width: float | None = None) -> None:
    """Paint `chart` into `target` of `painter`'s device, laid out `layout_width` wide and scaled to fit.

    `layout_width` (default: LAYOUT_SIZE's) sets the type size: the chart's fonts are in the
    layout's pixels, so a wider layout draws smaller type. The chart goes into a throwaway scene
    for the painting and is deleted with it: build a new chart for each rendering.
    """
    width = layout_width or LAYOUT_SIZE.width()
    # Keep the target's shape: lay the chart out at `width` and the target's proportions.
    height = width * target.height() / target.width() if target.width() > 0 else LAYOUT_SIZE.height()
    scene = QGraphicsScene()
    scene.addItem(chart)
    chart.setPos(QPointF(0, 0))
    chart.resize(QSizeF(width, height))
    chart.setBackgroundVisible(False)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, target, QRectF(0, 0, width, height), Qt.AspectRatioMode.KeepAspectRatio)
    painter.restore()
    scene.clear()  # deletes the chart with its series and axes
