"""Outside text is data, never markup: labels, tooltips and message boxes that show it as typed.

Qt guesses rich text when a string looks like HTML (`Qt.mightBeRichText`): a shipper name of
`<span style="font-size:40px">CLEARED</span>` would be drawn as a giant banner, and `<img src>`
would load a local file. Every widget that can show text from a feed, a record, a scan or a
person is made here, in plain-text mode. Rich text is written only by our own code (help, About).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def plain(label: QLabel) -> QLabel:
    """Make `label` show its text as typed, whatever it looks like."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` as typed: tooltips have no text-format switch, so it is escaped."""
    if not text:
        return ""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def escaped(text: str) -> str:
    """Text for a label we cannot switch to plain text (a QInputDialog's): escaped rich text, shown as typed."""
    return plain_tooltip(text)


def plain_message_box(
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton,
    parent: QWidget | None = None,
) -> QMessageBox:
    box = QMessageBox(icon, title, "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    return box
