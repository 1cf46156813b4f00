//! Staff mode: entered with a staff card and PIN; tests the printer, reads a tag, leaves
//! kiosk mode.

use super::Kiosk;
use super::command::StaffAction;
use super::receipt::test_receipt;
use super::session::Goal;
use super::view::Screen;
use swalayan_hardware::rfid::{RfidError, TagReport};

impl Kiosk {
    pub(super) fn staff(&mut self, action: StaffAction) {
        match action {
            StaffAction::Enter => {
                self.reset_session();
                self.session.goal = Some(Goal::Staff);
                self.screen = Screen::Identify;
            }
            _ if self.screen != Screen::Staff => {}
            StaffAction::TestPrinter => {
                let receipt = test_receipt(&self.settings.library_name, &self.desk.local_now());
                let printed = self
                    .printer
                    .as_mut()
                    .is_some_and(|printer| printer.print(&receipt).is_ok());
                self.session.staff_message = if printed {
                    "printer: test receipt printed".into()
                } else {
                    "printer: not printed".into()
                };
            }
            StaffAction::ReadTag => {
                self.session.staff_message = describe_field(self.pad.as_ref().map(|p| p.poll()));
            }
            StaffAction::Leave => self.quit = true,
        }
    }
}

/// What lies on the pad, for staff: uid, AFI, item, owner, part — or why nothing.
fn describe_field(polled: Option<Result<Vec<TagReport>, RfidError>>) -> String {
    match polled {
        None => "rfid: no reader configured".into(),
        Some(Err(e)) => format!("rfid: {e}"),
        Some(Ok(tags)) if tags.is_empty() => "rfid: no tag on the pad".into(),
        Some(Ok(tags)) => tags
            .iter()
            .map(|t| match &t.data {
                Ok(d) => format!(
                    "{} AFI {:02X?} {} ({}) {}/{}",
                    t.uid,
                    t.afi,
                    d.item_id,
                    d.isil.as_deref().unwrap_or("-"),
                    d.part,
                    d.parts
                ),
                Err(e) => format!("{} {e}", t.uid),
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}
