//! Transactions that decide nothing: a patron's rating of the visit, attendance at an
//! event, and what a drop box records as an exception.

use super::{Ctx, Desk};
use crate::contract::transactions::{
    AttendPayload, FeedbackPayload, ReceiptRequestPayload, TxBody,
};
use crate::store::{Result, outbox};
use rusqlite::Connection;
use uuid::Uuid;

impl Desk {
    /// Records a patron's rating of their visit (1–5) for the library's evaluation.
    pub fn record_feedback(&mut self, score: u8) -> Result<Uuid> {
        self.append_made(|_, ctx| {
            Ok(TxBody::Feedback(FeedbackPayload {
                score,
                branch: ctx.settings.branch.clone(),
                comment: None,
                repeat: false,
            }))
        })
    }

    /// Records that a member came to an event (checked in at the event's banner): the hub
    /// marks them present on its list, or adds them as a walk-in.
    pub fn record_attendance(&mut self, event: &str, card: &str) -> Result<Uuid> {
        self.append_made(|_, ctx| {
            Ok(TxBody::Attend(AttendPayload {
                event: event.to_string(),
                patron: card.to_string(),
                at: ctx.time.at,
            }))
        })
    }

    /// Records a patron's request for the visit's receipt on their channel: the hub sends
    /// it (WhatsApp, SMS, e-mail) with these lines.
    pub fn record_receipt_request(
        &mut self,
        card: &str,
        lines: Vec<String>,
        lang: &str,
    ) -> Result<Uuid> {
        self.append_made(|_, ctx| {
            Ok(TxBody::ReceiptRequest(ReceiptRequestPayload {
                patron: card.to_string(),
                lines,
                at: ctx.time.at,
                lang: Some(lang.to_string()),
            }))
        })
    }

    /// Records a transaction that decides nothing (a drop box's exception) at the station's
    /// time, with `also` in the same SQLite transaction.
    pub fn record(
        &mut self,
        body: &TxBody,
        also: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<Uuid> {
        self.append_made(|conn, _| {
            also(conn)?;
            Ok(body.clone())
        })
    }

    /// Appends the transaction `make` builds, in one SQLite transaction with the writes
    /// `make` does on the way (it may need them, the branch or the station's time).
    pub(super) fn append_made(
        &mut self,
        make: impl FnOnce(&Connection, &Ctx<'_>) -> Result<TxBody>,
    ) -> Result<Uuid> {
        let (tx, ctx) = self.begin()?;
        let body = make(&tx, &ctx)?;
        let appended = outbox::append(
            &tx,
            &ctx.settings.station_id,
            &body,
            None,
            ctx.time.at,
            ctx.time.trusted,
        )?;
        tx.commit()?;
        Ok(appended.id)
    }

    /// Writes the station's own records beside circulation (the drop box's journal) in one
    /// SQLite transaction, committed when `work` returns `Ok`.
    pub fn journal<T>(&mut self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self.store.write()?;
        let done = work(&tx)?;
        tx.commit()?;
        Ok(done)
    }
}
