//! The FEIG ISO-host driver: requests, answers, timeouts, retries, re-synchronisation.
//!
//! Generic over [`Transport`], so the same code runs on a serial port, a pseudo-terminal
//! (against the simulator) or a scripted fake.

use super::frame::{BROADCAST, FrameDecoder, RawFrame, encode_request};
use crate::rfid::{InventoryTag, RfidError, SystemInfo, TagReader, Uid};
use crate::serial::Transport;
use std::time::{Duration, Instant};

pub const CMD_ISO_HOST: u8 = 0xB0;
/// Manufacturer-specific ISO 15693 commands (NXP EAS).
pub const CMD_ISO_HOST_CUSTOM: u8 = 0xB1;
pub const CMD_SOFTWARE_VERSION: u8 = 0x65;

pub const SUB_INVENTORY: u8 = 0x01;
pub const SUB_READ_MULTIPLE: u8 = 0x23;
pub const SUB_WRITE_MULTIPLE: u8 = 0x24;
pub const SUB_WRITE_AFI: u8 = 0x27;
pub const SUB_SYSTEM_INFO: u8 = 0x2B;

pub const MODE_ADDRESSED: u8 = 0x01;
/// Inventory mode bit 7: give the tags that did not fit in the last answer.
pub const MODE_MORE: u8 = 0x80;

pub const NXP: u8 = 0x04;
pub const NXP_SET_EAS: u8 = 0xA2;
pub const NXP_RESET_EAS: u8 = 0xA3;

pub const STATUS_OK: u8 = 0x00;
pub const STATUS_NO_TRANSPONDER: u8 = 0x01;
pub const STATUS_MORE_DATA: u8 = 0x94;

/// What a status byte means (FEIG manual).
pub fn status_meaning(status: u8) -> &'static str {
    match status {
        0x00 => "OK",
        0x01 => "no transponder",
        0x02 => "CRC error on the air",
        0x03 => "write error",
        0x04 => "address error",
        0x05 => "wrong transponder type",
        0x80 => "unknown command",
        0x81 => "protocol error",
        0x82 => "command not supported",
        0x83 => "RF communication error",
        0x84 => "RF warning",
        0x92 => "no valid data",
        0x93 => "buffer overflow",
        0x94 => "more data",
        0x95 => "tag error",
        _ => "unknown status",
    }
}

/// A FEIG reader on a transport.
pub struct FeigReader<T: Transport> {
    transport: T,
    /// Bus address the requests go to; 0xFF reaches any reader.
    address: u8,
    decoder: FrameDecoder,
    /// How long to wait for an answer.
    timeout: Duration,
    /// Extra attempts after a timeout or a garbled answer.
    retries: u32,
}

impl<T: Transport> FeigReader<T> {
    pub fn new(transport: T) -> FeigReader<T> {
        FeigReader {
            transport,
            address: BROADCAST,
            decoder: FrameDecoder::new(),
            timeout: Duration::from_millis(500),
            retries: 2,
        }
    }

    pub fn with_address(mut self, address: u8) -> Self {
        self.address = address;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration, retries: u32) -> Self {
        self.timeout = timeout;
        self.retries = retries;
        self
    }

    /// The transport, e.g. to read a [`crate::serial::CountingTransport`]'s counters.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Bytes thrown away as noise so far.
    pub fn discarded_bytes(&self) -> u64 {
        self.decoder.discarded
    }

    /// The reader's software version (command 0x65): a cheap "are you there?".
    pub fn software_version(&mut self) -> Result<Vec<u8>, RfidError> {
        let (status, data) = self.transact(CMD_SOFTWARE_VERSION, &[])?;
        check(status)?;
        Ok(data)
    }

    /// Sends a request and returns the answer's status and data, retrying on silence or noise.
    pub fn transact(&mut self, command: u8, data: &[u8]) -> Result<(u8, Vec<u8>), RfidError> {
        let request = encode_request(self.address, command, data);
        for _attempt in 0..=self.retries {
            self.decoder.reset();
            let _ = self.transport.discard_input();
            self.transport.write_all(&request)?;
            self.transport.flush()?;
            if let Some(frame) = self.await_answer(command)? {
                let (status, body) = frame
                    .status_and_data()
                    .ok_or_else(|| RfidError::Protocol("an answer without status".into()))?;
                return Ok((status, body.to_vec()));
            }
        }
        Err(RfidError::NoAnswer)
    }

