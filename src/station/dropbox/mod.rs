//! The drop box: a headless station at a return chute. An item breaking the beam starts a
//! cycle: the reader (and/or a fixed scanner) reads it, the desk checks it in with the same
//! rules, outbox and sync as the kiosk, its security is re-armed and read back, the diverter
//! sends it to its bin, and anything it could not do becomes an exception with a reason code
//! (`return_exception` for the hub, a line in the journal for staff). The door lock holds and
//! the slot light is red while an item is in the chute, while the chute is closed (opening
//! hours) and while intake is stopped (a full bin with nowhere for its items to go).
//!
//! - [`sorting`]: bins, sorting rules, overflow, full bins.
//! - [`hours`]: when the chute is open.
//! - `cycle`: one item through the chute, journalled so a power cut never returns an item
//!   twice and leaves a half-done one listed for staff (`store::dropbox`).
//! - `role`: the drop box on the station runtime.

mod cycle;
pub mod hours;
mod role;
pub mod sorting;

use crate::circulation::desk::Desk;
use crate::domain::Route;
use crate::reason::Reason;
use crate::station::cues::Cue;
use crate::station::pad::SharedPad;
use crate::store::{Result, dropbox};
use hours::OpeningHours;
use serde::Serialize;
use sorting::{BinState, Sorting};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use swalayan_hardware::gpio::{Level, OutputLine};
use swalayan_hardware::rfid::security::AfiPolicy;

/// How the drop box is set up (`[dropbox]`, `[library] isil`, `[rfid]` AFI values).
#[derive(Debug, Clone)]
pub struct DropboxSettings {
    pub sorting: Sorting,
    pub hours: OpeningHours,
    /// The beam at the chute mouth (input, on while an item passes).
    pub beam: u32,
    /// Inventories before an item counts as unreadable (the first read and its retries).
    pub read_attempts: u32,
    /// With a fixed barcode scanner: how long to wait for a code after the beam.
    pub code_wait: Duration,
    /// This library's ISIL: a tag of another library is an exception (`wrong_library`).
    pub isil: Option<String>,
    pub afi: AfiPolicy,
    /// Whether a barcode scanner reads items too (then a tagless item waits for its code).
    pub scanner: bool,
}

impl DropboxSettings {
    /// A drop box with one bin per route, always open, reading twice.
    pub fn new(sorting: Sorting) -> DropboxSettings {
        DropboxSettings {
            sorting,
            hours: OpeningHours::default(),
            beam: 17,
            read_attempts: 2,
            code_wait: Duration::from_millis(1500),
            isil: None,
            afi: AfiPolicy::default(),
            scanner: false,
        }
    }
}

/// The lines the drop box drives; each is optional.
#[derive(Default)]
pub struct DropOutputs {
    /// On: the chute door is locked.
    pub lock: Option<Box<dyn OutputLine>>,
    pub green: Option<Box<dyn OutputLine>>,
    pub red: Option<Box<dyn OutputLine>>,
    /// The diverter's lines by number; a bin switches its own on and all others off.
    pub diverters: BTreeMap<u32, Box<dyn OutputLine>>,
    /// A speaker (`[speech] enabled`): each item's result spoken, in the station's language.
    pub voice: Option<(crate::station::speech::Speaker, crate::reason::Lang)>,
}

/// What the drop box says of an item (issue #33): received with thanks, or where to take one
/// it could not take in.
pub fn spoken_result(record: &DropRecord, lang: crate::reason::Lang) -> &'static str {
    use crate::reason::Lang;
    let foreign = matches!(
        record.reason,
        Some(Reason::WrongLibrary | Reason::ItemNotFound)
    );
    match (record.result, foreign, lang) {
        ("returned", _, Lang::Id) => "Terima kasih, buku diterima.",
        ("returned", _, Lang::En) => "Thank you, the book is received.",
        (_, true, Lang::Id) => {
            "Buku ini bukan milik perpustakaan ini, silakan bawa ke meja layanan."
        }
        (_, true, Lang::En) => {
            "This book does not belong to this library; please take it to the service desk."
        }
        (_, false, Lang::Id) => {
            "Buku ini belum dapat diterima di sini, silakan tanyakan ke meja layanan."
        }
        (_, false, Lang::En) => {
            "This book could not be taken in here; please ask at the service desk."
        }
    }
}

/// One item's outcome (the `drops` of `dropbox replay`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DropRecord {
    /// When the beam broke, on the runtime's clock (milliseconds).
    pub t_ms: u64,
    /// The barcode read; empty when nothing could be read.
    pub item: String,
    /// `returned` or `exception`.
    pub result: &'static str,
    /// The checkin route; `exception` for an item that was not checked in.
    pub route: Route,
    /// The bin it went to; `null` when it reached none (listed for staff).
    pub bin: Option<String>,
    pub reason: Option<Reason>,
    /// Real processing time from the beam to the diverter.
    pub cycle_ms: u64,
}

/// Whether the chute takes items now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "why")]
pub enum Intake {
    Open,
    /// An item is in the chute.
    Busy,
    /// Outside the opening hours.
    Closed,
    /// A bin is full with nowhere for its items to go, until staff empty it.
    Stopped(String),
}

