//! The entrance counter as a role of the station runtime: each passage's beams arrive as GPIO
//! edges; counts are committed per passage and quarter hour as they happen; a raw edge can be
//! recorded in the trace format (`gate --record FILE`) to replay a real day after a change.

use super::counter::{Beam, GateEvent, PassageCounter, Timings};
use crate::clock::{Clock, station_time};
use crate::config::Passage;
use crate::station::cues::Cue;
use crate::station::runtime::{Event, Role, device_line};
use crate::store::visits::{self, Direction};
use crate::store::{Store, StoreError, meta};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

/// What the counter shows (its status).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GateView {
    #[serde(rename = "in")]
    pub entered: u64,
    #[serde(rename = "out")]
    pub left: u64,
    pub uncertain: u64,
    /// Open alarms, e.g. "utama: beam b blocked", "security: 31000000101 Bumi".
    pub alarms: Vec<String>,
    /// Items that left without being borrowed, since the start.
    pub security_alarms: u64,
    pub devices: Vec<String>,
}

struct Lane {
    passage: Passage,
    counter: PassageCounter,
}

pub struct GateStation {
    store: Store,
    clock: Box<dyn Clock>,
    lanes: Vec<Lane>,
    /// The last edge's own time and when it arrived: "now" on the edges' clock.
    last_edge: Option<(Duration, Instant)>,
    record: Option<std::io::BufWriter<std::fs::File>>,
    last_t_ms: u64,
    devices: BTreeMap<String, String>,
    view: GateView,
    security: Option<Security>,
    cues: Vec<Cue>,
    /// The alarms last written for `swalayan status`.
    alarms_told: Option<Vec<String>>,
}

/// Where the running counter leaves its open alarms for `swalayan status` (JSON list).
pub const ALARMS_KEY: &str = "gate_alarms";

/// The optional RFID security gate at the exit.
struct Security {
    /// The AFI of an item in the library (not borrowed): it alarms.
    afi_in: u8,
    station_id: String,
    /// Tags in the field now: an item alarms once per pass, not once per poll.
    present: std::collections::BTreeSet<swalayan_hardware::rfid::Uid>,
}

impl GateStation {
    pub fn new(
        store: Store,
        clock: Box<dyn Clock>,
        passages: &[Passage],
        timings: Timings,
        record: Option<std::fs::File>,
    ) -> GateStation {
        let mut record = record.map(std::io::BufWriter::new);
        if let Some(file) = &mut record
            && let Err(e) = writeln!(file, "t_ms,passage,beam,blocked").and_then(|_| file.flush())
        {
            tracing::error!("gate record: {e}");
        }
        GateStation {
            store,
            clock,
            lanes: passages
                .iter()
                .map(|p| Lane {
                    passage: p.clone(),
                    counter: PassageCounter::new(timings),
                })
                .collect(),
            last_edge: None,
            record,
            last_t_ms: 0,
            devices: BTreeMap::new(),
            view: GateView::default(),
            security: None,
            cues: Vec::new(),
            alarms_told: None,
        }
    }

    /// Leaves the open alarms where `swalayan status` (another process) reads them.
    fn tell_alarms(&mut self) -> Result<(), StoreError> {
        if self.alarms_told.as_ref() != Some(&self.view.alarms) {
            let text = serde_json::to_string(&self.view.alarms).unwrap_or_default();
            meta::set(self.store.conn(), ALARMS_KEY, &text)?;
            self.alarms_told = Some(self.view.alarms.clone());
        }
        Ok(())
    }

    /// Adds the security gate: the runtime's RFID thread reports the exit's field; an item
    /// whose tag still carries `afi_in` sounds the alarm and is sent to the hub.
    pub fn with_security(mut self, afi_in: u8, station_id: &str) -> GateStation {
        self.security = Some(Security {
            afi_in,
            station_id: station_id.to_string(),
            present: Default::default(),
        });
        self
    }

    /// What lies in the exit's field now.
    fn tags(&mut self, tags: &[swalayan_hardware::rfid::TagReport]) -> Result<(), StoreError> {
        let Some(security) = &mut self.security else {
            return Ok(());
        };
        let now: std::collections::BTreeSet<_> = tags.iter().map(|t| t.uid).collect();
        let arriving: Vec<_> = tags
            .iter()
            .filter(|t| !security.present.contains(&t.uid) && t.afi == Some(security.afi_in))
            .cloned()
            .collect();
        security.present = now;
        let station_id = security.station_id.clone();
        for tag in arriving {
            let item = tag.data.as_ref().ok().map(|d| d.item_id.clone());
            let title = match &item {
                Some(barcode) => {
                    crate::store::catalog::item(self.store.conn(), barcode)?.map(|i| i.title)
                }
                None => None,
            };
            let time = station_time(
                self.clock.now(),
                self.clock.synchronised(),
                meta::last_trusted_time(self.store.conn())?,
            );
            tracing::warn!(
                item = item.as_deref().unwrap_or("?"),
                title = title.as_deref().unwrap_or(""),
                "security gate: an item that was not borrowed"
            );
            let body = crate::contract::transactions::TxBody::SecurityAlarm(
                crate::contract::transactions::SecurityAlarmPayload {
                    item: item.clone(),
                    title: title.clone(),
                    at: time.at,
                },
            );
            crate::store::outbox::append(
                self.store.conn(),
                &station_id,
                &body,
                None,
                time.at,
                time.trusted,
            )?;
            self.cues.push(Cue::Refusal);
            self.view.alarms.push(format!(
                "security: {} {}",
                item.as_deref().unwrap_or("?"),
                title.unwrap_or_default()
            ));
            self.view.security_alarms += 1;
            // The view keeps the latest; the outbox and the hub keep them all.
            if self.view.alarms.len() > 20 {
                self.view.alarms.remove(0);
            }
        }
        Ok(())
    }

