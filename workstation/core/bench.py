"""What the bench shows after a scan, and which outcomes it allows: the rules, without Qt.

The window asks these functions and shows the answer; the rules live here so that they can be
tested without a window, and so that the window cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from workstation.core.manifest import Item, Lane
from workstation.core.records import ExamType, InspectionRecord, Outcome
from workstation.core.review import Lookout, matching_lookouts
from workstation.core.tracking import TrackingNumber


class ScanState(Enum):
    CLEAR = "clear"  # manifest found, nothing special
    TARGETED = "targeted"  # targeted for exam: release needs an exam and a confirmation
    UNMANIFESTED = "unmanifested"  # no advance data: record what is known, photo, flag
    MISREAD = "misread"  # a wrong check digit or a foreign character: rescan, record nothing
    ALREADY_INSPECTED = "already_inspected"  # a second outcome needs a reason


class Feedback(Enum):
    ACCEPT = "accept"  # clean
    ATTENTION = "attention"  # look closer: high risk or targeted
    ERROR = "error"  # misread or not found


@dataclass(frozen=True)
class ScanResult:
    """Everything the window needs to show for one scan."""

    tracking: TrackingNumber
    item: Item | None
    previous: tuple[InspectionRecord, ...]
    state: ScanState
    feedback: Feedback
    lookouts: tuple[Lookout, ...] = ()  # the facility lookouts it matches: it counts as targeted

    @property
    def targeted(self) -> bool:
        if self.lookouts:
            return True
        return self.item is not None and self.item.risk is not None and self.item.risk.targeted

    @property
    def recordable(self) -> bool:
        return self.state is not ScanState.MISREAD


def misread_reason(tracking: TrackingNumber) -> str:
    """Why a scan is a misread, in words for the officer."""
    if tracking.foreign is not None:
        return f"the code {tracking.foreign}, which no label prints"
    return "the check digit is wrong"


def scan_lookouts(
    lookouts: Sequence[Lookout], tracking_id: str, item: Item | None, now: datetime
) -> tuple[Lookout, ...]:
    """The live lookouts a scanned package matches: its tracking number, and its manifest's parties.

    An address pattern is matched against the shipper's and the consignee's address each.
    """
    live = [lk for lk in lookouts if lk.live(now)]
    if not live:
        return ()
    if item is None:
        return tuple(matching_lookouts(live, tracking_id, {}, now))
    first = {
        "shipper": item.shipper_name,
        "consignee": item.consignee_name,
        "seller": item.seller,
        "address": item.shipper_address,
    }
    hits = {lk.id for lk in matching_lookouts(live, item.tracking_id, first, now)}
    others = [lk for lk in live if lk.field == "address" and lk.id not in hits]
    if others:
        consignee = {"address": item.consignee_address}
        hits.update(lk.id for lk in matching_lookouts(others, item.tracking_id, consignee, now))
    return tuple(lk for lk in live if lk.id in hits)


def lookout_banner(lookout: Lookout) -> str:
    """What the card says of a lookout: why, who added it, until when (local time)."""
    until = lookout.expires_at.astimezone()
    return f"LOOKOUT: {lookout.reason} — added by {lookout.added_by}, until {until:%d %b %Y %H:%M}"


def classify(
    tracking: TrackingNumber,
    item: Item | None,
    previous: Sequence[InspectionRecord],
    lookouts: Sequence[Lookout] = (),
) -> ScanResult:
    """Decide what a scan means for the officer; `lookouts` are the live lookouts it matches."""
    prev = tuple(previous)
    hits = tuple(lookouts)
    # A foreign character is a misread even if something was found: the code the officer holds
    # is not the one that was looked up.
    if tracking.foreign is not None or (item is None and tracking.misread):
        return ScanResult(tracking, None, prev, ScanState.MISREAD, Feedback.ERROR)
    if prev:
        state = ScanState.ALREADY_INSPECTED
    elif item is None:
        state = ScanState.UNMANIFESTED
    elif hits or (item.risk is not None and item.risk.targeted):
        state = ScanState.TARGETED
    else:
        state = ScanState.CLEAR
    if item is None:
        feedback = Feedback.ERROR
    elif hits or (item.risk is not None and (item.risk.targeted or item.risk.lane is Lane.RED)) or prev:
        feedback = Feedback.ATTENTION
    else:
        feedback = Feedback.ACCEPT
    return ScanResult(tracking, item, prev, state, feedback, hits)


class Gate(Enum):
    """What must happen before an outcome is recorded."""

    GO = "go"
    NEEDS_EXAM = "needs_exam"  # targeted item released without any exam recorded: refused
    CONFIRM = "confirm"  # targeted item released after an exam: ask once more
    NEEDS_REASON = "needs_reason"  # already inspected: a second outcome needs a reason
    REFUSED = "refused"  # misread: nothing may be recorded


def gate(
    result: ScanResult, outcome: Outcome, exams: frozenset[ExamType], *, reason_given: bool = False
) -> Gate:
    """The next hurdle before `outcome` may be recorded; GO when there is none."""
    if not result.recordable:
        return Gate.REFUSED
    if result.previous and not reason_given:
        return Gate.NEEDS_REASON
    if result.targeted and outcome is Outcome.RELEASED:
        return Gate.CONFIRM if exams else Gate.NEEDS_EXAM
    return Gate.GO
