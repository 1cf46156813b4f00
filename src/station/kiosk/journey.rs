//! The patron's journey: identify (card, PIN), then borrow, return, renew, pick up, and the
//! end of the visit (receipt, feedback, goodbye). Every decision is the desk's.

use super::Kiosk;
use super::receipt::{loan_line, return_line, session_receipt};
use super::session::{AccountShown, Goal};
use super::view::{Cue, HoldView, LoanView, RowState, RowView, Screen};
use crate::circulation::desk::{CheckinResult, ItemRef, LoanResult, Proof};
use crate::circulation::rules;
use crate::contract::protocol::DeviceState;
use crate::domain::{HoldStatus, Route, redact};
use crate::reason::Reason;
use crate::station::runtime::CentralState;
use crate::station::sets::ready_sets;
use crate::store::Result;
use std::collections::BTreeMap;
use swalayan_core::format;
use swalayan_hardware::rfid::iso28560::USAGE_PATRON_CARD;
use swalayan_hardware::rfid::{TagReport, Uid};

impl Kiosk {
    pub(super) fn start(&mut self, goal: Goal) -> Result<()> {
        // "Borrow more" from the account keeps the identified patron.
        if goal == Goal::Borrow && self.session.card.is_some() {
            self.session.goal = Some(Goal::Borrow);
            self.screen = Screen::Borrow;
            return Ok(());
        }
        // Their loans (to renew) from the borrow screen, where the patron is known: the
        // mobile library's staff open it for the patron in front of them.
        if goal == Goal::Account && self.session.card.is_some() && self.screen == Screen::Borrow {
            self.session.goal = Some(Goal::Account);
            self.load_account()?;
            self.screen = Screen::Account;
            return Ok(());
        }
        self.reset_session();
        self.session.goal = Some(goal);
        self.screen = Screen::Identify;
        Ok(())
    }

    /// "I'm here" on an event's banner: the card is asked for, then the member is checked in.
    pub(super) fn start_attend(&mut self, event: &str) {
        let Some((_, title)) = self
            .status
            .events
            .iter()
            .find(|(id, _, open)| id == event && *open)
            .map(|(id, e, _)| (id.clone(), e.title.clone()))
        else {
            // Closed since the screen showed it (or never open): nothing to do.
            return;
        };
        self.reset_session();
        self.session.goal = Some(Goal::Attend);
        self.session.event = Some((event.to_string(), title));
        self.screen = Screen::Identify;
    }

    /// Checks the identified member in to the session's event: no PIN (nothing of theirs is
    /// shown), an outbox transaction for the hub's list, then goodbye.
    fn attend(&mut self, card: &str) -> Result<()> {
        let Some((event, _)) = self.session.event.clone() else {
            return Ok(());
        };
        self.desk.record_attendance(&event, card)?;
        tracing::info!(patron = %redact(card), event = %event, "event check-in");
        self.cues.push(Cue::Success);
        self.goodbye();
        Ok(())
    }

    /// A card: checked, then the PIN when the patron has one.
    pub(super) fn identify(&mut self, card: &str) -> Result<()> {
        let card = card.trim();
        if card.is_empty() {
            return Ok(());
        }
        if self.session.goal.is_none() {
            self.reset_session();
            self.session.goal = Some(Goal::Borrow);
        }
        self.session.card = Some(card.to_string());
        let attending = self.session.goal == Some(Goal::Attend);
        // On a mobile library staff at the screen vouch for the patron, as at the desk.
        let proof = if self.is_mobile() && self.session.goal != Some(Goal::Staff) {
            Proof::NotNeeded
        } else {
            Proof::Pin(None)
        };
        match self.desk.identify(card, proof)? {
            Ok(_) | Err(Reason::PinRequired) if attending => {
                self.session.patron_name =
                    self.desk.patron(card)?.map(|p| p.name).unwrap_or_default();
                self.attend(card)
            }
            Ok(patron) => {
                self.session.patron_name = patron.name.clone();
                if self.session.goal == Some(Goal::Staff) {
                    // Staff mode always needs the PIN; a staff card without one cannot enter.
                    self.refuse_identify(Reason::StaffOnly);
                    return Ok(());
                }
                self.enter_goal()
            }
            Err(Reason::PinRequired) => {
                self.session.patron_name =
                    self.desk.patron(card)?.map(|p| p.name).unwrap_or_default();
                self.session.notice = None;
                self.screen = Screen::Pin;
                Ok(())
            }
            Err(reason) => {
                self.refuse_identify(reason);
                Ok(())
            }
        }
    }

