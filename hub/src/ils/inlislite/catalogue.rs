//! INLISLite's catalogue (`catalogs`, `collections`) and members into the hub: all of them
//! (the first read, and once a day to catch deletions, rows changed without a time, and
//! suspensions that ran out), or only what changed since the last read, by the `UpdateDate`
//! its desk sets on every save, and every member with violations when the `pelanggaran`
//! table moved (a payment or a new violation). Through the same sink as a file import.
//!
//! A member may borrow when `StatusAnggota_id` is 3 (Aktif), the membership has not ended,
//! and no violation's suspension runs (`pelanggaran.CreateDate + JumlahSuspend` days);
//! otherwise the card is blocked with INLISLite's reason. Fines owed are the unpaid
//! `pelanggaran` amounts.

use super::read::title_key;
use super::rules::{category_code, item_type_code};
use crate::catalog::HubSink;
use crate::ils::mirror::{
    CatalogueQueries, ReadMarks, ReadMode, Seen, changed_since, remove_unseen, sink_for,
    system_contact,
};
use crate::ils::slims::columns::sql_date;
use crate::ils::slims::read::ReadCounts;
use crate::ils::{IlsError, IlsSettings, rows};
use crate::storage::Storage;
use jiff::civil::Date;
use std::collections::HashMap;
use swalayan_core::domain::{ItemStatus, Money};
use swalayan_core::import::{ImportSink, ItemRecord, PatronRecord, TitleRecord};

type TitleRow = (i64, String, Option<String>, Option<String>, Option<String>);
type ItemRow = (
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);
type MemberRow = (
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const TITLES: &str = "SELECT CAST(cat.ID AS SIGNED), cat.Title, cat.Author, cat.ISBN, cat.CallNumber FROM catalogs cat";
const ITEMS: &str =
    "SELECT c.NomorBarcode, CAST(c.Catalog_id AS SIGNED), COALESCE(cat.Worksheet_id, 0),
            c.Status_id, c.Rule_id, c.CallNumber, c.Location_Library_id
     FROM collections c JOIN catalogs cat ON cat.ID = c.Catalog_id
     WHERE c.NomorBarcode IS NOT NULL AND c.NomorBarcode <> ''";
const MEMBERS: &str =
    "SELECT m.MemberNo, m.Fullname, m.JenisAnggota_id, CAST(DATE(m.EndDate) AS CHAR),
            m.StatusAnggota_id,
            CAST(COALESCE((SELECT SUM(p.JumlahDenda) FROM pelanggaran p
                           WHERE p.Member_id = m.ID AND p.Paid + 0 = 0), 0) AS SIGNED),
            (SELECT CAST(MAX(DATE(p.CreateDate) + INTERVAL p.JumlahSuspend DAY) AS CHAR)
             FROM pelanggaran p WHERE p.Member_id = m.ID AND p.JumlahSuspend > 0),
            COALESCE(NULLIF(m.NoHp, ''), m.Phone), m.Email, CAST(DATE(m.RegisterDate) AS CHAR)
     FROM members m";

/// Reads titles, copies and members as `mode` says; returns the marks to read on from.
pub fn read_catalogue(
    conn: &mut mysql::Conn,
    settings: &IlsSettings,
    storage: &dyn Storage,
    default_branch: &str,
    today: Date,
    mode: ReadMode<'_>,
    counts: &mut ReadCounts,
) -> Result<ReadMarks, IlsError> {
    // Taken first: a row changed while this read runs is read again next time.
    let marks = current_marks(conn)?;
    let (titles, items, members) = match mode {
        ReadMode::Full => (
            rows::all::<TitleRow>(conn, &format!("{TITLES} ORDER BY cat.ID"))?,
            rows::all::<ItemRow>(conn, ITEMS)?,
            rows::all::<MemberRow>(conn, &format!("{MEMBERS} ORDER BY m.ID"))?,
        ),
        ReadMode::Since(since) => changed_since(
            conn,
            &CatalogueQueries {
                titles: TITLES,
                title_id: "cat.ID",
                items: ITEMS,
                members: MEMBERS,
                updated: ["cat.UpdateDate", "c.UpdateDate", "m.UpdateDate"],
                members_with_fines: "m.ID IN (SELECT DISTINCT Member_id FROM pelanggaran)",
            },
            since,
            marks.fines != since.fines,
            (
                |t: &TitleRow| t.0,
                |i: &ItemRow| i.1,
                |m: &MemberRow| m.0.as_str(),
            ),
        )?,
    };
    if titles.is_empty() && items.is_empty() && members.is_empty() {
        return Ok(marks);
    }
    let mut sink = sink_for(
        storage,
        mode,
        [
            titles.iter().map(|t| title_key(t.0)).collect(),
            items.iter().map(|i| i.0.trim().to_string()).collect(),
            members.iter().map(|m| m.0.trim().to_string()).collect(),
        ],
        settings.pins,
    )?;
    let seen = into_hub(
        &mut sink,
        settings,
        default_branch,
        today,
        titles,
        items,
        members,
        counts,
    )?;
    if let ReadMode::Full = mode {
        remove_unseen(storage, &seen)?;
    }
    Ok(marks)
}

/// INLISLite's newest update times now, and the violations table's fingerprint.
fn current_marks(conn: &mut mysql::Conn) -> Result<ReadMarks, IlsError> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = rows::first_of(
        conn,
        "SELECT (SELECT CAST(MAX(UpdateDate) AS CHAR) FROM catalogs),
                (SELECT CAST(MAX(UpdateDate) AS CHAR) FROM collections),
                (SELECT CAST(MAX(UpdateDate) AS CHAR) FROM members),
                (SELECT CONCAT(COUNT(*), '/', COALESCE(MAX(ID), 0), '/',
                               COALESCE(SUM(JumlahDenda), 0), '/', COALESCE(SUM(Paid + 0), 0), '/',
                               COALESCE(SUM(JumlahSuspend), 0))
                 FROM pelanggaran)",
    )?;
    let (biblio, item, member, fines) = row.unwrap_or_default();
    Ok(ReadMarks {
        biblio,
        item,
        member,
        fines,
    })
}

