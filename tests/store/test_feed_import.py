"""Feed import from real files: quarantine with line numbers and reasons, versions, risk-only records, exit codes."""

from __future__ import annotations

import copy
import csv
import io
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workstation.cli import main
from workstation.core.demo import DemoGenerator
from workstation.core.feed_record import ItemRecord, RecordError, flat_record, item_from_record
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import CSV_COLUMNS, csv_rows, write_feed
from workstation.store.feed_import import FeedImporter, FeedReadError

BASE_DATE = date(2026, 5, 1)


def demo(count: int, seed: int = 5) -> list[dict[str, Any]]:
    return list(DemoGenerator(seed, BASE_DATE).records(count))


@pytest.fixture
def cache(data_dir: Path) -> ManifestCache:
    c = ManifestCache(open_cache(data_dir))
    yield c
    c.db.conn.close()


def quarantine(cache: ManifestCache) -> dict[int, str]:
    return dict(cache.db.conn.execute("SELECT line_number, reason FROM quarantine ORDER BY line_number"))


def snapshot(cache: ManifestCache) -> list[list[tuple[Any, ...]]]:
    conn = cache.db.conn
    return [
        conn.execute("SELECT * FROM items ORDER BY tracking_id").fetchall(),
        conn.execute("SELECT * FROM content_lines ORDER BY tracking_id, line_no").fetchall(),
        conn.execute("SELECT * FROM risk ORDER BY tracking_id").fetchall(),
    ]


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --- JSON Lines ---------------------------------------------------------------------------


def bad_jsonl(tmp_path: Path) -> tuple[Path, list[dict[str, Any]], dict[int, str]]:
    """A feed with every kind of bad row; returns the file, the good records, and line -> reason."""
    recs = demo(14)
    lines: list[bytes] = []
    expected: dict[int, str] = {}
    good: list[dict[str, Any]] = []

    def add(rec: dict[str, Any], reason: str | None = None) -> None:
        lines.append(json.dumps(rec).encode())
        if reason is None:
            good.append(rec)
        else:
            expected[len(lines)] = reason

    add(recs[0])
    r = copy.deepcopy(recs[1])
    del r["shipper_name"]
    add(r, "shipper_name: missing (required)")
    r = copy.deepcopy(recs[2])
    r["declared_value"] = "twelve dollars"
    add(r, "declared_value: expected a number, got 'twelve dollars'")
    r = copy.deepcopy(recs[3])
    r["shipper_country"] = "XK1"
    add(r, "shipper_country: 'XK1' is not an ISO 3166 alpha-2 country code")
    add(recs[4])
    r = copy.deepcopy(recs[5])
    r["lines"][0]["unit_value"] = -3.5
    add(r, "lines[0].unit_value: must not be negative, got -3.5")
    r = copy.deepcopy(recs[6])
    r["lines"][-1]["hts_code"] = "91A2"
    add(r, f"lines[{len(r['lines']) - 1}].hts_code: '91A2' is not an HTS code of 6 to 10 digits")
    r = copy.deepcopy(recs[7])
    r["tracking_id"] = "#-#"
    add(r, "tracking_id: '#-#' is not a usable tracking number (6 to 40 letters or digits)")
    add(recs[8])
    dup = copy.deepcopy(recs[0])
    dup["version"] = 2
    add(dup, f"tracking_id {recs[0]['tracking_id']} appears more than once in this file (first at line 1)")
    lines.append(b"")  # blank lines are skipped, not quarantined
    lines.append(json.dumps(recs[9]).replace("Co. Ltd", "Co. L\xe9d").encode("latin-1"))
    expected[len(lines)] = "not UTF-8 text"
    lines.append(b"[1, 2, 3]")
    expected[len(lines)] = "expected a JSON object, got list"
    add(recs[10])
    lines.append(json.dumps(recs[11]).encode()[:-40])
    expected[len(lines)] = "not valid JSON"
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join(lines))  # the last line has no newline: cut off mid-record
    return path, good, expected


