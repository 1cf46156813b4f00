//! One patron's visit: who they are, what they asked for, and what happened so far. The
//! screen's rows, account and notices are derived from it (see `Kiosk::view`), never kept
//! twice.

use super::view::{HoldView, LoanView, RowState, RowView};
use crate::domain::Money;
use crate::reason::Reason;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use swalayan_hardware::printer::receipt::ReceiptItem;
use swalayan_hardware::rfid::Uid;

/// What the patron asked for before identifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Goal {
    Borrow,
    Account,
    Staff,
    /// Check in to an event (its id and title are in the session).
    Attend,
}

/// The patron's account as the account screen shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct AccountShown {
    pub loans: Vec<LoanView>,
    pub holds: Vec<HoldView>,
    /// Holds ready at this branch.
    pub ready_count: u32,
    pub fines: Money,
}

#[derive(Debug, Default)]
pub(super) struct Session {
    pub goal: Option<Goal>,
    pub card: Option<String>,
    pub patron_name: String,
    pub notice: Option<Reason>,
    /// The library system's words beside the notice (SIP2), verbatim.
    pub notice_message: Option<String>,
    /// Lines the library system asked to print on this visit's receipt, verbatim.
    pub central_print_lines: Vec<String>,
    /// Tags already handled this session (a book left on the pad is not lent twice).
    pub handled_tags: BTreeSet<Uid>,
    /// Sets seen incomplete, and since when: item id -> first seen.
    pub waiting_sets: BTreeMap<String, Duration>,
    pub rows: Vec<RowView>,
    pub receipt_lines: Vec<ReceiptItem>,
    pub account: AccountShown,
    pub staff_message: String,
    /// When the goodbye screen appeared.
    pub goodbye_since: Option<Duration>,
    /// The event being checked in to: its id and title.
    pub event: Option<(String, String)>,
    /// Where the hub can send this patron's receipt (asked at sign-in), masked.
    pub receipt_channel: Option<crate::sync::contact::ReceiptChannel>,
    /// The masked contact the receipt was asked to go to (the goodbye screen says so).
    pub receipt_sent_to: Option<String>,
}

impl Session {
    /// Adds a row; the same item again replaces its row (a retry after a refusal, a renewal).
    pub fn push_row(&mut self, row: RowView) {
        match self
            .rows
            .iter_mut()
            .find(|r| !row.barcode.is_empty() && r.barcode == row.barcode)
        {
            Some(existing) => *existing = row,
            None => self.rows.push(row),
        }
    }

    /// Items lent, returned or renewed this session.
    pub fn done_count(&self) -> u32 {
        self.rows
            .iter()
            .filter(|r| r.state != RowState::Refused && r.state != RowState::Pending)
            .count() as u32
    }

    /// Whether anything was lent or renewed (the receipt's heading).
    pub fn borrowed_any(&self) -> bool {
        self.rows
            .iter()
            .any(|r| matches!(r.state, RowState::Borrowed | RowState::Renewed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(barcode: &str, state: RowState) -> RowView {
        RowView {
            barcode: barcode.into(),
            title: String::new(),
            state,
            reason: None,
            due: None,
            route: None,
            fine: Money::ZERO,
            missing_part: None,
            message: None,
        }
    }

    #[test]
    fn a_retry_replaces_its_row_and_only_done_rows_count() {
        let mut session = Session::default();
        session.push_row(RowView::refused(
            "B1".into(),
            String::new(),
            Reason::TagUnreadable,
        ));
        session.push_row(row("B2", RowState::Borrowed));
        assert_eq!(session.done_count(), 1);
        session.push_row(row("B1", RowState::Borrowed));
        assert_eq!(session.rows.len(), 2, "B1 replaced, not added");
        assert_eq!(session.done_count(), 2);
        // Unreadable tags have no barcode: each keeps its own row.
        session.push_row(RowView::refused(
            String::new(),
            String::new(),
            Reason::TagUnreadable,
        ));
        session.push_row(RowView::refused(
            String::new(),
            String::new(),
            Reason::TagUnreadable,
        ));
        assert_eq!(session.rows.len(), 4);
        assert!(session.borrowed_any());
    }
}
