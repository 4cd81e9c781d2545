"""The manifest card and the risk panel: what the advance data says, and how risky it is and why."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workstation.core.bench import ScanResult, ScanState, lookout_banner, misread_reason
from workstation.core.describe import (
    describe_carrier,
    describe_entry_type,
    describe_format,
    describe_format_name,
)
from workstation.core.manifest import Item, Risk
from workstation.ui.text import plain
from workstation.ui.theme import FLASH_COLOURS, set_style_role


def _money(value: float | None, currency: str = "USD") -> str:
    return "—" if value is None else f"{value:,.2f} {currency}"


def format_hts(code: str | None) -> str:
    """HTS as printed in the schedule: 8507.60.00.20."""
    if not code:
        return "—"
    parts = [code[:4], code[4:6], code[6:8], code[8:10]]
    return ".".join(p for p in parts if p)


def _title(text: str) -> QLabel:
    label = plain(QLabel(text))
    label.setObjectName("sectionTitle")
    return label


class ManifestCard(QFrame):
    """Tracking id, carrier, entry type, parties, origin, weight, declared total, content lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        # A facility lookout the package matches: why, who, until when (text from a person: plain).
        self.lookout = plain(QLabel(""))
        self.lookout.setObjectName("banner")
        self.lookout.setWordWrap(True)
        set_style_role(self.lookout, "kind", "error")
        self.lookout.hide()
        self.tracking_id = plain(QLabel("Scan a package"))
        self.tracking_id.setObjectName("trackingId")
        self.subtitle = plain(QLabel(""))
        self.fields: dict[str, QLabel] = {}
        grid = QGridLayout()
        names = (
            ("shipper", "Shipper"),
            ("consignee", "Consignee"),
            ("origin", "Origin"),
            ("seller", "Marketplace / seller"),
            ("weight", "Weight"),
            ("declared", "Declared total"),
            ("arrival", "Arrival / port"),
        )
        for row, (key, title) in enumerate(names):
            value = plain(QLabel(""))
            value.setWordWrap(True)
            if key in ("declared", "origin"):
                value.setObjectName("bigValue")
            self.fields[key] = value
            grid.addWidget(_title(title), row, 0)
            grid.addWidget(value, row, 1)
        grid.setColumnStretch(1, 1)
        self.lines = QTableWidget(0, 5)
        self.lines.setHorizontalHeaderLabels(["Description", "HTS", "Qty", "Unit value", "Origin"])
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.lines.verticalHeader().setVisible(False)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setFocusPolicy(self.lines.focusPolicy().NoFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.lookout)
        layout.addWidget(self.tracking_id)
        layout.addWidget(self.subtitle)
        layout.addLayout(grid)
        layout.addWidget(_title("Contents"))
        layout.addWidget(self.lines, 1)
        self._flash_colour: QColor | None = None
        self._flash_timer = QTimer(self, singleShot=True, interval=700)
        self._flash_timer.timeout.connect(self._end_flash)

    def show_result(self, result: ScanResult) -> None:
        self.show_lookouts(result)
        self.tracking_id.setText(result.tracking.tracking_id or result.tracking.input)
        item = result.item
        fmt = describe_format(result.tracking)
        if item is None:
            self.subtitle.setText(
                f"{describe_carrier(result.tracking.carrier)} · {fmt} · "
                + (
                    misread_reason(result.tracking)
                    if result.state is ScanState.MISREAD
                    else "no manifest in the cache"
                )
            )
            for label in self.fields.values():
                label.setText("")
            self.lines.setRowCount(0)
            return
        if result.tracking.format is None:  # found as typed: the feed named the format
            fmt = describe_format_name(item.tracking_format, item.tracking_id)
        self._show_item(item, fmt)

    def _show_item(self, item: Item, fmt: str) -> None:
        self.subtitle.setText(
            f"{describe_carrier(item.carrier)} · {fmt} · {describe_entry_type(item.entry_type)}"
        )
        f = self.fields
        f["shipper"].setText(f"{item.shipper_name}\n{item.shipper_address} ({item.shipper_country})")
        f["consignee"].setText(f"{item.consignee_name}\n{item.consignee_address}")
        origins = sorted({ln.origin_country for ln in item.lines} | {item.shipper_country})
        f["origin"].setText(", ".join(origins))
        f["seller"].setText(" / ".join(x for x in (item.marketplace, item.seller) if x) or "—")
        f["weight"].setText("—" if item.weight_kg is None else f"{item.weight_kg:.2f} kg")
        f["declared"].setText(_money(item.declared_value, item.currency))
        f["arrival"].setText(f"{item.arrival_date} · {item.port or '—'}")
        self.lines.setRowCount(len(item.lines))
        for row, ln in enumerate(item.lines):
            values = (
                ln.description,
                format_hts(ln.hts_code),
                f"{ln.quantity:g}",
                _money(ln.unit_value, item.currency),
                ln.origin_country,
            )
            for col, text in enumerate(values):
                self.lines.setItem(row, col, QTableWidgetItem(text))

    def show_lookouts(self, result: ScanResult) -> None:
        if result.lookouts:
            self.lookout.setText("\n".join(lookout_banner(lk) for lk in result.lookouts))
            self.lookout.show()
        else:
            self.lookout.setText("")
            self.lookout.hide()

    def clear(self) -> None:
        self.lookout.setText("")
        self.lookout.hide()
        self.tracking_id.setText("Scan a package")
        self.subtitle.setText("")
        for label in self.fields.values():
            label.setText("")
        self.lines.setRowCount(0)

    def flash(self, feedback: str) -> None:
        """A thick coloured border for a moment: green, amber or red, seen from the corner of an eye."""
        self._flash_colour = QColor(FLASH_COLOURS[feedback])
        self._flash_timer.start()
        self.update()

    def _end_flash(self) -> None:
        self._flash_colour = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._flash_colour is not None:
            painter = QPainter(self)
            painter.setPen(QPen(self._flash_colour, 8))
            painter.drawRoundedRect(self.rect().adjusted(4, 4, -4, -4), 10, 10)


