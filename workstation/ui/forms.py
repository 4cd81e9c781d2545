"""The seizure and detention forms: every missing or wrong field is named in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workstation.core.records import (
    DetentionDraft,
    SeizedItem,
    SeizureDraft,
    Violation,
    detention_deadlines,
    validate_detention,
    validate_seizure,
)
from workstation.ui.operations import Photo
from workstation.ui.tasks import Task
from workstation.ui.text import plain

ITEM_COLUMNS = (
    ("description", "Description"),
    ("quantity", "Qty"),
    ("msrp_per_unit", "MSRP / unit"),
    ("domestic_value", "Domestic value"),
    ("rights_holder", "Rights holder"),
    ("recordation_number", "Recordation no."),
    ("identifiers", "Serial / UPC / SKU"),
)
FrameGrabber = Callable[[], np.ndarray | None]  # the newest camera frame, a copy
PhotoOpener = Callable[
    [str], Task[tuple[bytes, str]]
]  # a file's path -> (data, suffix), read off the GUI thread


def _error_label() -> QLabel:
    label = plain(QLabel(""))
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


class SeizureDialog(QDialog):
    """Violation, law cited, items, photos, storage; the seizing officer is the signed-in one.

    Photos are kept as they came (a file's bytes, a camera frame's pixels) and encoded by the
    save on the database thread; a photo file is read there too (`open_photo`).
    """

    def __init__(
        self,
        officer_name: str,
        laws: tuple[str, ...],
        frame_grabber: FrameGrabber | None,
        open_photo: PhotoOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Seizure")
        self.setModal(True)
        self.frame_grabber = frame_grabber
        self.open_photo = open_photo
        self.photos: list[tuple[Photo, str]] = []  # (file bytes or frame, suffix); saved with the record
        self.violation = QComboBox()
        for v in Violation:
            self.violation.addItem(v.value.replace("_", " / ").capitalize(), v)
        self.law = QComboBox()
        self.law.setEditable(True)
        self.law.addItems(laws)
        self.storage = QLineEdit(placeholderText="e.g. vault A, shelf 3")
        self.items = QTableWidget(1, len(ITEM_COLUMNS))
        self.items.setHorizontalHeaderLabels([t for _, t in ITEM_COLUMNS])
        self.items.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        add_row = QPushButton("Add item")
        add_row.clicked.connect(lambda: self.items.insertRow(self.items.rowCount()))
        self.totals = plain(QLabel(""))
        self.items.itemChanged.connect(lambda _: self._update_totals())
        self.photo_count = plain(QLabel("No photo"))
        camera = QPushButton("Photo from camera")
        camera.setEnabled(frame_grabber is not None)
        camera.clicked.connect(self.take_camera_photo)
        from_file = QPushButton("Photo from file…")
        from_file.setEnabled(open_photo is not None)
        from_file.clicked.connect(self._photo_from_file)
        self.errors: dict[str, QLabel] = {
            k: _error_label() for k in ("violation", "law_cited", "items", "photos", "storage_location")
        }
        self.summary = _error_label()

        form = QFormLayout()
        form.addRow("Seizing officer", plain(QLabel(officer_name)))
        form.addRow("Violation", self.violation)
        form.addRow("", self.errors["violation"])
        form.addRow("Law cited", self.law)
        form.addRow("", self.errors["law_cited"])
        form.addRow("Storage location", self.storage)
        form.addRow("", self.errors["storage_location"])
        photos = QHBoxLayout()
        photos.addWidget(camera)
        photos.addWidget(from_file)
        photos.addWidget(self.photo_count, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Items seized"))
        layout.addWidget(self.items)
        layout.addWidget(add_row, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.errors["items"])
        layout.addWidget(self.totals)
        layout.addLayout(photos)
        layout.addWidget(self.errors["photos"])
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(980, 560)
        self.draft: SeizureDraft | None = None

    # --- photos --------------------------------------------------------------------------

    def take_camera_photo(self) -> bool:
        frame = self.frame_grabber() if self.frame_grabber else None
        if frame is None:
            self._photo_error("The camera has no picture yet: check it is connected and try again")
            return False
        self.add_photo(frame, ".jpg")  # encoded as JPEG by the save, off the GUI thread
        return True

    def _photo_from_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Photo", "", "Images (*.png *.jpg *.jpeg *.webp)")
        if name:
            self.add_photo_file(name)

    def add_photo_file(self, path: str) -> Task[tuple[bytes, str]] | None:
        """Read a photo file on the runner; it is added (or the reason shown) when the read is done."""
        if self.open_photo is None:
            return None
        self.photo_count.setText("Reading the photo…")
        return (
            self.open_photo(path)
            .on_success(lambda photo: self.add_photo(*photo))
            .on_failure(lambda exc: self._photo_error(f"The photo file could not be read: {_reason(exc)}"))
        )

    def _photo_error(self, message: str) -> None:
        self.photo_count.setText(f"{len(self.photos)} photo(s)" if self.photos else "No photo")
        self.errors["photos"].setText(message)
        self.errors["photos"].show()

    def add_photo(self, data: Photo, suffix: str) -> None:
        self.photos.append((data, suffix))
        self.photo_count.setText(f"{len(self.photos)} photo(s)")
        self.errors["photos"].hide()

    # --- values --------------------------------------------------------------------------

    def set_item(self, row: int, **values: str) -> None:
        """Fill a row of the items table (tests and pre-filling from the manifest use this)."""
        while self.items.rowCount() <= row:
            self.items.insertRow(self.items.rowCount())
        for col, (key, _) in enumerate(ITEM_COLUMNS):
            if key in values:
                self.items.setItem(row, col, QTableWidgetItem(values[key]))

    def _cell(self, row: int, col: int) -> str:
        item = self.items.item(row, col)
        return item.text().strip() if item is not None else ""

    def _read_items(self) -> tuple[tuple[SeizedItem, ...], dict[str, str]]:
        items: list[SeizedItem] = []
        errors: dict[str, str] = {}
        for row in range(self.items.rowCount()):
            cells = {key: self._cell(row, col) for col, (key, _) in enumerate(ITEM_COLUMNS)}
            if not any(cells.values()):
                continue
            numbers: dict[str, float] = {}
            for key in ("quantity", "msrp_per_unit", "domestic_value"):
                try:
                    numbers[key] = float(cells[key].replace(",", "").replace("$", "") or "nan")
                except ValueError:
                    numbers[key] = float("nan")
                if numbers[key] != numbers[key]:
                    title = dict(ITEM_COLUMNS)[key]
                    errors[f"items[{len(items)}].{key}"] = f"row {row + 1}: {title} must be a number"
            if any(k.startswith(f"items[{len(items)}]") for k in errors):
                items.append(SeizedItem(cells["description"], 0, 0.0, 0.0))
                continue
            qty = numbers["quantity"]
            items.append(
                SeizedItem(
                    description=cells["description"],
                    quantity=int(qty) if qty == int(qty) else -1,
                    msrp_per_unit=numbers["msrp_per_unit"],
                    domestic_value=numbers["domestic_value"],
                    rights_holder=cells["rights_holder"],
                    recordation_number=cells["recordation_number"],
                    identifiers=cells["identifiers"],
                )
            )
        return tuple(items), errors

    def _update_totals(self) -> None:
        items, _ = self._read_items()
        msrp = sum(i.quantity * i.msrp_per_unit for i in items if i.quantity > 0)
        domestic = sum(i.domestic_value for i in items)
        self.totals.setText(f"Total MSRP: ${msrp:,.2f}    Total domestic value: ${domestic:,.2f}")

    def build(self) -> tuple[SeizureDraft, dict[str, str]]:
        items, errors = self._read_items()
        draft = SeizureDraft(
            violation=self.violation.currentData(),
            law_cited=self.law.currentText().strip(),
            items=items,
            storage_location=self.storage.text().strip(),
            photo_ids=tuple(f"pending-{i}" for i in range(len(self.photos))),
        )
        merged = {**validate_seizure(draft), **errors}
        return draft, merged

    def show_errors(self, errors: dict[str, str]) -> None:
        for label in self.errors.values():
            label.hide()
        item_errors = []
        for key, message in errors.items():
            top = key.split("[")[0].split(".")[0]
            if top == "items":
                item_errors.append(message)
            elif top in self.errors:
                self.errors[top].setText(message)
                self.errors[top].show()
        if item_errors:
            self.errors["items"].setText("\n".join(item_errors))
            self.errors["items"].show()
        self.summary.setText(f"{len(errors)} field(s) to fix before saving" if errors else "")
        self.summary.setVisible(bool(errors))

    def try_accept(self) -> None:
        draft, errors = self.build()
        self.show_errors(errors)
        if not errors:
            self.draft = draft
            self.accept()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


class DetentionDialog(QDialog):
    """Reason, agency or test, and the deadlines computed from the date."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Detention")
        self.setModal(True)
        self.today = today
        self.reason = QLineEdit(placeholderText="why the package is held")
        self.agency = QLineEdit(placeholderText="agency or test, e.g. FDA, lab analysis")
        notice, decision = detention_deadlines(today)
        self.deadlines = plain(
            QLabel(
                f"Detained {today:%a %d %b %Y} · notice due {notice:%a %d %b} · decision due {decision:%a %d %b %Y}"
            )
        )
        self.deadlines.setObjectName("bigValue")
        self.errors = {"reason": _error_label(), "agency_or_test": _error_label()}
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        form.addRow("", self.errors["reason"])
        form.addRow("Agency or test", self.agency)
        form.addRow("", self.errors["agency_or_test"])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.deadlines)
        layout.addWidget(buttons)
        self.draft: DetentionDraft | None = None

    def try_accept(self) -> None:
        draft = DetentionDraft(self.reason.text().strip(), self.agency.text().strip(), self.today)
        errors = validate_detention(draft)
        for key, label in self.errors.items():
            label.setVisible(key in errors)
            label.setText(errors.get(key, ""))
        if not errors:
            self.draft = draft
            self.accept()
