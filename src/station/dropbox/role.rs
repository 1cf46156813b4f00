//! The drop box as a role of the station runtime: the beam and the bins' full sensors arrive
//! as GPIO edges, a fixed scanner's codes as codes, the clock as ticks.

use super::DropBox;
use super::DropboxView;
use crate::station::cues::Cue;
use crate::station::runtime::{Event, Role, device_line};
use crate::store::StoreError;
use std::time::Duration;
use swalayan_hardware::gpio::Level;

impl Role for DropBox {
    /// The drop box takes no input of its own (staff act through `swalayan dropbox ...`).
    type Input = ();
    type View = DropboxView;

    fn handle(&mut self, event: Event<()>, now: Duration) -> Result<(), StoreError> {
        match event {
            Event::Edge(edge) if edge.line == self.settings.beam => {
                if edge.level == Level::High {
                    self.item_dropped(now)?;
                }
            }
            Event::Edge(edge) => {
                let sensed = self
                    .settings
                    .sorting
                    .bins
                    .iter()
                    .find(|b| b.full_sensor == Some(edge.line))
                    .map(|b| b.name.clone());
                if let Some(bin) = sensed {
                    if edge.level == Level::High {
                        tracing::warn!(bin, "drop box: bin full");
                        self.bins.sensed_full.insert(bin);
                    } else {
                        self.bins.sensed_full.remove(&bin);
                    }
                    self.refresh()?;
                }
            }
            Event::Code(code) => self.code_read(&code)?,
            Event::Device(state) => {
                self.set_device(&state.device, &device_line(&state));
                self.refresh()?;
            }
            Event::Tick => {
                self.check_wait()?;
                if self.awaiting.is_none() {
                    self.refresh()?;
                }
            }
            Event::Tags(_) | Event::Central(_) | Event::Input(()) => {}
        }
        Ok(())
    }

    fn view(&self) -> &DropboxView {
        DropBox::view(self)
    }

    fn take_cues(&mut self) -> Vec<Cue> {
        std::mem::take(&mut self.cues)
    }

    fn pending(&self) -> i64 {
        (self.view.returned + self.view.exceptions) as i64
    }

    fn finished(&self) -> bool {
        false
    }

    fn alarms(&self) -> Vec<String> {
        match &self.view.intake {
            super::Intake::Stopped(why) => vec![format!("intake stopped: {why}")],
            _ => Vec::new(),
        }
    }
}
