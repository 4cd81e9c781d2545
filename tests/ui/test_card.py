"""The manifest card's subtitle: carrier, format and entry type in the words officers use."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from workstation.core.bench import classify
from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import record_from_dict
from workstation.core.manifest import Item
from workstation.core.tracking import make_fedex12, make_fedex_express34, make_s10, parse
from workstation.ui.card import ManifestCard


def _item(tracking_id: str, **changes: object) -> Item:
    rec = next(DemoGenerator(5, date(2026, 5, 1)).records(1))
    item = record_from_dict({**rec, "tracking_id": tracking_id})
    assert isinstance(item, Item)
    return replace(item, **changes)  # type: ignore[arg-type]


def test_the_subtitle_names_carrier_format_and_entry_type_in_words(qtbot: QtBot) -> None:
    card = ManifestCard()
    qtbot.addWidget(card)
    number = make_fedex12("98657878885")
    item = _item(number, carrier="fedex", entry_type="type86")
    card.show_result(classify(parse(make_fedex_express34(number)), item, []))
    assert card.tracking_id.text() == number
    assert card.subtitle.text() == "FedEx · FedEx Express (34-digit label barcode) · Type 86 entry"


def test_an_unmanifested_s10_names_its_post(qtbot: QtBot) -> None:
    card = ManifestCard()
    qtbot.addWidget(card)
    card.show_result(classify(parse(make_s10("LX", "12345678", "CN")), None, []))
    assert card.subtitle.text() == "Post · UPU S10 (China Post) · no manifest in the cache"


def test_feed_text_on_the_card_is_shown_as_plain_text(qtbot: QtBot) -> None:
    card = ManifestCard()
    qtbot.addWidget(card)
    item = _item("RB123456785GB", carrier="<b>Acme</b>", shipper_name="<i>Shipper</i>")
    card.show_result(classify(parse("RB123456785GB"), item, []))
    assert card.subtitle.text().startswith("<b>Acme</b> · UPU S10 (Royal Mail)")
    labels = [card.tracking_id, card.subtitle, *card.fields.values()]
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in labels)
