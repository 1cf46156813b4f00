//! Events and literacy programmes: published by staff (`swalayan-hub events add`), shown on
//! the web and the kiosks' idle screens (an `event` document every kiosk pulls), with
//! registration, a capacity and a waiting list.
//!
//! Who registered lives in the event's `roster` document, which no station role pulls; the
//! event document carries only the counts. Registering and cancelling read and write both in
//! one serialised storage transaction, so two people taking the last place at once get one
//! place and one waiting-list spot, on either backend.
//!
//! Attendance is kept on the roster too: a member scans their card at a kiosk on the event's
//! banner (an `attend` transaction the ledger applies with [`check_in`]), or staff tick the
//! list on the event's page ([`attend`]); someone who came without registering is a walk-in.

use crate::storage::{HubError, Result, Storage, Tx};
use jiff::Timestamp;
use jiff::civil::DateTime;
use std::collections::HashMap;
use swalayan_core::contract::documents::{EventDoc, PatronDoc, Registration, RosterDoc};
use uuid::Uuid;

/// An event as staff describe it.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub title: String,
    pub starts: DateTime,
    pub ends: DateTime,
    pub place: Option<String>,
    pub description: Option<String>,
    pub capacity: Option<u32>,
    /// In English, when written (English pages and screens fall back to Indonesian).
    pub title_en: Option<String>,
    pub description_en: Option<String>,
    /// The kiosks whose welcome screen shows it; every kiosk when empty.
    pub stations: Vec<String>,
}

impl NewEvent {
    /// An event as staff described it, checked: a title, an end after the start, a
    /// capacity of at least one place.
    fn checked(&self) -> Result<EventDoc> {
        if self.title.trim().is_empty() {
            return Err(HubError::Invalid("an event needs a title".into()));
        }
        if self.ends <= self.starts {
            return Err(HubError::Invalid(format!(
                "the event ends ({}) before it starts ({})",
                self.ends, self.starts
            )));
        }
        if self.capacity == Some(0) {
            return Err(HubError::Invalid(
                "a capacity of 0 leaves no place: leave --capacity out for no limit".into(),
            ));
        }
        let mut stations: Vec<String> = self
            .stations
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        stations.sort();
        stations.dedup();
        Ok(EventDoc {
            title: self.title.trim().to_string(),
            starts: self.starts,
            ends: self.ends,
            place: clean(self.place.as_deref()),
            description: clean(self.description.as_deref()),
            capacity: self.capacity,
            registered: 0,
            waiting: 0,
            title_en: clean(self.title_en.as_deref()),
            description_en: clean(self.description_en.as_deref()),
            stations,
        })
    }
}

/// Who registers.
#[derive(Debug, Clone)]
pub enum Registrant {
    /// A member, signed in with card and PIN.
    Member { card: String },
    /// Someone without a card, where the library allows it.
    Guest { name: String, phone: String },
}

/// Where a registrant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Holds a place.
    Confirmed,
    /// Waits; 1 is next in line.
    Waiting(usize),
}

/// Why a registration was not taken (the page says it in the reader's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such event (or withdrawn).
    NoEvent,
    /// It has begun or is over.
    Closed,
    /// The card is not the library's.
    UnknownCard,
    /// The phone number has too few or too many digits, or the name is empty.
    BadGuest,
    /// The event is full and so is its waiting list (`[events] waiting_list_factor` times
    /// its places).
    WaitingListFull,
}

/// A phone number as kept: its digits, with the leading `+` if written; `None` unless it has
/// 8 to 15 digits and nothing but digits, spaces, dashes, dots and brackets besides.
pub fn normalise_phone(text: &str) -> Option<String> {
    let text = text.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", text),
    };
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (8..=15)
        .contains(&digits.len())
        .then(|| format!("{plus}{digits}"))
}

/// Publishes an event to the web and every kiosk; returns its id.
pub fn add(storage: &dyn Storage, event: &NewEvent) -> Result<String> {
    let doc = event.checked()?;
    let id = Uuid::now_v7().to_string();
    storage.write(&mut |tx| tx.put_doc(&id, Some(&doc)).map(|_| ()))?;
    Ok(id)
}

