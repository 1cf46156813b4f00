//! Circulation: loans (checkouts and hold pickups), returns and renewals per local day and
//! station, the most borrowed titles, overdue copies, fines and the self-service share. Every
//! transaction the hub received counts once, whatever became of it centrally (a loan kept as
//! a conflict still happened at the kiosk).

use super::{csv_text, each_day, received_in};
use crate::storage::{Result, Storage};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use swalayan_core::contract::documents::{ItemDoc, LoanDoc, PatronDoc, TitleDoc};
use swalayan_core::contract::transactions::TxBody;

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
    let channel_of: HashMap<String, String> = super::channels(storage)?;
    let mut counts: BTreeMap<(Date, String), (u64, u64, u64)> = BTreeMap::new();
    let mut channels: BTreeMap<String, u64> = BTreeMap::new();
    // Loans per title as the station named it, else per copy (named below).
    let mut lent: HashMap<String, (u64, Option<String>)> = HashMap::new();
    let mut fines_charged = 0i64;
    for (at, t) in received_in(storage, from, to, tz)? {
        let Ok(body) = t.body() else {
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
    let loans: Vec<(String, LoanDoc)> = storage.all()?;
    let overdue_loans: Vec<&(String, LoanDoc)> =
        loans.iter().filter(|(_, loan)| loan.due < today).collect();
    let fines_outstanding = storage
        .all::<PatronDoc>()?
        .iter()
        .map(|(_, patron)| patron.fines)
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
            .docs::<ItemDoc>(items)?
            .into_iter()
            .map(|(item, copy)| (item, copy.title))
            .collect();
        let mut keys: Vec<String> = title_keys.values().cloned().collect();
        keys.sort();
        keys.dedup();
        let names_of_titles: HashMap<String, String> = tx
            .docs::<TitleDoc>(&keys)?
            .into_iter()
            .map(|(key, title)| (key, title.title))
            .collect();
        let titles = title_keys
            .into_iter()
            .filter_map(|(item, key)| Some((item, names_of_titles.get(&key)?.clone())))
            .collect();
        let names = tx
            .docs::<PatronDoc>(cards)?
            .into_iter()
            .map(|(card, patron)| (card, patron.name))
            .collect();
        found = (titles, names);
        Ok(())
    })?;
    Ok(found)
}
