//! What is to be told, found in the hub's documents and queued in the outbox.
//!
//! Two kinds of producer, both idempotent (a message's key is patron, kind, subject and day,
//! so running one again queues nothing new):
//! - **as things happen** ([`happened`]): holds that became ready and places that came from a
//!   waiting list, read from the catalog's change feed after the producer's mark, and the
//!   receipts patrons asked for at a kiosk (`receipt_request` transactions) — so a hold
//!   set aside by a kiosk, a drop box, the web's staff or the library system's link is the
//!   same change, told the same way;
//! - **by the calendar** ([`scheduled`]): due soon, overdue, a hold's last day tomorrow, an
//!   event tomorrow — looked for in the library's today, any time of the day.
//!
//! Nothing is queued for a patron who has not consented to a channel the hub has, for a
//! message they turned off, or on a channel that cannot carry it (a Cloud API channel without
//! an approved template for it).

use super::NotifySettings;
use super::texts::Params;
use crate::config::Library;
use crate::storage::{DocKind, Notice, Result, Storage, TxFilter, TxState};
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap};
use swalayan_core::contact::{MessageKind, Notify};
use swalayan_core::contract::documents::{
    ContactDoc, EventDoc, HoldDoc, ItemDoc, LoanDoc, RosterDoc, TitleDoc,
};
use swalayan_core::contract::transactions::{TxBody, TxKind};
use swalayan_core::domain::HoldStatus;
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// Receipt requests older than this are not sent (a kiosk offline for days).
const RECEIPTS_WITHIN: jiff::SignedDuration = jiff::SignedDuration::from_hours(48);
/// Receipts sent to one patron in one library day at most.
const RECEIPTS_A_DAY: usize = 5;
/// A receipt's lines, and a line's characters, at most.
const RECEIPT_LINES: usize = 60;
const RECEIPT_LINE_CHARS: usize = 200;
/// The change feed is read in pages of this many.
const PAGE: u32 = 2_000;
/// The producer's mark in the storage: the last catalog revision it read.
const MARK: &str = "changes";

/// Where a message to one patron goes, if anywhere.
pub struct Recipient<'a> {
    pub channel: &'a super::Channel,
    pub contact: String,
    pub lang: Lang,
}

/// The recipient of `kind` for a patron with these contacts: consent given to a channel the
/// hub has, the message not turned off, a contact for it, a channel that carries it.
pub fn recipient<'a>(
    settings: &'a NotifySettings,
    contact: &ContactDoc,
    kind: MessageKind,
) -> Option<Recipient<'a>> {
    if contact.notify == Notify::None || contact.consent.is_none() || contact.muted.contains(&kind)
    {
        return None;
    }
    let channel = settings.channel_for(contact.notify)?;
    if !channel.carries(kind) {
        return None;
    }
    let to = match contact.notify {
        Notify::Whatsapp | Notify::Sms => contact.phone.clone()?,
        Notify::Email => contact.email.clone()?,
        Notify::None => return None,
    };
    let lang = contact
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(Lang::Id);
    Some(Recipient {
        channel,
        contact: to,
        lang,
    })
}

/// Builds the messages of one run; the contacts are read as patrons come up.
struct Queue<'a> {
    settings: &'a NotifySettings,
    storage: &'a dyn Storage,
    now: Timestamp,
    contacts: HashMap<String, Option<ContactDoc>>,
    notices: Vec<Notice>,
}

