//! Property tests: no decoder panics on any bytes; encoders round-trip.

use proptest::prelude::*;
use swalayan_hardware::barcode::line::{LineAssembler, LineConfig, LineEvent};
use swalayan_hardware::rfid::feig::frame::{FrameDecoder, encode_response};
use swalayan_hardware::rfid::iso28560::{self, DataModel, EncodeRequest};

proptest! {
    #[test]
    fn tag_decoders_never_panic(memory in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = iso28560::decode(&memory);
        let _ = iso28560::decode_as(&memory, DataModel::Iso28560_2);
        let _ = iso28560::decode_as(&memory, DataModel::Iso28560_3);
    }

    #[test]
    fn iso28560_3_round_trips(
        id in "[0-9A-Z]{1,16}",
        isil in "[A-Z]{2}-[A-Z0-9]{1,8}",
        usage in 0u8..16,
        // The part number varies on its own (1..=parts), so a codec that wrote the count in
        // both places (or swapped them) cannot pass.
        (parts, part) in (1u8..10).prop_flat_map(|parts| (Just(parts), 1u8..=parts)),
        size in prop_oneof![Just(32usize), Just(34usize)],
    ) {
        let block = iso28560::encode_28560_3(&EncodeRequest { item_id: &id, isil: Some(&isil), usage, parts, part, size }).unwrap();
        let data = iso28560::decode(&block).unwrap();
        prop_assert_eq!(data.item_id, id);
        prop_assert_eq!(data.isil, Some(isil));
        prop_assert_eq!((data.usage, data.parts, data.part, data.crc_ok), (usage, parts, part, true));
    }

    #[test]
    fn frame_decoder_never_panics_and_finds_frames_after_noise(
        noise in proptest::collection::vec(any::<u8>(), 0..300),
        data in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let frame = encode_response(0x00, 0xB0, 0x00, &data);
        let mut decoder = FrameDecoder::new();
        decoder.push(&noise);
        while decoder.next_frame().is_some() {}
        decoder.push(&frame);
        // A frame hidden in the noise may complete first; the real one must come within two.
        let first = decoder.next_frame();
        let found = first.as_ref().is_some_and(|f| f.body.get(1..) == Some(&data[..]))
            || decoder.next_frame().is_some_and(|f| f.body.get(1..) == Some(&data[..]));
        prop_assert!(found, "the frame after the noise was not found");
    }

    #[test]
    fn line_assembler_never_panics_and_codes_are_printable(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let mut assembler = LineAssembler::new(LineConfig::default());
        for event in assembler.feed(&bytes, std::time::Instant::now()) {
            if let LineEvent::Code(code) = event {
                prop_assert!(code.len() <= 128);
                prop_assert!(code.bytes().all(|b| (0x20..0x7F).contains(&b)));
            }
        }
    }
}
