"""The supervisor review's tests reuse the records tests' bench (records_support); the report's hub
test the hub's and the sync's helpers too (hub_process, sync_support), found after this folder's
own modules (tests/sync keeps its desk bench in desk_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "store"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
for folder in (HERE.parent / "hub", HERE.parent / "sync"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