/// Changes an event's description, times, place or capacity; who registered stays. A larger
/// capacity gives the new places to the first in line; a capacity below the places already
/// taken is refused (tell people first, then cancel their places).
pub fn update(storage: &dyn Storage, id: &str, event: &NewEvent) -> Result<()> {
    let mut doc = event.checked()?;
    let mut outcome = Err(HubError::NotFound(format!("no event {id}")));
    storage.write(&mut |tx| {
        outcome = Err(HubError::NotFound(format!("no event {id}")));
        if self::event(tx, id)?.is_none() {
            return Ok(());
        }
        let mut roster = roster(tx, id)?.unwrap_or_default();
        if let Some(capacity) = doc.capacity {
            let taken = roster.confirmed.len();
            if taken > capacity as usize {
                outcome = Err(HubError::Invalid(format!(
                    "{taken} people hold places: a capacity of {capacity} would leave some without one"
                )));
                return Ok(());
            }
            while roster.confirmed.len() < capacity as usize && !roster.waiting.is_empty() {
                let next = roster.waiting.remove(0);
                roster.confirmed.push(promoted(next));
            }
        } else {
            let waiting = std::mem::take(&mut roster.waiting);
            roster.confirmed.extend(waiting.into_iter().map(promoted));
        }
        outcome = Ok(());
        save(tx, id, &mut doc, &roster)
    })?;
    outcome
}