    fn await_answer(&mut self, command: u8) -> Result<Option<RawFrame>, RfidError> {
        let deadline = Instant::now() + self.timeout;
        let mut buf = [0u8; 512];
        loop {
            while let Some(frame) = self.decoder.next_frame() {
                // Answers to an earlier, timed-out request are stale: skip them.
                if frame.command == command {
                    return Ok(Some(frame));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.transport.set_read_timeout(deadline - now)?;
            match self.transport.read(&mut buf) {
                Ok(0) => return Ok(None),
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e)
                    if e.kind() == std::io::ErrorKind::TimedOut
                        || e.kind() == std::io::ErrorKind::WouldBlock =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn addressed(sub: u8, uid: Uid, rest: &[u8]) -> Vec<u8> {
        let mut data = vec![sub, MODE_ADDRESSED];
        data.extend_from_slice(&uid.0);
        data.extend_from_slice(rest);
        data
    }
}

fn check(status: u8) -> Result<(), RfidError> {
    match status {
        STATUS_OK => Ok(()),
        STATUS_NO_TRANSPONDER => Err(RfidError::NoTransponder),
        other => Err(RfidError::Status {
            status: other,
            meaning: status_meaning(other),
        }),
    }
}

fn parse_inventory(data: &[u8], into: &mut Vec<InventoryTag>) -> Result<(), RfidError> {
    let (&count, mut rest) = data
        .split_first()
        .ok_or_else(|| RfidError::Protocol("empty inventory answer".into()))?;
    for _ in 0..count {
        if rest.len() < 10 {
            return Err(RfidError::Protocol(
                "inventory answer shorter than its tag count".into(),
            ));
        }
        let mut uid = [0u8; 8];
        uid.copy_from_slice(&rest[2..10]);
        into.push(InventoryTag {
            uid: Uid(uid),
            transponder_type: rest[0],
            dsfid: rest[1],
        });
        rest = &rest[10..];
    }
    Ok(())
}

impl<T: Transport> TagReader for FeigReader<T> {
    fn inventory(&mut self) -> Result<Vec<InventoryTag>, RfidError> {
        let mut tags = Vec::new();
        let mut mode = 0x00;
        // "More data" asks again for the rest; bounded in case a reader keeps saying so.
        for _ in 0..64 {
            let (status, data) = self.transact(CMD_ISO_HOST, &[SUB_INVENTORY, mode])?;
            match status {
                STATUS_NO_TRANSPONDER => return Ok(tags),
                STATUS_OK => {
                    parse_inventory(&data, &mut tags)?;
                    return Ok(dedup(tags));
                }
                STATUS_MORE_DATA => {
                    parse_inventory(&data, &mut tags)?;
                    mode = MODE_MORE;
                }
                other => check(other)?,
            }
        }
        Err(RfidError::Protocol(
            "the reader kept answering 'more data'".into(),
        ))
    }

    fn system_info(&mut self, uid: Uid) -> Result<SystemInfo, RfidError> {
        let (status, data) =
            self.transact(CMD_ISO_HOST, &Self::addressed(SUB_SYSTEM_INFO, uid, &[]))?;
        check(status)?;
        // DSFID, UID (8), AFI, memory size (blocks - 1, block size - 1), IC reference.
        if data.len() < 12 {
            return Err(RfidError::Protocol(format!(
                "system information of {} bytes",
                data.len()
            )));
        }
        Ok(SystemInfo {
            dsfid: data[0],
            afi: data[9],
            block_count: u16::from(data[10]) + 1,
            block_size: (data[11] & 0x1F) + 1,
            ic_reference: data.get(12).copied().unwrap_or(0),
        })
    }

    fn read_blocks(&mut self, uid: Uid, first: u8, count: u8) -> Result<Vec<u8>, RfidError> {
        let (status, data) = self.transact(
            CMD_ISO_HOST,
            &Self::addressed(SUB_READ_MULTIPLE, uid, &[first, count]),
        )?;
        check(status)?;
        let [got, size, rest @ ..] = data.as_slice() else {
            return Err(RfidError::Protocol(
                "read answer without count and block size".into(),
            ));
        };
        let (got, size) = (usize::from(*got), usize::from(*size));
        if size == 0 || rest.len() < got * (size + 1) {
            return Err(RfidError::Protocol(
                "read answer shorter than its block count".into(),
            ));
        }
        let mut bytes = Vec::with_capacity(got * size);
        for block in rest.chunks(size + 1).take(got) {
            // One security-status byte, then the block least significant byte first.
            bytes.extend(block[1..].iter().rev());
        }
        Ok(bytes)
    }

    fn write_blocks(
        &mut self,
        uid: Uid,
        first: u8,
        block_size: u8,
        data: &[u8],
    ) -> Result<(), RfidError> {
        let size = usize::from(block_size.max(1));
        if !data.len().is_multiple_of(size) {
            return Err(RfidError::Protocol(
                "data is not a whole number of blocks".into(),
            ));
        }
        let mut rest = vec![first, (data.len() / size) as u8, block_size];
        for block in data.chunks(size) {
            rest.extend(block.iter().rev());
        }
        let (status, _) = self.transact(
            CMD_ISO_HOST,
            &Self::addressed(SUB_WRITE_MULTIPLE, uid, &rest),
        )?;
        check(status)
    }

    fn write_afi(&mut self, uid: Uid, afi: u8) -> Result<(), RfidError> {
        let (status, _) =
            self.transact(CMD_ISO_HOST, &Self::addressed(SUB_WRITE_AFI, uid, &[afi]))?;
        check(status)
    }

    fn set_eas(&mut self, uid: Uid, on: bool) -> Result<(), RfidError> {
        let command = if on { NXP_SET_EAS } else { NXP_RESET_EAS };
        let mut data = vec![NXP, command, MODE_ADDRESSED];
        data.extend_from_slice(&uid.0);
        let (status, _) = self.transact(CMD_ISO_HOST_CUSTOM, &data)?;
        check(status)
    }
}

/// A tag seen in two "more data" pages counts once.
fn dedup(mut tags: Vec<InventoryTag>) -> Vec<InventoryTag> {
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.uid));
    tags
}
