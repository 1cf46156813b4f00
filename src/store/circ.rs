//! Loans, holds and fines: the queries the circulation desk needs.

use super::Result;
use super::catalog::{parse_date, parse_timestamp};
use crate::domain::{Hold, HoldStatus, HoldTarget, Loan, Money};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};

const LOAN_COLUMNS: &str = "id, item, patron, issued, due, renewals";

fn loan_from_row(
    row: &Row<'_>,
) -> rusqlite::Result<(i64, String, Option<String>, String, String, u32)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn finish_loan(raw: (i64, String, Option<String>, String, String, u32)) -> Result<Loan> {
    let (id, item, patron, issued, due, renewals) = raw;
    Ok(Loan {
        id,
        item,
        patron: patron.unwrap_or_default(),
        issued: parse_timestamp("loan issued", &issued)?,
        due: parse_date("loan due", &due)?,
        renewals,
    })
}

/// The open loan on a copy.
pub fn open_loan_for_item(conn: &Connection, item: &str) -> Result<Option<Loan>> {
    let sql = format!("SELECT {LOAN_COLUMNS} FROM loans WHERE item = ?1 AND returned_at IS NULL");
    let raw = conn
        .prepare_cached(&sql)?
        .query_row([item], loan_from_row)
        .optional()?;
    raw.map(finish_loan).transpose()
}

/// A patron's open loans, oldest first.
pub fn open_loans_of_patron(conn: &Connection, patron: &str) -> Result<Vec<Loan>> {
    let sql = format!(
        "SELECT {LOAN_COLUMNS} FROM loans WHERE patron = ?1 AND returned_at IS NULL ORDER BY due, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([patron], loan_from_row)?;
    rows.map(|r| finish_loan(r?)).collect()
}

/// (all open loans, open loans of `item_type`) of a patron.
pub fn loan_counts(conn: &Connection, patron: &str, item_type: &str) -> Result<(u32, u32)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), COALESCE(sum(i.item_type = ?2), 0)
             FROM loans l JOIN items i ON i.barcode = l.item
             WHERE l.patron = ?1 AND l.returned_at IS NULL",
        )?
        .query_row(params![patron, item_type], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

pub fn insert_loan(
    conn: &Connection,
    item: &str,
    patron: &str,
    issued: Timestamp,
    due: Date,
) -> Result<i64> {
    conn.prepare_cached("INSERT INTO loans(item, patron, issued, due) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![item, patron, issued.to_string(), due.to_string()])?;
    Ok(conn.last_insert_rowid())
}

pub fn renew_loan(conn: &Connection, loan_id: i64, due: Date) -> Result<()> {
    conn.prepare_cached("UPDATE loans SET due = ?2, renewals = renewals + 1 WHERE id = ?1")?
        .execute(params![loan_id, due.to_string()])?;
    Ok(())
}

pub fn close_loan(conn: &Connection, loan_id: i64, returned: Timestamp, fine: Money) -> Result<()> {
    conn.prepare_cached("UPDATE loans SET returned_at = ?2, fine = ?3 WHERE id = ?1")?
        .execute(params![loan_id, returned.to_string(), fine.hundredths()])?;
    Ok(())
}

pub fn record_fine(
    conn: &Connection,
    patron: &str,
    item: &str,
    amount: Money,
    at: Timestamp,
    txn: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO fines(patron, item, amount, created_at, txn) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        patron,
        item,
        amount.hundredths(),
        at.to_string(),
        txn
    ])?;
    Ok(())
}

const HOLD_COLUMNS: &str =
    "id, patron, title_id, target_item, placed, status, item, pickup_branch, expires";

