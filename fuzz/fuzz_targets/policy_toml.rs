//! A circulation policy file (`swalayan import policy`) as the station and the hub read it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use swalayan_core::import::policy::parse_policy;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_policy(Path::new("policy.toml"), text);
    }
});
