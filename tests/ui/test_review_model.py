"""The shift log's model on its own: blocks asked for as rows are shown, kept least-recently-shown
first, dropped past the limit, and answers for an older filter ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from workstation.core.review import LogRow
from workstation.ui.review_model import LOADING, LogModel

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _row(key: int) -> LogRow:
    return LogRow(
        key, f"id{key}", f"T{key:08d}", None, AT - timedelta(minutes=key), "D1001", "Demo Officer",
        "bench-7", "released", "green", 5, False, False, False, False, False, "",
    )  # fmt: skip


class Source:
    """Answers block requests when told to (as the review lane would, later)."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int, list[int]]] = []

    def request(self, generation: int, block: int, keys: list[int]) -> None:
        self.asked.append((generation, block, keys))

    def answer(self, model: LogModel) -> None:
        asked, self.asked = self.asked, []
        for generation, block, keys in asked:
            model.block_loaded(generation, block, [_row(k) for k in keys])


def test_a_row_asks_for_its_block_once_and_shows_when_it_comes() -> None:
    source = Source()
    model = LogModel(source.request, UTC, block_size=10, max_blocks=2)
    model.reset(list(range(1000, 1100)))
    assert model.rowCount() == 100
    assert model.data(model.index(25, 1)) == LOADING
    assert model.data(model.index(27, 1)) == LOADING  # same block: not asked again
    assert [(b, keys[0], len(keys)) for _, b, keys in source.asked] == [(2, 1020, 10)]
    source.answer(model)
    assert model.data(model.index(25, 1)) == "T00001025"
    assert model.data(model.index(25, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert model.fetched_rows == 10


def test_blocks_past_the_limit_are_dropped_least_recently_shown_first() -> None:
    source = Source()
    model = LogModel(source.request, UTC, block_size=10, max_blocks=2)
    model.reset(list(range(100)))
    for row in (0, 10, 0, 20):  # block 0 shown again after block 1: block 1 is the one to go
        model.row_at(row)
        source.answer(model)
    assert model.held_rows == 20
    assert model.row_at(5) is not None  # block 0 kept
    assert model.row_at(15) is None  # block 1 dropped: asked for again
    assert [b for _, b, _ in source.asked] == [1]
    assert model.fetched_rows == 40


def test_an_answer_for_an_older_filter_is_ignored() -> None:
    source = Source()
    model = LogModel(source.request, UTC, block_size=10)
    model.reset(list(range(50)))
    model.row_at(0)
    late = source.asked
    source.asked = []
    model.reset(list(range(500, 520)))  # the filter changed before the answer came
    for generation, block, keys in late:
        model.block_loaded(generation, block, [_row(k) for k in keys])
    assert model.held_rows == 0
    assert model.data(model.index(0, 1)) == LOADING
    source.answer(model)
    assert model.data(model.index(0, 1)) == "T00000500"
