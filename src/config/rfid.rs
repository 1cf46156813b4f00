//! `[rfid]`: the HF RFID reader (FEIG protocol) and the AFI values that arm and disarm tags.

use serde::Deserialize;
use std::path::PathBuf;
use swalayan_hardware::rfid::security::AfiPolicy;
use swalayan_hardware::serial::SerialSettings;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRfid {
    port: PathBuf,
    baud: Option<u32>,
    address: Option<u8>,
    afi_in: Option<u8>,
    afi_out: Option<u8>,
}

/// An HF RFID reader (`[rfid]`).
#[derive(Debug, Clone)]
pub struct RfidSettings {
    pub port: PathBuf,
    pub serial: SerialSettings,
    /// FEIG bus address; 0xFF (broadcast) by default.
    pub address: u8,
    pub afi: AfiPolicy,
}

/// Every value TOML accepts for these keys is one the reader takes: nothing to refuse.
pub(super) fn parse(raw: RawRfid) -> RfidSettings {
    let mut serial = SerialSettings::FEIG_DEFAULT;
    serial.baud = raw.baud.unwrap_or(serial.baud);
    RfidSettings {
        port: raw.port,
        serial,
        address: raw.address.unwrap_or(0xFF),
        afi: AfiPolicy {
            afi_in: raw.afi_in.unwrap_or(AfiPolicy::default().afi_in),
            afi_out: raw.afi_out.unwrap_or(AfiPolicy::default().afi_out),
        },
    }
}
