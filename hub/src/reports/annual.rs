//! Annual: the year's figures as Perpustakaan Nasional's library census asks for them (the
//! IPLM literacy index's inputs), each with where it came from and, when it is an estimate
//! or incomplete, a note that says so (issue #32).
//!
//! The totals are the other reports' for the same year — loans, returns and renewals are
//! `report circulation`'s rows summed, visits `report visitors`', programmes and participants
//! `report events`' — so the census and the staff's reports never disagree.

use super::{circulation, events, received_in, visitors};
use crate::config::Library;
use crate::storage::{HubError, Result, Storage};
use jiff::civil::{Date, DateTime, Weekday};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use swalayan_core::contract::documents::{DigitalDoc, ItemDoc, PatronDoc, TitleDoc};
use swalayan_core::contract::transactions::TxBody;

/// `report annual`'s JSON (the census's shape, and more).
#[derive(Debug, Clone, Serialize)]
pub struct AnnualReport {
    pub year: i16,
    pub collection: Collection,
    pub members: Members,
    pub visits: Visits,
    pub loans: Loans,
    pub returns: u64,
    pub renewals: u64,
    pub programmes: Programmes,
    pub mobile: Mobile,
    /// `[library] staff`, if the hub's file says.
    pub staff: Option<u32>,
    /// `[library] population`, if the hub's file says.
    pub population: Option<u64>,
    /// Members, visits, loans, copies and participants per 1,000 people (IPLM's ratios);
    /// empty without `population`.
    pub per_1000: BTreeMap<String, f64>,
    /// Where each figure came from, by its name in the CSV (`collection.titles`, ...).
    pub sources: BTreeMap<String, String>,
    /// What a reader of the figures must know: estimates, gaps, what is not recorded.
    pub notes: Vec<String>,
    /// The same notes in Bahasa Indonesia (the staff's page, the workbook).
    pub notes_id: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Collection {
    pub titles: u64,
    pub copies: u64,
    /// Copies per item type (the policy's codes).
    pub by_item_type: BTreeMap<String, u64>,
    /// Titles acquired this year (a title's first copy's date, else the day the hub first had
    /// the title).
    pub added: u64,
    /// Files readers can read online (PDF, EPUB, scans, recordings).
    pub digital: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Members {
    pub registered: u64,
    /// Members who joined this year (by their joining date).
    pub new: u64,
    /// Members who borrowed at least once this year.
    pub active: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Visits {
    pub total: i64,
    /// Days the library was open this year (so far, for the current year).
    pub opening_days: u64,
    /// `total / opening_days`, to one decimal; `null` without opening days.
    pub per_opening_day: Option<f64>,
    /// `2026-08`; `null` without visits.
    pub busiest_month: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Loans {
    pub total: u64,
    /// By channel as `report circulation` names them (`kiosk`, `dropbox`, `web`, `desk`),
    /// plus `mobile`; they add up to `total`.
    pub by_channel: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Programmes {
    pub count: u64,
    pub participants: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mobile {
    /// Stops made (a stop on a day).
    pub stops: u64,
    pub cancelled: u64,
    pub visitors: u64,
    pub loans: u64,
    pub returns: u64,
    /// Members registered on the spot.
    pub registered: u64,
    /// The same, per kelurahan.
    pub by_kelurahan: Vec<super::mobile::StopRow>,
}

/// The year's figures; `now` is the library's clock (days to come are not opening days yet,
/// events to come not yet held).
pub fn annual(
    storage: &dyn Storage,
    library: &Library,
    year: i16,
    now: DateTime,
) -> Result<AnnualReport> {
    let from = Date::new(year, 1, 1).map_err(|_| HubError::Invalid(format!("no year {year}")))?;
    let to = Date::new(year, 12, 31).map_err(|_| HubError::Invalid(format!("no year {year}")))?;
    let tz = &library.timezone;
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut sources = BTreeMap::new();
    let mut source = |name: &str, text: &str| {
        sources.insert(name.to_string(), text.to_string());
    };

    // Collection.
    let titles: Vec<(String, TitleDoc)> = storage.all()?;
    let items: Vec<(String, ItemDoc)> = storage.all()?;
    let mut by_item_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_copy: BTreeMap<&str, Date> = BTreeMap::new();
    for (_, item) in &items {
        *by_item_type.entry(item.item_type.clone()).or_default() += 1;
        if let Some(acquired) = item.acquired {
            let entry = first_copy.entry(item.title.as_str()).or_insert(acquired);
            *entry = (*entry).min(acquired);
        }
    }
    let mut undated = 0u64;
    let added = titles
        .iter()
        .filter(|(key, title)| {
            let date = first_copy.get(key.as_str()).copied().or(title.added);
            if date.is_none() {
                undated += 1;
            }
            date.is_some_and(|d| d.year() == year)
        })
        .count() as u64;
    if undated > 0 {
        notes.push((
            format!("{undated} titles have no acquisition date (from before the hub kept them): not counted as added"),
            format!("{undated} judul tidak bertanggal pengadaan (sebelum hub mencatatnya): tidak dihitung sebagai judul baru"),
        ));
    }
    let digital: u64 = storage
        .all::<DigitalDoc>()?
        .iter()
        .map(|(_, d)| d.files.len() as u64)
        .sum();
    source("collection.titles", "the hub's catalogue: titles now");
    source("collection.copies", "the hub's catalogue: copies now");
    source(
        "collection.by_item_type",
        "the hub's catalogue: copies now, by the policy's item types",
    );
    source(
        "collection.added",
        "titles whose first copy was acquired this year (the copy's acquired date), else first had by the hub this year",
    );
    source(
        "collection.digital",
        "files attached to titles for reading online (/staff/digital)",
    );

    // Members.
    let patrons: Vec<(String, PatronDoc)> = storage.all()?;
    let new = patrons
        .iter()
        .filter(|(_, p)| p.joined.is_some_and(|d| d.year() == year))
        .count() as u64;
    let unknown = patrons.iter().filter(|(_, p)| p.joined.is_none()).count();
    if unknown > 0 {
        notes.push((
            format!("{unknown} members have no known joining date (in the hub before it kept dates, or the file had none): they are not counted as new"),
            format!("{unknown} anggota tidak diketahui tanggal daftarnya (sudah ada sebelum hub mencatatnya, atau berkasnya tidak memuatnya): tidak dihitung sebagai anggota baru"),
        ));
    }

    // Circulation: report circulation's rows summed; loans per channel counted alike.
    let circulation = circulation(storage, from, to, tz)?;
    let loans_total: u64 = circulation.rows.iter().map(|r| r.loans).sum();
    let returns: u64 = circulation.rows.iter().map(|r| r.returns).sum();
    let renewals: u64 = circulation.rows.iter().map(|r| r.renewals).sum();
    let channel_of = super::channels(storage)?;
    let mut by_channel: BTreeMap<String, u64> = ["kiosk", "dropbox", "web", "desk", "mobile"]
        .into_iter()
        .map(|c| (c.to_string(), 0))
        .collect();
    let mut active: HashSet<String> = HashSet::new();
    for (_, t) in received_in(storage, from, to, tz)? {
        if let Ok(TxBody::Checkout(loan) | TxBody::Pickup(loan)) = t.body() {
            let channel = channel_of
                .get(&t.station)
                .cloned()
                .unwrap_or_else(|| "other".into());
            *by_channel.entry(channel).or_default() += 1;
            active.insert(loan.patron);
        }
    }
    source(
        "loans.total",
        "report circulation for the year: checkouts and hold pickups every station sent",
    );
    source(
        "loans.by_channel",
        "the stations' roles: kiosk, dropbox, web (the public site), desk (staff stations), mobile",
    );
    source(
        "members.registered",
        "members in the hub now (imported, or the library system's)",
    );
    source(
        "members.new",
        "members whose joining date falls in the year",
    );
    source(
        "members.active",
        "distinct cards with a loan or pickup this year",
    );

    // Visits: report visitors for the year, by month.
    let visits_report = visitors(
        storage,
        from,
        to,
        tz,
        &library.timezone_name,
        swalayan_core::report::visitors::By::Month,
        10.0,
        None,
    )?;
    let busiest_month = visits_report
        .periods
        .iter()
        .filter(|p| p.visits > 0)
        .max_by_key(|p| (p.visits, std::cmp::Reverse(p.period.clone())))
        .map(|p| p.period.clone());
    let policy = crate::catalog::policy(storage)?;
    let (opening, by_hours) = opening_days(library, &policy, from, to.min(now.date()));
    let counted: HashSet<Date> = visits_report
        .days
        .iter()
        .filter(|d| d.entries > 0)
        .map(|d| d.date)
        .collect();
    let uncounted = opening.iter().filter(|d| !counted.contains(d)).count();
    notes.push(if by_hours {
        (
            "opening days: the hub's opening hours ([library.hours]) without the policy's closed weekdays and holidays".to_string(),
            "hari buka: jam buka di hub ([library.hours]) dikurangi hari tutup dan hari libur kebijakan".to_string(),
        )
    } else {
        (
            "opening days: every day the policy's calendar does not close ([library.hours] is not set)".to_string(),
            "hari buka: setiap hari yang tidak ditutup oleh kalender kebijakan ([library.hours] belum diisi)".to_string(),
        )
    });
    if visits_report.entries == 0 {
        notes.push((
            "no gate counted visitors this year: visits are unknown, not zero".into(),
            "tidak ada gerbang yang menghitung pengunjung tahun ini: jumlah kunjungan tidak diketahui, bukan nol".into(),
        ));
    } else if uncounted > 0 {
        notes.push((
            format!("{uncounted} opening days have no gate counts: visits are incomplete (an estimate at best)"),
            format!("{uncounted} hari buka tanpa hitungan gerbang: jumlah kunjungan tidak lengkap (paling baik perkiraan)"),
        ));
    }
    let opening_days = opening.len() as u64;
    // Unknown, not zero, when no gate counted anyone.
    let per_opening_day = (opening_days > 0 && visits_report.entries > 0)
        .then(|| (visits_report.visits as f64 / opening_days as f64 * 10.0).round() / 10.0);
    source(
        "visits.total",
        "report visitors for the year: ISO 2789, the persons entering counted by the gates",
    );

    // Programmes: report events for the year, those held by now.
    let held: Vec<_> = events(storage, from, to, now)?
        .rows
        .into_iter()
        .filter(|e| e.starts <= now)
        .collect();
    let programmes = Programmes {
        count: held.len() as u64,
        participants: held.iter().map(|e| e.participants).sum(),
    };
    source(
        "programmes.count",
        "report events: events begun this year by now",
    );
    source(
        "programmes.participants",
        "report events: everyone checked in (registered and walk-ins)",
    );

    // The mobile library: report mobile for the year.
    let trips = super::mobile(storage, from, to, tz)?;
    let mobile = Mobile {
        stops: trips.total(|r| r.made),
        cancelled: trips.total(|r| r.cancelled),
        visitors: trips.total(|r| r.visitors),
        loans: trips.total(|r| r.loans),
        returns: trips.total(|r| r.returns),
        registered: trips.total(|r| r.registered),
        by_kelurahan: trips.by_kelurahan(),
    };
    source(
        "mobile",
        "report mobile for the year: the mobile stations' stop records (\"Tiba di\", cancelled), their +1 tallies, and the loans, returns and registrations stamped with the stop",
    );
    if mobile.stops == 0 && mobile.cancelled == 0 && mobile.loans == 0 {
        notes.push((
            "no mobile-library stops recorded this year".into(),
            "tidak ada singgahan perpustakaan keliling yang tercatat tahun ini".into(),
        ));
    }

    let mut per_1000 = BTreeMap::new();
    match library.population.filter(|p| *p > 0) {
        Some(population) => {
            let ratio = |n: f64| (n * 1000.0 / population as f64 * 100.0).round() / 100.0;
            per_1000.insert("members".into(), ratio(patrons.len() as f64));
            per_1000.insert("visits".into(), ratio(visits_report.visits as f64));
            per_1000.insert("loans".into(), ratio(loans_total as f64));
            per_1000.insert("copies".into(), ratio(items.len() as f64));
            per_1000.insert("participants".into(), ratio(programmes.participants as f64));
            source("population", "[library] population in the hub's file");
        }
        None => notes.push((
            "no population in the hub's file ([library] population): no per-1,000 ratios".into(),
            "jumlah penduduk belum diisi ([library] population): tidak ada rasio per 1.000 penduduk".into(),
        )),
    }
    if library.staff.is_none() {
        notes.push((
            "no staff count in the hub's file ([library] staff)".into(),
            "jumlah tenaga perpustakaan belum diisi ([library] staff)".into(),
        ));
    } else {
        source("staff", "[library] staff in the hub's file");
    }
    Ok(AnnualReport {
        year,
        collection: Collection {
            titles: titles.len() as u64,
            copies: items.len() as u64,
            by_item_type,
            added,
            digital,
        },
        members: Members {
            registered: patrons.len() as u64,
            new,
            active: active.len() as u64,
        },
        visits: Visits {
            total: visits_report.visits,
            opening_days,
            per_opening_day,
            busiest_month,
        },
        loans: Loans {
            total: loans_total,
            by_channel,
        },
        returns,
        renewals,
        programmes,
        mobile,
        staff: library.staff,
        population: library.population,
        per_1000,
        sources,
        notes_id: notes.iter().map(|(_, id)| id.clone()).collect(),
        notes: notes.into_iter().map(|(en, _)| en).collect(),
    })
}

/// The days from `from` to `to` the library was open, and whether the hub's hours said so
/// (else the policy's calendar alone).
fn opening_days(
    library: &Library,
    policy: &swalayan_core::domain::policy::Policy,
    from: Date,
    to: Date,
) -> (Vec<Date>, bool) {
    let closed_weekdays: Vec<Weekday> = policy.closed_weekdays().unwrap_or_default();
    let holidays: HashSet<Date> = policy.calendar.holidays.iter().map(|h| h.date).collect();
    let by_hours = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
    .iter()
    .any(|d| !library.hours_on(*d).is_empty());
    let days = super::each_day(from, to)
        .filter(|d| !holidays.contains(d) && !closed_weekdays.contains(&d.weekday()))
        .filter(|d| !by_hours || !library.hours_on(d.weekday()).is_empty())
        .collect();
    (days, by_hours)
}

impl AnnualReport {
    /// Every figure as a row `figure,value` (the CSV; the workbook's first sheet).
    pub fn figures(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = vec![
            ("year".into(), self.year.to_string()),
            (
                "collection.titles".into(),
                self.collection.titles.to_string(),
            ),
            (
                "collection.copies".into(),
                self.collection.copies.to_string(),
            ),
        ];
        for (kind, n) in &self.collection.by_item_type {
            rows.push((format!("collection.by_item_type.{kind}"), n.to_string()));
        }
        let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        rows.extend([
            ("collection.added".into(), self.collection.added.to_string()),
            (
                "collection.digital".into(),
                self.collection.digital.to_string(),
            ),
            (
                "members.registered".into(),
                self.members.registered.to_string(),
            ),
            ("members.new".into(), self.members.new.to_string()),
            ("members.active".into(), self.members.active.to_string()),
            ("visits.total".into(), self.visits.total.to_string()),
            (
                "visits.opening_days".into(),
                self.visits.opening_days.to_string(),
            ),
            (
                "visits.per_opening_day".into(),
                opt(self.visits.per_opening_day),
            ),
            (
                "visits.busiest_month".into(),
                self.visits.busiest_month.clone().unwrap_or_default(),
            ),
            ("loans.total".into(), self.loans.total.to_string()),
        ]);
        for (channel, n) in &self.loans.by_channel {
            rows.push((format!("loans.by_channel.{channel}"), n.to_string()));
        }
        rows.extend([
            ("returns".into(), self.returns.to_string()),
            ("renewals".into(), self.renewals.to_string()),
            ("programmes.count".into(), self.programmes.count.to_string()),
            (
                "programmes.participants".into(),
                self.programmes.participants.to_string(),
            ),
            ("mobile.stops".into(), self.mobile.stops.to_string()),
            ("mobile.cancelled".into(), self.mobile.cancelled.to_string()),
            ("mobile.visitors".into(), self.mobile.visitors.to_string()),
            ("mobile.loans".into(), self.mobile.loans.to_string()),
            ("mobile.returns".into(), self.mobile.returns.to_string()),
            (
                "mobile.registered".into(),
                self.mobile.registered.to_string(),
            ),
            (
                "staff".into(),
                self.staff.map(|s| s.to_string()).unwrap_or_default(),
            ),
            (
                "population".into(),
                self.population.map(|p| p.to_string()).unwrap_or_default(),
            ),
        ]);
        for (name, v) in &self.per_1000 {
            rows.push((format!("per_1000.{name}"), v.to_string()));
        }
        rows
    }

    /// `figure,value,source`.
    pub fn csv(&self) -> String {
        super::csv_text(
            &["figure", "value", "source"],
            self.figures().into_iter().map(|(name, value)| {
                let source = self.source_of(&name);
                vec![name, value, source]
            }),
        )
    }

    /// Where a figure came from: its own source, else its group's.
    pub fn source_of(&self, name: &str) -> String {
        let mut key = name;
        loop {
            if let Some(source) = self.sources.get(key) {
                return source.clone();
            }
            match key.rsplit_once('.') {
                Some((head, _)) => key = head,
                None => return String::new(),
            }
        }
    }
}
