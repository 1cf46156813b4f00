//! What any library system's read does to the hub, whichever system it is: its open loans
//! become the hub's loans (the system is the record), and what it no longer shows leaves.
//! Each system's reader (`slims::read`, `inlislite::read`) turns its own rows into these.

use super::{IlsError, rows};
use crate::storage::{DocBody, DocKind, HubError, IlsWrite, Put, Storage};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use swalayan_core::contract::documents::{ItemDoc, LoanDoc, PatronDoc, TitleDoc};

/// An open loan as the system shows it.
#[derive(Debug, Clone)]
pub struct SystemLoan {
    pub barcode: String,
    pub card: String,
    /// When it was made (the hub's instant text).
    pub issued: String,
    pub due: Date,
    pub renewals: u32,
}

/// The hub's loans made to match the system's open ones (`origin`: the station name the
/// system's own desk's loans are kept under). A loan a station made and the system took
/// keeps the station's name and exact time, with the system's due date and renewals; a loan
/// the system no longer shows open leaves the hub (its desk took it back, or it refused the
/// station's loan); the copies in `waiting` (transactions not yet written) are left as the
/// hub has them.
pub fn loans_into_hub(
    storage: &dyn Storage,
    origin: &str,
    loans: &[SystemLoan],
    waiting: &HashSet<String>,
) -> Result<Vec<Put>, IlsError> {
    let known: HashMap<String, LoanDoc> =
        storage.all::<LoanDoc>().map_err(hub)?.into_iter().collect();
    let mut puts = Vec::new();
    let mut open: HashSet<String> = HashSet::new();
    for loan in loans {
        open.insert(loan.barcode.clone());
        if waiting.contains(&loan.barcode) {
            continue;
        }
        let doc = match known.get(&loan.barcode) {
            Some(hub_loan) if hub_loan.patron == loan.card => LoanDoc {
                due: loan.due,
                renewals: loan.renewals,
                ..hub_loan.clone()
            },
            _ => LoanDoc {
                patron: loan.card.clone(),
                issued: loan.issued.clone(),
                due: loan.due,
                renewals: loan.renewals,
                station: origin.to_string(),
            },
        };
        puts.push(Put::doc(&loan.barcode, &doc).map_err(hub)?);
    }
    puts.extend(
        gone::<LoanDoc>(storage, &open, |_| true)
            .map_err(hub)?
            .into_iter()
            .filter(|put| !waiting.contains(&put.key)),
    );
    Ok(puts)
}

/// The deletions of the hub's documents of `D` that `by_system` says the system made and
/// this read no longer found (`seen` holds the keys it found).
pub fn gone<D: DocBody>(
    storage: &dyn Storage,
    seen: &HashSet<String>,
    by_system: impl Fn(&D) -> bool,
) -> crate::storage::Result<Vec<Put>> {
    let stored: Vec<(String, D)> = storage.all()?;
    stored
        .into_iter()
        .filter(|(key, doc)| by_system(doc) && !seen.contains(key))
        .map(|(key, _)| Put::of::<D>(&key, None))
        .collect()
}

/// A wall-clock time of the system (the library's) as the hub keeps instants.
pub fn instant(
    at: jiff::civil::DateTime,
    time_zone: &jiff::tz::TimeZone,
    what: &str,
) -> Result<String, IlsError> {
    at.to_zoned_datetime(time_zone.clone())
        .map(|z| crate::storage::instant_text(z.timestamp()))
        .map_err(|e| IlsError::Database(format!("{what}: time {at}: {e}")))
}

pub fn hub(e: HubError) -> IlsError {
    IlsError::Database(format!("the hub: {e}"))
}

/// Where a read got to in a system's tables (SLiMS: `biblio`, `item`, `member`, `fines`;
/// INLISLite: `catalogs`, `collections`, `members`, `pelanggaran`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarks {
    /// The newest update time of the titles seen.
    #[serde(default)]
    pub biblio: Option<String>,
    /// Of the copies.
    #[serde(default)]
    pub item: Option<String>,
    /// Of the members (SLiMS: a date).
    #[serde(default)]
    pub member: Option<String>,
    /// A fingerprint of the fines table (rows, newest id, sums): payments leave no time.
    #[serde(default)]
    pub fines: Option<String>,
}

