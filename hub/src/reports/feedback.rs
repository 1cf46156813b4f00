//! Feedback: responses and the average score per day and station, with the comments (a
//! web post marked `repeat` is listed, not counted).

use super::{csv_text, each_day, received_in};
use crate::storage::{Result, Storage};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use swalayan_core::contract::transactions::TxBody;

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
    /// Not the first from its address that day: shown, not counted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeat: bool,
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
        let Ok(TxBody::Feedback(payload)) = t.body() else {
            continue;
        };
        if !(1..=5).contains(&payload.score) {
            continue;
        }
        let day = at.to_zoned_datetime(tz.clone()).date();
        // A repeat from one address on one day is kept (its comment too), not counted.
        if !payload.repeat {
            let entry = sums.entry((day, t.station.clone())).or_default();
            entry.0 += 1;
            entry.1 += u64::from(payload.score);
        }
        if let Some(comment) = payload.comment.filter(|c| !c.trim().is_empty()) {
            comments.push(FeedbackComment {
                at,
                station: t.station,
                score: payload.score,
                comment,
                repeat: payload.repeat,
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
