//! The central catalog: imports through the station's own importers (the hub is one more
//! [`ImportSink`]), the policy, holds placed centrally, promotions.

use crate::storage::{DocBody, DocKind, HubError, Put, Result, Storage, Stored, Tx};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use swalayan_core::circulation::rules::{HoldFacts, decide_hold};
use swalayan_core::contract::documents::{
    Consent, ContactDoc, HoldDoc, ItemDoc, LoanDoc, POLICY_KEY, PatronDoc, PolicyDoc, TitleDoc,
};
use swalayan_core::domain::{DEFAULT_TIME_ZONE, HoldStatus, Item, ItemStatus, Policy};
use swalayan_core::import::{
    Applied, ImportError, ImportSink, ItemRecord, PatronRecord, TitleRecord, policy::parse_policy,
};
use uuid::Uuid;

/// Records per write transaction during an import.
const BATCH: usize = 5000;

/// A patron's contacts after a record brought `given` (issue #30): its phone and e-mail
/// replace what was kept; its channel, when it names one, is the patron's consent given now
/// at registration (`import`) — kept with its first time while it stays the same channel,
/// withdrawn by `none`; a record that names none (a library system's member) leaves the
/// patron's choice as it was.
pub fn merge_contact(
    old: Option<ContactDoc>,
    given: &swalayan_core::contact::ContactRecord,
    now: jiff::Timestamp,
) -> ContactDoc {
    use swalayan_core::contact::Notify;
    let (old_notify, old_consent, old_phone, old_email, muted, lang) = match old {
        Some(old) => (
            old.notify,
            old.consent,
            old.phone,
            old.email,
            old.muted,
            old.lang,
        ),
        None => (Notify::None, None, None, None, Vec::new(), None),
    };
    let (notify, consent) = match given.notify {
        None => (old_notify, old_consent),
        Some(notify) if notify == old_notify => (notify, old_consent),
        Some(Notify::None) => (Notify::None, None),
        Some(notify) => (
            notify,
            Some(Consent {
                at: crate::storage::instant_text(now),
                via: "import".to_string(),
            }),
        ),
    };
    ContactDoc {
        phone: given.phone.clone().or(old_phone),
        email: given.email.clone().or(old_email),
        notify,
        consent,
        muted,
        lang,
    }
}

/// Today by this machine's clock and zone (the hub runs where the library is): the date a
/// title or copy new to the hub is given.
fn first_seen_today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::system())
        .date()
}

/// The hub's database as an import sink. It reads what is stored once up front, so it can
/// tell new from changed from unchanged without a round trip per record, and writes in
/// batches; an unchanged record takes no revision (stations pull nothing for it).
pub struct HubSink<'a> {
    storage: &'a dyn Storage,
    stored: HashMap<(DocKind, String), String>,
    /// Items with an open loan, for contradictions ("lost" while on loan).
    on_loan: std::collections::HashSet<String>,
    /// Title keys by the id handed to the importer.
    titles: Vec<String>,
    title_ids: HashMap<String, i64>,
    pending: Vec<Put>,
    /// Whether a patron's fines are the record's (a library system's), not a floor.
    fines_as_given: bool,
    /// Whether a PIN set at the hub (argon2) outlives the records' (a library system's).
    keep_hub_pins: bool,
}

impl<'a> HubSink<'a> {
    /// Patrons' fines as the records give them, lower ones too: for a library system that
    /// keeps the fines (a payment at its desk lowers them), not a file that only knows
    /// what was owed when it was written.
    pub fn take_fines_as_given(&mut self) {
        self.fines_as_given = true;
    }

    /// A PIN set at the hub (`patron pin`, the web account: argon2) stays whatever the
    /// records say: for a library system read again and again, whose members have no PIN or
    /// one that cannot be typed on a keypad.
    pub fn keep_pins_set_here(&mut self) {
        self.keep_hub_pins = true;
    }

