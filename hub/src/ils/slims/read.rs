//! Reading a SLiMS 9 database into the hub: its loan rules as the policy, its titles, copies
//! and members through the same sink as a file import (an unchanged record takes no
//! revision), its open loans and reservations as the hub's loans and holds.
//!
//! SLiMS never updates `item` on a loan: a copy is on loan exactly when an open `loan` row
//! (`is_lent = 1 AND is_return = 0`) names it. A member owes `SUM(debet - credit)` of
//! `fines`; `is_pending` members may not borrow (blocked here).

use super::columns::{sql_date as date, sql_datetime_parse as datetime};
use super::rules::{HolidayRow, MemberType, RuleRow, SlimsRules};
use crate::ils::mirror::{ReadMarks, ReadMode, store_policy};
use crate::ils::mirror::{SystemLoan, gone, instant, loans_into_hub};
use crate::ils::{IlsError, IlsSettings, rows};
use crate::storage::{Put, Storage};

use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use swalayan_core::contract::documents::HoldDoc;
use swalayan_core::domain::HoldStatus;
use swalayan_core::domain::Policy;

/// The station name the system's own desk's loans and holds are kept under.
pub const ORIGIN: &str = "slims";

/// What one read found: `ils sync`'s `read`.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ReadCounts {
    pub members: u64,
    pub items: u64,
    pub titles: u64,
    pub loans: u64,
    pub holds: u64,
}

/// What one read is to do.
pub struct ReadRequest<'a> {
    /// The one SLiMS's rules make ([`super::rules::policy`]); stored for the stations.
    pub policy: &'a Policy,
    /// Copies whose transactions wait to be written: their loans stay as the hub has them.
    pub waiting: &'a HashSet<String>,
    pub mode: ReadMode<'a>,
}

/// The key of a SLiMS title in the hub.
pub fn title_key(biblio_id: i64) -> String {
    format!("slims:{biblio_id}")
}

/// Reads SLiMS (the catalogue and members as `request.mode` says, the loans, reservations
/// and rules whole); the hub's documents end up as SLiMS has them, but for the copies in
/// `request.waiting`. Returns what was read and the marks to read on from.
pub fn read_all(
    conn: &mut mysql::Conn,
    settings: &IlsSettings,
    storage: &dyn Storage,
    time_zone: &jiff::tz::TimeZone,
    default_branch: &str,
    request: ReadRequest<'_>,
) -> Result<(ReadCounts, ReadMarks), IlsError> {
    let ReadRequest {
        policy,
        waiting,
        mode,
    } = request;
    let hub = |e: crate::storage::HubError| IlsError::Database(format!("the hub: {e}"));
    store_policy(storage, policy, "SLiMS")?;

    let mut counts = ReadCounts::default();
    let marks = super::catalogue::read_catalogue(
        conn,
        settings,
        storage,
        default_branch,
        mode,
        &mut counts,
    )?;

    type OpenLoanRow = (
        String,
        String,
        String,
        String,
        u32,
        Option<String>,
        Option<i64>,
    );
    let loans: Vec<OpenLoanRow> = rows::all(
        conn,
        "SELECT l.item_code, l.member_id, l.loan_date, l.due_date, l.renewed, l.input_date,
                i.biblio_id
         FROM loan l LEFT JOIN item i ON i.item_code = l.item_code
         WHERE l.is_lent = 1 AND l.is_return = 0 AND l.item_code IS NOT NULL",
    )?;
    // Who has a copy of which title, for the reservations the desk fulfilled.
    let mut lent_to: Vec<(String, Option<String>)> = Vec::new();
    let mut open = Vec::new();
    for (barcode, card, loan_date, due, renewals, input, biblio) in loans {
        let issued = match input {
            Some(at) => datetime(&at, &barcode)?,
            None => date(&loan_date, &barcode)?.to_datetime(jiff::civil::Time::midnight()),
        };
        let loan = SystemLoan {
            due: date(&due, &barcode)?,
            issued: instant(issued, time_zone, &barcode)?,
            barcode: barcode.trim().to_string(),
            card: card.trim().to_string(),
            renewals,
        };
        lent_to.push((loan.card.clone(), biblio.map(title_key)));
        counts.loans += 1;
        open.push(loan);
    }
    let mut puts = loans_into_hub(storage, ORIGIN, &open, waiting)?;
    let reserves: Vec<(i64, String, i64, String, String)> = rows::all(
        conn,
        "SELECT reserve_id, member_id, biblio_id, item_code, CAST(reserve_date AS CHAR)
         FROM reserve",
    )?;
    // Reservations the hub placed are its holds already (under their own keys).
    let placed_here: HashMap<i64, String> = super::holds::reservations(storage)?
        .into_iter()
        .filter(|(key, _)| !key.starts_with(&format!("{ORIGIN}:")))
        .map(|(key, id)| (id, key))
        .collect();
    let holds: HashMap<String, HoldDoc> =
        storage.all::<HoldDoc>().map_err(hub)?.into_iter().collect();
    let mut live: HashSet<String> = HashSet::new();
    let mut still_reserved: HashSet<i64> = HashSet::new();
    for (id, card, biblio, barcode, placed) in reserves {
        counts.holds += 1;
        still_reserved.insert(id);
        if placed_here.contains_key(&id) {
            continue;
        }
        let key = format!("{ORIGIN}:{id}");
        let placed = instant(datetime(&placed, &key)?, time_zone, &key)?;
        let read = HoldDoc {
            patron: card.trim().to_string(),
            title: title_key(biblio),
            item: Some(barcode.trim().to_string()),
            pickup_branch: default_branch.to_string(),
            placed,
            status: HoldStatus::Waiting,
            origin: ORIGIN.to_string(),
            set_aside: None,
            ready_until: None,
        };
        // Where the hub has moved it on (a copy set aside on the hold shelf), that stays.
        let hold = match holds.get(&key) {
            Some(known) if known.status.is_live() => HoldDoc {
                status: known.status,
                pickup_branch: known.pickup_branch.clone(),
                set_aside: known.set_aside.clone(),
                ready_until: known.ready_until,
                ..read
            },
            _ => read,
        };
        puts.push(Put::doc(&key, &hold).map_err(hub)?);
        live.insert(key);
    }
    puts.extend(gone::<HoldDoc>(storage, &live, |hold| hold.origin == ORIGIN).map_err(hub)?);
    // A reservation the hub placed that SLiMS no longer has: its desk lent the copy to the
    // member (fulfilled) or removed it (cancelled).
    for (id, key) in &placed_here {
        let Some(hold) = holds.get(key) else { continue };
        if still_reserved.contains(id) || !hold.status.is_live() {
            continue;
        }
        let borrowed = lent_to
            .iter()
            .any(|(card, title)| card == &hold.patron && title.as_ref() == Some(&hold.title));
        let ended = HoldDoc {
            status: if borrowed {
                HoldStatus::Fulfilled
            } else {
                HoldStatus::Cancelled
            },
            ..hold.clone()
        };
        puts.push(Put::doc(key, &ended).map_err(hub)?);
    }
    storage
        .write(&mut |tx| tx.put(&puts).map(|_| ()))
        .map_err(hub)?;
    Ok((counts, marks))
}

