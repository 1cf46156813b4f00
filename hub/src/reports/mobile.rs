//! The mobile library's period from the record (issue #32): stops made and cancelled, the
//! visitors counted, and the loans, returns and members registered at each stop, by
//! kelurahan.
//!
//! A mobile station stamps the stop it is at on everything it records
//! ([`StopStamp`]); its `stop_visit` says a stop was made or cancelled and `tally` how many
//! came. Each transaction is in the record once (the ledger's exactly-once), so each is
//! counted once here.

use super::received_in;
use crate::storage::{Result, Storage};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use swalayan_core::contract::documents::StopDoc;
use swalayan_core::contract::roles::StationRole;
use swalayan_core::contract::transactions::{StopStamp, StopStatus, TxBody};

/// What `report mobile` gives and `report annual`'s `mobile` block sums.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MobileReport {
    pub from: Date,
    pub to: Date,
    /// A row per stop that saw anything, by kelurahan and stop.
    pub rows: Vec<StopRow>,
    /// Each stop cancelled, with staff's reason.
    pub cancellations: Vec<Cancellation>,
}

/// One stop's period.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StopRow {
    pub kelurahan: String,
    pub route: String,
    pub stop: String,
    /// The stop's id (its `stop` document's key); empty for what a mobile station recorded
    /// away from any stop (at the depot, on the road).
    pub id: String,
    /// Days the stop was made ("Tiba di …").
    pub made: u64,
    pub cancelled: u64,
    pub visitors: u64,
    pub loans: u64,
    pub returns: u64,
    /// Members registered there.
    pub registered: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Cancellation {
    pub date: Date,
    pub kelurahan: String,
    pub stop: String,
    pub reason: String,
}

impl MobileReport {
    pub fn total(&self, pick: fn(&StopRow) -> u64) -> u64 {
        self.rows.iter().map(pick).sum()
    }

    /// The rows as CSV (the workbook's first sheet, in English column names as the JSON).
    pub fn csv(&self) -> String {
        super::csv_text(
            &[
                "kelurahan",
                "route",
                "stop",
                "id",
                "made",
                "cancelled",
                "visitors",
                "loans",
                "returns",
                "registered",
            ],
            self.rows.iter().map(|r| {
                vec![
                    r.kelurahan.clone(),
                    r.route.clone(),
                    r.stop.clone(),
                    r.id.clone(),
                    r.made.to_string(),
                    r.cancelled.to_string(),
                    r.visitors.to_string(),
                    r.loans.to_string(),
                    r.returns.to_string(),
                    r.registered.to_string(),
                ]
            }),
        )
    }

    /// The rows summed per kelurahan (the census's breakdown), in name order.
    pub fn by_kelurahan(&self) -> Vec<StopRow> {
        let mut sums: BTreeMap<&str, StopRow> = BTreeMap::new();
        for row in &self.rows {
            let sum = sums
                .entry(row.kelurahan.as_str())
                .or_insert_with(|| StopRow {
                    kelurahan: row.kelurahan.clone(),
                    ..StopRow::default()
                });
            sum.made += row.made;
            sum.cancelled += row.cancelled;
            sum.visitors += row.visitors;
            sum.loans += row.loans;
            sum.returns += row.returns;
            sum.registered += row.registered;
        }
        sums.into_values().collect()
    }
}

/// The mobile library from `from` to `to` (local dates, both included).
pub fn mobile(storage: &dyn Storage, from: Date, to: Date, tz: &TimeZone) -> Result<MobileReport> {
    let mobile_stations: std::collections::HashSet<String> = storage
        .stations()?
        .into_iter()
        .filter(|s| s.role == StationRole::Mobile)
        .map(|s| s.station)
        .collect();
    let schedule: HashMap<String, StopDoc> = storage.all::<StopDoc>()?.into_iter().collect();
    // Names a stop has in the record, for stops no longer on a route.
    let mut recorded: HashMap<String, (String, String)> = HashMap::new();
    let mut rows: HashMap<String, StopRow> = HashMap::new();
    let mut visits: BTreeMap<(String, Date), StopStatus> = BTreeMap::new();
    let mut reasons: BTreeMap<(String, Date), String> = BTreeMap::new();
    for (_, t) in received_in(storage, from, to, tz)? {
        if !mobile_stations.contains(&t.station) {
            continue;
        }
        // A loan kept as a conflict still happened (report circulation counts it too); a
        // registration the hub refused made no member.
        let applied = t.state == crate::storage::TxState::Applied;
        let Ok(body) = t.body() else { continue };
        let stop = StopStamp::of(&t.payload).unwrap_or_default();
        let row = rows.entry(stop.clone()).or_default();
        match body {
            TxBody::Checkout(_) | TxBody::Pickup(_) => row.loans += 1,
            TxBody::Checkin(_) => row.returns += 1,
            TxBody::Register(_) if applied => row.registered += 1,
            TxBody::Tally(tally) => row.visitors += u64::from(tally.visitors),
            TxBody::StopVisit(visit) => {
                if let (Some(name), Some(kelurahan)) = (&visit.name, &visit.kelurahan) {
                    recorded.insert(visit.stop.clone(), (name.clone(), kelurahan.clone()));
                }
                let day = (visit.stop.clone(), visit.date);
                // A stop made counts as made, whatever was pressed before or after.
                if visit.status == StopStatus::Arrived
                    || !matches!(visits.get(&day), Some(StopStatus::Arrived))
                {
                    visits.insert(day.clone(), visit.status);
                }
                if let Some(reason) = visit.reason {
                    reasons.insert(day, reason);
                }
            }
            _ => {}
        }
    }
    let mut cancellations = Vec::new();
    for ((stop, date), status) in &visits {
        let row = rows.entry(stop.clone()).or_default();
        match status {
            StopStatus::Arrived => row.made += 1,
            StopStatus::Cancelled => {
                row.cancelled += 1;
                cancellations.push((stop.clone(), *date));
            }
        }
    }
    let name_of = |id: &str| -> (String, String, String) {
        match (schedule.get(id), recorded.get(id)) {
            (Some(doc), _) => (doc.kelurahan.clone(), doc.route.clone(), doc.stop.clone()),
            (None, Some((name, kelurahan))) => (kelurahan.clone(), String::new(), name.clone()),
            (None, None) if id.is_empty() => (
                "(di luar singgahan)".to_string(),
                String::new(),
                String::new(),
            ),
            (None, None) => (
                "(tidak diketahui)".to_string(),
                String::new(),
                id.to_string(),
            ),
        }
    };
    let mut rows: Vec<StopRow> = rows
        .into_iter()
        .map(|(id, mut row)| {
            (row.kelurahan, row.route, row.stop) = name_of(&id);
            row.id = id;
            row
        })
        .collect();
    rows.sort_by(|a, b| (&a.kelurahan, &a.stop, &a.id).cmp(&(&b.kelurahan, &b.stop, &b.id)));
    let cancellations = cancellations
        .into_iter()
        .map(|(stop, date)| {
            let (kelurahan, _, name) = name_of(&stop);
            Cancellation {
                date,
                kelurahan,
                stop: name,
                reason: reasons.remove(&(stop, date)).unwrap_or_default(),
            }
        })
        .collect();
    Ok(MobileReport {
        from,
        to,
        rows,
        cancellations,
    })
}
