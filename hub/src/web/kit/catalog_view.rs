//! What the public catalogue shows, in memory: titles (with their word index), their copies,
//! which copies are on loan until when, the live holds per title, the promotions and the
//! events (their counts of places taken; who registered is never loaded here), titles'
//! digital sides (covers, files, access; their text goes into the word index).
//!
//! Built once from the documents and brought up to date before each page from the change
//! feed (one indexed query when nothing changed): a search or a title page reads no table and
//! costs the same on SQLite and PostgreSQL. Patrons are never loaded here — nothing of a
//! patron but the card a hold or loan names is kept, and pages never show those.
//! Memory: about 300 bytes per title and copy (a 250,000-title library: ~150 MB).

use super::words::{Field, Indexed, WordIndex};
use crate::storage::{DocBody, DocKind, Result, Storage, Stored};
use jiff::civil::{Date, DateTime};
use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;
use swalayan_core::contract::documents::{
    DigitalDoc, EventDoc, HoldDoc, ItemDoc, LoanDoc, PromotionDoc, RosterDoc, StopDoc, TitleDoc,
};
use swalayan_core::domain::{HoldStatus, ItemStatus};

/// Changes read per query while catching up.
const PAGE: u32 = 5_000;

/// A title as the pages show it.
#[derive(Debug, Clone)]
pub struct TitleEntry {
    pub key: String,
    pub doc: TitleDoc,
}

/// A copy as the pages show it.
#[derive(Debug, Clone)]
pub struct Copy {
    pub barcode: String,
    pub doc: ItemDoc,
}

/// Where a copy is, for a patron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    OnShelf,
    OnLoan {
        due: Date,
    },
    /// On the hold shelf or on its way to a patron who reserved it.
    HeldForSomeone,
    /// Lost, missing, withdrawn, not for loan.
    NotAvailable,
}

/// A live hold, as queues are counted.
#[derive(Debug, Clone)]
pub struct LiveHold {
    pub id: String,
    pub doc: HoldDoc,
}

#[derive(Default)]
struct State {
    rev: i64,
    slots: Vec<Option<TitleEntry>>,
    slot_of: HashMap<String, u32>,
    index: WordIndex,
    copies: HashMap<String, BTreeMap<String, ItemDoc>>,
    title_of_copy: HashMap<String, String>,
    loans: HashMap<String, LoanDoc>,
    holds: HashMap<String, HoldDoc>,
    promotions: BTreeMap<String, PromotionDoc>,
    events: BTreeMap<String, EventDoc>,
    /// The catalogue revision each event last changed at (a calendar's SEQUENCE).
    event_revs: HashMap<String, i64>,
    /// Events staff withdrew, as they were (from their rosters, of which nothing else is
    /// kept here).
    withdrawn: BTreeMap<String, EventDoc>,
    /// Titles shown (slots not dead). Slot order is arrival order: the newest last.
    live_titles: usize,
    /// Titles' digital sides, by title key, without their PDFs' words (those are indexed).
    digital: HashMap<String, DigitalDoc>,
    /// What search finds a title's digital side by: its description and its PDFs' words.
    digital_text: HashMap<String, String>,
    /// The mobile library's stops, by id.
    stops: BTreeMap<String, StopDoc>,
}

/// The shared, refreshed view.
#[derive(Default)]
pub struct CatalogView {
    state: RwLock<State>,
    /// The newest acquisitions as of a revision (the home page and the feed ask often).
    newest: std::sync::Mutex<(i64, Vec<Dated>)>,
}

/// A title with its acquisition date, if the hub keeps one.
pub type Dated = (TitleEntry, Option<Date>);

/// New acquisitions worked out per revision (the feed's 50, the home page's few).
pub const NEWEST_KEPT: usize = 50;

/// One page of search results.
pub struct Found {
    pub total: usize,
    pub titles: Vec<TitleEntry>,
}

impl CatalogView {
    /// Reads every document the pages need.
    pub fn load(storage: &dyn Storage) -> Result<CatalogView> {
        let view = CatalogView::default();
        view.refresh(storage)?;
        Ok(view)
    }

