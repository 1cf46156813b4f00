//! The station's status as the screens show it (status light detail, staff screen, welcome
//! promotions), read through the desk after changes and on a timer, never per pad poll.

use super::view::Screen;
use crate::circulation::desk::Desk;
use crate::store::Result;
use crate::sync::push::CentralProblem;
use std::time::Duration;

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
    pub promotions: Vec<(String, String)>,
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
            self.promotions = desk
                .promotions_today()?
                .into_iter()
                .map(|p| (p.title, p.body))
                .collect();
        }
        Ok(())
    }
}
