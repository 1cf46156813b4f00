//! HF RFID: the reader trait, library tag data (ISO 28560), security (AFI/EAS), and the
//! FEIG ISO-host driver.

pub mod feig;
pub mod iso28560;
pub mod security;

use crate::serial::SerialError;
use serde::Serialize;
use std::fmt;

/// An ISO 15693 tag's unique id, most significant byte first (`E0 04 ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uid(pub [u8; 8]);

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl Serialize for Uid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// A tag that answered an inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InventoryTag {
    pub uid: Uid,
    pub transponder_type: u8,
    pub dsfid: u8,
}

/// What "get system information" tells about a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemInfo {
    pub dsfid: u8,
    pub afi: u8,
    pub block_count: u16,
    pub block_size: u8,
    pub ic_reference: u8,
}

/// Errors of an RFID reader.
#[derive(Debug, thiserror::Error)]
pub enum RfidError {
    #[error(transparent)]
    Serial(#[from] SerialError),
    #[error("reader I/O: {0}")]
    Io(#[from] std::io::Error),
    /// No answer within the timeout after every retry: unplugged, wrong baud rate or address.
    #[error("the reader does not answer (check the cable, the baud rate and the bus address)")]
    NoAnswer,
    /// The tag left the field or did not answer the reader.
    #[error("no tag answered (it may have been lifted from the pad)")]
    NoTransponder,
    /// The reader answered with an error status.
    #[error("the reader reports status {status:#04x} ({meaning})")]
    Status { status: u8, meaning: &'static str },
    /// The reader's answer could not be understood.
    #[error("unexpected answer from the reader: {0}")]
    Protocol(String),
    /// A security change could not be confirmed by reading it back.
    #[error("the tag's security could not be confirmed: wrote {wanted:#04x}, read back {read:?}")]
    SecurityNotConfirmed { wanted: u8, read: Option<u8> },
}

/// What a station needs of an HF reader. Implemented by the FEIG driver; the simulator
/// speaks the FEIG protocol, so tests drive the real driver.
pub trait TagReader: Send {
    /// Every tag in the field, whatever its AFI or DSFID.
    fn inventory(&mut self) -> Result<Vec<InventoryTag>, RfidError>;
    fn system_info(&mut self, uid: Uid) -> Result<SystemInfo, RfidError>;
    /// Reads `count` blocks from `first`; returns their bytes in memory order.
    fn read_blocks(&mut self, uid: Uid, first: u8, count: u8) -> Result<Vec<u8>, RfidError>;
    fn write_blocks(
        &mut self,
        uid: Uid,
        first: u8,
        block_size: u8,
        data: &[u8],
    ) -> Result<(), RfidError>;
    fn write_afi(&mut self, uid: Uid, afi: u8) -> Result<(), RfidError>;
    /// Sets or resets the EAS bit (NXP ICODE); `RfidError::Status` 0x82 where unsupported.
    fn set_eas(&mut self, uid: Uid, on: bool) -> Result<(), RfidError>;
}

/// One tag as a station sees it after reading: listed even when its data could not be read.
#[derive(Debug, Clone)]
pub struct TagReport {
    pub uid: Uid,
    pub afi: Option<u8>,
    pub data: Result<iso28560::TagData, String>,
}

/// Blocks read for tag data: 32 bytes (ISO 28560-3) is 8 blocks of 4 bytes.
const DATA_BYTES: usize = 32;

/// Inventories the field and reads every tag's AFI and data; a tag whose system information
/// or memory cannot be read is listed with the failure, never dropped.
pub fn read_field(reader: &mut dyn TagReader) -> Result<Vec<TagReport>, RfidError> {
    let tags = reader.inventory()?;
    let mut reports = Vec::with_capacity(tags.len());
    for tag in tags {
        let info = reader.system_info(tag.uid);
        let afi = info.as_ref().ok().map(|i| i.afi);
        let block_size = info.as_ref().map(|i| i.block_size.max(1)).unwrap_or(4);
        let count = DATA_BYTES.div_ceil(usize::from(block_size)) as u8;
        let data = match reader.read_blocks(tag.uid, 0, count) {
            Ok(bytes) => iso28560::decode(trim_to_model(&bytes)).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        reports.push(TagReport {
            uid: tag.uid,
            afi,
            data,
        });
    }
    Ok(reports)
}

/// 28560-3 blocks are exactly 32 (or 34) bytes; 28560-2 data runs to its end marker.
fn trim_to_model(bytes: &[u8]) -> &[u8] {
    if bytes.len() >= 32 && bytes[0] >> 4 == 1 {
        &bytes[..32]
    } else {
        bytes
    }
}