    /// Applies the changes since the last refresh (nothing to do: one query).
    pub fn refresh(&self, storage: &dyn Storage) -> Result<()> {
        let current = storage.revision()?;
        if self.read().rev >= current {
            return Ok(());
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        loop {
            let changes = storage.changes(state.rev, PAGE)?;
            let Some(last) = changes.last().map(|c| c.rev) else {
                break;
            };
            for change in changes {
                if matches!(change.kind, DocKind::Event | DocKind::Roster) {
                    state.event_revs.insert(change.key.clone(), change.rev);
                }
                state.apply(change.kind, &change.key, change.body);
            }
            state.rev = last;
        }
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Titles matching `query` in `field`: those with the words in their title first, then by
    /// title; `skip` and `take` page through them.
    pub fn search(&self, query: &str, field: Field, skip: usize, take: usize) -> Found {
        let state = self.read();
        let terms = super::words::words(query);
        let mut scored: Vec<(usize, &TitleEntry)> = state
            .index
            .find(query, field)
            .into_iter()
            .filter_map(|slot| {
                let entry = state.slots.get(slot as usize)?.as_ref()?;
                let in_title = terms
                    .iter()
                    .filter(|t| state.index.in_title(slot, t))
                    .count();
                Some((terms.len() - in_title, entry))
            })
            .collect();
        let total = scored.len();
        let end = (skip + take).min(total);
        let order = |a: &(usize, &TitleEntry), b: &(usize, &TitleEntry)| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.doc.title.cmp(&b.1.doc.title))
        };
        if end < total && end > 0 {
            scored.select_nth_unstable_by(end - 1, order);
            scored.truncate(end);
        }
        scored.sort_by(order);
        Found {
            total,
            titles: scored
                .into_iter()
                .skip(skip)
                .take(take)
                .map(|(_, e)| e.clone())
                .collect(),
        }
    }

    pub fn title(&self, key: &str) -> Option<TitleEntry> {
        let state = self.read();
        let slot = *state.slot_of.get(key)?;
        state.slots.get(slot as usize)?.clone()
    }

    /// The newest acquisitions, newest first, with their dates: by a title's acquisition
    /// date ([`State::acquired`]), titles the hub holds no date for after the dated ones in
    /// the order the hub received them. At most [`NEWEST_KEPT`]; worked out once per catalogue
    /// revision.
    pub fn newest(&self, count: usize) -> Vec<(TitleEntry, Option<Date>)> {
        let rev = self.read().rev;
        let mut cache = self.newest.lock().unwrap_or_else(|p| p.into_inner());
        if cache.0 != rev || cache.1.is_empty() {
            let state = self.read();
            *cache = (state.rev, state.newest(NEWEST_KEPT));
        }
        cache.1.iter().take(count).cloned().collect()
    }

    /// When a title was acquired ([`State::acquired`]).
    pub fn acquired(&self, key: &str) -> Option<Date> {
        self.read().acquired(key)
    }

    /// A title's digital side (cover, files to read, who may), without its PDFs' words.
    pub fn digital(&self, key: &str) -> Option<DigitalDoc> {
        self.read().digital.get(key).cloned()
    }

    /// A title's cover, if staff gave it one.
    pub fn cover(&self, key: &str) -> Option<swalayan_core::contract::documents::Cover> {
        self.read().digital.get(key)?.cover.clone()
    }

    /// Every title's key (the sitemap).
    pub fn title_keys(&self) -> Vec<String> {
        let state = self.read();
        state
            .slots
            .iter()
            .flatten()
            .map(|t| t.key.clone())
            .collect()
    }

    pub fn title_count(&self) -> usize {
        self.read().live_titles
    }