#[allow(clippy::too_many_arguments)]
fn into_hub(
    sink: &mut HubSink<'_>,
    settings: &IlsSettings,
    default_branch: &str,
    today: Date,
    titles: Vec<TitleRow>,
    items: Vec<ItemRow>,
    members: Vec<MemberRow>,
    counts: &mut ReadCounts,
) -> Result<Seen, IlsError> {
    let sink_error =
        |e: swalayan_core::import::ImportError| IlsError::Database(format!("the hub: {e}"));
    let mut seen = Seen::default();
    let mut sink_ids: HashMap<i64, i64> = HashMap::new();
    for (id, title, author, isbn, call_number) in titles {
        let record = TitleRecord {
            key: title_key(id),
            // INLISLite's MARC-derived title ends in " / responsibility".
            title: title
                .split(" / ")
                .next()
                .unwrap_or(&title)
                .trim()
                .to_string(),
            author: non_empty(author),
            isbn: non_empty(isbn),
            call_number: non_empty(call_number),
            subjects: Vec::new(),
            links: Vec::new(),
        };
        let (sink_id, _) = sink.title(&record).map_err(sink_error)?;
        sink_ids.insert(id, sink_id);
        seen.titles.insert(record.key);
        counts.titles += 1;
    }
    for (barcode, catalog, worksheet, status_id, rule_id, call_number, location) in items {
        let Some(&sink_id) = sink_ids.get(&catalog) else {
            continue;
        };
        // 1 Tersedia and 5 Dipinjam (a loan row says to whom) may be lent; 3 Hilang is
        // missing; 2 Rusak is damaged; any other status, or a rule other than 1 ("Dapat
        // dipinjam"), is not for loan.
        let status = match (status_id.unwrap_or(0), rule_id.unwrap_or(1)) {
            (3, _) => ItemStatus::Missing,
            (1 | 5, 1) => ItemStatus::Available,
            _ => ItemStatus::NotForLoan,
        };
        let record = ItemRecord {
            barcode: barcode.trim().to_string(),
            item_type: item_type_code(worksheet),
            status,
            damaged: status_id == Some(2),
            parts: 1,
            call_number: non_empty(call_number),
            branch: location
                .and_then(|l| settings.branches.get(&l.to_string()).cloned())
                .unwrap_or_else(|| default_branch.to_string()),
            // The system's own date is not read yet: the hub's first sight dates it.
            acquired: None,
        };
        sink.item(sink_id, &record).map_err(sink_error)?;
        seen.items.insert(record.barcode);
        counts.items += 1;
    }
    for (card, name, member_type, ends, status, owed, suspended_until, phone, email, registered) in
        members
    {
        let card = card.trim().to_string();
        // MemberNo is not unique in INLISLite's database: the first one is the member.
        if seen.members.contains(&card) {
            continue;
        }
        let expires = match ends {
            Some(ends) => sql_date(&ends, &card)?,
            None => today,
        };
        let suspended = suspended_until
            .map(|until| sql_date(&until, &card))
            .transpose()?
            .filter(|until| *until > today);
        let block_note = match (status, suspended) {
            (Some(5), _) => Some("INLISLite: suspended (Suspend)".to_string()),
            (Some(3), Some(until)) => Some(format!("INLISLite: suspended until {until}")),
            (Some(3), None) => None,
            (other, _) => Some(format!(
                "INLISLite: membership not active (status {})",
                other.unwrap_or(0)
            )),
        };
        let record = PatronRecord {
            card,
            name: name.trim().to_string(),
            category: category_code(member_type.unwrap_or(0)),
            expires,
            pin_hash: None,
            blocked: block_note.is_some(),
            block_note,
            fines: Money::from_units(owed.max(0)),
            contact: system_contact(phone.as_deref(), email.as_deref()),
            // The day the desk registered the member (RegisterDate): the year's new members.
            joined: joined_on(registered.as_deref()),
            kelurahan: None,
        };
        sink.patron(&record).map_err(sink_error)?;
        seen.members.insert(record.card);
        counts.members += 1;
    }
    sink.flush().map_err(sink_error)?;
    Ok(seen)
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A joining date as the system keeps it (`2026-03-14`, or a zero date, or none): the day, or
/// `None` when it is not one (a member is then never counted as new).
pub(crate) fn joined_on(text: Option<&str>) -> Option<Date> {
    text?.trim().get(..10)?.parse().ok()
}
