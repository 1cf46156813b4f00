//! The SIP2 framer and decoder on arbitrary bytes, fed in arbitrary pieces, in every encoding.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_sip2::{Encoding, Framer, read_frame};

fuzz_target!(|data: &[u8]| {
    let mut framer = Framer::new();
    for piece in data.chunks(5) {
        framer.push(piece);
        while let Some(frame) = framer.next_frame() {
            if let Ok(frame) = frame {
                for encoding in [Encoding::Utf8, Encoding::Cp850, Encoding::Latin1] {
                    if let Ok(received) = read_frame(&frame, encoding, false) {
                        // Whatever was understood can be written again.
                        let _ = received.message.encode();
                    }
                }
            }
        }
    }
});
