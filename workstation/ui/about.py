"""The About box: the version (from the package metadata, i.e. pyproject.toml) and where things are."""

from __future__ import annotations

import html
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

APP_TITLE = "Inspection Workstation"


def app_version() -> str:
    try:
        return version("workstation")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def about_html(details: Mapping[str, str] | None = None) -> str:
    """The About text: title and version, then one line per detail (facility, bench, data folder...)."""
    lines = [f"<h3>{APP_TITLE} {html.escape(app_version())}</h3>"]
    rows = {**(details or {}), "Qt": f"{qVersion()} (PySide6 {pyside_version})"}
    lines += [f"<b>{html.escape(k)}:</b> {html.escape(v)}<br>" for k, v in rows.items()]
    return "".join(lines)


def show_about(parent: QWidget | None, details: Mapping[str, str] | None = None) -> None:
    """Show the About box, modal over `parent`."""
    QMessageBox.about(parent, f"About {APP_TITLE}", about_html(details))