    pub fn new(storage: &'a dyn Storage) -> Result<HubSink<'a>> {
        let stored = storage.fingerprints(&[
            DocKind::Title,
            DocKind::Item,
            DocKind::Patron,
            DocKind::Contact,
        ])?;
        HubSink::with_stored(storage, stored)
    }

    /// A sink that will be given only the records with these keys (of each kind): it reads
    /// just those from the hub, not the whole catalogue (a library system's few changes).
    pub fn for_keys(
        storage: &'a dyn Storage,
        keys: &[(DocKind, Vec<String>)],
    ) -> Result<HubSink<'a>> {
        let mut stored = HashMap::new();
        storage.write(&mut |tx| {
            for (kind, keys) in keys {
                for (key, body) in tx.get(*kind, keys)? {
                    stored.insert((*kind, key), body.text());
                }
            }
            Ok(())
        })?;
        HubSink::with_stored(storage, stored)
    }

    fn with_stored(
        storage: &'a dyn Storage,
        stored: HashMap<(DocKind, String), String>,
    ) -> Result<HubSink<'a>> {
        let on_loan = storage
            .all::<LoanDoc>()?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        Ok(HubSink {
            storage,
            stored,
            on_loan,
            titles: Vec::new(),
            title_ids: HashMap::new(),
            pending: Vec::new(),
            fines_as_given: false,
            keep_hub_pins: false,
        })
    }

    /// The document stored under `key` before this import, if any.
    fn old<D: DocBody>(&self, key: &str) -> Option<D> {
        let text = self.stored.get(&(D::KIND, key.to_string()))?;
        serde_json::from_str(text).ok()
    }

    fn stage<D: DocBody>(&mut self, key: &str, doc: &D) -> Result<Applied, ImportError> {
        let put = Put::doc(key, doc).map_err(|e| ImportError::sink(e.to_string()))?;
        let text = put.body.as_ref().map(Stored::text).unwrap_or_default();
        let id = (D::KIND, key.to_string());
        let applied = match self.stored.get(&id) {
            Some(old) if *old == text => return Ok(Applied::Unchanged),
            Some(_) => Applied::Updated,
            None => Applied::Inserted,
        };
        self.stored.insert(id, text);
        self.pending.push(put);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(applied)
    }
}

