//! The library's public web pages, from a real hub process: the home page with the library's
//! hours and news, search with availability per branch after a real kiosk's loan, the title
//! page with its schema.org data, the language switch, robots and sitemap, and what a page
//! must never show.

use crate::support::{
    Backend, CliStation, Hub, client, on_both_backends, runtime, start_hub_on, write,
};
use reqwest::header::HeaderMap;
use swalayan_core::format;
use swalayan_core::reason::Lang;

on_both_backends!(the_public_pages_show_the_catalogue_and_the_library,);

const PATRONS: &str = "card,name,category,expires,pin,blocked,fines\n\
    P1,Siti Aminah,adult,2030-01-31,,false,0\n\
    P2,Budi Santoso,adult,2030-01-31,,false,0\n";

const ITEMS: &str = "barcode,title,author,isbn,item_type,status,call_number,parts,branch\n\
    B1,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1,pusat\n\
    B2,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1,utara\n\
    B3,Bumi Manusia,Pramoedya Ananta Toer,,book,available,899.221 TOE b,1,pusat\n";

const HUB_TOML: &str = r#"
[library]
name = "Perpustakaan Kota Tebing Tinggi"
public_url = "https://perpustakaan.example.go.id"
[library.hours]
monday = "08:00-16:00"
friday = "08:00-11:30, 13:30-16:00"
"#;

struct Got {
    status: u16,
    headers: HeaderMap,
    body: String,
}

