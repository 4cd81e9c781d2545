"""Manifests and risk assessments: what the advance data says about a package.

One item (tracking id, carrier, parties, totals, entry type) with its content lines and, when
the targeting system has assessed it, its risk. Validation of feed records: `feed_record.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Lane(Enum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class RiskReason:
    code: str
    text: str
    weight: float


@dataclass(frozen=True)
class Risk:
    score: int
    lane: Lane
    reasons: tuple[RiskReason, ...]
    targeted: bool
    target_reason: str
    rule_version: str
    assessed_at: str  # ISO 8601; newer assessments replace older ones

    def as_dict(self) -> dict[str, Any]:
        """The feed's (and `cache lookup`'s) JSON shape of an assessment."""
        return {
            "score": self.score,
            "lane": self.lane.value,
            "reasons": [{"code": r.code, "text": r.text, "weight": r.weight} for r in self.reasons],
            "targeted": self.targeted,
            "target_reason": self.target_reason,
            "rule_version": self.rule_version,
            "assessed_at": self.assessed_at,
        }


@dataclass(frozen=True)
class ContentLine:
    description: str
    hts_code: str | None
    quantity: float
    unit_value: float
    origin_country: str


@dataclass(frozen=True)
class Item:
    tracking_id: str
    carrier: str | None
    tracking_format: str | None
    entry_type: str
    arrival_date: str  # ISO date
    port: str
    shipper_name: str
    shipper_address: str
    shipper_country: str
    consignee_name: str
    consignee_address: str
    consignee_country: str
    marketplace: str
    seller: str
    weight_kg: float | None
    declared_value: float
    currency: str
    version: int
    lines: tuple[ContentLine, ...]
    risk: Risk | None


@dataclass(frozen=True)
class RiskUpdate:
    """A risk-only record: the assessment arrives after the manifest."""

    tracking_id: str
    risk: Risk
