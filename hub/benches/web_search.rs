//! The public catalogue's search on a library of 250,000 titles and 250,000 copies (the goal:
//! p99 under 50 ms): a hub SQLite database filled with generated titles (Indonesian and
//! English words, authors, subjects, ISBNs) and one copy each on two branches, a tenth of them
//! on loan; then the catalogue view loaded as `serve` loads it, and 2,000 searches timed one by
//! one, each as the search page makes it (matching, ranking, the page's 20 results with their
//! availability per branch and queue). Prints one JSON line.
//!
//! `cargo bench -p swalayan-hub --bench web_search` (`-- --titles N` for another size). Under
//! `cargo test` (no `--bench` argument) it runs on 2,500 titles so the suite stays quick; to
//! nextest's `--list` it names itself a benchmark (nextest runs none).

use serde_json::json;
use std::time::Instant;
use swalayan_core::contract::documents::{ItemDoc, LoanDoc, TitleDoc};
use swalayan_hub::storage::{self, Put};
use swalayan_hub::web::kit::catalog_view::CatalogView;
use swalayan_hub::web::kit::words::Field;
use swalayan_hub::web::public::search::{PER_PAGE, branch_lines};

const WORDS: &[&str] = &[
    "laskar",
    "pelangi",
    "bumi",
    "manusia",
    "sejarah",
    "indonesia",
    "anak",
    "cerita",
    "rakyat",
    "sumatra",
    "utara",
    "kota",
    "hujan",
    "laut",
    "gunung",
    "perempuan",
    "pendidikan",
    "ilmu",
    "pengetahuan",
    "alam",
    "matematika",
    "dasar",
    "bahasa",
    "sastra",
    "puisi",
    "novel",
    "kumpulan",
    "resep",
    "masakan",
    "nusantara",
    "pertanian",
    "kebun",
    "sawit",
    "karet",
    "kesehatan",
    "ibu",
    "bayi",
    "agama",
    "islam",
    "kristen",
    "budaya",
    "batak",
    "melayu",
    "ekonomi",
    "koperasi",
    "usaha",
    "kecil",
    "teknologi",
    "komputer",
    "internet",
    "program",
    "python",
    "history",
    "world",
    "science",
    "children",
    "stories",
    "garden",
    "cooking",
    "health",
    "religion",
    "culture",
    "economy",
    "computer",
    "programming",
    "introduction",
    "guide",
    "practical",
    "modern",
    "ancient",
    "river",
    "island",
    "forest",
    "music",
    "art",
    "painting",
    "football",
    "olahraga",
    "sepak",
    "bola",
    "kamus",
    "besar",
    "lengkap",
    "jilid",
    "pertama",
    "kedua",
    "baru",
    "lama",
    "hidup",
    "mati",
    "cinta",
    "rindu",
    "jalan",
    "pulang",
];

const NAMES: &[&str] = &[
    "Andrea",
    "Hirata",
    "Pramoedya",
    "Toer",
    "Tere",
    "Liye",
    "Dee",
    "Lestari",
    "Ahmad",
    "Tohari",
    "Leila",
    "Chudori",
    "Eka",
    "Kurniawan",
    "Sapardi",
    "Damono",
    "Chairil",
    "Anwar",
    "Siti",
    "Nurbaya",
    "Marah",
    "Rusli",
    "Hamka",
    "Ayu",
    "Utami",
    "Okky",
    "Madasari",
    "Smith",
    "Jones",
    "Garcia",
    "Nguyen",
    "Tanaka",
    "Silva",
    "Müller",
    "Hasibuan",
    "Siregar",
    "Nasution",
];

/// A small deterministic generator (no dependency, same library every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("web_search: benchmark");
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let titles: usize = args
        .iter()
        .skip_while(|a| *a != "--titles")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 250_000 } else { 2_500 });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let storage = storage::open(db.to_str().unwrap()).unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let started = Instant::now();
    let mut puts = Vec::new();
    for n in 0..titles {
        let words = 3 + (rng.next() % 5) as usize;
        let title: Vec<&str> = (0..words).map(|_| rng.pick(WORDS)).collect();
        let author = format!("{} {}", rng.pick(NAMES), rng.pick(NAMES));
        let subject = format!("{} {}", rng.pick(WORDS), rng.pick(WORDS));
        let key = format!("001:{n}");
        let title_doc: TitleDoc = serde_json::from_value(json!({
            "title": title.join(" "),
            "author": author,
            "isbn": format!("978{:010}", n),
            "subjects": [subject],
        }))
        .unwrap();
        puts.push(Put::doc(&key, &title_doc).unwrap());
        let barcode = format!("B{n:07}");
        let copy: ItemDoc = serde_json::from_value(json!({
            "title": key, "item_type": "book", "status": "available", "parts": 1,
            "branch": if n % 2 == 0 { "pusat" } else { "utara" },
            "call_number": format!("899.221 {n}"),
        }))
        .unwrap();
        puts.push(Put::doc(&barcode, &copy).unwrap());
        if n % 10 == 0 {
            let loan: LoanDoc = serde_json::from_value(
                json!({"patron": "P1", "issued": "2026-12-01T03:00:00Z", "due": "2026-12-15", "station": "k1"}),
            )
            .unwrap();
            puts.push(Put::doc(&barcode, &loan).unwrap());
        }
        if puts.len() >= 20_000 {
            storage
                .write(&mut |tx| {
                    tx.put(&puts)?;
                    Ok(())
                })
                .unwrap();
            puts.clear();
        }
    }
    storage
        .write(&mut |tx| {
            tx.put(&puts)?;
            Ok(())
        })
        .unwrap();
    let filled = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let view = CatalogView::load(storage.as_ref()).unwrap();
    let loaded = started.elapsed().as_secs_f64();

    // Queries as patrons type them: one common word, two words, a word and a beginning, an
    // author, an ISBN, a miss.
    let mut times = Vec::new();
    let mut found_total = 0usize;
    for n in 0..2_000u64 {
        let query = match n % 6 {
            0 => rng.pick(WORDS).to_string(),
            1 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
            2 => {
                let w = rng.pick(WORDS);
                format!("{} {}", rng.pick(WORDS), &w[..3.min(w.len())])
            }
            3 => rng.pick(NAMES).to_string(),
            4 => format!("978{:010}", rng.next() % titles as u64),
            _ => "zzzzqqq".to_string(),
        };
        let field = if n % 6 == 3 {
            Field::Author
        } else {
            Field::All
        };
        let start = Instant::now();
        view.refresh(storage.as_ref()).unwrap();
        let found = view.search(&query, field, 0, PER_PAGE);
        for title in &found.titles {
            std::hint::black_box(branch_lines(&view, &title.key));
            std::hint::black_box(view.queue(&title.key).len());
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        found_total += found.total;
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((p / 100.0) * times.len() as f64).ceil() as usize - 1];
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    println!(
        "{}",
        json!({
            "titles": titles,
            "items": titles,
            "searches": times.len(),
            "mean_found": found_total / times.len(),
            "p50_ms": (at(50.0) * 1000.0).round() / 1000.0,
            "p99_ms": (at(99.0) * 1000.0).round() / 1000.0,
            "max_ms": (at(100.0) * 1000.0).round() / 1000.0,
            "fill_seconds": (filled * 10.0).round() / 10.0,
            "view_load_seconds": (loaded * 10.0).round() / 10.0,
            "peak_rss_mib": rss / 1024,
        })
    );
}