impl<'a> Queue<'a> {
    fn new(settings: &'a NotifySettings, storage: &'a dyn Storage, now: Timestamp) -> Queue<'a> {
        Queue {
            settings,
            storage,
            now,
            contacts: HashMap::new(),
            notices: Vec::new(),
        }
    }

    /// Every contact at once (the calendar's producers reach many patrons).
    fn load_all_contacts(&mut self) -> Result<()> {
        for (card, contact) in self.storage.all::<ContactDoc>()? {
            self.contacts.insert(card, Some(contact));
        }
        Ok(())
    }

    fn contact(&mut self, patron: &str) -> Result<Option<ContactDoc>> {
        if !self.contacts.contains_key(patron) {
            let found = self.storage.one::<ContactDoc>(patron)?;
            self.contacts.insert(patron.to_string(), found);
        }
        Ok(self.contacts.get(patron).cloned().flatten())
    }

    /// Queues `kind` for `patron` about `subject` on `day`, its values made in the patron's
    /// language by `params`.
    fn add(
        &mut self,
        patron: &str,
        kind: MessageKind,
        subject: &str,
        day: Date,
        params: impl FnOnce(Lang) -> Params,
    ) -> Result<()> {
        let Some(contact) = self.contact(patron)? else {
            return Ok(());
        };
        let Some(to) = recipient(self.settings, &contact, kind) else {
            return Ok(());
        };
        let notice = Notice::new(
            Notice::key_of(patron, kind, subject, day),
            patron,
            kind,
            &to.channel.name,
            &to.contact,
            to.lang.code(),
            params(to.lang),
            self.now,
        );
        self.notices.push(notice);
        Ok(())
    }

    fn finish(self) -> Result<usize> {
        if self.notices.is_empty() {
            return Ok(0);
        }
        self.storage.queue_notices(&self.notices)
    }
}

/// The library's date at `now`.
pub fn library_date(library: &Library, now: Timestamp) -> Date {
    now.to_zoned_datetime(library.timezone.clone()).date()
}

/// The messages of what happened since the last run: holds now ready, places now given.
/// Returns how many were queued.
pub fn happened(
    storage: &dyn Storage,
    settings: &NotifySettings,
    library: &Library,
    now: Timestamp,
) -> Result<usize> {
    let today = library_date(library, now);
    let mut since: i64 = storage
        .notify_mark(MARK)?
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let mut queued = receipts(storage, settings, library, now)?;
    // Bounded: a feed of a million changes is read in at most that many pages.
    for _ in 0..10_000 {
        let changes = storage.changes(since, PAGE)?;
        let Some(last) = changes.last().map(|c| c.rev) else {
            break;
        };
        let mut queue = Queue::new(settings, storage, now);
        for change in &changes {
            let Some(body) = change.body.clone() else {
                continue;
            };
            match change.kind {
                DocKind::Hold => {
                    let hold: HoldDoc = body.read(&change.key)?;
                    hold_ready(&mut queue, &change.key, &hold, today)?;
                }
                DocKind::Roster => {
                    let roster: RosterDoc = body.read(&change.key)?;
                    places_given(&mut queue, &change.key, &roster, today)?;
                }
                _ => {}
            }
        }
        queued += queue.finish()?;
        // The mark moves only after the page's messages are queued: a crash reads it again.
        storage.set_notify_mark(MARK, &last.to_string())?;
        since = last;
        if changes.len() < PAGE as usize {
            break;
        }
    }
    Ok(queued)
}

/// Receipts asked for at a kiosk in the last [`RECEIPTS_WITHIN`]: one message per request,
/// at most [`RECEIPTS_A_DAY`] a patron a day, lines bounded (a kiosk's token cannot make the
/// hub a patron's spam source).
fn receipts(
    storage: &dyn Storage,
    settings: &NotifySettings,
    library: &Library,
    now: Timestamp,
) -> Result<usize> {
    let requests = storage.transactions(&TxFilter {
        state: Some(TxState::Applied),
        since: now.checked_sub(RECEIPTS_WITHIN).ok(),
        limit: Some(10_000),
        kind: Some(TxKind::ReceiptRequest),
    })?;
    if requests.is_empty() {
        return Ok(0);
    }
    let mut queue = Queue::new(settings, storage, now);
    let mut per_day: HashMap<(String, Date), usize> = HashMap::new();
    for received in requests {
        let Ok(TxBody::ReceiptRequest(request)) = received.body() else {
            continue;
        };
        let plausible = !request.lines.is_empty()
            && request.lines.len() <= RECEIPT_LINES
            && request
                .lines
                .iter()
                .all(|l| l.chars().count() <= RECEIPT_LINE_CHARS);
        if !plausible {
            tracing::warn!(id = %received.id, "a receipt request out of bounds: not sent");
            continue;
        }
        let at = received
            .effective_at
            .parse::<Timestamp>()
            .unwrap_or(request.at);
        let local = at.to_zoned_datetime(library.timezone.clone()).datetime();
        let count = per_day
            .entry((request.patron.clone(), local.date()))
            .or_default();
        *count += 1;
        if *count > RECEIPTS_A_DAY {
            continue;
        }
        let lines = request.lines.join("\n");
        queue.add(
            &request.patron,
            MessageKind::Receipt,
            &received.id.to_string(),
            local.date(),
            |lang| {
                vec![
                    (
                        "visit".into(),
                        format!(
                            "{}, {}",
                            format::long_date(local.date(), lang),
                            format::clock(local.time(), lang)
                        ),
                    ),
                    ("lines".into(), lines),
                ]
            },
        )?;
    }
    queue.finish()
}

