//! A station config file (`swalayan --config FILE`) as `config check` reads it: every section
//! validated, every problem collected.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use swalayan::config::Config;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::parse_all(Path::new("station.toml"), text);
    }
});
