//! Station tokens do only their role's real work: what a leaked or misused token
//! could push that the hub applied, each refused now, and the station's side of a refusal.
//! Every test runs on both backends and fails without its check (see each comment).

use crate::roles::{library, pull_all, push, txn};
use crate::support::{Backend, Hub, client, demo_station, on_both_backends, runtime};
use serde_json::{Value, json};
use swalayan::sync::push::push_pending;
use uuid::Uuid;

on_both_backends!(
    fines_must_follow_a_return_the_hub_applied_and_stay_within_the_policy,
    a_hold_key_belongs_to_the_station_and_patron_that_made_it,
    a_right_pin_reported_during_a_lockout_does_not_lift_it,
    kinds_outside_the_role_are_refused_and_the_station_moves_them_aside,
    the_hubs_own_station_names_are_reserved,
    a_hold_names_a_branch_the_library_has,
);

/// A patron's document as a staff token pulls it.
fn patron(hub: &Hub, staff: &str, card: &str) -> Value {
    pull_all(hub, staff)
        .into_iter()
        .find(|(kind, key, _)| kind == "patron" && key == card)
        .map(|(_, _, body)| body)
        .unwrap_or_else(|| panic!("no patron {card}"))
}

fn outcomes(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["code"]
                .as_str()
                .unwrap_or(r["outcome"].as_str().unwrap())
                .to_string()
        })
        .collect()
}

/// A drop box's `fine` of −Rp5.000 was applied and the account showed "Denda -Rp5.000".
/// Now: a fine must be > 0, name a return the hub applied for that patron and copy, and be
/// at most the policy's fine per day × days late. Remove any of the three checks in
/// `ledger::charge_fine` and one of these outcomes turns `applied`.
fn fines_must_follow_a_return_the_hub_applied_and_stay_within_the_policy(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let chute = hub.add_station_as("chute", "dropbox");
    let staff = hub.add_station_as("desk-pc", "staff");
    // B1 is on loan to P1, due 2026-12-12; returned on the 20th: 8 days late. The adult
    // book rule charges Rp500 a day: at most Rp4.500 (9 days counted to the return's latest
    // local date) in hundredths.
    let checkin = txn(
        "checkin",
        json!({"patron": "P1", "item": "B1", "returned": "2026-12-20T03:00:00Z", "route": "shelve"}),
    );
    let checkin_id = checkin["id"].clone();
    let fine = |amount: i64, checkin: Value, patron: &str| {
        txn(
            "fine",
            json!({"patron": patron, "item": "B1", "amount": amount, "kind": "overdue", "checkin": checkin}),
        )
    };
    let (status, answer) = push(
        &hub,
        &chute,
        "chute",
        &[
            fine(-500_000, checkin_id.clone(), "P1"),
            fine(5_000, json!(Uuid::now_v7()), "P1"),
            checkin,
            fine(5_000, checkin_id.clone(), "P2"),
            fine(1_000_000, checkin_id.clone(), "P1"),
            fine(400_000, checkin_id.clone(), "P1"),
        ],
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        outcomes(&answer),
        [
            "fine_refused",
            "fine_refused",
            "applied",
            "fine_refused",
            "fine_refused",
            "applied"
        ],
        "{answer}"
    );
    let reasons: Vec<&str> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert!(reasons[0].contains("not more than zero"), "{reasons:?}");
    assert!(
        reasons[3].contains("more than the policy allows"),
        "{reasons:?}"
    );
    assert_eq!(patron(&hub, &staff, "P1")["fines"], 400_000);
    assert_eq!(patron(&hub, &staff, "P2")["fines"], 0);
}

