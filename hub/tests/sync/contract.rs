//! The typed contract at the boundary: rows written in the shapes stations wrote
//! before the contract still push; kinds and payloads the hub cannot read are kept as
//! conflicts with a code, never misread; a transaction id is unique per station.

use crate::support::{
    Backend, CliStation, demo_station as station, on_both_backends, runtime, start_hub,
};
use serde_json::{Value, json};
use swalayan::import::demo::copy_of;
use swalayan::sync::push::push_pending;
use uuid::Uuid;

on_both_backends!(
    a_store_written_before_the_contract_still_syncs,
    rows_in_the_shapes_written_before_the_contract_still_push,
    unknown_kinds_and_unreadable_payloads_are_conflicts_with_a_code,
    the_same_id_from_another_station_is_a_conflict_not_a_duplicate,
);

/// A station database the pre-contract binary wrote (tests/fixtures/README.md): today's
/// `swalayan sync --once` sends every row, and the hub reads every one of them.
fn a_store_written_before_the_contract_still_syncs(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-legacy");
    let station = CliStation::new(dir.path(), "kiosk-legacy", &hub.url, &token, "");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/kiosk-before-contract.db"
        ),
        &station.db,
    )
    .unwrap();
    let (_, before) = station.json(&["outbox", "list", "--pending"]);
    assert_eq!(before.as_array().unwrap().len(), 7);
    let report = station.sync();
    // Four acknowledged, three kept as conflicts (below), none left waiting.
    assert_eq!(
        (
            report["pushed"].as_u64(),
            report["conflicts"].as_u64(),
            report["pending"].as_i64()
        ),
        (Some(4), Some(3), Some(0))
    );
    let status = hub.status();
    assert_eq!(status["transactions"], 7);
    // Three loans opened (two checkouts, a pickup); the return and the renewal are of loans
    // the demo made before this hub existed: conflicts about the loans, not about the shapes.
    // The return's fine names that return, which the hub did not apply: not charged either.
    assert_eq!(status["loans"], 3);
    assert_eq!(status["holds"], 1);
    let conflicts = hub.json(&["conflicts", "list"]);
    let reasons: Vec<&str> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("which the central has") || r.contains("no return the hub applied")),
        "every payload was read: {reasons:?}"
    );
}

/// Payloads exactly as the desk wrote them with `json!` before the typed contract
/// (commit 13084e6): every field, nulls included; the fine names its return's id.
fn legacy_rows(item: &str, patron: &str, checkin: Uuid) -> Vec<(&'static str, Value)> {
    vec![
        (
            "checkout",
            json!({"patron": patron, "item": item, "title": "Bumi",
                   "issued": "2026-11-20T03:00:00Z", "due": "2026-12-04",
                   "hold_id": null, "hold_key": null}),
        ),
        (
            "renew",
            json!({"patron": patron, "item": item, "title": "Bumi", "due": "2026-12-18",
                   "renewals": 1}),
        ),
        (
            "checkin",
            json!({"patron": patron, "item": item, "title": "Bumi",
                   "returned": "2026-12-20T03:00:00Z", "route": "shelve", "transfer_to": null,
                   "fine": 1500, "hold_id": null, "hold_key": null, "hold_patron": null}),
        ),
        (
            "fine",
            json!({"patron": patron, "item": item, "amount": 1500, "kind": "overdue",
                   "checkin": checkin}),
        ),
        ("feedback", json!({"score": 5, "branch": "pusat"})),
        (
            "hold",
            json!({"patron": patron, "title_id": 3, "title": "Bumi", "item": null,
                   "pickup_branch": "pusat", "hold_id": 7, "title_key": "isbn:9786020332956"}),
        ),
    ]
}

