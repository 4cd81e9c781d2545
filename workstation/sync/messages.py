"""The wire messages of the sync: what the outbox holds and the hub receives.

Defined in `workstation.core.messages`, because the store builds each one inside the
transaction that writes its fact and `store` may not import `sync`; this is where the sync
client and the hub take them from.
"""

from __future__ import annotations

from workstation.core.messages import (
    MESSAGE_TYPES,
    DetentionRecorded,
    InspectionPart,
    InspectionRecorded,
    InspectionVoided,
    LookoutAdded,
    LookoutRemoved,
    Message,
    OfficerChanged,
    PhotoTaken,
    SecurityEvent,
    SeizedItemPart,
    SeizureCountersigned,
    SeizureRecorded,
    SeizureReturned,
    ShiftEnded,
    ShiftStarted,
    decode,
    encode,
    to_dict,
)

__all__ = [
    "MESSAGE_TYPES",
    "DetentionRecorded",
    "InspectionPart",
    "InspectionRecorded",
    "InspectionVoided",
    "LookoutAdded",
    "LookoutRemoved",
    "Message",
    "OfficerChanged",
    "PhotoTaken",
    "SecurityEvent",
    "SeizedItemPart",
    "SeizureCountersigned",
    "SeizureRecorded",
    "SeizureReturned",
    "ShiftEnded",
    "ShiftStarted",
    "decode",
    "encode",
    "to_dict",
]