/// A kiosk `hold` push carrying another patron's `hold_key` overwrote that hold (patron and
/// pickup changed). Without the owner check in `ledger::place_hold` the hold below becomes
/// P1's at `utara`.
fn a_hold_key_belongs_to_the_station_and_patron_that_made_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let kiosk = hub.add_station("kiosk-2");
    let holds = hub.json(&["holds", "list"]);
    let key = holds[0]["id"].as_str().unwrap().to_string();
    let title = holds[0]["title"].clone();
    let hold = |patron: &str, key: &str, pickup: &str| {
        txn(
            "hold",
            json!({"patron": patron, "title_key": title, "pickup_branch": pickup, "hold_key": key}),
        )
    };
    let (_, answer) = push(&hub, &kiosk, "kiosk-2", &[hold("P1", &key, "utara")]);
    assert_eq!(outcomes(&answer), ["hold_key_taken"], "{answer}");
    let after = hub.json(&["holds", "list"]);
    assert_eq!(
        (&after[0]["patron"], &after[0]["pickup_branch"]),
        (&json!("P2"), &json!("pusat"))
    );
    // A key of the kiosk's own making: placed, then changed by the same kiosk and patron.
    let own = Uuid::now_v7().to_string();
    let (_, answer) = push(
        &hub,
        &kiosk,
        "kiosk-2",
        &[hold("P1", &own, "pusat"), hold("P1", &own, "pusat")],
    );
    assert_eq!(outcomes(&answer), ["applied", "applied"], "{answer}");
    // ... but another kiosk may not touch it.
    let other = hub.add_station("kiosk-3");
    let (_, answer) = push(&hub, &other, "kiosk-3", &[hold("P1", &own, "pusat")]);
    assert_eq!(outcomes(&answer), ["hold_key_taken"], "{answer}");
}

/// A kiosk could push `pin_attempt` with `ok: true` for any card and so lift its lockout.
/// Without the lockout check in `ledger::count_pin` the second push applies and clears it.
fn a_right_pin_reported_during_a_lockout_does_not_lift_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let kiosk = hub.add_station("kiosk-2");
    let staff = hub.add_station_as("desk-pc", "staff");
    let attempt = |ok: bool, at: &str| {
        let mut t = txn("pin_attempt", json!({"patron": "P2", "ok": ok, "at": at}));
        t["created_at"] = json!(at);
        t
    };
    let wrong: Vec<Value> = (0..3)
        .map(|n| attempt(false, &format!("2026-11-28T10:00:0{n}Z")))
        .collect();
    let (_, answer) = push(&hub, &kiosk, "kiosk-2", &wrong);
    assert_eq!(outcomes(&answer), ["applied"; 3]);
    let locked_until = patron(&hub, &staff, "P2")["pin_locked_until"].clone();
    assert!(locked_until.is_string(), "locked: {locked_until}");

    let (_, answer) = push(
        &hub,
        &kiosk,
        "kiosk-2",
        &[attempt(true, "2026-11-28T10:01:00Z")],
    );
    assert_eq!(outcomes(&answer), ["pin_while_locked"], "{answer}");
    assert_eq!(patron(&hub, &staff, "P2")["pin_locked_until"], locked_until);
    // After the lockout (15 minutes) a right PIN clears the count as before.
    let (_, answer) = push(
        &hub,
        &kiosk,
        "kiosk-2",
        &[attempt(true, "2026-11-28T11:00:00Z")],
    );
    assert_eq!(outcomes(&answer), ["applied"], "{answer}");
    let cleared = patron(&hub, &staff, "P2");
    assert_eq!(
        cleared["pin_failures"].as_u64().unwrap_or(0),
        0,
        "{cleared}"
    );
    assert!(cleared["pin_locked_until"].is_null(), "{cleared}");
}

