//! FEIG ISO-host "advanced protocol" frames:
//! `STX | length (2, MSB first, whole frame) | COM-ADR | command | [status] | data | CRC16 (LSB first)`.
//!
//! Requests have no status byte; responses do. The decoder resynchronises on garbage: it skips
//! to the next STX whenever a candidate frame's length or CRC does not hold.

use crate::crc::crc16_feig;

pub const STX: u8 = 0x02;
/// The broadcast bus address: any reader answers (from its own address).
pub const BROADCAST: u8 = 0xFF;
/// Longest frame accepted; protects the buffer from a garbage length.
pub const MAX_FRAME: usize = 4096;

/// Builds a request frame.
pub fn encode_request(address: u8, command: u8, data: &[u8]) -> Vec<u8> {
    encode(address, command, None, data)
}

/// Builds a response frame (used by the simulator).
pub fn encode_response(address: u8, command: u8, status: u8, data: &[u8]) -> Vec<u8> {
    encode(address, command, Some(status), data)
}

fn encode(address: u8, command: u8, status: Option<u8>, data: &[u8]) -> Vec<u8> {
    let length = 1 + 2 + 1 + 1 + usize::from(status.is_some()) + data.len() + 2;
    let mut frame = Vec::with_capacity(length);
    frame.push(STX);
    frame.extend_from_slice(&(length as u16).to_be_bytes());
    frame.push(address);
    frame.push(command);
    frame.extend(status);
    frame.extend_from_slice(data);
    let crc = crc16_feig(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

/// A frame whose length and CRC checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    pub address: u8,
    pub command: u8,
    /// Everything after the command and before the CRC (a response's status is its first byte).
    pub body: Vec<u8>,
}

impl RawFrame {
    /// Splits a response body into status and data.
    pub fn status_and_data(&self) -> Option<(u8, &[u8])> {
        self.body.split_first().map(|(s, d)| (*s, d))
    }
}

/// Accumulates bytes from a serial line and yields whole frames.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
    /// Bytes thrown away while looking for a frame (line noise, a reader talking at the
    /// wrong baud rate): a diagnostic for `hw doctor`.
    pub discarded: u64,
}

impl FrameDecoder {
    pub fn new() -> FrameDecoder {
        FrameDecoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete, valid frame, if the buffer holds one.
    pub fn next_frame(&mut self) -> Option<RawFrame> {
        loop {
            // Drop everything before the next STX.
            match self.buffer.iter().position(|&b| b == STX) {
                Some(0) => {}
                Some(i) => {
                    self.discard(i);
                }
                None => {
                    let n = self.buffer.len();
                    self.discard(n);
                    return None;
                }
            }
            if self.buffer.len() < 3 {
                return None;
            }
            let length = usize::from(u16::from_be_bytes([self.buffer[1], self.buffer[2]]));
            if !(7..=MAX_FRAME).contains(&length) {
                self.discard(1);
                continue;
            }
            if self.buffer.len() < length {
                // An STX inside noise can announce a long frame that never comes; a valid
                // frame already complete further on wins over waiting for it.
                match (1..self.buffer.len()).find(|&j| self.complete_frame_at(j)) {
                    Some(j) => {
                        self.discard(j);
                        continue;
                    }
                    None => return None,
                }
            }
            if !self.complete_frame_at(0) {
                self.discard(1);
                continue;
            }
            let content = &self.buffer[..length - 2];
            let frame = RawFrame {
                address: content[3],
                command: content[4],
                body: content[5..].to_vec(),
            };
            self.buffer.drain(..length);
            return Some(frame);
        }
    }

    /// Whether a whole frame with a correct CRC starts at `at`.
    fn complete_frame_at(&self, at: usize) -> bool {
        let b = &self.buffer[at..];
        if b.len() < 7 || b[0] != STX {
            return false;
        }
        let length = usize::from(u16::from_be_bytes([b[1], b[2]]));
        if !(7..=MAX_FRAME).contains(&length) || b.len() < length {
            return false;
        }
        let (content, crc) = b[..length].split_at(length - 2);
        crc16_feig(content).to_le_bytes() == [crc[0], crc[1]]
    }

    fn discard(&mut self, n: usize) {
        self.buffer.drain(..n);
        self.discarded += n as u64;
    }

    /// Forgets a partial frame (after a timeout: the rest is not coming).
    pub fn reset(&mut self) {
        let n = self.buffer.len();
        self.discard(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_matches_the_public_vector() {
        assert_eq!(
            encode_request(0xFF, 0x52, &[0x00]),
            [0x02, 0x00, 0x08, 0xFF, 0x52, 0x00, 0x4A, 0xC3]
        );
        assert_eq!(
            encode_request(0x00, 0x52, &[0x00]),
            [0x02, 0x00, 0x08, 0x00, 0x52, 0x00, 0xB9, 0x05]
        );
    }

    #[test]
    fn decoder_resynchronises_after_garbage_and_bad_crc() {
        let good = encode_response(0x00, 0xB0, 0x00, &[1, 2, 3]);
        let mut corrupt = good.clone();
        corrupt[6] ^= 0xFF;
        let mut decoder = FrameDecoder::new();
        decoder.push(b"\x55\x02\x00"); // noise, then a false start
        decoder.push(&corrupt);
        decoder.push(&good[..4]);
        assert_eq!(decoder.next_frame(), None, "half a frame is not a frame");
        decoder.push(&good[4..]);
        let frame = decoder.next_frame().expect("the good frame");
        assert_eq!(frame.status_and_data(), Some((0x00, &[1u8, 2, 3][..])));
        assert_eq!(decoder.next_frame(), None);
        assert!(decoder.discarded >= 3 + corrupt.len() as u64 - 1);
    }

    #[test]
    fn an_absurd_length_is_skipped() {
        let mut decoder = FrameDecoder::new();
        decoder.push(&[0x02, 0xFF, 0xFF, 0x00]);
        decoder.push(&encode_response(0, 0x65, 0, &[9]));
        assert_eq!(decoder.next_frame().map(|f| f.command), Some(0x65));
    }
}