/// How much to read.
#[derive(Debug, Clone, Copy)]
pub enum ReadMode<'a> {
    /// Everything; what SLiMS no longer has leaves the hub.
    Full,
    /// What changed since these marks.
    Since(&'a ReadMarks),
}

/// The rows of `query` (`joiner` adds a condition to it) whose update time `column` is at
/// or after `mark` — the same second or day again, as a row may have changed after the mark
/// was taken within it — or, with no mark (no row had a time at the last read), every row
/// that has one now.
pub fn changed<T: mysql::prelude::FromRow>(
    conn: &mut mysql::Conn,
    query: &str,
    joiner: &str,
    column: &str,
    mark: Option<&str>,
) -> Result<Vec<T>, IlsError> {
    match mark {
        Some(mark) => rows::all_with(conn, &format!("{query} {joiner} {column} >= ?"), (mark,)),
        None => rows::all(conn, &format!("{query} {joiner} {column} IS NOT NULL")),
    }
}

/// What a full read saw, by kind.
#[derive(Default)]
pub struct Seen {
    pub titles: HashSet<String>,
    pub items: HashSet<String>,
    pub members: HashSet<String>,
}

/// After a full read: the titles, copies and members the system no longer has leave the hub.
pub fn remove_unseen(storage: &dyn Storage, seen: &Seen) -> Result<(), IlsError> {
    let hub = |e: crate::storage::HubError| IlsError::Database(format!("the hub: {e}"));
    let stored = storage
        .fingerprints(&[DocKind::Title, DocKind::Item, DocKind::Patron])
        .map_err(hub)?;
    let mut puts = Vec::new();
    for (kind, key) in stored.keys() {
        let put = match kind {
            // Local-content records are the hub's own, never the system's.
            DocKind::Title if crate::digital::is_local_key(key) => continue,
            DocKind::Title if !seen.titles.contains(key) => Put::of::<TitleDoc>(key, None),
            DocKind::Item if !seen.items.contains(key) => Put::of::<ItemDoc>(key, None),
            DocKind::Patron if !seen.members.contains(key) => Put::of::<PatronDoc>(key, None),
            _ => continue,
        };
        puts.push(put.map_err(hub)?);
    }
    if !puts.is_empty() {
        storage
            .write(&mut |tx| tx.put(&puts).map(|_| ()))
            .map_err(hub)?;
    }
    Ok(())
}

/// The ledger's entries under `prefix`, by the hold key after it.
pub fn ledger(storage: &dyn Storage, prefix: &str) -> Result<HashMap<String, IlsWrite>, IlsError> {
    Ok(storage
        .ils_writes(prefix)
        .map_err(hub)?
        .into_iter()
        .filter_map(|entry| Some((entry.source.strip_prefix(prefix)?.to_string(), entry)))
        .collect())
}

/// Stores the policy a system's rules make, for the stations to pull (an unchanged one takes
/// no revision).
pub fn store_policy(
    storage: &dyn Storage,
    policy: &swalayan_core::domain::Policy,
    system: &str,
) -> Result<(), IlsError> {
    policy
        .validate()
        .map_err(|e| IlsError::Database(format!("{system}'s loan rules make no policy: {e}")))?;
    let source = toml::to_string(policy)
        .map_err(|e| IlsError::Database(format!("the policy as TOML: {e}")))?;
    crate::catalog::put_policy(storage, &source).map_err(hub)
}

/// The import sink a read passes its records through: everything stored read first (a full
/// read), or only the records about to be passed (`keys`: titles, copies, members; a read of
/// what changed). The system's fines are the record (a payment at its desk lowers them), and
/// a PIN set at the hub stays unless the library wants no PINs.
pub fn sink_for<'a>(
    storage: &'a dyn Storage,
    mode: ReadMode<'_>,
    keys: [Vec<String>; 3],
    pins: super::PinSource,
) -> Result<crate::catalog::HubSink<'a>, IlsError> {
    let [titles, items, members] = keys;
    let mut sink = match mode {
        ReadMode::Full => crate::catalog::HubSink::new(storage),
        ReadMode::Since(_) => crate::catalog::HubSink::for_keys(
            storage,
            &[
                (DocKind::Title, titles),
                (DocKind::Item, items),
                (DocKind::Contact, members.clone()),
                (DocKind::Patron, members),
            ],
        ),
    }
    .map_err(hub)?;
    sink.take_fines_as_given();
    if pins != super::PinSource::None {
        sink.keep_pins_set_here();
    }
    Ok(sink)
}

