//! Notifications (issue #30): 10,000 due-soon reminders composed and queued — 10,000 patrons
//! who consented to WhatsApp, each with a copy due in two days — by the calendar's producer
//! (`notify::produce::scheduled`: every loan read, the contacts, the titles of the copies, one
//! message per patron in their language, the outbox's insert with its key), then the same run
//! again (everything already queued: nothing new). The goal (< 10 s) is the issue's.
//!
//!     cargo bench -p swalayan-hub --bench notify
//!     SWALAYAN_TEST_POSTGRES=postgres://… cargo bench -p swalayan-hub --bench notify   # and PostgreSQL
//!
//! The anchor, in the same run on the same database: reading the 10,000 loan documents alone
//! (`storage.all::<LoanDoc>()`), the floor any producer that looks at every loan pays.
//! Timings are printed, never judged here (docs/PERFORMANCE.md). Under `cargo test`/nextest
//! it runs at a tenth of the size, as a smoke test.

#[path = "../tests/common/fresh_postgres.rs"]
mod fresh_postgres;

use jiff::{Timestamp, ToSpan};
use std::sync::Arc;
use std::time::Instant;
use swalayan_core::contract::documents::{ContactDoc, ItemDoc, LoanDoc, TitleDoc};
use swalayan_hub::config::Library;
use swalayan_hub::notify::NotifySettings;
use swalayan_hub::notify::settings::NotifyFile;
use swalayan_hub::storage::{NoticeFilter, Put, Storage};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("notify: benchmark");
        return;
    }
    let patrons = if args.iter().any(|a| a == "--bench") {
        10_000
    } else {
        1_000
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("hub.db").display().to_string();
    run("SQLite", &sqlite, patrons, dir.path());
    if std::env::var_os("SWALAYAN_TEST_POSTGRES").is_some() {
        run(
            "PostgreSQL",
            &fresh_postgres::database(),
            patrons,
            dir.path(),
        );
    }
}

fn run(backend: &str, db: &str, patrons: usize, dir: &std::path::Path) {
    let storage = swalayan_hub::storage::open(db).unwrap();
    let library = Library::default();
    let now = Timestamp::now();
    let today = now.to_zoned_datetime(library.timezone.clone()).date();
    let due = today.checked_add(2.days()).unwrap();
    fill(&storage, patrons, due, now);
    std::fs::write(dir.join("wa.token"), "token").unwrap();
    let file: NotifyFile = toml::from_str(
        r#"
        quiet_hours = "none"
        [[channel]]
        name = "wa"
        kind = "whatsapp_cloud"
        phone_number_id = "1"
        token_file = "wa.token"
        api_base = "http://127.0.0.1:9"
        [channel.templates]
        due_soon = "jatuh_tempo"
        "#,
    )
    .unwrap();
    let settings = NotifySettings::from_file(file, dir).unwrap();

    let anchor = Instant::now();
    let loans = storage.all::<LoanDoc>().unwrap();
    let anchor = anchor.elapsed();
    assert_eq!(loans.len(), patrons);

    let first = Instant::now();
    let made = swalayan_hub::notify::produce::scheduled(storage.as_ref(), &settings, &library, now)
        .unwrap();
    let first = first.elapsed();
    assert_eq!((made.due_soon, made.queued), (patrons, patrons));
    let again = Instant::now();
    let repeat =
        swalayan_hub::notify::produce::scheduled(storage.as_ref(), &settings, &library, now)
            .unwrap();
    let again = again.elapsed();
    assert_eq!(repeat.queued, 0);
    let queued = storage.notices(&NoticeFilter::default()).unwrap().len();
    assert_eq!(queued, patrons);
    println!(
        "notify {backend}: {patrons} due-soon reminders composed and queued in {:.2} s; \
         the same run again (nothing new) {:.2} s; anchor: the loans read alone {:.3} s",
        first.as_secs_f64(),
        again.as_secs_f64(),
        anchor.as_secs_f64()
    );
}

/// `patrons` members who consented to WhatsApp, each with one copy of their own title due
/// on `due`, written in batches as an import would.
fn fill(storage: &Arc<dyn Storage>, patrons: usize, due: jiff::civil::Date, now: Timestamp) {
    let at = swalayan_hub::storage::instant_text(now);
    for chunk in (0..patrons).collect::<Vec<_>>().chunks(1_000) {
        let mut puts = Vec::new();
        for &n in chunk {
            let card = format!("M{n:06}");
            let item = format!("B{n:06}");
            let title = format!("T{n:06}");
            let contact: ContactDoc = serde_json::from_value(serde_json::json!({
                "phone": format!("+62812{n:07}"),
                "notify": "whatsapp",
                "consent": {"at": at, "via": "import"},
                "lang": if n % 3 == 0 { "en" } else { "id" },
            }))
            .unwrap();
            let title_doc = TitleDoc {
                title: format!("Judul buku nomor {n}"),
                author: None,
                isbn: None,
                call_number: None,
                subjects: Vec::new(),
                links: Vec::new(),
                added: None,
                digital_changes: 0,
            };
            let copy: ItemDoc = serde_json::from_value(serde_json::json!({
                "title": title, "item_type": "book", "status": "available", "parts": 1,
                "branch": "pusat",
            }))
            .unwrap();
            let loan = LoanDoc {
                patron: card.clone(),
                issued: at.clone(),
                due,
                renewals: 0,
                station: "kiosk-1".into(),
            };
            puts.push(Put::doc(&card, &contact).unwrap());
            puts.push(Put::doc(&title, &title_doc).unwrap());
            puts.push(Put::doc(&item, &copy).unwrap());
            puts.push(Put::doc(&item, &loan).unwrap());
        }
        storage
            .write(&mut |tx| {
                tx.put(&puts)?;
                Ok(())
            })
            .unwrap();
    }
}