@pytest.mark.parametrize("batch_size", [5000, 3])
def test_jsonl_bad_rows_are_quarantined_with_line_and_reason(
    tmp_path: Path, cache: ManifestCache, batch_size: int
) -> None:
    path, good, expected = bad_jsonl(tmp_path)
    summary = FeedImporter(cache, batch_size=batch_size).import_file(path)
    got = quarantine(cache)
    assert sorted(got) == sorted(expected)
    for line, reason in expected.items():
        assert got[line].startswith(reason), (line, got[line])
    assert "looks cut off" in got[max(expected)]
    assert summary.items_written == len(good) == 4
    assert summary.quarantined == len(expected)
    assert summary.rows_read == len(good) + len(expected)
    assert cache.count() == len(good)
    for rec in good:
        item = cache.get(rec["tracking_id"])
        assert item is not None
        assert item.version == 1  # the duplicate with version 2 did not replace it
        assert len(item.lines) == len(rec["lines"])
    raw = cache.db.conn.execute("SELECT raw_text FROM quarantine WHERE line_number = 2").fetchone()[0]
    assert json.loads(raw)["tracking_id"]  # the raw text is kept for the administrator


def test_an_empty_file_cannot_be_read(tmp_path: Path, cache: ManifestCache) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(FeedReadError, match="empty"):
        FeedImporter(cache).import_file(path)


def test_a_missing_file_or_unknown_format_cannot_be_read(tmp_path: Path, cache: ManifestCache) -> None:
    with pytest.raises(FeedReadError, match="cannot read"):
        FeedImporter(cache).import_file(tmp_path / "nope.jsonl")
    other = tmp_path / "feed.xml"
    other.write_text("<items/>")
    with pytest.raises(FeedReadError, match="unknown feed format"):
        FeedImporter(cache).import_file(other)


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path, cache: ManifestCache) -> None:
    path, good, _expected = bad_jsonl(tmp_path)
    importer = FeedImporter(cache)
    importer.import_file(path)
    before = snapshot(cache)
    quarantined = quarantine(cache)
    again = importer.import_file(path)
    assert again.already_imported
    assert again.items_written == again.quarantined == 0
    assert snapshot(cache) == before
    assert quarantine(cache) == quarantined
    # The same records under another name: nothing is newer, so nothing is written.
    third = importer.import_file(write_jsonl(tmp_path / "copy.jsonl", good))
    assert (third.items_written, third.skipped) == (0, len(good))
    assert snapshot(cache) == before


def test_a_newer_version_replaces_the_item_and_its_lines_an_older_one_is_ignored(
    tmp_path: Path, cache: ManifestCache
) -> None:
    recs = [r for r in demo(40) if len(r["lines"]) >= 2][:3]
    importer = FeedImporter(cache)
    importer.import_file(write_jsonl(tmp_path / "v1.jsonl", recs))
    v2 = copy.deepcopy(recs[0])
    v2["version"] = 2
    v2["lines"] = [{**v2["lines"][0], "description": "Corrected: one line only", "quantity": 7}]
    v2["declared_value"] = 99.0
    summary = importer.import_file(write_jsonl(tmp_path / "v2.jsonl", [v2]))
    assert (summary.items_written, summary.skipped) == (1, 0)
    item = cache.get(v2["tracking_id"])
    assert item is not None
    assert item.version == 2
    assert item.declared_value == 99.0
    assert [(ln.description, ln.quantity) for ln in item.lines] == [("Corrected: one line only", 7.0)]
    stale = copy.deepcopy(recs[0])
    stale["declared_value"] = 1.0
    summary = importer.import_file(write_jsonl(tmp_path / "v1-again.jsonl", [stale, recs[1]]))
    assert (summary.items_written, summary.skipped) == (0, 2)
    item = cache.get(v2["tracking_id"])
    assert item is not None
    assert (item.version, item.declared_value, len(item.lines)) == (2, 99.0, 1)


