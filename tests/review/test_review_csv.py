"""The shift log's CSV reads back to the same rows; a file that is not one is refused by line and column."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.core import tracking
from workstation.core.errors import Invalid
from workstation.core.review import LOG_COLUMNS, LogRow
from workstation.core.review_csv import CSV_COLUMNS, read_log_csv, write_log_csv

ROW = LogRow(
    key=41,
    id="0f8fad5b-d9cb-469f-a165-70867728950e",
    tracking_id=tracking.make_fedex12("79876543210"),
    barcode=tracking.make_fedex_express34(tracking.make_fedex12("79876543210")),
    at=datetime(2026, 3, 2, 14, 5, 9, 123456, tzinfo=UTC),
    officer_badge="O1",
    officer_name="Olga O'Brien, Jr.",
    bench_id="B1",
    outcome="seized",
    risk_lane="red",
    risk_score=80,
    targeted=True,
    seizure=True,
    detention=False,
    countersigned=False,
    corrected=True,
    notes='two lines,\n"quoted", and a comma',
)
BARE = LogRow(
    key=7,
    id="a",
    tracking_id="LX123456785CN",
    barcode=None,
    at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
    officer_badge="O2",
    officer_name="",
    bench_id="B2",
    outcome="released",
    risk_lane=None,
    risk_score=None,
    targeted=False,
    seizure=False,
    detention=False,
    countersigned=False,
    corrected=False,
    notes="",
)


def round_trip(rows: list[LogRow]) -> tuple[str, list[LogRow]]:
    buf = io.StringIO(newline="")
    assert write_log_csv(rows, buf) == len(rows)
    text = buf.getvalue()
    return text, read_log_csv(io.StringIO(text, newline=""))


def test_rows_read_back_exactly() -> None:
    text, back = round_trip([ROW, BARE])
    assert back == [ROW, BARE]
    assert text.splitlines()[0] == ",".join((*LOG_COLUMNS, "key"))
    assert "2026-03-02T14:05:09.123456+00:00" in text
    assert ",true,true,false,false,true," in text


def test_a_time_in_another_zone_is_written_in_utc() -> None:
    local = ROW.__class__(**{**ROW.__dict__, "at": ROW.at.astimezone(timezone(timedelta(hours=-5)))})
    text, back = round_trip([local])
    assert "2026-03-02T14:05:09.123456+00:00" in text
    assert back[0].at == ROW.at


def test_an_empty_log_is_a_header() -> None:
    text, back = round_trip([])
    assert back == []
    assert text == ",".join(CSV_COLUMNS) + "\r\n"


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(
    notes=texts,
    name=texts,
    barcode=st.one_of(st.none(), st.text(alphabet="0123456789ABCZ", min_size=1, max_size=34)),
    score=st.one_of(st.none(), st.integers(-5, 100)),
    flags=st.lists(st.booleans(), min_size=5, max_size=5),
    micros=st.integers(0, 10**12),
)
def test_any_row_reads_back(
    notes: str, name: str, barcode: str | None, score: int | None, flags: list[bool], micros: int
) -> None:
    row = LogRow(
        key=micros,
        id="id-1",
        tracking_id="T123456",
        barcode=barcode,
        at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros),
        officer_badge="O1",
        officer_name=name,
        bench_id="B1",
        outcome="referred",
        risk_lane=None if score is None else "amber",
        risk_score=score,
        targeted=flags[0],
        seizure=flags[1],
        detention=flags[2],
        countersigned=flags[3],
        corrected=flags[4],
        notes=notes,
    )
    assert round_trip([row])[1] == [row]


def csv_with(line4: dict[str, str]) -> str:
    buf = io.StringIO(newline="")
    write_log_csv([ROW, BARE], buf)
    lines = buf.getvalue().split("\r\n")
    # ROW's notes hold a line break: ROW is physical lines 2 and 3, BARE is line 4 (records[2]).
    cells = lines[2].split(",")
    for column, value in line4.items():
        cells[CSV_COLUMNS.index(column)] = value
    lines[2] = ",".join(cells)
    return "\r\n".join(lines)


@pytest.mark.parametrize(
    ("change", "key", "said"),
    [
        ({"at": "yesterday"}, "line 4, column at", "yesterday"),
        ({"at": "2026-03-02T01:00:00"}, "line 4, column at", "no time zone"),
        ({"targeted": "yes"}, "line 4, column targeted", "expected true or false"),
        ({"risk_score": "high"}, "line 4, column risk_score", "not a whole number"),
        ({"key": ""}, "line 4, column key", "required"),
        ({"tracking_id": ""}, "line 4, column tracking_id", "required"),
        ({"outcome": "lost"}, "line 4, column outcome", "not an outcome"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column(change: dict[str, str], key: str, said: str) -> None:
    with pytest.raises(Invalid) as raised:
        read_log_csv(io.StringIO(csv_with(change), newline=""))
    assert list(raised.value.errors) == [key]
    assert said in raised.value.errors[key]


def test_a_row_with_too_few_cells_and_a_wrong_header_are_refused() -> None:
    good = csv_with({})
    short = good + "a,b,c\r\n"
    with pytest.raises(Invalid) as raised:
        read_log_csv(io.StringIO(short, newline=""))
    assert raised.value.errors == {"line 5": "3 cells, expected 17"}
    renamed = good.replace("officer_badge", "badge", 1)
    with pytest.raises(Invalid) as raised:
        read_log_csv(io.StringIO(renamed, newline=""))
    assert raised.value.errors == {
        "line 1, column 5": "expected 'officer_badge', found 'badge': not a shift-log CSV"
    }
    with pytest.raises(Invalid, match="empty"):
        read_log_csv(io.StringIO(""))
