//! Least privilege: what each role pulls and may push, the holds API acting for a
//! patron only with their card and PIN (or for anyone with a staff token), and tokens that
//! are rotated or revoked.

use crate::support::{
    Backend, CliStation, Hub, client, on_both_backends, runtime, start_hub, write,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use swalayan::circulation::desk::{Desk, DeskSettings, Proof};
use swalayan::clock::SystemClock;
use swalayan::reason::Reason;
use swalayan::store::Store;
use swalayan::sync::pull::pull_changes;
use swalayan::sync::push::push_pending;
use uuid::Uuid;

on_both_backends!(
    each_role_pulls_exactly_its_documents,
    a_push_outside_the_role_is_refused_whole_and_nothing_applied,
    the_holds_api_acts_for_a_patron_only_with_their_card_and_pin,
    rotated_and_revoked_tokens_stop_working_at_once,
    three_wrong_pins_at_one_kiosk_lock_the_card_at_the_next_and_on_the_web,
    stations_report_their_health_and_staff_see_it_in_the_station_list,
    the_hub_refuses_the_holds_a_kiosk_would_refuse_by_the_same_rule,
);

/// A hub with two titles, two copies, two patrons (with PINs), a loan, a hold and a
/// promotion: one document of every kind.
pub(crate) fn library(dir: &std::path::Path, backend: Backend) -> Hub {
    let hub = start_hub(backend, dir);
    let items = write(
        dir,
        "items.csv",
        "barcode,title,item_type\nB1,Ronggeng Dukuh Paruk,book\nB2,Bumi Manusia,book\n",
    );
    let patrons = write(
        dir,
        "patrons.csv",
        "card,name,category,expires,pin\nP1,Siti Aminah,adult,2030-01-31,1234\nP2,Budi Santoso,adult,2030-01-31,9876\n",
    );
    hub.json(&["import", "items", items.to_str().unwrap()]);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["holds", "place", "--patron", "P2", "--item", "B2"]);
    hub.json(&[
        "promotions",
        "add",
        "--title",
        "Lomba baca",
        "--body",
        "Sabtu ini",
    ]);
    let kiosk = hub.add_station("kiosk-1");
    push(
        &hub,
        &kiosk,
        "kiosk-1",
        &[txn(
            "checkout",
            json!({"patron": "P1", "item": "B1", "due": "2026-12-12"}),
        )],
    );
    hub
}

pub(crate) fn txn(kind: &str, payload: Value) -> Value {
    json!({"id": Uuid::now_v7(), "seq": 1, "kind": kind, "created_at": "2026-11-28T10:00:00Z",
           "clock_trusted": true, "payload": payload})
}

/// Pushes raw transactions; returns the status code and body.
pub(crate) fn push(hub: &Hub, token: &str, station: &str, txns: &[Value]) -> (u16, Value) {
    let rt = runtime();
    let response = rt
        .block_on(
            client()
                .post(format!("{}/v1/transactions", hub.url))
                .bearer_auth(token)
                .json(&json!({"station": station, "transactions": txns}))
                .send(),
        )
        .unwrap();
    let status = response.status().as_u16();
    (status, rt.block_on(response.json()).unwrap())
}

/// Every change a token may pull from the start, as `(kind, key) -> body`.
pub(crate) fn pull_all(hub: &Hub, token: &str) -> Vec<(String, String, Value)> {
    let rt = runtime();
    let page: Value = rt
        .block_on(async {
            client()
                .get(format!("{}/v1/changes?since=0", hub.url))
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await
        })
        .unwrap();
    assert_eq!(page["more"], false);
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["key"].as_str().unwrap().to_string(),
                c["body"].clone(),
            )
        })
        .collect()
}

fn kinds(changes: &[(String, String, Value)]) -> BTreeSet<&str> {
    changes.iter().map(|(kind, _, _)| kind.as_str()).collect()
}

