//! Reading an INLISLite v3.2/v3.3 database into the hub: its rules as the policy, its
//! catalogue and members (`catalogue`: in full, or what changed), its open loans
//! (`collectionloanitems.LoanStatus = 'Loan'`; v3.3: and `active`) as the hub's loans, and
//! the copies booked in its OPAC (`collections.BookingMemberID` until `BookingExpiredDate`)
//! as holds ready for that member. Loans and bookings are read whole every round.

use super::rules::{InlisRules, Level};
use crate::ils::mirror::{
    ReadMarks, ReadMode, SystemLoan, gone, hub, instant, loans_into_hub, store_policy,
};
use crate::ils::schema::Version;
use crate::ils::slims::columns::{sql_date, sql_datetime_parse};
use crate::ils::slims::read::ReadCounts;
use crate::ils::{IlsError, IlsSettings, rows};
use crate::storage::{Put, Storage};
use jiff::civil::Date;
use std::collections::HashSet;
use swalayan_core::contract::documents::HoldDoc;
use swalayan_core::domain::{HoldStatus, Policy};

/// The station name INLISLite's own desk's loans and bookings are kept under.
pub const ORIGIN: &str = "inlislite";

/// The key of an INLISLite title in the hub.
pub fn title_key(catalog_id: i64) -> String {
    format!("{ORIGIN}:{catalog_id}")
}

const LEVEL_COLUMNS: &str = "COALESCE(MaxPinjamKoleksi, 0), COALESCE(MaxLoanDays, 0),
    COALESCE(DendaType, 'Konstan'), CAST(COALESCE(DendaPerTenor, 0) AS SIGNED),
    CAST(COALESCE(DendaTenorJumlah, 0) AS SIGNED), COALESCE(DendaTenorSatuan, 'Hari'),
    COALESCE(DendaTenorMultiply, 1), COALESCE(DaySuspend, 0), COALESCE(DayPerpanjang, 0),
    COALESCE(CountPerpanjang, 0)";

type LevelRow = (i64, i64, String, i64, i64, String, i64, i64, i64, i64);
/// An id and a name before a level's columns.
type NamedLevelRow = (
    i64,
    String,
    i64,
    i64,
    String,
    i64,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
);
/// A DayIndex before a level's columns.
type DayLevelRow = (i64, i64, i64, String, i64, i64, String, i64, i64, i64, i64);

fn level(
    (max_loans, loan_days, fine_type, per, count, unit, mult, suspend, rd, rc): LevelRow,
) -> Level {
    Level {
        max_loans,
        loan_days,
        fine_type,
        fine_per_tenor: per,
        tenor_count: count,
        tenor_unit: unit,
        fine_multiply: mult,
        suspend_days: suspend,
        renew_days: rd,
        renew_count: rc,
    }
}

/// INLISLite's rules, settings and holidays.
pub fn read_rules(conn: &mut mysql::Conn) -> Result<InlisRules, IlsError> {
    let mut rules = InlisRules::default();
    let member_types: Vec<NamedLevelRow> = rows::all(
        conn,
        &format!("SELECT id, jenisanggota, {LEVEL_COLUMNS} FROM jenis_anggota ORDER BY id"),
    )?;
    for (id, name, a, b, c, d, e, f, g, h, i, j) in member_types {
        rules
            .member_types
            .insert(id, (name, level((a, b, c, d, e, f, g, h, i, j))));
    }
    let worksheets: Vec<NamedLevelRow> = rows::all(
        conn,
        &format!("SELECT ID, Name, {LEVEL_COLUMNS} FROM worksheets ORDER BY ID"),
    )?;
    for (id, name, a, b, c, d, e, f, g, h, i, j) in worksheets {
        rules
            .worksheets
            .insert(id, (name, level((a, b, c, d, e, f, g, h, i, j))));
    }
    let weekdays: Vec<DayLevelRow> = rows::all(
        conn,
        &format!(
            "SELECT COALESCE(DayIndex, 0), {LEVEL_COLUMNS} FROM peraturan_peminjaman_hari ORDER BY ID"
        ),
    )?;
    for (day, a, b, c, d, e, f, g, h, i, j) in weekdays {
        rules
            .weekday_rules
            .entry(day)
            .or_insert_with(|| level((a, b, c, d, e, f, g, h, i, j)));
    }
    type DateRuleRow = (
        String,
        String,
        i64,
        i64,
        String,
        i64,
        i64,
        String,
        i64,
        i64,
        i64,
        i64,
    );
    let dated: Vec<DateRuleRow> = rows::all(
        conn,
        &format!(
            "SELECT CAST(DATE(TanggalAwal) AS CHAR), CAST(DATE(TanggalAkhir) AS CHAR), {LEVEL_COLUMNS}
             FROM peraturan_peminjaman_tanggal
             WHERE TanggalAwal IS NOT NULL AND TanggalAkhir IS NOT NULL ORDER BY ID"
        ),
    )?;
    for (from, to, a, b, c, d, e, f, g, h, i, j) in dated {
        rules.date_rules.push((
            sql_date(&from, "a date rule")?,
            sql_date(&to, "a date rule")?,
            level((a, b, c, d, e, f, g, h, i, j)),
        ));
    }
    let settings: Vec<(String, Option<String>)> = rows::all(
        conn,
        "SELECT Name, Value FROM settingparameters
         WHERE Name IN ('IsSaturdayHoliday', 'IsSundayHoliday')",
    )?;
    for (name, value) in settings {
        let on = value.as_deref().map(str::trim) == Some("True");
        match name.as_str() {
            "IsSaturdayHoliday" => rules.saturday_closed = on,
            _ => rules.sunday_closed = on,
        }
    }
    let holidays: Vec<(String,)> =
        rows::all(conn, "SELECT CAST(DATE(Dates) AS CHAR) FROM holidays")?;
    for (day,) in holidays {
        rules.holidays.insert(sql_date(&day, "a holiday")?);
    }
    let used: Vec<(i64,)> = rows::all(
        conn,
        "SELECT DISTINCT COALESCE(cat.Worksheet_id, 0) FROM collections c
         LEFT JOIN catalogs cat ON cat.ID = c.Catalog_id",
    )?;
    rules.worksheets_used = used.into_iter().map(|(ws,)| ws).collect();
    if rules.worksheets_used.is_empty() {
        rules.worksheets_used.insert(0);
    }
    Ok(rules)
}

