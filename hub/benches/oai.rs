//! A full OAI-PMH harvest (issue #31's goal: 250,000 titles at 5,000 records a second or
//! more): a hub SQLite database of 250,000 titles with a copy each, the catalogue view loaded
//! as `serve` loads it, then `ListRecords` in `oai_dc` followed page by page through its
//! resumption tokens, each answer made whole (the envelope and every record's XML) as `/oai`
//! makes it, then the same in `marcxml`. The anchor, in the same run on the same database:
//! reading every title document alone in revision order (`kind_by_revision`), the floor any
//! harvest pays. Timings printed, never judged (docs/PERFORMANCE.md).
//!
//! `cargo bench -p swalayan-hub --bench oai` (`-- --titles N` for another size). Under
//! `cargo test` it runs on 2,500 titles.

use std::time::Instant;
use swalayan_core::contract::documents::{ItemDoc, TitleDoc};
use swalayan_hub::storage::{self, DocKind, Put};
use swalayan_hub::web::kit::catalog_view::CatalogView;
use swalayan_hub::web::public::oai;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("oai: benchmark");
        return;
    }
    let titles: usize = args
        .iter()
        .position(|a| a == "--titles")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(if args.iter().any(|a| a == "--bench") {
            250_000
        } else {
            2_500
        });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let storage = storage::open(db.to_str().unwrap()).unwrap();
    swalayan_hub::catalog::ensure_policy(storage.as_ref()).unwrap();
    let fill = Instant::now();
    for chunk in (0..titles).collect::<Vec<_>>().chunks(5_000) {
        let mut puts = Vec::with_capacity(chunk.len() * 2);
        for &n in chunk {
            let key = format!("001:{n:07}");
            let title = TitleDoc {
                title: format!("Judul nomor {n}: sejarah kota dan cerita rakyat"),
                author: Some(format!("Pengarang {}", n % 5_000)),
                isbn: Some(format!("978602{n:07}")),
                call_number: Some(format!("899.221 P{}", n % 100)),
                subjects: vec!["Sejarah -- Sumatra Utara".into(), "Cerita rakyat".into()],
                added: None,
                links: Vec::new(),
                digital_changes: 0,
            };
            let copy: ItemDoc = serde_json::from_value(serde_json::json!({
                "title": key, "item_type": "book", "status": "available", "parts": 1,
                "branch": "pusat",
            }))
            .unwrap();
            puts.push(Put::doc(&key, &title).unwrap());
            puts.push(Put::doc(&format!("B{n:07}"), &copy).unwrap());
        }
        storage
            .write(&mut |tx| {
                tx.put(&puts)?;
                Ok(())
            })
            .unwrap();
    }
    let filled = fill.elapsed();
    let view = CatalogView::load(storage.as_ref()).unwrap();
    let item_types = vec!["book".to_string()];
    let pages = |key: &str| format!("https://perpustakaan.example.go.id/title/{key}");

    let anchor = Instant::now();
    let mut read = 0usize;
    let mut after = -1;
    loop {
        let batch = storage
            .kind_by_revision(DocKind::Title, (0, i64::MAX), after, oai::RECORDS_PER_PAGE)
            .unwrap();
        let Some(last) = batch.last() else { break };
        after = last.rev;
        read += batch.len();
    }
    let anchor = anchor.elapsed();
    assert_eq!(read, titles);

    for prefix in ["oai_dc", "marcxml"] {
        let start = Instant::now();
        let mut records = 0usize;
        let mut bytes = 0usize;
        let mut query = vec![
            ("verb".to_string(), "ListRecords".to_string()),
            ("metadataPrefix".to_string(), prefix.to_string()),
        ];
        // Bounded: a page a 500 records.
        for _ in 0..(titles / oai::RECORDS_PER_PAGE as usize + 2) {
            let answer = oai::answer(
                storage.as_ref(),
                &view,
                &item_types,
                "perpustakaan.example.go.id",
                &pages,
                &query,
            );
            let xml = oai::envelope(
                "https://perpustakaan.example.go.id/oai",
                &String::new,
                &answer,
                jiff::Timestamp::now(),
            );
            bytes += xml.len();
            records += xml.matches("<record>").count();
            let token = xml
                .split("<resumptionToken")
                .nth(1)
                .and_then(|rest| rest.split_once('>'))
                .and_then(|(_, rest)| rest.split_once("</resumptionToken>"))
                .map(|(token, _)| token.to_string());
            match token {
                Some(token) if !token.is_empty() => {
                    query = vec![
                        ("verb".to_string(), "ListRecords".to_string()),
                        ("resumptionToken".to_string(), token),
                    ];
                }
                _ => break,
            }
        }
        let took = start.elapsed();
        assert_eq!(records, titles, "{prefix}: every record once");
        println!(
            "oai {prefix}: {records} records in {:.2} s = {:.0} records/s ({:.1} MB of XML); \
             anchor: the titles read alone in revision order {:.2} s; filled in {:.1} s",
            took.as_secs_f64(),
            records as f64 / took.as_secs_f64(),
            bytes as f64 / 1e6,
            anchor.as_secs_f64(),
            filled.as_secs_f64()
        );
    }
}
