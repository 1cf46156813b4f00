//! Reports over what the stations sent, computed once here for both the staff's pages and
//! `swalayan-hub report ...`, so a page and its command always give the same numbers.
//!
//! Circulation: loans (checkouts and hold pickups), returns and renewals per local day and
//! station. Every transaction the hub received counts once, whatever became of it centrally
//! (a loan kept as a conflict still happened at the kiosk).

use crate::storage::{Result, Storage, TxFilter};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use std::collections::BTreeMap;
use swalayan_core::contract::transactions::TxKind;

/// One station's circulation on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CirculationRow {
    pub date: Date,
    pub station: String,
    pub loans: u64,
    pub returns: u64,
    pub renewals: u64,
}

/// `report circulation`: `{"from","to","rows":[...]}`, a row per day and station that lent,
/// took back or renewed anything, by date then station.
#[derive(Debug, Clone, Serialize)]
pub struct CirculationReport {
    pub from: Date,
    pub to: Date,
    pub rows: Vec<CirculationRow>,
}

impl CirculationReport {
    /// Loans, returns and renewals per day over the whole period (days without any too), for
    /// the chart.
    pub fn per_day(&self) -> Vec<(Date, u64, u64, u64)> {
        let mut days: BTreeMap<Date, (u64, u64, u64)> = BTreeMap::new();
        let mut day = self.from;
        while day <= self.to {
            days.insert(day, (0, 0, 0));
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        for row in &self.rows {
            let entry = days.entry(row.date).or_default();
            entry.0 += row.loans;
            entry.1 += row.returns;
            entry.2 += row.renewals;
        }
        days.into_iter()
            .map(|(d, (l, r, n))| (d, l, r, n))
            .collect()
    }

    /// Totals per station over the period.
    pub fn per_station(&self) -> Vec<(String, u64, u64, u64)> {
        let mut stations: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
        for row in &self.rows {
            let entry = stations.entry(&row.station).or_default();
            entry.0 += row.loans;
            entry.1 += row.returns;
            entry.2 += row.renewals;
        }
        stations
            .into_iter()
            .map(|(s, (l, r, n))| (s.to_string(), l, r, n))
            .collect()
    }

    /// The rows as CSV: `date,station,loans,returns,renewals`.
    pub fn csv(&self) -> String {
        let mut out = String::from("date,station,loans,returns,renewals\n");
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        for row in &self.rows {
            let _ = writer.write_record([
                row.date.to_string(),
                row.station.clone(),
                row.loans.to_string(),
                row.returns.to_string(),
                row.renewals.to_string(),
            ]);
        }
        out.push_str(&String::from_utf8_lossy(
            &writer.into_inner().unwrap_or_default(),
        ));
        out
    }
}

/// The instants a period of local days covers: `[from 00:00, the day after `to` 00:00)`.
pub fn period(from: Date, to: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = from.to_zoned_datetime(tz.clone()).ok()?.timestamp();
    let end = to
        .checked_add(1.day())
        .ok()?
        .to_zoned_datetime(tz.clone())
        .ok()?
        .timestamp();
    Some((start, end))
}

/// Loans, returns and renewals per day and station from `from` to `to` (local days in `tz`).
pub fn circulation(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
) -> Result<CirculationReport> {
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let received = storage.transactions(&TxFilter {
        state: None,
        since: Some(start),
        limit: None,
    })?;
    let mut counts: BTreeMap<(Date, String), (u64, u64, u64)> = BTreeMap::new();
    for t in received {
        let Ok(at) = t.effective_at.parse::<Timestamp>() else {
            continue;
        };
        if at >= end {
            continue;
        }
        let slot = match TxKind::parse(&t.kind) {
            Some(TxKind::Checkout | TxKind::Pickup) => 0,
            Some(TxKind::Checkin) => 1,
            Some(TxKind::Renew) => 2,
            _ => continue,
        };
        let day = at.to_zoned_datetime(tz.clone()).date();
        let entry = counts.entry((day, t.station)).or_default();
        match slot {
            0 => entry.0 += 1,
            1 => entry.1 += 1,
            _ => entry.2 += 1,
        }
    }
    Ok(CirculationReport {
        from,
        to,
        rows: counts
            .into_iter()
            .map(
                |((date, station), (loans, returns, renewals))| CirculationRow {
                    date,
                    station,
                    loans,
                    returns,
                    renewals,
                },
            )
            .collect(),
    })
}