fn get(url: &str, cookie: Option<&str>) -> Got {
    runtime().block_on(async {
        let mut request = client().get(url);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        let response = request.send().await.unwrap();
        Got {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    })
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

fn start(backend: Backend, dir: &std::path::Path) -> Hub {
    let config = write(dir, "hub.toml", HUB_TOML);
    start_hub_on(
        &backend.database(dir),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    )
}

fn the_public_pages_show_the_catalogue_and_the_library(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let patrons = write(dir.path(), "patrons.csv", PATRONS);
    let items = write(dir.path(), "items.csv", ITEMS);
    // The hub serves what it holds when it starts and what arrives after: import before
    // and after the start.
    let hub = start(backend, dir.path());
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    hub.json(&[
        "promotions",
        "add",
        "--title",
        "Lomba mewarnai",
        "--body",
        "Sabtu ini di ruang anak",
    ]);
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let (code, lent) = kiosk.json(&["circ", "checkout", "--patron", "P1", "--item", "B1"]);
    assert_eq!(code, 0, "{lent}");
    assert_eq!(kiosk.sync()["pushed"], 1);
    let due: jiff::civil::Date = lent["due"].as_str().unwrap().parse().unwrap();

    // Home: the library, its hours, the kiosks' promotion, new arrivals.
    let home = get(&format!("{}/", hub.url), None);
    assert_eq!(home.status, 200);
    for expected in [
        "<html lang=\"id\">",
        "<h1>Perpustakaan Kota Tebing Tinggi</h1>",
        "Jam buka",
        "08.00–11.30, 13.30–16.00",
        "Lomba mewarnai",
        "Koleksi baru",
        "Laskar Pelangi",
        r#"<link rel="canonical" href="https://perpustakaan.example.go.id/">"#,
        r#""@type":"Library""#,
    ] {
        assert!(
            home.body.contains(expected),
            "home lacks {expected}: {}",
            home.body
        );
    }
    let csp = home.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'none'"), "{csp}");

    // Search by words: availability per branch, the lent copy with its due date written the
    // Indonesian way; no card number or name of the borrower anywhere.
    let found = get(&format!("{}/search?q=laskar", hub.url), None);
    assert_eq!(found.status, 200);
    assert!(found.body.contains("1 judul ditemukan."), "{}", found.body);
    let lent_line = format!("dipinjam sampai {}", format::date_only(due, Lang::Id));
    assert!(
        found.body.contains(&lent_line),
        "{lent_line} not in {}",
        found.body
    );
    assert!(
        found
            .body
            .contains("<strong>utara</strong>: <span class=\"on-shelf\">1 di rak</span>"),
        "{}",
        found.body
    );
    for private in ["P1", "Siti Aminah", "Budi"] {
        assert!(!found.body.contains(private), "a search shows {private}");
    }
    assert!(
        found
            .body
            .contains(r#"<meta name="robots" content="noindex, follow">"#)
    );
    // By author, by a word's beginning, by ISBN with or without hyphens; a miss says so.
    let by_author = get(&format!("{}/search?q=pramoedya&in=author", hub.url), None);
    assert!(by_author.body.contains("Bumi Manusia") && !by_author.body.contains("Laskar"));
    let by_title_word = get(&format!("{}/search?q=pramoedya&in=title", hub.url), None);
    assert!(by_title_word.body.contains("Tidak ada judul yang cocok"));
    let prefix = get(&format!("{}/search?q=bumi+manu", hub.url), None);
    assert!(prefix.body.contains("Bumi Manusia"));
    let isbn = get(&format!("{}/search?q=9789793062792", hub.url), None);
    assert!(isbn.body.contains("Laskar Pelangi"), "{}", isbn.body);

    // The title page: copies with call numbers, Book data with availability, canonical URL.
    let link = between(&found.body, "<h2><a href=\"", "\"")
        .unwrap()
        .to_string();
    assert!(link.starts_with("/title/"), "{link}");
    let title = get(&format!("{}{link}", hub.url), None);
    assert_eq!(title.status, 200);
    for expected in [
        "<h1>Laskar Pelangi</h1>",
        "899.221 HIR l",
        &format!("Dipinjam sampai {}", format::date_only(due, Lang::Id)),
        "Di rak",
        r#""@type":"Book""#,
        r#""availability":"https://schema.org/InStock""#,
        &format!(r#"<link rel="canonical" href="https://perpustakaan.example.go.id{link}">"#),
        r#"<meta property="og:title" content="Laskar Pelangi">"#,
    ] {
        assert!(
            title.body.contains(expected),
            "title page lacks {expected}: {}",
            title.body
        );
    }
    assert!(
        !title.body.contains("B1") && !title.body.contains("P1"),
        "barcodes and cards stay off the page"
    );

    // English by ?lang=en, remembered in a cookie; English dates.
    let english = get(&format!("{}{link}?lang=en", hub.url), None);
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains(&format!(
        "On loan until {}",
        format::date_only(due, Lang::En)
    )));
    let cookie = english.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("lang=en;")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Secure"),
        "{cookie}"
    );
    let remembered = get(&format!("{}/", hub.url), Some("lang=en"));
    assert!(remembered.body.contains("Opening hours") && remembered.body.contains("Library news"));

    // An unknown title: a plain sentence in the reader's language, status 404.
    let missing = get(&format!("{}/title/001:nothing", hub.url), None);
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Halaman ini tidak ada"));

    // Robots and the sitemap of every title.
    let robots = get(&format!("{}/robots.txt", hub.url), None);
    assert!(robots.body.contains("Disallow: /account"));
    assert!(
        robots
            .body
            .contains("Sitemap: https://perpustakaan.example.go.id/sitemap.xml")
    );
    let sitemap = get(&format!("{}/sitemap.xml", hub.url), None);
    assert_eq!(
        sitemap.body.matches("<loc>").count(),
        3,
        "home and two titles: {}",
        sitemap.body
    );
    assert!(sitemap.body.contains(&format!(
        "<loc>https://perpustakaan.example.go.id{link}</loc>"
    )));
}

#[test]
fn a_bad_hub_file_is_refused_with_the_line_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\n[library.hours]\nmonday = \"16:00-08:00\"\n",
    );
    let db = dir.path().join("hub.db");
    let out = crate::support::hub_cmd(
        db.to_str().unwrap(),
        &["--config", config.to_str().unwrap(), "status"],
    );
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("monday") && said.contains("closes before it opens"),
        "{said}"
    );
}
