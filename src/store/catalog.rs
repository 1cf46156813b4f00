//! Titles, items and patrons: lookups, search, and the upserts imports go through.

use super::{Result, StoreError};
use crate::domain::{HoldStatus, Item, ItemStatus, Money, Patron, Title};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use swalayan_core::import::{Applied, ItemRecord, PatronRecord, TitleRecord};

const ITEM_COLUMNS: &str = "i.barcode, i.title_id, t.title, t.author, t.isbn,
    COALESCE(i.call_number, t.call_number), i.item_type, i.status, i.damaged, i.parts,
    i.home_branch, i.transit_to";

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<(Item, String)> {
    let status: String = row.get(7)?;
    Ok((
        Item {
            barcode: row.get(0)?,
            title_id: row.get(1)?,
            title: row.get(2)?,
            author: row.get(3)?,
            isbn: row.get(4)?,
            call_number: row.get(5)?,
            item_type: row.get(6)?,
            status: ItemStatus::Available,
            damaged: row.get(8)?,
            parts: row.get(9)?,
            home_branch: row.get(10)?,
            transit_to: row.get(11)?,
        },
        status,
    ))
}

fn finish_item((mut item, status): (Item, String)) -> Result<Item> {
    item.status = ItemStatus::from_code(&status).ok_or(StoreError::Corrupt {
        what: "item status",
        value: status,
    })?;
    Ok(item)
}

pub fn item(conn: &Connection, barcode: &str) -> Result<Option<Item>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items i JOIN titles t ON t.id = i.title_id WHERE i.barcode = ?1"
    );
    let raw = conn
        .prepare_cached(&sql)?
        .query_row([barcode], item_from_row)
        .optional()?;
    raw.map(finish_item).transpose()
}

/// Every copy of a title.
pub fn items_of_title(conn: &Connection, title_id: i64) -> Result<Vec<Item>> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items i JOIN titles t ON t.id = i.title_id
         WHERE i.title_id = ?1 ORDER BY i.barcode"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([title_id], item_from_row)?;
    rows.map(|r| finish_item(r?)).collect()
}

pub fn set_item_status(
    conn: &Connection,
    barcode: &str,
    status: ItemStatus,
    transit_to: Option<&str>,
) -> Result<()> {
    conn.prepare_cached("UPDATE items SET status = ?2, transit_to = ?3 WHERE barcode = ?1")?
        .execute(params![barcode, status.code(), transit_to])?;
    Ok(())
}

pub fn title(conn: &Connection, id: i64) -> Result<Option<Title>> {
    Ok(conn
        .prepare_cached("SELECT id, title, author, isbn, call_number FROM titles WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(Title {
                id: r.get(0)?,
                title: r.get(1)?,
                author: r.get(2)?,
                isbn: r.get(3)?,
                call_number: r.get(4)?,
            })
        })
        .optional()?)
}

/// A title by its number, or else by ISBN (digits only, either form the catalog stored).
pub fn find_title(conn: &Connection, key: &str) -> Result<Option<Title>> {
    if let Ok(id) = key.parse::<i64>()
        && let Some(found) = title(conn, id)?
    {
        return Ok(Some(found));
    }
    let isbn: String = key.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM titles WHERE replace(replace(isbn, '-', ''), ' ', '') = ?1 LIMIT 1",
            [isbn],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => title(conn, id),
        None => Ok(None),
    }
}

/// One hit of a catalog search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub title_id: i64,
    pub title: String,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub call_number: Option<String>,
    pub copies: u32,
    pub available: u32,
}

