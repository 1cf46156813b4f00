//! Reservations at the hub written into INLISLite as its OPAC's bookings: INLISLite books a
//! copy on the shelf for a member until a time (`collections.BookingMemberID` = the member
//! number, `BookingExpiredDate`, a `bookinglogs` row; `DetailOpacController.php`), it has no
//! queue for a title on loan. So a hold reaches INLISLite when the hub sets a copy aside for
//! it (a return at a kiosk or drop box put it on the hold shelf): the copy is booked for the
//! member until the hold shelf's last day. When the hold ends at the hub (picked up,
//! cancelled, expired) the booking is cleared, if it is still that member's. Recorded in the
//! hub's ledger (`hold:<key>`, `hold-end:<key>`) once INLISLite has it.

use super::read::ORIGIN;
use crate::ils::mirror::{hub, ledger};
use crate::ils::{IlsError, rows};
use crate::storage::{IlsOutcome, IlsWrite, Storage};
use mysql::prelude::Queryable;
use swalayan_core::contract::documents::HoldDoc;
use swalayan_core::domain::HoldStatus;

/// The copies (`collections.ID`) the hub booked, by hold key.
pub fn booked_here(storage: &dyn Storage) -> Result<Vec<(String, i64)>, IlsError> {
    Ok(ledger(storage, "hold:")?
        .into_iter()
        .filter_map(|(key, entry)| Some((key, entry.row("collections")?)))
        .collect())
}

/// Writes the hub's holds set aside and ended. Returns (written, refused).
pub fn write_bookings(
    conn: &mut mysql::Conn,
    storage: &dyn Storage,
    now_wall: &str,
) -> Result<(u64, u64), IlsError> {
    let placed = ledger(storage, "hold:")?;
    let ended = ledger(storage, "hold-end:")?;
    let (mut written, mut refused) = (0, 0);
    for (key, hold) in storage.all::<HoldDoc>().map_err(hub)? {
        if hold.origin == ORIGIN || !hold.title.starts_with(&format!("{ORIGIN}:")) {
            continue;
        }
        let entry = if hold.status == HoldStatus::Ready && !placed.contains_key(&key) {
            let Some(barcode) = hold.set_aside.as_deref() else {
                continue;
            };
            let until = hold
                .ready_until
                .map(|d| format!("{d} 23:59:59"))
                .unwrap_or_else(|| now_wall.to_string());
            book(conn, &hold.patron, barcode, now_wall, &until)?.map_or_else(
                |detail| (IlsOutcome::Refused, Vec::new(), detail),
                |id| {
                    (
                        IlsOutcome::Written,
                        vec![format!("collections:{id}")],
                        format!("{barcode} booked for the member until {until}"),
                    )
                },
            )
        } else if !hold.status.is_live() && !ended.contains_key(&key) {
            let Some(id) = placed.get(&key).and_then(|entry| entry.row("collections")) else {
                continue;
            };
            conn.exec_drop(
                "UPDATE collections SET BookingMemberID = NULL, BookingExpiredDate = NULL
                 WHERE ID = ? AND BookingMemberID = ?",
                (id, &hold.patron),
            )?;
            let entry = IlsWrite::now(
                format!("hold-end:{key}"),
                IlsOutcome::Written,
                vec![format!("collections:{id}")],
                format!("booking of copy {id} cleared ({:?})", hold.status).to_lowercase(),
            );
            storage.ils_record(&entry, None).map_err(hub)?;
            written += 1;
            continue;
        } else {
            continue;
        };
        let (outcome, rows, detail) = entry;
        match outcome {
            IlsOutcome::Written => written += 1,
            IlsOutcome::Refused => refused += 1,
            IlsOutcome::Nothing => {}
        }
        storage
            .ils_record(
                &IlsWrite::now(format!("hold:{key}"), outcome, rows, detail),
                None,
            )
            .map_err(hub)?;
    }
    Ok((written, refused))
}

/// Books `barcode` for `card` until `until`, as the OPAC does; the copy's id, or why not
/// (another member's booking still runs, or no such copy).
fn book(
    conn: &mut mysql::Conn,
    card: &str,
    barcode: &str,
    now: &str,
    until: &str,
) -> Result<Result<i64, String>, IlsError> {
    let copy: Option<(i64, Option<String>)> = rows::first(
        conn,
        "SELECT CAST(ID AS SIGNED),
                IF(BookingExpiredDate > ?, BookingMemberID, NULL)
         FROM collections WHERE NomorBarcode = ? ORDER BY ID LIMIT 1",
        (now, barcode),
    )?;
    let Some((id, booked_by)) = copy else {
        return Ok(Err(format!("INLISLite has no copy {barcode}: not booked")));
    };
    if let Some(other) = booked_by
        .as_deref()
        .filter(|other| !other.is_empty() && *other != card)
    {
        return Ok(Err(format!(
            "INLISLite shows {barcode} booked for member {other}: not booked for {card}"
        )));
    }
    // Written before (the hub stopped before recording it)?
    let earlier: Option<(i64,)> = rows::first(
        conn,
        "SELECT COUNT(*) FROM bookinglogs WHERE memberId = ? AND collectionId = ? AND bookingExpired = ?",
        (card, id, until),
    )?;
    if earlier.is_some_and(|(n,)| n > 0) && booked_by.as_deref() == Some(card) {
        return Ok(Ok(id));
    }
    let mut tx = conn.start_transaction(mysql::TxOpts::default())?;
    tx.exec_drop(
        "UPDATE collections SET BookingMemberID = ?, BookingExpiredDate = ? WHERE ID = ?",
        (card, until, id),
    )?;
    tx.exec_drop(
        "INSERT INTO bookinglogs (memberId, collectionId, bookingDate, bookingExpired)
         VALUES (?, ?, ?, ?)",
        (card, id, now, until),
    )?;
    tx.commit()?;
    Ok(Ok(id))
}