/// A hold on the shelf, not past its last day, is told once per copy set aside.
fn hold_ready(queue: &mut Queue<'_>, key: &str, hold: &HoldDoc, today: Date) -> Result<()> {
    if hold.status != HoldStatus::Ready || hold.ready_until.is_some_and(|until| until < today) {
        return Ok(());
    }
    let title = title_of(queue.storage, &hold.title)?;
    let subject = format!("{key}:{}", hold.set_aside.as_deref().unwrap_or(""));
    let day = hold.ready_until.unwrap_or(today);
    queue.add(
        &hold.patron,
        MessageKind::HoldReady,
        &subject,
        day,
        |lang| hold_params(&title, hold, lang),
    )
}

/// The values of a hold's messages: title, pickup branch, last day.
fn hold_params(title: &str, hold: &HoldDoc, lang: Lang) -> Params {
    vec![
        ("title".into(), title.to_string()),
        ("branch".into(), hold.pickup_branch.clone()),
        (
            "until".into(),
            hold.ready_until
                .map(|until| format::long_date(until, lang))
                .unwrap_or_default(),
        ),
    ]
}

/// Members a freed place went to from the waiting list, for events still to come.
fn places_given(
    queue: &mut Queue<'_>,
    event_id: &str,
    roster: &RosterDoc,
    today: Date,
) -> Result<()> {
    let promoted: Vec<_> = roster
        .confirmed
        .iter()
        .filter_map(|r| Some((r.card.clone()?, r.promoted?)))
        .collect();
    if promoted.is_empty() {
        return Ok(());
    }
    let Some(event) = queue.storage.one::<EventDoc>(event_id)? else {
        return Ok(());
    };
    if event.starts.date() < today {
        return Ok(());
    }
    for (card, at) in promoted {
        let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        queue.add(&card, MessageKind::WaitlistPlace, event_id, day, |lang| {
            event_params(&event, lang)
        })?;
    }
    Ok(())
}

/// The values of an event's messages: title, start, place.
fn event_params(event: &EventDoc, lang: Lang) -> Params {
    vec![
        ("event".into(), event.title_in(lang).to_string()),
        (
            "start".into(),
            format!(
                "{}, {}",
                format::long_date(event.starts.date(), lang),
                format::clock(event.starts.time(), lang)
            ),
        ),
        ("place".into(), event.place.clone().unwrap_or_default()),
    ]
}

/// What the calendar asks for today: how many of each were composed, and how many of them
/// were new to the outbox (an earlier run today queued the rest).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Scheduled {
    pub queued: usize,
    pub due_soon: usize,
    pub overdue: usize,
    pub hold_expiring: usize,
    pub event_reminder: usize,
}

