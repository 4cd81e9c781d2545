"""The cache's schema, changed only through migrations."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("workstation.cache")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE feed_batches (
            id INTEGER PRIMARY KEY,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            rows_read INTEGER NOT NULL DEFAULT 0,
            items_written INTEGER NOT NULL DEFAULT 0,
            risk_updates INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            quarantined INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'running'
        );
        CREATE INDEX feed_batches_sha256 ON feed_batches(sha256);

        CREATE TABLE items (
            tracking_id TEXT PRIMARY KEY,
            carrier TEXT,
            tracking_format TEXT,
            entry_type TEXT NOT NULL,
            arrival_date TEXT NOT NULL,
            port TEXT NOT NULL,
            shipper_name TEXT NOT NULL,
            shipper_address TEXT NOT NULL,
            shipper_country TEXT NOT NULL,
            consignee_name TEXT NOT NULL,
            consignee_address TEXT NOT NULL,
            consignee_country TEXT NOT NULL,
            marketplace TEXT NOT NULL,
            seller TEXT NOT NULL,
            weight_kg REAL,
            declared_value REAL NOT NULL,
            currency TEXT NOT NULL,
            version INTEGER NOT NULL,
            batch_id INTEGER,
            feed_line INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX items_arrival_date ON items(arrival_date);

        CREATE TABLE content_lines (
            tracking_id TEXT NOT NULL,
            line_no INTEGER NOT NULL,
            description TEXT NOT NULL,
            hts_code TEXT,
            quantity REAL NOT NULL,
            unit_value REAL NOT NULL,
            origin_country TEXT NOT NULL,
            PRIMARY KEY (tracking_id, line_no)
        ) WITHOUT ROWID;

        -- Keyed by tracking id alone: risk may arrive before or after its manifest.
        CREATE TABLE risk (
            tracking_id TEXT PRIMARY KEY,
            score INTEGER NOT NULL,
            lane TEXT NOT NULL,
            reasons TEXT NOT NULL,
            targeted INTEGER NOT NULL,
            target_reason TEXT NOT NULL,
            rule_version TEXT NOT NULL,
            assessed_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX risk_lane ON risk(lane);
        CREATE INDEX risk_targeted ON risk(targeted) WHERE targeted = 1;

        CREATE TABLE quarantine (
            id INTEGER PRIMARY KEY,
            batch_id INTEGER NOT NULL REFERENCES feed_batches(id),
            line_number INTEGER NOT NULL,
            raw_text TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX quarantine_batch ON quarantine(batch_id, line_number);
        """
    )


@migrations()
def m002_feed_batch_bytes(db: Database) -> None:
    # The size of what a batch read: a file is hashed ahead of its import only when a batch of
    # the same size is done, so most imports read their file once.
    db.execute("ALTER TABLE feed_batches ADD COLUMN bytes_read INTEGER")


_ITEM_COLUMNS = """
            tracking_id TEXT NOT NULL,
            carrier TEXT,
            tracking_format TEXT,
            entry_type TEXT NOT NULL,
            arrival_date TEXT NOT NULL,
            port TEXT NOT NULL,
            shipper_name TEXT NOT NULL,
            shipper_address TEXT NOT NULL,
            shipper_country TEXT NOT NULL,
            consignee_name TEXT NOT NULL,
            consignee_address TEXT NOT NULL,
            consignee_country TEXT NOT NULL,
            marketplace TEXT NOT NULL,
            seller TEXT NOT NULL,
            weight_kg REAL,
            declared_value REAL NOT NULL,
            currency TEXT NOT NULL,
            version INTEGER NOT NULL,
            batch_id INTEGER,
            feed_line INTEGER"""
_ITEM_NAMES = ", ".join(line.split()[0] for line in _ITEM_COLUMNS.strip().splitlines())
_RISK_NAMES = "tracking_id, score, lane, reasons, targeted, target_reason, rule_version, assessed_at"
_LINE_NAMES = "line_no, description, hts_code, quantity, unit_value, origin_country"