/// Reads everything into the hub, but the loans of the copies in `waiting` (transactions
/// not yet written). `today`: the library's date, for expiries and suspensions.
#[allow(clippy::too_many_arguments)]
pub fn read_all(
    conn: &mut mysql::Conn,
    settings: &IlsSettings,
    storage: &dyn Storage,
    version: Version,
    time_zone: &jiff::tz::TimeZone,
    default_branch: &str,
    policy: &Policy,
    waiting: &HashSet<String>,
    today: Date,
    mode: ReadMode<'_>,
) -> Result<(ReadCounts, ReadMarks), IlsError> {
    store_policy(storage, policy, "INLISLite")?;
    let mut counts = ReadCounts::default();
    let marks = super::catalogue::read_catalogue(
        conn,
        settings,
        storage,
        default_branch,
        today,
        mode,
        &mut counts,
    )?;

    let active = if version == Version::Inlislite33 {
        " AND i.active = 1"
    } else {
        ""
    };
    type LoanRow = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    );
    let loans: Vec<LoanRow> = rows::all(
        conn,
        &format!(
            "SELECT c.NomorBarcode, m.MemberNo, CAST(i.CreateDate AS CHAR), CAST(i.LoanDate AS CHAR),
                    CAST(i.DueDate AS CHAR),
                    (SELECT COUNT(*) FROM collectionloanextends x WHERE x.CollectionLoanItem_id = i.ID)
             FROM collectionloanitems i
             JOIN collections c ON c.ID = i.Collection_id
             JOIN members m ON m.ID = i.member_id
             WHERE i.LoanStatus = 'Loan'{active}"
        ),
    )?;
    let mut open = Vec::new();
    for (barcode, card, created, loan_date, due, extended) in loans {
        let when = created.or(loan_date).unwrap_or_default();
        let issued = sql_datetime_parse(&when, &barcode).or_else(|_| {
            sql_date(&when, &barcode).map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })?;
        let due = due.unwrap_or_default();
        let due = sql_datetime_parse(&due, &barcode)
            .map(|at| at.date())
            .or_else(|_| sql_date(&due, &barcode))?;
        open.push(SystemLoan {
            barcode: barcode.trim().to_string(),
            card: card.trim().to_string(),
            issued: instant(issued, time_zone, &barcode)?,
            due,
            renewals: extended.clamp(0, 1000) as u32,
        });
        counts.loans += 1;
    }
    let mut puts = loans_into_hub(storage, ORIGIN, &open, waiting)?;

    // Copies booked in the OPAC until their booking runs out.
    type BookingRow = (i64, String, i64, String, Option<String>, String);
    let bookings: Vec<BookingRow> = rows::all(
        conn,
        "SELECT CAST(c.ID AS SIGNED), c.NomorBarcode, CAST(c.Catalog_id AS SIGNED), c.BookingMemberID,
                (SELECT CAST(MAX(b.bookingDate) AS CHAR) FROM bookinglogs b
                 WHERE b.collectionId = c.ID AND b.memberId = c.BookingMemberID),
                CAST(c.BookingExpiredDate AS CHAR)
         FROM collections c
         WHERE c.BookingMemberID IS NOT NULL AND c.BookingMemberID <> ''
           AND c.BookingExpiredDate > NOW()",
    )?;
    // Bookings the hub made are its holds already.
    let booked_here: HashSet<i64> = super::holds::booked_here(storage)?
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    let mut live = HashSet::new();
    for (id, barcode, catalog, card, booked, expires) in bookings {
        if booked_here.contains(&id) {
            continue;
        }
        let key = format!("{ORIGIN}:booking:{id}");
        let placed = sql_datetime_parse(booked.as_deref().unwrap_or(&expires), &key)?;
        let hold = HoldDoc {
            patron: card.trim().to_string(),
            title: title_key(catalog),
            item: Some(barcode.trim().to_string()),
            pickup_branch: default_branch.to_string(),
            placed: instant(placed, time_zone, &key)?,
            status: HoldStatus::Ready,
            origin: ORIGIN.to_string(),
            set_aside: Some(barcode.trim().to_string()),
            ready_until: Some(sql_datetime_parse(&expires, &key)?.date()),
        };
        puts.push(Put::doc(&key, &hold).map_err(hub)?);
        live.insert(key);
        counts.holds += 1;
    }
    puts.extend(gone::<HoldDoc>(storage, &live, |hold| hold.origin == ORIGIN).map_err(hub)?);
    storage
        .write(&mut |tx| tx.put(&puts).map(|_| ()))
        .map_err(hub)?;
    Ok((counts, marks))
}
