//! Frames on the wire: a message's text in the connection's encoding, then the error
//! detection fields `AY<digit>AZ<4 hex>`, then CR. Reading splits the byte stream at CR (an LF
//! right after it, as Koha sends by default, is skipped), hands out only whole frames, and
//! bounds how much it buffers.

use crate::checksum::{checksum_text, verify};
use crate::codec::{DecodeError, EncodeError};
use crate::encoding::Encoding;
use crate::messages::Message;

/// The longest frame accepted: far above any real message (a patron with hundreds of items).
pub const MAX_FRAME: usize = 64 * 1024;

/// Splits received bytes into frames.
#[derive(Debug, Default)]
pub struct Framer {
    buffer: Vec<u8>,
    /// The last byte handed out ended a frame with CR: an LF now is that frame's, not news.
    after_cr: bool,
}

impl Framer {
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Adds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame (without its CR), if one has arrived. An overlong frame is an
    /// error and is dropped up to its CR.
    pub fn next_frame(&mut self) -> Option<Result<Vec<u8>, DecodeError>> {
        if self.after_cr && self.buffer.first() == Some(&b'\n') {
            self.buffer.remove(0);
        }
        if !self.buffer.is_empty() {
            self.after_cr = false;
        }
        match self.buffer.iter().position(|&b| b == b'\r') {
            Some(end) => {
                let frame: Vec<u8> = self.buffer.drain(..=end).take(end).collect();
                self.after_cr = true;
                if frame.len() > MAX_FRAME {
                    return Some(Err(DecodeError::TooLong(frame.len())));
                }
                Some(Ok(frame))
            }
            None if self.buffer.len() > MAX_FRAME => {
                let length = self.buffer.len();
                self.buffer.clear();
                Some(Err(DecodeError::TooLong(length)))
            }
            None => None,
        }
    }

    /// Bytes of a frame not yet complete.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

/// Whether a received frame carried a checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Present and right.
    Valid,
    /// The sender used no error detection.
    Absent,
}

/// A frame read: the message, the sequence number it carried and whether it had a checksum.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub message: Message,
    pub sequence: Option<u8>,
    pub checksum: Checksum,
}

/// Encodes `message` as a frame: with `sequence`, the error-detection fields are added.
pub fn write_frame(
    message: &Message,
    sequence: Option<u8>,
    encoding: Encoding,
) -> Result<Vec<u8>, EncodeError> {
    let mut bytes = encoding.encode(&message.encode()?);
    if let Some(sequence) = sequence {
        bytes.extend_from_slice(format!("AY{}AZ", sequence % 10).as_bytes());
        let digits = checksum_text(&bytes);
        bytes.extend_from_slice(digits.as_bytes());
    }
    bytes.push(b'\r');
    Ok(bytes)
}

/// Decodes a frame (without its CR). A checksum that does not add up is an error
/// ([`DecodeError::BadChecksum`]: ask for a resend); so is a frame without one when
/// `checksum_required`.
pub fn read_frame(
    frame: &[u8],
    encoding: Encoding,
    checksum_required: bool,
) -> Result<Received, DecodeError> {
    let (body, sequence, checksum) = split_error_detection(frame)?;
    if checksum == Checksum::Absent && checksum_required {
        return Err(DecodeError::NoChecksum);
    }
    let text = encoding.decode(body);
    Ok(Received {
        message: Message::decode(&text)?,
        sequence,
        checksum,
    })
}

/// The body of a frame, its sequence number and whether a checksum was there and right.
fn split_error_detection(frame: &[u8]) -> Result<(&[u8], Option<u8>, Checksum), DecodeError> {
    let length = frame.len();
    let has_checksum = length >= 6 && &frame[length - 6..length - 4] == b"AZ";
    if !has_checksum {
        return Ok((frame, None, Checksum::Absent));
    }
    if !verify(&frame[..length - 4], &frame[length - 4..]) {
        return Err(DecodeError::BadChecksum);
    }
    let rest = &frame[..length - 6];
    let n = rest.len();
    if n >= 3 && &rest[n - 3..n - 1] == b"AY" && rest[n - 1].is_ascii_digit() {
        Ok((&rest[..n - 3], Some(rest[n - 1] - b'0'), Checksum::Valid))
    } else {
        Ok((rest, None, Checksum::Valid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{LoginResponse, RequestAcsResend};

    #[test]
    fn frames_split_at_cr_with_or_without_lf_and_only_when_whole() {
        let mut framer = Framer::new();
        framer.push(b"941AY0AZFDFD\r\n9");
        assert_eq!(framer.next_frame().unwrap().unwrap(), b"941AY0AZFDFD");
        assert!(framer.next_frame().is_none(), "half a frame is not a frame");
        framer.push(b"41\r941\r");
        assert_eq!(framer.next_frame().unwrap().unwrap(), b"941");
        assert_eq!(framer.next_frame().unwrap().unwrap(), b"941");
        assert!(framer.next_frame().is_none());
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn an_lf_split_from_its_cr_across_reads_is_still_skipped() {
        let mut framer = Framer::new();
        framer.push(b"941\r");
        assert_eq!(framer.next_frame().unwrap().unwrap(), b"941");
        framer.push(b"\n940\r");
        assert_eq!(framer.next_frame().unwrap().unwrap(), b"940");
    }

    #[test]
    fn an_endless_frame_is_refused_not_buffered() {
        let mut framer = Framer::new();
        framer.push(&vec![b'A'; MAX_FRAME + 1]);
        assert!(matches!(
            framer.next_frame(),
            Some(Err(DecodeError::TooLong(_)))
        ));
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn error_detection_written_and_checked() {
        let login = Message::LoginResponse(LoginResponse {
            ok: true,
            extra: vec![],
        });
        let bytes = write_frame(&login, Some(0), Encoding::Cp850).unwrap();
        assert_eq!(bytes, b"941AY0AZFDFD\r");
        let back = read_frame(&bytes[..bytes.len() - 1], Encoding::Cp850, true).unwrap();
        assert_eq!(back.message, login);
        assert_eq!(back.sequence, Some(0));
        assert_eq!(back.checksum, Checksum::Valid);
        // One byte changed: the checksum no longer adds up.
        assert_eq!(
            read_frame(b"940AY0AZFDFD", Encoding::Cp850, false),
            Err(DecodeError::BadChecksum)
        );
        // Without error detection: accepted unless it is required.
        assert!(read_frame(b"941", Encoding::Cp850, false).is_ok());
        assert_eq!(
            read_frame(b"941", Encoding::Cp850, true),
            Err(DecodeError::NoChecksum)
        );
        let resend = write_frame(
            &Message::RequestAcsResend(RequestAcsResend::default()),
            None,
            Encoding::Cp850,
        );
        assert_eq!(resend.unwrap(), b"97\r");
        // Sequence numbers wrap 9 -> 0.
        let wrapped = write_frame(&login, Some(10), Encoding::Cp850).unwrap();
        assert!(wrapped.starts_with(b"941AY0AZ"));
    }

    #[test]
    fn the_public_status_vector() {
        // 990 402.00AY1AZFCB4: SC status, ok, print width 040, version 2.00.
        let frame = b"990 402.00AY1AZFCB4";
        let received = read_frame(frame, Encoding::Cp850, true).unwrap();
        assert_eq!(received.sequence, Some(1));
        let again = write_frame(&received.message, Some(1), Encoding::Cp850).unwrap();
        assert_eq!(&again[..again.len() - 1], frame);
    }
}