/// SLiMS's member types, collection types, GMDs, the pairs its copies have, its loan rules
/// and its holidays.
pub fn read_rules(conn: &mut mysql::Conn) -> Result<SlimsRules, IlsError> {
    let member_types = rows::all(
        conn,
        "SELECT member_type_id, member_type_name, loan_limit, loan_periode, reborrow_limit,
                    fine_each_day, COALESCE(grace_periode, 0)
             FROM mst_member_type ORDER BY member_type_id",
    )?
    .into_iter()
    .map(
        |(id, name, loan_limit, loan_days, renewals, fine_per_day, grace_days): (
            i64,
            String,
            u32,
            u32,
            u32,
            i64,
            u32,
        )| MemberType {
            id,
            name,
            loan_limit,
            loan_days,
            renewals,
            fine_per_day,
            grace_days,
        },
    )
    .collect::<Vec<_>>();
    let coll_types: BTreeMap<i64, String> = rows::all::<(i64, String)>(
        conn,
        "SELECT coll_type_id, coll_type_name FROM mst_coll_type",
    )?
    .into_iter()
    .collect();
    let gmds: BTreeMap<i64, String> =
        rows::all::<(i64, String)>(conn, "SELECT gmd_id, gmd_name FROM mst_gmd")?
            .into_iter()
            .collect();
    let pairs: Vec<(i64, i64)> = rows::all(
        conn,
        "SELECT DISTINCT COALESCE(i.coll_type_id, 0), COALESCE(b.gmd_id, 0)
         FROM item i JOIN biblio b ON b.biblio_id = i.biblio_id ORDER BY 1, 2",
    )?;
    type LoanRuleRow = (i64, i64, i64, i64, u32, u32, u32, i64, u32);
    let rules = rows::all(
        conn,
        "SELECT loan_rules_id, member_type_id, COALESCE(coll_type_id, 0), COALESCE(gmd_id, 0),
                COALESCE(loan_limit, 0), COALESCE(loan_periode, 0), COALESCE(reborrow_limit, 0),
                COALESCE(fine_each_day, 0), COALESCE(grace_periode, 0)
         FROM mst_loan_rules ORDER BY loan_rules_id",
    )?
    .into_iter()
    .map(
        |(
            id,
            member_type,
            coll_type,
            gmd,
            loan_limit,
            loan_days,
            renewals,
            fine_per_day,
            grace_days,
        ): LoanRuleRow| RuleRow {
            id,
            member_type,
            coll_type,
            gmd,
            loan_limit,
            loan_days,
            renewals,
            fine_per_day,
            grace_days,
        },
    )
    .collect::<Vec<_>>();
    // A PHP-serialised flag (`b:1;`, or `i:1;`/`s:1:"1";` from older settings pages).
    let ignore_holidays: Option<String> = rows::first_of(
        conn,
        "SELECT setting_value FROM setting WHERE setting_name = 'ignore_holidays_fine_calc'",
    )?;
    let ignore_holidays_in_fines = matches!(
        ignore_holidays.as_deref().map(str::trim),
        Some("b:1;" | "i:1;" | "s:1:\"1\";")
    );
    let holidays = rows::all(
        conn,
        "SELECT holiday_dayname, CAST(holiday_date AS CHAR), description FROM holiday",
    )?
    .into_iter()
    .map(
        |(day_name, date, description): (String, Option<String>, Option<String>)| {
            (day_name, date, description)
        },
    )
    .collect::<Vec<_>>();
    let holidays = holidays
        .into_iter()
        .map(|(day_name, on, description)| {
            Ok(HolidayRow {
                date: on.map(|on| date(&on, "holiday")).transpose()?,
                day_name,
                description,
            })
        })
        .collect::<Result<_, IlsError>>()?;
    Ok(SlimsRules {
        member_types,
        coll_types,
        gmds,
        pairs,
        rules,
        holidays,
        ignore_holidays_in_fines,
    })
}
