//! The station's status as the screens show it (status light detail, staff screen, welcome
//! promotions), read through the desk after changes and on a timer, never per pad poll.

use super::view::{Screen, WelcomeCard};
use crate::circulation::desk::Desk;
use crate::store::Result;
use crate::sync::push::CentralProblem;
use std::time::Duration;

/// Events on the welcome screen; the library's web lists them all.
const WELCOME_EVENTS: usize = 3;

/// An event as a welcome-screen card: its title, and when, where and the places left.
pub(crate) fn event_card(
    event: &crate::contract::documents::EventDoc,
    lang: crate::reason::Lang,
) -> (String, String) {
    let mut body = swalayan_core::format::span(event.starts, event.ends, lang);
    if let Some(place) = &event.place {
        body.push_str(" · ");
        body.push_str(place);
    }
    match (event.places_left(), lang) {
        (Some(0), _) => body.push_str(lang.pick(
            " · Penuh: daftar tunggu di situs perpustakaan.",
            " · Full: join the waiting list on the library's website.",
        )),
        (Some(left), crate::reason::Lang::Id) => body.push_str(&format!(
            " · Sisa {left} tempat: daftar di situs perpustakaan."
        )),
        (Some(left), crate::reason::Lang::En) => body.push_str(&format!(
            " · {left} places left: register on the library's website."
        )),
        (None, _) => body.push_str(lang.pick(" · Terbuka untuk umum.", " · Open to all.")),
    }
    (event.title_in(lang).to_string(), body)
}

/// The welcome screen's cards: while an event's check-in is open, the open events alone (a
/// member at the door finds the button at once, not after the rotation); otherwise the
/// promotions, then the coming events.
pub(super) fn welcome_cards(status: &StatusShown, lang: crate::reason::Lang) -> Vec<WelcomeCard> {
    let event = |(id, event, open): &(String, crate::contract::documents::EventDoc, bool)| {
        let (title, body) = event_card(event, lang);
        WelcomeCard {
            title,
            body,
            event: Some(id.clone()),
            check_in: *open,
            image: None,
        }
    };
    if status.events.iter().any(|(_, _, open)| *open) {
        return status
            .events
            .iter()
            .filter(|(_, _, open)| *open)
            .map(event)
            .collect();
    }
    status
        .promotions
        .iter()
        .map(|p| WelcomeCard {
            title: p.title_in(lang).to_string(),
            body: p.body_in(lang).to_string(),
            event: None,
            check_in: false,
            image: p.image.clone(),
        })
        .chain(status.events.iter().map(event))
        .collect()
}

/// How long before an event starts its check-in opens on the kiosks.
const CHECK_IN_OPENS_BEFORE_MINUTES: i64 = 60;

/// Whether members may check in to `event` at `now` (the library's wall clock): from an
/// hour before it starts until it ends.
pub(crate) fn check_in_open(
    event: &crate::contract::documents::EventDoc,
    now: jiff::civil::DateTime,
) -> bool {
    let opens = event
        .starts
        .checked_sub(jiff::Span::new().minutes(CHECK_IN_OPENS_BEFORE_MINUTES))
        .unwrap_or(event.starts);
    opens <= now && now < event.ends
}

/// How often the status is re-read when nothing happens.
pub(super) const STATUS_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct StatusShown {
    pub pending: i64,
    pub conflicts: i64,
    /// When the station last reached the central (local time), if ever.
    pub last_sync: Option<String>,
    pub central_problem: Option<CentralProblem>,
    pub last_trusted: Option<jiff::Timestamp>,
    pub today_loans: i64,
    pub today_returns: i64,
    /// Today's promotions meant for this station.
    pub promotions: Vec<crate::contract::documents::PromotionDoc>,
    /// The soonest events (id, event, check-in open now), shown after the promotions (in
    /// the reader's language).
    pub events: Vec<(String, crate::contract::documents::EventDoc, bool)>,
    /// Pulled documents the station could not apply yet, for staff.
    pub held_back: Vec<crate::store::held_back::HeldBack>,
    /// Whether the printer's device is there (a stat, so read with the rest, not per event).
    pub printer_ok: bool,
    /// Whether reading it has happened once (today's counts are read then, and on the
    /// staff screen, where they are shown).
    pub counted: bool,
}

impl StatusShown {
    /// Reads what `screen` needs: today's counts for staff, promotions for the welcome.
    pub fn read(&mut self, desk: &Desk, screen: Screen) -> Result<()> {
        let overview = desk.overview()?;
        self.pending = overview.pending;
        self.conflicts = overview.conflicts;
        self.central_problem = overview.sync.problem();
        self.last_trusted = overview.last_trusted;
        self.held_back = overview.held_back;
        let tz = desk.settings().time_zone.clone();
        self.last_sync = overview.sync.last_success.map(|t| {
            t.to_zoned_datetime(tz.clone())
                .strftime(super::receipt::RECEIPT_TIME)
                .to_string()
        });
        if screen == Screen::Staff || !self.counted {
            let today = desk.today_counts()?;
            self.today_loans = today.loans;
            self.today_returns = today.returns;
            self.counted = true;
        }
        if screen == Screen::Welcome {
            let station = desk.settings().station_id.clone();
            let here =
                |stations: &[String]| crate::contract::documents::shown_at(stations, &station);
            self.promotions = desk
                .promotions_today()?
                .into_iter()
                .filter(|p| here(&p.stations))
                .collect();
            let now = desk.local_now().datetime();
            // Read more than shown: some may be meant for other kiosks.
            self.events =
                crate::store::events::upcoming(desk.store().conn(), now, WELCOME_EVENTS * 4)?
                    .into_iter()
                    .filter(|(_, event)| here(&event.stations))
                    .take(WELCOME_EVENTS)
                    .map(|(id, event)| {
                        let open = check_in_open(&event, now);
                        (id, event, open)
                    })
                    .collect();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::event_card;
    use crate::contract::documents::EventDoc;
    use crate::reason::Lang;
    use jiff::civil::datetime;

    #[test]
    fn an_event_card_says_when_where_and_the_places_in_both_languages() {
        let mut event = EventDoc {
            title: "Kelas Menulis".into(),
            starts: datetime(2026, 12, 15, 9, 0, 0, 0),
            ends: datetime(2026, 12, 15, 11, 30, 0, 0),
            place: Some("Aula".into()),
            description: None,
            capacity: Some(20),
            registered: 12,
            waiting: 0,
            ..Default::default()
        };
        assert_eq!(
            event_card(&event, Lang::Id).1,
            "Selasa, 15 Desember 2026, 09.00–11.30 · Aula · Sisa 8 tempat: daftar di situs perpustakaan."
        );
        assert_eq!(
            event_card(&event, Lang::En).1,
            "Tuesday 15 December 2026, 09:00–11:30 · Aula · 8 places left: register on the library's website."
        );
        event.registered = 20;
        assert!(
            event_card(&event, Lang::Id)
                .1
                .ends_with("Penuh: daftar tunggu di situs perpustakaan.")
        );
        event.capacity = None;
        assert!(event_card(&event, Lang::En).1.ends_with("Open to all."));
    }
}
