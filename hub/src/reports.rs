//! Reports over what the stations sent, computed once here for both the staff's pages and
//! `swalayan-hub report ...`, so a page and its command always give the same numbers.
//!
//! - Visitors: the core's ISO 2789 report over every gate's counts (`report visitors`).
//! - Circulation: loans (checkouts and hold pickups), returns and renewals per local day and
//!   station, the most borrowed titles, overdue copies, fines and the self-service share.
//!   Every transaction the hub received counts once, whatever became of it centrally (a loan
//!   kept as a conflict still happened at the kiosk).
//! - Feedback: responses and the average score per day and station, with the comments.
//! - Events: registrations, attendance (registered and walk-ins) and no-shows per event.
//! - Monthly: the summary libraries report upward, a row per month, from all of the above.

use crate::storage::{DocKind, Result, Storage, TxFilter};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use swalayan_core::contract::documents::{LoanDoc, Registration, RosterDoc};
use swalayan_core::contract::transactions::{TxBody, TxKind};
use swalayan_core::contract::wire::Wire;

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
    /// The most borrowed titles in the period (at most ten), most first.
    pub top_titles: Vec<TopTitle>,
    /// Copies on loan past their due date as of `today` (the day the report was made).
    pub overdue: Vec<OverdueItem>,
    pub today: Date,
    /// Fines charged in the period, and owed by all members now (hundredths).
    pub fines_charged: i64,
    pub fines_outstanding: i64,
    /// Loans, returns and renewals per channel (`kiosk`, `dropbox`, `web`, ...), most first.
    pub channels: Vec<ChannelCount>,
    /// The kiosks' and drop boxes' share of every loan, return and renewal the hub knows (0–1,
    /// to three decimals); `null` when there were none.
    pub self_service_share: Option<f64>,
}

/// A title and how often it was lent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopTitle {
    pub title: String,
    pub loans: u64,
}

/// A copy on loan past its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueItem {
    pub item: String,
    pub title: Option<String>,
    /// The borrower's card (staff call or write to them).
    pub patron: String,
    pub patron_name: Option<String>,
    pub due: Date,
    pub days_overdue: i64,
    pub station: String,
}

/// How many loans, returns and renewals came through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelCount {
    pub channel: String,
    pub transactions: u64,
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

/// A header and rows as CSV text (RFC 4180 quoting; no cell a spreadsheet runs).
pub(crate) fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    crate::csv_safe::table(header, rows)
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

