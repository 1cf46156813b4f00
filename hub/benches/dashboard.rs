//! The staff dashboard's home (`/staff`) with a year of a library's traffic (the goal: under
//! 200 ms server time with 5 gates and 10 stations): an empty hub filled by `simulate` (365
//! days, 5 gates, 8 kiosks, 2 drop boxes — 15 stations, of which 10 circulate), served by the
//! real `swalayan-hub serve` on loopback, a staff member signed in, then the page fetched one
//! request at a time and timed from request to the last byte (loopback adds well under a
//! millisecond). Prints one JSON line.
//!
//! `cargo bench -p swalayan-hub --bench dashboard` (`-- --days N` for another length). Under
//! `cargo test` (no `--bench` argument) it runs 30 days and 20 requests so the suite stays
//! quick; to nextest's `--list` it names itself a benchmark (nextest runs none).

#[path = "support/hub_process.rs"]
mod hub_process;
use hub_process::serve;
use serde_json::json;
use std::time::Instant;
use swalayan_hub::simulate::{self, Plan};
use swalayan_hub::staff::{self, StaffRole};
use swalayan_hub::storage;

/// A cookie's value from a response's `Set-Cookie` headers.
fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .strip_prefix(&format!("{name}="))
                .map(str::to_string)
        })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("dashboard: benchmark");
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let days: u32 = args
        .iter()
        .skip_while(|a| *a != "--days")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 365 } else { 30 });
    let requests = if full { 200 } else { 20 };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let db = db.to_str().unwrap();
    let storage = storage::open(db).unwrap();
    let started = Instant::now();
    let plan = Plan {
        days,
        gates: 5,
        kiosks: 8,
        dropboxes: 2,
        seed: 17,
    };
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let made = simulate::fill(storage.as_ref(), &plan, &tz, jiff::Timestamp::now()).unwrap();
    let filled = started.elapsed().as_secs_f64();
    let password = staff::add(
        storage.as_ref(),
        "bench",
        "ana",
        StaffRole::Admin,
        jiff::Timestamp::now(),
    )
    .unwrap();
    drop(storage);

    let hub = serve(db);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (times, bytes) = rt.block_on(async {
        let login = format!("{}/staff/login", hub.url);
        let form = client.get(&login).send().await.unwrap();
        let csrf = cookie(&form, "csrf").unwrap();
        let signed = client
            .post(&login)
            .header("Cookie", format!("csrf={csrf}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "user=ana&password={}&csrf={csrf}",
                percent_encoding::utf8_percent_encode(
                    &password,
                    percent_encoding::NON_ALPHANUMERIC
                )
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status().as_u16(), 303, "signed in");
        let session = cookie(&signed, "staff_sid").unwrap();
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..requests {
            let start = Instant::now();
            let page = client
                .get(format!("{}/staff", hub.url))
                .header("Cookie", format!("csrf={csrf}; staff_sid={session}"))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status().as_u16(), 200);
            bytes = page.bytes().await.unwrap().len();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        (times, bytes)
    });
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |p: f64| sorted[((p / 100.0) * sorted.len() as f64).ceil() as usize - 1];
    let round = |ms: f64| (ms * 10.0).round() / 10.0;
    println!(
        "{}",
        json!({
            "days": days,
            "stations": made.stations,
            "transactions": made.transactions,
            "visit_buckets": made.visit_buckets,
            "events": made.events,
            "requests": requests,
            "first_ms": round(times[0]),
            "p50_ms": round(at(50.0)),
            "p99_ms": round(at(99.0)),
            "max_ms": round(at(100.0)),
            "page_bytes": bytes,
            "fill_seconds": round(filled),
        })
    );
}
