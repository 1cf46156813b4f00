//! Arbitrary bytes as an ISO 2709 MARC file through the importer (framing, directory, mrrc,
//! holdings). A leading `<` would make it MARCXML, which has its own target.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_fuzz::{import_marc_file, scratch_file};

fuzz_target!(|data: &[u8]| {
    if data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return;
    }
    import_marc_file(&scratch_file("records.mrc", data));
});
