//! The mobile library's desk (issue #32): stops made ("Tiba di …") and cancelled, visitors
//! counted, members registered on the spot with a card from the station's range, and a
//! patron who forgot the card found by name.
//!
//! Each is recorded with its outbox row in one SQLite transaction, like a loan: the bus works
//! all day without a network and the hub hears everything once at the depot. While the bus
//! is at a stop, the outbox stamps that stop on every transaction (loans and returns too).

use super::Desk;
use crate::contract::documents::StopDoc;
use crate::contract::transactions::{
    RegisterPayload, StopStatus, StopVisitPayload, TallyPayload, TxBody,
};
use crate::domain::{Money, Policy};
use crate::import::PatronRecord;
use crate::reason::Lang;
use crate::store::mobile::{self, AtStop};
use crate::store::{Result, catalog};
use jiff::ToSpan;
use jiff::civil::Time;
use swalayan_core::contact::{Notify, normalise_phone};

/// What staff typed for a new member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewMember {
    pub name: String,
    pub kelurahan: Option<String>,
    pub phone: Option<String>,
    /// The channel they agreed to be told on (`None`: they did not agree).
    pub notify: Option<Notify>,
    /// A category of the policy; the first that is not staff's when left out.
    pub category: Option<String>,
}

/// Why a mobile action was not done: a sentence for staff in their language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MobileProblem {
    UnknownStop,
    NotAtStop,
    ReasonMissing,
    NameMissing,
    Phone(String),
    ConsentWithoutPhone,
    NoCardRange,
    CardsUsedUp { last: String },
    UnknownCategory(String),
}

impl MobileProblem {
    pub fn sentence(&self, lang: Lang) -> String {
        match (self, lang) {
            (MobileProblem::UnknownStop, Lang::Id) => {
                "Singgahan ini tidak ada di jadwal stasiun (sinkronkan dulu).".into()
            }
            (MobileProblem::UnknownStop, Lang::En) => {
                "This stop is not in the station's schedule (sync first).".into()
            }
            (MobileProblem::NotAtStop, Lang::Id) => {
                "Tekan \"Tiba di …\" dulu: pengunjung dihitung per singgahan.".into()
            }
            (MobileProblem::NotAtStop, Lang::En) => {
                "Press \"Arrived at …\" first: visitors are counted per stop.".into()
            }
            (MobileProblem::ReasonMissing, Lang::Id) => {
                "Tulis alasan pembatalan (hujan, mogok, …).".into()
            }
            (MobileProblem::ReasonMissing, Lang::En) => {
                "Write why the stop is cancelled (rain, breakdown, …).".into()
            }
            (MobileProblem::NameMissing, Lang::Id) => "Nama anggota baru harus diisi.".into(),
            (MobileProblem::NameMissing, Lang::En) => "The new member's name is needed.".into(),
            (MobileProblem::Phone(why), Lang::Id) => format!("Nomor telepon tidak dapat dipakai: {why}"),
            (MobileProblem::Phone(why), Lang::En) => format!("The phone number cannot be used: {why}"),
            (MobileProblem::ConsentWithoutPhone, Lang::Id) => {
                "Untuk pemberitahuan lewat WhatsApp atau SMS, isi nomor telepon.".into()
            }
            (MobileProblem::ConsentWithoutPhone, Lang::En) => {
                "Notices by WhatsApp or SMS need a phone number.".into()
            }
            (MobileProblem::NoCardRange, Lang::Id) => {
                "Stasiun ini belum punya rentang nomor kartu dari hub (swalayan-hub station cards).".into()
            }
            (MobileProblem::NoCardRange, Lang::En) => {
                "This station has no range of card numbers from the hub yet (swalayan-hub station cards).".into()
            }
            (MobileProblem::CardsUsedUp { last }, Lang::Id) => {
                format!("Nomor kartu stasiun ini sudah habis (sampai {last}): minta rentang baru di hub.")
            }
            (MobileProblem::CardsUsedUp { last }, Lang::En) => {
                format!("This station's card numbers are used up (up to {last}): ask the hub for a new range.")
            }
            (MobileProblem::UnknownCategory(code), Lang::Id) => {
                format!("Kategori anggota \"{code}\" tidak ada di kebijakan.")
            }
            (MobileProblem::UnknownCategory(code), Lang::En) => {
                format!("The policy has no member category \"{code}\".")
            }
        }
    }
}

/// A stop on today's schedule, with what happened to it here today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopToday {
    pub key: String,
    pub stop: StopDoc,
    /// Made or cancelled today at this station; `None` while still to come.
    pub status: Option<StopStatus>,
}

