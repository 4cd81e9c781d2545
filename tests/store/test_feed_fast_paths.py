"""The import's shortcuts give what the long way gives: JSON lines, and reasons written as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workstation.store import cache as cache_module
from workstation.store.cache import ManifestCache
from workstation.store.db import open_cache
from workstation.store.feed_reading import _json_object

LINES = [
    '{"a": 1, "b": [1, 2.5, "x"], "c": {"d": null}}',
    '{"a": 1} trailing',
    "\ufeff{}",
    '{"a": "\x01"}',
    "[1, 2",
    "nul",
    '"text"',
    "1 2",
    '{"a": NaN}',
    "{}{}",
    '{"a": "\\ud800"}',
]


@pytest.mark.parametrize("text", LINES)
def test_a_line_reads_as_json_loads_reads_it(text: str) -> None:
    def outcome(read: object) -> tuple[str, str]:
        try:
            return "value", repr(read(text))  # type: ignore[operator]
        except ValueError as exc:
            return type(exc).__name__, str(exc)

    assert outcome(_json_object) == outcome(json.loads)


def test_reasons_are_written_as_json_once_and_alike() -> None:
    reasons = (("AGENCY_FDA", "Supplements fall under FDA rules", 10.0), ("VALUE", "", 0.0))
    expected = json.dumps([{"code": c, "text": t, "weight": w} for c, t, w in reasons])
    cache_module._reasons_memo.clear()
    first = cache_module._reasons_json(reasons)
    assert first == expected
    assert cache_module._reasons_json(tuple(reasons)) is first  # from the memo
    for n in range(cache_module._REASONS_MEMO_SIZE + 5):  # the memo stays bounded
        cache_module._reasons_json((("C", str(n), 1.0),))
    assert len(cache_module._reasons_memo) <= cache_module._REASONS_MEMO_SIZE
    assert cache_module._reasons_json(reasons) == expected


def test_bulk_writes_let_the_wal_grow_and_restore_the_settings(tmp_path: Path) -> None:
    cache = ManifestCache(open_cache(tmp_path))
    conn = cache.db.conn

    def settings() -> tuple[int, int]:
        return conn.execute("PRAGMA cache_size").fetchone()[0], conn.execute(
            "PRAGMA wal_autocheckpoint"
        ).fetchone()[0]

    before = settings()
    assert before[1] < cache_module.BULK_WAL_PAGES
    with cache.bulk_writes():
        assert settings() == (-cache_module.BULK_CACHE_KIB, cache_module.BULK_WAL_PAGES)
        with cache.bulk_writes():  # nested: the outer one's settings hold
            pass
        assert settings()[1] == cache_module.BULK_WAL_PAGES
    assert settings() == before
    with pytest.raises(RuntimeError), cache.bulk_writes():
        raise RuntimeError("the write failed")
    assert settings() == before
    cache.db.conn.close()


@pytest.mark.parametrize("version", [2**63, 9.223372036854776e18, 1e300])
def test_a_version_beyond_64_bits_is_quarantined_not_a_crash(tmp_path: Path, version: float) -> None:
    from workstation.core.demo import DemoGenerator
    from workstation.store.feed_import import FeedImporter

    records = list(DemoGenerator(1).records(3))
    records[1]["version"] = version
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    cache = ManifestCache(open_cache(tmp_path))
    summary = FeedImporter(cache).import_file(feed)
    assert (summary.items_written, summary.quarantined) == (2, 1)
    reason = cache.db.conn.execute("SELECT line_number, reason FROM quarantine").fetchall()
    assert reason == [(2, f"version: must be at most {2**63 - 1}, got {version!r}")]
    cache.db.conn.close()