fn rows_in_the_shapes_written_before_the_contract_still_push(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    let mut desk = station(dir.path(), "kiosk-1");
    let item = copy_of("Bumi", 1);
    {
        let conn = desk.store().conn();
        let ids: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
        let rows = legacy_rows(&item, "21000000007", ids[2]);
        for (seq, (kind, payload)) in rows.into_iter().enumerate() {
            conn.execute(
                "INSERT INTO outbox(id, station_id, created_at, clock_trusted, kind, payload)
                 VALUES (?1, 'kiosk-1', ?2, 1, ?3, ?4)",
                rusqlite::params![
                    ids[seq].to_string(),
                    format!("2026-11-20T03:00:0{seq}Z"),
                    kind,
                    payload.to_string()
                ],
            )
            .unwrap();
        }
    }
    let central = hub.central(&token, "kiosk-1");
    let rt = runtime();
    let report = rt
        .block_on(push_pending(
            desk.store_mut(),
            &central,
            &crate::support::client(),
        ))
        .unwrap();
    assert_eq!((report.pushed, report.conflicts, report.pending), (6, 0, 0));
    let status = hub.status();
    assert_eq!(status["transactions"], 6);
    assert_eq!(status["loans"], 0, "lent, renewed and returned");
    assert_eq!(status["holds"], 1, "the hold is placed centrally");
    let holds = hub.json(&["holds", "list"]);
    assert_eq!(holds[0]["title"], "isbn:9786020332956");
    assert_eq!(holds[0]["status"], "waiting");
}

fn push_raw(hub: &crate::support::Hub, token: &str, station: &str, txns: Value) -> Value {
    let rt = runtime();
    let response = rt
        .block_on(
            crate::support::client()
                .post(format!("{}/v1/transactions", hub.url))
                .bearer_auth(token)
                .json(&json!({"station": station, "transactions": txns}))
                .send(),
        )
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    rt.block_on(response.json()).unwrap()
}

fn txn(kind: &str, payload: Value) -> Value {
    json!({"id": Uuid::now_v7(), "seq": 1, "kind": kind, "created_at": "2026-11-28T10:00:00Z",
           "clock_trusted": true, "payload": payload})
}

fn unknown_kinds_and_unreadable_payloads_are_conflicts_with_a_code(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    let answer = push_raw(
        &hub,
        &token,
        "kiosk-1",
        json!([
            txn(
                "event_registration",
                json!({"event": "e1", "patron": "21000000001"})
            ),
            // A checkout without its due date must not become a loan with a guessed one.
            txn("checkout", json!({"item": "B1", "patron": "21000000001"})),
            // A renewal whose due date is not a date.
            txn("renew", json!({"item": "B1", "due": "soon"})),
            // A newer station's extra field is ignored, the rest applied.
            txn(
                "checkout",
                json!({"item": "B2", "patron": "21000000001", "due": "2026-12-12", "shelf_mark": "x"})
            ),
        ]),
    );
    let results = answer["results"].as_array().unwrap();
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["code"].as_str().unwrap_or(r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, ["unknown_kind", "malformed", "malformed", "applied"]);
    assert!(
        results[0]["reason"]
            .as_str()
            .unwrap()
            .contains("event_registration"),
        "{answer}"
    );
    assert!(
        results[1]["reason"].as_str().unwrap().contains("due"),
        "{answer}"
    );
    let status = hub.status();
    assert_eq!(status["loans"], 1, "only the readable checkout applied");
    assert_eq!(status["conflicts"], 3, "kept for staff, as received");
    let kept = hub.json(&["conflicts", "list"]);
    assert!(
        kept.as_array()
            .unwrap()
            .iter()
            .any(|c| c["payload"]["event"] == "e1"),
        "{kept}"
    );
}

fn the_same_id_from_another_station_is_a_conflict_not_a_duplicate(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let one = hub.add_station("kiosk-1");
    let two = hub.add_station("kiosk-2");
    let checkout = txn(
        "checkout",
        json!({"item": "B1", "patron": "21000000001", "due": "2026-12-12"}),
    );
    let first = push_raw(&hub, &one, "kiosk-1", json!([checkout]));
    assert_eq!(first["results"][0]["outcome"], "applied");
    let again = push_raw(&hub, &one, "kiosk-1", json!([checkout]));
    assert_eq!(again["results"][0]["outcome"], "duplicate");
    let other = push_raw(&hub, &two, "kiosk-2", json!([checkout]));
    assert_eq!(other["results"][0]["outcome"], "conflict", "{other}");
    assert_eq!(other["results"][0]["code"], "id_reused");
    assert!(
        other["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("kiosk-1")
    );
    // The first station's loan stands; nothing of the second was applied.
    assert_eq!(hub.status()["transactions"], 1);
}