    /// A title's copies with where each is, by barcode.
    pub fn copies(&self, title: &str) -> Vec<(Copy, Availability)> {
        let state = self.read();
        let Some(copies) = state.copies.get(title) else {
            return Vec::new();
        };
        // Copies a return set aside for a reservation (the hub keeps no shelf status).
        let set_aside: std::collections::HashSet<&str> = state
            .holds
            .values()
            .filter(|h| h.title == title)
            .filter(|h| matches!(h.status, HoldStatus::Ready | HoldStatus::InTransit))
            .filter_map(|h| h.set_aside.as_deref())
            .collect();
        copies
            .iter()
            .map(|(barcode, doc)| {
                let availability = match (state.loans.get(barcode), doc.status) {
                    (Some(loan), _) => Availability::OnLoan { due: loan.due },
                    (None, _) if set_aside.contains(barcode.as_str()) => {
                        Availability::HeldForSomeone
                    }
                    (None, ItemStatus::Available) => Availability::OnShelf,
                    (None, ItemStatus::OnLoan) => Availability::NotAvailable,
                    (None, ItemStatus::OnHoldShelf | ItemStatus::InTransit) => {
                        Availability::HeldForSomeone
                    }
                    (None, _) => Availability::NotAvailable,
                };
                (
                    Copy {
                        barcode: barcode.clone(),
                        doc: doc.clone(),
                    },
                    availability,
                )
            })
            .collect()
    }

    /// The live holds on a title, oldest first (the queue).
    pub fn queue(&self, title: &str) -> Vec<LiveHold> {
        let state = self.read();
        let mut queue: Vec<LiveHold> = state
            .holds
            .iter()
            .filter(|(_, h)| h.title == title)
            .map(|(id, doc)| LiveHold {
                id: id.clone(),
                doc: doc.clone(),
            })
            .collect();
        queue.sort_by(|a, b| a.doc.placed.cmp(&b.doc.placed).then(a.id.cmp(&b.id)));
        queue
    }

    /// A patron's loans (barcode, loan, the title's entry), soonest due first.
    pub fn loans_of(&self, card: &str) -> Vec<(String, LoanDoc, Option<TitleEntry>)> {
        let state = self.read();
        let mut loans: Vec<(String, LoanDoc, Option<TitleEntry>)> = state
            .loans
            .iter()
            .filter(|(_, loan)| loan.patron == card)
            .map(|(barcode, loan)| {
                let title = state
                    .title_of_copy
                    .get(barcode)
                    .and_then(|key| state.slot_of.get(key))
                    .and_then(|slot| state.slots.get(*slot as usize)?.clone());
                (barcode.clone(), loan.clone(), title)
            })
            .collect();
        loans.sort_by(|a, b| a.1.due.cmp(&b.1.due).then(a.0.cmp(&b.0)));
        loans
    }

    /// A patron's live holds with their title and their place among the title's waiting
    /// holds (1 = next; 0 when not waiting).
    pub fn holds_of(&self, card: &str) -> Vec<(LiveHold, Option<TitleEntry>, usize)> {
        let mine: Vec<LiveHold> = {
            let state = self.read();
            state
                .holds
                .iter()
                .filter(|(_, h)| h.patron == card)
                .map(|(id, doc)| LiveHold {
                    id: id.clone(),
                    doc: doc.clone(),
                })
                .collect()
        };
        let mut out: Vec<(LiveHold, Option<TitleEntry>, usize)> = mine
            .into_iter()
            .map(|hold| {
                let position = if hold.doc.status == HoldStatus::Waiting {
                    self.queue(&hold.doc.title)
                        .iter()
                        .filter(|h| h.doc.status == HoldStatus::Waiting)
                        .position(|h| h.id == hold.id)
                        .map_or(0, |p| p + 1)
                } else {
                    0
                };
                let title = self.title(&hold.doc.title);
                (hold, title, position)
            })
            .collect();
        out.sort_by(|a, b| a.0.doc.placed.cmp(&b.0.doc.placed));
        out
    }

    /// Promotions showing on `today` (the kiosks' idle screens show the same).
    pub fn promotions(&self, today: Date) -> Vec<PromotionDoc> {
        let state = self.read();
        state
            .promotions
            .values()
            .filter(|p| p.starts_on.is_none_or(|d| d <= today))
            .filter(|p| p.ends_on.is_none_or(|d| d >= today))
            .cloned()
            .collect()
    }
}