impl ImportSink for HubSink<'_> {
    fn title(&mut self, record: &TitleRecord) -> Result<(i64, Applied), ImportError> {
        let id = match self.title_ids.get(&record.key) {
            Some(id) => *id,
            None => {
                self.titles.push(record.key.clone());
                let id = self.titles.len() as i64 - 1;
                self.title_ids.insert(record.key.clone(), id);
                id
            }
        };
        let mut doc = TitleDoc::from_record(record);
        // The day the hub first had it stays; a title new to the hub is dated today.
        // The day the hub first had it stays, and the count of its digital side's changes;
        // a title new to the hub is dated today.
        (doc.added, doc.digital_changes) = match self.old::<TitleDoc>(&record.key) {
            Some(old) => (old.added, old.digital_changes),
            None => (Some(first_seen_today()), 0),
        };
        let applied = self.stage(&record.key, &doc)?;
        Ok((id, applied))
    }

    fn item(&mut self, title_id: i64, record: &ItemRecord) -> Result<Applied, ImportError> {
        let title = self
            .titles
            .get(title_id as usize)
            .cloned()
            .ok_or_else(|| ImportError::sink(format!("no title #{title_id} in this import")))?;
        let blocks_lending = matches!(
            record.status,
            ItemStatus::Lost | ItemStatus::Missing | ItemStatus::Withdrawn
        );
        if blocks_lending && self.on_loan.contains(&record.barcode) {
            return Ok(Applied::Contradiction(format!(
                "item {} is on loan centrally; marked {:?} in the file, not applied",
                record.barcode, record.status
            )));
        }
        let mut doc = ItemDoc::from_record(&title, record);
        // The record's date, else the one kept, else (a copy new to the hub) today.
        doc.acquired = match (record.acquired, self.old::<ItemDoc>(&record.barcode)) {
            (Some(date), _) => Some(date),
            (None, Some(old)) => old.acquired,
            (None, None) => Some(first_seen_today()),
        };
        self.stage(&record.barcode, &doc)
    }

    fn patron(&mut self, record: &PatronRecord) -> Result<Applied, ImportError> {
        let mut doc = PatronDoc::from_record(record);
        // Fines the stations charged since the last import stay: the import sets the floor.
        if let Some(old) = self.stored.get(&(DocKind::Patron, record.card.clone()))
            && let Ok(old) = serde_json::from_str::<PatronDoc>(old)
        {
            if !self.fines_as_given {
                doc.fines = doc.fines.max(old.fines);
            }
            if self.keep_hub_pins
                && let Some(set_here) = old
                    .pin_hash
                    .as_deref()
                    .filter(|hash| swalayan_core::circulation::pin::is_pin_hash(hash))
            {
                doc.pin_hash = Some(set_here.to_string());
            }
            // A re-import is no way around a lockout.
            doc.pin_failures = old.pin_failures;
            doc.pin_locked_until = old.pin_locked_until;
            // A file without the columns does not forget when a member joined or where
            // they live.
            doc.joined = doc.joined.or(old.joined);
            doc.kelurahan = doc.kelurahan.or(old.kelurahan);
        }
        let applied = self.stage(&record.card, &doc)?;
        if let Some(contact) = &record.contact {
            let old = self
                .stored
                .get(&(DocKind::Contact, record.card.clone()))
                .and_then(|text| serde_json::from_str::<ContactDoc>(text).ok());
            let merged = merge_contact(old, contact, jiff::Timestamp::now());
            self.stage(&record.card, &merged)?;
        }
        Ok(applied)
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let puts = std::mem::take(&mut self.pending);
        self.storage
            .write(&mut |tx| tx.put(&puts).map(|_| ()))
            .map_err(|e| ImportError::sink(e.to_string()))
    }
}

/// The policy stations use; seeded with the station's default on first use of a database.
pub fn policy(storage: &dyn Storage) -> Result<Policy> {
    let docs = storage.all::<PolicyDoc>()?;
    match docs.into_iter().find(|(k, _)| k == POLICY_KEY) {
        Some((_, doc)) => parse_policy(Path::new("hub policy"), &doc.source)
            .map_err(|e| HubError::Corrupt(e.to_string())),
        None => {
            ensure_policy(storage)?;
            Ok(Policy::default_policy())
        }
    }
}

/// Stores the default policy if the database has none yet.
pub fn ensure_policy(storage: &dyn Storage) -> Result<()> {
    if storage.all::<PolicyDoc>()?.is_empty() {
        put_policy(storage, swalayan_core::domain::policy::DEFAULT_POLICY_TOML)?;
    }
    Ok(())
}

pub(crate) fn put_policy(storage: &dyn Storage, source: &str) -> Result<()> {
    let policy = PolicyDoc {
        source: source.to_string(),
    };
    storage.write(&mut |tx| tx.put_doc(POLICY_KEY, Some(&policy)).map(|_| ()))
}

