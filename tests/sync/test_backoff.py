"""Backoff with full jitter: the wait is random below an exponential ceiling; Retry-After is a floor."""

from __future__ import annotations

import pytest

from workstation.sync.backoff import Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_ceiling_doubles_up_to_the_cap_and_the_wait_is_the_random_share_of_it() -> None:
    draws = iter([1.0, 0.5, 0.25, 1.0, 1.0, 0.0])
    b = Backoff(2.0, 10.0, random=lambda: next(draws), clock=Clock())
    assert [b.failed() for _ in range(6)] == [2.0, 2.0, 2.0, 10.0, 10.0, 0.0]
    assert b.ceiling() == 10.0


def test_retry_after_is_a_minimum_and_never_cut_by_jitter() -> None:
    b = Backoff(1.0, 300.0, random=lambda: 0.0, clock=Clock())
    assert b.failed(retry_after=7.0) == 7.0
    high = Backoff(1.0, 300.0, random=lambda: 1.0, clock=Clock())
    for _ in range(5):
        high.failed()
    assert high.failed(retry_after=3.0) == 32.0  # the backoff's own wait is longer: it stands


def test_remaining_counts_down_on_the_clock_and_success_resets() -> None:
    clock = Clock()
    b = Backoff(4.0, 60.0, random=lambda: 0.5, clock=clock)
    assert b.remaining() == 0.0
    assert b.failed() == 2.0
    clock.now += 1.5
    assert b.remaining() == pytest.approx(0.5)
    clock.now += 1.0
    assert b.remaining() == 0.0
    b.succeeded()
    assert (b.failures, b.ceiling(), b.remaining()) == (0, 0.0, 0.0)


def test_a_bad_base_or_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="0 < base <= cap"):
        Backoff(0.0, 10.0)
    with pytest.raises(ValueError, match="0 < base <= cap"):
        Backoff(20.0, 10.0)
