"""The supervisor review's tests reuse the records tests' bench (records_support)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "store"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
