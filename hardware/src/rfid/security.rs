//! Item security on the tag: the AFI byte (and the NXP EAS bit), written and read back.
//!
//! A checkout or checkin is complete only when the reader reads back what was written:
//! a tag lifted mid-write or a weak tag must not leave the building armed (or disarmed)
//! while the screen says otherwise.

use super::{RfidError, TagReader, Uid};
use serde::Deserialize;

/// The AFI values a library uses. The common convention (and the default) is 0x07 in the
/// library (alarm on) and 0xC2 on loan (alarm off); others use 0xDA or 0x02.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AfiPolicy {
    #[serde(default = "afi_in")]
    pub afi_in: u8,
    #[serde(default = "afi_out")]
    pub afi_out: u8,
}

fn afi_in() -> u8 {
    0x07
}
fn afi_out() -> u8 {
    0xC2
}

impl Default for AfiPolicy {
    fn default() -> AfiPolicy {
        AfiPolicy {
            afi_in: afi_in(),
            afi_out: afi_out(),
        }
    }
}

/// Writes `afi` and reads it back, up to `attempts` times; Ok only when the read-back agrees.
pub fn set_afi_verified(
    reader: &mut dyn TagReader,
    uid: Uid,
    afi: u8,
    attempts: u32,
) -> Result<(), RfidError> {
    let mut last_read = None;
    let mut last_error = None;
    for _ in 0..attempts.max(1) {
        if let Err(e) = reader.write_afi(uid, afi) {
            last_error = Some(e);
            // The write may have landed before the answer was lost: still read back.
        }
        match reader.system_info(uid) {
            Ok(info) if info.afi == afi => return Ok(()),
            Ok(info) => last_read = Some(info.afi),
            Err(e) => last_error = Some(e),
        }
    }
    match (last_read, last_error) {
        (None, Some(RfidError::NoTransponder)) => Err(RfidError::NoTransponder),
        (read, _) => Err(RfidError::SecurityNotConfirmed { wanted: afi, read }),
    }
}

/// Disarms a tag for a loan.
pub fn secure_for_loan(
    reader: &mut dyn TagReader,
    uid: Uid,
    policy: AfiPolicy,
) -> Result<(), RfidError> {
    set_afi_verified(reader, uid, policy.afi_out, 3)
}

/// Re-arms a returned tag.
pub fn secure_for_return(
    reader: &mut dyn TagReader,
    uid: Uid,
    policy: AfiPolicy,
) -> Result<(), RfidError> {
    set_afi_verified(reader, uid, policy.afi_in, 3)
}