/// The ids in `wanted` not among `have`, as an SQL list (`3,17`), or `None` when none is
/// missing: the titles of changed copies a read of what changed must fetch as well.
pub fn missing_ids(
    wanted: impl Iterator<Item = i64>,
    have: impl Iterator<Item = i64>,
) -> Option<String> {
    let mut wanted: std::collections::BTreeSet<i64> = wanted.collect();
    for id in have {
        wanted.remove(&id);
    }
    (!wanted.is_empty()).then(|| {
        wanted
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// How a system's catalogue and members are queried, for a read of what changed: each
/// query's text (to which a condition is added), the update-time column of each, and how a
/// title's id is named in the titles query.
pub struct CatalogueQueries<'a> {
    pub titles: &'a str,
    /// The titles query's id column (`b.biblio_id`, `cat.ID`).
    pub title_id: &'a str,
    pub items: &'a str,
    pub members: &'a str,
    /// The update-time columns of titles, copies and members.
    pub updated: [&'a str; 3],
    /// The condition picking the members with fines (read again when the fines moved).
    pub members_with_fines: &'a str,
}

/// How to read a title row's id, a copy row's title id and a member row's card.
pub type RowKeys<T, I, M> = (fn(&T) -> i64, fn(&I) -> i64, fn(&M) -> &str);

/// Titles, copies and members read.
pub type Changed<T, I, M> = (Vec<T>, Vec<I>, Vec<M>);

/// The rows of titles (`T`), copies (`I`) and members (`M`) changed since `since`: copies
/// and members by their update time, titles by theirs and those of the changed copies,
/// every member with fines when the fines' fingerprint moved (`fines_moved`).
pub fn changed_since<T, I, M>(
    conn: &mut mysql::Conn,
    queries: &CatalogueQueries<'_>,
    since: &ReadMarks,
    fines_moved: bool,
    keys: RowKeys<T, I, M>,
) -> Result<Changed<T, I, M>, IlsError>
where
    T: mysql::prelude::FromRow,
    I: mysql::prelude::FromRow,
    M: mysql::prelude::FromRow,
{
    let (title_id, item_title, member_card) = keys;
    let [title_time, item_time, member_time] = queries.updated;
    let items: Vec<I> = changed(conn, queries.items, "AND", item_time, since.item.as_deref())?;
    // The sink files a copy under its title: the titles of changed copies come too.
    let mut titles: Vec<T> = changed(
        conn,
        queries.titles,
        "WHERE",
        title_time,
        since.biblio.as_deref(),
    )?;
    if let Some(ids) = missing_ids(items.iter().map(item_title), titles.iter().map(title_id)) {
        titles.extend(rows::all::<T>(
            conn,
            &format!("{} WHERE {} IN ({ids})", queries.titles, queries.title_id),
        )?);
    }
    let mut members: Vec<M> = changed(
        conn,
        queries.members,
        "WHERE",
        member_time,
        since.member.as_deref(),
    )?;
    if fines_moved {
        let seen: HashSet<String> = members.iter().map(|m| member_card(m).to_string()).collect();
        members.extend(
            rows::all::<M>(
                conn,
                &format!("{} WHERE {}", queries.members, queries.members_with_fines),
            )?
            .into_iter()
            .filter(|m| !seen.contains(member_card(m))),
        );
    }
    Ok((titles, items, members))
}

/// A member's phone and e-mail as the system keeps them, in the hub's one form (a value that
/// cannot be one is left out: the system's data is not the patron's consent, nor refused).
/// The system says nothing of consent: what the patron chose at the hub stays.
pub fn system_contact(
    phone: Option<&str>,
    email: Option<&str>,
) -> Option<swalayan_core::contact::ContactRecord> {
    use swalayan_core::contact::{ContactRecord, check_email, normalise_phone};
    let phone = phone.and_then(|p| normalise_phone(p).ok());
    let email = email.and_then(|e| check_email(e).ok());
    (phone.is_some() || email.is_some()).then_some(ContactRecord {
        phone,
        email,
        notify: None,
    })
}
