//! The key decoder on arbitrary (key, value) event sequences.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_hardware::barcode::keys::{KeyDecoder, KeyEvent};

fuzz_target!(|data: &[u8]| {
    let mut decoder = KeyDecoder::new(64);
    for event in data.chunks_exact(3) {
        let key = u16::from_le_bytes([event[0], event[1]]);
        let value = i32::from(event[2] % 3);
        if let Some(KeyEvent::Code(code)) = decoder.feed(key, value) {
            assert!(code.len() <= 64);
        }
    }
});
