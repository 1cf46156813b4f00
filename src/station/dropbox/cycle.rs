//! One item through the chute: read, check in, re-arm, choose a bin, divert, record.
//!
//! The journal row is begun before anything happens and the return commits together with the
//! row's `checked_in` state, so whatever a power cut interrupts, the journal knows whether the
//! item was returned; the final record (and, for an exception, the `return_exception`
//! transaction) commits in one transaction at the end.

use super::sorting::Placement;
use super::{AwaitingCode, DropBox, DropRecord};
use crate::contract::transactions::{ReturnExceptionPayload, TxBody};
use crate::domain::Route;
use crate::reason::Reason;
use crate::station::sets::ready_sets;
use crate::store::{Result, dropbox};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use swalayan_hardware::gpio::Level;
use swalayan_hardware::rfid::{TagReport, Uid};

/// What was read of one item.
struct ReadItem {
    barcode: String,
    uids: Vec<Uid>,
    parts_seen: Option<u32>,
    isil: Option<String>,
}

/// How an item's cycle ends, before it is recorded.
struct Outcome {
    item: Option<String>,
    checked_in: bool,
    route: Option<Route>,
    /// The bin it is sent to; `None`: no bin can take it.
    bin: Option<String>,
    reason: Option<Reason>,
}

impl DropBox {
    /// The beam broke at `beam_at` (runtime clock): an item is in the chute.
    pub fn item_dropped(&mut self, beam_at: Duration) -> Result<()> {
        let started = Instant::now();
        if let Some(waiting) = self.awaiting.take() {
            // A second item before the first was read: the first is unreadable.
            self.finish_unread(waiting)?;
        }
        self.bins.loads = dropbox::bin_loads(self.desk.store().conn())?;
        self.view.intake = super::Intake::Busy;
        self.show_intake();
        let at = self.desk.now()?.at;
        let cycle = self.desk.journal(|conn| dropbox::begin(conn, at))?;
        let items = self.read_items();
        if items.is_empty() {
            if self.settings.scanner {
                // A fixed scanner may still read its barcode (a book without a tag).
                self.awaiting = Some(AwaitingCode {
                    cycle,
                    beam_at,
                    since: started,
                });
                self.view.intake = super::Intake::Busy;
                return Ok(());
            }
            let outcome = self.exception(None, false, Reason::TagUnreadable);
            self.complete(cycle, beam_at, started, outcome)?;
        }
        for (i, item) in items.into_iter().enumerate() {
            // Several items at once (a stack pushed through): one journal row each.
            let cycle = if i == 0 {
                cycle
            } else {
                self.desk.journal(|conn| dropbox::begin(conn, at))?
            };
            let outcome = self.return_item(cycle, &item)?;
            self.complete(cycle, beam_at, started, outcome)?;
        }
        self.refresh()
    }

    /// A code from the fixed scanner: the item the chute is waiting for.
    pub fn code_read(&mut self, code: &str) -> Result<()> {
        let Some(waiting) = self.awaiting.take() else {
            tracing::debug!("drop box: a code with no item in the chute");
            return Ok(());
        };
        let item = ReadItem {
            barcode: code.trim().to_string(),
            uids: Vec::new(),
            parts_seen: None,
            isil: None,
        };
        let outcome = self.return_item(waiting.cycle, &item)?;
        self.complete(waiting.cycle, waiting.beam_at, waiting.since, outcome)?;
        self.refresh()
    }

    /// Time passes: an item waiting for a code too long is unreadable.
    pub(super) fn check_wait(&mut self) -> Result<()> {
        if let Some(waiting) = self.awaiting
            && waiting.since.elapsed() >= self.settings.code_wait
        {
            self.awaiting = None;
            self.finish_unread(waiting)?;
        }
        Ok(())
    }

    fn finish_unread(&mut self, waiting: AwaitingCode) -> Result<()> {
        let outcome = self.exception(None, false, Reason::TagUnreadable);
        self.complete(waiting.cycle, waiting.beam_at, waiting.since, outcome)
    }

    /// Inventories the chute's reader until something is read, up to the attempts set.
    fn read_items(&mut self) -> Vec<ReadItem> {
        let Some(pad) = self.pad.clone() else {
            return Vec::new();
        };
        let mut tags: Vec<TagReport> = Vec::new();
        for attempt in 1..=self.settings.read_attempts.max(1) {
            match pad.poll() {
                Ok(found) => {
                    self.set_device("rfid", "ok");
                    tags = found;
                }
                Err(e) => {
                    tracing::warn!(attempt, "drop box reader: {e}");
                    self.set_device("rfid", &e.to_string());
                }
            }
            if tags.iter().any(|t| t.data.is_ok()) {
                break;
            }
        }
        let mut by_item: BTreeMap<String, Vec<&TagReport>> = BTreeMap::new();
        for tag in &tags {
            if let Ok(data) = &tag.data {
                by_item.entry(data.item_id.clone()).or_default().push(tag);
            }
        }
        let isil_of: BTreeMap<String, Option<String>> = by_item
            .iter()
            .map(|(id, parts)| {
                let isil = parts
                    .iter()
                    .find_map(|t| t.data.as_ref().ok().and_then(|d| d.isil.clone()));
                (id.clone(), isil)
            })
            .collect();
        // The parts of a set fall together: decided at once, nothing waits.
        ready_sets(
            by_item,
            &mut BTreeMap::new(),
            Duration::ZERO,
            Duration::ZERO,
        )
        .into_iter()
        .map(|set| ReadItem {
            isil: isil_of.get(&set.item_id).cloned().flatten(),
            parts_seen: set.parts_seen.or(Some(set.uids.len() as u32)),
            uids: set.uids,
            barcode: set.item_id,
        })
        .collect()
    }

