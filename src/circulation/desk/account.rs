//! A patron's account as screens and commands show it: loans with titles, live holds with
//! their place in the queue.

use super::Desk;
use crate::domain::{Hold, HoldStatus, Patron};
use crate::store::{Result, catalog, circ};

/// A patron's account as screens and commands show it.
#[derive(Debug, Clone)]
pub struct Account {
    pub patron: Patron,
    pub loans: Vec<AccountLoan>,
    pub holds: Vec<AccountHold>,
}

#[derive(Debug, Clone)]
pub struct AccountLoan {
    pub loan: crate::domain::Loan,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct AccountHold {
    pub hold: Hold,
    pub title: String,
    /// Place in the queue while waiting.
    pub position: Option<u32>,
}

impl Desk {
    /// A patron's account: loans with titles, live holds with their place in the queue.
    /// With a library system, its list of the patron's loans and what they owe (online).
    pub fn account(&mut self, card: &str) -> Result<Option<Account>> {
        if self.system.is_some() {
            return self.account_online(card);
        }
        self.account_local(card)
    }

    /// [`Desk::account`] as the station's own store has it.
    pub(super) fn account_local(&self, card: &str) -> Result<Option<Account>> {
        let conn = self.store.conn();
        let Some(patron) = catalog::patron(conn, card)? else {
            return Ok(None);
        };
        let mut loans = Vec::new();
        for loan in circ::open_loans_of_patron(conn, card)? {
            let title = catalog::item(conn, &loan.item)?
                .map(|i| i.title)
                .unwrap_or_default();
            loans.push(AccountLoan { loan, title });
        }
        let mut holds = Vec::new();
        for hold in circ::live_holds_of_patron(conn, card)? {
            let position = if hold.status == HoldStatus::Waiting {
                Some(circ::queue_position(conn, &hold)?)
            } else {
                None
            };
            let title = catalog::title(conn, hold.title_id)?
                .map(|t| t.title)
                .unwrap_or_default();
            holds.push(AccountHold {
                hold,
                title,
                position,
            });
        }
        Ok(Some(Account {
            patron,
            loans,
            holds,
        }))
    }
}