impl CatalogView {
    /// Events not yet over at `now` (the library's clock), soonest first.
    pub fn upcoming_events(&self, now: DateTime) -> Vec<(String, EventDoc)> {
        let state = self.read();
        let mut events: Vec<(String, EventDoc)> = state
            .events
            .iter()
            .filter(|(_, e)| e.ends > now)
            .map(|(id, e)| (id.clone(), e.clone()))
            .collect();
        events.sort_by(|a, b| a.1.starts.cmp(&b.1.starts).then(a.0.cmp(&b.0)));
        events
    }

    /// One event, past or coming.
    pub fn event(&self, id: &str) -> Option<EventDoc> {
        self.read().events.get(id).cloned()
    }

    /// Every event, and those withdrawn (`true`), with the revision each last changed at,
    /// soonest first (the calendar).
    pub fn events_with_revisions(&self) -> Vec<(String, EventDoc, i64, bool)> {
        let state = self.read();
        let rev = |id: &str| state.event_revs.get(id).copied().unwrap_or(0);
        let mut events: Vec<(String, EventDoc, i64, bool)> = state
            .events
            .iter()
            .map(|(id, e)| (id.clone(), e.clone(), rev(id), false))
            .chain(
                state
                    .withdrawn
                    .iter()
                    .filter(|(id, _)| !state.events.contains_key(*id))
                    .map(|(id, e)| (id.clone(), e.clone(), rev(id), true)),
            )
            .collect();
        events.sort_by(|a, b| a.1.starts.cmp(&b.1.starts).then(a.0.cmp(&b.0)));
        events
    }

    /// Whether the library has a mobile library's schedule (the site's footer links it).
    pub fn has_stops(&self) -> bool {
        !self.read().stops.is_empty()
    }

    /// The mobile library's stops (id, stop), by route, then weekday, then start.
    pub fn stops(&self) -> Vec<(String, StopDoc)> {
        let state = self.read();
        let mut stops: Vec<(String, StopDoc)> = state
            .stops
            .iter()
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect();
        stops.sort_by(|a, b| {
            (a.1.route.as_str(), weekday_number(&a.1.day), a.1.start).cmp(&(
                b.1.route.as_str(),
                weekday_number(&b.1.day),
                b.1.start,
            ))
        });
        stops
    }

    /// Every event's id, for the sitemap.
    pub fn event_ids(&self) -> Vec<String> {
        self.read().events.keys().cloned().collect()
    }
}

impl State {
    /// A title's acquisition date: its earliest copy's, else the day the hub first had the
    /// title; `None` when the hub keeps neither (documents from before it kept dates).
    fn acquired(&self, key: &str) -> Option<Date> {
        let copies = self
            .copies
            .get(key)
            .and_then(|copies| copies.values().filter_map(|c| c.acquired).min());
        copies.or_else(|| {
            let slot = *self.slot_of.get(key)?;
            self.slots.get(slot as usize)?.as_ref()?.doc.added
        })
    }

