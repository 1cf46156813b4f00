//! `swalayan-hub export csv|koc --since DATE`: transactions for libraries that load them back
//! into their own system. Times are the hub's effective times (corrected for stations whose
//! clock was untrusted), shown in the library's time zone.

use crate::storage::{Received, Result, Storage, TxFilter};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::io::Write;
use swalayan_core::contract::transactions::TxBody;
use swalayan_core::export::koc::{KocEvent, KocWriter};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error("a transaction's time cannot be read: {0}")]
    Time(String),
}

/// Transactions from the start of `since` (in the library's time zone) on, oldest first.
pub fn transactions_since(
    storage: &dyn Storage,
    since: jiff::civil::Date,
    time_zone: &TimeZone,
) -> Result<Vec<Received>> {
    let start = since
        .to_zoned_datetime(time_zone.clone())
        .map_err(|e| crate::storage::HubError::Invalid(e.to_string()))?
        .timestamp();
    let mut rows = storage.transactions(&TxFilter {
        since: Some(start),
        ..TxFilter::default()
    })?;
    // Text order of RFC 3339 is not time order across different fraction lengths.
    rows.sort_by_key(|r| {
        (
            r.effective_at.parse::<Timestamp>().ok(),
            r.station.clone(),
            r.seq,
        )
    });
    Ok(rows)
}

/// A received transaction read through the contract; `None` for a kind or payload this hub
/// cannot read (kept as a conflict when it arrived).
fn body_of(r: &Received) -> Option<TxBody> {
    r.body().ok()
}

/// One CSV row per transaction, conflicts included (with their state and reason).
pub fn write_csv(
    out: impl Write,
    rows: &[Received],
    time_zone: &TimeZone,
) -> Result<(), ExportError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "id",
        "time",
        "station",
        "seq",
        "kind",
        "patron",
        "item",
        "due",
        "state",
        "reason",
        "clock_trusted",
    ])?;
    for r in rows {
        let body = body_of(r);
        let due = body.as_ref().and_then(TxBody::due).map(|d| d.to_string());
        let local = r
            .effective_at
            .parse::<Timestamp>()
            .map(|t| {
                t.to_zoned_datetime(time_zone.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|_| r.effective_at.clone());
        // Payload text (barcodes, cards) is the station's: no cell a spreadsheet runs.
        writer.write_record(
            [
                r.id.to_string().as_str(),
                &local,
                &r.station,
                &r.seq.to_string(),
                &r.kind.code(),
                body.as_ref().and_then(TxBody::patron).unwrap_or(""),
                body.as_ref().and_then(TxBody::item).unwrap_or(""),
                due.as_deref().unwrap_or(""),
                r.state.code(),
                r.reason.as_deref().unwrap_or(""),
                if r.clock_trusted { "true" } else { "false" },
            ]
            .map(|c| crate::csv_safe::cell(c).into_owned()),
        )?;
    }
    writer.flush()?;
    Ok(())
}

/// Koha's offline circulation file: loans, renewals, pickups and returns that applied
/// (conflicts are for staff first, so they are left out and counted).
pub fn write_koc(
    out: impl Write,
    rows: &[Received],
    time_zone: &TimeZone,
) -> Result<(u64, u64), ExportError> {
    let mut writer = KocWriter::new(out, time_zone.clone(), env!("CARGO_PKG_VERSION"))?;
    let (mut written, mut held_back) = (0, 0);
    for r in rows {
        let body = body_of(r);
        let Some(event) = KocEvent::from_transaction(
            &r.kind.code(),
            body.as_ref().and_then(TxBody::patron),
            body.as_ref().and_then(TxBody::item),
        ) else {
            continue;
        };
        if r.state != crate::storage::TxState::Applied {
            held_back += 1;
            continue;
        }
        let at = r
            .effective_at
            .parse::<Timestamp>()
            .map_err(|e| ExportError::Time(format!("{}: {e}", r.effective_at)))?;
        writer.event(at, &event)?;
        written += 1;
    }
    writer.finish()?;
    Ok((written, held_back))
}
