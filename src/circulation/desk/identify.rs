//! Who is at the station: the card, and the PIN when one is asked, with wrong tries counted
//! and sent to the central (the lockout is the library's, not one station's).

use super::{Ctx, Desk, Proof};
use crate::circulation::pin::{PinCheck, check_pin};
use crate::contract::transactions::{PinAttemptPayload, TxBody};
use crate::domain::{Patron, redact};
use crate::reason::Reason;
use crate::store::{Result, catalog, outbox};
use rusqlite::Connection;

impl Desk {
    /// Checks a patron's card and PIN the way checkout does, recording wrong tries.
    pub fn identify(&mut self, card: &str, proof: Proof<'_>) -> Result<Result<Patron, Reason>> {
        if self.system.is_some() {
            return self.identify_online(card, proof);
        }
        self.identify_local(card, proof)
    }

    /// [`Desk::identify`] by the station's own copy of the patron.
    pub(super) fn identify_local(
        &mut self,
        card: &str,
        proof: Proof<'_>,
    ) -> Result<Result<Patron, Reason>> {
        let (tx, ctx) = self.begin()?;
        let outcome = identify_in(&tx, &ctx, card, proof)?;
        tx.commit()?;
        Ok(outcome)
    }
}

/// Finds the patron and checks the PIN, storing wrong tries and lockouts.
pub(super) fn identify_in(
    conn: &Connection,
    ctx: &Ctx<'_>,
    card: &str,
    proof: Proof<'_>,
) -> Result<Result<Patron, Reason>> {
    let (time, policy) = (ctx.time, ctx.policy);
    let Some(patron) = catalog::patron(conn, card)? else {
        return Ok(Err(Reason::PatronNotFound));
    };
    let Proof::Pin(given) = proof else {
        return Ok(Ok(patron));
    };
    let check = check_pin(
        patron.pin_hash.as_deref(),
        given,
        patron.pin_failures,
        patron.pin_locked_until,
        time.at,
        policy.pin_max_attempts,
        policy.pin_lockout_minutes,
    );
    // Every PIN actually checked travels to the central, right or wrong: the count is the
    // library's, so three wrong PINs here lock the card at every station and on the web.
    let attempt = |ok: bool| -> Result<()> {
        let body = TxBody::PinAttempt(PinAttemptPayload {
            patron: card.to_string(),
            ok,
            at: time.at,
        });
        outbox::append(
            conn,
            &ctx.settings.station_id,
            &body,
            None,
            time.at,
            time.trusted,
        )?;
        Ok(())
    };
    match check {
        PinCheck::Accepted => {
            if patron.pin_hash.is_some() {
                attempt(true)?;
            }
            if patron.pin_failures > 0 || patron.pin_locked_until.is_some() {
                catalog::set_pin_state(conn, card, 0, None)?;
            }
            Ok(Ok(patron))
        }
        PinCheck::Required => Ok(Err(Reason::PinRequired)),
        PinCheck::Locked { .. } => Ok(Err(Reason::PinLocked)),
        PinCheck::Incorrect {
            failures,
            locked_until,
        } => {
            catalog::set_pin_state(conn, card, failures, locked_until)?;
            attempt(false)?;
            tracing::warn!(patron = %redact(card), failures, locked = locked_until.is_some(), "wrong PIN");
            Ok(Err(if locked_until.is_some() {
                Reason::PinLocked
            } else {
                Reason::PinIncorrect
            }))
        }
    }
}