    /// The `count` newest acquisitions, dated first (newest first), then undated ones in
    /// reverse arrival order.
    fn newest(&self, count: usize) -> Vec<(TitleEntry, Option<Date>)> {
        let mut all: Vec<(Option<Date>, usize, &TitleEntry)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, entry)| {
                let entry = entry.as_ref()?;
                Some((self.acquired(&entry.key), slot, entry))
            })
            .collect();
        // Newest first: a date beats none, a later date an earlier, a later arrival an
        // earlier.
        let order = |a: &(Option<Date>, usize, &TitleEntry),
                     b: &(Option<Date>, usize, &TitleEntry)| {
            b.0.cmp(&a.0).then(b.1.cmp(&a.1))
        };
        if count > 0 && all.len() > count {
            all.select_nth_unstable_by(count - 1, order);
            all.truncate(count);
        }
        all.sort_by(order);
        all.into_iter()
            .map(|(date, _, entry)| (entry.clone(), date))
            .collect()
    }

    fn apply(&mut self, kind: DocKind, key: &str, body: Option<Stored>) {
        match kind {
            DocKind::Title => self.apply_title(key, body),
            DocKind::Item => self.apply_item(key, body),
            DocKind::Loan => apply_map(&mut self.loans, key, body),
            DocKind::Hold => {
                apply_map(&mut self.holds, key, body);
                if self.holds.get(key).is_some_and(|h| !h.status.is_live()) {
                    self.holds.remove(key);
                }
            }
            DocKind::Promotion => {
                match read(key, body) {
                    Some(doc) => self.promotions.insert(key.to_string(), doc),
                    None => self.promotions.remove(key),
                };
            }
            DocKind::Event => {
                match read(key, body) {
                    Some(doc) => self.events.insert(key.to_string(), doc),
                    None => self.events.remove(key),
                };
            }
            // Of a roster only a withdrawn event is kept: who registered never is.
            DocKind::Roster => {
                match read::<RosterDoc>(key, body).and_then(|r| r.withdrawn) {
                    Some(withdrawn) => self.withdrawn.insert(key.to_string(), withdrawn.event),
                    None => self.withdrawn.remove(key),
                };
            }
            DocKind::Digital => self.apply_digital(key, body),
            DocKind::Stop => {
                match read(key, body) {
                    Some(doc) => self.stops.insert(key.to_string(), doc),
                    None => self.stops.remove(key),
                };
            }
            DocKind::Patron | DocKind::Policy | DocKind::Contact | DocKind::CardRange => {}
        }
    }

    /// A title's digital side kept (words aside) and its text indexed: the title is indexed
    /// again with it (a new slot, as any changed title).
    fn apply_digital(&mut self, key: &str, body: Option<Stored>) {
        match read::<DigitalDoc>(key, body) {
            Some(mut doc) => {
                let text: Vec<&str> = doc
                    .description
                    .as_deref()
                    .into_iter()
                    .chain(doc.files.iter().map(|f| f.words.as_str()))
                    .filter(|t| !t.is_empty())
                    .collect();
                let text = text.join(" ");
                if text.is_empty() {
                    self.digital_text.remove(key);
                } else {
                    self.digital_text.insert(key.to_string(), text);
                }
                for file in &mut doc.files {
                    file.words = String::new();
                }
                self.digital.insert(key.to_string(), doc);
            }
            None => {
                self.digital.remove(key);
                self.digital_text.remove(key);
            }
        }
        if let Some(entry) = self
            .slot_of
            .get(key)
            .and_then(|s| self.slots.get(*s as usize)?.clone())
        {
            self.index_title(key, entry.doc);
        }
    }

    fn apply_title(&mut self, key: &str, body: Option<Stored>) {
        if let Some(old) = self.slot_of.remove(key) {
            self.slots[old as usize] = None;
            self.live_titles -= 1;
        }
        let Some(doc) = read::<TitleDoc>(key, body) else {
            // Deleted, or a document this hub cannot read: not shown (the stations' pull
            // reports unreadable documents; the page must not fail for one).
            return;
        };
        self.index_title(key, doc);
    }

    /// Gives a title a new slot with its words (its old slot, if any, already dead or
    /// killed here).
    fn index_title(&mut self, key: &str, doc: TitleDoc) {
        if let Some(old) = self.slot_of.remove(key) {
            self.slots[old as usize] = None;
            self.live_titles -= 1;
        }
        let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.index.add(
            slot,
            &Indexed {
                title: &doc.title,
                author: doc.author.as_deref(),
                subjects: &doc.subjects,
                isbn: doc.isbn.as_deref(),
                text: self.digital_text.get(key).map(String::as_str),
            },
        );
        self.slots.push(Some(TitleEntry {
            key: key.to_string(),
            doc,
        }));
        self.slot_of.insert(key.to_string(), slot);
        self.live_titles += 1;
    }

    fn apply_item(&mut self, barcode: &str, body: Option<Stored>) {
        if let Some(title) = self.title_of_copy.remove(barcode)
            && let Some(copies) = self.copies.get_mut(&title)
        {
            copies.remove(barcode);
        }
        let Some(doc) = read::<ItemDoc>(barcode, body) else {
            return;
        };
        self.title_of_copy
            .insert(barcode.to_string(), doc.title.clone());
        self.copies
            .entry(doc.title.clone())
            .or_default()
            .insert(barcode.to_string(), doc);
    }
}