fn each_role_pulls_exactly_its_documents(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let every = BTreeSet::from([
        "hold",
        "item",
        "loan",
        "patron",
        "policy",
        "promotion",
        "title",
    ]);
    let patron = |changes: &[(String, String, Value)]| -> Value {
        changes
            .iter()
            .find(|(kind, key, _)| kind == "patron" && key == "P1")
            .map(|(_, _, body)| body.clone())
            .unwrap()
    };

    let kiosk = pull_all(&hub, &hub.add_station_as("kiosk-2", "kiosk"));
    assert_eq!(kinds(&kiosk), every);
    let full = patron(&kiosk);
    assert_eq!(full["name"], "Siti Aminah");
    assert!(full["pin_hash"].as_str().unwrap().starts_with("$argon2id$"));

    let staff = pull_all(&hub, &hub.add_station_as("desk-pc", "staff"));
    assert_eq!(kinds(&staff), every);
    assert_eq!(staff.len(), kiosk.len());

    let dropbox = pull_all(&hub, &hub.add_station_as("chute", "dropbox"));
    assert_eq!(
        kinds(&dropbox),
        BTreeSet::from(["hold", "item", "loan", "patron", "policy", "title"])
    );
    let card_only = patron(&dropbox);
    assert_eq!(card_only["name"], "", "{card_only}");
    assert!(card_only.get("pin_hash").is_none(), "{card_only}");
    assert_eq!(card_only["category"], "adult");
    let text = serde_json::to_string(&dropbox).unwrap();
    assert!(!text.contains("Siti") && !text.contains("argon2"), "{text}");

    let gate = pull_all(&hub, &hub.add_station_as("gate-1", "gate"));
    assert_eq!(kinds(&gate), BTreeSet::from(["item", "policy", "title"]));
    let text = serde_json::to_string(&gate).unwrap();
    assert!(!text.contains("P1") && !text.contains("P2"), "{text}");
}

fn a_push_outside_the_role_is_refused_whole_and_nothing_applied(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let before = hub.status()["transactions"].clone();
    let dropbox = hub.add_station_as("chute", "dropbox");
    let gate = hub.add_station_as("gate-1", "gate");
    let staff = hub.add_station_as("desk-pc", "staff");
    let checkin = txn(
        "checkin",
        json!({"item": "B1", "returned": "2026-11-28T10:00:00Z", "route": "shelve"}),
    );
    let lend = txn(
        "checkout",
        json!({"patron": "P2", "item": "B2", "due": "2026-12-12"}),
    );
    // A stolen drop box token cannot lend, even hidden behind a return it may make.
    let (status, body) = push(&hub, &dropbox, "chute", &[checkin.clone(), lend.clone()]);
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("checkout"),
        "{body}"
    );
    for (token, name) in [(&gate, "gate-1"), (&staff, "desk-pc")] {
        let (status, body) = push(&hub, token, name, std::slice::from_ref(&checkin));
        assert_eq!(status, 403, "{name}: {body}");
    }
    assert_eq!(hub.status()["transactions"], before, "nothing applied");
    assert_eq!(hub.status()["loans"], 1);
    // What the role may do, it does.
    let (status, body) = push(&hub, &dropbox, "chute", &[checkin]);
    assert_eq!(
        (status, &body["results"][0]["outcome"]),
        (200, &json!("applied"))
    );
    assert_eq!(hub.status()["loans"], 0);
    // Visitor counts are the gate's alone.
    let rt = runtime();
    let visits = |token: &str, station: &str| {
        rt.block_on(
            client()
                .post(format!("{}/v1/visits", hub.url))
                .bearer_auth(token)
                .json(&json!({"station": station, "buckets": [
                    {"start": "2026-11-28T01:00:00Z", "entered": 4, "left": 1}]}))
                .send(),
        )
        .unwrap()
        .status()
        .as_u16()
    };
    assert_eq!(visits(&dropbox, "chute"), 403);
    assert_eq!(visits(&gate, "gate-1"), 200);
    assert_eq!(hub.status()["visitors_in"], 4);
}

