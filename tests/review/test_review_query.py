"""The shift log over this bench's records file: filters, search, currency, flags, detail, seizures."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from review_support import CURRENT_NEWEST_FIRST, FEDEX_12, FEDEX_34, S10, START, History, make_history

from workstation.core.errors import NotFound
from workstation.core.review import LogFilter
from workstation.store.review_query import LocalReviewSource


@pytest.fixture
def history(data_dir: Path) -> Iterator[History]:
    h = make_history(data_dir)
    yield h
    h.bench.close()


@pytest.fixture
def source(history: History) -> Iterator[LocalReviewSource]:
    src = LocalReviewSource(history.records_path, None, "B1", clock=history.clock)
    yield src
    src.close()


def names(history: History, source: LocalReviewSource, f: LogFilter) -> list[str]:
    by_id = {v: k for k, v in history.ids.items()}
    return [by_id[r.id] for r in source.log_rows(source.log_keys(f))]


def test_the_log_holds_current_records_newest_first(history: History, source: LocalReviewSource) -> None:
    assert names(history, source, LogFilter()) == list(CURRENT_NEWEST_FIRST)
    assert source.info.name == "this bench"
    assert source.info.facility_wide is False


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (LogFilter(officer="O2"), ["seized"]),
        (LogFilter(officer="S1"), ["correction"]),
        (LogFilter(bench="B1"), ["seized_returned", "seized_reviewed", "detained", "released"]),
        (LogFilter(outcome="seized"), ["seized_returned", "seized_reviewed", "seized"]),
        (LogFilter(outcome="duty_assessed"), ["correction"]),
        (LogFilter(lane="red"), ["detained", "seized"]),
        (LogFilter(lane="green"), ["released"]),
        (LogFilter(targeted=True), ["detained", "seized"]),
        (LogFilter(targeted=False), ["seized_returned", "seized_reviewed", "correction", "released"]),
        (LogFilter(seizure=True), ["seized_returned", "seized_reviewed", "seized"]),
        (LogFilter(seizure=False), ["correction", "detained", "released"]),
        (LogFilter(detention=True), ["detained"]),
        (
            LogFilter(detention=False),
            ["seized_returned", "seized_reviewed", "correction", "seized", "released"],
        ),
        (LogFilter(outcome="seized", officer="O1"), ["seized_returned", "seized_reviewed"]),
        (LogFilter(bench="B1", targeted=True, lane="red"), ["detained"]),
        (LogFilter(outcome="referred"), []),
    ],
)
def test_each_filter_selects_what_it_names(
    history: History, source: LocalReviewSource, f: LogFilter, expected: list[str]
) -> None:
    assert names(history, source, f) == expected


def test_a_time_window_starts_inclusive_and_ends_exclusive(
    history: History, source: LocalReviewSource
) -> None:
    # Records at 09:00, 10:00, 11:00 (detained), 13:00 (correction), 15:00, 16:00.
    ten, thirteen = START + timedelta(hours=1), START + timedelta(hours=4)
    assert names(history, source, LogFilter(start=ten, end=thirteen)) == ["detained", "seized"]
    assert names(history, source, LogFilter(start=thirteen)) == [
        "seized_returned",
        "seized_reviewed",
        "correction",
    ]
    assert names(history, source, LogFilter(end=ten)) == ["released"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (FEDEX_34, "seized"),  # the label's 34-digit barcode: the record's tracking id is its 12 digits
        (FEDEX_12, "seized"),
        (" ".join(FEDEX_34[i : i + 4] for i in range(0, 34, 4)), "seized"),
        (S10.lower(), "released"),
        (f"]C1{S10}", "released"),
    ],
)
def test_search_finds_a_record_by_any_scanned_form(
    history: History, source: LocalReviewSource, typed: str, expected: str
) -> None:
    assert names(history, source, LogFilter(search=typed)) == [expected]


def test_search_finds_the_current_record_only(history: History, source: LocalReviewSource) -> None:
    assert names(history, source, LogFilter(search="LX000000020CN")) == ["correction"]
    assert names(history, source, LogFilter(search="LX000000030CN")) == []  # voided
    assert names(history, source, LogFilter(search="LX000000020CN", officer="O1")) == []


def test_rows_come_in_the_order_asked_and_unknown_keys_are_left_out(
    history: History, source: LocalReviewSource
) -> None:
    keys = source.log_keys(LogFilter())
    asked = [keys[2], 999_999, keys[0]]
    assert [r.key for r in source.log_rows(asked)] == [keys[2], keys[0]]
    assert source.log_rows([]) == []


def test_flags_on_the_rows(history: History, source: LocalReviewSource) -> None:
    rows = {r.id: r for r in source.log_rows(source.log_keys(LogFilter()))}
    ids = history.ids
    seized = rows[ids["seized"]]
    assert (seized.seizure, seized.detention, seized.targeted, seized.countersigned) == (
        True,
        False,
        True,
        True,
    )
    assert (seized.tracking_id, seized.barcode, seized.risk_lane, seized.risk_score) == (
        FEDEX_12,
        FEDEX_34,
        "red",
        80,
    )
    assert seized.officer_badge == "O2"
    assert seized.at == START + timedelta(hours=1)
    assert rows[ids["seized_reviewed"]].countersigned is True  # from seizure_reviews
    assert rows[ids["seized_returned"]].countersigned is False  # a return is not a countersignature
    assert rows[ids["detained"]].detention is True
    assert rows[ids["correction"]].corrected is True
    assert rows[ids["released"]].corrected is False
    assert rows[ids["released"]].barcode == S10


def test_detail_holds_the_chain_of_corrections_and_the_audit(
    history: History, source: LocalReviewSource
) -> None:
    detail = source.detail(history.ids["correction"])
    assert detail.row.id == history.ids["correction"]
    assert [r["id"] for r in detail.history] == [history.ids["to_correct"]]
    assert detail.record["reason"] == "duty was owed"
    assert detail.record["supersedes"] == history.ids["to_correct"]
    assert [a["subject"] for a in detail.audit] == [f"inspections:{history.ids['correction']}"]
    assert detail.void is None
    assert detail.seizure is None
    assert detail.detention is None


def test_detail_of_a_seizure_and_of_a_voided_record(history: History, source: LocalReviewSource) -> None:
    seized = source.detail(history.ids["seized"])
    assert seized.seizure is not None
    assert seized.seizure["violation"] == "narcotics"
    assert [(i["description"], i["quantity"]) for i in seized.items] == [("white powder", 2)]
    assert [(r["action"], r["supervisor_badge"]) for r in seized.reviews] == [("countersign", "S1")]
    subjects = {a["subject"].split(":")[0] for a in seized.audit}
    assert {"inspections", "seizures", "seized_items", "seizure_reviews"} <= subjects
    returned = source.detail(history.ids["seized_returned"])
    assert [(r["action"], r["reason"]) for r in returned.reviews] == [("return", "the MSRP needs its source")]
    voided = source.detail(history.ids["to_void"])  # not in the log, still in the file
    assert voided.void is not None
    assert voided.void["reason"] == "wrong package"
    with pytest.raises(NotFound):
        source.detail("no-such-record")


def test_seizures_to_countersign_leave_out_the_supervisors_own_and_the_countersigned(
    history: History, source: LocalReviewSource
) -> None:
    ids = history.ids
    waiting = source.to_countersign()
    assert [s.id for s in waiting] == [ids["seized_returned"]]  # both others are countersigned
    returned = waiting[0]
    assert returned.returned_reason == "the MSRP needs its source"
    assert returned.countersigned is False
    assert returned.current is True
    assert returned.total_msrp == 200.0
    assert returned.total_domestic_value == 10.0
    assert [i["line_no"] for i in returned.items] == [0]
    assert source.to_countersign(exclude_badge="O1") == []
    assert [s.id for s in source.to_countersign(exclude_badge="O2")] == [ids["seized_returned"]]


def test_the_seizure_list_and_one_seizure(history: History, source: LocalReviewSource) -> None:
    ids = history.ids
    listed = source.seizures(LogFilter())
    assert [s.id for s in listed] == [
        ids["seized"],
        ids["seized_reviewed"],
        ids["seized_returned"],
    ]  # oldest first
    assert [s.countersigned for s in listed] == [True, True, False]
    # Who countersigned, from either table: a report names them without reading each record.
    assert listed[1].countersigned_by == "Sue Supervisor (S2)"
    assert listed[0].countersigned_by == "Sam Supervisor (S1)"
    assert listed[2].countersigned_by is None
    assert source.seizure(ids["seized"]).officer_badge == "O2"
    assert [s.id for s in source.seizures(LogFilter(officer="O2"))] == [ids["seized"]]
    with pytest.raises(NotFound):
        source.seizure(ids["released"])


def test_counts_by_local_hour_officer_bench_outcome_and_violation(
    history: History, source: LocalReviewSource
) -> None:
    counts = source.counts(LogFilter(), ZoneInfo("America/New_York"))  # UTC-5 in March before the 8th
    assert counts.total == 6
    assert counts.by_outcome == {"released": 1, "seized": 3, "detained": 1, "duty_assessed": 1}
    assert counts.by_officer == {"Olga Officer (O1)": 4, "Omar Officer (O2)": 1, "Sam Supervisor (S1)": 1}
    assert counts.by_bench == {"B1": 4, "B2": 1, "B3": 1}
    assert counts.by_hour["2026-03-02T04"] == {"released": 1}  # 09:00 UTC
    assert counts.by_hour["2026-03-02T11"] == {"seized": 1}  # 16:00 UTC
    assert sum(sum(v.values()) for v in counts.by_hour.values()) == 6
    assert counts.seizures_by_violation == {"narcotics": 3}
    assert counts.detentions_by_deadline == {"later": 1}  # notice due 03-07, it is 03-02
    assert (counts.targeted, counts.targeted_examined) == (2, 2)  # no reference data: the records' own


def test_detentions_by_deadline_follow_the_clock(history: History, source: LocalReviewSource) -> None:
    history.clock.now = START + timedelta(days=3, hours=12)  # notice due 03-07: in 2 days
    assert source.counts(LogFilter(), ZoneInfo("UTC")).detentions_by_deadline == {"due in 2 days": 1}
    history.clock.now = START + timedelta(days=6)  # past the notice deadline
    assert source.counts(LogFilter(), ZoneInfo("UTC")).detentions_by_deadline == {"overdue": 1}


def test_the_source_reads_only_and_answers_from_a_worker_thread(
    history: History, source: LocalReviewSource
) -> None:
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
        source.records("DELETE FROM sync_state", ())
    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(len(source.log_keys(LogFilter()))))
    worker.start()
    worker.join()
    assert answers == [len(CURRENT_NEWEST_FIRST)]


def test_a_record_saved_after_opening_is_seen(history: History, source: LocalReviewSource) -> None:
    from workstation.core.records import InspectionDraft, Outcome

    before = len(source.log_keys(LogFilter()))
    history.bench.store.save_inspection(
        history.bench.officer, InspectionDraft("LX000000060CN", Outcome.RELEASED)
    )
    assert len(source.log_keys(LogFilter())) == before + 1
