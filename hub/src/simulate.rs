//! A library's traffic, made up: `swalayan-hub simulate` fills an empty hub with days of
//! gate counts, kiosk and drop-box circulation, feedback, events with check-ins, and the
//! stations' health reports — for staff training, screenshots, the browser tests of the staff
//! pages and the dashboard's benchmark.
//!
//! Nothing is written around the hub's own rules: stations are added as `swalayan-hub station
//! add` adds them, transactions go through [`crate::ledger::apply_batch`] (what a push does),
//! visits through [`Storage::record_visits`] (what `/v1/visits` does), events through
//! [`crate::events`]. The same seed gives the same library. It refuses a hub that already
//! holds transactions: made-up loans must never mix with a library's real ones.

use crate::events::{self, Attendee, NewEvent, Registrant};
use crate::storage::{HubError, Put, Result, Storage, TxFilter, VisitBucket, hash_token};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use swalayan_core::contract::documents::{ItemDoc, PatronDoc, TitleDoc};
use swalayan_core::contract::protocol::PushTransaction;
use swalayan_core::contract::protocol::{DeviceState, StationHealth};
use swalayan_core::contract::roles::StationRole;
use swalayan_core::contract::transactions::{
    AttendPayload, CheckinPayload, FeedbackPayload, FineKind, FinePayload, LoanPayload,
    RenewPayload, TxBody,
};
use swalayan_core::domain::ItemStatus;
use swalayan_core::domain::Route;
use uuid::Uuid;

/// What to make.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Days of traffic, ending today (the library's day).
    pub days: u32,
    pub gates: u32,
    pub kiosks: u32,
    pub dropboxes: u32,
    pub seed: u64,
}

/// What was made (`swalayan-hub simulate --json`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Made {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub stations: u32,
    pub titles: u32,
    pub items: u32,
    pub patrons: u32,
    pub transactions: u64,
    pub visit_buckets: u64,
    pub events: u32,
}

/// Titles the made-up library lends (Indonesian favourites), with authors.
const TITLES: &[(&str, &str)] = &[
    ("Laskar Pelangi", "Andrea Hirata"),
    ("Bumi Manusia", "Pramoedya Ananta Toer"),
    ("Laut Bercerita", "Leila S. Chudori"),
    ("Cantik Itu Luka", "Eka Kurniawan"),
    ("Negeri 5 Menara", "Ahmad Fuadi"),
    ("Ronggeng Dukuh Paruk", "Ahmad Tohari"),
    ("Ayat-Ayat Cinta", "Habiburrahman El Shirazy"),
    ("Sang Pemimpi", "Andrea Hirata"),
    ("Perahu Kertas", "Dee Lestari"),
    ("Supernova", "Dee Lestari"),
    ("Gadis Kretek", "Ratih Kumala"),
    ("Pulang", "Leila S. Chudori"),
    ("Amba", "Laksmi Pamuntjak"),
    ("Saman", "Ayu Utami"),
    ("Para Priyayi", "Umar Kayam"),
    ("Atheis", "Achdiat K. Mihardja"),
    ("Siti Nurbaya", "Marah Rusli"),
    ("Tenggelamnya Kapal Van der Wijck", "Hamka"),
    ("Di Bawah Lindungan Ka'bah", "Hamka"),
    ("Bumi", "Tere Liye"),
    ("Bulan", "Tere Liye"),
    ("Hujan", "Tere Liye"),
    ("Rindu", "Tere Liye"),
    ("Dilan 1990", "Pidi Baiq"),
    ("Filosofi Kopi", "Dee Lestari"),
    ("Orang-Orang Biasa", "Andrea Hirata"),
    ("Si Kancil dan Buaya", "Cerita Rakyat"),
    ("Malin Kundang", "Cerita Rakyat"),
    ("Timun Mas", "Cerita Rakyat"),
    ("Ensiklopedia Anak Nusantara", "Tim Penulis"),
];

const COPIES: u32 = 10;
const PATRONS: u32 = 600;
const COMMENTS: &[&str] = &[
    "Kiosnya mudah dipakai",
    "Tolong tambah buku anak",
    "Antrean jadi cepat",
    "Layar agak lambat siang tadi",
    "Terima kasih, pelayanannya ramah",
];

