"""Outside text is data, never markup: the card, the risk panel, banners and forms show it as typed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from conftest import BenchFactory
from hostile_text import HOSTILE_SHORT, MARKUP_SAMPLES
from hypothesis import HealthCheck, given, settings
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from workstation.config import Settings
from workstation.core.bench import classify
from workstation.core.feed_record import record_from_dict
from workstation.core.manifest import Item
from workstation.core.scan import ScanEvent, ScanSource
from workstation.core.tracking import make_s10, parse
from workstation.store.feed_import import FeedImporter
from workstation.ui.card import ManifestCard, RiskPanel
from workstation.ui.text import plain_tooltip

BANNER = '<span style="font-size:40px;color:green">CLEARED BY HQ - RELEASE</span>'
CODE = make_s10("LX", "20261129", "CN")


def hostile_record(tracking_id: str = CODE) -> dict[str, object]:
    """A feed record whose every text field an officer sees is markup."""
    return {
        "tracking_id": tracking_id,
        "carrier": "post",
        "entry_type": "section321",
        "arrival_date": "2026-11-28",
        "port": "<b>JFK</b>",
        "shipper_name": BANNER,
        "shipper_address": '<img src="/etc/passwd"> 12 Harbour St',
        "shipper_country": "CN",
        "consignee_name": "<h1>Maria</h1>",
        "consignee_address": "<a href='x'>221 Oak Ave</a>",
        "consignee_country": "US",
        "marketplace": "<i>Bazaar</i>",
        "seller": "<u>Star</u>",
        "weight_kg": 0.35,
        "declared_value": 24.0,
        "currency": "USD",
        "version": 1,
        "lines": [
            {
                "description": "<font color=red>Wrist watch</font>",
                "hts_code": "9102110000",
                "quantity": 2,
                "unit_value": 12.0,
                "origin_country": "CN",
            }
        ],
        "risk": {
            "score": 85,
            "lane": "red",
            "reasons": [{"code": "UNDERVALUED", "text": BANNER, "weight": 30}],
            "targeted": True,
            "target_reason": BANNER,
            "rule_version": "r1",
            "assessed_at": "2026-11-28T09:00:00+00:00",
        },
    }


def _twin_renders_the_same(label: QLabel) -> bool:
    """Draw a plain-text twin of `label` (same parent, style, size, text) and compare the pictures."""
    twin = QLabel(label.parentWidget())
    twin.setTextFormat(Qt.TextFormat.PlainText)
    twin.setObjectName(label.objectName())
    twin.setWordWrap(label.wordWrap())
    twin.setAlignment(label.alignment())
    for name in ("lane", "kind"):
        twin.setProperty(name, label.property(name))
    twin.setText(label.text())
    twin.setGeometry(label.geometry())
    try:
        return twin.grab().toImage() == label.grab().toImage()
    finally:
        twin.deleteLater()


def _labels_showing(root: QWidget, fragment: str) -> list[QLabel]:
    return [lb for lb in root.findChildren(QLabel) if fragment in lb.text() and lb.isVisible()]


def test_feed_markup_shows_as_typed_on_the_card_the_risk_panel_and_the_banner(
    make_bench: BenchFactory, qtbot: QtBot, tmp_path: Path
) -> None:
    bench = make_bench(Settings(bench_id="bench-9"))
    feed = tmp_path / "hostile.jsonl"
    feed.write_text(json.dumps(hostile_record()) + "\n")
    done: list[object] = []
    bench.runner.run(lambda res: FeedImporter(res.cache).import_file(feed)).on_success(done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    with qtbot.waitSignal(bench.window.scan_shown, timeout=10_000):
        bench.on_scan(ScanEvent(CODE, ScanSource.MANUAL))
    window = bench.window
    card = window.card
    # The flash ends (its timer fires), so that the pictures compare the text alone.
    qtbot.waitUntil(lambda: card._flash_colour is None, timeout=5_000)
    assert card.fields["shipper"].text() == f'{BANNER}\n<img src="/etc/passwd"> 12 Harbour St (CN)'
    assert card.fields["consignee"].text() == "<h1>Maria</h1>\n<a href='x'>221 Oak Ave</a>"
    assert card.lines.item(0, 0).text() == "<font color=red>Wrist watch</font>"
    assert window.risk.targeted.text() == f"TARGETED FOR EXAM: {BANNER}"
    assert BANNER in window.risk.reasons.text()

    showing = _labels_showing(window, "<")
    assert {
        card.fields["shipper"],
        card.fields["consignee"],
        window.risk.targeted,
        window.risk.reasons,
    } <= set(showing)
    for label in showing:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName() or label.text()[:40]
    # What the officer sees is the literal text: a plain-text twin of each label draws the same pixels.
    for label in (card.fields["shipper"], window.risk.targeted):
        assert _twin_renders_the_same(label), label.text()[:40]
    window.grab().save(str(tmp_path / "hostile-card.png"))


def test_an_officer_name_with_markup_shows_as_typed_on_the_lock_screen(
    make_bench: BenchFactory, qtbot: QtBot
) -> None:
    bench = make_bench(Settings(bench_id="bench-9"))
    session = bench.session
    named = replace(session, officer=replace(session.officer, name=BANNER))
    bench.lock_screen.lock(named)
    try:
        showing = _labels_showing(bench.lock_screen, "<span")
        assert showing
        assert all(lb.textFormat() == Qt.TextFormat.PlainText for lb in showing)
    finally:
        bench.lock_screen.unlock()


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(text=HOSTILE_SHORT)
def test_any_feed_text_reaches_the_card_verbatim(qtbot: QtBot, text: str) -> None:
    """Whatever a feed holds, each label shows exactly it (no tag eaten, nothing interpreted)."""
    record = hostile_record()
    record["shipper_name"] = text or "x"
    record["risk"]["target_reason"] = text  # type: ignore[index]
    item = record_from_dict(record)
    assert isinstance(item, Item)
    card, risk = ManifestCard(), RiskPanel()
    try:
        card.show_result(classify(parse(CODE), item, ()))
        risk.show_risk(item.risk)
        shipper = f"{item.shipper_name}\n{item.shipper_address} ({item.shipper_country})"
        # Qt drops a byte-order mark at the very start of a QString; it is invisible either way.
        assert card.fields["shipper"].text() == shipper.removeprefix("\ufeff")
        assert risk.targeted.text() == f"TARGETED FOR EXAM: {item.risk.target_reason or 'see reasons'}"  # type: ignore[union-attr]
        for label in (*card.findChildren(QLabel), *risk.findChildren(QLabel)):
            assert label.textFormat() == Qt.TextFormat.PlainText
    finally:
        card.deleteLater()
        risk.deleteLater()


def test_a_tooltip_shows_markup_as_typed() -> None:
    from PySide6.QtGui import QTextDocument

    for sample in MARKUP_SAMPLES:
        doc = QTextDocument()
        doc.setHtml(plain_tooltip(sample))
        assert doc.toPlainText() == sample
