"""The records store on a real file: one transaction per save, corrections, photos, views."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from records_support import Bench, open_bench

from workstation.core.errors import Conflict
from workstation.core.records import (
    DetentionDraft,
    ExamType,
    InspectionDraft,
    Outcome,
    SeizedItem,
    SeizureDraft,
    Violation,
)
from workstation.store.photos import PhotoIntegrityError
from workstation.store.records import ValidationError


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def counts(b: Bench) -> tuple[int, int, int]:
    one = lambda sql: b.store.conn.execute(sql).fetchone()[0]  # noqa: E731
    return (
        one("SELECT count(*) FROM inspections"),
        one("SELECT count(*) FROM audit_log"),
        one("SELECT count(*) FROM outbox"),
    )


def seizure(photo_ids: tuple[str, ...]) -> SeizureDraft:
    return SeizureDraft(
        Violation.TRADEMARK,
        "19 U.S.C. 1526(e)",
        (SeizedItem("handbag", 2, 300.0, 80.0, "Brand Co"), SeizedItem("wallet", 5, 90.0, 20.0)),
        "cage A, shelf 2",
        photo_ids,
    )


def test_save_writes_record_audit_entry_and_outbox_row(bench: Bench) -> None:
    before = counts(bench)
    rec = bench.store.save_inspection(
        bench.officer,
        InspectionDraft(
            "RB123456785GB", Outcome.RELEASED, frozenset({ExamType.XRAY}), notes="ok", risk_score=40
        ),
    )
    assert counts(bench) == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert rec.officer_badge == "O1"
    assert rec.bench_id == "B1"
    assert rec.exam_types == {ExamType.XRAY}
    entry = bench.store.conn.execute(
        "SELECT kind, actor, subject FROM audit_log ORDER BY seq DESC"
    ).fetchone()
    assert entry == ("inspection", "O1", f"inspections:{rec.id}")
    payload = json.loads(
        bench.store.conn.execute("SELECT payload FROM outbox WHERE record_id = ?", (rec.id,)).fetchone()[0]
    )
    assert payload["inspection"]["tracking_id"] == "RB123456785GB"
    assert bench.store.inspections_for("RB123456785GB") == [rec]
    assert bench.store.verify_audit().ok


def test_a_failing_outbox_write_leaves_no_record_and_no_audit_entry(bench: Bench) -> None:
    bench.store.conn.execute(
        "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk gone'); END"
    )
    before = counts(bench)
    with pytest.raises(sqlite3.DatabaseError, match="disk gone"):
        bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    assert counts(bench) == before
    assert not bench.store.conn.in_transaction


def test_records_tables_refuse_update_and_delete(bench: Bench) -> None:
    rec = bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    conn = bench.store.conn
    for sql in (
        "UPDATE inspections SET notes = 'x' WHERE id = ?",
        "DELETE FROM inspections WHERE id = ?",
        "DELETE FROM audit_log WHERE subject = 'inspections:' || ?",
        "UPDATE audit_log SET detail = '{}' WHERE subject = 'inspections:' || ?",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql, (rec.id,))
        conn.rollback()


def test_a_correction_supersedes_and_the_view_shows_the_current_state(bench: Bench) -> None:
    first = bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    fixed = bench.store.save_inspection(
        bench.supervisor,
        InspectionDraft("X1", Outcome.DUTY_ASSESSED, supersedes=first.id, reason="duty was owed"),
    )
    assert bench.store.inspections_for("X1") == [fixed]
    assert bench.store.get_inspection(first.id) == first  # the fact is still there
    kinds = [r[0] for r in bench.store.conn.execute("SELECT kind FROM audit_log ORDER BY seq DESC LIMIT 1")]
    assert kinds == ["correction"]
    with pytest.raises(Conflict, match="already corrected"):
        bench.store.save_inspection(
            bench.supervisor, InspectionDraft("X1", Outcome.RELEASED, supersedes=first.id, reason="again")
        )
    with pytest.raises(ValidationError) as err:
        bench.store.save_inspection(
            bench.supervisor, InspectionDraft("X1", Outcome.RELEASED, supersedes=fixed.id)
        )
    assert "reason" in err.value.errors
    with pytest.raises(ValueError, match="is for X1"):
        bench.store.save_inspection(
            bench.supervisor, InspectionDraft("X2", Outcome.RELEASED, supersedes=fixed.id, reason="r")
        )


def test_a_void_drops_the_record_from_the_view(bench: Bench) -> None:
    rec = bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.RELEASED))
    bench.store.void_inspection(bench.supervisor, rec.id, "scanned the wrong package")
    assert bench.store.inspections_for("X1") == []
    assert bench.store.verify_audit().ok


def test_seizure_with_items_and_photos(bench: Bench) -> None:
    photo = bench.store.save_photo(bench.officer, b"\xff\xd8 jpeg bytes", ".JPG")
    assert (bench.store.data_dir / "photos" / f"{photo}.jpg").exists()
    rec = bench.store.save_seizure(bench.officer, InspectionDraft("X1", Outcome.SEIZED), seizure((photo,)))
    row = bench.store.conn.execute(
        "SELECT violation, total_msrp, total_domestic_value FROM seizures WHERE id = ?", (rec.id,)
    ).fetchone()
    assert row == ("trademark", 2 * 300.0 + 5 * 90.0, 100.0)
    payload = json.loads(
        bench.store.conn.execute("SELECT payload FROM outbox WHERE record_id = ?", (rec.id,)).fetchone()[0]
    )
    assert [i["description"] for i in payload["items"]] == ["handbag", "wallet"]
    assert payload["kind"] == "seizure"
    assert payload["photo_ids"] == [photo]
    assert payload["inspection"]["manifest_found"] is True
    assert bench.store.open_case_tracking_ids() == {"X1"}
    assert bench.store.verify_audit().ok


def test_an_invalid_seizure_raises_with_the_field_messages(bench: Bench) -> None:
    with pytest.raises(ValidationError) as err:
        bench.store.save_seizure(bench.officer, InspectionDraft("X1", Outcome.SEIZED), seizure(()))
    assert "photos" in err.value.errors
    assert "photos" in str(err.value)
    with pytest.raises(ValidationError, match="unknown photo"):
        bench.store.save_seizure(bench.officer, InspectionDraft("X1", Outcome.SEIZED), seizure(("nope",)))
    with pytest.raises(ValueError, match="save_seizure"):
        bench.store.save_inspection(bench.officer, InspectionDraft("X1", Outcome.SEIZED))
    assert bench.store.inspections_for("X1") == []


def test_photos_are_checked_on_read(bench: Bench) -> None:
    data = b"evidence" * 100
    photo = bench.store.save_photo(bench.officer, data)
    assert bench.store.read_photo(photo) == data
    path = bench.store.data_dir / "photos" / f"{photo}.jpg"
    path.write_bytes(data + b"x")
    with pytest.raises(PhotoIntegrityError, match="does not match"):
        bench.store.read_photo(photo)
    path.unlink()
    with pytest.raises(PhotoIntegrityError, match="cannot be read"):
        bench.store.read_photo(photo)
    with pytest.raises(ValueError, match="suffix"):
        bench.store.save_photo(bench.officer, data, "/../../etc/passwd")


@pytest.mark.parametrize(
    ("data", "given", "named"),
    [
        (b"\xff\xd8\xff\xe0 a JPEG", ".png", ".jpg"),  # a camera frame encoded as JPEG
        (b"\x89PNG\r\n\x1a\n a PNG", ".jpg", ".png"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 a WebP", ".jpg", ".webp"),
        (b"some format we do not know", ".tif", ".tif"),  # unknown content: the caller's name stays
    ],
)
def test_a_photo_file_is_named_by_what_it_holds(bench: Bench, data: bytes, given: str, named: str) -> None:
    photo = bench.store.save_photo(bench.officer, data, given)
    (file_name,) = bench.store.conn.execute("SELECT file_name FROM photos WHERE id = ?", (photo,)).fetchone()
    assert file_name == photo + named
    assert (bench.store.data_dir / "photos" / file_name).read_bytes() == data


def test_detention_records_its_deadlines_and_opens_a_case(bench: Bench) -> None:
    rec = bench.store.save_detention(
        bench.officer,
        InspectionDraft("X1", Outcome.DETAINED, frozenset({ExamType.LAB_SAMPLE})),
        DetentionDraft("suspected unapproved drug", "FDA", date(2026, 3, 1)),
    )
    row = bench.store.conn.execute(
        "SELECT notice_due, decision_due FROM detentions WHERE id = ?", (rec.id,)
    ).fetchone()
    assert row == ("2026-03-06", "2026-03-31")
    assert bench.store.open_case_tracking_ids() == {"X1"}
    bench.store.save_inspection(
        bench.officer, InspectionDraft("X1", Outcome.RELEASED, notes="lab cleared it")
    )
    assert bench.store.open_case_tracking_ids() == set()
    with pytest.raises(ValidationError):
        bench.store.save_detention(
            bench.officer,
            InspectionDraft("X2", Outcome.DETAINED),
            DetentionDraft("r", "FDA", date(2026, 3, 3)),
        )


def test_shift_views_and_outbox_count(bench: Bench) -> None:
    outbox = bench.store.outbox_count()
    saved = []
    for n in range(3):
        bench.clock.advance(seconds=1)
        saved.append(bench.store.save_inspection(bench.officer, InspectionDraft(f"X{n}", Outcome.RELEASED)))
    bench.store.save_inspection(bench.officer2, InspectionDraft("Y", Outcome.RELEASED))
    assert bench.store.shift_inspections(bench.officer) == saved[::-1]
    assert bench.store.shift_inspections(bench.officer, limit=2) == saved[:0:-1]
    assert bench.store.shift_count(bench.officer) == 3
    assert bench.store.outbox_count() == outbox + 4
    bench.store.conn.execute("UPDATE outbox SET sent_at = 'now'")
    bench.store.conn.commit()
    assert bench.store.outbox_count() == 0


def test_open_case_ids_through_the_data_dir(data_dir: Path) -> None:
    from workstation.store.records import open_case_tracking_ids

    assert open_case_tracking_ids(data_dir) == set()
    b = open_bench(data_dir)
    b.store.save_detention(
        b.officer, InspectionDraft("X9", Outcome.DETAINED), DetentionDraft("r", "CPSC", date(2026, 3, 1))
    )
    b.close()
    assert open_case_tracking_ids(data_dir) == {"X9"}
