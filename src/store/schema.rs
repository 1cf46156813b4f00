//! Versioned migrations: `PRAGMA user_version` says which have run.
//!
//! Append new migrations; never edit one that has shipped.

use super::{Result, StoreError};
use rusqlite::Connection;

/// Migrations in order; `VERSION` is their count.
const MIGRATIONS: &[&str] = &[
    // 1: the circulation core.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE policy (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        source     TEXT NOT NULL,          -- the TOML the library wrote
        updated_at TEXT NOT NULL
    );

    -- Bibliographic records. source_key identifies a record across re-imports:
    -- '001:<control number>' from MARC, 'isbn:<isbn>' or 'title:<title>|<author>' from CSV.
    CREATE TABLE titles (
        id          INTEGER PRIMARY KEY,
        source_key  TEXT NOT NULL UNIQUE,
        title       TEXT NOT NULL,
        author      TEXT,
        isbn        TEXT,
        call_number TEXT
    );

    CREATE VIRTUAL TABLE titles_fts USING fts5(
        title, author, isbn, call_number,
        content = 'titles', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER titles_ai AFTER INSERT ON titles BEGIN
        INSERT INTO titles_fts(rowid, title, author, isbn, call_number)
        VALUES (new.id, new.title, new.author, new.isbn, new.call_number);
    END;
    CREATE TRIGGER titles_ad AFTER DELETE ON titles BEGIN
        INSERT INTO titles_fts(titles_fts, rowid, title, author, isbn, call_number)
        VALUES ('delete', old.id, old.title, old.author, old.isbn, old.call_number);
    END;
    CREATE TRIGGER titles_au AFTER UPDATE ON titles BEGIN
        INSERT INTO titles_fts(titles_fts, rowid, title, author, isbn, call_number)
        VALUES ('delete', old.id, old.title, old.author, old.isbn, old.call_number);
        INSERT INTO titles_fts(rowid, title, author, isbn, call_number)
        VALUES (new.id, new.title, new.author, new.isbn, new.call_number);
    END;

    CREATE TABLE items (
        barcode     TEXT PRIMARY KEY,
        title_id    INTEGER NOT NULL REFERENCES titles(id),
        item_type   TEXT NOT NULL,
        status      TEXT NOT NULL,
        damaged     INTEGER NOT NULL DEFAULT 0,
        parts       INTEGER NOT NULL DEFAULT 1 CHECK (parts >= 1),
        call_number TEXT,
        home_branch TEXT NOT NULL,
        transit_to  TEXT
    );
    CREATE INDEX items_title ON items(title_id);

    CREATE TABLE patrons (
        card             TEXT PRIMARY KEY,
        name             TEXT NOT NULL,
        category         TEXT NOT NULL,
        expires          TEXT NOT NULL,    -- YYYY-MM-DD, last valid day
        pin_hash         TEXT,             -- argon2id PHC string, never a PIN
        blocked          INTEGER NOT NULL DEFAULT 0,
        block_note       TEXT,
        fines            INTEGER NOT NULL DEFAULT 0,   -- hundredths
        pin_failures     INTEGER NOT NULL DEFAULT 0,
        pin_locked_until TEXT
    );

    -- Open and closed loans. patron becomes NULL once a return reached the central,
    -- unless the policy keeps history.
    CREATE TABLE loans (
        id          INTEGER PRIMARY KEY,
        item        TEXT NOT NULL REFERENCES items(barcode),
        patron      TEXT,
        issued      TEXT NOT NULL,
        due         TEXT NOT NULL,
        renewals    INTEGER NOT NULL DEFAULT 0,
        returned_at TEXT,
        fine        INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX loans_open_item ON loans(item) WHERE returned_at IS NULL;
    CREATE INDEX loans_open_patron ON loans(patron) WHERE returned_at IS NULL;
    CREATE INDEX loans_returned ON loans(returned_at) WHERE returned_at IS NOT NULL;

    CREATE TABLE holds (
        id            INTEGER PRIMARY KEY,
        patron        TEXT NOT NULL REFERENCES patrons(card),
        title_id      INTEGER NOT NULL REFERENCES titles(id),
        target_item   TEXT,                -- set for item-level holds
        placed        TEXT NOT NULL,
        status        TEXT NOT NULL,
        item          TEXT,                -- the copy set aside (ready / in transit)
        pickup_branch TEXT NOT NULL,
        expires       TEXT
    );
    CREATE INDEX holds_queue ON holds(title_id, status, placed);
    CREATE INDEX holds_patron ON holds(patron, status);
    CREATE INDEX holds_item ON holds(item) WHERE item IS NOT NULL;
    CREATE INDEX holds_target ON holds(target_item) WHERE target_item IS NOT NULL;

    -- Fines charged here (overdue at checkin), for staff and the central.
    CREATE TABLE fines (
        id         INTEGER PRIMARY KEY,
        patron     TEXT NOT NULL,
        item       TEXT NOT NULL,
        amount     INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        txn        TEXT NOT NULL
    );
    CREATE INDEX fines_patron ON fines(patron);

    -- Circulation transactions for the central, in order. AUTOINCREMENT: a rolled-back
    -- transaction gives its number back, so the sequence has no gaps and never reuses one.
    CREATE TABLE outbox (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        id            TEXT NOT NULL UNIQUE,   -- UUIDv7
        station_id    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        clock_trusted INTEGER NOT NULL,
        kind          TEXT NOT NULL,
        payload       TEXT NOT NULL,          -- JSON
        loan_id       INTEGER,
        state         TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'acknowledged', 'conflict')),
        state_changed_at TEXT,
        conflict_reason  TEXT
    );
    CREATE INDEX outbox_state ON outbox(state, seq);
    CREATE INDEX outbox_loan ON outbox(loan_id) WHERE loan_id IS NOT NULL;
    "#,
    // 2: promotions the library publishes on the kiosk's welcome screen.
    r#"
    CREATE TABLE promotions (
        id        INTEGER PRIMARY KEY,
        title     TEXT NOT NULL,
        body      TEXT NOT NULL,
        starts_on TEXT,               -- YYYY-MM-DD, inclusive; NULL = always
        ends_on   TEXT
    );
    "#,
    // 3: what ties local rows to the central catalog's documents (central sync).
    r#"
    ALTER TABLE holds ADD COLUMN central_key TEXT;       -- the hold's id at the central
    CREATE UNIQUE INDEX holds_central ON holds(central_key) WHERE central_key IS NOT NULL;
    ALTER TABLE promotions ADD COLUMN central_key TEXT;
    CREATE UNIQUE INDEX promotions_central ON promotions(central_key) WHERE central_key IS NOT NULL;
    ALTER TABLE loans ADD COLUMN station TEXT;           -- lent at another station (pulled); NULL: here
    "#,
    // 4: the drop box's journal: one row per item through the chute, and the bins' loads.
    r#"
    CREATE TABLE dropbox_cycles (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at  TEXT NOT NULL,
        -- open: begun; checked_in: the return committed (with this row, in one transaction);
        -- done: finished; attention: interrupted or not diverted, for staff; resolved: seen to.
        state       TEXT NOT NULL
                    CHECK (state IN ('open', 'checked_in', 'done', 'attention', 'resolved')),
        item        TEXT,
        result      TEXT CHECK (result IN ('returned', 'exception')),
        route       TEXT,
        bin         TEXT,
        reason      TEXT,
        checked_in  INTEGER NOT NULL DEFAULT 0,
        finished_at TEXT,
        cycle_ms    INTEGER
    );
    CREATE INDEX dropbox_cycles_unfinished ON dropbox_cycles(state)
        WHERE state IN ('open', 'checked_in', 'attention');
    CREATE TABLE dropbox_bins (
        name       TEXT PRIMARY KEY,
        items      INTEGER NOT NULL DEFAULT 0,   -- since it was last emptied
        emptied_at TEXT
    );
    "#,
    // 5: the entrance counter's counts per passage and 15-minute bucket, and what the central
    // has of them (a bucket is resent, whole, whenever it grew since).
    r#"
    CREATE TABLE visits (
        passage   TEXT NOT NULL,
        start     TEXT NOT NULL,                 -- RFC 3339, UTC, on a quarter hour
        entered   INTEGER NOT NULL DEFAULT 0,
        left      INTEGER NOT NULL DEFAULT 0,
        uncertain INTEGER NOT NULL DEFAULT 0,
        sent_entered INTEGER NOT NULL DEFAULT -1,  -- the counts the central acknowledged
        sent_left    INTEGER NOT NULL DEFAULT -1,
        PRIMARY KEY (passage, start)
    );
    "#,
    // 6: pulled documents this station could not apply (unreadable, a policy it refuses, a
    // hold for a title or patron it does not know yet), kept so the cursor can move on
    // without losing them: retried on every pull until they apply or a newer one replaces them.
    r#"
    CREATE TABLE held_back (
        kind     TEXT NOT NULL,
        key      TEXT NOT NULL,
        revision INTEGER NOT NULL,
        body     TEXT NOT NULL,                  -- the document as pulled (JSON)
        error    TEXT NOT NULL,
        since    TEXT NOT NULL,                  -- RFC 3339: first held back
        PRIMARY KEY (kind, key)
    );
    "#,
    // 7: a title's search entry is written by the code that inserts the title
    // (catalog::upsert_title), not by a trigger: a trigger makes every INSERT a statement
    // transaction, whose savepoint makes FTS5 flush its pending index to disk row by row —
    // half of a MARC import's time went to merging those one-row segments.
    r#"
    DROP TRIGGER titles_ai;
    "#,
    // 8: the library's events for the welcome screen, as the central sends them (the event
    // document's JSON: counts of places, never who registered).
    r#"
    CREATE TABLE events (
        central_key TEXT PRIMARY KEY,
        body        TEXT NOT NULL
    );
    "#,
    // 9: promotions in English too, with a picture (a data: URI) and the stations meant to
    // show them (a JSON list; every station when empty).
    r#"
    ALTER TABLE promotions ADD COLUMN title_en TEXT;
    ALTER TABLE promotions ADD COLUMN body_en TEXT;
    ALTER TABLE promotions ADD COLUMN image TEXT;
    ALTER TABLE promotions ADD COLUMN stations TEXT NOT NULL DEFAULT '[]';
    "#,
    // 10: the mobile library (issue #32): the routes' stops as the hub sends them (the stop
    // document's JSON), the card ranges of mobile stations, and the stops made here with
    // their visitor tallies (the outbox carries them to the hub; these answer the screen).
    r#"
    CREATE TABLE stops (
        central_key TEXT PRIMARY KEY,
        body        TEXT NOT NULL
    );
    CREATE TABLE card_ranges (
        station TEXT PRIMARY KEY,
        first   TEXT NOT NULL,
        last    TEXT NOT NULL
    );
    CREATE TABLE stop_days (
        stop      TEXT NOT NULL,
        day       TEXT NOT NULL,
        status    TEXT NOT NULL,
        visitors  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (stop, day)
    );
    "#,
];

/// The schema version this program writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(StoreError::NewerSchema {
            found,
            supported: VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