/// Due soon, overdue, a hold's last day tomorrow, an event tomorrow — for the library's
/// today at `now`.
pub fn scheduled(
    storage: &dyn Storage,
    settings: &NotifySettings,
    library: &Library,
    now: Timestamp,
) -> Result<Scheduled> {
    let today = library_date(library, now);
    let tomorrow = today.tomorrow().unwrap_or(today);
    let mut queue = Queue::new(settings, storage, now);
    queue.load_all_contacts()?;
    let mut counts = Scheduled::default();

    // Loans: one message per patron per day, every copy due listed.
    let soon = today
        .checked_add(jiff::Span::new().days(i64::from(settings.due_soon_days)))
        .unwrap_or(today);
    let overdue_days: Vec<Date> = settings
        .overdue_days
        .iter()
        .filter_map(|d| {
            today
                .checked_sub(jiff::Span::new().days(i64::from(*d)))
                .ok()
        })
        .collect();
    let mut due_soon: BTreeMap<String, Vec<(String, Date)>> = BTreeMap::new();
    let mut overdue: BTreeMap<String, Vec<(String, Date)>> = BTreeMap::new();
    for (item, loan) in storage.all::<LoanDoc>()? {
        if loan.due == soon {
            due_soon
                .entry(loan.patron)
                .or_default()
                .push((item, loan.due));
        } else if overdue_days.contains(&loan.due) {
            overdue
                .entry(loan.patron)
                .or_default()
                .push((item, loan.due));
        }
    }
    let titles = titles_of_items(
        storage,
        due_soon
            .values()
            .chain(overdue.values())
            .flatten()
            .map(|(item, _)| item.clone()),
    )?;
    for (kind, by_patron, count) in [
        (MessageKind::DueSoon, &due_soon, &mut counts.due_soon),
        (MessageKind::Overdue, &overdue, &mut counts.overdue),
    ] {
        for (patron, loans) in by_patron {
            let before = queue.notices.len();
            let due = loans.iter().map(|(_, due)| *due).min().unwrap_or(today);
            let names: Vec<&str> = loans
                .iter()
                .map(|(item, _)| titles.get(item).map_or(item.as_str(), String::as_str))
                .collect();
            queue.add(patron, kind, "loans", today, |lang| {
                vec![
                    ("titles".into(), joined(&names, lang)),
                    ("due".into(), format::long_date(due, lang)),
                ]
            })?;
            *count += queue.notices.len() - before;
        }
    }

    // Holds whose last day on the shelf is tomorrow.
    for (key, hold) in storage.all::<HoldDoc>()? {
        if hold.status == HoldStatus::Ready && hold.ready_until == Some(tomorrow) {
            let title = title_of(storage, &hold.title)?;
            let before = queue.notices.len();
            queue.add(
                &hold.patron,
                MessageKind::HoldExpiring,
                &key,
                tomorrow,
                |lang| hold_params(&title, &hold, lang),
            )?;
            counts.hold_expiring += queue.notices.len() - before;
        }
    }

    // Events tomorrow, to the members holding a place.
    for (id, event) in storage.all::<EventDoc>()? {
        if event.starts.date() != tomorrow {
            continue;
        }
        let Some(roster) = storage.one::<RosterDoc>(&id)? else {
            continue;
        };
        for card in roster.confirmed.iter().filter_map(|r| r.card.as_deref()) {
            let before = queue.notices.len();
            queue.add(card, MessageKind::EventReminder, &id, tomorrow, |lang| {
                event_params(&event, lang)
            })?;
            counts.event_reminder += queue.notices.len() - before;
        }
    }
    counts.queued = queue.finish()?;
    Ok(counts)
}

/// "A, B dan C" / "A, B and C", each title in quotes.
fn joined(titles: &[&str], lang: Lang) -> String {
    let quoted: Vec<String> = titles.iter().map(|t| format!("\"{t}\"")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {} {last}", rest.join(", "), lang.pick("dan", "and")),
    }
}

/// A title's name (its key when the catalog has none).
fn title_of(storage: &dyn Storage, key: &str) -> Result<String> {
    Ok(storage
        .one::<TitleDoc>(key)?
        .map_or_else(|| key.to_string(), |t| t.title))
}

/// The title names of copies, read in two batches.
fn titles_of_items(
    storage: &dyn Storage,
    items: impl Iterator<Item = String>,
) -> Result<HashMap<String, String>> {
    let items: Vec<String> = items.collect();
    let mut names = HashMap::new();
    if items.is_empty() {
        return Ok(names);
    }
    storage.write(&mut |tx| {
        let copies = tx.docs::<ItemDoc>(&items)?;
        let mut title_keys: Vec<String> = copies.values().map(|i| i.title.clone()).collect();
        title_keys.sort();
        title_keys.dedup();
        let titles = tx.docs::<TitleDoc>(&title_keys)?;
        names = copies
            .into_iter()
            .filter_map(|(item, copy)| Some((item, titles.get(&copy.title)?.title.clone())))
            .collect();
        Ok(())
    })?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_joined_in_the_patron_s_language() {
        assert_eq!(joined(&["A"], Lang::Id), "\"A\"");
        assert_eq!(joined(&["A", "B", "C"], Lang::Id), "\"A\", \"B\" dan \"C\"");
        assert_eq!(joined(&["A", "B"], Lang::En), "\"A\" and \"B\"");
    }
}
