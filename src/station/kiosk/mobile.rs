//! The kiosk as a mobile library (`[station] role = "mobile"`, issue #32): staff, not
//! patrons, at the touchscreen of a bus or a motorbike's laptop.
//!
//! The home screen is [`Screen::Mobile`]: the stop the bus is at ("Tiba di <stop>", the
//! scheduled one proposed), a big "+1" for each visitor, a stop cancelled with its reason,
//! a patron found by name when the card stayed at home, a member registered on the spot,
//! and what waits to be sent. A card (scanned, on the pad, or chosen from the names found)
//! opens the borrow screen without a PIN — staff vouch for the patron, as at the desk — and
//! "Selesai" comes back here. Everything else is the kiosk's journey.

use super::Kiosk;
use super::session::Goal;
use super::view::{Cue, Screen};
use crate::circulation::desk::mobile::{MobileDay, MobileProblem, NewMember};
use crate::store::Result;

/// What staff do on the mobile screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MobileAction {
    /// "Tiba di …" (the stop's key).
    Arrive(String),
    /// A stop not made today, and why.
    CancelStop {
        stop: String,
        reason: String,
    },
    /// "Berangkat": left the stop.
    Depart,
    /// "+1": a visitor.
    Tally,
    /// Names (or a card) typed to find a patron who forgot the card.
    Find(String),
    /// One of the names found: their borrow screen.
    Choose(String),
    Register(NewMember),
    /// Clear the message, the names found and the last registration.
    Clear,
}

/// The mobile screen's own state beside the session.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct MobileShown {
    pub day: MobileDay,
    /// Patrons found by name (card, name).
    pub found: Vec<(String, String)>,
    /// The member just registered (card, name): the card number to write on their card.
    pub registered: Option<(String, String)>,
    /// What the last action said, for staff.
    pub message: Option<String>,
}

/// The mobile screen as the view carries it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MobileView {
    pub day: MobileDay,
    pub found: Vec<(String, String)>,
    pub registered: Option<(String, String)>,
    pub message: Option<String>,
}

/// How many names a search shows.
const FOUND_AT_MOST: u32 = 12;

impl Kiosk {
    pub(super) fn is_mobile(&self) -> bool {
        self.settings.mobile
    }

    /// Where a visit starts and ends: the mobile screen on a bus, else the welcome screen.
    pub(super) fn home(&self) -> Screen {
        if self.is_mobile() {
            Screen::Mobile
        } else {
            Screen::Welcome
        }
    }

    pub(super) fn mobile(&mut self, action: MobileAction) -> Result<()> {
        if !self.is_mobile() {
            return Ok(());
        }
        let lang = self.lang;
        self.mobile.message = None;
        let problem = match action {
            MobileAction::Arrive(stop) => self.desk.arrive(&stop)?.err(),
            MobileAction::CancelStop { stop, reason } => {
                self.desk.cancel_stop(&stop, &reason)?.err()
            }
            MobileAction::Depart => {
                self.desk.depart()?;
                None
            }
            MobileAction::Tally => match self.desk.tally(1)? {
                Ok(_) => {
                    self.cues.push(Cue::Success);
                    None
                }
                Err(problem) => Some(problem),
            },
            MobileAction::Find(query) => {
                self.mobile.found = self.desk.find_patrons(&query, FOUND_AT_MOST)?;
                if self.mobile.found.is_empty() {
                    self.mobile.message = Some(
                        lang.pick(
                            "Tidak ada anggota dengan nama itu.",
                            "No member by that name.",
                        )
                        .to_string(),
                    );
                }
                None
            }
            MobileAction::Choose(card) => {
                self.mobile.found.clear();
                self.reset_session();
                self.session.goal = Some(Goal::Borrow);
                return self.identify(&card);
            }
            MobileAction::Register(member) => match self.desk.register_member(&member)? {
                Ok(card) => {
                    self.cues.push(Cue::Success);
                    self.mobile.registered = Some((card, member.name.trim().to_string()));
                    None
                }
                Err(problem) => Some(problem),
            },
            MobileAction::Clear => {
                self.mobile.found.clear();
                self.mobile.registered = None;
                None
            }
        };
        if let Some(problem) = problem {
            self.refuse_mobile(&problem);
        }
        Ok(())
    }

    fn refuse_mobile(&mut self, problem: &MobileProblem) {
        self.mobile.message = Some(problem.sentence(self.lang));
        self.cues.push(Cue::Refusal);
    }

    /// The day as the store has it now (after an action, and with the status timer).
    pub(super) fn read_mobile_day(&mut self) -> Result<()> {
        if self.is_mobile() {
            self.mobile.day = self.desk.mobile_day()?;
        }
        Ok(())
    }

    pub(super) fn mobile_view(&self) -> Option<MobileView> {
        self.is_mobile().then(|| MobileView {
            day: self.mobile.day.clone(),
            found: self.mobile.found.clone(),
            registered: self.mobile.registered.clone(),
            message: self.mobile.message.clone(),
        })
    }
}