/// What the mobile screen shows of the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MobileDay {
    pub today: Vec<StopToday>,
    /// Where the bus is now, and the visitors counted there today.
    pub at: Option<(String, StopDoc)>,
    pub visitors_here: u32,
    /// The stop "Tiba di" proposes: the scheduled one now, else the next still to come.
    pub proposed: Option<(String, StopDoc)>,
    /// Card numbers left in the station's range; `None` without a range.
    pub cards_left: Option<u64>,
}

/// How long a membership registered on the bus lasts (the library renews it at the desk).
const MEMBERSHIP_YEARS: i64 = 1;

impl Desk {
    /// "Tiba di …": the bus is at this stop; everything from now on counts for it.
    pub fn arrive(&mut self, stop_key: &str) -> Result<std::result::Result<(), MobileProblem>> {
        let Some(stop) = mobile::stop(self.store().conn(), stop_key)? else {
            return Ok(Err(MobileProblem::UnknownStop));
        };
        self.append_made(|conn, ctx| {
            mobile::set_at_stop(
                conn,
                Some(&AtStop {
                    stop: stop_key.to_string(),
                    day: ctx.today,
                }),
            )?;
            mobile::mark_day(conn, stop_key, ctx.today, StopStatus::Arrived)?;
            Ok(TxBody::StopVisit(StopVisitPayload {
                stop: stop_key.to_string(),
                name: Some(stop.stop.clone()),
                kelurahan: Some(stop.kelurahan.clone()),
                date: ctx.today,
                status: StopStatus::Arrived,
                reason: None,
                at: ctx.time.at,
            }))
        })?;
        tracing::info!(stop = %stop.stop, kelurahan = %stop.kelurahan, "arrived at stop");
        Ok(Ok(()))
    }

