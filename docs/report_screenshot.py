"""Render pages of a demo shift report to docs/screenshots/ (report_page.png, report_page_tables.png).

uv run python docs/report_screenshot.py

A one-day demo history (with reference data, so the reconciliation has items) is reported for its
day shift as `workstation report shift --format pdf` would; QtPdf renders the pages back to images.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument

from workstation.core.review import DEFAULT_SHIFTS
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import seed_cache
from workstation.store.demo_history import write_history
from workstation.store.review_query import LocalReviewSource
from workstation.ui.report_pdf import ensure_app, write_shift_pdf

OUT = Path(__file__).resolve().parent / "screenshots"
DAY = date(2026, 11, 27)
WIDTH = 1600  # pixels across a landscape page


def render(pdf: Path, page: int, out: Path) -> None:
    doc = QPdfDocument(None)
    doc.load(str(pdf))
    size = doc.pagePointSize(page)
    image = doc.render(page, QSize(WIDTH, round(WIDTH * size.height() / size.width())))
    # The page is rendered with a transparent background: put it on white paper.
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    paper.save(str(out))
    doc.close()
    print(f"wrote {out}")  # noqa: T201


def main() -> None:
    ensure_app()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="report-shot-") as tmp:
        folder = Path(tmp)
        write_history(folder / "records.sqlite", 2400, days=1, seed=4, start=DAY)
        cache = ManifestCache(open_cache(folder))
        seed_cache(cache, 400, base_date=DAY)
        cache.db.conn.close()
        source = LocalReviewSource(folder / "records.sqlite", folder / "cache.sqlite", "BENCH-01")
        pdf = folder / "report.pdf"
        try:
            result = write_shift_pdf(
                source,
                day=DAY,
                shift=DEFAULT_SHIFTS[0],
                bench=None,
                zone=UTC,
                out=pdf,
                facility="JFK International Mail Facility",
                now=datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
            )
        finally:
            source.close()
        print(f"{result.pages} pages, {result.rows} inspections")  # noqa: T201
        render(pdf, 0, OUT / "report_page.png")
        render(pdf, 2, OUT / "report_page_tables.png")


if __name__ == "__main__":
    main()