@migrations()
def m003_append_order(db: Database) -> None:
    # Tracking ids arrive in random order. Keyed by them (WITHOUT ROWID), every batch of a bulk
    # write landed on as many pages as it had rows, all over a file far larger than the page
    # cache: at a million items, an import slowed to less than half its speed at 100,000. Rows
    # now go in arrival order (a rowid) and only narrow indexes take the random order: the pages
    # a write touches at random are few, and they stay in the cache. The arrival-date index,
    # (date, row id) now, grows at one end of each date instead of all over it.
    # Statement by statement: executescript would commit the migration's transaction first. The
    # old tables go last: pages they free and the copy reused would be journaled, in memory.
    script = f"""
        CREATE TABLE items_new (
            id INTEGER PRIMARY KEY,{_ITEM_COLUMNS}
        );
        INSERT INTO items_new ({_ITEM_NAMES}) SELECT {_ITEM_NAMES} FROM items ORDER BY tracking_id;

        -- Keyed by its item's row: an item's lines sit together, after the items written before.
        CREATE TABLE content_lines_new (
            item_id INTEGER NOT NULL,
            line_no INTEGER NOT NULL,
            tracking_id TEXT NOT NULL,
            description TEXT NOT NULL,
            hts_code TEXT,
            quantity REAL NOT NULL,
            unit_value REAL NOT NULL,
            origin_country TEXT NOT NULL,
            PRIMARY KEY (item_id, line_no)
        ) WITHOUT ROWID;
        INSERT INTO content_lines_new (item_id, tracking_id, {_LINE_NAMES})
            SELECT i.id, c.tracking_id, {", ".join("c." + n.strip() for n in _LINE_NAMES.split(","))}
            FROM items_new i JOIN content_lines c ON c.tracking_id = i.tracking_id
            ORDER BY i.id, c.line_no;

        -- Keyed by tracking id alone (unique): risk may arrive before or after its manifest.
        CREATE TABLE risk_new (
            id INTEGER PRIMARY KEY,
            tracking_id TEXT NOT NULL,
            score INTEGER NOT NULL,
            lane TEXT NOT NULL,
            reasons TEXT NOT NULL,
            targeted INTEGER NOT NULL,
            target_reason TEXT NOT NULL,
            rule_version TEXT NOT NULL,
            assessed_at TEXT NOT NULL
        );
        INSERT INTO risk_new ({_RISK_NAMES}) SELECT {_RISK_NAMES} FROM risk ORDER BY tracking_id;

        DROP TABLE items;
        DROP TABLE content_lines;
        DROP TABLE risk;
        ALTER TABLE items_new RENAME TO items;
        ALTER TABLE content_lines_new RENAME TO content_lines;
        ALTER TABLE risk_new RENAME TO risk;
        CREATE UNIQUE INDEX items_tracking_id ON items(tracking_id);
        CREATE INDEX items_arrival_date ON items(arrival_date);
        CREATE UNIQUE INDEX risk_tracking_id ON risk(tracking_id);
        CREATE INDEX risk_lane ON risk(lane);
        CREATE INDEX risk_targeted ON risk(targeted) WHERE targeted = 1;
        """
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m004_reference_cursor(db: Database) -> None:
    # Where the reference pull stands with each hub; written in the transaction of the page it
    # follows, so the cursor never runs ahead of (or behind) what the cache holds.
    db.execute(
        "CREATE TABLE reference_cursor (hub TEXT PRIMARY KEY, cursor TEXT NOT NULL, etag TEXT, "
        "updated_at TEXT NOT NULL)"
    )


@migrations()
def m005_lookouts(db: Database) -> None:
    """Facility lookouts as the hub's reference pull brings them (docs/sync-protocol.md).

    One row per lookout, upserted by id; `removed` set when the hub says it was removed. A scan
    reads the live ones (not removed, not expired) beside the bench's own lookout records.
    """
    db.execute(
        """
        CREATE TABLE lookouts (
            id TEXT PRIMARY KEY,
            field TEXT NOT NULL,
            pattern TEXT NOT NULL,
            reason TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL,
            bench_id TEXT NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX lookouts_live ON lookouts(expires_at) WHERE removed = 0")
