"""Colours and type: large, high-contrast, lane colours that read without reading."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

LANE_COLOURS = {"green": "#1b7f3b", "yellow": "#b58900", "red": "#c62828", None: "#546e7a"}
FLASH_COLOURS = {"accept": "#2e7d32", "attention": "#f9a825", "error": "#c62828"}

BASE = """
QWidget { font-size: 15px; }
QLabel#trackingId { font-size: 30px; font-weight: 700; }
QLabel#bigValue, QLabel#lane { font-size: 20px; font-weight: 600; }
QLabel#score { font-size: 44px; font-weight: 800; color: white; border-radius: 8px; padding: 6px 14px; }
QLabel#banner { font-size: 20px; font-weight: 700; color: white; border-radius: 6px; padding: 10px; }
QLabel#sectionTitle { font-size: 13px; font-weight: 700; color: #607d8b; text-transform: uppercase; }
QPushButton#outcome { font-size: 17px; font-weight: 600; padding: 12px 10px; min-width: 120px; }
QFrame#card, QFrame#riskPanel { border: 3px solid #cfd8dc; border-radius: 10px; background: #fafafa; }
QLabel#fieldError { color: #c62828; font-weight: 600; }
"""

HIGH_CONTRAST = """
QWidget { font-size: 17px; background: black; color: white; }
QLabel#trackingId { font-size: 34px; font-weight: 800; color: #ffff00; }
QLabel#bigValue, QLabel#lane { font-size: 22px; font-weight: 700; }
QLabel#score { font-size: 48px; font-weight: 900; color: black; border-radius: 8px; padding: 6px 14px; }
QLabel#banner { font-size: 22px; font-weight: 800; color: black; border-radius: 6px; padding: 10px; }
QLabel#sectionTitle { font-size: 14px; font-weight: 800; color: #00ffff; }
QPushButton { background: #202020; color: white; border: 2px solid white; }
QPushButton#outcome { font-size: 19px; font-weight: 800; padding: 12px 10px; min-width: 130px; }
QFrame#card, QFrame#riskPanel { border: 3px solid white; border-radius: 10px; background: black; }
QLabel#fieldError { color: #ff5252; font-weight: 800; }
QTableView, QPlainTextEdit, QLineEdit { background: black; color: white; border: 1px solid white; }
QCheckBox::indicator { width: 18px; height: 18px; border: 2px solid white; background: black; }
QCheckBox::indicator:checked { background: #ffff00; }
"""


# Colours follow a widget's dynamic property (`lane`, `kind`), set with `set_style_role`: changing a
# property re-polishes that one widget, where setStyleSheet would restyle a whole subtree (about
# 4 ms a call here, too slow for a card that must paint within one frame of the scan).
BANNER_KINDS = {
    "error": "#c62828",
    "warning": "#b58900",
    "ok": "#2e7d32",
    "info": "#37474f",
    "unmanifested": "#6a1b9a",
}
ROLE_RULES = "".join(
    [f'QLabel#score[lane="{lane or "none"}"] {{ background: {c}; }}\n' for lane, c in LANE_COLOURS.items()]
    + [f'QLabel#lane[lane="{lane or "none"}"] {{ color: {c}; }}\n' for lane, c in LANE_COLOURS.items()]
    + [f'QLabel#banner[kind="{kind}"] {{ background: {c}; }}\n' for kind, c in BANNER_KINDS.items()]
)


def stylesheet(high_contrast: bool) -> str:
    return (HIGH_CONTRAST if high_contrast else BASE) + ROLE_RULES


def set_style_role(widget: QWidget, name: str, value: str) -> None:
    """Set the property the stylesheet's colour rules select on, and re-polish just this widget."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