/// Titles whose title, author, ISBN or call number contain every word of `text`, any case.
pub fn search(conn: &Connection, text: &str, limit: u32) -> Result<Vec<SearchHit>> {
    // Each word becomes a quoted FTS5 phrase, so punctuation in call numbers and ISBNs
    // ("QA76.73", "978-602") is tokenised the same way as the indexed text.
    let query: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.title, t.author, t.isbn, t.call_number,
                (SELECT count(*) FROM items i WHERE i.title_id = t.id),
                (SELECT count(*) FROM items i WHERE i.title_id = t.id AND i.status = 'available')
         FROM titles_fts f JOIN titles t ON t.id = f.rowid
         WHERE titles_fts MATCH ?1
         ORDER BY f.rank, t.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![query.join(" AND "), limit], |r| {
        Ok(SearchHit {
            title_id: r.get(0)?,
            title: r.get(1)?,
            author: r.get(2)?,
            isbn: r.get(3)?,
            call_number: r.get(4)?,
            copies: r.get(5)?,
            available: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn patron(conn: &Connection, card: &str) -> Result<Option<Patron>> {
    let raw = conn
        .prepare_cached(
            "SELECT card, name, category, expires, pin_hash, blocked, block_note, fines,
                    pin_failures, pin_locked_until
             FROM patrons WHERE card = ?1",
        )?
        .query_row([card], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, u32>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .optional()?;
    let Some((
        card,
        name,
        category,
        expires,
        pin_hash,
        blocked,
        block_note,
        fines,
        failures,
        locked,
    )) = raw
    else {
        return Ok(None);
    };
    Ok(Some(Patron {
        card,
        name,
        category,
        expires: parse_date("patron expiry", &expires)?,
        pin_hash,
        blocked,
        block_note,
        fines: Money::from_hundredths(fines),
        pin_failures: failures,
        pin_locked_until: locked
            .map(|t| parse_timestamp("pin lockout", &t))
            .transpose()?,
    }))
}

pub fn set_pin_state(
    conn: &Connection,
    card: &str,
    failures: u32,
    locked_until: Option<Timestamp>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE patrons SET pin_failures = ?2, pin_locked_until = ?3 WHERE card = ?1",
    )?
    .execute(params![card, failures, locked_until.map(|t| t.to_string())])?;
    Ok(())
}

pub fn add_fine(conn: &Connection, card: &str, amount: Money) -> Result<()> {
    conn.prepare_cached("UPDATE patrons SET fines = fines + ?2 WHERE card = ?1")?
        .execute(params![card, amount.hundredths()])?;
    Ok(())
}

pub(crate) fn parse_date(what: &'static str, text: &str) -> Result<Date> {
    text.parse().map_err(|_| StoreError::Corrupt {
        what,
        value: text.to_string(),
    })
}

pub(crate) fn parse_timestamp(what: &'static str, text: &str) -> Result<Timestamp> {
    text.parse().map_err(|_| StoreError::Corrupt {
        what,
        value: text.to_string(),
    })
}

/// A title's id by the key it is known by across imports and at the central.
pub fn title_id_by_key(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM titles WHERE source_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// The key a title is known by across imports and at the central.
pub fn title_key(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT source_key FROM titles WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// The search entry of a title just inserted (schema migration 7: no insert trigger; the
/// update and delete triggers keep the entry in step afterwards).
pub fn index_new_title(conn: &Connection, id: i64, record: &TitleRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO titles_fts(rowid, title, author, isbn, call_number) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        record.title,
        record.author,
        record.isbn,
        record.call_number
    ])?;
    Ok(())
}

/// Inserts or updates a title by its source key; returns its id.
pub fn upsert_title(conn: &Connection, record: &TitleRecord) -> Result<(i64, Applied)> {
    let existing = conn
        .prepare_cached(
            "SELECT id, title, author, isbn, call_number FROM titles WHERE source_key = ?1",
        )?
        .query_row([&record.key], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    match existing {
        None => {
            conn.prepare_cached(
                "INSERT INTO titles(source_key, title, author, isbn, call_number)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                record.key,
                record.title,
                record.author,
                record.isbn,
                record.call_number
            ])?;
            let id = conn.last_insert_rowid();
            index_new_title(conn, id, record)?;
            Ok((id, Applied::Inserted))
        }
        Some((id, title, author, isbn, call_number))
            if title == record.title
                && author == record.author
                && isbn == record.isbn
                && call_number == record.call_number =>
        {
            Ok((id, Applied::Unchanged))
        }
        Some((id, ..)) => {
            conn.prepare_cached(
                "UPDATE titles SET title = ?2, author = ?3, isbn = ?4, call_number = ?5 WHERE id = ?1",
            )?
            .execute(params![
                id,
                record.title,
                record.author,
                record.isbn,
                record.call_number
            ])?;
            Ok((id, Applied::Updated))
        }
    }
}

/// Inserts or updates a copy. A copy that circulation holds (on loan, on the hold shelf, in
/// transit) keeps its circulation status; a file that calls it lost, withdrawn or the like is
/// reported as a contradiction and not applied.
pub fn upsert_item(conn: &Connection, title_id: i64, record: &ItemRecord) -> Result<Applied> {
    let existing: Option<String> = conn
        .prepare_cached("SELECT status FROM items WHERE barcode = ?1")?
        .query_row([&record.barcode], |r| r.get(0))
        .optional()?;
    let status = match existing.as_deref().and_then(ItemStatus::from_code) {
        Some(current @ (ItemStatus::OnLoan | ItemStatus::OnHoldShelf | ItemStatus::InTransit)) => {
            if record.status != ItemStatus::Available {
                return Ok(Applied::Contradiction(format!(
                    "item {} is {} here; the file says {} (not applied)",
                    record.barcode,
                    current.code(),
                    record.status.code()
                )));
            }
            current
        }
        _ => record.status,
    };
    let changed = conn
        .prepare_cached(
            "INSERT INTO items(barcode, title_id, item_type, status, damaged, parts, call_number, home_branch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(barcode) DO UPDATE SET
                title_id = excluded.title_id, item_type = excluded.item_type,
                status = excluded.status, damaged = excluded.damaged, parts = excluded.parts,
                call_number = excluded.call_number, home_branch = excluded.home_branch
             WHERE items.title_id IS NOT excluded.title_id OR items.item_type IS NOT excluded.item_type
                OR items.status IS NOT excluded.status OR items.damaged IS NOT excluded.damaged
                OR items.parts IS NOT excluded.parts OR items.call_number IS NOT excluded.call_number
                OR items.home_branch IS NOT excluded.home_branch",
        )?
        .execute(params![
            record.barcode,
            title_id,
            record.item_type,
            status.code(),
            record.damaged,
            record.parts,
            record.call_number,
            record.branch
        ])?;
    Ok(match (existing, changed) {
        (None, _) => Applied::Inserted,
        (Some(_), 0) => Applied::Unchanged,
        (Some(_), _) => Applied::Updated,
    })
}

/// Inserts or updates a patron. Fines charged here that the central has not yet
/// acknowledged are added to the file's balance, so a re-import never clears them.
pub fn upsert_patron(conn: &Connection, record: &PatronRecord) -> Result<Applied> {
    let exists: bool = conn
        .prepare_cached("SELECT 1 FROM patrons WHERE card = ?1")?
        .query_row([&record.card], |_| Ok(()))
        .optional()?
        .is_some();
    let changed = conn
        .prepare_cached(
            "INSERT INTO patrons(card, name, category, expires, pin_hash, blocked, block_note, fines)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                     ?8 + (SELECT COALESCE(sum(f.amount), 0) FROM fines f
                           JOIN outbox o ON o.id = f.txn
                           WHERE f.patron = ?1 AND o.state = 'pending'))
             ON CONFLICT(card) DO UPDATE SET
                name = excluded.name, category = excluded.category, expires = excluded.expires,
                pin_hash = excluded.pin_hash, blocked = excluded.blocked,
                block_note = excluded.block_note, fines = excluded.fines
             WHERE patrons.name IS NOT excluded.name OR patrons.category IS NOT excluded.category
                OR patrons.expires IS NOT excluded.expires OR patrons.pin_hash IS NOT excluded.pin_hash
                OR patrons.blocked IS NOT excluded.blocked OR patrons.block_note IS NOT excluded.block_note
                OR patrons.fines IS NOT excluded.fines",
        )?
        .execute(params![
            record.card,
            record.name,
            record.category,
            record.expires.to_string(),
            record.pin_hash,
            record.blocked,
            record.block_note,
            record.fines.hundredths()
        ])?;
    Ok(match (exists, changed) {
        (false, _) => Applied::Inserted,
        (true, 0) => Applied::Unchanged,
        (true, _) => Applied::Updated,
    })
}

/// Row counts for status output.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub titles: i64,
    pub items: i64,
    pub patrons: i64,
    pub open_loans: i64,
    pub holds: i64,
}

pub fn counts(conn: &Connection) -> Result<Counts> {
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    Ok(Counts {
        titles: count("SELECT count(*) FROM titles")?,
        items: count("SELECT count(*) FROM items")?,
        patrons: count("SELECT count(*) FROM patrons")?,
        open_loans: count("SELECT count(*) FROM loans WHERE returned_at IS NULL")?,
        holds: count(&format!(
            "SELECT count(*) FROM holds WHERE status IN {}",
            HoldStatus::LIVE_SQL
        ))?,
    })
}

/// A patron as the library system (SIP2) last described them at this station, which keeps
/// no patron file of its own: the name, the block, until when the station may serve them
/// offline (`serve_until`, stored as the card's last valid day), and a PIN verifier when one
/// was accepted. A patron already known keeps their category, fines and PIN state.
pub fn remember_patron(
    conn: &Connection,
    card: &str,
    name: &str,
    category: &str,
    serve_until: Date,
    pin_hash: Option<&str>,
    blocked: bool,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO patrons(card, name, category, expires, pin_hash, blocked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(card) DO UPDATE SET
            name = CASE WHEN excluded.name = '' THEN patrons.name ELSE excluded.name END,
            expires = excluded.expires, blocked = excluded.blocked,
            pin_hash = COALESCE(excluded.pin_hash, patrons.pin_hash)",
    )?
    .execute(params![
        card,
        name,
        category,
        serve_until.to_string(),
        pin_hash,
        blocked
    ])?;
    Ok(())
}

/// A copy as the library system named it (SIP2 stations keep no catalog of their own): the
/// barcode and, when it said, the title. A copy first seen here gets `item_type` and this
/// `branch`, and its own title record (`sip2:<barcode>`); one already known keeps its type.
pub fn remember_item(
    conn: &Connection,
    barcode: &str,
    title: Option<&str>,
    item_type: &str,
    branch: &str,
) -> Result<()> {
    let key = format!("sip2:{barcode}");
    if item(conn, barcode)?.is_some() {
        if let Some(title) = title {
            conn.prepare_cached(
                "UPDATE titles SET title = ?2 WHERE source_key = ?1 AND title != ?2",
            )?
            .execute(params![key, title])?;
        }
        return Ok(());
    }
    let (title_id, _) = upsert_title(
        conn,
        &TitleRecord {
            key,
            title: title.unwrap_or(barcode).to_string(),
            author: None,
            isbn: None,
            call_number: None,
            subjects: Vec::new(),
            links: Vec::new(),
        },
    )?;
    upsert_item(
        conn,
        title_id,
        &ItemRecord {
            barcode: barcode.to_string(),
            item_type: item_type.to_string(),
            status: ItemStatus::Available,
            damaged: false,
            parts: 1,
            call_number: None,
            branch: branch.to_string(),
            acquired: None,
        },
    )?;
    Ok(())
}
