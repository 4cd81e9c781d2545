"""The shift report PDF read back as text: totals, every seizure with its values, the lists, page numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from records_support import FakeClock
from report_support import DAY, current_in_window, make_history, pdf_pages, squeeze
from sync_support import make_bench

from workstation.core.records import InspectionDraft, Outcome, SeizedItem, SeizureDraft, Violation
from workstation.core.review import DEFAULT_SHIFTS
from workstation.core.review_report import ReportScope
from workstation.store.review_query import LocalReviewSource
from workstation.ui.report_pdf import money, write_shift_pdf
from workstation.ui.review_charts import outcome_label

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("small"), 900, seed=5, cache_items=400)


@pytest.fixture
def source(small: Path) -> Iterator[LocalReviewSource]:
    s = LocalReviewSource(small / "records.sqlite", small / "cache.sqlite", "BENCH-01", clock=lambda: NOW)
    yield s
    s.close()


def test_pdf_holds_the_totals_every_seizure_and_the_lists(
    qapp: object, source: LocalReviewSource, small: Path, tmp_path: Path
) -> None:
    out = tmp_path / "day.pdf"
    result = write_shift_pdf(
        source, day=DAY, shift=None, bench=None, zone=ZONE, out=out, facility="JFK IMF", now=NOW
    )
    pages = pdf_pages(out)
    assert result.pages == len(pages) >= 2
    text = squeeze("\n".join(pages))
    scope = ReportScope(day=DAY, zone=ZONE)
    f = scope.log_filter()
    counts = source.counts(f, ZONE)

    # The totals: what the source counts, and what plain SQL over the file counts.
    assert result.rows == counts.total == current_in_window(small / "records.sqlite", f) > 0
    assert f"Inspections {counts.total:,}" in text
    for outcome, n in counts.by_outcome.items():
        assert f"{outcome_label(outcome)} {n:,} (" in text, outcome
    assert f"Targeted items examined {counts.targeted_examined:,} of {counts.targeted:,}" in text
    assert "Facility JFK IMF" in text
    assert f"Date {DAY.isoformat()}" in text
    assert "Shift whole day" in text
    assert "Source this bench (not facility-wide)" in text

    # Every seizure on its own line, with its values and its countersign state.
    seizures = source.seizures(f)
    assert seizures
    assert f"Seizures {len(seizures):,}" in text
    assert f"total MSRP {money(sum(s.total_msrp for s in seizures))}" in text
    lines = text.splitlines()
    for s in seizures:
        (line,) = [ln for ln in lines if f" {s.tracking_id} " in f" {ln} "]
        assert money(s.total_msrp) in line
        assert money(s.total_domestic_value) in line
        assert s.bench_id in line
        assert s.at.astimezone(ZONE).strftime("%H:%M") in line
        if s.countersigned:
            assert "countersigned by" in line
        elif s.returned_reason:
            assert "returned:" in line
        else:
            assert "waiting" in line

    # Open detentions with their deadlines, the overdue ones marked.
    detentions = source.open_detentions()
    today = NOW.astimezone(ZONE).date()
    assert detentions
    for d in detentions:
        (line,) = [
            ln for ln in lines if f" {d.tracking_id} " in f" {ln} " and d.decision_due.isoformat() in ln
        ]
        assert d.notice_due.isoformat() in line
        assert ("OVERDUE" in line) == (d.overdue(today) is not None)

    # The reconciliation: every targeted item of the day no inspection covers.
    unexamined = source.unexamined(DAY, NOW, ZONE)
    assert unexamined, "the demo cache has targeted items nobody inspected"
    assert f"not examined ({len(unexamined):,})" in text
    for u in unexamined:
        (line,) = [ln for ln in lines if f" {u.tracking_id} " in f" {ln} "]
        days, rest = divmod(int(u.waited.total_seconds()) // 3600, 24)
        assert (f"{days} d {rest} h" if days else f"{rest} h") in line

    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page


def test_five_thousand_inspections_flow_over_pages_with_the_column_heads_repeated(
    qapp: object, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    data = make_history(tmp_path_factory.mktemp("big"), 9200, seed=11)
    source = LocalReviewSource(data / "records.sqlite", None, "BENCH-01")
    try:
        out = tmp_path / "day-shift.pdf"
        result = write_shift_pdf(
            source, day=DAY, shift=DEFAULT_SHIFTS[0], bench=None, zone=UTC, out=out, now=NOW
        )
        seizures = source.seizures(ReportScope(day=DAY, zone=UTC, shift=DEFAULT_SHIFTS[0]).log_filter())
    finally:
        source.close()
    assert result.rows >= 5000
    pages = pdf_pages(out)
    assert result.pages == len(pages) >= 6
    continued = [p for p in pages if "Seizures" in p and "(continued)" in p]
    assert len(continued) >= 3
    for page in continued:
        assert re.search(
            r"Tracking id +Officer +Bench +Time +Violation +Items +MSRP +Domestic +Countersign", page
        )
    text = "\n".join(pages)
    assert all(s.tracking_id in text for s in seizures)
    assert [f"Page {n} of {len(pages)}" in p for n, p in enumerate(pages, start=1)] == [True] * len(pages)
    assert "Shift day shift, 06:00 to 14:00" in squeeze(text)


def test_a_shift_across_midnight_and_one_bench(
    qapp: object, source: LocalReviewSource, tmp_path: Path
) -> None:
    night = DEFAULT_SHIFTS[2]
    out = tmp_path / "night.pdf"
    result = write_shift_pdf(
        source, day=DAY - timedelta(days=1), shift=night, bench="BENCH-02", zone=UTC, out=out, now=NOW
    )
    text = squeeze("\n".join(pdf_pages(out)))
    assert "night shift, 22:00 to 06:00 (2026-11-27)" in text
    assert "Bench bench BENCH-02" in text
    f = ReportScope(day=DAY - timedelta(days=1), zone=UTC, shift=night, bench="BENCH-02").log_filter()
    assert result.rows == len(source.log_keys(f))
    for s in source.seizures(f):
        assert s.bench_id == "BENCH-02"
        assert s.tracking_id in text


def test_a_folder_that_is_not_there_writes_nothing(
    qapp: object, source: LocalReviewSource, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        write_shift_pdf(
            source, day=DAY, shift=None, bench=None, zone=UTC, out=tmp_path / "no" / "r.pdf", now=NOW
        )
    assert list(tmp_path.iterdir()) == []


def test_text_from_records_is_drawn_as_the_characters_it_holds(
    qapp: object, data_dir: Path, tmp_path: Path
) -> None:
    bench = make_bench(data_dir, clock=FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC)))
    photo = bench.store.save_photo(bench.officer, b"\xff\xd8\xff\xe0a photo\xff\xd9")
    hostile = '<img src="file:///etc/passwd"><b>Eve</b> &amp; co\u202e\nline two'
    item = SeizedItem(hostile, 3, 10.0, 4.5)
    draft = SeizureDraft(Violation.TRADEMARK, "19 U.S.C. 1526(e)", (item,), "cage", (photo,))
    bench.store.save_seizure(bench.officer, InspectionDraft("RB123456785GB", Outcome.SEIZED), draft)
    bench.close()
    source = LocalReviewSource(data_dir / "records.sqlite", None, "B1")
    try:
        write_shift_pdf(source, day=DAY, shift=None, bench=None, zone=UTC, out=tmp_path / "r.pdf", now=NOW)
    finally:
        source.close()
    text = squeeze("\n".join(pdf_pages(tmp_path / "r.pdf")))
    # One line, every character as typed (markup not interpreted, entities not decoded); the
    # right-to-left override and the newline are spaces.
    assert '3 × <img src="file:///etc/passwd"><b>Eve</b> &amp; co line two 30.00 4.50' in text
    assert "\u202e" not in text
