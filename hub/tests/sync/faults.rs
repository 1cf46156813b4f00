//! Exactly once through every way a network or a hub fails: a TCP proxy between station and
//! hub refuses, resets, stalls, truncates, answers 500 or dribbles; the hub is killed in the
//! middle of a batch and restarted. Afterwards the hub holds each transaction exactly once,
//! in order (a return applied before its loan would be a conflict), and the station's outbox
//! is acknowledged.

use crate::support::{Backend, Hub, on_both_backends, runtime, start_hub, start_hub_on};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swalayan::circulation::desk::{Desk, Proof};
use swalayan::import::demo::copy_of;
use swalayan::store::outbox;
use swalayan::sync::push::{Central, SyncReport, push_pending};

on_both_backends!(
    every_transaction_arrives_once_through_resets_stalls_truncation_and_500s,
    a_pull_cut_short_resumes_from_its_cursor_and_applies_each_page_whole,
    a_hub_killed_mid_batch_and_restarted_loses_and_doubles_nothing,
);

/// What the proxy does to one connection.
#[derive(Debug, Clone)]
enum Fault {
    /// Relay both ways.
    Pass,
    /// Accept and close at once, as a hub that is down behind a load balancer.
    Refuse,
    /// Answer 500 without asking the hub.
    Error500,
    /// Let the hub answer (it has applied the batch), then reset the connection: the ack is lost.
    Reset,
    /// Pass only the first half of the hub's first answer chunk, then close.
    Truncate,
    /// Let the hub answer but never pass it on until the station gives up.
    Stall,
    /// Pass the answer a few bytes at a time.
    Slow,
    /// Pass the request, then tell the test (which kills the hub).
    Signal(Sender<()>),
}

struct Proxy {
    addr: SocketAddr,
    faults: Arc<Mutex<VecDeque<Fault>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wake the accept loop
    }
}

impl Proxy {
    fn start(target: SocketAddr, faults: Vec<Fault>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let faults = Arc::new(Mutex::new(VecDeque::from(faults)));
        let stop = Arc::new(AtomicBool::new(false));
        let (queue, stopping) = (faults.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let fault = queue.lock().unwrap().pop_front().unwrap_or(Fault::Pass);
                std::thread::spawn(move || handle(client, target, fault));
            }
        });
        Proxy { addr, faults, stop }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn faults_left(&self) -> usize {
        self.faults.lock().unwrap().len()
    }
}