type RawHold = (
    i64,
    String,
    i64,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

fn hold_from_row(row: &Row<'_>) -> rusqlite::Result<RawHold> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

fn finish_hold(raw: RawHold) -> Result<Hold> {
    let (id, patron, title_id, target_item, placed, status, item, pickup_branch, expires) = raw;
    Ok(Hold {
        id,
        patron,
        target: match target_item {
            Some(barcode) => HoldTarget::Item(barcode),
            None => HoldTarget::Title(title_id),
        },
        title_id,
        placed: parse_timestamp("hold placed", &placed)?,
        status: HoldStatus::from_code(&status).ok_or(super::StoreError::Corrupt {
            what: "hold status",
            value: status,
        })?,
        item,
        pickup_branch,
        expires: expires.map(|d| parse_date("hold expiry", &d)).transpose()?,
    })
}

fn holds_where(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Hold>> {
    let sql = format!("SELECT {HOLD_COLUMNS} FROM holds WHERE {condition}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params, hold_from_row)?;
    rows.map(|r| finish_hold(r?)).collect()
}

/// The hold a copy has been set aside for (ready on the shelf, or travelling to it).
pub fn hold_on_item(conn: &Connection, item: &str) -> Result<Option<Hold>> {
    Ok(holds_where(
        conn,
        "item = ?1 AND status IN ('ready', 'in_transit') LIMIT 1",
        [item],
    )?
    .into_iter()
    .next())
}

/// The first waiting hold this copy can fill: on this copy, or on its title.
pub fn next_hold_for(conn: &Connection, item: &str, title_id: i64) -> Result<Option<Hold>> {
    Ok(holds_where(
        conn,
        "status = 'waiting' AND title_id = ?2 AND (target_item IS NULL OR target_item = ?1)
         ORDER BY placed, id LIMIT 1",
        params![item, title_id],
    )?
    .into_iter()
    .next())
}

/// Waiting holds by other patrons that a copy could fill.
pub fn holds_by_others(conn: &Connection, item: &str, title_id: i64, patron: &str) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM holds
             WHERE status = 'waiting' AND title_id = ?2 AND patron <> ?3
               AND (target_item IS NULL OR target_item = ?1)",
        )?
        .query_row(params![item, title_id, patron], |r| r.get(0))?)
}

/// Whether someone other than `patron` waits for this very copy.
pub fn item_level_hold_by_other(conn: &Connection, item: &str, patron: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM holds WHERE target_item = ?1 AND status = 'waiting' AND patron <> ?2 LIMIT 1",
        )?
        .query_row(params![item, patron], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A patron's live holds (waiting, ready, in transit), in queue order.
pub fn live_holds_of_patron(conn: &Connection, patron: &str) -> Result<Vec<Hold>> {
    holds_where(
        conn,
        &format!(
            "patron = ?1 AND status IN {} ORDER BY placed, id",
            HoldStatus::LIVE_SQL
        ),
        [patron],
    )
}

/// The place of a waiting hold in its title's queue (1 = next).
pub fn queue_position(conn: &Connection, hold: &Hold) -> Result<u32> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM holds
             WHERE title_id = ?1 AND status = 'waiting' AND (placed < ?2 OR (placed = ?2 AND id <= ?3))",
        )?
        .query_row(params![hold.title_id, hold.placed.to_string(), hold.id], |r| r.get(0))?)
}

pub fn insert_hold(
    conn: &Connection,
    patron: &str,
    title_id: i64,
    target_item: Option<&str>,
    placed: Timestamp,
    pickup_branch: &str,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO holds(patron, title_id, target_item, placed, status, pickup_branch)
         VALUES (?1, ?2, ?3, ?4, 'waiting', ?5)",
    )?
    .execute(params![
        patron,
        title_id,
        target_item,
        placed.to_string(),
        pickup_branch
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn set_hold_state(
    conn: &Connection,
    hold_id: i64,
    status: HoldStatus,
    item: Option<&str>,
    expires: Option<Date>,
) -> Result<()> {
    conn.prepare_cached("UPDATE holds SET status = ?2, item = ?3, expires = ?4 WHERE id = ?1")?
        .execute(params![
            hold_id,
            status.code(),
            item,
            expires.map(|d| d.to_string())
        ])?;
    Ok(())
}

/// The id the central knows a hold by (None until it was placed through or pulled from it).
pub fn hold_central_key(conn: &Connection, hold_id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT central_key FROM holds WHERE id = ?1")?
        .query_row([hold_id], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn set_hold_central_key(conn: &Connection, hold_id: i64, key: &str) -> Result<()> {
    conn.prepare_cached("UPDATE holds SET central_key = ?2 WHERE id = ?1")?
        .execute(params![hold_id, key])?;
    Ok(())
}

/// Brings a loan's due date and renewal count to what the central says.
pub fn set_loan_terms(conn: &Connection, loan_id: i64, due: Date, renewals: u32) -> Result<()> {
    conn.prepare_cached("UPDATE loans SET due = ?2, renewals = ?3 WHERE id = ?1")?
        .execute(params![loan_id, due.to_string(), renewals])?;
    Ok(())
}

/// Marks a loan as made at another station (pulled from the central).
pub fn set_loan_station(conn: &Connection, loan_id: i64, station: &str) -> Result<()> {
    conn.prepare_cached("UPDATE loans SET station = ?2 WHERE id = ?1")?
        .execute(params![loan_id, station])?;
    Ok(())
}

/// Drops the borrower from a closed loan (privacy, when the library keeps no history).
pub fn forget_borrower(conn: &Connection, loan_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE loans SET patron = NULL WHERE id = ?1")?
        .execute([loan_id])?;
    Ok(())
}

/// A hold by the id the central knows it by: its local id and status code.
pub fn hold_by_central_key(conn: &Connection, key: &str) -> Result<Option<(i64, String)>> {
    Ok(conn
        .prepare_cached("SELECT id, status FROM holds WHERE central_key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Ends a hold (cancelled or expired centrally), keeping its copy and shelf date as they are.
pub fn set_hold_status(conn: &Connection, hold_id: i64, status: HoldStatus) -> Result<()> {
    conn.prepare_cached("UPDATE holds SET status = ?2 WHERE id = ?1")?
        .execute(params![hold_id, status.code()])?;
    Ok(())
}
