"""The one scan event every source produces and every consumer sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from workstation.core.tracking import TrackingNumber, parse


class ScanSource(Enum):
    WEDGE = "wedge"
    SERIAL = "serial"
    CAMERA = "camera"
    MANUAL = "manual"


@dataclass(frozen=True)
class ScanEvent:
    """A code read from a package: what was read, from where, when; camera scans carry the crop."""

    code: str
    source: ScanSource
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # PNG-encoded crop of the frame around the barcode, for camera scans only.
    image_png: bytes | None = None

    @property
    def tracking(self) -> TrackingNumber:
        return parse(self.code)
