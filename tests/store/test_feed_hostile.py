"""Feeds that fight back: files that change while read, hostile lines, binary files, look-alike ids,
crashed and concurrent imports. Real files, real processes."""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hostile_text import look_alikes
from hypothesis import HealthCheck, given, settings

from workstation.cli import main
from workstation.core.demo import DemoGenerator
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.demo_data import CSV_COLUMNS, csv_rows
from workstation.store.feed_import import FeedImporter, ImportProgress, NotTextError

BASE_DATE = date(2026, 5, 1)


def demo(count: int, seed: int = 11) -> list[dict[str, Any]]:
    return list(DemoGenerator(seed, BASE_DATE).records(count))


def unique(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Demo ids are random: drop the rare repeat, so every record is one item."""
    seen: set[str] = set()
    out = []
    for r in records:
        if r["tracking_id"] not in seen:
            seen.add(r["tracking_id"])
            out.append(r)
    return out


def jsonl(records: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def csv_bytes(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerows(csv_rows(rec))
    return out.getvalue().encode()


@pytest.fixture
def cache(data_dir: Path) -> Any:
    c = ManifestCache(open_cache(data_dir))
    yield c
    c.db.conn.close()


def quarantine(cache: ManifestCache) -> dict[int, str]:
    return dict(cache.db.conn.execute("SELECT line_number, reason FROM quarantine ORDER BY line_number"))


def _read_only(data_dir: Path) -> sqlite3.Connection:
    """Open the cache to look, never creating it (an empty file would be refused as emptied)."""
    return sqlite3.connect(f"file:{data_dir / 'cache.sqlite'}?mode=ro", uri=True)


def cached_ids(data_dir: Path) -> set[str]:
    conn = _read_only(data_dir)
    try:
        return {t for (t,) in conn.execute("SELECT tracking_id FROM items")}
    finally:
        conn.close()


def batches(data_dir: Path) -> list[tuple[Any, ...]]:
    conn = _read_only(data_dir)
    try:
        return conn.execute(
            "SELECT id, status, sha256, items_written FROM feed_batches ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "workstation", "--data-dir", str(data_dir), *args]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "WORKSTATION_CONFIG": str(tmp_path / "none.toml"), "PYTHONUNBUFFERED": "1"}


# --- 5. a file that changes while it is imported ----------------------------------------------


def test_a_feed_truncated_during_its_import_is_imported_in_full_once_restored(
    tmp_path: Path, cache: ManifestCache
) -> None:
    records = unique(demo(3000))
    full = jsonl(records)
    path = tmp_path / "feed.jsonl"
    path.write_bytes(full)
    cut_at = len(full) * 2 // 3 + 7  # in the middle of a record

    def truncate_once(p: ImportProgress) -> None:
        # After the first batch, as a transfer being redone would: the file shrinks under the import.
        if os.path.getsize(path) == len(full):
            with path.open("r+b") as fh:
                fh.truncate(cut_at)

    first = FeedImporter(cache, batch_size=100).import_file(path, progress=truncate_once)
    assert first.changed_while_read
    assert first.sha256 != hashlib.sha256(full).hexdigest()  # done under what was read, not the full file
    assert first.sha256 == hashlib.sha256(full[:cut_at]).hexdigest()
    assert first.quarantined == 1  # the record cut in two
    assert cache.count() < len(records)

    path.write_bytes(full)  # the complete file is copied back
    second = FeedImporter(cache).import_file(path)
    assert not second.already_imported
    assert not second.changed_while_read
    assert second.sha256 == hashlib.sha256(full).hexdigest()
    assert {t for (t,) in cache.db.conn.execute("SELECT tracking_id FROM items")} == {
        r["tracking_id"] for r in records
    }
    assert FeedImporter(cache).import_file(path).already_imported  # and now it is done


def test_a_truncated_copy_then_the_full_file_gets_every_item(tmp_path: Path, cache: ManifestCache) -> None:
    records = unique(demo(200))
    full = jsonl(records)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(full[: len(full) // 2])
    summary = FeedImporter(cache).import_file(cut)
    assert summary.quarantined == 1
    assert "looks cut off" in next(iter(quarantine(cache).values()))
    path = tmp_path / "feed.jsonl"
    path.write_bytes(full)
    assert not FeedImporter(cache).import_file(path).already_imported
    assert cache.count() == len(records)


# --- 6. hostile lines ---------------------------------------------------------------------------


def test_a_line_of_100000_brackets_is_quarantined_and_the_rest_imported(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = unique(demo(4))
    path = tmp_path / "feed.jsonl"
    path.write_bytes(jsonl(records[:2]) + b"[" * 100_000 + b"\n" + jsonl(records[2:]))
    assert main(["--data-dir", str(data_dir), "cache", "import", str(path)]) == 3
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (out["items_written"], out["quarantined"]) == (4, 1)
    cache = ManifestCache(open_cache(data_dir))
    try:
        assert quarantine(cache) == {3: "not valid JSON: nested too deeply to read"}
    finally:
        cache.db.conn.close()
    assert [b[1] for b in batches(data_dir)] == ["done"]


def test_a_value_nested_just_shallow_enough_for_json_is_quarantined(
    tmp_path: Path, cache: ManifestCache
) -> None:
    rec = demo(1)[0]
    deep = json.dumps(rec)[:-1] + ', "shipper_name": ' + "[" * 900 + "]" * 900 + "}"
    path = tmp_path / "feed.jsonl"
    path.write_text(deep + "\n")
    summary = FeedImporter(cache).import_file(path)
    assert summary.quarantined == 1
    reason = quarantine(cache)[1]
    assert reason.startswith("shipper_name: expected text, got list [[[")
    assert len(reason) <= 2000  # the reason quotes the value, kept short


def test_a_csv_field_over_128_kib_is_quarantined_and_the_rest_imported(
    tmp_path: Path, cache: ManifestCache
) -> None:
    records = unique([r for r in demo(30) if len(r["lines"]) == 1])[:3]
    huge = copy.deepcopy(records[1])
    huge["shipper_address"] = "A" * (200 * 1024)
    header, *rows = csv_bytes([records[0], huge, records[2]]).decode().splitlines()
    path = tmp_path / "feed.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    summary = FeedImporter(cache).import_file(path)
    assert (summary.items_written, summary.quarantined) == (2, 1)
    reason = quarantine(cache)[3]
    assert reason.startswith("not valid CSV: field larger than field limit"), reason
    assert cache.get(records[2]["tracking_id"]) is not None


def test_a_line_over_the_maximum_length_is_quarantined_unread(tmp_path: Path, cache: ManifestCache) -> None:
    records = unique(demo(3))
    for name, body in (
        ("feed.jsonl", jsonl(records[:1]) + b'{"x": "' + b"y" * 5000 + b'"}\n' + jsonl(records[1:])),
        ("feed.csv", None),
    ):
        if body is None:
            header, *rows = csv_bytes(records).decode().splitlines()
            body = ("\n".join([header, rows[0], "z" * 5000, *rows[1:]]) + "\n").encode()
        path = tmp_path / name
        path.write_bytes(body)
        summary = FeedImporter(cache, max_line_bytes=2000).import_file(path)
        assert summary.quarantined == 1, name
        line = 2 if name == "feed.jsonl" else 3
        reason = cache.db.conn.execute(
            "SELECT reason FROM quarantine WHERE batch_id = ? AND line_number = ?", (summary.batch_id, line)
        ).fetchone()[0]
        assert reason.startswith("line longer than 2,000 bytes ("), reason


PEAK_RSS_PROBE = (
    "import resource, sys\n"
    "from workstation.cli import main\n"
    "rc = main(sys.argv[1:])\n"
    "sys.stderr.write('maxrss %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "sys.exit(rc)\n"
)


def _import_peak_rss_mb(path: Path, data_dir: Path, env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_PROBE, "--data-dir", str(data_dir), "cache", "import", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 3, done.stderr
    rss_mb = int(done.stderr.split("maxrss ")[1].split()[0]) / 1024
    return rss_mb, json.loads(done.stdout.strip().splitlines()[-1])


def test_a_200_mb_single_line_file_imports_in_bounded_memory(tmp_path: Path, env: dict[str, str]) -> None:
    head = b'{"tracking_id": "RB123456785GB", "shipper_name": "'
    small = tmp_path / "small.jsonl"
    small.write_bytes(head + b"x" * 100 + b'"\n')
    path = tmp_path / "one-line.jsonl"
    with path.open("wb") as fh:
        fh.write(head)
        block = b"x" * (1 << 20)
        for _ in range(200):
            fh.write(block)
        fh.write(b'"}\n')
    base_mb, _ = _import_peak_rss_mb(small, tmp_path / "data-small", env)
    rss_mb, out = _import_peak_rss_mb(path, tmp_path / "data", env)
    # Holding the line whole would take its 200 MB twice over (bytes, then text); reading it in
    # pieces costs a few buffers over what the same command needs for a one-line file.
    assert rss_mb - base_mb < 100, (
        f"peak RSS {rss_mb:.0f} MB for a 200 MB line, {base_mb:.0f} MB for a short one"
    )
    assert out["quarantined"] == 1
    assert out["rows_read"] == 1


def test_a_nul_byte_in_a_csv_field_quarantines_its_row(tmp_path: Path, cache: ManifestCache) -> None:
    records = unique([r for r in demo(30) if len(r["lines"]) == 1])[:3]
    header, *rows = csv_bytes(records).decode().splitlines()
    rows[1] = rows[1].replace("Co. Ltd", "Co.\x00 Ltd", 1) if "Co. Ltd" in rows[1] else "\x00" + rows[1]
    path = tmp_path / "feed.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    summary = FeedImporter(cache).import_file(path)
    assert (summary.items_written, summary.quarantined) == (2, 1)
    reason = quarantine(cache)[3]
    assert "holds a NUL byte" in reason
    assert reason.startswith("field ")


# --- a batch left running by a crash ------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_batch_left_running_by_a_killed_import_is_closed_by_the_next(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    records = unique(demo(6000))
    path = tmp_path / "feed.jsonl"
    path.write_bytes(jsonl(records))
    proc = subprocess.Popen(
        cli(data_dir, "cache", "import", "--no-progress", "--batch-size", "100", str(path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                if len(cached_ids(data_dir)) >= 300:
                    break
            except sqlite3.OperationalError:  # not created yet, or busy
                continue
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert [b[1] for b in batches(data_dir)] == ["running"]  # what a crash leaves
    written = len(cached_ids(data_dir))
    assert 0 < written < len(records)

    done = subprocess.run(
        cli(data_dir, "cache", "import", "--no-progress", str(path)), capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert not out["already_imported"]
    assert cached_ids(data_dir) == {r["tracking_id"] for r in records}
    (_first_id, status, _, items), (_, last_status, _, _) = batches(data_dir)
    assert out.get("interrupted_batches_closed") == 1
    assert (status, last_status) == ("interrupted", "done")
    assert items >= written  # closed with what it wrote (it may have committed more before dying)


# --- 7. concurrent imports -------------------------------------------------------------------------


def test_two_concurrent_imports_wait_their_turn_and_both_finish(
    tmp_path: Path, data_dir: Path, env: dict[str, str]
) -> None:
    records = unique(demo(4000, seed=21))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_bytes(jsonl(records[::2]))
    two.write_bytes(jsonl(records[1::2]))
    ManifestCache(open_cache(data_dir)).db.conn.close()  # both start on an existing cache
    procs = [
        subprocess.Popen(
            cli(data_dir, "cache", "import", "--no-progress", "--batch-size", "200", str(f)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for f in (one, two, one)
    ]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
    assert sorted(s["already_imported"] for s in summaries) == [False, False, True]
    assert cached_ids(data_dir) == {r["tracking_id"] for r in records}
    assert sorted(b[1] for b in batches(data_dir)) == ["done", "done"]


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO feed_batches (file_name, sha256, started_at) VALUES ('other', '', '')")
print("holding", flush=True)
time.sleep(1.0)
conn.execute("COMMIT")
"""


def test_a_batch_write_waits_for_another_writer_instead_of_failing(
    data_dir: Path, cache: ManifestCache
) -> None:
    from workstation.core.feed_record import flat_record

    records = [(n, flat_record(r)) for n, r in enumerate(unique(demo(20)), start=1)]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir / "cache.sqlite")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        # Reads, then writes: as a deferred transaction its snapshot goes stale when the holder
        # commits, and SQLite fails it at once; BEGIN IMMEDIATE waits for the lock instead.
        outcome = cache.apply_records(records, None)
    finally:
        holder.wait(timeout=30)
    assert outcome.items_written == len(records)
    assert holder.returncode == 0