    fn refuse_identify(&mut self, reason: Reason) {
        self.session.card = None;
        self.session.notice = Some(reason);
        self.session.notice_message = self.desk.central_message().map(str::to_string);
        self.screen = Screen::Identify;
        self.cues.push(Cue::Refusal);
    }

    pub(super) fn enter_pin(&mut self, pin: &str) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            self.screen = Screen::Identify;
            return Ok(());
        };
        match self.desk.identify(&card, Proof::Pin(Some(pin)))? {
            Ok(_) => {
                self.ask_receipt_channel(&card, pin);
                self.enter_goal()
            }
            Err(reason @ (Reason::PinIncorrect | Reason::PinLocked)) => {
                self.session.notice = Some(reason);
                self.session.notice_message = self.desk.central_message().map(str::to_string);
                self.cues.push(Cue::Refusal);
                if reason == Reason::PinLocked {
                    // Locked: back to identify so the next patron can start afresh.
                    self.session.card = None;
                    self.screen = Screen::Identify;
                }
                Ok(())
            }
            Err(reason) => {
                self.refuse_identify(reason);
                Ok(())
            }
        }
    }

    /// The patron is known (and their PIN checked): go where they wanted.
    fn enter_goal(&mut self) -> Result<()> {
        let card = self.session.card.clone().unwrap_or_default();
        let patron = self.desk.patron(&card)?;
        self.session.notice = None;
        match self.session.goal {
            Some(Goal::Staff) => {
                if patron
                    .as_ref()
                    .is_some_and(|p| p.category == "staff" && p.has_pin())
                {
                    tracing::info!(patron = %redact(&card), "staff mode");
                    self.screen = Screen::Staff;
                } else {
                    self.refuse_identify(Reason::StaffOnly);
                }
            }
            Some(Goal::Account) => {
                self.load_account()?;
                self.screen = Screen::Account;
            }
            _ => {
                // Refuse at the door what would refuse every book: a blocked or expired card.
                if let Some(patron) = &patron {
                    let policy = self.desk.policy()?;
                    if let Err(reason) =
                        rules::patron_may_borrow(patron, &policy, self.desk.today())
                    {
                        self.refuse_identify(reason);
                        return Ok(());
                    }
                }
                self.screen = Screen::Borrow;
            }
        }
        Ok(())
    }

    pub(super) fn load_account(&mut self) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        let today = self.desk.today();
        let Some(account) = self.desk.account(&card)? else {
            return Ok(());
        };
        let branch = &self.desk.settings().branch;
        self.session.patron_name = account.patron.name.clone();
        self.session.account = AccountShown {
            fines: account.patron.fines,
            loans: account
                .loans
                .iter()
                .map(|l| LoanView {
                    barcode: l.loan.item.clone(),
                    title: l.title.clone(),
                    due: format::long_date(l.loan.due, self.lang),
                    overdue: l.loan.due < today,
                    renewals: l.loan.renewals,
                })
                .collect(),
            holds: account
                .holds
                .iter()
                .map(|h| HoldView {
                    title: h.title.clone(),
                    status: h.hold.status,
                    position: h.position.unwrap_or(0),
                    expires: h
                        .hold
                        .expires
                        .map(|d| format::long_date(d, self.lang))
                        .unwrap_or_default(),
                })
                .collect(),
            ready_count: account
                .holds
                .iter()
                .filter(|h| h.hold.status == HoldStatus::Ready && h.hold.pickup_branch == *branch)
                .count() as u32,
        };
        Ok(())
    }

    /// A barcode: a card on the first screens, an item on the borrow and return screens.
    pub(super) fn code(&mut self, code: &str) -> Result<()> {
        let code = code.trim().to_string();
        if code.is_empty() {
            return Ok(());
        }
        match self.screen {
            Screen::Welcome | Screen::Identify | Screen::Goodbye | Screen::Mobile => {
                self.identify(&code)
            }
            // A PIN typed on a keyboard or USB keypad, like the touch keypad.
            Screen::Pin => self.enter_pin(&code),
            Screen::Borrow => self.borrow(&code, None, &[]),
            Screen::Return => self.give_back(&code, None, &[]),
            _ => Ok(()),
        }
    }

    /// What lies on the pad: patron cards identify, items are lent or returned once each.
    pub(super) fn tags(&mut self, tags: &[TagReport]) -> Result<()> {
        let screen = self.screen;
        let mut items: BTreeMap<String, Vec<&TagReport>> = BTreeMap::new();
        for tag in tags {
            if self.session.handled_tags.contains(&tag.uid) {
                continue;
            }
            match &tag.data {
                Ok(data) if data.usage == USAGE_PATRON_CARD => {
                    if matches!(
                        screen,
                        Screen::Welcome | Screen::Identify | Screen::Goodbye | Screen::Mobile
                    ) {
                        self.session.handled_tags.insert(tag.uid);
                        return self.identify(&data.item_id.clone());
                    }
                }
                Ok(data) => items.entry(data.item_id.clone()).or_default().push(tag),
                Err(_) if matches!(screen, Screen::Borrow | Screen::Return) => {
                    self.session.handled_tags.insert(tag.uid);
                    self.push_row(RowView::refused(
                        String::new(),
                        String::new(),
                        Reason::TagUnreadable,
                    ));
                }
                Err(_) => {}
            }
        }
        if !matches!(screen, Screen::Borrow | Screen::Return) {
            return Ok(());
        }
        let ready = ready_sets(
            items,
            &mut self.session.waiting_sets,
            self.now,
            self.settings.parts_wait,
        );
        for set in ready {
            // An incomplete set is refused but its tags are not marked handled: laying the
            // missing part on the pad tries again.
            if set.complete() {
                self.session.handled_tags.extend(set.uids.iter().copied());
            }
            if screen == Screen::Borrow {
                self.borrow(&set.item_id, set.parts_seen, &set.uids)?;
            } else {
                self.give_back(&set.item_id, set.parts_seen, &set.uids)?;
            }
            if let Some(part) = set.missing
                && let Some(row) = self
                    .session
                    .rows
                    .iter_mut()
                    .find(|r| r.barcode == set.item_id && r.state == RowState::Refused)
            {
                row.missing_part = Some(part);
            }
        }
        Ok(())
    }

    /// Lends an item; RFID tags are disarmed (and read back) before the loan is committed.
    fn borrow(&mut self, barcode: &str, parts_seen: Option<u32>, uids: &[Uid]) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        if !uids.is_empty() {
            let preview = self.desk.preview_checkout(&card, barcode, parts_seen)?;
            if !preview.ok {
                self.push_loan(&preview, barcode, RowState::Borrowed);
                return Ok(());
            }
            if !self.secure_all(uids, self.settings.afi.afi_out) {
                let title = preview.item.map(|i| i.title).unwrap_or_default();
                // Some tags may have been disarmed: put them back before refusing.
                self.secure_all(uids, self.settings.afi.afi_in);
                self.push_row(RowView::refused(
                    barcode.to_string(),
                    title,
                    Reason::TagUnreadable,
                ));
                return Ok(());
            }
        }
        let result = self
            .desk
            .checkout(&card, barcode, Proof::NotNeeded, parts_seen)?;
        if !result.ok && !uids.is_empty() {
            self.secure_all(uids, self.settings.afi.afi_in);
        }
        self.push_loan(&result, barcode, RowState::Borrowed);
        Ok(())
    }

    fn secure_all(&mut self, uids: &[Uid], afi: u8) -> bool {
        let Some(pad) = self.pad.as_ref() else {
            return false;
        };
        uids.iter().all(|&uid| match pad.secure(uid, afi) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(%uid, "security not confirmed: {e}");
                false
            }
        })
    }

    /// Takes an item back; RFID tags are re-armed after the return is recorded.
    fn give_back(&mut self, barcode: &str, parts_seen: Option<u32>, uids: &[Uid]) -> Result<()> {
        let mut result = self.desk.checkin(barcode, parts_seen)?;
        if result.ok && !uids.is_empty() && !self.secure_all(uids, self.settings.afi.afi_in) {
            // Returned, but the alarm is not armed: staff must look at it.
            result.route = Route::Exception;
        }
        self.push_return(&result, barcode);
        Ok(())
    }

    pub(super) fn renew(&mut self, barcode: &str) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        let result = self.desk.renew(&card, barcode)?;
        self.push_renewal(&result);
        self.load_account()
    }

    pub(super) fn renew_all(&mut self) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        for result in self.desk.renew_all(&card)? {
            self.push_renewal(&result);
        }
        self.load_account()
    }

    fn push_renewal(&mut self, result: &LoanResult) {
        let barcode = result
            .item
            .as_ref()
            .map(|i| i.barcode.clone())
            .unwrap_or_default();
        self.push_loan(result, &barcode, RowState::Renewed);
    }

    pub(super) fn pick_up(&mut self) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        let result = self.desk.pickup(&card, Proof::NotNeeded)?;
        for item in &result.items {
            let barcode = item
                .item
                .as_ref()
                .map(|i| i.barcode.clone())
                .unwrap_or_default();
            self.push_loan(item, &barcode, RowState::Borrowed);
        }
        if result.items.is_empty()
            && let Some(reason) = result.reason
        {
            self.session.notice = Some(reason);
        }
        self.load_account()
    }

    fn push_loan(&mut self, result: &LoanResult, barcode: &str, ok_state: RowState) {
        let title = title_of(result.item.as_ref());
        let message = result.central_message.clone();
        if !result.ok {
            return self.push_refusal(barcode, title, result.reason, message);
        }
        let due = result.due.map(|d| format::long_date(d, self.lang));
        self.session
            .receipt_lines
            .push(loan_line(self.lang, &title, barcode, due.as_deref()));
        self.keep_print_lines(&result.print_lines);
        self.push_row(RowView {
            due,
            message,
            ..RowView::done(barcode, title, ok_state)
        });
    }

    fn push_return(&mut self, result: &CheckinResult, barcode: &str) {
        let title = title_of(result.item.as_ref());
        let message = result.central_message.clone();
        if !result.ok {
            return self.push_refusal(barcode, title, result.reason, message);
        }
        self.session
            .receipt_lines
            .push(return_line(self.lang, &title, barcode, result.fine));
        self.keep_print_lines(&result.print_lines);
        self.push_row(RowView {
            route: Some(result.route),
            fine: result.fine,
            message,
            ..RowView::done(barcode, title, RowState::Returned)
        });
    }

    /// The library system's receipt lines, printed verbatim once each at the end.
    fn keep_print_lines(&mut self, lines: &[String]) {
        for line in lines {
            if !self.session.central_print_lines.contains(line) {
                self.session.central_print_lines.push(line.clone());
            }
        }
    }

    fn push_refusal(
        &mut self,
        barcode: &str,
        title: String,
        reason: Option<Reason>,
        message: Option<String>,
    ) {
        self.push_row(RowView {
            message,
            ..RowView::refused(
                barcode.to_string(),
                title,
                reason.unwrap_or(Reason::ItemNotFound),
            )
        });
    }

    fn push_row(&mut self, row: RowView) {
        self.cues.push(if row.state == RowState::Refused {
            Cue::Refusal
        } else {
            Cue::Success
        });
        self.session.push_row(row);
    }

    /// "Done": the receipt question when anything happened, else goodbye.
    pub(super) fn finish(&mut self) {
        // On a bus: the receipt only where a printer is fitted, then straight back home
        // for the next patron in the queue.
        if self.is_mobile() && (self.session.receipt_lines.is_empty() || self.printer.is_none()) {
            self.end_session();
            return;
        }
        if self.session.receipt_lines.is_empty() {
            self.goodbye();
        } else {
            self.screen = Screen::Receipt;
        }
    }

    pub(super) fn receipt(&mut self, print: bool) {
        if print {
            self.print_receipt();
        }
        if self.is_mobile() {
            self.end_session();
        } else if self.settings.feedback_enabled {
            self.screen = Screen::Feedback;
        } else {
            self.goodbye();
        }
    }

    /// Asks the hub, with the PIN just accepted, where this patron's receipt could be sent;
    /// not when the last sync failed (the patron would wait for a timeout for nothing). The
    /// PIN goes no further than this call.
    fn ask_receipt_channel(&mut self, card: &str, pin: &str) {
        let offline = matches!(self.central, Some(CentralState::Failed(_)));
        if let Some(lookup) = self.contact.as_ref().filter(|_| !offline) {
            self.session.receipt_channel = lookup.receipt_channel(card, pin);
        }
    }

    /// "Kirim ke WhatsApp": a `receipt_request` with the visit's lines for the hub to send,
    /// then on as after the receipt question.
    pub(super) fn send_receipt(&mut self) -> Result<()> {
        let (Some(card), Some(channel)) = (
            self.session.card.clone(),
            self.session.receipt_channel.clone(),
        ) else {
            return Ok(());
        };
        let lines: Vec<String> = self
            .session
            .receipt_lines
            .iter()
            .map(|item| format!("{} ({}): {}", item.title, item.barcode, item.note))
            .collect();
        self.desk
            .record_receipt_request(&card, lines, self.lang.code())?;
        self.session.receipt_sent_to = Some(channel.to);
        self.receipt(false);
        Ok(())
    }

    pub(super) fn print_receipt(&mut self) {
        let Some(printer) = self.printer.as_mut() else {
            return;
        };
        let patron =
            (!self.session.patron_name.is_empty()).then(|| self.session.patron_name.clone());
        let mut receipt = session_receipt(
            self.lang,
            &self.settings.library_name,
            &self.desk.local_now(),
            patron,
            self.session.receipt_lines.clone(),
            self.session.borrowed_any(),
        );
        // The library system's own lines (SIP2 print lines), verbatim, before the count.
        let central = self.session.central_print_lines.clone();
        receipt.footer.splice(0..0, central);
        if let Err(e) = printer.print(&receipt) {
            tracing::warn!("receipt not printed: {e}");
            self.set_device(DeviceState {
                device: "printer".into(),
                ok: false,
                detail: Some(e.to_string()),
            });
        }
    }

    pub(super) fn goodbye(&mut self) {
        self.screen = Screen::Goodbye;
        self.idle_countdown = None;
        self.session.goodbye_since = Some(self.now);
        if let Some(card) = self.session.card.take() {
            self.desk.end_session(&card);
        }
    }

    /// Back to the welcome screen with nothing of the last patron left on it.
    pub(super) fn end_session(&mut self) {
        self.reset_session();
        self.screen = self.home();
        self.idle_countdown = None;
        self.lang = self.settings.default_lang;
        self.display = super::view::Display::default();
    }
}

/// An item's title as results carry it; empty for an unknown item.
fn title_of(item: Option<&ItemRef>) -> String {
    item.map(|i| i.title.clone()).unwrap_or_default()
}
