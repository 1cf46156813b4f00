//! A patrons CSV file through the importer the station and the hub run.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_core::import::csv::{ImportContext, import_patrons};
use swalayan_fuzz::{NullSink, policy, scratch_file};

fuzz_target!(|data: &[u8]| {
    let context = ImportContext { policy: policy(), default_branch: "main" };
    let path = scratch_file("patrons.csv", data);
    let _ = import_patrons(&path, &context, &mut NullSink::new());
});
