"""A small records history made through the real RecordsService, and what it should show.

Officers O1 (bench B1) and O2 (B2) record; supervisors S1 and S2 correct, void and countersign.
The clock starts 2026-03-02 09:00 UTC and moves an hour between records, so times tell them apart.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from records_support import Bench, FakeClock, open_bench

from workstation.core import tracking
from workstation.core.records import (
    DetentionDraft,
    InspectionDraft,
    InspectionRecord,
    Outcome,
    SeizedItem,
    SeizureDraft,
    Session,
    Violation,
)
from workstation.store.db import RECORDS_FILE

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FEDEX_12 = tracking.make_fedex12("79876543210")
FEDEX_34 = tracking.make_fedex_express34(FEDEX_12)
S10 = tracking.make_s10("LX", "12345678", "CN")


@dataclass
class History:
    bench: Bench
    records_path: Path
    ids: dict[str, str] = field(default_factory=dict)  # name -> inspection id

    @property
    def clock(self) -> FakeClock:
        return self.bench.clock

    def raw(self) -> sqlite3.Connection:
        """A second connection for rows no service writes yet (seizure_reviews, lookouts)."""
        return sqlite3.connect(str(self.records_path), isolation_level=None)


def seize(bench: Bench, session: Session, draft: InspectionDraft, violation: Violation = Violation.NARCOTICS,
          msrp: float = 100.0) -> InspectionRecord:  # fmt: skip
    return bench.store.save_seizure(
        session,
        draft,
        SeizureDraft(
            violation=violation,
            law_cited="21 U.S.C. 881",
            items=(SeizedItem("white powder", 2, msrp, 10.0),),
            storage_location="vault 1",
        ),
    )


def make_history(data_dir: Path) -> History:
    """Eight records, two of them no longer current; see the module's docstring for who does what."""
    bench = open_bench(data_dir, FakeClock(START))
    h = History(bench, data_dir / RECORDS_FILE)
    store, clock = bench.store, bench.clock

    def step() -> None:
        clock.advance(hours=1)

    # 09:00 O1 releases a post item (green), scanned as it is.
    h.ids["released"] = store.save_inspection(
        bench.officer, InspectionDraft(S10, Outcome.RELEASED, risk_score=5, risk_lane="green", barcode=S10)
    ).id
    step()  # 10:00 O2 seizes a FedEx parcel scanned from its 34-digit barcode (red, targeted)
    h.ids["seized"] = seize(
        bench,
        bench.officer2,
        InspectionDraft(
            FEDEX_12, Outcome.SEIZED, risk_score=80, risk_lane="red", targeted=True, barcode=FEDEX_34
        ),
    ).id
    step()  # 11:00 O1 detains a targeted item
    h.ids["detained"] = store.save_detention(
        bench.officer,
        InspectionDraft("LX000000010CN", Outcome.DETAINED, risk_score=65, risk_lane="red", targeted=True),
        DetentionDraft("sample sent for testing", "FDA lab", date(2026, 3, 2)),
    ).id
    step()  # 12:00 O1 releases; S1 corrects it at 13:00
    h.ids["to_correct"] = store.save_inspection(
        bench.officer, InspectionDraft("LX000000020CN", Outcome.RELEASED, risk_lane="yellow", risk_score=40)
    ).id
    step()
    h.ids["correction"] = store.save_inspection(
        bench.supervisor,
        InspectionDraft(
            "LX000000020CN", Outcome.DUTY_ASSESSED, supersedes=h.ids["to_correct"], reason="duty was owed"
        ),
    ).id
    step()  # 14:00 O2 releases; S1 voids it
    h.ids["to_void"] = store.save_inspection(
        bench.officer2, InspectionDraft("LX000000030CN", Outcome.RELEASED)
    ).id
    store.void_inspection(bench.supervisor, h.ids["to_void"], "wrong package")
    step()  # 15:00 O1 seizes twice: one countersigned since m006, one returned for correction
    h.ids["seized_reviewed"] = seize(
        bench, bench.officer, InspectionDraft("LX000000040CN", Outcome.SEIZED)
    ).id
    step()
    h.ids["seized_returned"] = seize(
        bench, bench.officer, InspectionDraft("LX000000050CN", Outcome.SEIZED)
    ).id
    # S1 countersigns O2's seizure the old way (countersignatures).
    store.countersign_seizure(bench.supervisor, h.ids["seized"])
    with h.raw() as raw:
        raw.execute(
            "INSERT INTO seizure_reviews (id, seizure_id, action, supervisor_badge, supervisor_name, seizing_badge, "
            "bench_id, at, reason) VALUES ('r1', ?, 'countersign', 'S2', 'Sue Supervisor', 'O1', 'B4', ?, '')",
            (h.ids["seized_reviewed"], clock.now.isoformat(timespec="microseconds")),
        )
        raw.execute(
            "INSERT INTO seizure_reviews (id, seizure_id, action, supervisor_badge, supervisor_name, seizing_badge, "
            "bench_id, at, reason) VALUES ('r2', ?, 'return', 'S2', 'Sue Supervisor', 'O1', 'B4', ?, "
            "'the MSRP needs its source')",
            (h.ids["seized_returned"], clock.now.isoformat(timespec="microseconds")),
        )
    step()  # 17:00
    return h


# What the log shows, newest first: the voided and the corrected record are gone.
CURRENT_NEWEST_FIRST = ("seized_returned", "seized_reviewed", "correction", "detained", "seized", "released")
