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
