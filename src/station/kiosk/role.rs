//! The kiosk as a role of the station runtime: runtime events become kiosk commands.

use super::{Command, Kiosk, KioskView};
use crate::station::cues::Cue;
use crate::station::runtime::{Event, Role};
use crate::store::StoreError;
use std::time::Duration;

impl Role for Kiosk {
    type Input = Command;
    type View = KioskView;

    fn handle(&mut self, event: Event<Command>, now: Duration) -> Result<(), StoreError> {
        let command = match event {
            Event::Input(command) => command,
            Event::Code(code) => Command::Code(code),
            Event::Tags(tags) => Command::Tags(tags),
            Event::Device(state) => Command::Device(state),
            Event::Central(state) => Command::Central(state),
            Event::Tick => Command::Tick,
            // The kiosk has no input lines.
            Event::Edge(_) => return Ok(()),
        };
        Kiosk::handle(self, command, now).map(|_| ())
    }

    fn before(&mut self, event: &Event<Command>) -> bool {
        let asks = match event {
            Event::Code(_) => true,
            Event::Tags(tags) => self.has_new_tags(tags),
            Event::Input(command) => matches!(
                command,
                Command::Card(_)
                    | Command::Pin(_)
                    | Command::Code(_)
                    | Command::Renew(_)
                    | Command::RenewAll
                    | Command::PickUp
            ),
            _ => false,
        };
        asks && self.show_working()
    }

    fn view(&self) -> &KioskView {
        Kiosk::view(self)
    }

    fn take_cues(&mut self) -> Vec<Cue> {
        Kiosk::take_cues(self)
    }

    fn pending(&self) -> i64 {
        self.view.pending
    }

    fn finished(&self) -> bool {
        self.quit
    }
}