/// Unknown kinds were stored as conflicts before any role check: a drop box or gate token
/// could fill the conflict list. Now they are refused (403) for every role but the kiosk's,
/// the answer names the refused rows, and a station moves those to its own conflict list
/// and sends the rest (without the station's handling, its outbox sticks on the row and
/// `pending` stays 2).
fn kinds_outside_the_role_are_refused_and_the_station_moves_them_aside(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let chute = hub.add_station_as("chute", "dropbox");
    let kiosk = hub.add_station("kiosk-2");
    let before = hub.status()["transactions"].clone();
    let made_up = txn("confetti", json!({"colour": "red"}));
    let (status, answer) = push(&hub, &chute, "chute", std::slice::from_ref(&made_up));
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["refused"], json!([made_up["id"]]), "{answer}");
    // Kiosks may not push the gate's alarms or the drop box's exceptions either.
    let alarm = txn(
        "security_alarm",
        json!({"item": "B2", "at": "2026-11-28T10:00:00Z"}),
    );
    let (status, answer) = push(&hub, &kiosk, "kiosk-2", &[alarm]);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(hub.status()["transactions"], before, "nothing stored");

    // A drop box whose outbox holds a loan (a tampered store, or a wrong role given at the
    // hub): the loan goes to its conflict list with the hub's words, the return goes through.
    let mut desk = demo_station(dir.path(), "chute");
    {
        let conn = desk.store().conn();
        for (seq, (kind, payload)) in [
            (
                "checkout",
                json!({"patron": "P2", "item": "B2", "due": "2026-12-12"}),
            ),
            (
                "checkin",
                json!({"patron": "P1", "item": "B1", "returned": "2026-12-01T03:00:00Z", "route": "shelve"}),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            conn.execute(
                "INSERT INTO outbox(id, station_id, created_at, clock_trusted, kind, payload)
                 VALUES (?1, 'chute', ?2, 1, ?3, ?4)",
                rusqlite::params![
                    Uuid::now_v7().to_string(),
                    format!("2026-12-01T03:00:0{seq}Z"),
                    kind,
                    payload.to_string()
                ],
            )
            .unwrap();
        }
    }
    let pending_before: i64 = desk
        .store()
        .conn()
        .query_row(
            "SELECT count(*) FROM outbox WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let central = hub.central(&chute, "chute");
    let report = runtime()
        .block_on(push_pending(desk.store_mut(), &central, &client()))
        .unwrap();
    assert_eq!(report.pending, 0, "{report:?}");
    assert!(report.conflicts >= 1, "{report:?}");
    let reason: String = desk
        .store()
        .conn()
        .query_row(
            "SELECT conflict_reason FROM outbox WHERE kind = 'checkout' AND state = 'conflict'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        reason.contains("refused by the hub") && reason.contains("dropbox"),
        "{reason}"
    );
    assert!(pending_before >= 2);
    assert_eq!(hub.status()["loans"], 0, "the return went through");
}

/// `station add web` and `station rotate web` gave the hub's internal `web` station a
/// working staff token. Without `is_reserved_station_name` these exit 0 with a token.
fn the_hubs_own_station_names_are_reserved(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    for args in [
        ["station", "add", "web", "--role", "staff"].as_slice(),
        &["station", "add", "Web", "--role", "kiosk"],
        &["station", "add", "slims", "--role", "staff"],
        &["station", "rotate", "web"],
    ] {
        let out = hub.cmd(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("keeps for itself"), "{said}");
        assert!(out.stdout.is_empty(), "no token printed");
    }
}

/// A hold's pickup branch was not checked: the web form and the API placed one for
/// `<Narnia>`. Now only the branches the library has (its copies', here).
fn a_hold_names_a_branch_the_library_has(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let out = hub.cmd(&[
        "holds", "place", "--patron", "P1", "--item", "B2", "--pickup", "<Narnia>",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a branch of this library"));
    let staff = hub.add_station_as("desk-pc", "staff");
    let rt = runtime();
    let response = rt
        .block_on(
            client()
                .post(format!("{}/v1/holds", hub.url))
                .bearer_auth(&staff)
                .json(&json!({"patron": "P1", "item": "B2", "pickup_branch": "<Narnia>"}))
                .send(),
        )
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let before = hub.json(&["holds", "list"]).as_array().unwrap().len();
    hub.json(&[
        "holds", "place", "--patron", "P1", "--item", "B2", "--pickup", "pusat",
    ]);
    assert_eq!(
        hub.json(&["holds", "list"]).as_array().unwrap().len(),
        before + 1
    );
}
