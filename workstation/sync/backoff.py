"""When to try the hub again: exponential backoff with full jitter, and the hub's Retry-After as a floor.

Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): after the n-th failure in
a row, wait a uniformly random time between 0 and min(cap, base * 2**n), so many benches that
lost the hub at once do not come back at once. A `Retry-After` from the hub is a minimum: the
bench never comes back sooner than the hub asked. Randomness and the clock are injected.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable


class Backoff:
    """The wait before the next attempt; `failed()` after a failure, `succeeded()` after a success."""

    def __init__(
        self,
        base: float = 1.0,
        cap: float = 300.0,
        *,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError(f"backoff needs 0 < base <= cap, not base={base!r}, cap={cap!r}")
        self.base = base
        self.cap = cap
        self._random = random
        self._clock = clock
        self.failures = 0
        self._next_at: float | None = None

    def ceiling(self) -> float:
        """The longest wait after the failures so far: min(cap, base * 2**(failures - 1))."""
        if self.failures <= 0:
            return 0.0
        # Capped exponent: 2**n overflows a float long before any bench gives up.
        return min(self.cap, self.base * 2.0 ** min(self.failures - 1, 64))

    def failed(self, retry_after: float | None = None) -> float:
        """Count a failure; return the wait before the next attempt (at least `retry_after`)."""
        self.failures += 1
        delay = self._random() * self.ceiling()
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        self._next_at = self._clock() + delay
        return delay

    def succeeded(self) -> None:
        self.failures = 0
        self._next_at = None

    def remaining(self) -> float:
        """Seconds left before the next attempt is due (0 when it is due now)."""
        if self._next_at is None:
            return 0.0
        return max(0.0, self._next_at - self._clock())