def test_a_risk_only_record_updates_the_assessment_newer_wins(tmp_path: Path, cache: ManifestCache) -> None:
    rec = demo(1)[0]
    importer = FeedImporter(cache)
    importer.import_file(write_jsonl(tmp_path / "items.jsonl", [rec]))
    newer = {
        "tracking_id": rec["tracking_id"].lower(),
        "risk": {
            "score": 80,
            "lane": "red",
            "reasons": [{"code": "WATCHLIST_SHIPPER", "text": "Shipper is on the watch list", "weight": 80}],
            "targeted": True,
            "target_reason": "Shipper is on the watch list",
            "rule_version": "rules-2",
            "assessed_at": "2026-05-02T08:00:00+00:00",
        },
    }
    summary = importer.import_file(write_jsonl(tmp_path / "risk.jsonl", [newer]))
    assert (summary.risk_updates, summary.items_written, summary.quarantined) == (1, 0, 0)
    item = cache.get(rec["tracking_id"])
    assert item is not None
    assert item.risk is not None
    assert (item.risk.score, item.risk.lane.value, item.risk.targeted) == (80, "red", True)
    assert item.lines  # the manifest is untouched
    older = copy.deepcopy(newer)
    older["risk"].update(score=5, lane="green", targeted=False, assessed_at="2026-04-01T00:00:00Z")
    importer.import_file(write_jsonl(tmp_path / "risk-old.jsonl", [older]))
    item = cache.get(rec["tracking_id"])
    assert item is not None
    assert item.risk is not None
    assert item.risk.score == 80


def test_a_risk_only_record_with_a_bad_field_is_quarantined(tmp_path: Path, cache: ManifestCache) -> None:
    rec = {
        "tracking_id": "RB123456785GB",
        "risk": {"score": 10, "lane": "purple", "assessed_at": "2026-05-01"},
    }
    summary = FeedImporter(cache).import_file(write_jsonl(tmp_path / "risk.jsonl", [rec]))
    assert summary.quarantined == 1
    assert quarantine(cache) == {1: "risk.lane: 'purple' is not one of green, yellow, red"}


# --- CSV ----------------------------------------------------------------------------------


