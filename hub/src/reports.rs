//! Reports over what the stations sent, computed once here for both the staff's pages and
//! `swalayan-hub report ...`, so a page and its command always give the same numbers.
//!
//! - Visitors: the core's ISO 2789 report over every gate's counts (`report visitors`).
//! - Circulation: loans (checkouts and hold pickups), returns and renewals per local day and
//!   station. Every transaction the hub received counts once, whatever became of it centrally
//!   (a loan kept as a conflict still happened at the kiosk).
//! - Feedback: responses and the average score per day and station, with the comments.

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
        let mut days: BTreeMap<Date, (u64, u64, u64)> = each_day(self.from, self.to)
            .map(|d| (d, (0, 0, 0)))
            .collect();
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
        csv_text(
            &["date", "station", "loans", "returns", "renewals"],
            self.rows.iter().map(|row| {
                vec![
                    row.date.to_string(),
                    row.station.clone(),
                    row.loans.to_string(),
                    row.returns.to_string(),
                    row.renewals.to_string(),
                ]
            }),
        )
    }
}

/// Every day from `from` to `to`, both included.
fn each_day(from: Date, to: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(from), |d| d.tomorrow().ok()).take_while(move |d| *d <= to)
}

/// A header and rows as CSV text (RFC 4180 quoting).
fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(&row);
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
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

/// Every transaction received whose (effective) time falls in the local days `from` to `to`,
/// with that time.
fn received_in(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
) -> Result<Vec<(Timestamp, crate::storage::Received)>> {
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let received = storage.transactions(&TxFilter {
        state: None,
        since: Some(start),
        limit: None,
    })?;
    Ok(received
        .into_iter()
        .filter_map(|t| Some((t.effective_at.parse::<Timestamp>().ok()?, t)))
        .filter(|(at, _)| *at < end)
        .collect())
}

/// Loans, returns and renewals per day and station from `from` to `to` (local days in `tz`).
pub fn circulation(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
) -> Result<CirculationReport> {
    let mut counts: BTreeMap<(Date, String), (u64, u64, u64)> = BTreeMap::new();
    for (at, t) in received_in(storage, from, to, tz)? {
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

/// Visitors from every gate: the core's report (the stations' `report visitors` too).
pub fn visitors(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
    tz_name: &str,
    by: swalayan_core::report::visitors::By,
    suspect_percent: f64,
) -> Result<swalayan_core::report::visitors::VisitorsReport> {
    use swalayan_core::report::visitors::{self, CountedBucket};
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let buckets: Vec<CountedBucket> = storage
        .visits_between(&start.to_string(), &end.to_string())?
        .into_iter()
        .filter_map(|b| {
            Some(CountedBucket {
                start: b.start.parse().ok()?,
                entered: b.entered,
                left: b.left,
            })
        })
        .collect();
    Ok(visitors::report(
        &buckets,
        from,
        to,
        tz,
        tz_name,
        by,
        suspect_percent,
    ))
}

/// Feedback of one station on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackRow {
    pub date: Date,
    pub station: String,
    pub responses: u64,
    /// The mean score (1–5), to two decimals.
    pub average: f64,
}

/// A comment a patron wrote, with its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackComment {
    pub at: Timestamp,
    pub station: String,
    pub score: u8,
    pub comment: String,
}

/// `report feedback`: `{"from","to","rows":[...],"comments":[...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackReport {
    pub from: Date,
    pub to: Date,
    pub rows: Vec<FeedbackRow>,
    /// Newest first.
    pub comments: Vec<FeedbackComment>,
}

impl FeedbackReport {
    /// `date,station,responses,average`.
    pub fn csv(&self) -> String {
        csv_text(
            &["date", "station", "responses", "average"],
            self.rows.iter().map(|row| {
                vec![
                    row.date.to_string(),
                    row.station.clone(),
                    row.responses.to_string(),
                    format!("{:.2}", row.average),
                ]
            }),
        )
    }

    /// Responses and the mean score per day over the whole period, for the chart (the mean
    /// ×100, so bars stay whole numbers).
    pub fn per_day(&self) -> Vec<(Date, u64, u64)> {
        let mut days: BTreeMap<Date, (u64, u64)> =
            each_day(self.from, self.to).map(|d| (d, (0, 0))).collect();
        for row in &self.rows {
            let entry = days.entry(row.date).or_default();
            entry.0 += row.responses;
            entry.1 += (row.average * row.responses as f64 * 100.0).round() as u64;
        }
        days.into_iter()
            .map(|(d, (n, sum))| (d, n, sum.checked_div(n).unwrap_or(0)))
            .collect()
    }
}

/// Feedback per day and station, and the comments, from `from` to `to` (local days).
pub fn feedback(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
) -> Result<FeedbackReport> {
    let mut sums: BTreeMap<(Date, String), (u64, u64)> = BTreeMap::new();
    let mut comments = Vec::new();
    for (at, t) in received_in(storage, from, to, tz)? {
        if TxKind::parse(&t.kind) != Some(TxKind::Feedback) {
            continue;
        }
        let Ok(payload) = serde_json::from_value::<
            swalayan_core::contract::transactions::FeedbackPayload,
        >(t.payload.clone()) else {
            continue;
        };
        if !(1..=5).contains(&payload.score) {
            continue;
        }
        let day = at.to_zoned_datetime(tz.clone()).date();
        let entry = sums.entry((day, t.station.clone())).or_default();
        entry.0 += 1;
        entry.1 += u64::from(payload.score);
        if let Some(comment) = payload.comment.filter(|c| !c.trim().is_empty()) {
            comments.push(FeedbackComment {
                at,
                station: t.station,
                score: payload.score,
                comment,
            });
        }
    }
    comments.sort_by_key(|c| std::cmp::Reverse(c.at));
    Ok(FeedbackReport {
        from,
        to,
        rows: sums
            .into_iter()
            .map(|((date, station), (n, sum))| FeedbackRow {
                date,
                station,
                responses: n,
                average: (sum as f64 / n as f64 * 100.0).round() / 100.0,
            })
            .collect(),
        comments,
    })
}