class RiskPanel(QFrame):
    """Score, lane colour, every reason in words, and a banner when the item is targeted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("riskPanel")
        self.score = plain(QLabel("—"))
        self.score.setObjectName("score")
        self.lane = plain(QLabel(""))
        self.lane.setObjectName("lane")
        self.targeted = plain(QLabel(""))
        self.targeted.setObjectName("banner")
        self.targeted.setWordWrap(True)
        self.targeted.hide()
        self.reasons = plain(QLabel(""))
        self.reasons.setWordWrap(True)
        self.reasons.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(_title("Risk"))
        layout.addWidget(self.score)
        layout.addWidget(self.lane)
        layout.addWidget(self.targeted)
        layout.addWidget(_title("Why"))
        layout.addWidget(self.reasons, 1)
        self.clear()

    def show_risk(self, risk: Risk | None) -> None:
        if risk is None:
            self.score.setText("—")
            set_style_role(self.score, "lane", "none")
            self.lane.setText("No risk assessment")
            self.reasons.setText("")
            self.targeted.hide()
            return
        self.score.setText(str(risk.score))
        set_style_role(self.score, "lane", risk.lane.value)
        self.lane.setText(f"{risk.lane.value.upper()} lane")
        set_style_role(self.lane, "lane", risk.lane.value)
        self.reasons.setText(
            "\n".join(f"• {r.text or r.code} (+{r.weight:g})" for r in risk.reasons) or "No rule hit"
        )
        if risk.targeted:
            self.targeted.setText(f"TARGETED FOR EXAM: {risk.target_reason or 'see reasons'}")
            set_style_role(self.targeted, "kind", "error")
            self.targeted.show()
        else:
            self.targeted.hide()

    def clear(self) -> None:
        self.show_risk(None)
        self.lane.setText("")