/// Loans, returns and renewals per day and station from `from` to `to` (local days in `tz`),
/// with the most borrowed titles, the channels' shares and fines; overdue copies as of
/// `today`.
pub fn circulation(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
) -> Result<CirculationReport> {
    let today = Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let channel_of: HashMap<String, String> = storage
        .stations()?
        .into_iter()
        .map(|s| {
            let channel = if s.station == crate::web::renew::WEB_ORIGIN {
                "web".to_string()
            } else {
                s.role.code().to_string()
            };
            (s.station, channel)
        })
        .collect();
    let mut counts: BTreeMap<(Date, String), (u64, u64, u64)> = BTreeMap::new();
    let mut channels: BTreeMap<String, u64> = BTreeMap::new();
    // Loans per title as the station named it, else per copy (named below).
    let mut lent: HashMap<String, (u64, Option<String>)> = HashMap::new();
    let mut fines_charged = 0i64;
    for (at, t) in received_in(storage, from, to, tz)? {
        let Ok(body) = TxBody::decode(&Wire::parse(&t.kind), &t.payload) else {
            continue;
        };
        let slot = match &body {
            TxBody::Checkout(loan) | TxBody::Pickup(loan) => {
                let entry = lent.entry(loan.item.clone()).or_default();
                entry.0 += 1;
                if entry.1.is_none() {
                    entry.1 = loan.title.clone();
                }
                0
            }
            TxBody::Checkin(_) => 1,
            TxBody::Renew(_) => 2,
            TxBody::Fine(fine) => {
                fines_charged = fines_charged.saturating_add(fine.amount);
                continue;
            }
            _ => continue,
        };
        let channel = channel_of
            .get(&t.station)
            .cloned()
            .unwrap_or_else(|| "other".into());
        *channels.entry(channel).or_default() += 1;
        let day = at.to_zoned_datetime(tz.clone()).date();
        let entry = counts.entry((day, t.station)).or_default();
        match slot {
            0 => entry.0 += 1,
            1 => entry.1 += 1,
            _ => entry.2 += 1,
        }
    }
    let loans: Vec<(String, LoanDoc)> = storage
        .documents(DocKind::Loan)?
        .into_iter()
        .filter_map(|(item, body)| Some((item, serde_json::from_value(body).ok()?)))
        .collect();
    let overdue_loans: Vec<&(String, LoanDoc)> =
        loans.iter().filter(|(_, loan)| loan.due < today).collect();
    let fines_outstanding = storage
        .documents(DocKind::Patron)?
        .iter()
        .filter_map(|(_, body)| body.get("fines")?.as_i64())
        .sum();
    let wanted: Vec<String> = lent
        .keys()
        .chain(overdue_loans.iter().map(|(item, _)| item))
        .cloned()
        .collect();
    let cards: Vec<String> = overdue_loans
        .iter()
        .map(|(_, l)| l.patron.clone())
        .collect();
    let (titles, names) = titles_and_names(storage, &wanted, &cards)?;

    let mut per_title: HashMap<String, u64> = HashMap::new();
    for (item, (n, named)) in lent {
        let title = named.or_else(|| titles.get(&item).cloned()).unwrap_or(item);
        *per_title.entry(title).or_default() += n;
    }
    let mut top_titles: Vec<TopTitle> = per_title
        .into_iter()
        .map(|(title, loans)| TopTitle { title, loans })
        .collect();
    top_titles.sort_by(|a, b| b.loans.cmp(&a.loans).then(a.title.cmp(&b.title)));
    top_titles.truncate(TOP_TITLES);
    let mut overdue: Vec<OverdueItem> = overdue_loans
        .into_iter()
        .map(|(item, loan)| OverdueItem {
            item: item.clone(),
            title: titles.get(item).cloned(),
            patron: loan.patron.clone(),
            patron_name: names.get(&loan.patron).cloned(),
            due: loan.due,
            days_overdue: i64::from((today - loan.due).get_days()),
            station: loan.station.clone(),
        })
        .collect();
    overdue.sort_by(|a, b| a.due.cmp(&b.due).then(a.item.cmp(&b.item)));
    let all: u64 = channels.values().sum();
    let selfservice: u64 = ["kiosk", "dropbox"]
        .iter()
        .filter_map(|c| channels.get(*c))
        .sum();
    let mut channels: Vec<ChannelCount> = channels
        .into_iter()
        .map(|(channel, transactions)| ChannelCount {
            channel,
            transactions,
        })
        .collect();
    channels.sort_by(|a, b| {
        b.transactions
            .cmp(&a.transactions)
            .then(a.channel.cmp(&b.channel))
    });
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
        top_titles,
        overdue,
        today,
        fines_charged,
        fines_outstanding,
        channels,
        self_service_share: (all > 0)
            .then(|| (selfservice as f64 / all as f64 * 1000.0).round() / 1000.0),
    })
}

/// The most borrowed titles a report lists.
const TOP_TITLES: usize = 10;

/// Copies' titles (item → the title's name) and members' names (card → name), read together.
fn titles_and_names(
    storage: &dyn Storage,
    items: &[String],
    cards: &[String],
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let mut found = (HashMap::new(), HashMap::new());
    storage.write(&mut |tx| {
        let title_keys: HashMap<String, String> = tx
            .get(DocKind::Item, items)?
            .into_iter()
            .filter_map(|(item, body)| Some((item, body.get("title")?.as_str()?.to_string())))
            .collect();
        let mut keys: Vec<String> = title_keys.values().cloned().collect();
        keys.sort();
        keys.dedup();
        let names_of_titles: HashMap<String, String> = tx
            .get(DocKind::Title, &keys)?
            .into_iter()
            .filter_map(|(key, body)| Some((key, body.get("title")?.as_str()?.to_string())))
            .collect();
        let titles = title_keys
            .into_iter()
            .filter_map(|(item, key)| Some((item, names_of_titles.get(&key)?.clone())))
            .collect();
        let names = tx
            .get(DocKind::Patron, cards)?
            .into_iter()
            .filter_map(|(card, body)| Some((card, body.get("name")?.as_str()?.to_string())))
            .collect();
        found = (titles, names);
        Ok(())
    })?;
    Ok(found)
}