# --- 8. tracking ids with look-alike characters -----------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(look_alikes)
def test_a_look_alike_tracking_id_is_quarantined_naming_the_character(tracking_id: str) -> None:
    rec = demo(1)[0]
    rec["tracking_id"] = tracking_id
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cache = ManifestCache(open_cache(d))
        try:
            path = d / "feed.jsonl"
            path.write_bytes(jsonl([rec]))
            summary = FeedImporter(cache).import_file(path)
            assert (summary.items_written, summary.quarantined) == (0, 1)
            reason = quarantine(cache)[1]
            assert reason.startswith("tracking_id holds U+"), reason
            assert cache.count() == 0
        finally:
            cache.db.conn.close()


def test_a_cyrillic_ha_is_named_and_the_stripped_id_is_never_found(
    tmp_path: Path, cache: ManifestCache
) -> None:
    rec = demo(1)[0]
    rec["tracking_id"] = "LP12345678901234"
    forged = copy.deepcopy(rec)
    forged["tracking_id"] = "L\u0425P12345678901234"
    path = tmp_path / "feed.jsonl"
    path.write_bytes(jsonl([rec, forged]))
    FeedImporter(cache).import_file(path)
    assert quarantine(cache) == {2: "tracking_id holds U+0425 CYRILLIC CAPITAL LETTER HA at position 2"}
    assert cache.lookup("LP12345678901234") is not None
    for scanned in ("L\u0425P12345678901234", "LP1234\u200b5678901234", "\u202eLP12345678901234"):
        assert cache.lookup(scanned) is None, scanned