fn the_holds_api_acts_for_a_patron_only_with_their_card_and_pin(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let opac = hub.add_station_as("opac", "kiosk");
    let staff = hub.add_station_as("desk-pc", "staff");
    let dropbox = hub.add_station_as("chute", "dropbox");
    let rt = runtime();
    let http = client();
    let url = format!("{}/v1/holds", hub.url);
    let place = |token: &str, body: Value| -> (u16, Value) {
        let response = rt
            .block_on(http.post(&url).bearer_auth(token).json(&body).send())
            .unwrap();
        let status = response.status().as_u16();
        (status, rt.block_on(response.json()).unwrap())
    };
    let ask = |request: reqwest::RequestBuilder, proof: Option<(&str, &str)>| -> (u16, Value) {
        let request = match proof {
            Some((card, pin)) => request
                .header("X-Patron-Card", card)
                .header("X-Patron-Pin", pin),
            None => request,
        };
        let response = rt.block_on(request.send()).unwrap();
        let status = response.status().as_u16();
        (status, rt.block_on(response.json()).unwrap())
    };
    let title_key = hub.json(&["holds", "list", "--all"])[0]["title"].clone();
    let hold = json!({"patron": "P1", "title": title_key, "pickup_branch": "pusat"});
    // Without proof, with a wrong PIN, with another's PIN: refused, nothing placed.
    assert_eq!(place(&opac, hold.clone()).0, 401);
    let mut wrong = hold.clone();
    wrong["pin"] = json!("0000");
    assert_eq!(place(&opac, wrong).0, 403);
    let mut others = hold.clone();
    others["pin"] = json!("9876");
    assert_eq!(place(&opac, others).0, 403);
    let mut right = hold.clone();
    right["pin"] = json!("1234");
    assert_eq!(
        place(&dropbox, right.clone()).0,
        403,
        "not a drop box's business"
    );
    assert_eq!(
        hub.status()["holds"],
        1,
        "only the hold placed by staff before"
    );
    let (status, mine) = place(&opac, right);
    assert_eq!(status, 201, "{mine}");

    // Listing: a patron sees their own; everyone's is for staff.
    let list = || http.get(&url).bearer_auth(&opac);
    assert_eq!(ask(list(), None).0, 401);
    assert_eq!(ask(list(), Some(("P1", "1111"))).0, 403);
    let (status, own) = ask(list(), Some(("P1", "1234")));
    assert_eq!(status, 200);
    let own = own.as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["patron"], "P1");
    let others = http.get(format!("{url}?patron=P2")).bearer_auth(&opac);
    assert_eq!(ask(others, Some(("P1", "1234"))).0, 403);
    let (status, all) = ask(http.get(&url).bearer_auth(&staff), None);
    assert_eq!((status, all.as_array().unwrap().len()), (200, 2));

    // Cancelling: one's own with proof; another's only as staff.
    let p2_hold = all
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["patron"] == "P2")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cancel = |id: &str, token: &str| http.delete(format!("{url}/{id}")).bearer_auth(token);
    assert_eq!(
        ask(cancel(&p2_hold, &opac), Some(("P1", "1234"))).0,
        403,
        "P1 cannot cancel P2's hold"
    );
    assert_eq!(ask(cancel(&p2_hold, &opac), None).0, 401);
    let mine_id = mine["id"].as_str().unwrap();
    assert_eq!(ask(cancel(mine_id, &opac), Some(("P1", "1234"))).0, 200);
    assert_eq!(ask(cancel(&p2_hold, &staff), None).0, 200);
    assert_eq!(hub.status()["holds"], 0);
}

