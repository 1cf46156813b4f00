//! Arbitrary bytes as the MARC-8 text of a well-formed record (leader position 9 blank), so
//! every input reaches the MARC-8 decoders (ours for ANSEL, mrrc's for escape sequences).
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_core::import::marc::assemble_iso2709;
use swalayan_fuzz::{import_marc_file, scratch_file};

fuzz_target!(|data: &[u8]| {
    // Field and record terminators inside the text would end the field early: keep them out.
    let text: Vec<u8> = data.iter().copied().filter(|b| *b != 0x1D && *b != 0x1E).collect();
    let mut title = b"10\x1Fa".to_vec();
    title.extend_from_slice(&text);
    let leader = *b"00000nam  2200000   4500";
    let fields = [
        (*b"001", b"fuzz".to_vec()),
        (*b"245", title),
        (*b"952", b"  \x1Fp39000000001\x1Fybook".to_vec()),
    ];
    import_marc_file(&scratch_file("marc8.mrc", &assemble_iso2709(&leader, &fields)));
});