/// Reads, validates and stores a policy for every station; refuses one that drops codes
/// items or patrons still use.
pub fn import_policy(storage: &dyn Storage, path: &Path) -> Result<Policy, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let policy = parse_policy(path, &text)?;
    let sink_error = |e: HubError| ImportError::sink(e.to_string());
    // The codes the stored copies and members use, each with the codes the policy keeps.
    let item_types: Vec<&String> = policy.item_types.keys().collect();
    let categories: Vec<&String> = policy.categories.keys().collect();
    let copies = storage.all::<ItemDoc>().map_err(sink_error)?;
    let members = storage.all::<PatronDoc>().map_err(sink_error)?;
    let in_use = copies
        .iter()
        .map(|(_, copy)| (&copy.item_type, &item_types))
        .chain(
            members
                .iter()
                .map(|(_, patron)| (&patron.category, &categories)),
        );
    let mut missing = Vec::new();
    for (code, known) in in_use {
        if !known.contains(&code) && !missing.contains(code) {
            missing.push(code.clone());
        }
    }
    if !missing.is_empty() {
        missing.sort();
        return Err(ImportError::Format {
            path: path.to_path_buf(),
            message: format!(
                "the policy drops codes still in use: {}; keep them or re-import those records first",
                missing.join(", ")
            ),
        });
    }
    put_policy(storage, &text).map_err(sink_error)?;
    Ok(policy)
}

/// A hold as listed: its id and document.
#[derive(Debug, Clone, Serialize)]
pub struct HoldEntry {
    pub id: String,
    #[serde(flatten)]
    pub hold: HoldDoc,
}

/// What a central hold is for.
#[derive(Debug, Clone)]
pub enum HoldTarget {
    /// Any copy of a title (its key).
    Title(String),
    /// One copy (barcode).
    Item(String),
}

/// Places a hold centrally (staff command or web OPAC); stations hear of it on their next
/// pull. Whether the patron may is decided by the same rule the kiosks use
/// (`rules::decide_hold`): blocks, expiry, fines, a hold already placed, a copy already on
/// loan to them, a title with no copy the policy lends.
///
/// The pickup branch must be one the library has: `branches` (its `[library] branches`), or
/// when that is empty, one its copies name.
pub fn place_hold(
    storage: &dyn Storage,
    patron: &str,
    target: &HoldTarget,
    pickup_branch: &str,
    branches: &[String],
    now: Timestamp,
) -> Result<HoldEntry> {
    check_pickup_branch(storage, branches, pickup_branch)?;
    let policy = policy(storage)?;
    let today = now.to_zoned_datetime(library_time_zone()).date();
    let title_key = match target {
        HoldTarget::Title(key) => key.clone(),
        HoldTarget::Item(barcode) => {
            storage
                .one::<ItemDoc>(barcode)?
                .ok_or_else(|| HubError::NotFound(format!("no item with barcode {barcode}")))?
                .title
        }
    };
    // The title's copies and the patron's live holds: read before the write (a title's
    // copies change only by import; a hold placed meanwhile is caught at the stations).
    let copies: Vec<(String, ItemDoc)> = storage
        .items_of_title(&title_key)?
        .into_iter()
        .map(|(barcode, body)| Ok((barcode.clone(), body.read(&barcode)?)))
        .collect::<Result<_>>()?;
    let held = list_holds(storage, Some(patron), false)?;
    let id = Uuid::now_v7().to_string();
    let mut entry = None;
    storage.write(&mut |tx| {
        let Some(patron_doc) = tx.doc::<PatronDoc>(patron)? else {
            return Err(HubError::NotFound(format!("no patron with card {patron}")));
        };
        if let HoldTarget::Title(key) = target
            && tx.doc::<TitleDoc>(key)?.is_none()
        {
            return Err(HubError::NotFound(format!("no title with key {key}")));
        }
        let asked: Vec<&(String, ItemDoc)> = match target {
            HoldTarget::Title(_) => copies.iter().collect(),
            HoldTarget::Item(barcode) => copies.iter().filter(|(b, _)| b == barcode).collect(),
        };
        let barcodes: Vec<String> = asked.iter().map(|(b, _)| b.clone()).collect();
        let loans: HashMap<String, LoanDoc> = tx.docs(&barcodes)?;
        let lent_to = |barcode: &str| loans.get(barcode).map(|loan| loan.patron.as_str());
        let items: Vec<Item> = asked
            .iter()
            .map(|(barcode, doc)| doc.to_item(barcode, loans.contains_key(barcode)))
            .collect();
        let item = match target {
            HoldTarget::Item(barcode) => Some(barcode.clone()),
            HoldTarget::Title(_) => None,
        };
        let facts = HoldFacts {
            patron: &patron_doc.to_patron(patron),
            copies: &items,
            already_held: held
                .iter()
                .any(|h| h.hold.title == title_key && (item.is_none() || h.hold.item == item)),
            has_copy_on_loan: barcodes.iter().any(|b| lent_to(b) == Some(patron)),
            today,
            policy: &policy,
        };
        decide_hold(&facts).map_err(HubError::Refused)?;
        let hold = HoldDoc {
            patron: patron.to_string(),
            title: title_key.clone(),
            item: item.clone(),
            pickup_branch: pickup_branch.to_string(),
            placed: now.to_string(),
            status: HoldStatus::Waiting,
            origin: "hub".into(),
            set_aside: None,
            ready_until: None,
        };
        put_hold(tx, &id, &hold)?;
        entry = Some(HoldEntry {
            id: id.clone(),
            hold,
        });
        Ok(())
    })?;
    entry.ok_or_else(|| HubError::Corrupt("hold not placed".into()))
}