fn rotated_and_revoked_tokens_stop_working_at_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let old = hub.add_station_as("chute", "dropbox");
    let pulls = |token: &str| {
        runtime()
            .block_on(
                client()
                    .get(format!("{}/v1/changes?since=0&limit=1", hub.url))
                    .bearer_auth(token)
                    .send(),
            )
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(pulls(&old), 200);
    let rotated = hub.json(&["station", "rotate", "chute"]);
    assert_eq!(rotated["station"], "chute");
    let new = rotated["token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(pulls(&old), 401, "the old token is dead at once");
    assert_eq!(pulls(&new), 200);

    let chute = hub.listed("chute");
    assert_eq!(chute["role"], "dropbox");
    assert!(chute["last_seen"].as_str().is_some(), "{chute}");
    assert_eq!(chute["revoked"], false);
    let kiosk = hub.listed("kiosk-1");
    assert_eq!(kiosk["conflicts"], 0);
    for field in ["station", "role", "last_seen", "pending", "conflicts"] {
        assert!(kiosk.get(field).is_some(), "{field} in {kiosk}");
    }

    hub.json(&["station", "revoke", "chute"]);
    assert_eq!(pulls(&new), 401, "a revoked token is dead at once");
    assert_eq!(hub.listed("chute")["revoked"], true);
    let missing = hub.cmd(&["station", "rotate", "no-such"]);
    assert_ne!(missing.status.code(), Some(0));
}

/// A new kiosk with nothing but what it pulls from the hub.
fn fresh_kiosk(hub: &Hub, dir: &std::path::Path, name: &str) -> (Desk, String) {
    let token = hub.add_station(name);
    let store = Store::open(&dir.join(format!("{name}.db"))).unwrap();
    let mut desk = Desk::new(
        store,
        DeskSettings {
            station_id: name.into(),
            branch: "pusat".into(),
            time_zone: jiff::tz::db().get("Asia/Jakarta").unwrap(),
        },
        Box::new(SystemClock),
    );
    sync(hub, &mut desk, &token, name);
    (desk, token)
}

fn sync(hub: &Hub, desk: &mut Desk, token: &str, name: &str) {
    let central = hub.central(token, name);
    let rt = runtime();
    rt.block_on(push_pending(desk.store_mut(), &central, &client()))
        .unwrap();
    rt.block_on(pull_changes(desk.store_mut(), &central, &client()))
        .unwrap();
}

/// A checkout with a PIN; the reason it was refused, if it was.
fn try_card(desk: &mut Desk, card: &str, pin: &str) -> Option<Reason> {
    desk.checkout(card, "B2", Proof::Pin(Some(pin)), None)
        .unwrap()
        .reason
}

fn three_wrong_pins_at_one_kiosk_lock_the_card_at_the_next_and_on_the_web(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let (mut first, first_token) = fresh_kiosk(&hub, dir.path(), "kiosk-a");
    let (mut second, second_token) = fresh_kiosk(&hub, dir.path(), "kiosk-b");
    let try_pin = |desk: &mut Desk, pin: &str| try_card(desk, "P1", pin);
    assert_eq!(try_pin(&mut first, "0000"), Some(Reason::PinIncorrect));
    assert_eq!(try_pin(&mut first, "0001"), Some(Reason::PinIncorrect));
    assert_eq!(try_pin(&mut first, "0002"), Some(Reason::PinLocked));
    sync(&hub, &mut first, &first_token, "kiosk-a");
    // The next kiosk hears of it on its next round: the right PIN is refused there too.
    sync(&hub, &mut second, &second_token, "kiosk-b");
    assert_eq!(try_pin(&mut second, "1234"), Some(Reason::PinLocked));
    // And on the web catalogue.
    let opac = hub.add_station("opac");
    let rt = runtime();
    let response = rt
        .block_on(
            client()
                .get(format!("{}/v1/holds", hub.url))
                .bearer_auth(&opac)
                .header("X-Patron-Card", "P1")
                .header("X-Patron-Pin", "1234")
                .send(),
        )
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let body: Value = rt.block_on(response.json()).unwrap();
    assert!(body["error"].as_str().unwrap().contains("locked"), "{body}");
    // Another patron is not affected.
    assert_ne!(try_card(&mut second, "P2", "9876"), Some(Reason::PinLocked));
}

fn stations_report_their_health_and_staff_see_it_in_the_station_list(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let token = hub.add_station("kiosk-2");
    let station = CliStation::new(dir.path(), "kiosk-2", &hub.url, &token, "");
    assert_eq!(station.json(&["init", "--demo"]).0, 0);
    // A PIN check waits in the outbox; the round sends it, then reports.
    let (code, _) = station.json(&[
        "circ",
        "checkout",
        "--patron",
        "21000000001",
        "--item",
        "31000002801",
        "--pin",
        "0000",
    ]);
    assert_eq!(code, 1, "a wrong PIN is a refusal");
    let report = station.sync();
    assert_eq!(report["pending"], 0);
    let kiosk = hub.listed("kiosk-2");
    assert_eq!(kiosk["pending"], 0, "{kiosk}");
    assert_eq!(kiosk["health"]["conflicts"], 0, "{kiosk}");
    assert!(kiosk["health"]["version"].as_str().is_some(), "{kiosk}");
    assert!(kiosk["last_seen"].as_str().is_some(), "{kiosk}");
    // Another station cannot report for it.
    let rt = runtime();
    let other = rt
        .block_on(
            client()
                .post(format!("{}/v1/status", hub.url))
                .bearer_auth(hub.add_station("kiosk-3"))
                .json(&json!({"station": "kiosk-2", "pending": 99, "conflicts": 0}))
                .send(),
        )
        .unwrap();
    assert_eq!(other.status().as_u16(), 403);
}

fn the_hub_refuses_the_holds_a_kiosk_would_refuse_by_the_same_rule(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = library(dir.path(), backend);
    let withdrawn = write(
        dir.path(),
        "withdrawn.csv",
        "barcode,title,item_type,status\nW1,Kitab Lama,book,withdrawn\n",
    );
    hub.json(&["import", "items", withdrawn.to_str().unwrap()]);
    let key_of = |barcode: &str| -> String {
        let placed = hub.json(&["holds", "place", "--patron", "P2", "--item", barcode]);
        let key = placed["title"].as_str().unwrap().to_string();
        hub.json(&["holds", "cancel", placed["id"].as_str().unwrap()]);
        key
    };
    let ronggeng = key_of("B1");
    let refused = |patron: &str, title: &str| -> String {
        let out = hub.cmd(&["holds", "place", "--patron", patron, "--title", title]);
        assert_eq!(out.status.code(), Some(2), "{patron} {title}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    // P1 has B1 on loan: the kiosk's rule says no hold on a title one holds a copy of.
    assert!(
        refused("P1", &ronggeng).contains("already_on_loan_to_patron"),
        "{}",
        refused("P1", &ronggeng)
    );
    // P2 waits for Bumi Manusia already.
    let bumi = hub.json(&["holds", "list", "--patron", "P2"])[0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(refused("P2", &bumi).contains("hold_already_placed"));
    // A title whose only copy is withdrawn cannot be reserved.
    let old = hub
        .json(&["holds", "list", "--all"])
        .as_array()
        .unwrap()
        .len();
    let out = hub.cmd(&["holds", "place", "--patron", "P1", "--item", "W1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("item_withdrawn"));
    assert_eq!(
        hub.json(&["holds", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        old,
        "nothing placed"
    );
    // What the rule allows still goes through.
    let ok = hub.json(&["holds", "place", "--patron", "P2", "--title", &ronggeng]);
    assert_eq!(ok["status"], "waiting");
}
