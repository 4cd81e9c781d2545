"""The shift log's table model: it holds the keys a filter selects, never the rows themselves.

A view asks `data()` only for the rows it shows. A row not yet here asks `request(...)` for its
block (`block_size` keys around it): the source answers on the review lane and `block_loaded`
puts the rows in, newest blocks kept, the least recently shown dropped past `max_blocks`
(after Anki's browser `DataModel`). Until its block arrives a row shows "…". So scrolling a
100,000-row log to its end fetches the blocks scrolled to, not the rows between.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from workstation.core.review import LogRow
from workstation.ui.theme import LANE_COLOURS

Index = QModelIndex | QPersistentModelIndex
# (generation, block number, keys): ask the source for these rows, then call block_loaded.
BlockRequest = Callable[[int, int, list[int]], None]
LOADING = "…"


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


# Header, and what a cell shows of a row (the time in the facility's zone).
COLUMNS: tuple[tuple[str, Callable[[LogRow, tzinfo], str]], ...] = (
    ("Time", lambda r, z: r.at.astimezone(z).strftime("%d %b %H:%M")),
    ("Tracking", lambda r, z: r.tracking_id),
    ("Outcome", lambda r, z: _words(r.outcome)),
    ("Officer", lambda r, z: f"{r.officer_name} ({r.officer_badge})"),
    ("Bench", lambda r, z: r.bench_id),
    ("Lane", lambda r, z: r.risk_lane or ""),
    ("Score", lambda r, z: "" if r.risk_score is None else str(r.risk_score)),
    ("Targeted", lambda r, z: _yes(r.targeted)),
    ("Seizure", lambda r, z: _yes(r.seizure)),
    ("Detention", lambda r, z: _yes(r.detention)),
    ("Countersigned", lambda r, z: _yes(r.countersigned)),
    ("Corrected", lambda r, z: _yes(r.corrected)),
)
LANE_COLUMN = 5


class LogModel(QAbstractTableModel):
    """Keys of the shift log, rows fetched by key in blocks as the view shows them."""

    block_arrived = Signal(int)  # block number, once its rows are in

    def __init__(
        self,
        request: BlockRequest,
        zone: tzinfo,
        block_size: int = 200,
        max_blocks: int = 12,
    ) -> None:
        super().__init__()
        self._request = request
        self.zone = zone
        self.block_size = block_size
        self.max_blocks = max_blocks
        self.keys: list[int] = []
        self.generation = 0
        self._blocks: OrderedDict[int, dict[int, LogRow]] = OrderedDict()
        self._pending: set[int] = set()
        self.fetched_rows = 0  # rows the source was asked for since the last reset (tests, the log)

    # --- what the window does ------------------------------------------------------------

    def reset(self, keys: Sequence[int]) -> None:
        """A new filter's keys: every row held so far is dropped; answers still on their way are ignored."""
        self.beginResetModel()
        self.keys = list(keys)
        self.generation += 1
        self._blocks.clear()
        self._pending.clear()
        self.fetched_rows = 0
        self.endResetModel()

    def block_loaded(self, generation: int, block: int, rows: Sequence[LogRow]) -> None:
        """The source's answer for one block (on the GUI thread)."""
        if generation != self.generation:
            return  # the filter changed meanwhile
        self._pending.discard(block)
        self._blocks[block] = {r.key: r for r in rows}
        self._blocks.move_to_end(block)
        while len(self._blocks) > self.max_blocks:
            self._blocks.popitem(last=False)
        first = block * self.block_size
        last = min(len(self.keys), first + self.block_size) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.block_arrived.emit(block)

    def block_failed(self, generation: int, block: int) -> None:
        """The source could not answer: the block may be asked for again when next shown."""
        if generation == self.generation:
            self._pending.discard(block)

    def row_at(self, row: int) -> LogRow | None:
        """The row, when its block is here; else None (and its block is asked for)."""
        if not 0 <= row < len(self.keys):
            return None
        block = row // self.block_size
        rows = self._blocks.get(block)
        if rows is None:
            self._fetch(block)
            return None
        self._blocks.move_to_end(block)
        return rows.get(self.keys[row])

    @property
    def held_rows(self) -> int:
        return sum(len(b) for b in self._blocks.values())

    def _fetch(self, block: int) -> None:
        if block in self._pending:
            return
        self._pending.add(block)
        first = block * self.block_size
        keys = self.keys[first : first + self.block_size]
        self.fetched_rows += len(keys)
        self._request(self.generation, block, keys)

    # --- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.keys)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            row = self.row_at(index.row())
            if row is None:
                return LOADING
            return COLUMNS[index.column()][1](row, self.zone)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == LANE_COLUMN:
            row = self.row_at(index.row())
            if row is not None and row.risk_lane in LANE_COLOURS:
                return QColor(LANE_COLOURS[row.risk_lane])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0] if 0 <= section < len(COLUMNS) else None
        return str(section + 1)
