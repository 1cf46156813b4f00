//! Arbitrary bytes as a MARCXML file through the importer (an XML start is put in front of
//! inputs without one, so every input is read as MARCXML).
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_fuzz::{import_marc_file, scratch_file};

fuzz_target!(|data: &[u8]| {
    let mut file = Vec::with_capacity(data.len() + 1);
    if data.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'<') {
        file.push(b'<');
    }
    file.extend_from_slice(data);
    import_marc_file(&scratch_file("records.xml", &file));
});