/// Visitors from every gate, or from one (`gate`): the core's report (the stations' `report
/// visitors` too).
#[allow(clippy::too_many_arguments)]
pub fn visitors(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
    tz_name: &str,
    by: swalayan_core::report::visitors::By,
    suspect_percent: f64,
    gate: Option<&str>,
) -> Result<swalayan_core::report::visitors::VisitorsReport> {
    use swalayan_core::report::visitors::{self, CountedBucket};
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let buckets: Vec<CountedBucket> = storage
        .visits_between(start, end)?
        .into_iter()
        .filter(|b| gate.is_none_or(|g| b.station == g))
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

/// The gates that counted anyone from `from` to `to` (local days), by name.
pub fn gates(storage: &dyn Storage, from: Date, to: Date, tz: &TimeZone) -> Result<Vec<String>> {
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let mut gates: Vec<String> = storage
        .visits_between(start, end)?
        .into_iter()
        .map(|b| b.station)
        .collect();
    gates.sort();
    gates.dedup();
    Ok(gates)
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

/// One event (programme) and who came: the staff's events page and `report events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// The day it starts.
    pub date: Date,
    /// Its id.
    pub event: String,
    pub title: String,
    pub starts: DateTime,
    pub ends: DateTime,
    pub capacity: Option<u32>,
    /// Holding a place.
    pub registered: u64,
    /// Still on the waiting list.
    pub waiting: u64,
    /// Registered (with a place or waiting) and checked in.
    pub attended: u64,
    /// Came without registering.
    pub walk_ins: u64,
    /// Everyone who came: `attended + walk_ins`.
    pub participants: u64,
    /// Places held but not used; `null` until the event has ended.
    pub no_shows: Option<u64>,
}

/// `report events`: `{"from","to","rows":[...]}`, an event per row, by start.
#[derive(Debug, Clone, Serialize)]
pub struct EventsReport {
    pub from: Date,
    pub to: Date,
    pub rows: Vec<EventRow>,
}

impl EventsReport {
    /// `date,event,title,starts,ends,capacity,registered,waiting,attended,walk_ins,participants,no_shows`.
    pub fn csv(&self) -> String {
        csv_text(
            &[
                "date",
                "event",
                "title",
                "starts",
                "ends",
                "capacity",
                "registered",
                "waiting",
                "attended",
                "walk_ins",
                "participants",
                "no_shows",
            ],
            self.rows.iter().map(|row| {
                vec![
                    row.date.to_string(),
                    row.event.clone(),
                    row.title.clone(),
                    row.starts.to_string(),
                    row.ends.to_string(),
                    row.capacity.map(|c| c.to_string()).unwrap_or_default(),
                    row.registered.to_string(),
                    row.waiting.to_string(),
                    row.attended.to_string(),
                    row.walk_ins.to_string(),
                    row.participants.to_string(),
                    row.no_shows.map(|n| n.to_string()).unwrap_or_default(),
                ]
            }),
        )
    }
}

/// Events starting from `from` to `to` (the library's days) with registrations and
/// attendance; `local_now` (the library's wall clock) decides which have ended.
pub fn events(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    local_now: DateTime,
) -> Result<EventsReport> {
    let rosters: HashMap<String, RosterDoc> = storage
        .documents(DocKind::Roster)?
        .into_iter()
        .filter_map(|(id, body)| Some((id, serde_json::from_value(body).ok()?)))
        .collect();
    let empty = RosterDoc::default();
    let rows = crate::events::list(storage)?
        .into_iter()
        .filter(|(_, e)| (from..=to).contains(&e.starts.date()))
        .map(|(id, e)| {
            let roster = rosters.get(&id).unwrap_or(&empty);
            let came =
                |list: &[Registration]| list.iter().filter(|r| r.attended.is_some()).count() as u64;
            let attended = came(&roster.confirmed) + came(&roster.waiting);
            let walk_ins = roster.walk_ins.len() as u64;
            EventRow {
                date: e.starts.date(),
                event: id,
                title: e.title,
                starts: e.starts,
                ends: e.ends,
                capacity: e.capacity,
                registered: roster.confirmed.len() as u64,
                waiting: roster.waiting.len() as u64,
                attended,
                walk_ins,
                participants: attended + walk_ins,
                no_shows: (local_now >= e.ends).then(|| {
                    roster
                        .confirmed
                        .iter()
                        .filter(|r| r.attended.is_none())
                        .count() as u64
                }),
            }
        })
        .collect();
    Ok(EventsReport { from, to, rows })
}

/// One month in the shape Indonesian public libraries report upward.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthRow {
    /// `2026-12`.
    pub month: String,
    /// Visits counted at the gates (ISO 2789: the entries and exits, halved).
    pub visits: i64,
    /// `null`: the hub imports members from the library's system, which does not say when
    /// they joined.
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
        let Ok(body) = TxBody::decode(&Wire::parse(&t.kind), &t.payload) else {
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
                new_members: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{self, Attendee, NewEvent, Registrant};
    use crate::storage::Put;
    use jiff::civil::{date, datetime};

    /// No-shows count once an event is over, and a programme counts in the monthly summary
    /// once it has begun: both decided by the library's clock given, not the machine's.
    #[test]
    fn no_shows_and_programmes_held_follow_the_librarys_clock() {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
        let storage = storage.as_ref();
        for card in ["A", "B", "C"] {
            storage
                .write(&mut |tx| {
                    tx.put(&[Put {
                        kind: DocKind::Patron,
                        key: card.into(),
                        body: Some(serde_json::json!({
                            "name": card, "category": "adult", "expires": "2030-01-01"
                        })),
                    }])
                    .map(|_| ())
                })
                .unwrap();
        }
        let id = events::add(
            storage,
            &NewEvent {
                title: "Dongeng".into(),
                starts: datetime(2026, 11, 10, 9, 0, 0, 0),
                ends: datetime(2026, 11, 10, 11, 0, 0, 0),
                place: None,
                description: None,
                capacity: Some(2),
                ..NewEvent::default()
            },
        )
        .unwrap();
        let before = datetime(2026, 11, 1, 8, 0, 0, 0);
        for card in ["A", "B", "C"] {
            let who = Registrant::Member { card: card.into() };
            events::register(
                storage,
                &id,
                &who,
                Timestamp::UNIX_EPOCH,
                before,
                crate::config::DEFAULT_WAITING_LIST_FACTOR,
            )
            .unwrap()
            .unwrap();
        }
        let at = Timestamp::UNIX_EPOCH;
        events::attend(storage, &id, Attendee::Card("A"), at, "kiosk-1").unwrap();
        events::attend(storage, &id, Attendee::Guest("Tamu"), at, "ana").unwrap();
        let (from, to) = (date(2026, 11, 1), date(2026, 11, 30));

        let during = datetime(2026, 11, 10, 10, 0, 0, 0);
        let row = &events(storage, from, to, during).unwrap().rows[0];
        assert_eq!((row.registered, row.waiting, row.participants), (2, 1, 2));
        assert_eq!(row.no_shows, None, "not over yet");
        let after = datetime(2026, 11, 10, 11, 0, 0, 0);
        let row = &events(storage, from, to, after).unwrap().rows[0];
        assert_eq!(row.no_shows, Some(1), "B held a place and did not come");

        let tz = TimeZone::UTC;
        let month = |now| monthly(storage, from, to, &tz, now).unwrap().rows;
        assert_eq!(month(before)[0].programmes, 0, "not held yet");
        let held = &month(after)[0];
        assert_eq!((held.programmes, held.participants), (1, 2));
        assert_eq!(held.month, "2026-11");
    }
}
