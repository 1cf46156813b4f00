//! What the kiosk is told, and how it is set up.

use crate::contract::protocol::DeviceState;
use crate::reason::Lang;
use crate::station::runtime::CentralState;
use std::time::Duration;
use swalayan_hardware::rfid::TagReport;
use swalayan_hardware::rfid::security::AfiPolicy;

/// What the kiosk is told: by the touchscreen, or by the runtime for its devices.
#[derive(Debug, Clone)]
pub enum Command {
    StartBorrow,
    StartReturn,
    StartAccount,
    /// "I'm here": check in to the event (its id) on the welcome screen's banner.
    Attend(String),
    /// A card number typed on the keypad.
    Card(String),
    Pin(String),
    /// A barcode from the scanner or typed on a keyboard: a card or an item, by screen.
    Code(String),
    /// What lies on the RFID pad now.
    Tags(Vec<TagReport>),
    Renew(String),
    RenewAll,
    PickUp,
    Finish,
    Receipt(bool),
    /// "Kirim ke WhatsApp" / "Send to e-mail": the hub sends the visit's receipt on the
    /// patron's channel (shown only when the hub said it can, at sign-in).
    SendReceipt,
    Feedback(u8),
    Cancel,
    StillHere,
    Lang(Lang),
    /// Larger text and high contrast (the header's buttons), until the session ends.
    Display(super::view::Display),
    /// Time passes (inactivity, sets waiting for their parts, the status timer).
    Tick,
    Staff(StaffAction),
    /// The mobile library's screen (a kiosk with `mobile` set).
    Mobile(super::mobile::MobileAction),
    /// A device changed state (staff screen), e.g. "scanner: lost".
    Device(DeviceState),
    /// How the sync worker's last round went (the status light, and what is wrong).
    Central(CentralState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    Enter,
    TestPrinter,
    ReadTag,
    Leave,
}

/// How the kiosk behaves; from the station config.
#[derive(Debug, Clone)]
pub struct KioskSettings {
    pub library_name: String,
    pub default_lang: Lang,
    pub feedback_enabled: bool,
    /// Quiet time before the "are you still there?" warning.
    pub idle_warning_after: Duration,
    /// How long the warning counts down before the session ends.
    pub idle_countdown: Duration,
    /// How long the goodbye screen stays.
    pub goodbye_for: Duration,
    /// How long a multi-part set may wait for its other parts on the pad.
    pub parts_wait: Duration,
    pub afi: AfiPolicy,
    /// A mobile library (`[station] role = "mobile"`): staff at the screen, the mobile
    /// screen as home, no PIN asked.
    pub mobile: bool,
}

impl Default for KioskSettings {
    fn default() -> KioskSettings {
        KioskSettings {
            library_name: "Perpustakaan".into(),
            default_lang: Lang::Id,
            feedback_enabled: true,
            idle_warning_after: Duration::from_secs(60),
            idle_countdown: Duration::from_secs(20),
            goodbye_for: Duration::from_secs(5),
            parts_wait: Duration::from_secs(2),
            afi: AfiPolicy::default(),
            mobile: false,
        }
    }
}
