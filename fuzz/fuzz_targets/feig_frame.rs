//! The FEIG frame decoder on arbitrary bytes, fed in arbitrary pieces.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_hardware::rfid::feig::frame::FrameDecoder;

fuzz_target!(|data: &[u8]| {
    let mut decoder = FrameDecoder::new();
    for piece in data.chunks(7) {
        decoder.push(piece);
        while let Some(frame) = decoder.next_frame() {
            let _ = frame.status_and_data();
        }
    }
});
