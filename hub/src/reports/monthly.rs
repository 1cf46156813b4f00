//! Monthly: the summary libraries report upward, a row per month, from all of the others.

use super::{csv_text, each_day, received_in};
use super::{events::events, visitors::visitors};
use crate::storage::{Result, Storage};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use swalayan_core::contract::transactions::TxBody;

/// One month in the shape Indonesian public libraries report upward.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthRow {
    /// `2026-12`.
    pub month: String,
    /// Visits counted at the gates (ISO 2789: the entries and exits, halved).
    pub visits: i64,
    /// Members whose joining date falls in the month (issue #32: the CSV's `joined`, the
    /// bus's and desk's registrations); members without a known date are not counted. Always
    /// a number since issue #32 (it was `null`).
    pub new_members: Option<u64>,
    /// Members who borrowed that month (distinct cards with a loan or a pickup).
    pub active_members: u64,
    pub loans: u64,
    pub returns: u64,
    pub renewals: u64,
    /// Programmes (events) held: begun that month, and begun by now.
    pub programmes: u64,
    /// Everyone checked in at those programmes (registered or walk-in).
    pub participants: u64,
    pub feedback_responses: u64,
    /// The mean score (1–5), to two decimals; `null` without responses.
    pub feedback_average: Option<f64>,
}

/// `report monthly`: `{"from","to","rows":[...]}`, a month per row (months cut to the period).
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyReport {
    pub from: Date,
    pub to: Date,
    pub rows: Vec<MonthRow>,
}

impl MonthlyReport {
    /// `month,visits,new_members,active_members,loans,returns,renewals,programmes,participants,feedback_responses,feedback_average`.
    pub fn csv(&self) -> String {
        csv_text(
            &[
                "month",
                "visits",
                "new_members",
                "active_members",
                "loans",
                "returns",
                "renewals",
                "programmes",
                "participants",
                "feedback_responses",
                "feedback_average",
            ],
            self.rows.iter().map(|row| {
                vec![
                    row.month.clone(),
                    row.visits.to_string(),
                    row.new_members.map(|n| n.to_string()).unwrap_or_default(),
                    row.active_members.to_string(),
                    row.loans.to_string(),
                    row.returns.to_string(),
                    row.renewals.to_string(),
                    row.programmes.to_string(),
                    row.participants.to_string(),
                    row.feedback_responses.to_string(),
                    row.feedback_average
                        .map(|a| format!("{a:.2}"))
                        .unwrap_or_default(),
                ]
            }),
        )
    }
}

/// The monthly summary from `from` to `to` (the library's days, in `tz`); `local_now` decides
/// which programmes have been held.
pub fn monthly(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
    local_now: DateTime,
) -> Result<MonthlyReport> {
    #[derive(Default)]
    struct Month {
        visits: i64,
        active: std::collections::HashSet<String>,
        loans: u64,
        returns: u64,
        renewals: u64,
        programmes: u64,
        participants: u64,
        responses: u64,
        score_sum: u64,
        joined: u64,
    }
    let mut months: BTreeMap<Date, Month> = each_day(from, to)
        .map(|d| (d.first_of_month(), Month::default()))
        .collect();
    let visitors = visitors(
        storage,
        from,
        to,
        tz,
        "",
        swalayan_core::report::visitors::By::Day,
        0.0,
        None,
    )?;
    for day in &visitors.days {
        months.entry(day.date.first_of_month()).or_default().visits += day.visits;
    }
    for (at, t) in received_in(storage, from, to, tz)? {
        let Ok(body) = t.body() else {
            continue;
        };
        let month = months
            .entry(at.to_zoned_datetime(tz.clone()).date().first_of_month())
            .or_default();
        match body {
            TxBody::Checkout(loan) | TxBody::Pickup(loan) => {
                month.loans += 1;
                month.active.insert(loan.patron);
            }
            TxBody::Checkin(_) => month.returns += 1,
            TxBody::Renew(_) => month.renewals += 1,
            TxBody::Feedback(f) if (1..=5).contains(&f.score) && !f.repeat => {
                month.responses += 1;
                month.score_sum += u64::from(f.score);
            }
            _ => {}
        }
    }
    // Members by the day they joined; those without a known date are never new.
    for (_, patron) in storage.all::<swalayan_core::contract::documents::PatronDoc>()? {
        if let Some(joined) = patron.joined.filter(|d| (from..=to).contains(d)) {
            months.entry(joined.first_of_month()).or_default().joined += 1;
        }
    }
    for event in events(storage, from, to, local_now)?.rows {
        if event.starts <= local_now {
            let month = months.entry(event.date.first_of_month()).or_default();
            month.programmes += 1;
            month.participants += event.participants;
        }
    }
    Ok(MonthlyReport {
        from,
        to,
        rows: months
            .into_iter()
            .map(|(first, m)| MonthRow {
                month: format!("{:04}-{:02}", first.year(), first.month()),
                visits: m.visits,
                new_members: Some(m.joined),
                active_members: m.active.len() as u64,
                loans: m.loans,
                returns: m.returns,
                renewals: m.renewals,
                programmes: m.programmes,
                participants: m.participants,
                feedback_responses: m.responses,
                feedback_average: (m.responses > 0)
                    .then(|| (m.score_sum as f64 / m.responses as f64 * 100.0).round() / 100.0),
            })
            .collect(),
    })
}