/// What the drop box shows (its optional screen, its status).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DropboxView {
    pub intake: Intake,
    /// The last item through the chute.
    pub last: Option<DropRecord>,
    pub returned: u64,
    pub exceptions: u64,
    /// Items in each bin since it was emptied.
    pub bins: BTreeMap<String, u32>,
    pub devices: Vec<String>,
}

/// A cycle waiting for a fixed scanner's code (no tag was read).
#[derive(Debug, Clone, Copy)]
struct AwaitingCode {
    cycle: i64,
    beam_at: Duration,
    since: Instant,
}

pub struct DropBox {
    desk: Desk,
    settings: DropboxSettings,
    pad: Option<SharedPad>,
    outputs: DropOutputs,
    bins: BinState,
    awaiting: Option<AwaitingCode>,
    open_hours: bool,
    devices: BTreeMap<String, String>,
    records: Vec<DropRecord>,
    cues: Vec<Cue>,
    view: DropboxView,
    /// The intake line last written to the store.
    intake_told: Option<String>,
}

/// Where the running drop box leaves its intake state for `swalayan status`.
pub const INTAKE_KEY: &str = "dropbox_intake";

impl DropBox {
    /// Starts the drop box: cycles a power cut interrupted are listed for staff first.
    pub fn new(
        mut desk: Desk,
        settings: DropboxSettings,
        pad: Option<SharedPad>,
        outputs: DropOutputs,
    ) -> Result<DropBox> {
        let at = desk.now()?.at;
        let interrupted = desk.journal(|conn| dropbox::recover(conn, at))?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "drop box: items interrupted mid-cycle are listed for staff (status --json: attention)"
            );
        }
        let mut dropbox = DropBox {
            desk,
            settings,
            pad,
            outputs,
            bins: BinState::default(),
            awaiting: None,
            open_hours: true,
            devices: BTreeMap::new(),
            records: Vec::new(),
            cues: Vec::new(),
            intake_told: None,
            view: DropboxView {
                intake: Intake::Open,
                last: None,
                returned: 0,
                exceptions: 0,
                bins: BTreeMap::new(),
                devices: Vec::new(),
            },
        };
        dropbox.refresh()?;
        Ok(dropbox)
    }

    pub fn view(&self) -> &DropboxView {
        &self.view
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// The records of the items handled since the last call.
    pub fn take_records(&mut self) -> Vec<DropRecord> {
        std::mem::take(&mut self.records)
    }

    /// Re-reads the bins and the hours, then sets the lights and the lock.
    fn refresh(&mut self) -> Result<()> {
        self.bins.loads = dropbox::bin_loads(self.desk.store().conn())?;
        self.open_hours = self.settings.hours.is_open(&self.desk.local_now());
        self.view.bins = self.bins.loads.clone();
        let intake = self.intake();
        // `swalayan status` (another process) says what the running station sees, full
        // sensors included; written when it changes, not per item.
        let line = match &intake {
            Intake::Open => "open".to_string(),
            Intake::Busy => "busy".to_string(),
            Intake::Closed => "closed".to_string(),
            Intake::Stopped(why) => format!("stopped: {why}"),
        };
        if self.intake_told.as_deref() != Some(line.as_str()) {
            self.desk
                .journal(|conn| crate::store::meta::set(conn, INTAKE_KEY, &line))?;
            self.intake_told = Some(line);
        }
        self.view.intake = intake;
        self.view.devices = self
            .devices
            .iter()
            .map(|(name, state)| format!("{name}: {state}"))
            .collect();
        self.show_intake();
        Ok(())
    }

    fn intake(&self) -> Intake {
        if self.awaiting.is_some() {
            Intake::Busy
        } else if let Some(why) = self.settings.sorting.intake_stopped(&self.bins) {
            Intake::Stopped(why)
        } else if !self.open_hours {
            Intake::Closed
        } else {
            Intake::Open
        }
    }

    /// Green and unlocked only when open; red and locked otherwise.
    fn show_intake(&mut self) {
        let open = self.view.intake == Intake::Open;
        let outputs = &mut self.outputs;
        for (line, on) in [
            (&mut outputs.green, open),
            (&mut outputs.red, !open),
            (&mut outputs.lock, !open),
        ] {
            if let Some(line) = line
                && let Err(e) = line.set(if on { Level::High } else { Level::Low })
            {
                tracing::error!("drop box light or lock: {e}");
            }
        }
    }

    fn set_device(&mut self, name: &str, state: &str) {
        self.devices.insert(name.to_string(), state.to_string());
    }

    fn finished(&mut self, record: DropRecord) {
        tracing::info!(
            item = %record.item,
            result = record.result,
            bin = record.bin.as_deref().unwrap_or("-"),
            reason = record.reason.map(Reason::code).unwrap_or(""),
            cycle_ms = record.cycle_ms,
            "drop"
        );
        if record.result == "returned" {
            self.view.returned += 1;
            self.cues.push(Cue::Success);
        } else {
            self.view.exceptions += 1;
            self.cues.push(Cue::Refusal);
        }
        if let Some((speaker, lang)) = &self.outputs.voice {
            speaker.say(*lang, spoken_result(&record, *lang));
        }
        self.view.last = Some(record.clone());
        self.records.push(record);
    }
}