    /// A stop not made today, and why (rain, a breakdown).
    pub fn cancel_stop(
        &mut self,
        stop_key: &str,
        reason: &str,
    ) -> Result<std::result::Result<(), MobileProblem>> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Ok(Err(MobileProblem::ReasonMissing));
        }
        let Some(stop) = mobile::stop(self.store().conn(), stop_key)? else {
            return Ok(Err(MobileProblem::UnknownStop));
        };
        self.append_made(|conn, ctx| {
            if mobile::at_stop(conn)?.is_some_and(|at| at.stop == stop_key) {
                mobile::set_at_stop(conn, None)?;
            }
            mobile::mark_day(conn, stop_key, ctx.today, StopStatus::Cancelled)?;
            Ok(TxBody::StopVisit(StopVisitPayload {
                stop: stop_key.to_string(),
                name: Some(stop.stop.clone()),
                kelurahan: Some(stop.kelurahan.clone()),
                date: ctx.today,
                status: StopStatus::Cancelled,
                reason: Some(reason.to_string()),
                at: ctx.time.at,
            }))
        })?;
        Ok(Ok(()))
    }

    /// "Berangkat": the bus left its stop; what it records on the road names no stop.
    pub fn depart(&mut self) -> Result<()> {
        let tx = self.store.write()?;
        mobile::set_at_stop(&tx, None)?;
        tx.commit()?;
        Ok(())
    }

    /// "+1" (or a counter's count): visitors at the stop the bus is at; the day's count now.
    pub fn tally(&mut self, visitors: u32) -> Result<std::result::Result<u32, MobileProblem>> {
        let Some(at) = mobile::at_stop(self.store().conn())? else {
            return Ok(Err(MobileProblem::NotAtStop));
        };
        let mut count = 0;
        self.append_made(|conn, ctx| {
            count = mobile::add_visitors(conn, &at.stop, at.day, visitors)?;
            Ok(TxBody::Tally(TallyPayload {
                stop: at.stop.clone(),
                date: at.day,
                visitors,
                at: ctx.time.at,
            }))
        })?;
        Ok(Ok(count))
    }

    /// Registers a member on the spot: the next free card of the station's range, a patron
    /// here at once (they can borrow now, offline), a `register` for the hub.
    pub fn register_member(
        &mut self,
        member: &NewMember,
    ) -> Result<std::result::Result<String, MobileProblem>> {
        let name = member.name.trim();
        if name.is_empty() {
            return Ok(Err(MobileProblem::NameMissing));
        }
        let phone = match member
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(text) => match normalise_phone(text) {
                Ok(phone) => Some(phone),
                Err(why) => return Ok(Err(MobileProblem::Phone(why))),
            },
        };
        let notify = member.notify.unwrap_or(Notify::None);
        if matches!(notify, Notify::Whatsapp | Notify::Sms) && phone.is_none()
            || notify == Notify::Email
        {
            return Ok(Err(MobileProblem::ConsentWithoutPhone));
        }
        let policy = self.policy()?;
        let category = match member.category.as_deref().filter(|c| !c.is_empty()) {
            Some(code) if policy.categories.contains_key(code) => code.to_string(),
            Some(code) => return Ok(Err(MobileProblem::UnknownCategory(code.to_string()))),
            None => new_member_category(&policy),
        };
        let conn = self.store().conn();
        let Some(range) = mobile::card_range(conn, &self.settings.station_id)? else {
            return Ok(Err(MobileProblem::NoCardRange));
        };
        let taken = mobile::cards_taken(conn, &range)?;
        let Some(card) = range.cards().find(|card| !taken.contains(card)) else {
            return Ok(Err(MobileProblem::CardsUsedUp { last: range.last }));
        };
        let kelurahan = member
            .kelurahan
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        self.append_made(|conn, ctx| {
            let expires = ctx
                .today
                .checked_add(MEMBERSHIP_YEARS.years())
                .unwrap_or(ctx.today);
            catalog::upsert_patron(
                conn,
                &PatronRecord {
                    card: card.clone(),
                    name: name.to_string(),
                    category: category.clone(),
                    expires,
                    pin_hash: None,
                    blocked: false,
                    block_note: None,
                    fines: Money::ZERO,
                    contact: None,
                    joined: Some(ctx.today),
                    kelurahan: kelurahan.clone(),
                },
            )?;
            Ok(TxBody::Register(RegisterPayload {
                card: card.clone(),
                name: name.to_string(),
                category: category.clone(),
                expires,
                joined: ctx.today,
                kelurahan: kelurahan.clone(),
                phone: phone.clone(),
                notify,
                at: ctx.time.at,
            }))
        })?;
        tracing::info!(patron = %crate::domain::redact(&card), "member registered on the spot");
        Ok(Ok(card))
    }

    /// Members whose name contains `query` (any case), or whose card it is: for a patron
    /// who forgot the card. At most `limit`, by name.
    pub fn find_patrons(&self, query: &str, limit: u32) -> Result<Vec<(String, String)>> {
        let query = query.trim();
        if query.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let pattern = format!(
            "%{}%",
            query
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut stmt = self.store().conn().prepare_cached(
            "SELECT card, name FROM patrons
             WHERE (name LIKE ?1 ESCAPE '\\' OR card = ?2) AND name != ''
             ORDER BY name, card LIMIT ?3",
        )?;
        let rows = stmt.query_map(rusqlite::params![pattern, query, limit], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Today's stops, where the bus is, what "Tiba di" proposes, visitors so far.
    pub fn mobile_day(&self) -> Result<MobileDay> {
        let conn = self.store().conn();
        let now = self.local_now();
        let today = now.date();
        let done: std::collections::HashMap<String, StopStatus> =
            mobile::days_on(conn, today)?.into_iter().collect();
        let stops = mobile::stops(conn)?;
        let mut todays: Vec<StopToday> = stops
            .iter()
            .filter(|(_, s)| s.weekday() == Some(today.weekday()))
            .map(|(key, stop)| StopToday {
                key: key.clone(),
                stop: stop.clone(),
                status: done.get(key).copied(),
            })
            .collect();
        todays.sort_by_key(|s| (s.stop.start, s.stop.stop.clone()));
        let at = mobile::at_stop(conn)?
            .filter(|at| at.day == today)
            .and_then(|at| {
                stops
                    .iter()
                    .find(|(key, _)| *key == at.stop)
                    .map(|(key, stop)| (key.clone(), stop.clone()))
            });
        let visitors_here = match &at {
            Some((key, _)) => mobile::visitors_on(conn, key, today)?,
            None => 0,
        };
        let proposed = proposed_stop(&todays, now.time());
        let cards_left = match mobile::card_range(conn, &self.settings.station_id)? {
            None => None,
            Some(range) => {
                let taken = mobile::cards_taken(conn, &range)?.len() as u64;
                Some(range.size().saturating_sub(taken))
            }
        };
        Ok(MobileDay {
            today: todays,
            at,
            visitors_here,
            proposed,
            cards_left,
        })
    }
}

/// The category a member registered on the bus gets: the policy's first that is not staff's.
fn new_member_category(policy: &Policy) -> String {
    policy
        .categories
        .keys()
        .find(|code| code.as_str() != "staff")
        .cloned()
        .unwrap_or_else(|| "adult".to_string())
}

/// The stop scheduled now (from half an hour before its start until its end) that is not
/// made or cancelled yet, else the next one still to come today.
fn proposed_stop(today: &[StopToday], now: Time) -> Option<(String, StopDoc)> {
    let open = |s: &&StopToday| s.status.is_none();
    let early = |start: Time| start.checked_sub(30.minutes()).unwrap_or(start);
    today
        .iter()
        .filter(open)
        .find(|s| early(s.stop.start) <= now && now <= s.stop.end)
        .or_else(|| today.iter().filter(open).find(|s| s.stop.start > now))
        .map(|s| (s.key.clone(), s.stop.clone()))
}
