"""The supervisor review's tests reuse the records tests' bench (records_support), and the report's
tests the hub's and the sync's helpers too (hub_process, sync_support)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "store", HERE.parent / "hub", HERE.parent / "sync"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