def csv_text(records: list[dict[str, Any]], columns: tuple[str, ...] = CSV_COLUMNS) -> list[str]:
    """One string per row (header first), no line breaks."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerows(csv_rows(rec))
    return out.getvalue().splitlines()


def test_csv_feed_round_trips_the_demo_data(tmp_path: Path, cache: ManifestCache) -> None:
    recs = demo(60)
    path = tmp_path / "feed.csv"
    write_feed(recs, path)
    summary = FeedImporter(cache).import_file(path)
    assert (summary.items_written, summary.quarantined) == (60, 0)
    assert summary.rows_read == sum(len(r["lines"]) for r in recs)
    for rec in recs:
        expected = flat_record(rec)
        assert isinstance(expected, ItemRecord)
        assert cache.get(rec["tracking_id"]) == item_from_record(expected)


def test_csv_bad_rows_are_quarantined_with_line_and_reason(tmp_path: Path, cache: ManifestCache) -> None:
    recs = [r for r in demo(40) if len(r["lines"]) == 1][:9]
    multi = next(r for r in demo(40) if len(r["lines"]) == 3)
    header, *rows = csv_text([*recs, multi])
    cols = header.split(",")

    def edit(row: str, column: str, value: str) -> str:
        cells = next(csv.reader([row]))
        cells[cols.index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        return out.getvalue()

    body = [
        rows[0],  # line 2
        edit(rows[1], "shipper_name", ""),  # 3: missing
        edit(rows[2], "declared_value", "abc"),  # 4: wrong type
        edit(rows[3], "shipper_country", "UK"),  # 5: bad country
        edit(rows[4], "unit_value", "-2"),  # 6: negative
        edit(rows[5], "hts_code", "12-34"),  # 7: bad HTS
        edit(rows[6], "tracking_id", "?"),  # 8: unusable id
        rows[7],  # 9
        rows[9],  # 10-12: a three-line item whose second line is bad
        edit(rows[10], "origin_country", "XX"),
        rows[11],
        rows[0],  # 13: the first item again
    ]
    data = ("\n".join([header, *body]) + "\n").encode()
    data += rows[8].encode().replace(b"Co. Ltd", b"Co. L\xe9d") + b"\n"  # 14: not UTF-8
    data += rows[8][: len(rows[8]) // 2].encode()  # 15: cut off
    path = tmp_path / "feed.csv"
    path.write_bytes(data)
    summary = FeedImporter(cache).import_file(path)
    got = quarantine(cache)
    expected = {
        3: "shipper_name: missing (required)",
        4: "declared_value: expected a number, got 'abc'",
        5: "shipper_country: 'UK' is not an ISO 3166 alpha-2 country code",
        6: "lines[0].unit_value: must not be negative, got -2.0",
        7: "lines[0].hts_code: '12-34' is not an HTS code of 6 to 10 digits",
        8: "tracking_id: '?' is not a usable tracking number",
        10: "part of the item whose line 11 was rejected: lines[1].origin_country",
        11: "lines[1].origin_country: 'XX' is not an ISO 3166 alpha-2 country code",
        12: "part of the item whose line 11 was rejected",
        13: f"tracking_id {recs[0]['tracking_id']} appears more than once in this file (first at line 2)",
        14: "not UTF-8 text",
        15: "has ",
    }
    assert sorted(got) == sorted(expected)
    for line, reason in expected.items():
        assert got[line].startswith(reason), (line, got[line])
    assert summary.items_written == 2
    assert cache.get(multi["tracking_id"]) is None  # no half item
    assert {t for (t,) in cache.db.conn.execute("SELECT tracking_id FROM items")} == {
        recs[0]["tracking_id"],
        recs[7]["tracking_id"],
    }


def test_csv_with_a_missing_column_names_it(tmp_path: Path, cache: ManifestCache) -> None:
    columns = tuple(c for c in CSV_COLUMNS if c != "origin_country")
    path = tmp_path / "feed.csv"
    path.write_text("\n".join(csv_text(demo(3), columns)) + "\n")
    with pytest.raises(FeedReadError, match="origin_country"):
        FeedImporter(cache).import_file(path)


def test_csv_risk_only_feed(tmp_path: Path, cache: ManifestCache) -> None:
    rec = demo(1)[0]
    FeedImporter(cache).import_file(write_jsonl(tmp_path / "items.jsonl", [rec]))
    path = tmp_path / "risk.csv"
    path.write_text(
        "tracking_id,risk_score,risk_lane,risk_targeted,risk_reasons,risk_assessed_at\n"
        f'{rec["tracking_id"]},70,red,true,"[{{""code"": ""X"", ""text"": ""t"", ""weight"": 70}}]",2026-06-01T00:00:00\n'
    )
    summary = FeedImporter(cache).import_file(path)
    assert (summary.risk_updates, summary.quarantined) == (1, 0)
    item = cache.get(rec["tracking_id"])
    assert item is not None
    assert item.risk is not None
    assert (item.risk.score, item.risk.targeted, item.risk.reasons[0].code) == (70, True, "X")


# --- whatever a feed may hold -------------------------------------------------------------

RECORDS = demo(30, seed=9)
values = st.none() | st.booleans() | st.integers(-5, 10**30) | st.floats() | st.text(max_size=8) | st.just("")


@st.composite
def feed_records(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["good", "mutated", "risk", "junk"]))
    rec: Any = copy.deepcopy(draw(st.sampled_from(RECORDS)))
    if kind == "mutated":
        target = draw(st.sampled_from(["item", "line", "drop_lines", "risk"]))
        if target == "item":
            rec[draw(st.sampled_from(list(rec)))] = draw(values)
        elif target == "line":
            line = draw(st.sampled_from(rec["lines"]))
            line[draw(st.sampled_from(list(line)))] = draw(values)
        elif target == "drop_lines":
            rec["lines"] = draw(st.sampled_from([[], None, "x", [None]]))
        else:
            rec["risk"][draw(st.sampled_from(list(rec["risk"])))] = draw(values)
    elif kind == "risk":
        rec = {"tracking_id": rec["tracking_id"], "risk": rec["risk"]}
    elif kind == "junk":
        rec = draw(st.dictionaries(st.text(max_size=5), values, max_size=4) | values)
    rec_version = draw(st.integers(1, 3))
    if isinstance(rec, dict) and "lines" in rec and draw(st.booleans()):
        rec["version"] = rec_version
    return rec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(feed_records(), min_size=1, max_size=25), st.sampled_from(["jsonl", "csv"]), st.integers(2, 50)
)
def test_any_feed_never_crashes_and_never_leaves_half_an_item(
    records: list[Any], fmt: str, batch_size: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cache = ManifestCache(open_cache(d))
        try:
            path = d / f"feed.{fmt}"
            if fmt == "jsonl":
                write_jsonl(path, records)
            else:
                dicts = [r for r in records if isinstance(r, dict) and isinstance(r.get("lines"), list)]
                rows = csv_text([r for r in dicts if all(isinstance(ln, dict) for ln in r["lines"])])
                path.write_text("\n".join(rows) + "\n")
            try:
                summary = FeedImporter(cache, batch_size=batch_size).import_file(path)
            except FeedReadError:
                return
            counted = summary.items_written + summary.skipped + summary.risk_updates + summary.quarantined
            assert counted == summary.rows_read or fmt == "csv"
            conn = cache.db.conn
            by_line = {}
            if fmt == "jsonl":
                by_line = {n: r for n, r in enumerate(records, start=1)}
            for tid, line_no in conn.execute("SELECT tracking_id, feed_line FROM items"):
                item = cache.get(tid)
                assert item is not None
                numbers = [
                    n
                    for (n,) in conn.execute(
                        "SELECT line_no FROM content_lines WHERE tracking_id = ?", (tid,)
                    )
                ]
                assert numbers, tid
                assert numbers == list(range(len(item.lines))), tid
                assert item.declared_value >= 0
                if by_line:
                    expected = flat_record(by_line[line_no])
                    assert isinstance(expected, ItemRecord)
                    assert item.lines == item_from_record(expected).lines
                    assert item.version == expected.version
            orphans = conn.execute(
                "SELECT count(*) FROM content_lines WHERE tracking_id NOT IN (SELECT tracking_id FROM items)"
            ).fetchone()[0]
            assert orphans == 0
        finally:
            cache.db.conn.close()


def test_record_error_is_what_the_reader_reports_for_bad_csv_reasons() -> None:
    assert issubclass(RecordError, ValueError)


# --- the command --------------------------------------------------------------------------


def test_cli_exit_codes(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", demo(5))
    assert main(["--data-dir", str(data_dir), "cache", "import", str(good)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (out["items_written"], out["quarantined"]) == (5, 0)

    bad, good_recs, expected = bad_jsonl(tmp_path)
    assert main(["--data-dir", str(data_dir), "cache", "import", str(bad)]) == 3
    captured = capsys.readouterr()
    out = json.loads(captured.out.strip().splitlines()[-1])
    assert out["quarantined"] == len(expected)
    assert f"{len(expected)} row(s) quarantined" in captured.err

    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["--data-dir", str(data_dir), "cache", "import", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err

    no_column = tmp_path / "feed.csv"
    no_column.write_text(
        "\n".join(csv_text(demo(2), tuple(c for c in CSV_COLUMNS if c != "currency"))) + "\n"
    )
    assert main(["--data-dir", str(data_dir), "cache", "import", str(no_column)]) == 2
    assert "currency" in capsys.readouterr().err

    # Several files: the worst outcome decides.
    assert main(["--data-dir", str(data_dir), "cache", "import", str(good), str(empty)]) == 2
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "cache", "stats"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["items"] == len({r["tracking_id"] for r in [*demo(5), *good_recs]})
    assert stats["quarantined"] == len(expected)
