//! Both ISO 28560 decoders on arbitrary tag memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_hardware::rfid::iso28560::{DataModel, decode, decode_as};

fuzz_target!(|data: &[u8]| {
    let _ = decode(data);
    let _ = decode_as(data, DataModel::Iso28560_2);
    let _ = decode_as(data, DataModel::Iso28560_3);
});