/// `monday` → 0 … `sunday` → 6 (unknown days last).
pub fn weekday_number(day: &str) -> u8 {
    crate::routes::WEEKDAYS
        .iter()
        .position(|d| *d == day)
        .map_or(7, |n| n as u8)
}

/// A changed document read as its type; `None` when deleted, or unreadable (the view shows
/// what it can read; the stations and the log say the rest).
fn read<D: DocBody>(key: &str, body: Option<Stored>) -> Option<D> {
    body?.read(key).ok()
}

/// Keeps `map[key]` equal to the document (removed when deleted or unreadable).
fn apply_map<D: DocBody>(map: &mut HashMap<String, D>, key: &str, body: Option<Stored>) {
    match read(key, body) {
        Some(doc) => map.insert(key.to_string(), doc),
        None => map.remove(key),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{self, Put};
    use serde_json::json;

    /// Writes a document given as its JSON (read as `D`), or deletes it.
    fn put<D: DocBody>(storage: &dyn Storage, key: &str, body: Option<serde_json::Value>) {
        let doc: Option<D> = body.map(|b| serde_json::from_value(b).unwrap());
        storage
            .write(&mut |tx| {
                tx.put(&[Put::of(key, doc.as_ref())?])?;
                Ok(())
            })
            .unwrap();
    }

    fn titles(view: &CatalogView, query: &str) -> Vec<String> {
        view.search(query, Field::All, 0, 10)
            .titles
            .into_iter()
            .map(|t| t.doc.title)
            .collect()
    }

    /// Changes after the first load reach the view: a renamed title is found by its new
    /// words only, a deleted one not at all, a loan and its return show and go.
    #[test]
    fn the_view_follows_the_change_feed() {
        let dir = tempfile::tempdir().unwrap();
        let storage = storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
        let s = storage.as_ref();
        put::<TitleDoc>(s, "t1", Some(json!({"title": "Laskar Pelangi"})));
        put::<TitleDoc>(s, "t2", Some(json!({"title": "Bumi Manusia"})));
        let item = json!({"title": "t1", "item_type": "book", "status": "available", "parts": 1, "branch": "pusat"});
        put::<ItemDoc>(s, "B1", Some(item));
        let view = CatalogView::load(s).unwrap();
        assert_eq!(titles(&view, "laskar"), ["Laskar Pelangi"]);
        assert_eq!(view.copies("t1")[0].1, Availability::OnShelf);

        put::<TitleDoc>(s, "t1", Some(json!({"title": "Sang Pemimpi"})));
        put::<TitleDoc>(s, "t2", None);
        let loan = json!({"patron": "P1", "issued": "2026-12-01T03:00:00Z", "due": "2026-12-15", "station": "k1"});
        put::<LoanDoc>(s, "B1", Some(loan));
        view.refresh(s).unwrap();
        assert!(titles(&view, "laskar").is_empty(), "the old words are gone");
        assert_eq!(titles(&view, "pemimpi"), ["Sang Pemimpi"]);
        assert!(titles(&view, "bumi").is_empty() && view.title("t2").is_none());
        assert_eq!(view.title_count(), 1);
        assert_eq!(
            view.copies("t1")[0].1,
            Availability::OnLoan {
                due: jiff::civil::date(2026, 12, 15)
            }
        );
        put::<LoanDoc>(s, "B1", None);
        view.refresh(s).unwrap();
        assert_eq!(view.copies("t1")[0].1, Availability::OnShelf);
    }
}