/// Refuses a pickup branch the library does not have.
fn check_pickup_branch(storage: &dyn Storage, branches: &[String], branch: &str) -> Result<()> {
    let known = if branches.is_empty() {
        storage.item_branches()?
    } else {
        branches.to_vec()
    };
    if known.iter().any(|b| b == branch) {
        return Ok(());
    }
    Err(HubError::UnknownBranch {
        branch: branch.to_string(),
        known: known.join(", "),
    })
}

/// The library's time zone for "today" in the rules (a hub setting comes with the web pages).
fn library_time_zone() -> jiff::tz::TimeZone {
    jiff::tz::db()
        .get(DEFAULT_TIME_ZONE)
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

fn put_hold(tx: &mut dyn Tx, id: &str, hold: &HoldDoc) -> Result<()> {
    tx.put_doc(id, Some(hold)).map(|_| ())
}

/// Holds, newest change last; `all` includes fulfilled, cancelled and expired ones.
pub fn list_holds(
    storage: &dyn Storage,
    patron: Option<&str>,
    all: bool,
) -> Result<Vec<HoldEntry>> {
    let mut out = Vec::new();
    for (id, hold) in storage.all::<HoldDoc>()? {
        let live = hold.status.is_live();
        if (all || live) && patron.is_none_or(|p| p == hold.patron) {
            out.push(HoldEntry { id, hold });
        }
    }
    Ok(out)
}

/// Cancels a live hold; stations hear of it on their next pull. With `only_for`, only a hold
/// of that patron (a patron acting for themselves); without, any (staff).
pub fn cancel_hold(storage: &dyn Storage, id: &str, only_for: Option<&str>) -> Result<HoldEntry> {
    let mut entry = None;
    storage.write(&mut |tx| {
        let Some(mut hold) = tx.doc::<HoldDoc>(id)? else {
            return Err(HubError::NotFound(format!("no hold {id}")));
        };
        if only_for.is_some_and(|card| card != hold.patron) {
            return Err(HubError::Forbidden(
                "a patron may cancel only their own holds".into(),
            ));
        }
        if !hold.status.is_live() {
            return Err(HubError::Invalid(format!(
                "hold {id} is {} already",
                hold.status.code()
            )));
        }
        hold.status = HoldStatus::Cancelled;
        put_hold(tx, id, &hold)?;
        entry = Some(HoldEntry {
            id: id.to_string(),
            hold,
        });
        Ok(())
    })?;
    entry.ok_or_else(|| HubError::Corrupt("hold not cancelled".into()))
}

#[cfg(test)]
mod contact_tests {
    use super::*;
    use crate::storage::Storage;
    use crate::storage::sqlite::SqliteStorage;
    use swalayan_core::contact::{ContactRecord, Notify};
    use swalayan_core::import::csv::{ImportContext, import_patrons};

    fn import(storage: &SqliteStorage, dir: &std::path::Path, csv: &str) -> Vec<String> {
        let path = dir.join("patrons.csv");
        std::fs::write(&path, csv).unwrap();
        let policy = Policy::default_policy();
        let ctx = ImportContext {
            policy: &policy,
            default_branch: "pusat",
        };
        let summary = import_patrons(&path, &ctx, &mut HubSink::new(storage).unwrap()).unwrap();
        summary
            .errors
            .iter()
            .map(|s| format!("{}: {}", s.at, s.reason))
            .collect()
    }

    /// Contacts from a patrons CSV: kept apart from the patron document, in one form, the
    /// consent with its first time; bad rows refused with their line; `none` withdraws.
    #[test]
    fn csv_contacts_are_kept_apart_with_their_consent() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("hub.db")).unwrap();
        let skipped = import(
            &storage,
            dir.path(),
            "card,name,category,expires,phone,email,notify\n\
             P1,Siti,adult,2030-01-31,0812-3456-7890,siti@example.org,whatsapp\n\
             P2,Budi,adult,2030-01-31,12,,\n\
             P3,Ayu,adult,2030-01-31,,,email\n",
        );
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(
            skipped[0].contains(":3") && skipped[0].contains("phone '12'"),
            "{skipped:?}"
        );
        assert!(
            skipped[1].contains(":4") && skipped[1].contains("e-mail address"),
            "{skipped:?}"
        );
        let contact: ContactDoc = (&storage as &dyn Storage).one("P1").unwrap().unwrap();
        assert_eq!(contact.phone.as_deref(), Some("+6281234567890"));
        assert_eq!(contact.notify, Notify::Whatsapp);
        let consent = contact.consent.clone().unwrap();
        assert_eq!(consent.via, "import");
        let patron: PatronDoc = (&storage as &dyn Storage).one("P1").unwrap().unwrap();
        let patron_json = serde_json::to_string(&patron).unwrap();
        assert!(
            !patron_json.contains("3456"),
            "no contact in the patron: {patron_json}"
        );

        // The same file again: the consent keeps its first time.
        import(
            &storage,
            dir.path(),
            "card,name,category,expires,phone,email,notify\n\
             P1,Siti,adult,2030-01-31,0812-3456-7890,siti@example.org,whatsapp\n",
        );
        let again: ContactDoc = (&storage as &dyn Storage).one("P1").unwrap().unwrap();
        assert_eq!(again.consent, Some(consent));
        // `none` withdraws it.
        import(
            &storage,
            dir.path(),
            "card,name,category,expires,notify\nP1,Siti,adult,2030-01-31,none\n",
        );
        let withdrawn: ContactDoc = (&storage as &dyn Storage).one("P1").unwrap().unwrap();
        assert_eq!((withdrawn.notify, withdrawn.consent), (Notify::None, None));
        assert_eq!(withdrawn.phone.as_deref(), Some("+6281234567890"));
    }

    /// A library system's member brings a number but says nothing of consent: the patron's
    /// choice stays.
    #[test]
    fn a_system_record_keeps_the_patrons_choice() {
        let chosen = ContactDoc {
            phone: Some("+6281111111111".into()),
            email: None,
            notify: Notify::Sms,
            consent: Some(Consent {
                at: "2026-12-01T00:00:00Z".into(),
                via: "web".into(),
            }),
            muted: Vec::new(),
            lang: None,
        };
        let from_system = ContactRecord {
            phone: Some("+6282222222222".into()),
            email: Some("a@example.org".into()),
            notify: None,
        };
        let merged = merge_contact(Some(chosen.clone()), &from_system, jiff::Timestamp::now());
        assert_eq!(merged.notify, Notify::Sms);
        assert_eq!(merged.consent, chosen.consent);
        assert_eq!(merged.phone.as_deref(), Some("+6282222222222"));
    }
}
