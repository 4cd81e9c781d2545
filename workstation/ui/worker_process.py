"""The side of a process lane that runs in the worker process: Qt-free, standard library only.

A bulk cache write (the reference-data pull) is Python work: in a thread it would share the GIL
with the GUI and stretch a scan's lookup and paint. In its own process it shares nothing but the
cache file (WAL: the bench's reader never waits for this writer).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

# The resources the worker's factory built, once per worker process. A process-wide name is the
# only place a ProcessPoolExecutor initializer can leave something for the calls that follow.
_resources: Any = None

BACKGROUND_NICE = 19


def init(factory: Callable[[], Any], background: bool) -> None:
    """The worker's initializer: lower its priority (bulk work waits for the bench), build its resources."""
    global _resources
    if background and hasattr(os, "nice") and sys.platform != "win32":
        with contextlib.suppress(OSError):
            os.nice(BACKGROUND_NICE)
    _resources = factory()


def call(op: Callable[[Any], Any]) -> Any:
    """Run one operation on the worker's resources."""
    return op(_resources)


def close() -> None:
    """Close the worker's resources, on the worker, before the process ends."""
    global _resources
    closer = getattr(_resources, "close", None)
    if callable(closer):
        closer()
    _resources = None
