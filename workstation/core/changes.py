"""What an operation changed: returned by every write, delivered to whoever shows that data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """Record ids touched, by kind ("inspection", "seizure", "countersignature", "shift", ...)."""

    records: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (kind, record id)

    @classmethod
    def of(cls, kind: str, *ids: str) -> Changes:
        return cls(frozenset((kind, i) for i in ids))

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(kind for kind, _ in self.records)

    def ids(self, kind: str) -> frozenset[str]:
        return frozenset(i for k, i in self.records if k == kind)

    def touches(self, *kinds: str) -> bool:
        return not self.kinds.isdisjoint(kinds)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.records | other.records)

    def __bool__(self) -> bool:
        return bool(self.records)

    @classmethod
    def merge(cls, many: Iterable[Changes]) -> Changes:
        out = cls()
        for c in many:
            out = out | c
        return out


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What every write of a service returns: its result (a record, an id, a session) and what it changed."""

    value: T
    changes: Changes
