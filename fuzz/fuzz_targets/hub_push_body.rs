//! A push body as the hub reads it (`POST /v1/transactions`): the envelope, then every
//! transaction's payload by its kind. Whatever decodes must decode again from what it writes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swalayan_core::contract::protocol::PushRequest;
use swalayan_core::contract::transactions::TxBody;
use swalayan_core::contract::wire::Wire;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    for tx in &request.transactions {
        if let Ok(body) = TxBody::decode(&tx.kind, &tx.payload) {
            let again = TxBody::decode(&Wire::Known(body.kind()), &body.payload());
            assert!(again.is_ok(), "a decoded payload did not decode again: {again:?}");
            let _ = (body.patron(), body.item(), body.hold_key(), body.due());
        }
    }
});
