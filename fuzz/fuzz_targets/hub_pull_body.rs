//! A pulled page as a station reads it (`GET /v1/changes`): the page, then every document's
//! body by its kind. Whatever decodes must decode again from the body it is stored as.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_core::contract::documents::Document;
use swalayan_core::contract::protocol::ChangesResponse;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<ChangesResponse>(data) else {
        return;
    };
    for change in &page.changes {
        let (Some(kind), Some(body)) = (change.kind.known(), change.body.as_ref()) else {
            continue;
        };
        if let Ok(document) = Document::decode(*kind, body) {
            let again = Document::decode(document.kind(), &document.body());
            assert!(again.is_ok(), "a decoded document did not decode again: {again:?}");
        }
    }
});
