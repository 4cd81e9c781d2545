"""The report tests: the store's, hub's and sync's helpers on the path (records_support, hub_process, sync_support)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "store", HERE.parent / "hub", HERE.parent / "sync"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
