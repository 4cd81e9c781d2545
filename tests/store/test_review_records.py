"""A supervisor's review as records, at the service: countersign and return (any bench's seizure), lookouts.

The rules hold at the service whatever a window shows: an own seizure is refused even when the
caller hands it in, an admin is refused, and each write has its audit entry and its outbox message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from records_support import Bench, open_bench

from workstation.core.errors import Conflict, Forbidden, Invalid, NotFound
from workstation.core.messages import (
    LookoutAdded,
    LookoutRemoved,
    Message,
    SeizureCountersigned,
    SeizureReturned,
    decode,
)
from workstation.core.records import InspectionDraft, Outcome, SeizedItem, SeizureDraft, Violation
from workstation.core.review import Lookout, SeizureRef


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def audit_count(b: Bench) -> int:
    return int(b.store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def last_message(b: Bench) -> Message:
    """The newest outbox message, decoded from the text the sync will send."""
    payload = b.store.conn.execute("SELECT payload FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()[0]
    return decode(payload)


def seizure_by(b: Bench, session_name: str, tracking: str = "N1") -> str:
    session = getattr(b, session_name)
    draft = SeizureDraft(Violation.NARCOTICS, "21 U.S.C. 881", (SeizedItem("powder", 1, 0.0, 0.0),), "vault")
    return b.store.save_seizure(session, InspectionDraft(tracking, Outcome.SEIZED), draft).id


def local_ref(b: Bench, seizure_id: str) -> SeizureRef:
    ref = b.store.seizure_ref(seizure_id)
    assert ref is not None
    return ref


def other_bench_seizure(officer_badge: str = "X9", seizure_id: str = "remote-seizure-1") -> SeizureRef:
    """A seizure made at another bench, known here only as the hub described it."""
    return SeizureRef(
        id=seizure_id,
        tracking_id="RB999",
        officer_badge=officer_badge,
        officer_name="Xena Elsewhere",
        bench_id="B-OTHER",
        at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        violation="trademark",
        total_msrp=600.0,
        total_domestic_value=60.0,
    )


def refused(b: Bench, error: type[Exception], why: str, action: object) -> None:
    before = (audit_count(b), b.store.outbox.count())
    with pytest.raises(error, match=why):
        action()  # type: ignore[operator]
    assert (audit_count(b), b.store.outbox.count()) == before
    assert not b.store.conn.in_transaction


# --- countersigning -------------------------------------------------------------------------------


def test_own_seizure_is_refused_at_the_service_even_when_handed_in(bench: Bench) -> None:
    own = local_ref(bench, seizure_by(bench, "supervisor"))
    refused(
        bench,
        Forbidden,
        "cannot countersign their own",
        lambda: bench.store.service.countersign(bench.supervisor, own),
    )
    # A forged reference naming someone else as the seizing officer does not get past the records.
    forged = replace(own, officer_badge="O1")
    refused(
        bench,
        Forbidden,
        "cannot countersign their own",
        lambda: bench.store.service.countersign(bench.supervisor, forged),
    )
    # Nor for another bench's seizure that names this supervisor as its officer.
    mine_elsewhere = other_bench_seizure(officer_badge="S1")
    refused(
        bench,
        Forbidden,
        "cannot countersign their own",
        lambda: bench.store.service.countersign(bench.supervisor, mine_elsewhere),
    )


def test_admins_and_officers_cannot_countersign(bench: Bench) -> None:
    ref = local_ref(bench, seizure_by(bench, "officer"))
    refused(
        bench,
        Forbidden,
        "admin: only a supervisor",
        lambda: bench.store.service.countersign(bench.admin, ref),
    )
    refused(
        bench,
        Forbidden,
        "officer: only a supervisor",
        lambda: bench.store.service.countersign(bench.officer2, ref),
    )
    remote = other_bench_seizure()
    refused(
        bench, Forbidden, "only a supervisor", lambda: bench.store.service.countersign(bench.admin, remote)
    )


def test_a_countersignature_is_a_record_with_its_audit_entry_and_message(bench: Bench) -> None:
    seizure_id = seizure_by(bench, "officer")
    before = audit_count(bench)
    saved = bench.store.service.countersign(bench.supervisor, local_ref(bench, seizure_id))
    assert saved.changes.ids("countersignature") == {saved.value}
    assert saved.changes.ids("seizure_review") == {saved.value}
    assert saved.changes.ids("seizure") == {seizure_id}
    row = bench.store.conn.execute(
        "SELECT seizure_id, action, supervisor_badge, supervisor_name, seizing_badge, bench_id, reason "
        "FROM seizure_reviews WHERE id = ?",
        (saved.value,),
    ).fetchone()
    assert row == (seizure_id, "countersign", "S1", "Sam Supervisor", "O1", "B3", "")
    assert audit_count(bench) == before + 1
    subject, kind = bench.store.conn.execute(
        "SELECT subject, kind FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert (subject, kind) == (f"seizure_reviews:{saved.value}", "countersign")
    message = last_message(bench)
    assert isinstance(message, SeizureCountersigned)
    assert (message.event_id, message.seizure_id, message.seizing_badge, message.supervisor_name) == (
        saved.value,
        seizure_id,
        "O1",
        "Sam Supervisor",
    )
    assert (message.audit_seq, message.audit_hash) == bench.store.audit_head()
    assert local_ref(bench, seizure_id).countersigned
    assert bench.store.verify_audit().ok


def test_another_benchs_seizure_is_countersigned_once(bench: Bench) -> None:
    remote = other_bench_seizure()
    saved = bench.store.service.countersign(bench.supervisor, remote)
    row = bench.store.conn.execute(
        "SELECT seizure_id, action, seizing_badge FROM seizure_reviews WHERE id = ?", (saved.value,)
    ).fetchone()
    assert row == ("remote-seizure-1", "countersign", "X9")
    message = last_message(bench)
    assert isinstance(message, SeizureCountersigned)
    assert message.seizing_badge == "X9"
    # The hub has not heard yet, so the reference still says "not countersigned": the records here do.
    refused(
        bench,
        Conflict,
        "already countersigned",
        lambda: bench.store.service.countersign(bench.supervisor2, remote),
    )
    # As the hub says it, too.
    said = replace(other_bench_seizure(seizure_id="remote-2"), countersigned=True)
    refused(
        bench,
        Conflict,
        "already countersigned",
        lambda: bench.store.service.countersign(bench.supervisor, said),
    )


def test_already_countersigned_is_a_conflict(bench: Bench) -> None:
    seizure_id = seizure_by(bench, "officer")
    bench.store.countersign_seizure(bench.supervisor, seizure_id)
    stale = replace(local_ref(bench, seizure_id), countersigned=False)  # as a window showed it a moment ago
    refused(
        bench,
        Conflict,
        "already countersigned",
        lambda: bench.store.service.countersign(bench.supervisor2, stale),
    )


def test_a_corrected_or_voided_seizure_is_refused(bench: Bench) -> None:
    corrected = seizure_by(bench, "officer", "N1")
    stale = local_ref(bench, corrected)
    bench.store.save_inspection(
        bench.supervisor2, InspectionDraft("N1", Outcome.RELEASED, supersedes=corrected, reason="not a fake")
    )
    refused(
        bench,
        Conflict,
        "corrected or voided",
        lambda: bench.store.service.countersign(bench.supervisor, stale),
    )
    voided = seizure_by(bench, "officer", "N2")
    stale = local_ref(bench, voided)
    bench.store.void_inspection(bench.supervisor2, voided, "scanned the wrong box")
    refused(
        bench,
        Conflict,
        "corrected or voided",
        lambda: bench.store.service.countersign(bench.supervisor, stale),
    )
    remote = replace(other_bench_seizure(), current=False)
    refused(
        bench,
        Conflict,
        "corrected or voided",
        lambda: bench.store.service.countersign(bench.supervisor, remote),
    )


def test_countersign_seizure_by_id_keeps_its_old_answers(bench: Bench) -> None:
    with pytest.raises(NotFound):
        bench.store.countersign_seizure(bench.supervisor, "no-such-record")
    released = bench.store.save_inspection(bench.officer, InspectionDraft("R1", Outcome.RELEASED)).id
    with pytest.raises(Invalid, match="not a seizure"):
        bench.store.countersign_seizure(bench.supervisor, released)


# --- returns for correction -----------------------------------------------------------------------


def test_a_return_needs_a_reason(bench: Bench) -> None:
    ref = local_ref(bench, seizure_by(bench, "officer"))
    for blank in ("", "   "):
        before = audit_count(bench)
        with pytest.raises(Invalid) as err:
            bench.store.service.return_for_correction(bench.supervisor, ref, blank)
        assert "reason" in err.value.errors
        assert audit_count(bench) == before


def test_a_return_is_a_record_with_its_audit_entry_and_message(bench: Bench) -> None:
    seizure_id = seizure_by(bench, "officer")
    before = audit_count(bench)
    saved = bench.store.service.return_for_correction(
        bench.supervisor, local_ref(bench, seizure_id), "  add the rights holder  "
    )
    assert saved.changes.ids("seizure_review") == {saved.value}
    assert saved.changes.ids("seizure") == {seizure_id}
    row = bench.store.conn.execute(
        "SELECT seizure_id, action, seizing_badge, reason FROM seizure_reviews WHERE id = ?", (saved.value,)
    ).fetchone()
    assert row == (seizure_id, "return", "O1", "add the rights holder")
    assert audit_count(bench) == before + 1
    kind, detail = bench.store.conn.execute(
        "SELECT kind, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert kind == "seizure_return"
    assert json.loads(detail)["reason"] == "add the rights holder"
    message = last_message(bench)
    assert isinstance(message, SeizureReturned)
    assert (message.seizure_id, message.seizing_badge, message.reason) == (
        seizure_id,
        "O1",
        "add the rights holder",
    )
    assert local_ref(bench, seizure_id).returned_reason == "add the rights holder"
    # Returned and waiting for its correction: not returned twice.
    refused(
        bench,
        Conflict,
        "already returned",
        lambda: bench.store.service.return_for_correction(
            bench.supervisor2, local_ref(bench, seizure_id), "again"
        ),
    )


def test_return_rules_match_countersigning(bench: Bench) -> None:
    own = local_ref(bench, seizure_by(bench, "supervisor", "N1"))
    refused(
        bench,
        Forbidden,
        "cannot return for correction their own",
        lambda: bench.store.service.return_for_correction(bench.supervisor, own, "fix it"),
    )
    refused(
        bench,
        Forbidden,
        "only a supervisor",
        lambda: bench.store.service.return_for_correction(bench.admin, own, "fix it"),
    )
    signed = seizure_by(bench, "officer", "N2")
    bench.store.countersign_seizure(bench.supervisor, signed)
    refused(
        bench,
        Conflict,
        "already countersigned",
        lambda: bench.store.service.return_for_correction(
            bench.supervisor2, local_ref(bench, signed), "fix it"
        ),
    )
    remote = other_bench_seizure()
    saved = bench.store.service.return_for_correction(bench.supervisor, remote, "photo missing")
    assert bench.store.conn.execute(
        "SELECT action FROM seizure_reviews WHERE id = ?", (saved.value,)
    ).fetchone() == ("return",)


# --- lookouts -----------------------------------------------------------------------------------


def a_week(b: Bench) -> datetime:
    return b.clock.now + timedelta(days=7)


def test_a_lookout_is_a_record_with_its_audit_entry_and_message(bench: Bench) -> None:
    before = audit_count(bench)
    saved = bench.store.service.add_lookout(
        bench.supervisor, "shipper", " ACME Trading* ", "counterfeit watches", a_week(bench)
    )
    lookout = saved.value
    assert isinstance(lookout, Lookout)
    assert (lookout.field, lookout.pattern, lookout.reason) == (
        "shipper",
        "ACME Trading*",
        "counterfeit watches",
    )
    assert lookout.added_by == "Sam Supervisor (S1)"
    assert lookout.bench_id == "B3"
    assert saved.changes.ids("lookout") == {lookout.id}
    assert audit_count(bench) == before + 1
    message = last_message(bench)
    assert isinstance(message, LookoutAdded)
    assert (message.event_id, message.field, message.pattern, message.expires_at) == (
        lookout.id,
        "shipper",
        "ACME Trading*",
        a_week(bench),
    )
    assert bench.store.lookouts(bench.clock.now) == [lookout]
    assert bench.store.lookouts(a_week(bench)) == []  # expired


def test_a_tracking_lookout_keeps_the_plain_tracking_number(bench: Bench) -> None:
    lookout = bench.store.add_lookout(
        bench.supervisor, "tracking", " 1z 999aa1 0123456784 ", "tip-off", a_week(bench)
    )
    assert lookout.pattern == "1Z999AA10123456784"


def test_lookouts_are_for_supervisors_only(bench: Bench) -> None:
    for session, role in ((bench.officer, "officer"), (bench.admin, "admin")):
        refused(
            bench,
            Forbidden,
            f"is an? {role}: only a supervisor adds or removes a facility lookout",
            lambda s=session: bench.store.service.add_lookout(s, "shipper", "ACME*", "fakes", a_week(bench)),
        )


def test_a_bad_lookout_names_each_field(bench: Bench) -> None:
    before = audit_count(bench)
    with pytest.raises(Invalid) as err:
        bench.store.service.add_lookout(
            bench.supervisor, "colour", "**", "", bench.clock.now - timedelta(hours=1)
        )
    assert set(err.value.errors) == {"field", "pattern", "reason", "expires_at"}
    assert audit_count(bench) == before


def test_removing_a_lookout_is_a_record_too(bench: Bench) -> None:
    lookout = bench.store.add_lookout(bench.supervisor, "consignee", "J* Doe", "drop address", a_week(bench))
    before = audit_count(bench)
    saved = bench.store.service.remove_lookout(bench.supervisor2, lookout.id, "arrested")
    assert saved.changes.ids("lookout") == {lookout.id}
    assert audit_count(bench) == before + 1
    message = last_message(bench)
    assert isinstance(message, LookoutRemoved)
    assert (message.event_id, message.lookout_id, message.reason) == (saved.value, lookout.id, "arrested")
    assert bench.store.lookouts(bench.clock.now) == []
    refused(
        bench,
        Conflict,
        "already removed",
        lambda: bench.store.service.remove_lookout(bench.supervisor, lookout.id, "again"),
    )
    refused(
        bench,
        NotFound,
        "not known here",
        lambda: bench.store.service.remove_lookout(bench.supervisor, "nope", "why"),
    )
    refused(
        bench,
        Forbidden,
        "only a supervisor",
        lambda: bench.store.service.remove_lookout(bench.officer, lookout.id, "why"),
    )
    with pytest.raises(Invalid) as err:
        bench.store.service.remove_lookout(bench.supervisor, lookout.id, " ")
    assert "reason" in err.value.errors


def test_another_benchs_lookout_is_removed_as_the_hub_showed_it(bench: Bench) -> None:
    theirs = Lookout(
        "remote-lookout",
        "seller",
        "cheapwatches*",
        "fakes",
        a_week(bench),
        "Xena Elsewhere (X9)",
        bench.clock.now,
        "B-OTHER",
    )
    saved = bench.store.service.remove_lookout(bench.supervisor, theirs.id, "resolved", theirs)
    assert bench.store.removed_lookouts() == {"remote-lookout"}
    assert saved.changes.ids("lookout") == {"remote-lookout"}
    refused(
        bench,
        Conflict,
        "already removed",
        lambda: bench.store.service.remove_lookout(bench.supervisor2, theirs.id, "again", theirs),
    )


def test_every_review_message_decodes_from_the_outbox(bench: Bench) -> None:
    seizure_id = seizure_by(bench, "officer", "N1")
    other = seizure_by(bench, "officer", "N2")
    bench.store.countersign_seizure(bench.supervisor, seizure_id)
    bench.store.return_for_correction(bench.supervisor, local_ref(bench, other), "wrong law cited")
    lookout = bench.store.add_lookout(
        bench.supervisor, "address", "*12 Harbour Rd*", "drop house", a_week(bench)
    )
    bench.store.remove_lookout(bench.supervisor, lookout.id, "cleared")
    kinds = [
        decode(p).KIND
        for (p,) in bench.store.conn.execute(
            "SELECT payload FROM outbox WHERE kind IN "
            "('countersignature', 'seizure_return', 'lookout', 'lookout_removal') ORDER BY seq"
        )
    ]
    assert kinds == ["countersignature", "seizure_return", "lookout", "lookout_removal"]
    assert bench.store.verify_audit().ok


def test_an_old_countersignature_message_without_the_seizing_badge_still_decodes() -> None:
    old = {
        "kind": "countersignature",
        "v": 1,
        "event_id": "c1",
        "bench_id": "B1",
        "at": "2026-03-02T09:00:00.000000+00:00",
        "actor": "S1",
        "audit_seq": 4,
        "audit_hash": "ab",
        "seizure_id": "s1",
        "supervisor_name": "Sam",
    }
    message = decode(json.dumps(old))
    assert isinstance(message, SeizureCountersigned)
    assert message.seizing_badge == ""
    with pytest.raises(Invalid) as err:
        decode(json.dumps({k: v for k, v in old.items() if k != "supervisor_name"}))
    assert "supervisor_name" in err.value.errors