fn handle(mut client: TcpStream, target: SocketAddr, fault: Fault) {
    let bounded = Some(Duration::from_secs(10));
    let _ = client.set_read_timeout(bounded);
    match fault {
        Fault::Refuse => {
            let _ = client.shutdown(Shutdown::Both);
        }
        Fault::Error500 => {
            let mut buf = [0u8; 4096];
            let _ = client.read(&mut buf);
            let _ = client.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
        fault => {
            let Ok(mut hub) = TcpStream::connect(target) else {
                return; // the hub is down: the client sees its connection closed
            };
            let _ = hub.set_read_timeout(bounded);
            let (mut from_client, mut to_hub) =
                (client.try_clone().unwrap(), hub.try_clone().unwrap());
            let signal = match &fault {
                Fault::Signal(tx) => Some(tx.clone()),
                _ => None,
            };
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                loop {
                    match from_client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if to_hub.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            if let Some(tx) = &signal {
                                let _ = tx.send(());
                            }
                        }
                    }
                }
                let _ = to_hub.shutdown(Shutdown::Write);
            });
            let mut buf = [0u8; 16384];
            loop {
                let n = match hub.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                match &fault {
                    Fault::Reset => {
                        // SO_LINGER 0 would send RST; closing both ways mid-answer is what the
                        // station sees of a dropped link either way.
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    }
                    Fault::Truncate => {
                        let _ = client.write_all(&buf[..n / 2]);
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    }
                    Fault::Stall => {
                        // Hold the line until the station's timeout has passed, then drop it.
                        let mut sink = [0u8; 1];
                        let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
                        let _ = client.read(&mut sink);
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    }
                    Fault::Slow => {
                        for chunk in buf[..n].chunks(64) {
                            if client.write_all(chunk).is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(2));
                        }
                    }
                    _ => {
                        if client.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

/// A demo station that lends and takes back two copies `rounds` times: 4 × rounds
/// transactions, each return depending on the loan before it.
fn busy_station(dir: &std::path::Path, name: &str, rounds: usize) -> (Desk, usize) {
    let mut desk = crate::support::demo_station(dir, name);
    let copies = [copy_of("Bumi", 1), copy_of("Sang Pemimpi", 1)];
    for _ in 0..rounds {
        for copy in &copies {
            assert!(
                desk.checkout("21000000007", copy, Proof::NotNeeded, None)
                    .unwrap()
                    .ok
            );
        }
        for copy in &copies {
            assert!(desk.checkin(copy, None).unwrap().ok);
        }
    }
    (desk, rounds * 4)
}

/// A client that opens a new connection per request, so each request meets the next fault.
fn unpooled() -> reqwest::Client {
    crate::support::client();
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// Pushes until nothing is pending (bounded); every failure on the way must be transient.
fn push_until_done(desk: &mut Desk, central: &Central, client: &reqwest::Client) -> Vec<String> {
    let rt = runtime();
    let mut failures = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    for _ in 0..100 {
        assert!(Instant::now() < deadline, "never finished: {failures:?}");
        match rt.block_on(push_pending(desk.store_mut(), central, client)) {
            Ok(SyncReport { pending: 0, .. }) => return failures,
            Ok(_) => {}
            Err(e) => {
                assert!(e.is_transient(), "a network fault must be transient: {e}");
                failures.push(e.to_string());
            }
        }
    }
    panic!("still pending after 100 rounds: {failures:?}");
}

fn assert_exactly_once(hub: &Hub, desk: &Desk, expected: usize) {
    let status = hub.status();
    assert_eq!(status["transactions"], expected as i64, "{status}");
    assert_eq!(
        status["conflicts"], 0,
        "order kept: no return before its loan"
    );
    assert_eq!(status["loans"], 0);
    let (pending, acknowledged, conflict) = outbox::counts(desk.store().conn()).unwrap();
    assert_eq!((pending, acknowledged, conflict), (0, expected as i64, 0));
    let rows = outbox::list(desk.store().conn(), false, None).unwrap();
    assert_eq!(rows.len(), expected);
}

fn hub_addr(hub: &Hub) -> SocketAddr {
    hub.url.trim_start_matches("http://").parse().unwrap()
}

fn every_transaction_arrives_once_through_resets_stalls_truncation_and_500s(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    // Made while the hub was unreachable (the station never waits for it).
    let (mut desk, made) = busy_station(dir.path(), "kiosk-1", 15);
    let faults = vec![
        Fault::Refuse,
        Fault::Error500,
        Fault::Reset,
        Fault::Pass,
        Fault::Truncate,
        Fault::Stall,
        Fault::Reset,
        Fault::Slow,
        Fault::Error500,
        Fault::Truncate,
        Fault::Reset,
    ];
    let proxy = Proxy::start(hub_addr(&hub), faults);
    let central = Central {
        batch: 7,
        timeout: Duration::from_millis(1500),
        ..Central::new(&proxy.url(), &token, "kiosk-1")
    };
    let failures = push_until_done(&mut desk, &central, &unpooled());
    assert_eq!(proxy.faults_left(), 0, "every fault was met");
    assert!(failures.len() >= 9, "{failures:?}");
    assert_exactly_once(&hub, &desk, made);
}

fn a_hub_killed_mid_batch_and_restarted_loses_and_doubles_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let listen = crate::support::free_address();
    let db = backend.database(dir.path());
    let hub = start_hub_on(&db, &listen, &[]);
    let token = hub.add_station("kiosk-1");
    let (mut desk, made) = busy_station(dir.path(), "kiosk-1", 50);
    let (tx, killed_when) = channel();
    let proxy = Proxy::start(hub_addr(&hub), vec![Fault::Pass, Fault::Signal(tx)]);
    let central = Central {
        batch: 60,
        timeout: Duration::from_secs(5),
        ..Central::new(&proxy.url(), &token, "kiosk-1")
    };
    let client = unpooled();
    let pushing = std::thread::spawn({
        let central = central.clone();
        let client = client.clone();
        move || {
            let result = runtime().block_on(push_pending(desk.store_mut(), &central, &client));
            (desk, result)
        }
    });
    // The second batch is on its way to the hub: kill it there and then.
    killed_when
        .recv_timeout(Duration::from_secs(30))
        .expect("the second batch never left the station");
    drop(hub);
    let (mut desk, result) = pushing.join().unwrap();
    let error = result.expect_err("the push cannot have finished against a killed hub");
    assert!(error.is_transient(), "{error}");
    // Back on the same address and database; the station resends what it has no answer for.
    let hub = start_hub_on(&db, &listen, &[]);
    push_until_done(&mut desk, &central, &client);
    assert_exactly_once(&hub, &desk, made);
}

fn a_pull_cut_short_resumes_from_its_cursor_and_applies_each_page_whole(backend: Backend) {
    use swalayan::sync::pull::{cursor, pull_changes};
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let mut csv = String::from("barcode,title,item_type\n");
    for i in 0..12_000 {
        csv.push_str(&format!("C{i:05},Judul {i},book\n"));
    }
    let file = crate::support::write(dir.path(), "items.csv", &csv);
    hub.json(&["import", "items", file.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    // The first page arrives; the second is cut, reset, refused; then everything passes.
    let proxy = Proxy::start(
        hub_addr(&hub),
        vec![Fault::Pass, Fault::Truncate, Fault::Reset, Fault::Error500],
    );
    let central = Central::new(&proxy.url(), &token, "kiosk-1");
    let client = unpooled();
    let mut store = swalayan::store::Store::open(&dir.path().join("kiosk-1.db")).unwrap();
    let rt = runtime();
    let mut errors = 0;
    for _ in 0..10 {
        let before = cursor(store.conn()).unwrap();
        match rt.block_on(pull_changes(&mut store, &central, &client)) {
            Ok(_) => break,
            Err(e) => {
                assert!(e.is_transient(), "{e}");
                errors += 1;
                // A failed page leaves nothing half-applied: items match the cursor.
                let after = cursor(store.conn()).unwrap();
                assert!(after >= before);
                // Revisions here run 1 (the policy), then a title and its item each.
                let documents: i64 = store
                    .conn()
                    .query_row(
                        "SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM titles) + 1",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(documents, after.max(1), "whole pages only");
            }
        }
    }
    assert_eq!(errors, 3, "each fault was met once");
    assert_eq!(proxy.faults_left(), 0);
    let items: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(items, 12_000);
    assert_eq!(
        serde_json::Value::from(cursor(store.conn()).unwrap()),
        hub.status()["revision"]
    );
}

/// A library network: two hub processes on one PostgreSQL database, stations pushing to
/// either at the same time, one station pulling from the other hub meanwhile. The advisory
/// lock serialises writers, so conflicts are decided once and no pull skips a change.
#[test]
fn two_hub_processes_on_one_postgresql_database_agree() {
    let dir = tempfile::tempdir().unwrap();
    let db = Backend::Postgres.database(dir.path());
    let hubs = [
        start_hub_on(&db, "127.0.0.1:0", &[]),
        start_hub_on(&db, "127.0.0.1:0", &[]),
    ];
    // Three branches each lend the same copy while offline, and circulate their own copy.
    let shared = copy_of("Edensor", 1);
    let own = ["Laskar Pelangi", "Sang Pemimpi", "Bumi"];
    let mut pushers = Vec::new();
    for (i, title) in own.iter().enumerate() {
        let name = format!("branch-{i}");
        let hub = &hubs[i % 2];
        let token = hub.add_station(&name);
        let mut desk = crate::support::demo_station(dir.path(), &name);
        let patron = ["21000000007", "21000000010", "21000000009"][i];
        assert!(
            desk.checkout(patron, &shared, Proof::NotNeeded, None)
                .unwrap()
                .ok
        );
        let copy = copy_of(title, 1);
        for _ in 0..10 {
            assert!(
                desk.checkout(patron, &copy, Proof::NotNeeded, None)
                    .unwrap()
                    .ok
            );
            assert!(desk.checkin(&copy, None).unwrap().ok);
        }
        let central = Central {
            batch: 3,
            ..hub.central(&token, &name)
        };
        pushers.push(std::thread::spawn(move || {
            let report = runtime()
                .block_on(push_pending(
                    desk.store_mut(),
                    &central,
                    &crate::support::client(),
                ))
                .unwrap();
            assert_eq!(report.pending, 0);
            report.conflicts
        }));
    }
    // A fourth station pulls from the other hub while the pushes land.
    let token = hubs[1].add_station("reader");
    let reader = hubs[1].central(&token, "reader");
    let mut reader_desk = crate::support::demo_station(dir.path(), "reader");
    let store = reader_desk.store_mut();
    let rt = runtime();
    let client = crate::support::client();
    while !pushers.iter().all(|p| p.is_finished()) {
        rt.block_on(swalayan::sync::pull::pull_changes(store, &reader, &client))
            .unwrap();
    }
    let conflicts: u64 = pushers.into_iter().map(|p| p.join().unwrap()).sum();
    assert_eq!(
        conflicts, 2,
        "the shared copy went to one branch; two conflicts"
    );
    rt.block_on(swalayan::sync::pull::pull_changes(store, &reader, &client))
        .unwrap();
    // Had a pull skipped a change, a copy would be on loan here that is back on the shelf
    // centrally, or the reverse.
    let open = |item: &str| {
        swalayan::store::circ::open_loan_for_item(store.conn(), item)
            .unwrap()
            .map(|l| l.patron)
    };
    assert!(open(&shared).is_some(), "the shared copy is on loan");
    for title in own {
        assert_eq!(open(&copy_of(title, 1)), None, "{title} is back");
    }
    let status = hubs[0].status();
    assert_eq!(
        (
            status["transactions"].as_i64(),
            status["conflicts"].as_i64(),
            status["loans"].as_i64()
        ),
        (Some(3 + 3 * 20), Some(2), Some(1))
    );
    assert_eq!(
        serde_json::Value::from(swalayan::sync::pull::cursor(store.conn()).unwrap()),
        hubs[1].status()["revision"],
        "the reader missed no change"
    );
}
