"""Telling a keyboard-wedge scanner's burst from a person typing, from key times alone.

A USB scanner in keyboard mode types a whole code in a burst: every key within a few milliseconds
of the one before, then Enter (or Tab). A person is ten times slower. The buffer holds keys back
while they might still be a burst. When the burst ends in a terminator it has a scan; when a gap is
too long, a terminator comes too early, or some other key interrupts, the held keys were typing and
the caller must release them, in order, to where they were going.

Holding back (rather than letting keys through and deleting them afterwards) keeps the focused
widget untouched by a scan: no undo step, no text-changed signal, no validator or completer seeing
half a tracking number. A person's key reaches the widget at most `flush_after_ms` late.

The buffer is generic over what a key is to its caller (the Qt filter stores a copy of its event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

TERMINATORS = frozenset({"enter", "tab"})


@dataclass(frozen=True)
class WedgeResult(Generic[T]):
    """What the caller must do with the key just fed, and with the keys held before it."""

    # Deliver these earlier keys now, in this order, before deciding about the key just fed.
    release: tuple[T, ...] = ()
    # The key just fed is taken by the buffer (held back, or the terminator of a scan): swallow it.
    held: bool = False
    # A completed scan: the code the burst typed, without its terminator.
    scan: str | None = None


@dataclass
class _Held(Generic[T]):
    text: str
    at_ms: float
    key: T


@dataclass
class WedgeBuffer(Generic[T]):
    """Feed it key presses with their times in milliseconds; it tells scans from typing."""

    max_key_interval_ms: float = 35.0
    min_length: int = 6
    terminators: frozenset[str] = TERMINATORS
    _held: list[_Held[T]] = field(default_factory=list)

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def deadline_ms(self) -> float | None:
        """When the held keys stop possibly being a burst: call `flush` then (or after)."""
        if not self._held:
            return None
        return self._held[-1].at_ms + self.max_key_interval_ms

    def feed_text(self, text: str, at_ms: float, key: T) -> WedgeResult[T]:
        """A key that types `text` (one printable character, usually)."""
        release = self._expire(at_ms)
        self._held.append(_Held(text, at_ms, key))
        return WedgeResult(release=release, held=True)

    def feed_terminator(self, name: str, at_ms: float, key: T) -> WedgeResult[T]:
        """Enter or Tab (by name: "enter", "tab"). Ends a burst, or is just a key."""
        release = self._expire(at_ms)
        if name not in self.terminators:
            return WedgeResult(release=release + self._release_all())
        code = "".join(h.text for h in self._held)
        if release or len(code) < self.min_length:
            return WedgeResult(release=release + self._release_all())
        self._held.clear()
        return WedgeResult(held=True, scan=code)

    def feed_other(self, at_ms: float) -> WedgeResult[T]:
        """Any other key (arrows, Backspace, a shortcut): a scanner does not type it, so the held
        keys were typing. Modifier keys alone (Shift for capitals) must not be fed at all."""
        return WedgeResult(release=self._release_all())

    def flush(self, now_ms: float | None = None) -> WedgeResult[T]:
        """Release held keys whose burst can no longer continue: those older than the deadline at
        `now_ms`, or all of them when None (the caller's timer says no key came in time)."""
        return WedgeResult(release=self._release_all() if now_ms is None else self._expire(now_ms))

    def _expire(self, now_ms: float) -> tuple[T, ...]:
        # A gap longer than the scanner's: whatever is held was typed by hand.
        if self._held and now_ms - self._held[-1].at_ms > self.max_key_interval_ms:
            return self._release_all()
        return ()

    def _release_all(self) -> tuple[T, ...]:
        keys = tuple(h.key for h in self._held)
        self._held.clear()
        return keys