    /// Checks an item in (with its journal row), re-arms it and chooses its bin.
    fn return_item(&mut self, cycle: i64, item: &ReadItem) -> Result<Outcome> {
        self.desk
            .journal(|conn| dropbox::item_read(conn, cycle, &item.barcode))?;
        if let (Some(ours), Some(theirs)) = (&self.settings.isil, &item.isil)
            && ours != theirs
        {
            return Ok(self.exception(Some(&item.barcode), false, Reason::WrongLibrary));
        }
        let sorting = &self.settings.sorting;
        let bins = &self.bins;
        let mut placement: Option<Placement> = None;
        let result =
            self.desk
                .checkin_recorded(&item.barcode, item.parts_seen, |conn, result| {
                    if !result.ok {
                        return Ok(());
                    }
                    placement = sorting.place(
                        sorting.chosen(
                            result.route,
                            result.copy.as_ref(),
                            result.sort_bin.as_deref(),
                        ),
                        bins,
                    );
                    let bin = placement.as_ref().map(|p| p.bin.as_str());
                    dropbox::checked_in(conn, cycle, &item.barcode, result.route, bin.unwrap_or(""))
                })?;
        if !result.ok {
            let reason = result.reason.unwrap_or(Reason::ItemNotFound);
            return Ok(self.exception(Some(&item.barcode), false, reason));
        }
        let route = Some(result.route);
        if !item.uids.is_empty() && !self.rearm(&item.uids) {
            let mut outcome = self.exception(Some(&item.barcode), true, Reason::SecurityNotArmed);
            outcome.route = route;
            return Ok(outcome);
        }
        Ok(match placement {
            None => Outcome {
                item: Some(item.barcode.clone()),
                checked_in: true,
                route,
                bin: None,
                reason: Some(Reason::BinFull),
            },
            Some(placement) => Outcome {
                item: Some(item.barcode.clone()),
                checked_in: true,
                route,
                bin: Some(placement.bin),
                reason: placement.reason,
            },
        })
    }

    /// An exception: to the exception bin if it has room.
    fn exception(&self, item: Option<&str>, checked_in: bool, reason: Reason) -> Outcome {
        let sorting = &self.settings.sorting;
        let bin = sorting
            .place(sorting.route_bin(Route::Exception), &self.bins)
            .map(|p| p.bin);
        Outcome {
            item: item.map(str::to_string),
            checked_in,
            route: None,
            bin,
            reason: Some(reason),
        }
    }

    /// Re-arms every tag of the item and reads it back.
    fn rearm(&mut self, uids: &[Uid]) -> bool {
        let Some(pad) = self.pad.clone() else {
            return false;
        };
        let afi = self.settings.afi.afi_in;
        uids.iter().all(|&uid| match pad.secure(uid, afi) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(%uid, "drop box: security not re-armed: {e}");
                false
            }
        })
    }

    /// Sends the item to its bin, then records how the cycle ended.
    fn complete(
        &mut self,
        cycle: i64,
        beam_at: Duration,
        started: Instant,
        mut outcome: Outcome,
    ) -> Result<()> {
        if let Some(bin) = outcome.bin.clone()
            && let Err(e) = self.divert(&bin)
        {
            tracing::error!(bin, "drop box: not diverted: {e}");
            outcome.bin = None;
            outcome.reason = Some(Reason::NotDiverted);
        }
        let cycle_ms = started.elapsed().as_millis() as u64;
        let result = if outcome.reason.is_none() {
            "returned"
        } else {
            "exception"
        };
        let route = outcome
            .route
            .filter(|_| outcome.checked_in)
            .unwrap_or(Route::Exception);
        let reason = outcome.reason;
        let finish = dropbox::Finish {
            result,
            item: outcome.item.as_deref(),
            route: Some(route),
            bin: outcome.bin.as_deref(),
            reason,
            checked_in: outcome.checked_in,
            cycle_ms,
        };
        let at = self.desk.now()?.at;
        match reason {
            None => {
                self.desk
                    .journal(|conn| dropbox::finish(conn, cycle, at, &finish))?;
            }
            Some(reason) => {
                let body = TxBody::ReturnException(ReturnExceptionPayload {
                    item: outcome.item.clone(),
                    reason: reason.into(),
                    checked_in: outcome.checked_in,
                    bin: outcome.bin.clone(),
                    at,
                });
                self.desk
                    .record(&body, |conn| dropbox::finish(conn, cycle, at, &finish))?;
            }
        }
        if let Some(bin) = &outcome.bin {
            *self.bins.loads.entry(bin.clone()).or_default() += 1;
        }
        self.finished(DropRecord {
            t_ms: beam_at.as_millis() as u64,
            item: outcome.item.unwrap_or_default(),
            result,
            route,
            bin: outcome.bin,
            reason,
            cycle_ms,
        });
        Ok(())
    }

    /// Switches the bin's diverter lines on and every other diverter line off.
    fn divert(&mut self, bin: &str) -> Result<(), swalayan_hardware::gpio::GpioError> {
        let wanted: Vec<u32> = self
            .settings
            .sorting
            .bin(bin)
            .map(|b| b.diverter.clone())
            .unwrap_or_default();
        for (line, output) in self.outputs.diverters.iter_mut() {
            let level = if wanted.contains(line) {
                Level::High
            } else {
                Level::Low
            };
            output.set(level)?;
        }
        Ok(())
    }
}
