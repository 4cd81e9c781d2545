"""Demo records made by the demo officers through the service layer: a real, verifiable history."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from argon2 import PasswordHasher

from workstation.core.demo import DemoGenerator
from workstation.core.records import (
    AGENCIES,
    DetentionDraft,
    ExamType,
    InspectionDraft,
    Outcome,
    SeizedItem,
    SeizureDraft,
    Violation,
)
from workstation.store.officers import DEMO_PASSWORD, OfficerDirectory
from workstation.store.records import RecordsStore

OUTCOME_WEIGHTS = (
    (Outcome.RELEASED, 70),
    (Outcome.DUTY_ASSESSED, 10),
    (Outcome.REFERRED, 6),
    (Outcome.DETAINED, 5),
    (Outcome.SEIZED, 6),
    (Outcome.REFUSED_RETURNED, 3),
)
# A tiny valid JPEG would do as well; the bytes only need to be kept and checked.
_PHOTO = b"\xff\xd8\xff\xe0demo-photo\xff\xd9"


@dataclass(frozen=True)
class DemoRecordsResult:
    records: int
    seizures: int
    countersigned: int
    corrections: int


def seed_records(
    store: RecordsStore,
    count: int,
    seed: int = 1,
    base_date: date | None = None,
    hasher: PasswordHasher | None = None,
) -> DemoRecordsResult:
    """Sign the demo officers in and record `count` outcomes on the demo items, as a bench would."""
    directory = OfficerDirectory(store, hasher=hasher)
    directory.ensure_demo_officers()
    rng = random.Random(seed)
    bench = "DEMO-BENCH-1"
    first = directory.sign_in("D1001", DEMO_PASSWORD, bench)
    supervisor = directory.sign_in("D2001", DEMO_PASSWORD, "DEMO-SUPERVISOR")
    session = first
    outcomes = [o for o, _ in OUTCOME_WEIGHTS]
    weights = [w for _, w in OUTCOME_WEIGHTS]
    seizures = countersigned = corrections = 0
    for n, item in enumerate(DemoGenerator(seed, base_date).records(count)):
        if n == count // 2 and count > 1:
            session = directory.sign_in("D1002", DEMO_PASSWORD, bench)  # hand-over mid-way
        risk = item.get("risk") or {}
        outcome = rng.choices(outcomes, weights)[0]
        draft = InspectionDraft(
            tracking_id=item["tracking_id"],
            outcome=outcome,
            exam_types=frozenset(rng.sample(list(ExamType), rng.randint(0, 2))),
            notes=rng.choice(("", "", "contents match the manifest", "repacked after exam")),
            risk_score=risk.get("score"),
            risk_lane=risk.get("lane"),
            targeted=bool(risk.get("targeted")),
            agency=rng.choice(AGENCIES) if outcome is Outcome.REFERRED else None,
        )
        if outcome is Outcome.DETAINED:
            store.save_detention(
                session, draft, DetentionDraft("sample sent for testing", "FDA lab", store.now().date())
            )
        elif outcome is Outcome.SEIZED:
            photo = store.save_photo(session, _PHOTO + str(n).encode())
            line = item["lines"][0]
            qty = max(1, int(line.get("quantity") or 1))
            seizure = SeizureDraft(
                violation=Violation.TRADEMARK,
                law_cited="19 U.S.C. 1526(e)",
                items=(
                    SeizedItem(
                        description=str(line.get("description") or "item"),
                        quantity=qty,
                        msrp_per_unit=round(rng.uniform(40, 900), 2),
                        domestic_value=round(float(line.get("unit_value") or 1.0) * qty, 2),
                        rights_holder="Demo Brands Inc.",
                        recordation_number=f"TMK 09-{rng.randint(10000, 99999)}",
                    ),
                ),
                storage_location=f"Seizure cage A, shelf {rng.randint(1, 12)}",
                photo_ids=(photo,),
            )
            record = store.save_seizure(session, draft, seizure)
            seizures += 1
            if rng.random() < 0.5:
                store.countersign_seizure(supervisor, record.id)
                countersigned += 1
        else:
            record = store.save_inspection(session, draft)
            if rng.random() < 0.02:
                store.save_inspection(
                    supervisor,
                    InspectionDraft(
                        tracking_id=record.tracking_id,
                        outcome=Outcome.DUTY_ASSESSED,
                        supersedes=record.id,
                        reason="duty was owed: corrected at supervisor review",
                    ),
                )
                corrections += 1
    directory.sign_out(session)
    directory.sign_out(supervisor)
    return DemoRecordsResult(count, seizures, countersigned, corrections)
