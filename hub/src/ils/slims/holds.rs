//! Reservations placed or ended at the hub (on the web, at a kiosk) written into SLiMS's
//! `reserve` table as its desk and OPAC write them.
//!
//! - Placed: `INSERT INTO reserve (member_id, biblio_id, item_code, reserve_date)` at the
//!   time it was placed (`circulation_action.php`; the OPAC's `member.inc.php`). SLiMS
//!   reserves a copy, never a title: a hold on a title names the copy the patron is most
//!   likely to get first, the one on loan that is due soonest (as SLiMS's desk only lets a
//!   copy on loan be reserved), else one that may be lent.
//! - Ended (picked up, cancelled, expired): its row deleted, by its id (a copy lent at the
//!   kiosk may not be the one the row names, so the desk's delete by member and copy on a
//!   loan would miss it). A hold SLiMS's desk placed (`slims:<reserve_id>`) and the patron
//!   cancelled on the web is deleted the same way.
//!
//! A hold SLiMS will not take (no such member, a pending one, no copy that may be lent) is
//! cancelled in the hub too, and counted among the link's refusals.
//!
//! Each is recorded in the hub's ledger (`hold:<key>` with `reserve:<id>`, `hold-end:<key>`)
//! once SLiMS has it; an interrupted placement is found again by member, title and time.

use super::columns::sql_datetime;
use super::read::ORIGIN;
use crate::ils::mirror::{hub, ledger};
use crate::ils::{IlsError, rows};
use crate::storage::{IlsOutcome, IlsWrite, Storage};
use jiff::tz::TimeZone;
use mysql::prelude::Queryable;
use std::collections::HashMap;
use swalayan_core::contract::documents::HoldDoc;

/// The hub's hold keys and the SLiMS reservations they are (placed by the hub, or by
/// SLiMS's desk: `slims:<id>`).
pub fn reservations(storage: &dyn Storage) -> Result<HashMap<String, i64>, IlsError> {
    let mut ids: HashMap<String, i64> = ledger(storage, "hold:")?
        .into_iter()
        .filter_map(|(key, entry)| Some((key, entry.row("reserve")?)))
        .collect();
    for (key, _) in storage.all::<HoldDoc>().map_err(hub)? {
        if let Some(id) = key
            .strip_prefix(&format!("{ORIGIN}:"))
            .and_then(|id| id.parse().ok())
        {
            ids.insert(key, id);
        }
    }
    Ok(ids)
}

/// Writes the hub's new and ended holds. Returns (written, refused).
pub fn write_holds(
    conn: &mut mysql::Conn,
    storage: &dyn Storage,
    time_zone: &TimeZone,
) -> Result<(u64, u64), IlsError> {
    let placed = ledger(storage, "hold:")?;
    let ended = ledger(storage, "hold-end:")?;
    let reserved = reservations(storage)?;
    let (mut written, mut refused) = (0, 0);
    for (key, hold) in storage.all::<HoldDoc>().map_err(hub)? {
        let wrote = if hold.status.is_live() {
            if hold.origin == ORIGIN || placed.contains_key(&key) {
                continue;
            }
            let source = format!("hold:{key}");
            (source, place(conn, &hold, time_zone)?)
        } else {
            let Some(&id) = reserved.get(&key) else {
                continue;
            };
            if ended.contains_key(&key) {
                continue;
            }
            conn.exec_drop(
                "DELETE FROM reserve WHERE reserve_id = ? AND member_id = ?",
                (id, &hold.patron),
            )?;
            let detail = format!("reservation {id} ended ({:?})", hold.status).to_lowercase();
            (
                format!("hold-end:{key}"),
                (IlsOutcome::Written, vec![format!("reserve:{id}")], detail),
            )
        };
        let (source, (outcome, rows, detail)) = wrote;
        if outcome == IlsOutcome::Refused {
            // The system is the record: a hold it will not take is not one here either.
            let cancelled = HoldDoc {
                status: swalayan_core::domain::HoldStatus::Cancelled,
                ..hold.clone()
            };
            let put = crate::storage::Put::doc(&key, &cancelled).map_err(hub)?;
            storage
                .write(&mut |tx| tx.put(std::slice::from_ref(&put)).map(|_| ()))
                .map_err(hub)?;
        }
        match outcome {
            IlsOutcome::Written => written += 1,
            IlsOutcome::Refused => refused += 1,
            IlsOutcome::Nothing => {}
        }
        storage
            .ils_record(&IlsWrite::now(source, outcome, rows, detail), None)
            .map_err(hub)?;
    }
    Ok((written, refused))
}

