"""What the bench shows after a scan, and which outcomes it allows: the rules, without Qt.

The window asks these functions and shows the answer; the rules live here so that they can be
tested without a window, and so that the window cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from workstation.core.manifest import Item, Lane
from workstation.core.records import ExamType, InspectionRecord, Outcome
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

    @property
    def targeted(self) -> bool:
        return self.item is not None and self.item.risk is not None and self.item.risk.targeted

    @property
    def recordable(self) -> bool:
        return self.state is not ScanState.MISREAD


def misread_reason(tracking: TrackingNumber) -> str:
    """Why a scan is a misread, in words for the officer."""
    if tracking.foreign is not None:
        return f"the code {tracking.foreign}, which no label prints"
    return "the check digit is wrong"


def classify(tracking: TrackingNumber, item: Item | None, previous: Sequence[InspectionRecord]) -> ScanResult:
    """Decide what a scan means for the officer."""
    prev = tuple(previous)
    # A foreign character is a misread even if something was found: the code the officer holds
    # is not the one that was looked up.
    if tracking.foreign is not None or (item is None and tracking.misread):
        return ScanResult(tracking, None, prev, ScanState.MISREAD, Feedback.ERROR)
    if prev:
        state = ScanState.ALREADY_INSPECTED
    elif item is None:
        state = ScanState.UNMANIFESTED
    elif item.risk is not None and item.risk.targeted:
        state = ScanState.TARGETED
    else:
        state = ScanState.CLEAR
    if item is None:
        feedback = Feedback.ERROR
    elif (item.risk is not None and (item.risk.targeted or item.risk.lane is Lane.RED)) or prev:
        feedback = Feedback.ATTENTION
    else:
        feedback = Feedback.ACCEPT
    return ScanResult(tracking, item, prev, state, feedback)


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
