"""The supervisor's charts: what each one counts, hostile labels shown as text, painting into a rect."""

from __future__ import annotations

import html

from PySide6.QtCharts import QBarCategoryAxis, QChart, QPieSeries, QStackedBarSeries
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from workstation.core.review import Counts
from workstation.ui import review_charts as rc

HOSTILE = "<img src=x><b>Eve</b> & co"


def counts(**changes: object) -> Counts:
    base: dict[str, object] = {
        "total": 17,
        "by_hour": {
            "2026-11-28T22": {"released": 4, "seized": 1},
            "2026-11-29T01": {"released": 7, "detained": 2, "duty_assessed": 3},
        },
        "by_officer": {"Ann Lee (B100)": 9, HOSTILE: 5, "Bo Chan (B200)": 3},
        "by_bench": {"bench-1": 12, "bench-2": 5},
        "by_outcome": {"released": 11, "seized": 1, "detained": 2, "duty_assessed": 3},
        "seizures_by_violation": {"counterfeit": 1},
        "detentions_by_deadline": {"overdue": 1, "later": 1},
        "targeted": 8,
        "targeted_examined": 6,
    }
    base.update(changes)
    return Counts(**base)  # type: ignore[arg-type]


def categories(chart: QChart) -> list[str]:
    axes = [a for a in chart.axes() if isinstance(a, QBarCategoryAxis)]
    assert len(axes) == 1
    return list(axes[0].categories())


def test_hourly_chart_stacks_outcomes_and_fills_the_hours_between(qapp: object) -> None:
    chart = rc.hourly_chart(counts())
    # 22h, 23h, 00h, 01h: across midnight the day of month is shown too
    assert categories(chart) == ["28 22h", "28 23h", "29 00h", "29 01h"]
    (series,) = chart.series()
    assert isinstance(series, QStackedBarSeries)
    sets = {s.label(): [s.at(i) for i in range(s.count())] for s in series.barSets()}
    assert sets == {
        "released": [4, 0, 0, 7],
        "duty assessed": [0, 0, 0, 3],
        "detained": [0, 0, 0, 2],
        "seized": [1, 0, 0, 0],
    }
    colours = {s.label(): s.color().name() for s in series.barSets()}
    assert colours["seized"] == QColor(rc.OUTCOME_COLOURS["seized"]).name()


def test_officer_chart_escapes_names_and_lists_the_busiest_first(qapp: object) -> None:
    chart = rc.officer_chart(counts(), top=10)
    assert chart.title() == "Inspections per officer"
    # Qt draws the first category at the bottom: the busiest officer is the last (the top bar)
    assert categories(chart) == ["Bo Chan (B200)", html.escape(HOSTILE, quote=False), "Ann Lee (B100)"]


def test_top_n_keeps_the_busiest_and_the_title_says_of_how_many(qapp: object) -> None:
    values = {f"o{i}": i for i in range(1, 13)} | {"a": 10}
    assert rc.top_n(values, 4) == [("o12", 12), ("o11", 11), ("a", 10), ("o10", 10)]
    chart = rc.officer_chart(counts(by_officer=values), top=4)
    assert chart.title() == "Inspections per officer (top 4 of 13)"
    assert categories(chart) == ["o10", "a", "o11", "o12"]


def test_targeted_share_pie_and_title(qapp: object) -> None:
    chart = rc.targeted_chart(counts())
    assert chart.title() == "Targeted examined: 6 of 8 (75%)"
    (pie,) = chart.series()
    assert isinstance(pie, QPieSeries)
    assert [(s.label(), s.value()) for s in pie.slices()] == [("examined: 6", 6), ("not examined: 2", 2)]
    none = rc.targeted_chart(counts(targeted=0, targeted_examined=0))
    assert none.title() == "Targeted examined: none targeted"
    assert rc.targeted_share(counts(targeted=0)) is None


def test_detention_chart_colours_overdue_red(qapp: object) -> None:
    chart = rc.detention_chart(counts())
    assert categories(chart) == ["later", "overdue"]
    (series,) = chart.series()
    by_colour = {s.color().name(): [s.at(i) for i in range(s.count())] for s in series.barSets()}
    assert by_colour[QColor(rc.DEADLINE_COLOURS["overdue"]).name()] == [0, 1]
    assert by_colour[QColor(rc.DEADLINE_COLOURS["later"]).name()] == [1, 0]


def test_empty_counts_build_every_chart(qapp: object) -> None:
    empty = Counts(0, {}, {}, {}, {}, {}, {}, 0, 0)
    charts = rc.build_charts(empty)
    assert list(charts) == [spec.key for spec in rc.CHARTS]
    assert categories(charts["hourly"]) == ["no inspections"]


def test_render_chart_paints_inside_the_target_only(qapp: object) -> None:
    image = QImage(600, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    rc.render_chart(rc.hourly_chart(counts()), painter, QRectF(300, 0, 300, 200))
    painter.end()
    white = QColor("white").rgb()
    inside = sum(image.pixel(x, y) != white for x in range(300, 600, 3) for y in range(0, 200, 3))
    outside = sum(image.pixel(x, y) != white for x in range(0, 290, 3) for y in range(0, 400, 3))
    assert inside > 500
    assert outside == 0
    # the released bars are there, in the released colour
    green = QColor(rc.OUTCOME_COLOURS["released"]).rgb()
    assert any(image.pixel(x, y) == green for x in range(300, 600) for y in range(0, 200))


def test_chart_views_refresh_with_new_counts(qtbot: QtBot) -> None:
    views = rc.chart_views(counts())
    for view in views.values():
        qtbot.addWidget(view)
    assert set(views) == {spec.key for spec in rc.CHARTS}
    rc.refresh_views(views, counts(targeted=4, targeted_examined=4))
    assert views["targeted"].chart().title() == "Targeted examined: 4 of 4 (100%)"
