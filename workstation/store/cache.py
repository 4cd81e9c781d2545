"""The manifest and risk cache: batched writes that respect versions, lookups, retention."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlite_utils import Database

from workstation.core.feed_record import ItemRecord, RecordError, RiskRecord, RiskRow, flat_record
from workstation.core.lookout_record import LookoutReference, is_lookout_record, read_lookout_record
from workstation.core.manifest import ContentLine, Item, Lane, Risk, RiskReason
from workstation.core.review import Lookout
from workstation.core.tracking import normalize, parse
from workstation.store.db import write_transaction
from workstation.store.feed_reading import MAX_RAW_TEXT

_ITEM_COLUMNS = (
    "tracking_id, carrier, tracking_format, entry_type, arrival_date, port, shipper_name, "
    "shipper_address, shipper_country, consignee_name, consignee_address, consignee_country, "
    "marketplace, seller, weight_kg, declared_value, currency, version, batch_id, feed_line"
)
_RISK_COLUMNS = "score, lane, reasons, targeted, target_reason, rule_version, assessed_at"
# The Item fields stored as columns, in column order (batch_id and feed_line are the cache's own).
_ITEM_FIELD_NAMES = [c.strip() for c in _ITEM_COLUMNS.split(",")][:18]
# An item's 18 fields, then its risk's 7 (all NULL when it has not been assessed), then its row id.
_GET_ITEM = (
    f"SELECT {', '.join('i.' + c for c in _ITEM_FIELD_NAMES)}, "
    f"{', '.join('r.' + c.strip() for c in _RISK_COLUMNS.split(','))}, i.id "
    "FROM items i LEFT JOIN risk r ON r.tracking_id = i.tracking_id WHERE i.tracking_id = ?"
)
# With its id: a new version keeps its item's row (and place), a new item goes after the last.
_INSERT_ITEM = f"INSERT OR REPLACE INTO items (id, {_ITEM_COLUMNS}) VALUES ({', '.join('?' * 21)})"
_INSERT_LINE = (
    "INSERT INTO content_lines (item_id, line_no, tracking_id, description, hts_code, quantity, "
    "unit_value, origin_country) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# A newer (or equally new) assessment replaces the one cached; an older one is ignored.
_UPSERT_RISK = """
INSERT INTO risk (tracking_id, score, lane, reasons, targeted, target_reason, rule_version, assessed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(tracking_id) DO UPDATE SET
    score = excluded.score, lane = excluded.lane, reasons = excluded.reasons,
    targeted = excluded.targeted, target_reason = excluded.target_reason,
    rule_version = excluded.rule_version, assessed_at = excluded.assessed_at
WHERE excluded.assessed_at >= risk.assessed_at
"""
_SQL_CHUNK = 500  # well under SQLite's limit on bound variables
# A bulk write touches the tracking-id indexes of items and risk at random: at a million items
# they are 80 MB, more than the 64 MiB a connection keeps by default, and every batch read and
# wrote them again from the OS. Pages are taken only as they are read, and given back after.
BULK_CACHE_KIB = 192 * 1024
# A bulk write's commits each add thousands of pages to the WAL, past SQLite's 1,000-page point
# where it copies them back into the database file (and, with synchronous=NORMAL, waits for the
# disk): a checkpoint after every page of a reference pull, a quarter of its time. During a bulk
# write the WAL may grow this far first (64 MiB of 4 KiB pages): pages written again and again
# (the tracking-id indexes) are copied once per checkpoint instead of once per commit.
BULK_WAL_PAGES = 16384
MAX_REASON = 2000  # a reason quotes the value it refuses: kept short, whatever the value's size
NO_CURSOR = "0"  # where a reference pull starts (docs/sync-protocol.md)


@dataclass
class BatchOutcome:
    items_written: int = 0
    risk_updates: int = 0
    skipped: int = 0  # an older or identical version of an item already cached
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


@dataclass(frozen=True)
class ReferencePageOutcome:
    """What one page of a reference pull changed; `rejected` holds (record number, reason), from 1."""

    items_written: int
    risk_updates: int
    skipped: int
    quarantined: int
    batch_id: int
    cursor: str
    rejected: tuple[tuple[int, str], ...] = ()
    lookouts: int = 0  # facility lookouts written (added, changed or removed)


def _utc_text(at: datetime) -> str:
    """A time as the lookouts table holds it: UTC, microseconds, so that text order is time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _raw_text(record: object) -> str:
    try:
        text = json.dumps(record, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(record)
    return text[:MAX_RAW_TEXT]


# A feed's assessments give the same few reasons over and over: each distinct list is written
# as JSON once. Emptied when it grows large, so that memory stays bounded whatever the feed.
_REASONS_MEMO_SIZE = 10_000
_reasons_memo: dict[tuple[tuple[str, str, float], ...], str] = {}


def _reasons_json(reasons: tuple[tuple[str, str, float], ...]) -> str:
    text = _reasons_memo.get(reasons)
    if text is None:
        # Weights as floats, as validation gives them: equal reasons, the same text.
        text = json.dumps([{"code": c, "text": t, "weight": float(w)} for c, t, w in reasons])
        if len(_reasons_memo) >= _REASONS_MEMO_SIZE:
            _reasons_memo.clear()
        _reasons_memo[reasons] = text
    return text


def _risk_values(tracking_id: str, risk: RiskRow) -> tuple[Any, ...]:
    score, lane, reasons, targeted, target_reason, rule_version, assessed_at = risk
    text = _reasons_json(reasons)
    return (tracking_id, score, lane, text, int(targeted), target_reason, rule_version, assessed_at)


_first = itemgetter(0)
_second = itemgetter(1)


def _chunks(seq: Sequence[Any], size: int = _SQL_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def _risk_from_columns(row: Sequence[Any]) -> Risk:
    score, lane, reasons, targeted, target_reason, rule_version, assessed_at = row
    return Risk(
        score=score,
        lane=Lane(lane),
        reasons=tuple(RiskReason(r["code"], r["text"], r["weight"]) for r in json.loads(reasons)),
        targeted=bool(targeted),
        target_reason=target_reason,
        rule_version=rule_version,
        assessed_at=assessed_at,
    )


class ManifestCache:
    """Reads and writes the cache database; one instance per thread (SQLite connections are)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._bulk_depth = 0

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """A page cache large enough for bulk writes into a large cache, for as long as this lasts.

        Wrap a whole import or reference pull in it: nested uses keep the outer one's cache.
        """
        if self._bulk_depth:
            self._bulk_depth += 1
            try:
                yield
            finally:
                self._bulk_depth -= 1
            return
        conn = self.db.conn
        before = conn.execute("PRAGMA cache_size").fetchone()[0]
        checkpoint_before = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint={max(BULK_WAL_PAGES, int(checkpoint_before))}")
        self._bulk_depth = 1
        try:
            yield
        finally:
            self._bulk_depth = 0
            conn.execute(f"PRAGMA cache_size={int(before)}")
            conn.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_before)}")

    def quarantine(self, batch_id: int, rows: Sequence[tuple[int, str, str]]) -> None:
        """Keep unusable records with (line or record number, raw text, reason); in the caller's transaction."""
        self.db.conn.executemany(
            "INSERT INTO quarantine (batch_id, line_number, raw_text, reason) VALUES (?, ?, ?, ?)",
            [(batch_id, line, text, reason[:MAX_REASON]) for line, text, reason in rows],
        )

    def _existing(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None, int | None, int]]:
        """(version, batch_id, feed_line, row id) of the ids already cached; `ids` sorted."""
        found: dict[str, tuple[int, int | None, int | None, int]] = {}
        for chunk in _chunks(ids):
            sql = (
                "SELECT tracking_id, version, batch_id, feed_line, id FROM items "
                f"WHERE tracking_id IN ({','.join('?' * len(chunk))})"
            )
            for tid, version, batch, line, row_id in self.db.conn.execute(sql, list(chunk)):
                found[tid] = (version, batch, line, row_id)
        return found

    def apply_records(
        self, records: Sequence[tuple[int, ItemRecord | RiskRecord]], batch_id: int | None
    ) -> BatchOutcome:
        """Write one batch of validated flat records in one transaction.

        A newer version of an item replaces the cached one with all its lines; an older or equal
        version is skipped; the same id twice in one feed batch is rejected as a duplicate.
        """
        with write_transaction(self.db, savepoint=False):
            return self._write_records(records, batch_id)

    def _write_records(
        self,
        records: Sequence[tuple[int, ItemRecord | RiskRecord]],
        batch_id: int | None,
        where: tuple[str, str] = ("file", "line"),
    ) -> BatchOutcome:
        """apply_records' work, in the caller's transaction; `where` names the source and its parts."""
        out = BatchOutcome()
        # Sorted, the batch walks each index once, in order, page after page.
        item_ids = sorted(r.head[0] for _, r in records if type(r) is ItemRecord)
        existing = self._existing(item_ids)
        last_id = self.db.conn.execute("SELECT max(id) FROM items").fetchone()[0] or 0
        seen_here: dict[str, int] = {}
        items: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        risks: list[tuple[Any, ...]] = []
        replaced: list[int] = []
        for line_no, rec in records:
            if type(rec) is RiskRecord:
                risks.append(_risk_values(rec.tracking_id, rec.risk))
                out.risk_updates += 1
                continue
            assert isinstance(rec, ItemRecord)
            head = rec.head
            tid = head[0]
            first = seen_here.get(tid)
            cached = existing.get(tid) if existing else None
            if first is None and cached is not None and batch_id is not None and cached[1] == batch_id:
                first = cached[2]
            if first is not None:
                out.rejected.append(
                    (
                        line_no,
                        f"tracking_id {tid} appears more than once in this {where[0]} "
                        f"(first at {where[1]} {first})",
                    )
                )
                continue
            seen_here[tid] = line_no
            if cached is not None:
                if cached[0] >= head[17]:
                    out.skipped += 1
                    continue
                row_id = cached[3]
                replaced.append(row_id)
            else:
                last_id += 1
                row_id = last_id
            items.append((row_id, *head, batch_id, line_no))
            lines.extend([(row_id, i, tid, *ln) for i, ln in enumerate(rec.lines)])
            if rec.risk is not None:
                risks.append(_risk_values(tid, rec.risk))
            out.items_written += 1
        conn = self.db.conn
        for chunk in _chunks(sorted(replaced)):
            conn.execute(f"DELETE FROM content_lines WHERE item_id IN ({','.join('?' * len(chunk))})", chunk)
        # Tracking-id order for the items' index; the risk table's own rows follow it too.
        items.sort(key=_second)
        risks.sort(key=_first)
        conn.executemany(_INSERT_ITEM, items)
        conn.executemany(_INSERT_LINE, lines)
        conn.executemany(_UPSERT_RISK, risks)
        return out

    # --- reference pull ------------------------------------------------------------------

    def apply_reference_page(
        self, records: Sequence[Any], cursor: str, hub: str, etag: str | None
    ) -> ReferencePageOutcome:
        """Write one page of a hub's reference data and the cursor after it, in one transaction.

        Each record is a feed record (docs/feed-format.md), validated as an import validates a
        line, or a facility lookout (`record_type` "lookout"), upserted into `lookouts`; one that fails is quarantined with its reason (its line number is its place in the
        page, from 1) and the rest are written. Versions as in an import: a newer version of an
        item replaces the cached one, an older or equal one is skipped, so a page applied twice
        (or a full re-sync) writes nothing twice. If anything fails, neither the page nor the
        cursor is written: the next pull asks for the same page again.
        """
        good: list[tuple[int, ItemRecord | RiskRecord]] = []
        bad: list[tuple[int, str]] = []
        lookouts: list[LookoutReference] = []
        for n, record in enumerate(records, start=1):
            try:
                if is_lookout_record(record):  # a facility lookout, not an item: its own table
                    lookouts.append(read_lookout_record(record))
                    continue
                good.append((n, flat_record(record)))
            except RecordError as exc:
                bad.append((n, str(exc)))
            except RecursionError:  # a value nested too deeply for the validation to walk
                bad.append((n, "a value is nested too deeply to read"))
        conn = self.db.conn
        with self.bulk_writes(), write_transaction(self.db, savepoint=False):
            before, _ = self.reference_cursor(hub)
            cur = conn.execute(
                "INSERT INTO feed_batches (file_name, sha256, started_at, rows_read, status) "
                "VALUES (?, '', ?, ?, 'running')",
                (f"reference page from {hub} after cursor {before}"[:500], _now(), len(records)),
            )
            assert cur.lastrowid is not None
            batch_id = cur.lastrowid
            out = self._write_records(good, batch_id, ("page", "record"))
            self._write_lookouts(lookouts)
            rejected = sorted([*bad, *out.rejected])
            self.quarantine(batch_id, [(n, _raw_text(records[n - 1]), why) for n, why in rejected])
            conn.execute(
                "UPDATE feed_batches SET finished_at = ?, items_written = ?, risk_updates = ?, skipped = ?, "
                "quarantined = ?, status = 'reference' WHERE id = ?",
                (_now(), out.items_written, out.risk_updates, out.skipped, len(rejected), batch_id),
            )
            conn.execute(
                "INSERT INTO reference_cursor (hub, cursor, etag, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(hub) DO UPDATE SET cursor = excluded.cursor, etag = excluded.etag, "
                "updated_at = excluded.updated_at",
                (hub, cursor, etag, _now()),
            )
        return ReferencePageOutcome(
            items_written=out.items_written,
            risk_updates=out.risk_updates,
            skipped=out.skipped,
            quarantined=len(rejected),
            batch_id=batch_id,
            cursor=cursor,
            rejected=tuple(rejected),
            lookouts=len(lookouts),
        )

    def _write_lookouts(self, lookouts: Sequence[LookoutReference]) -> None:
        """Upsert the page's lookouts by id, in the caller's transaction; a removal stays removed."""
        conn = self.db.conn
        for ref in lookouts:
            lk = ref.lookout
            if lk is None:  # a bare removal: the lookout may never have reached this bench
                conn.execute(
                    "INSERT INTO lookouts (id, field, pattern, reason, expires_at, added_by, added_at, "
                    "bench_id, removed) VALUES (?, '', '', '', '', '', '', '', 1) "
                    "ON CONFLICT(id) DO UPDATE SET removed = 1",
                    (ref.id,),
                )
                continue
            conn.execute(
                "INSERT INTO lookouts (id, field, pattern, reason, expires_at, added_by, added_at, bench_id, "
                "removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "field = excluded.field, pattern = excluded.pattern, reason = excluded.reason, "
                "expires_at = excluded.expires_at, added_by = excluded.added_by, added_at = excluded.added_at, "
                "bench_id = excluded.bench_id, removed = max(lookouts.removed, excluded.removed)",
                (
                    lk.id,
                    lk.field,
                    lk.pattern,
                    lk.reason,
                    _utc_text(lk.expires_at),
                    lk.added_by,
                    _utc_text(lk.added_at),
                    lk.bench_id,
                    int(ref.removed),
                ),
            )

    def removed_lookouts(self) -> set[str]:
        """Ids of the lookouts the hub says were removed (a bench's own lookout, removed at another)."""
        return {r[0] for r in self.db.conn.execute("SELECT id FROM lookouts WHERE removed = 1")}

    def lookouts(self, now: datetime) -> list[Lookout]:
        """The live lookouts the hub sent (not removed, not expired), newest first."""
        rows = self.db.conn.execute(
            "SELECT id, field, pattern, reason, expires_at, added_by, added_at, bench_id FROM lookouts "
            "WHERE removed = 0 AND expires_at > ? ORDER BY added_at DESC",
            (_utc_text(now),),
        )
        return [
            Lookout(
                lid,
                field,
                pattern,
                reason,
                datetime.fromisoformat(exp),
                by,
                datetime.fromisoformat(at),
                bench,
            )
            for lid, field, pattern, reason, exp, by, at, bench in rows
        ]

    def reference_cursor(self, hub: str) -> tuple[str, str | None]:
        """(cursor, ETag) of the last page applied from `hub`; ("0", None) before the first."""
        row = self.db.conn.execute(
            "SELECT cursor, etag FROM reference_cursor WHERE hub = ?", (hub,)
        ).fetchone()
        return (NO_CURSOR, None) if row is None else (str(row[0]), row[1])

    def reset_reference_cursor(self, hub: str) -> bool:
        """Start `hub`'s pull again from "0" (the hub said the cursor expired); True if one was kept.

        The items stay: the full re-sync overwrites them with what the hub holds, version by version.
        """
        with write_transaction(self.db, savepoint=False):
            cur = self.db.conn.execute("DELETE FROM reference_cursor WHERE hub = ?", (hub,))
        return cur.rowcount > 0

    # --- reading -------------------------------------------------------------------------

    def get(self, tracking_id: str) -> Item | None:
        conn = self.db.conn
        # The item and its risk in one statement: a lookup is on the scan-to-card path.
        row = conn.execute(_GET_ITEM, (tracking_id,)).fetchone()
        if row is None:
            return None
        lines = tuple(
            ContentLine(description=d, hts_code=h, quantity=q, unit_value=v, origin_country=o)
            for d, h, q, v, o in conn.execute(
                "SELECT description, hts_code, quantity, unit_value, origin_country FROM content_lines "
                "WHERE item_id = ? ORDER BY line_no",
                (row[25],),
            )
        )
        fields: dict[str, Any] = dict(zip(_ITEM_FIELD_NAMES, row, strict=False))
        risk = None if row[18] is None else _risk_from_columns(row[18:25])
        return Item(**fields, lines=lines, risk=risk)

    def lookup(self, code: str) -> Item | None:
        """Find an item by any scanned form of its tracking number; a code with a foreign character finds none."""
        parsed = parse(code)
        if parsed.foreign is not None:
            return None  # stripped of its foreign character, it would be another item's number
        item = self.get(parsed.tracking_id)
        if item is None:
            plain = normalize(code)
            if plain != parsed.tracking_id:
                item = self.get(plain)
        return item

    def count(self) -> int:
        row = self.db.conn.execute("SELECT count(*) FROM items").fetchone()
        return int(row[0])

    # --- retention -----------------------------------------------------------------------

    def purge(self, before: str, keep: Collection[str] = (), batch_size: int = 1000) -> int:
        """Delete items that arrived before `before` (ISO date), except `keep`, in small transactions.

        Each batch is its own short transaction, so readers (WAL) are never blocked for long.
        """
        removed = 0
        keep_set = set(keep)
        after = ""
        while True:
            ids = [
                r[0]
                for r in self.db.conn.execute(
                    "SELECT tracking_id FROM items WHERE arrival_date < ? AND tracking_id > ? "
                    "ORDER BY tracking_id LIMIT ?",
                    (before, after, batch_size),
                )
            ]
            if not ids:
                return removed
            after = ids[-1]
            doomed = [i for i in ids if i not in keep_set]
            if not doomed:
                continue
            marks = ",".join("?" * len(doomed))
            with write_transaction(self.db, savepoint=False):
                conn = self.db.conn
                conn.execute(
                    f"DELETE FROM content_lines WHERE item_id IN (SELECT id FROM items WHERE tracking_id IN ({marks}))",
                    doomed,
                )
                for table in ("risk", "items"):
                    conn.execute(f"DELETE FROM {table} WHERE tracking_id IN ({marks})", doomed)
            removed += len(doomed)


def item_to_dict(item: Item) -> dict[str, Any]:
    """The JSON shape of a cached item, as `cache lookup` prints it."""
    risk = item.risk
    return {
        "tracking_id": item.tracking_id,
        "carrier": item.carrier,
        "tracking_format": item.tracking_format,
        "entry_type": item.entry_type,
        "arrival_date": item.arrival_date,
        "port": item.port,
        "shipper": {
            "name": item.shipper_name,
            "address": item.shipper_address,
            "country": item.shipper_country,
        },
        "consignee": {
            "name": item.consignee_name,
            "address": item.consignee_address,
            "country": item.consignee_country,
        },
        "marketplace": item.marketplace,
        "seller": item.seller,
        "weight_kg": item.weight_kg,
        "declared_value": item.declared_value,
        "currency": item.currency,
        "version": item.version,
        "lines": [
            {
                "description": ln.description,
                "hts_code": ln.hts_code,
                "quantity": ln.quantity,
                "unit_value": ln.unit_value,
                "origin_country": ln.origin_country,
            }
            for ln in item.lines
        ],
        "risk": None if risk is None else risk.as_dict(),
    }