fn clean(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Withdraws an event from the web and the kiosks; returns how many had registered (their
/// roster stays at the hub, for staff to tell them: `events registrations ID`).
pub fn remove(storage: &dyn Storage, id: &str) -> Result<usize> {
    let mut people = None;
    storage.write(&mut |tx| {
        people = None;
        // Only a live event: a second remove is "no such event" on either backend.
        let Some(withdrawn) = event(tx, id)? else {
            return Ok(());
        };
        let mut kept = roster(tx, id)?.unwrap_or_default();
        people = Some(kept.confirmed.len() + kept.waiting.len());
        // The roster keeps the event as it was: calendars are told it is cancelled.
        kept.withdrawn = Some(swalayan_core::contract::documents::Withdrawn {
            event: withdrawn,
            at: jiff::Timestamp::now(),
        });
        tx.put_doc(id, Some(&kept))?;
        tx.put_doc::<EventDoc>(id, None).map(|_| ())
    })?;
    people.ok_or_else(|| HubError::NotFound(format!("no event {id}")))
}

/// Every published event, soonest first.
pub fn list(storage: &dyn Storage) -> Result<Vec<(String, EventDoc)>> {
    let mut events = storage.all::<EventDoc>()?;
    events.sort_by(|a, b| a.1.starts.cmp(&b.1.starts).then(a.0.cmp(&b.0)));
    Ok(events)
}

/// Who registered for an event (also a withdrawn one); `None` when nobody ever did.
pub fn registrations(storage: &dyn Storage, id: &str) -> Result<Option<RosterDoc>> {
    let mut found = None;
    storage.write(&mut |tx| {
        found = roster(tx, id)?;
        Ok(())
    })?;
    Ok(found)
}

/// An event as staff see it: the event, its roster and the names of the members on it
/// (card → name).
pub type EventAtTheDoor = (EventDoc, RosterDoc, HashMap<String, String>);

/// The event, its roster and its members' names; `None` when there is no such (live) event.
pub fn with_roster(storage: &dyn Storage, id: &str) -> Result<Option<EventAtTheDoor>> {
    let mut found = None;
    storage.write(&mut |tx| {
        found = None;
        let Some(event) = event(tx, id)? else {
            return Ok(());
        };
        let roster = roster(tx, id)?.unwrap_or_default();
        let cards: Vec<String> = roster
            .confirmed
            .iter()
            .chain(&roster.waiting)
            .chain(&roster.walk_ins)
            .filter_map(|r| r.card.clone())
            .collect();
        let names = tx
            .docs::<PatronDoc>(&cards)?
            .into_iter()
            .map(|(card, patron)| (card, patron.name))
            .collect();
        found = Some((event, roster, names));
        Ok(())
    })?;
    Ok(found)
}

/// Registers someone: a place while there are places, else the end of the waiting list.
/// Registering again (the same card, or the same phone number) answers where they stand.
///
/// A full event takes people on its waiting list up to `waiting_list_factor` times its
/// places; past that, the registration is refused.
pub fn register(
    storage: &dyn Storage,
    id: &str,
    who: &Registrant,
    now: Timestamp,
    local_now: DateTime,
    waiting_list_factor: u32,
) -> Result<Result<Standing, Refusal>> {
    let entry = match who {
        Registrant::Member { card } => Registration {
            id: Uuid::now_v7().to_string(),
            card: Some(card.trim().to_string()),
            name: None,
            phone: None,
            at: now,
            attended: None,
            checked_in_by: None,
            promoted: None,
        },
        Registrant::Guest { name, phone } => {
            let (name, phone) = (name.trim(), normalise_phone(phone));
            let Some(phone) = phone.filter(|_| !name.is_empty() && name.chars().count() <= 80)
            else {
                return Ok(Err(Refusal::BadGuest));
            };
            Registration {
                id: Uuid::now_v7().to_string(),
                card: None,
                name: Some(name.to_string()),
                phone: Some(phone),
                at: now,
                attended: None,
                checked_in_by: None,
                promoted: None,
            }
        }
    };
    let mut outcome = Err(Refusal::NoEvent);
    storage.write(&mut |tx| {
        outcome = Err(Refusal::NoEvent);
        let Some(mut event) = event(tx, id)? else {
            return Ok(());
        };
        if local_now >= event.starts {
            outcome = Err(Refusal::Closed);
            return Ok(());
        }
        if let Some(card) = &entry.card
            && tx.doc::<PatronDoc>(card)?.is_none()
        {
            outcome = Err(Refusal::UnknownCard);
            return Ok(());
        }
        let mut roster = roster(tx, id)?.unwrap_or_default();
        if let Some(standing) = standing_in(&roster, &entry) {
            outcome = Ok(standing);
            return Ok(());
        }
        let full = event
            .capacity
            .is_some_and(|c| roster.confirmed.len() >= c as usize);
        let waiting_cap = event
            .capacity
            .map_or(0, |c| c as usize * waiting_list_factor as usize);
        if full && roster.waiting.len() >= waiting_cap {
            outcome = Err(Refusal::WaitingListFull);
            return Ok(());
        }
        if full {
            roster.waiting.push(entry.clone());
            outcome = Ok(Standing::Waiting(roster.waiting.len()));
        } else {
            roster.confirmed.push(entry.clone());
            outcome = Ok(Standing::Confirmed);
        }
        save(tx, id, &mut event, &roster)
    })?;
    Ok(outcome)
}

/// A registration moved from the waiting list to a place, marked so its person is told.
fn promoted(registration: Registration) -> Registration {
    Registration {
        promoted: Some(jiff::Timestamp::now()),
        ..registration
    }
}

/// Gives up a member's place (or waiting-list spot); the first in line takes a freed place.
/// False when the card had none.
pub fn cancel(storage: &dyn Storage, id: &str, card: &str) -> Result<bool> {
    let mut cancelled = false;
    storage.write(&mut |tx| {
        cancelled = false;
        let (Some(mut event), Some(mut roster)) = (event(tx, id)?, roster(tx, id)?) else {
            return Ok(());
        };
        let mine = |r: &Registration| r.card.as_deref() == Some(card);
        if let Some(at) = roster.confirmed.iter().position(mine) {
            roster.confirmed.remove(at);
            let room = event
                .capacity
                .is_none_or(|c| roster.confirmed.len() < c as usize);
            if room && !roster.waiting.is_empty() {
                let next = roster.waiting.remove(0);
                roster.confirmed.push(promoted(next));
            }
        } else if let Some(at) = roster.waiting.iter().position(mine) {
            roster.waiting.remove(at);
        } else {
            return Ok(());
        }
        cancelled = true;
        save(tx, id, &mut event, &roster)
    })?;
    Ok(cancelled)
}

/// Where a member stands for an event, if registered.
pub fn standing(storage: &dyn Storage, id: &str, card: &str) -> Result<Option<Standing>> {
    let probe = Registration {
        id: String::new(),
        card: Some(card.to_string()),
        name: None,
        phone: None,
        at: Timestamp::UNIX_EPOCH,
        attended: None,
        checked_in_by: None,
        promoted: None,
    };
    Ok(registrations(storage, id)?.and_then(|r| standing_in(&r, &probe)))
}

/// Who is checked in at an event.
#[derive(Debug, Clone, Copy)]
pub enum Attendee<'a> {
    /// A member's card: scanned at a kiosk on the event's banner, or typed by staff.
    Card(&'a str),
    /// A registration on the roster, ticked by staff.
    Registration(&'a str),
    /// Someone with neither card nor registration, by name (staff).
    Guest(&'a str),
    /// What staff typed: a card the library knows, else a walk-in's name.
    Typed(&'a str),
}

/// What a check-in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// A registered person (holding a place or waiting) is marked present.
    Registered,
    /// Someone who had not registered is added as a walk-in.
    WalkIn,
    /// They were already checked in: nothing changes (a card scanned twice).
    Already,
}

/// Marks someone present on a roster; `None` when the registration named is not on it (or a
/// guest's name is empty). The caller saves the roster.
pub fn check_in(
    roster: &mut RosterDoc,
    who: Attendee<'_>,
    at: Timestamp,
    by: &str,
) -> Option<CheckIn> {
    let found = roster
        .confirmed
        .iter_mut()
        .chain(roster.waiting.iter_mut())
        .chain(roster.walk_ins.iter_mut())
        .find(|r| match who {
            Attendee::Card(card) => r.card.as_deref() == Some(card.trim()),
            Attendee::Registration(id) => r.id == id,
            Attendee::Guest(_) | Attendee::Typed(_) => false,
        });
    if let Some(registration) = found {
        if registration.attended.is_some() {
            return Some(CheckIn::Already);
        }
        registration.attended = Some(at);
        registration.checked_in_by = Some(by.to_string());
        return Some(CheckIn::Registered);
    }
    let (card, name) = match who {
        Attendee::Registration(_) => return None,
        Attendee::Card(card) => (Some(card.trim().to_string()), None),
        Attendee::Guest(name) | Attendee::Typed(name) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 80 {
                return None;
            }
            (None, Some(name.to_string()))
        }
    };
    roster.walk_ins.push(Registration {
        id: Uuid::now_v7().to_string(),
        card,
        name,
        phone: None,
        at,
        attended: Some(at),
        checked_in_by: Some(by.to_string()),
        promoted: None,
    });
    Some(CheckIn::WalkIn)
}

/// Checks someone in at an event (staff on the page); `Ok(None)` when the event or the
/// registration is unknown.
pub fn attend(
    storage: &dyn Storage,
    id: &str,
    who: Attendee<'_>,
    at: Timestamp,
    by: &str,
) -> Result<Option<CheckIn>> {
    let mut outcome = None;
    storage.write(&mut |tx| {
        outcome = None;
        let Some(mut event) = event(tx, id)? else {
            return Ok(());
        };
        let mut roster = roster(tx, id)?.unwrap_or_default();
        let who = match who {
            Attendee::Typed(text) => {
                let text = text.trim();
                if tx.doc::<PatronDoc>(text)?.is_none() {
                    Attendee::Guest(text)
                } else {
                    Attendee::Card(text)
                }
            }
            other => other,
        };
        outcome = check_in(&mut roster, who, at, by);
        match outcome {
            Some(CheckIn::Registered | CheckIn::WalkIn) => save(tx, id, &mut event, &roster),
            _ => Ok(()),
        }
    })?;
    Ok(outcome)
}

/// Takes back a check-in made by mistake: a registration is no longer marked present, a
/// walk-in leaves the roster. False when there was no such check-in.
pub fn undo_check_in(storage: &dyn Storage, id: &str, registration: &str) -> Result<bool> {
    let mut undone = false;
    storage.write(&mut |tx| {
        undone = false;
        let (Some(mut event), Some(mut roster)) = (event(tx, id)?, roster(tx, id)?) else {
            return Ok(());
        };
        if let Some(at) = roster.walk_ins.iter().position(|r| r.id == registration) {
            roster.walk_ins.remove(at);
            undone = true;
        } else if let Some(r) = roster
            .confirmed
            .iter_mut()
            .chain(roster.waiting.iter_mut())
            .find(|r| r.id == registration && r.attended.is_some())
        {
            r.attended = None;
            r.checked_in_by = None;
            undone = true;
        }
        if undone {
            save(tx, id, &mut event, &roster)?;
        }
        Ok(())
    })?;
    Ok(undone)
}

/// The same person: the same card, or (a guest) the same phone number.
fn standing_in(roster: &RosterDoc, who: &Registration) -> Option<Standing> {
    let same = |r: &Registration| match (&who.card, &who.phone) {
        (Some(card), _) => r.card.as_ref() == Some(card),
        (None, Some(phone)) => r.phone.as_ref() == Some(phone),
        (None, None) => false,
    };
    if roster.confirmed.iter().any(same) {
        return Some(Standing::Confirmed);
    }
    roster
        .waiting
        .iter()
        .position(same)
        .map(|p| Standing::Waiting(p + 1))
}

fn event(tx: &mut dyn Tx, id: &str) -> Result<Option<EventDoc>> {
    tx.doc(id)
}

fn roster(tx: &mut dyn Tx, id: &str) -> Result<Option<RosterDoc>> {
    tx.doc(id)
}

/// Writes the roster and the event with its counts, together.
fn save(tx: &mut dyn Tx, id: &str, event: &mut EventDoc, roster: &RosterDoc) -> Result<()> {
    event.registered = u32::try_from(roster.confirmed.len()).unwrap_or(u32::MAX);
    event.waiting = u32::try_from(roster.waiting.len()).unwrap_or(u32::MAX);
    tx.put_doc(id, Some(roster))?;
    tx.put_doc(id, Some(&*event))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalise_phone;

    #[test]
    fn phone_numbers_keep_their_digits_and_refuse_the_rest() {
        assert_eq!(
            normalise_phone("0812-3456-7890").as_deref(),
            Some("081234567890")
        );
        assert_eq!(
            normalise_phone(" +62 812 3456 789 ").as_deref(),
            Some("+628123456789")
        );
        assert_eq!(normalise_phone("1234567"), None, "too short");
        assert_eq!(normalise_phone("0812345678901234"), None, "too long");
        assert_eq!(normalise_phone("0812 3456 abc"), None);
        assert_eq!(normalise_phone("+"), None);
    }
}
