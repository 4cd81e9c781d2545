"""The shift log over a written history of 20,000 records agrees with a plain reading of every row."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from workstation.core.review import LogFilter, day_span
from workstation.core.services.records import iso
from workstation.store.db import CACHE_FILE, RECORDS_FILE
from workstation.store.demo_history import HistoryResult, write_history, write_targeted_cache
from workstation.store.records import RecordsStore
from workstation.store.review_query import LocalReviewSource

FIRST = date(2026, 3, 1)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HistoryResult]:
    folder = tmp_path_factory.mktemp("history")
    result = write_history(folder / RECORDS_FILE, 20_000, days=7, seed=5, benches=4, officers=12, start=FIRST)
    return folder / RECORDS_FILE, result


@pytest.fixture
def source(written: tuple[Path, HistoryResult]) -> Iterator[LocalReviewSource]:
    src = LocalReviewSource(written[0], None, "B1")
    yield src
    src.close()


def every_row(path: Path) -> list[dict[str, Any]]:
    """Each inspection with what the filters look at, computed in Python from the raw tables."""
    with sqlite3.connect(str(path)) as conn:
        rows = conn.execute(
            "SELECT rowid, id, tracking_id, barcode, at, officer_badge, bench_id, outcome, risk_lane, targeted, "
            "supersedes FROM inspections"
        ).fetchall()
        superseded = {
            r[0] for r in conn.execute("SELECT supersedes FROM inspections WHERE supersedes IS NOT NULL")
        }
        voided = {r[0] for r in conn.execute("SELECT inspection_id FROM voids")}
        seized = {r[0] for r in conn.execute("SELECT id FROM seizures")}
        detained = {r[0] for r in conn.execute("SELECT id FROM detentions")}
    out = []
    for key, id_, tid, barcode, at, badge, bench, outcome, lane, targeted, _ in rows:
        if id_ in superseded or id_ in voided:
            continue
        out.append(
            dict(key=key, id=id_, tracking_id=tid, barcode=barcode, at=at, officer=badge, bench=bench,
                 outcome=outcome, lane=lane, targeted=bool(targeted), seizure=id_ in seized,
                 detention=id_ in detained)
        )  # fmt: skip
    return out


def expected_keys(rows: list[dict[str, Any]], f: LogFilter) -> list[int]:
    def keep(r: dict[str, Any]) -> bool:
        if f.start is not None and r["at"] < iso(f.start):
            return False
        if f.end is not None and r["at"] >= iso(f.end):
            return False
        for name in ("officer", "bench", "outcome", "lane", "targeted", "seizure", "detention"):
            wanted = getattr(f, name)
            if wanted is not None and r[name] != wanted:
                return False
        return f.search is None or f.search in (r["tracking_id"], r["barcode"])

    return [r["key"] for r in sorted(filter(keep, rows), key=lambda r: r["at"], reverse=True)]


def test_the_history_is_a_records_file_the_bench_opens(written: tuple[Path, HistoryResult]) -> None:
    path, result = written
    assert result.inspections == 20_000 + result.corrections
    assert result.seizures > 500
    assert result.detentions > 500
    assert result.corrections > 50
    assert result.voids > 10
    assert result.countersigned > 100
    assert result.returned > 0
    store = RecordsStore.open(path.parent)
    try:
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        officers = {r[0] for r in store.conn.execute("SELECT badge FROM officers")}
        assert set(result.officers) | set(result.supervisors) <= officers
        assert store.conn.execute("SELECT min(at) >= ?, max(at) < ? FROM inspections", (
            iso(datetime.combine(FIRST, datetime.min.time(), UTC)),
            iso(datetime.combine(FIRST + timedelta(days=8), datetime.min.time(), UTC)),
        )).fetchone() == (1, 1)  # fmt: skip
    finally:
        store.close()


def test_filters_agree_with_every_row_read_plainly(
    written: tuple[Path, HistoryResult], source: LocalReviewSource
) -> None:
    path, result = written
    rows = every_row(path)
    start, end = day_span(FIRST + timedelta(days=3), UTC)
    day = LogFilter(start=start, end=end)
    fedex = next(r for r in rows if r["barcode"] and len(r["barcode"]) == 34)
    filters = [
        LogFilter(),
        day,
        replace(day, officer=result.officers[0]),
        replace(day, bench=result.benches[1]),
        replace(day, outcome="referred"),
        replace(day, lane="red"),
        replace(day, targeted=True),
        replace(day, seizure=True),
        replace(day, seizure=False, detention=False),
        replace(day, detention=True, officer=result.officers[2]),
        LogFilter(outcome="seized", targeted=True, lane="red"),
        LogFilter(search=fedex["tracking_id"]),
    ]
    for f in filters:
        keys = source.log_keys(f)
        assert keys == expected_keys(rows, f), f
        assert keys or f.outcome == "referred"
    # The 34-digit barcode finds the record whose tracking id is its last 12 digits.
    assert source.log_keys(LogFilter(search=fedex["barcode"])) == [fedex["key"]]


def test_counts_add_up(written: tuple[Path, HistoryResult], source: LocalReviewSource) -> None:
    start, end = day_span(FIRST + timedelta(days=1), UTC)
    f = LogFilter(start=start, end=end)
    counts = source.counts(f, UTC)
    keys = source.log_keys(f)
    assert counts.total == len(keys)
    assert sum(counts.by_outcome.values()) == sum(counts.by_officer.values()) == sum(counts.by_bench.values())
    assert sum(sum(v.values()) for v in counts.by_hour.values()) == len(keys)
    assert set(counts.by_hour) <= {f"{(FIRST + timedelta(days=1)).isoformat()}T{h:02d}" for h in range(24)}
    assert sum(counts.seizures_by_violation.values()) == len(source.log_keys(replace(f, seizure=True)))
    assert (
        counts.targeted
        == counts.targeted_examined
        == len({r.tracking_id for r in source.log_rows(source.log_keys(replace(f, targeted=True)))})
    )


def test_rows_fetched_by_key_in_blocks(
    written: tuple[Path, HistoryResult], source: LocalReviewSource
) -> None:
    keys = source.log_keys(LogFilter())
    block = keys[5000:6200]  # more than one chunk of the IN list
    rows = source.log_rows(block)
    assert [r.key for r in rows] == block
    assert all(rows[n].at >= rows[n + 1].at for n in range(len(rows) - 1))


@pytest.mark.parametrize("zone_name", ["Asia/Kolkata", "America/New_York"])  # +05:30; -05:00
def test_hours_are_the_zones_local_hours(
    written: tuple[Path, HistoryResult], source: LocalReviewSource, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    start, end = day_span(FIRST + timedelta(days=2), zone)
    f = LogFilter(start=start, end=end)
    expected: dict[str, dict[str, int]] = {}
    for r in every_row(written[0]):
        if iso(start) <= r["at"] < iso(end):
            hour = datetime.fromisoformat(r["at"]).astimezone(zone).strftime("%Y-%m-%dT%H")
            per = expected.setdefault(hour, {})
            per[r["outcome"]] = per.get(r["outcome"], 0) + 1
    assert source.counts(f, zone).by_hour == dict(sorted(expected.items()))


def test_reconciliation_at_volume(tmp_path: Path) -> None:
    records = tmp_path / RECORDS_FILE
    write_history(records, 6_000, days=3, seed=9, officers=8, start=FIRST)
    made = write_targeted_cache(tmp_path, records, unexamined_per_day=700)
    assert made.days in (3, 4)  # a correction made after midnight on the last day adds a day
    assert made.unexamined == made.days * 700
    day = FIRST + timedelta(days=1)
    with sqlite3.connect(str(tmp_path / CACHE_FILE)) as cache:
        targeted = {
            r[0]
            for r in cache.execute(
                "SELECT i.tracking_id FROM items i JOIN risk r ON r.tracking_id = i.tracking_id "
                "WHERE r.targeted = 1 AND i.arrival_date = ?",
                (day.isoformat(),),
            )
        }
    covered = {r["tracking_id"] for r in every_row(records)}
    source = LocalReviewSource(records, tmp_path / CACHE_FILE, "B1")
    try:
        listed = source.unexamined(day, datetime(2026, 3, 5, tzinfo=UTC), UTC)
    finally:
        source.close()
    assert {u.tracking_id for u in listed} == targeted - covered
    assert len(listed) >= 700  # the day's unexamined items, and any targeted record voided
    assert [u.score for u in listed] == sorted((u.score for u in listed), reverse=True)
    assert {u.waited for u in listed} == {timedelta(days=3)}