    /// Applies what the counters report: counts into the store, alarms into the view.
    fn apply(&mut self, passage: &str, events: Vec<GateEvent>) -> Result<(), StoreError> {
        for event in events {
            let direction = match event {
                GateEvent::In { .. } => Direction::In,
                GateEvent::Out { .. } => Direction::Out,
                GateEvent::Uncertain { .. } => Direction::Uncertain,
                GateEvent::Blocked { beam, .. } => {
                    let alarm = format!(
                        "{passage}: beam {} blocked",
                        if beam == Beam::A { "a" } else { "b" }
                    );
                    tracing::warn!(alarm, "gate");
                    if !self.view.alarms.contains(&alarm) {
                        self.view.alarms.push(alarm);
                    }
                    continue;
                }
            };
            let at = station_time(
                self.clock.now(),
                self.clock.synchronised(),
                meta::last_trusted_time(self.store.conn())?,
            )
            .at;
            visits::count(self.store.conn(), passage, at, direction)?;
            match direction {
                Direction::In => self.view.entered += 1,
                Direction::Out => self.view.left += 1,
                Direction::Uncertain => self.view.uncertain += 1,
            }
        }
        Ok(())
    }

    fn edges_now(&self) -> Option<u64> {
        self.last_edge
            .map(|(at, arrived)| (at + arrived.elapsed()).as_millis() as u64)
    }
}

impl Role for GateStation {
    type Input = ();
    type View = GateView;

    fn handle(&mut self, event: Event<()>, _now: Duration) -> Result<(), StoreError> {
        match event {
            Event::Edge(edge) => {
                let Some(index) = self
                    .lanes
                    .iter()
                    .position(|l| l.passage.a == edge.line || l.passage.b == edge.line)
                else {
                    return Ok(());
                };
                // Edges of different lines may arrive a few ms out of order (each line is
                // debounced on its own): time never goes back for the counter or the trace.
                let t_ms = (edge.at.as_millis() as u64).max(self.last_t_ms);
                self.last_t_ms = t_ms;
                self.last_edge = Some((edge.at, Instant::now()));
                let lane = &mut self.lanes[index];
                let beam = if lane.passage.a == edge.line {
                    Beam::A
                } else {
                    Beam::B
                };
                let blocked = edge.level == swalayan_hardware::gpio::Level::High;
                if let Some(file) = &mut self.record {
                    let line = format!(
                        "{t_ms},{},{},{}",
                        lane.passage.name,
                        if beam == Beam::A { "a" } else { "b" },
                        u8::from(blocked)
                    );
                    if let Err(e) = writeln!(file, "{line}").and_then(|_| file.flush()) {
                        tracing::error!("gate record: {e}");
                    }
                }
                if !blocked {
                    let alarm = format!(
                        "{}: beam {} blocked",
                        lane.passage.name,
                        if beam == Beam::A { "a" } else { "b" }
                    );
                    self.view.alarms.retain(|a| *a != alarm);
                }
                let mut events = Vec::new();
                lane.counter.edge(t_ms, beam, blocked, &mut events);
                let name = lane.passage.name.clone();
                self.apply(&name, events)?;
            }
            Event::Tick => {
                // Time passes on the edges' clock: changes that held are confirmed, a beam
                // blocked too long raises its alarm.
                if let Some(now) = self.edges_now() {
                    for index in 0..self.lanes.len() {
                        let mut events = Vec::new();
                        self.lanes[index].counter.advance(now, &mut events);
                        let name = self.lanes[index].passage.name.clone();
                        self.apply(&name, events)?;
                    }
                }
            }
            Event::Device(state) => {
                self.devices
                    .insert(state.device.clone(), device_line(&state));
                self.view.devices = self
                    .devices
                    .iter()
                    .map(|(d, s)| format!("{d}: {s}"))
                    .collect();
            }
            Event::Tags(tags) => self.tags(&tags)?,
            Event::Code(_) | Event::Central(_) | Event::Input(()) => {}
        }
        self.tell_alarms()
    }

    fn view(&self) -> &GateView {
        &self.view
    }

    fn take_cues(&mut self) -> Vec<Cue> {
        std::mem::take(&mut self.cues)
    }

    fn pending(&self) -> i64 {
        // Counts are sent by the worker's ticker; a security alarm goes at once.
        self.view.security_alarms as i64
    }

    fn finished(&self) -> bool {
        false
    }

    fn alarms(&self) -> Vec<String> {
        self.view.alarms.clone()
    }
}
