"""Helpers for the report tests: a records history with its reference cache, and a PDF's text read back."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

from workstation.core.review import LogFilter
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import seed_cache
from workstation.store.demo_history import write_history

DAY = date(2026, 11, 27)


def make_history(data_dir: Path, n: int, *, seed: int = 5, cache_items: int = 0) -> Path:
    """`n` inspections on DAY (UTC) in data_dir/records.sqlite; `cache_items` demo items arriving
    around DAY in data_dir/cache.sqlite, none of them inspected: the targeted ones among them are
    the reconciliation's."""
    data_dir.mkdir(parents=True, exist_ok=True)
    write_history(data_dir / "records.sqlite", n, days=1, seed=seed, start=DAY)
    if cache_items:
        cache = ManifestCache(open_cache(data_dir))
        seed_cache(cache, cache_items, base_date=DAY)
        cache.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cache.db.conn.close()
    return data_dir


def pdf_pages(path: Path) -> list[str]:
    """The text of each page: poppler's pdftotext (layout kept) where installed, else pypdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        pages = out.split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages
    from pypdf import PdfReader

    # pypdf puts a tab where the layout has a gap between words: a space, as pdftotext gives it.
    return [page.extract_text(extraction_mode="layout").replace("\t", " ") for page in PdfReader(path).pages]


def squeeze(text: str) -> str:
    """Runs of spaces as one: the layout's column gaps vary with the page."""
    return re.sub(r"[ \t]+", " ", text)


def current_in_window(records: Path, f: LogFilter) -> int:
    """Current records (neither corrected nor voided) in the filter's time window, counted here in plain SQL."""
    assert f.start is not None
    assert f.end is not None
    conn = sqlite3.connect(records)
    try:
        (n,) = conn.execute(
            "SELECT count(*) FROM inspections i WHERE i.at >= ? AND i.at < ? "
            "AND NOT EXISTS (SELECT 1 FROM inspections c WHERE c.supersedes = i.id) "
            "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.inspection_id = i.id)",
            (f.start.isoformat(timespec="microseconds"), f.end.isoformat(timespec="microseconds")),
        ).fetchone()
    finally:
        conn.close()
    return int(n)
