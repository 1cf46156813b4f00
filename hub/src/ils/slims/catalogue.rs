//! SLiMS's titles, copies and members into the hub: all of them (the first read, and once a
//! day to catch deletions and rows changed without a timestamp), or only what changed since
//! the last read, found by SLiMS's own `last_update` columns (`biblio`, `item`: date and
//! time; `member`: a date, so a day's changed members are read again all that day) and,
//! for the fines members owe, a fingerprint of the `fines` table (a payment edits a row's
//! `credit` without a timestamp: when it moved, every member with fines is read again).
//!
//! The marks are SLiMS's own newest values, not clocks: the PHP server's clock and the
//! database's need not agree. Rows are passed through the same sink as a file import, so a
//! row read again unchanged takes no revision.

use super::columns::sql_date;
use super::read::{ReadCounts, title_key};
use super::rules;
use crate::catalog::HubSink;
use crate::ils::mirror::{
    CatalogueQueries, ReadMarks, ReadMode, Seen, changed_since, remove_unseen, sink_for,
    system_contact,
};
use crate::ils::{IlsError, IlsSettings, PinSource, rows};
use crate::storage::Storage;
use std::collections::HashMap;
use swalayan_core::circulation::pin::is_bcrypt_hash;
use swalayan_core::domain::{ItemStatus, Money};
use swalayan_core::import::{ImportSink, ItemRecord, PatronRecord, TitleRecord};

type TitleRow = (i64, String, Option<String>, Option<String>, Option<String>);
type ItemRow = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);
type MemberRow = (
    String,
    String,
    Option<i64>,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Reads titles, copies and members as `mode` says; returns the marks to read on from.
pub fn read_catalogue(
    conn: &mut mysql::Conn,
    settings: &IlsSettings,
    storage: &dyn Storage,
    default_branch: &str,
    mode: ReadMode<'_>,
    counts: &mut ReadCounts,
) -> Result<ReadMarks, IlsError> {
    // Taken first: a row changed while this read runs is read again next time.
    let marks = current_marks(conn)?;
    let (titles, items, members) = match mode {
        ReadMode::Full => (
            rows::all::<TitleRow>(conn, &format!("{TITLES} ORDER BY b.biblio_id"))?,
            rows::all::<ItemRow>(conn, ITEMS)?,
            rows::all::<MemberRow>(conn, MEMBERS)?,
        ),
        ReadMode::Since(since) => changed_since(
            conn,
            &CatalogueQueries {
                titles: TITLES,
                title_id: "b.biblio_id",
                items: ITEMS,
                members: MEMBERS,
                updated: ["b.last_update", "i.last_update", "m.last_update"],
                members_with_fines: "m.member_id IN (SELECT DISTINCT member_id FROM fines)",
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
    let sink = sink_for(
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
        sink,
        settings,
        default_branch,
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

const TITLES: &str = "SELECT b.biblio_id, b.title, b.sor, b.isbn_issn, b.call_number FROM biblio b";
const ITEMS: &str = "SELECT i.item_code, i.biblio_id, i.coll_type_id, b.gmd_id, i.item_status_id,
            s.no_loan, i.call_number, i.location_id
     FROM item i JOIN biblio b ON b.biblio_id = i.biblio_id
     LEFT JOIN mst_item_status s ON s.item_status_id = i.item_status_id
     WHERE i.item_code IS NOT NULL AND i.item_code <> ''";
const MEMBERS: &str = "SELECT m.member_id, m.member_name, m.member_type_id,
            CAST(m.expire_date AS CHAR), m.is_pending,
            COALESCE((SELECT SUM(f.debet - f.credit) FROM fines f
                      WHERE f.member_id = m.member_id), 0),
            m.mpasswd, m.member_phone, m.member_email,
            CAST(COALESCE(m.member_since_date, m.register_date) AS CHAR)
     FROM member m";

/// SLiMS's newest values now.
fn current_marks(conn: &mut mysql::Conn) -> Result<ReadMarks, IlsError> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = rows::first_of(
        conn,
        "SELECT (SELECT CAST(MAX(last_update) AS CHAR) FROM biblio),
                (SELECT CAST(MAX(last_update) AS CHAR) FROM item),
                (SELECT CAST(MAX(last_update) AS CHAR) FROM member),
                (SELECT CONCAT(COUNT(*), '/', COALESCE(MAX(fines_id), 0), '/',
                               COALESCE(SUM(debet), 0), '/', COALESCE(SUM(credit), 0))
                 FROM fines)",
    )?;
    let (biblio, item, member, fines) = row.unwrap_or_default();
    Ok(ReadMarks {
        biblio,
        item,
        member,
        fines,
    })
}

/// The rows through the import sink.
fn into_hub(
    mut sink: HubSink<'_>,
    settings: &IlsSettings,
    default_branch: &str,
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
            title: title.trim().to_string(),
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
    for (barcode, biblio, coll, gmd, status_id, no_loan, call_number, location) in items {
        let Some(&sink_id) = sink_ids.get(&biblio) else {
            continue;
        };
        let status = match status_id.as_deref().map(str::trim) {
            Some("MIS") => ItemStatus::Missing,
            _ if no_loan.unwrap_or(0) > 0 => ItemStatus::NotForLoan,
            _ => ItemStatus::Available,
        };
        let record = ItemRecord {
            barcode: barcode.trim().to_string(),
            item_type: rules::item_type_code(coll.unwrap_or(0), gmd.unwrap_or(0)),
            status,
            damaged: status_id.as_deref().map(str::trim) == Some("R"),
            parts: 1,
            call_number: non_empty(call_number),
            branch: location
                .and_then(|l| settings.branches.get(l.trim()).cloned())
                .unwrap_or_else(|| default_branch.to_string()),
            // The system's own date is not read yet: the hub's first sight dates it.
            acquired: None,
        };
        sink.item(sink_id, &record).map_err(sink_error)?;
        seen.items.insert(record.barcode);
        counts.items += 1;
    }
    for (card, name, member_type, expires, pending, owed, password, phone, email, since) in members
    {
        // The OPAC password is the PIN where SLiMS keeps it as bcrypt (never its legacy MD5).
        let pin_hash = match settings.pins {
            PinSource::Ils => password.filter(|hash| is_bcrypt_hash(hash)),
            PinSource::Hub | PinSource::None => None,
        };
        let expires = sql_date(&expires, &card)?;
        let record = PatronRecord {
            card: card.trim().to_string(),
            name: name.trim().to_string(),
            category: rules::category_code(member_type.unwrap_or(0)),
            expires,
            pin_hash,
            blocked: pending != 0,
            block_note: (pending != 0).then(|| "SLiMS: pending membership".to_string()),
            fines: Money::from_units(owed.max(0)),
            contact: system_contact(phone.as_deref(), email.as_deref()),
            // A member since (member_since_date, else register_date): the year's new members.
            joined: crate::ils::inlislite::catalogue::joined_on(since.as_deref()),
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
