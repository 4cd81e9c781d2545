"""This shift's scans with their outcomes, newest first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from workstation.core.records import InspectionRecord

COLUMNS = ("Time", "Tracking id", "Outcome", "Exams", "Risk")
Index = QModelIndex | QPersistentModelIndex


class RecentScansModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[InspectionRecord] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's names)
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        rec = self.records[index.row()]
        col = index.column()
        if col == 0:
            return rec.at.astimezone().strftime("%H:%M:%S")
        if col == 1:
            return rec.tracking_id
        if col == 2:
            text = rec.outcome.value.replace("_", " ")
            return f"{text} ({rec.agency})" if rec.agency else text
        if col == 3:
            return ", ".join(sorted(e.value for e in rec.exam_types))
        return "" if rec.risk_score is None else f"{rec.risk_score} {rec.risk_lane or ''}"

    def prepend(self, record: InspectionRecord) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.records.insert(0, record)
        self.endInsertRows()

    def reset(self, records: list[InspectionRecord]) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()
