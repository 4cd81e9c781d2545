"""The shift log's CSV report: it reads back to the rows the log shows for the same filter, whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC
from pathlib import Path

import pytest
from report_support import DAY, make_history

from workstation.core.review import DEFAULT_SHIFTS, LogRow
from workstation.core.review_csv import read_log_csv
from workstation.core.review_report import ReportScope, write_shift_csv
from workstation.store.review_query import LocalReviewSource


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("csv"), 3000, seed=7)


@pytest.fixture
def source(history: Path) -> Iterator[LocalReviewSource]:
    s = LocalReviewSource(history / "records.sqlite", None, "BENCH-01")
    yield s
    s.close()


@pytest.mark.parametrize(
    ("shift", "bench"), [(None, None), (DEFAULT_SHIFTS[0], None), (DEFAULT_SHIFTS[1], "BENCH-02")]
)
def test_csv_reads_back_to_the_rows_of_the_log(
    source: LocalReviewSource, tmp_path: Path, shift: object, bench: str | None
) -> None:
    scope = ReportScope(day=DAY, zone=UTC, shift=shift, bench=bench)  # type: ignore[arg-type]
    out = tmp_path / "log.csv"
    result = write_shift_csv(source, scope, out, block=250)  # several blocks
    shown = source.log_rows(source.log_keys(scope.log_filter()))
    with out.open(encoding="utf-8", newline="") as fh:
        back = read_log_csv(fh)
    assert back == shown
    assert result.rows == len(shown) > 250
    assert result.pages == 0
    if bench:
        assert {r.bench_id for r in back} == {bench}
    start, end = scope.span()
    assert all(start <= r.at < end for r in back)


class DropsMidway(LocalReviewSource):
    """The source going away after the first block (the hub's connection dropping mid-report)."""

    def log_rows(self, keys: Sequence[int]) -> list[LogRow]:
        self.calls = getattr(self, "calls", 0) + 1
        if self.calls > 1:
            raise ConnectionError("the hub went away")
        return super().log_rows(keys)


def test_a_report_that_fails_midway_leaves_the_old_file_and_no_part(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "log.csv"
    out.write_text("the report of yesterday\n", encoding="utf-8")
    source = DropsMidway(history / "records.sqlite", None, "BENCH-01")
    try:
        with pytest.raises(ConnectionError):
            write_shift_csv(source, ReportScope(day=DAY, zone=UTC), out, block=100)
    finally:
        source.close()
    assert out.read_text(encoding="utf-8") == "the report of yesterday\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]
