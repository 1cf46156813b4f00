//! The serial scanner line assembler on arbitrary bytes; codes stay bounded and printable.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_hardware::barcode::line::{LineAssembler, LineConfig, LineEvent};

fuzz_target!(|data: &[u8]| {
    let mut assembler = LineAssembler::new(LineConfig::default());
    let now = std::time::Instant::now();
    for piece in data.chunks(5) {
        for event in assembler.feed(piece, now) {
            if let LineEvent::Code(code) = event {
                assert!(code.len() <= 128 && code.bytes().all(|b| (0x20..0x7F).contains(&b)));
            }
        }
    }
});
