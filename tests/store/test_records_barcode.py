"""The scanned barcode kept with an inspection: stored, hashed into the audit chain, sent, and
records written before the column existed still verifying."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from records_support import FAST_HASHER, PASSWORD, Bench, FakeClock, open_bench
from sqlite_utils import Database

from workstation.core.records import InspectionDraft, Outcome
from workstation.core.tracking import make_fedex_express34, parse
from workstation.store import audit
from workstation.store.backup_files import damaged_advice
from workstation.store.db import RECORDS_FILE, open_records_connection
from workstation.store.records import RecordsStore, ValidationError
from workstation.store.records_schema import APPEND_ONLY_TABLES, migrations

NUMBER = "986578788855"
BARCODE = make_fedex_express34(NUMBER)


@pytest.fixture
def bench(data_dir: Path) -> Iterator[Bench]:
    b = open_bench(data_dir)
    yield b
    b.close()


def tamper(data_dir: Path, sql: str, params: tuple[object, ...]) -> None:
    conn = sqlite3.connect(data_dir / RECORDS_FILE)
    for table in APPEND_ONLY_TABLES:  # someone holding the file can do this
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_the_barcode_is_stored_read_back_sent_and_hashed(bench: Bench) -> None:
    scan = parse("]C1" + BARCODE)
    rec = bench.store.save_inspection(
        bench.officer, InspectionDraft(scan.tracking_id, Outcome.RELEASED, barcode=scan.barcode)
    )
    assert (rec.tracking_id, rec.barcode) == (NUMBER, BARCODE)
    assert bench.store.inspections_for(NUMBER) == [rec]
    assert bench.store.get_inspection(rec.id) == rec
    payload = json.loads(
        bench.store.conn.execute("SELECT payload FROM outbox WHERE record_id = ?", (rec.id,)).fetchone()[0]
    )
    assert payload["inspection"]["barcode"] == BARCODE
    assert payload["inspection"]["tracking_id"] == NUMBER
    assert bench.store.verify_audit().ok


def test_a_record_without_a_barcode_keeps_working(bench: Bench) -> None:
    rec = bench.store.save_inspection(bench.officer, InspectionDraft("RB123456785GB", Outcome.RELEASED))
    assert rec.barcode is None
    assert bench.store.get_inspection(rec.id) == rec
    assert bench.store.verify_audit().ok


def test_a_barcode_that_is_not_normalised_is_refused(bench: Bench) -> None:
    with pytest.raises(ValidationError) as err:
        bench.store.save_inspection(
            bench.officer, InspectionDraft(NUMBER, Outcome.RELEASED, barcode="<b>1001</b>")
        )
    assert set(err.value.errors) == {"barcode"}


@pytest.mark.parametrize("new_value", [None, BARCODE[:-1] + "0", NUMBER])
def test_changing_a_stored_barcode_breaks_the_audit_chain(
    data_dir: Path, bench: Bench, new_value: str | None
) -> None:
    rec = bench.store.save_inspection(
        bench.officer, InspectionDraft(NUMBER, Outcome.RELEASED, barcode=BARCODE)
    )
    bench.close()
    tamper(data_dir, "UPDATE inspections SET barcode = ? WHERE id = ?", (new_value, rec.id))
    store = RecordsStore.open(data_dir)
    try:
        brk = store.verify_audit().first_break
        assert brk is not None
        assert brk.kind == "edited_record"
        assert rec.id in brk.message
    finally:
        store.close()


def _old_file_with_one_record(data_dir: Path) -> str:
    """A records file as the version before the barcode column wrote it, with one inspection."""
    conn = open_records_connection(data_dir, damaged_advice(data_dir))
    db = Database(conn)
    migrations.apply(db, stop_before="m002_inspection_barcode")
    store = RecordsStore(db, data_dir, FakeClock())
    # The officer and the shift as that version wrote them (its officers table, its audit entries).
    with store.transaction():
        conn.execute(
            "INSERT INTO officers (badge, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            ("O1", "Olga Officer", "officer", FAST_HASHER.hash(PASSWORD), "2026-03-02T08:00:00+00:00"),
        )
        audit.append(
            conn, at=store.now(), kind="officer_added", actor="", bench_id="B1", detail={"badge": "O1"}
        )
        shift = {
            "id": "shift-1",
            "officer_badge": "O1",
            "bench_id": "B1",
            "started_at": "2026-03-02T08:30:00.000000+00:00",
            "handed_over_from": None,
        }
        write_old_row(store, "shifts", shift, "shift_started")
    row = {  # the 17 columns of m001
        "id": "old-1",
        "tracking_id": NUMBER,
        "officer_badge": "O1",
        "officer_name": "Olga Officer",
        "bench_id": "B1",
        "shift_id": "shift-1",
        "at": "2026-03-02T09:00:00.000000+00:00",
        "outcome": "released",
        "exam_types": "[]",
        "notes": "",
        "manifest_found": 1,
        "risk_score": None,
        "risk_lane": None,
        "targeted": 0,
        "agency": None,
        "supersedes": None,
        "reason": "",
    }
    with store.transaction():
        write_old_row(store, "inspections", row, "inspection")
    assert "barcode" not in {r[1] for r in conn.execute("PRAGMA table_info(inspections)")}
    store.close()
    return row["id"]


def write_old_row(store: RecordsStore, table: str, row: dict[str, object], kind: str) -> None:
    """A row and its audit entry as that version wrote them (no outbox: that version's rows are not sent)."""
    cols = ", ".join(row)
    store.conn.execute(
        f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values())
    )
    audit.append(
        store.conn, at=store.now(), kind=kind, actor="O1", bench_id="B1", record=(table, str(row["id"]))
    )


def test_records_written_before_the_barcode_column_still_verify(data_dir: Path) -> None:
    old_id = _old_file_with_one_record(data_dir)
    store = RecordsStore.open(data_dir)  # applies the migration that adds the column
    try:
        assert store.verify_audit().ok
        old = store.get_inspection(old_id)
        assert old is not None
        assert (old.tracking_id, old.barcode) == (NUMBER, None)
    finally:
        store.close()
    # A value written into the old record afterwards is an edit the chain shows.
    tamper(data_dir, "UPDATE inspections SET barcode = ? WHERE id = ?", (BARCODE, old_id))
    store = RecordsStore.open(data_dir)
    try:
        brk = store.verify_audit().first_break
        assert brk is not None
        assert (brk.kind, old_id in brk.message) == ("edited_record", True)
    finally:
        store.close()