type Placed = (IlsOutcome, Vec<String>, String);

/// One hold placed at the hub, as a `reserve` row.
fn place(conn: &mut mysql::Conn, hold: &HoldDoc, time_zone: &TimeZone) -> Result<Placed, IlsError> {
    let Some(biblio) = hold
        .title
        .strip_prefix(&format!("{ORIGIN}:"))
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok((
            IlsOutcome::Nothing,
            Vec::new(),
            format!("title {} is not SLiMS's", hold.title),
        ));
    };
    let placed: jiff::Timestamp = hold
        .placed
        .parse()
        .map_err(|e| IlsError::Database(format!("hold placed at '{}': {e}", hold.placed)))?;
    let at = sql_datetime(placed.to_zoned_datetime(time_zone.clone()).datetime());
    let earlier: Option<(i64,)> = rows::first(
        conn,
        "SELECT reserve_id FROM reserve WHERE member_id = ? AND biblio_id = ? AND reserve_date = ?",
        (&hold.patron, biblio, &at),
    )?;
    if let Some((id,)) = earlier {
        return Ok((
            IlsOutcome::Written,
            vec![format!("reserve:{id}")],
            format!("reservation of title {biblio}: found already written"),
        ));
    }
    let member: Option<(i64,)> = rows::first(
        conn,
        "SELECT is_pending FROM member WHERE member_id = ?",
        (&hold.patron,),
    )?;
    match member {
        None => {
            return Ok((
                IlsOutcome::Refused,
                Vec::new(),
                format!(
                    "SLiMS has no member {}: the reservation was not written",
                    hold.patron
                ),
            ));
        }
        Some((pending,)) if pending != 0 => {
            return Ok((
                IlsOutcome::Refused,
                Vec::new(),
                format!(
                    "SLiMS shows member {} as pending: the reservation was not written",
                    hold.patron
                ),
            ));
        }
        Some(_) => {}
    }
    let copy = match &hold.item {
        Some(item) => Some(item.clone()),
        None => {
            // The copy on loan due soonest, else one that may be lent.
            let chosen: Option<(String,)> = rows::first(
                conn,
                "SELECT i.item_code FROM item i
                 LEFT JOIN loan l ON l.item_code = i.item_code AND l.is_lent = 1 AND l.is_return = 0
                 LEFT JOIN mst_item_status s ON s.item_status_id = i.item_status_id
                 WHERE i.biblio_id = ? AND COALESCE(s.no_loan, 0) = 0
                 ORDER BY l.loan_id IS NULL, l.due_date, i.item_code LIMIT 1",
                (biblio,),
            )?;
            chosen.map(|(code,)| code)
        }
    };
    let Some(copy) = copy else {
        return Ok((
            IlsOutcome::Refused,
            Vec::new(),
            format!(
                "SLiMS has no copy of title {biblio} that may be lent: the reservation was not written"
            ),
        ));
    };
    conn.exec_drop(
        "INSERT INTO reserve (member_id, biblio_id, item_code, reserve_date) VALUES (?, ?, ?, ?)",
        (&hold.patron, biblio, &copy, &at),
    )?;
    let id = conn.last_insert_id();
    Ok((
        IlsOutcome::Written,
        vec![format!("reserve:{id}")],
        format!("reservation of {copy} (title {biblio}) at {at}"),
    ))
}