/// Fills `storage` with `plan`'s days; `now` is the present (the last day is today).
pub fn fill(storage: &dyn Storage, plan: &Plan, tz: &TimeZone, now: Timestamp) -> Result<Made> {
    let any = storage.transactions(&TxFilter {
        limit: Some(1),
        ..TxFilter::default()
    })?;
    if !any.is_empty() {
        return Err(HubError::Invalid(
            "this hub already holds transactions: simulate fills only an empty hub (a made-up loan must never mix with real ones)"
                .into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let today = now.to_zoned_datetime(tz.clone()).date();
    let first = today
        .checked_sub(i64::from(plan.days.saturating_sub(1)).days())
        .map_err(|e| HubError::Invalid(e.to_string()))?;
    let mut made = Made {
        from: Some(first),
        to: Some(today),
        ..Made::default()
    };
    let (items, patrons) = catalogue(storage, &mut made, first, plan.days)?;
    let stations = add_stations(storage, plan, now, &mut made)?;

    let mut library = Library {
        available: items.clone(),
        on_loan: Vec::new(),
        seq: 0,
    };
    let mut day = first;
    while day <= today {
        let open = |hour: i8, minute: i8| -> Timestamp {
            day.at(hour, minute, 0, 0)
                .to_zoned_datetime(tz.clone())
                .map(|z| z.timestamp())
                .unwrap_or(now)
        };
        // Sundays are quiet, Saturdays busy.
        let weight = match day.weekday() {
            jiff::civil::Weekday::Sunday => 0.3,
            jiff::civil::Weekday::Saturday => 1.4,
            _ => 1.0,
        };
        for gate in &stations.gates {
            let buckets = gate_day(&mut rng, weight, &open, now);
            made.visit_buckets += buckets.len() as u64;
            storage.record_visits(gate, &buckets)?;
        }
        for kiosk in &stations.kiosks {
            let batch = kiosk_day(&mut rng, &mut library, &patrons, weight, &open, now, day);
            made.transactions += push(storage, kiosk, &batch)?;
        }
        for dropbox in &stations.dropboxes {
            let batch = dropbox_day(&mut rng, &mut library, weight, &open, now, day);
            made.transactions += push(storage, dropbox, &batch)?;
        }
        if matches!(
            day.weekday(),
            jiff::civil::Weekday::Wednesday | jiff::civil::Weekday::Saturday
        ) {
            made.transactions += programme(
                storage,
                &mut rng,
                &mut library,
                &stations,
                &patrons,
                day,
                &open,
                now,
            )?;
            made.events += 1;
        }
        day = day
            .tomorrow()
            .map_err(|e| HubError::Invalid(e.to_string()))?;
    }
    // Two coming events people have registered for.
    for ahead in [3, 10] {
        let day = today
            .checked_add(i64::from(ahead).days())
            .map_err(|e| HubError::Invalid(e.to_string()))?;
        let id = events::add(
            storage,
            &NewEvent {
                title: if ahead == 3 {
                    "Kelas Menulis Cerita Anak".into()
                } else {
                    "Bedah Buku: Laut Bercerita".into()
                },
                title_en: Some(if ahead == 3 {
                    "Children's story writing class".into()
                } else {
                    "Book talk: Laut Bercerita".into()
                }),
                starts: day.at(9, 0, 0, 0),
                ends: day.at(11, 30, 0, 0),
                place: Some("Aula lantai 2".into()),
                capacity: Some(25),
                ..NewEvent::default()
            },
        )?;
        let local_now = now.to_zoned_datetime(tz.clone()).datetime();
        for n in 0..rng.random_range(8..30) {
            let card = &patrons[(n * 7 + ahead) as usize % patrons.len()];
            let who = Registrant::Member { card: card.clone() };
            let _ = events::register(
                storage,
                &id,
                &who,
                now,
                local_now,
                crate::config::DEFAULT_WAITING_LIST_FACTOR,
            )?;
        }
        made.events += 1;
    }
    // One conflict for staff to resolve: a copy returned at a drop box that the hub has on the
    // shelf (it was returned at the desk, and came back through the chute by mistake).
    if let (Some(dropbox), Some((item, title))) = (
        stations.dropboxes.first(),
        library.available.first().cloned(),
    ) {
        let at = now.checked_sub(1.hour()).unwrap_or(now);
        let body = TxBody::Checkin(CheckinPayload {
            patron: None,
            item,
            title: Some(title),
            returned: at,
            route: Route::Shelve,
            transfer_to: None,
            fine: 0,
            hold_id: None,
            hold_key: None,
            hold_patron: None,
            hold_expires: None,
        });
        let conflict = transaction(&mut library, body, at);
        made.transactions += push(storage, dropbox, &[conflict])?;
    }
    health(storage, &stations, now)?;
    Ok(made)
}

/// A copy: its barcode and its title's name.
type Copy = (String, String);

/// The made-up library's shelves: copies on the shelf and on loan (item, patron, due).
struct Library {
    available: Vec<Copy>,
    /// (item, patron, due, title, the day it was lent).
    on_loan: Vec<(String, String, Date, String, Date)>,
    seq: i64,
}

struct Stations {
    gates: Vec<String>,
    kiosks: Vec<String>,
    dropboxes: Vec<String>,
}

/// Kelurahan of Tebing Tinggi the made-up members live in.
const KELURAHAN: &[&str] = &[
    "Bandar Utama",
    "Tebing Tinggi Lama",
    "Rambung",
    "Lalang",
    "Bandar Sakti",
    "Satria",
];

/// The titles, copies and members; members join over the `days` from `first`.
fn catalogue(
    storage: &dyn Storage,
    made: &mut Made,
    first: Date,
    days: u32,
) -> Result<(Vec<Copy>, Vec<String>)> {
    let mut puts = Vec::new();
    let mut items = Vec::new();
    for (n, (title, author)) in TITLES.iter().enumerate() {
        let key = format!("sim:{n:03}");
        puts.push(Put::doc(
            &key,
            &TitleDoc {
                title: title.to_string(),
                author: Some(author.to_string()),
                isbn: None,
                call_number: None,
                subjects: Vec::new(),
                links: Vec::new(),
                added: None,
                digital_changes: 0,
            },
        )?);
        for copy in 1..=COPIES {
            let barcode = format!("S{n:03}-{copy}");
            puts.push(Put::doc(
                &barcode,
                &ItemDoc {
                    title: key.clone(),
                    item_type: "book".into(),
                    status: ItemStatus::Available,
                    damaged: false,
                    parts: 1,
                    call_number: None,
                    branch: "pusat".into(),
                    acquired: None,
                },
            )?);
            items.push((barcode, title.to_string()));
        }
    }
    const GIVEN: &[&str] = &[
        "Siti", "Budi", "Ayu", "Rizky", "Dewi", "Agus", "Putri", "Fajar", "Nur", "Hendra",
    ];
    const FAMILY: &[&str] = &[
        "Rahmawati",
        "Santoso",
        "Lestari",
        "Siregar",
        "Nasution",
        "Lubis",
        "Harahap",
        "Simanjuntak",
    ];
    let mut patrons = Vec::new();
    for n in 0..PATRONS {
        let card = format!("2200{n:07}");
        let name = format!(
            "{} {}",
            GIVEN[n as usize % GIVEN.len()],
            FAMILY[(n as usize / GIVEN.len()) % FAMILY.len()]
        );
        puts.push(Put::doc(
            &card,
            &PatronDoc {
                name,
                category: "adult".into(),
                expires: jiff::civil::date(2030, 12, 31),
                pin_hash: None,
                blocked: false,
                block_note: None,
                fines: 0,
                pin_failures: 0,
                pin_locked_until: None,
                // A third joined during the simulated days, half long before, the rest
                // with no known date (as members from before the hub kept dates).
                joined: match n % 6 {
                    0 | 1 => first
                        .checked_add(i64::from((n * 7) % days.max(1)).days())
                        .ok(),
                    2..=4 => first.checked_sub(400.days()).ok(),
                    _ => None,
                },
                kelurahan: Some(KELURAHAN[n as usize % KELURAHAN.len()].to_string()),
            },
        )?);
        patrons.push(card);
    }
    storage.write(&mut |tx| tx.put(&puts).map(|_| ()))?;
    made.titles = TITLES.len() as u32;
    made.items = items.len() as u32;
    made.patrons = PATRONS;
    Ok((items, patrons))
}

fn add_stations(
    storage: &dyn Storage,
    plan: &Plan,
    now: Timestamp,
    made: &mut Made,
) -> Result<Stations> {
    let mut add = |prefix: &str, count: u32, role: StationRole| -> Result<Vec<String>> {
        (1..=count)
            .map(|n| {
                let name = format!("{prefix}-{n}");
                // A token nobody holds: the made-up stations never sync themselves.
                storage.add_station(&name, role, &hash_token(&Uuid::now_v7().to_string()), now)?;
                made.stations += 1;
                Ok(name)
            })
            .collect()
    };
    Ok(Stations {
        gates: add("gate", plan.gates, StationRole::Gate)?,
        kiosks: add("kiosk", plan.kiosks, StationRole::Kiosk)?,
        dropboxes: add("dropbox", plan.dropboxes, StationRole::Dropbox)?,
    })
}

/// How busy an hour is (the library opens 08:00–18:00; lunch and after school are busiest).
fn hour_weight(hour: i8) -> f64 {
    match hour {
        8 => 0.4,
        9 | 10 => 0.8,
        11 | 12 => 1.0,
        13 => 0.7,
        14..=16 => 1.2,
        17 => 0.5,
        _ => 0.0,
    }
}

fn gate_day(
    rng: &mut StdRng,
    weight: f64,
    open: &dyn Fn(i8, i8) -> Timestamp,
    now: Timestamp,
) -> Vec<VisitBucket> {
    let mut buckets = Vec::new();
    let mut inside = 0i64;
    for hour in 8..18i8 {
        for quarter in 0..4i8 {
            let start = open(hour, quarter * 15);
            if start > now {
                return buckets;
            }
            let mean = 4.0 * weight * hour_weight(hour);
            let entered = (mean * rng.random_range(0.5..1.5)).round() as i64;
            // People stay about an hour; at closing everyone leaves.
            let leaving = if hour == 17 && quarter == 3 {
                inside + entered
            } else {
                ((inside as f64) * rng.random_range(0.15..0.35)).round() as i64
            };
            inside += entered - leaving;
            buckets.push(VisitBucket {
                start: start.to_string(),
                entered,
                left: leaving,
                passage: String::new(),
                station: String::new(),
            });
        }
    }
    buckets
}

/// One transaction as a station would push it, made at `at`.
fn transaction(library: &mut Library, body: TxBody, at: Timestamp) -> PushTransaction {
    library.seq += 1;
    PushTransaction {
        id: Uuid::now_v7(),
        seq: library.seq,
        kind: body.kind().into(),
        created_at: at.to_string(),
        clock_trusted: true,
        payload: body.payload(),
    }
}

fn at_random(rng: &mut StdRng, open: &dyn Fn(i8, i8) -> Timestamp) -> Timestamp {
    // An hour by how busy it is.
    let hours: Vec<i8> = (8..18).collect();
    let total: f64 = hours.iter().map(|h| hour_weight(*h)).sum();
    let mut pick = rng.random_range(0.0..total);
    let mut hour = 8;
    for h in hours {
        pick -= hour_weight(h);
        if pick <= 0.0 {
            hour = h;
            break;
        }
    }
    open(hour, rng.random_range(0..60))
}

#[allow(clippy::too_many_arguments)]
fn kiosk_day(
    rng: &mut StdRng,
    library: &mut Library,
    patrons: &[String],
    weight: f64,
    open: &dyn Fn(i8, i8) -> Timestamp,
    now: Timestamp,
    day: Date,
) -> Vec<PushTransaction> {
    let mut batch = Vec::new();
    let loans = (12.0 * weight * rng.random_range(0.6..1.4)).round() as usize;
    for _ in 0..loans {
        let at = at_random(rng, open);
        if at > now || library.available.is_empty() {
            continue;
        }
        // Popular titles first: the shelf's front is lent more often.
        let reach = library.available.len().min(24);
        let (item, title) = library.available.swap_remove(rng.random_range(0..reach));
        let patron = patrons[rng.random_range(0..patrons.len())].clone();
        let due = day.checked_add(14.days()).unwrap_or(day);
        library
            .on_loan
            .push((item.clone(), patron.clone(), due, title.clone(), day));
        let body = TxBody::Checkout(LoanPayload {
            patron,
            item,
            title: Some(title),
            issued: Some(at),
            due,
            hold_id: None,
            hold_key: None,
        });
        batch.push(transaction(library, body, at));
    }
    let returns = (9.0 * weight * rng.random_range(0.6..1.4)).round() as usize;
    for _ in 0..returns {
        let at = at_random(rng, open);
        if let Some(mut txs) = give_back(rng, library, at, now, day) {
            batch.append(&mut txs);
        }
    }
    for _ in 0..rng.random_range(0..4) {
        let at = at_random(rng, open);
        let Some(n) = lent_before(rng, library, day).filter(|_| at <= now) else {
            continue;
        };
        let (item, patron, due, title, _) = library.on_loan[n].clone();
        let new_due = due.max(day).checked_add(14.days()).unwrap_or(due);
        library.on_loan[n].2 = new_due;
        let body = TxBody::Renew(RenewPayload {
            patron: Some(patron),
            item,
            title: Some(title),
            due: new_due,
            renewals: 1,
        });
        batch.push(transaction(library, body, at));
    }
    for _ in 0..rng.random_range(1..5) {
        let at = at_random(rng, open);
        if at > now {
            continue;
        }
        let score = [5, 5, 4, 4, 4, 3, 5, 2, 4, 5][rng.random_range(0..10)];
        let comment = (rng.random_range(0..6) == 0)
            .then(|| COMMENTS[rng.random_range(0..COMMENTS.len())].to_string());
        let body = TxBody::Feedback(FeedbackPayload {
            score,
            branch: "pusat".into(),
            comment,
            repeat: false,
        });
        batch.push(transaction(library, body, at));
    }
    batch.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    batch
}

/// A copy lent before `day` (one lent today goes home first), by its place in the list.
fn lent_before(rng: &mut StdRng, library: &Library, day: Date) -> Option<usize> {
    let earlier: Vec<usize> = (0..library.on_loan.len())
        .filter(|n| library.on_loan[*n].4 < day)
        .collect();
    (!earlier.is_empty()).then(|| earlier[rng.random_range(0..earlier.len())])
}

/// A return (and its fine when late) of a random copy on loan.
fn give_back(
    rng: &mut StdRng,
    library: &mut Library,
    at: Timestamp,
    now: Timestamp,
    day: Date,
) -> Option<Vec<PushTransaction>> {
    if at > now {
        return None;
    }
    let n = lent_before(rng, library, day)?;
    let (item, patron, due, title, _) = library.on_loan.swap_remove(n);
    library.available.push((item.clone(), title.clone()));
    let late = i64::from((day - due).get_days()).max(0);
    let fine = late * 50_000;
    let checkin = TxBody::Checkin(CheckinPayload {
        patron: Some(patron.clone()),
        item: item.clone(),
        title: Some(title),
        returned: at,
        route: Route::Shelve,
        transfer_to: None,
        fine,
        hold_id: None,
        hold_key: None,
        hold_patron: None,
        hold_expires: None,
    });
    let checkin = transaction(library, checkin, at);
    let mut out = vec![];
    let checkin_id = checkin.id;
    out.push(checkin);
    if fine > 0 {
        let body = TxBody::Fine(FinePayload {
            patron: Some(patron),
            item: Some(item),
            amount: fine,
            kind: FineKind::Overdue,
            checkin: Some(checkin_id),
        });
        out.push(transaction(library, body, at));
    }
    Some(out)
}

fn dropbox_day(
    rng: &mut StdRng,
    library: &mut Library,
    weight: f64,
    open: &dyn Fn(i8, i8) -> Timestamp,
    now: Timestamp,
    day: Date,
) -> Vec<PushTransaction> {
    let mut batch = Vec::new();
    for _ in 0..(5.0 * weight * rng.random_range(0.5..1.5)).round() as usize {
        let at = at_random(rng, open);
        if let Some(mut txs) = give_back(rng, library, at, now, day) {
            batch.append(&mut txs);
        }
    }
    batch.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    batch
}

/// A programme held on `day` (10:00–11:30): published, then members checking in at a kiosk.
#[allow(clippy::too_many_arguments)]
fn programme(
    storage: &dyn Storage,
    rng: &mut StdRng,
    library: &mut Library,
    stations: &Stations,
    patrons: &[String],
    day: Date,
    open: &dyn Fn(i8, i8) -> Timestamp,
    now: Timestamp,
) -> Result<u64> {
    const NAMES: &[(&str, &str)] = &[
        ("Dongeng Pagi", "Morning stories"),
        ("Lokakarya Literasi Digital", "Digital literacy workshop"),
        ("Klub Baca Remaja", "Teen reading club"),
        (
            "Kelas Menulis Cerita Anak",
            "Children's story writing class",
        ),
    ];
    let (title, title_en) = NAMES[rng.random_range(0..NAMES.len())];
    let starts: DateTime = day.at(10, 0, 0, 0);
    let id = events::add(
        storage,
        &NewEvent {
            title: title.into(),
            title_en: Some(title_en.into()),
            starts,
            ends: day.at(11, 30, 0, 0),
            place: Some("Ruang anak".into()),
            capacity: Some(30),
            ..NewEvent::default()
        },
    )?;
    let at = open(10, 5);
    if at > now {
        return Ok(0);
    }
    let Some(kiosk) = stations.kiosks.first() else {
        return Ok(0);
    };
    let batch: Vec<PushTransaction> = (0..rng.random_range(6..25))
        .map(|_| {
            let body = TxBody::Attend(AttendPayload {
                event: id.clone(),
                patron: patrons[rng.random_range(0..patrons.len())].clone(),
                at,
            });
            transaction(library, body, at)
        })
        .collect();
    // A few came without a card: staff wrote their names at the door.
    for n in 0..rng.random_range(0..4) {
        events::attend(
            storage,
            &id,
            Attendee::Guest(&format!("Tamu {}", n + 1)),
            at,
            "staff",
        )?;
    }
    push(storage, kiosk, &batch)
}

fn push(storage: &dyn Storage, station: &str, batch: &[PushTransaction]) -> Result<u64> {
    let mut total = 0;
    for chunk in batch.chunks(200) {
        let received = chunk
            .last()
            .and_then(|t| t.created_at.parse().ok())
            .unwrap_or_else(Timestamp::now);
        crate::ledger::apply_batch(storage, station, chunk, received, None)?;
        total += chunk.len() as u64;
    }
    Ok(total)
}

/// Every station's last health report: all well but one drop box nearly full and one gate's
/// beam blocked, as staff would see on a real day.
fn health(storage: &dyn Storage, stations: &Stations, now: Timestamp) -> Result<()> {
    let report = |devices: &[&str], alarm: Option<&str>| StationHealth {
        devices: devices
            .iter()
            .map(|name| DeviceState {
                device: name.to_string(),
                ok: true,
                detail: None,
            })
            .collect(),
        alarms: alarm.map(str::to_string).into_iter().collect(),
        ..StationHealth::default()
    };
    for (n, gate) in stations.gates.iter().enumerate() {
        let alarm = (n == 1).then_some("beam blocked: passage 1, sensor B");
        storage.station_seen(gate, now, Some(&report(&["gpio"], alarm)))?;
    }
    for kiosk in &stations.kiosks {
        let health = report(&["scanner", "rfid", "printer"], None);
        storage.station_seen(kiosk, now, Some(&health))?;
    }
    for (n, dropbox) in stations.dropboxes.iter().enumerate() {
        let alarm = (n == 0).then_some("bin A almost full (92 %)");
        storage.station_seen(dropbox, now, Some(&report(&["rfid", "gpio"], alarm)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(seed: u64) -> (tempfile::TempDir, std::sync::Arc<dyn Storage>, Made) {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
        let plan = Plan {
            days: 10,
            gates: 2,
            kiosks: 2,
            dropboxes: 1,
            seed,
        };
        let now = "2026-12-02T09:00:00Z".parse().unwrap();
        let made = fill(storage.as_ref(), &plan, &TimeZone::UTC, now).unwrap();
        (dir, storage, made)
    }

    /// The made-up days go through the ledger like pushes: loans, returns and renewals with
    /// no conflict but the one planted for staff; the same seed makes the same library; a
    /// hub that holds transactions is refused.
    #[test]
    fn a_seeded_library_fills_an_empty_hub_only() {
        let (_dir, storage, made) = filled(7);
        assert!(
            made.transactions > 100 && made.visit_buckets > 100,
            "{made:?}"
        );
        let conflicts = storage
            .transactions(&TxFilter {
                state: Some(crate::storage::TxState::Conflict),
                ..TxFilter::default()
            })
            .unwrap();
        assert_eq!(conflicts.len(), 1, "only the planted one: {conflicts:?}");
        let (_other, _, again) = filled(7);
        assert_eq!(
            (again.transactions, again.visit_buckets),
            (made.transactions, made.visit_buckets)
        );
        let plan = Plan {
            days: 1,
            gates: 1,
            kiosks: 1,
            dropboxes: 0,
            seed: 1,
        };
        let refused = fill(storage.as_ref(), &plan, &TimeZone::UTC, Timestamp::now());
        assert!(matches!(refused, Err(HubError::Invalid(_))));
    }
}
