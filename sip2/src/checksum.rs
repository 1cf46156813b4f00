//! The SIP2 error-detection checksum (`AZ`): the two's complement of the 16-bit sum of every
//! byte of the frame from the command up to and including the characters `AZ`, written as
//! four upper-case hex digits. A receiver adds the value to the sum of the bytes before it and
//! gets 0 (mod 0x10000). It is over bytes, so it depends on the connection's encoding.

/// The checksum of `bytes` (everything up to and including `AZ`).
pub fn checksum(bytes: &[u8]) -> u16 {
    let sum = bytes
        .iter()
        .fold(0u16, |sum, &byte| sum.wrapping_add(u16::from(byte)));
    (!sum).wrapping_add(1)
}

/// `checksum` as the four hex digits of a frame.
pub fn checksum_text(bytes: &[u8]) -> String {
    format!("{:04X}", checksum(bytes))
}

/// True when `digits` (four hex digits, either case) is the checksum of `bytes`.
pub fn verify(bytes: &[u8], digits: &[u8]) -> bool {
    std::str::from_utf8(digits)
        .ok()
        .filter(|d| d.len() == 4)
        .and_then(|d| u16::from_str_radix(d, 16).ok())
        .is_some_and(|value| {
            bytes
                .iter()
                .fold(value, |sum, &byte| sum.wrapping_add(u16::from(byte)))
                == 0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The public vectors (PROTOCOLS.md), recomputed by hand there.
    #[test]
    fn public_vectors() {
        assert_eq!(checksum_text(b"990 402.00AY1AZ"), "FCB4");
        assert_eq!(checksum_text(b"941AY0AZ"), "FDFD");
        assert_eq!(checksum_text(b"97AZ"), "FEF5");
    }

    #[test]
    fn a_receiver_verifies_and_a_changed_byte_fails() {
        assert!(verify(b"941AY0AZ", b"FDFD"));
        assert!(verify(b"941AY0AZ", b"fdfd"));
        assert!(!verify(b"940AY0AZ", b"FDFD"));
        assert!(!verify(b"941AY0AZ", b"FDFE"));
        assert!(!verify(b"941AY0AZ", b"FDF"));
        assert!(!verify(b"941AY0AZ", b"XXXX"));
    }
}