# --- 12. files that are not text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("gzip.jsonl", lambda feed: gzip.compress(feed)),
        ("png.jsonl", lambda feed: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64),
        ("utf16.csv", lambda feed: feed.decode().encode("utf-16")),
        ("sqlite.jsonl", lambda feed: b"SQLite format 3\x00" + b"\x00" * 4000),
    ],
)
def test_a_binary_file_is_refused_every_time_and_no_batch_is_done(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], name: str, make: Any
) -> None:
    path = tmp_path / name
    path.write_bytes(make(jsonl(demo(20)) if name.endswith(".jsonl") else csv_bytes(demo(20))))
    for _ in range(2):
        assert main(["--data-dir", str(data_dir), "cache", "import", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert err[0].startswith(f"workstation: {path}: not a text file"), err
    assert batches(data_dir) == []


def test_not_text_is_a_typed_error(tmp_path: Path, cache: ManifestCache) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(NotTextError, match="NUL byte at byte 1"):
        FeedImporter(cache).import_file(path)


def test_one_bad_line_among_text_lines_is_quarantined_not_refused(
    tmp_path: Path, cache: ManifestCache
) -> None:
    records = unique(demo(5))
    body = jsonl(records[:2]) + b'{"tracking_id": "\xff\xfe"}\n' + jsonl(records[2:])
    path = tmp_path / "feed.jsonl"
    path.write_bytes(body)
    summary = FeedImporter(cache).import_file(path)
    assert (summary.items_written, summary.quarantined) == (5, 1)
    assert quarantine(cache)[3].startswith("not UTF-8 text")
