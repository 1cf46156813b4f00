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

on_both_backends!(
    the_public_pages_show_the_catalogue_and_the_library,
    patrons_sign_in_reserve_and_cancel_and_see_only_their_own,
    reserved_on_the_web_returned_and_picked_up_at_the_kiosk,
    a_signed_in_patron_sets_the_kiosk_pin,
);

pub(crate) const PATRONS: &str = "card,name,category,expires,pin,blocked,fines\n\
    P1,Siti Aminah,adult,2030-01-31,1234,false,0\n\
    P2,Budi Santoso,adult,2030-01-31,5678,false,2500\n";

pub(crate) const ITEMS: &str = "barcode,title,author,isbn,item_type,status,call_number,parts,branch\n\
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

pub(crate) struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

pub(crate) fn get(url: &str, cookie: Option<&str>) -> Got {
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
pub(crate) fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

pub(crate) fn start(backend: Backend, dir: &std::path::Path) -> Hub {
    let config = write(dir, "hub.toml", HUB_TOML);
    start_hub_on(
        &backend.database(dir),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    )
}

/// A hub with the two patrons and three copies, a kiosk synced with it, and `item` lent to
/// Siti (P1) at the kiosk and pushed; returns the hub, the kiosk and the loan's due date.
fn library_with_a_loan(
    backend: Backend,
    dir: &std::path::Path,
    item: &str,
) -> (Hub, CliStation, jiff::civil::Date) {
    let hub = start(backend, dir);
    let patrons = write(dir, "patrons.csv", PATRONS);
    let items = write(dir, "items.csv", ITEMS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir, "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let (code, lent) = kiosk.json(&[
        "circ", "checkout", "--patron", "P1", "--item", item, "--pin", "1234",
    ]);
    assert_eq!(code, 0, "{lent}");
    kiosk.sync();
    assert_eq!(hub.status()["loans"], 1);
    let due = lent["due"].as_str().unwrap().parse().unwrap();
    (hub, kiosk, due)
}

fn the_public_pages_show_the_catalogue_and_the_library(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    // The hub serves what it holds when it starts and what arrives after: the catalogue is
    // imported after the start.
    let (hub, _kiosk, due) = library_with_a_loan(backend, dir.path(), "B1");
    hub.json(&[
        "promotions",
        "add",
        "--title",
        "Lomba mewarnai",
        "--body",
        "Sabtu ini di ruang anak",
    ]);

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
        !found.body.contains("noindex"),
        "a search that finds is indexable"
    );
    // By author, by a word's beginning, by ISBN with or without hyphens; a miss says so.
    let by_author = get(&format!("{}/search?q=pramoedya&in=author", hub.url), None);
    assert!(by_author.body.contains("Bumi Manusia") && !by_author.body.contains("Laskar"));
    let by_title_word = get(&format!("{}/search?q=pramoedya&in=title", hub.url), None);
    assert!(by_title_word.body.contains("Tidak ada judul yang cocok"));
    assert!(
        by_title_word
            .body
            .contains(r#"<meta name="robots" content="noindex, follow">"#)
    );
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

    // Feedback: a score and a few words, counted like the kiosks' (a transaction of the web);
    // without a score, a sentence and nothing kept.
    let mut reader = Browser::new(&hub.url);
    let form = reader.get("/feedback");
    assert!(form.body.contains(r#"name="score""#) && form.body.contains(r#"name="comment""#));
    let before = hub.status()["transactions"].as_i64().unwrap();
    let csrf = reader.csrf();
    let none = reader.post("/feedback", &[("csrf", &csrf), ("comment", "tanpa nilai")]);
    assert_eq!(none.status, 422);
    assert!(none.body.contains("Pilih nilai dari 1 sampai 5."));
    let sent = reader.post(
        "/feedback",
        &[
            ("csrf", &csrf),
            ("score", "4"),
            ("comment", "Ruang baca nyaman & sejuk"),
        ],
    );
    assert_eq!(sent.status, 200);
    assert!(sent.body.contains("Terima kasih"));
    assert_eq!(hub.status()["transactions"].as_i64().unwrap(), before + 1);
    let export = hub.cmd(&["export", "csv", "--since", "2020-01-01"]);
    let export = String::from_utf8_lossy(&export.stdout);
    assert!(
        export
            .lines()
            .any(|l| l.contains(",web,") && l.contains(",feedback,")),
        "{export}"
    );

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
        4,
        "home, the events list and two titles: {}",
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

/// The CSRF token a page's forms carry.
pub(crate) fn form_token(page: &str) -> Option<String> {
    let at = page.find(r#"name="csrf" value=""#)? + r#"name="csrf" value=""#.len();
    Some(page[at..at + 64].to_string())
}

/// A browser that keeps cookies and does not follow redirects (the tests read them).
pub(crate) struct Browser {
    base: String,
    pub cookies: std::collections::BTreeMap<String, String>,
    /// Every Set-Cookie line received, as sent.
    pub set_cookies: Vec<String>,
    /// Whether the last page fetched was a staff page (their forms' tokens come from there).
    on_staff_pages: bool,
    /// The loopback address it connects from (127.0.0.1 unless set): several "devices".
    from: Option<std::net::IpAddr>,
}

/// A GET's answer with its headers and bytes.
pub(crate) struct Fetched {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

pub(crate) struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub(crate) fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            cookies: Default::default(),
            set_cookies: Vec::new(),
            on_staff_pages: false,
            from: None,
        }
    }

    /// A browser on another device: it connects from this loopback address (127.x.y.z).
    pub(crate) fn from_address(base: &str, from: [u8; 4]) -> Browser {
        Browser {
            from: Some(std::net::IpAddr::from(from)),
            ..Browser::new(base)
        }
    }

    fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect();
        self.send_body(
            method,
            path,
            "application/x-www-form-urlencoded",
            body.join("&").into_bytes(),
        )
    }

    /// A form with a file, as a browser sends `enctype="multipart/form-data"`.
    pub(crate) fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Answer {
        let files: Vec<(&str, &str, &[u8])> = file
            .map(|(name, bytes)| (name, "picture", bytes))
            .into_iter()
            .collect();
        self.post_files(path, fields, &files)
    }

    /// A form with files (field, file name, bytes), fields first, as a browser sends them.
    pub(crate) fn post_files(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Answer {
        const BOUNDARY: &str = "swalayan-test-boundary-7f3a";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.send_body(
            "POST",
            path,
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            body,
        )
    }

    /// A GET with request headers (`Range`, `If-None-Match`), the answer's bytes as sent.
    pub(crate) fn fetch(&self, path: &str, headers: &[(&str, &str)]) -> Fetched {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(self.from)
            .build()
            .unwrap();
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let url = format!("{}{path}", self.base);
        runtime().block_on(async {
            let mut request = client.get(&url).header("Cookie", cookie.join("; "));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await.unwrap();
            Fetched {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                bytes: response.bytes().await.unwrap().to_vec(),
            }
        })
    }

    fn send_body(&mut self, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        if method == "GET" {
            self.on_staff_pages = path.starts_with("/staff");
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(self.from)
            .build()
            .unwrap();
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let url = format!("{}{path}", self.base);
        let (status, location, set, text) = runtime().block_on(async {
            let request = match method {
                "POST" => client
                    .post(&url)
                    .header("Content-Type", content_type)
                    .body(body),
                _ => client.get(&url),
            };
            let response = request
                .header("Cookie", cookie.join("; "))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            let set: Vec<String> = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect();
            (status, location, set, response.text().await.unwrap())
        });
        for line in set {
            let pair = line.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
            self.set_cookies.push(line);
        }
        Answer {
            status,
            location,
            body: text,
        }
    }

    pub(crate) fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[])
    }

    pub(crate) fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send("POST", path, form)
    }

    /// The form token for this browser as it is now (bound to its cookies and sessions):
    /// read off a page of the area it was last in, as a person's browser has it in the form.
    pub(crate) fn csrf(&mut self) -> String {
        let page = if self.on_staff_pages {
            "/staff"
        } else {
            "/account"
        };
        let mut answer = self.get(page);
        if let Some(to) = answer.location.clone().filter(|_| answer.status == 303) {
            answer = self.get(&to);
        }
        form_token(&answer.body)
            .unwrap_or_else(|| panic!("no form token on {page}: {}", answer.body))
    }

    pub(crate) fn sign_in(&mut self, card: &str, pin: &str) -> Answer {
        self.get("/account");
        let csrf = self.csrf();
        self.post(
            "/account/sign-in",
            &[("card", card), ("pin", pin), ("csrf", &csrf)],
        )
    }
}

fn patrons_sign_in_reserve_and_cancel_and_see_only_their_own(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (hub, kiosk, due) = library_with_a_loan(backend, dir.path(), "B1");
    let found = get(&format!("{}/search?q=laskar", hub.url), None);
    let laskar = between(&found.body, "<h2><a href=\"", "\"")
        .unwrap()
        .to_string();

    // Signed out: the account is a sign-in form with fields card and pin; the title offers
    // a way to sign in first.
    let mut budi = Browser::new(&hub.url);
    let form = budi.get("/account");
    assert!(
        form.body.contains(r#"name="card""#) && form.body.contains(r#"name="pin""#),
        "{}",
        form.body
    );
    assert!(budi.get(&laskar).body.contains("Masuk untuk memesan"));

    // A form without its token is refused and signs no one in.
    let forged = budi.post(
        "/account/sign-in",
        &[("card", "P2"), ("pin", "5678"), ("csrf", &"0".repeat(64))],
    );
    assert_eq!(forged.status, 403);
    assert!(!budi.cookies.contains_key("__Host-sid"));
    // A wrong PIN: a plain sentence, no session.
    let wrong = budi.sign_in("P2", "0000");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Nomor kartu atau PIN salah"));
    assert!(!budi.cookies.contains_key("__Host-sid"));
    // The right one: a session cookie only the server reads, and the account.
    let signed = budi.sign_in("P2", "5678");
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.location.as_deref(), Some("/account"));
    let sid = budi
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-sid="))
        .unwrap()
        .clone();
    // Over HTTPS the name is __Host- prefixed: Secure, Path=/, no Domain, as the prefix asks.
    assert!(
        sid.contains("HttpOnly")
            && sid.contains("SameSite=Lax")
            && sid.contains("Secure")
            && sid.contains("Path=/;")
            && !sid.contains("Domain"),
        "{sid}"
    );
    let account = budi.get("/account");
    assert!(
        account.body.contains("Halo, Budi Santoso"),
        "{}",
        account.body
    );
    assert!(
        account.body.contains("Rp2.500"),
        "Budi's fine: {}",
        account.body
    );
    assert!(
        account
            .body
            .contains("Tidak ada buku yang sedang dipinjam.")
    );

    // Reserve Laskar Pelangi for pickup at utara: the account shows the place in the queue.
    let title = budi.get(&laskar);
    assert!(
        title.body.contains(r#"<option value="utara">"#),
        "{}",
        title.body
    );
    let csrf = budi.csrf();
    let reserved = budi.post(
        &format!("{laskar}/reserve"),
        &[("csrf", &csrf), ("pickup", "utara")],
    );
    assert_eq!(reserved.status, 303, "{}", reserved.body);
    assert_eq!(reserved.location.as_deref(), Some("/account#holds"));
    let account = budi.get("/account");
    assert!(
        account.body.contains("Antrean ke-1, diambil di utara."),
        "{}",
        account.body
    );
    let holds = hub.json(&["holds", "list", "--patron", "P2"]);
    let hold_id = holds[0]["id"].as_str().unwrap().to_string();
    assert_eq!(holds[0]["pickup_branch"], "utara");
    // Twice is refused by the kiosks' own rule, in the patron's words.
    let again = budi.post(
        &format!("{laskar}/reserve"),
        &[("csrf", &csrf), ("pickup", "utara")],
    );
    assert_eq!(again.status, 422);
    assert!(
        again
            .body
            .contains(&swalayan_core::reason::Reason::HoldAlreadyPlaced.sentence(Lang::Id)),
        "{}",
        again.body
    );

    // Siti, in English: her loan with its due date, not Budi's reservation or fine.
    let mut siti = Browser::new(&hub.url);
    siti.get("/?lang=en");
    assert_eq!(siti.sign_in("P1", "1234").status, 303);
    let mine = siti.get("/account");
    assert!(mine.body.contains("Hello, Siti Aminah"), "{}", mine.body);
    assert!(
        mine.body.contains(&format::long_date(due, Lang::En)),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("No reservations.") && mine.body.contains("No fines."));
    // Budi waits for this title: her renewal is refused by the kiosks' rule, said in place of
    // the button.
    assert!(
        mine.body
            .contains(&swalayan_core::reason::Reason::HasHolds.sentence(Lang::En)),
        "{}",
        mine.body
    );
    for theirs in ["Budi", "utara", "2,500"] {
        assert!(!mine.body.contains(theirs), "Siti sees {theirs}");
    }
    // She cannot cancel Budi's hold, even knowing its id.
    let csrf = siti.csrf();
    let not_hers = siti.post(
        &format!("/account/holds/{hold_id}/cancel"),
        &[("csrf", &csrf)],
    );
    assert_eq!(not_hers.status, 404);
    assert_eq!(
        hub.json(&["holds", "list", "--patron", "P2"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A copy she has on loan is not hers to reserve (the kiosks' rule).
    let own = siti.post(
        &format!("{laskar}/reserve"),
        &[("csrf", &csrf), ("pickup", "pusat")],
    );
    assert_eq!(own.status, 422);

    // Budi cancels his; signs out; the account is a form again.
    let csrf = budi.csrf();
    let cancelled = budi.post(
        &format!("/account/holds/{hold_id}/cancel"),
        &[("csrf", &csrf)],
    );
    assert_eq!(cancelled.status, 303);
    assert!(budi.get("/account").body.contains("Tidak ada pesanan."));
    // Now Siti may renew: the renewal is a transaction of the web, reaching the kiosk.
    let mine = siti.get("/account");
    assert!(
        mine.body.contains(r#"action="/account/loans/renew""#),
        "{}",
        mine.body
    );
    let csrf = siti.csrf();
    let renewed = siti.post("/account/loans/renew", &[("csrf", &csrf), ("item", "B1")]);
    assert_eq!(renewed.status, 303, "{}", renewed.body);
    kiosk.sync();
    let (_, p1) = kiosk.json(&["patron", "show", "P1"]);
    assert_eq!(p1["loans"][0]["renewals"], 1, "{p1}");
    // Someone else's loan is not theirs to renew.
    let csrf = budi.csrf();
    let not_his = budi.post("/account/loans/renew", &[("csrf", &csrf), ("item", "B1")]);
    assert_eq!(not_his.status, 422);
    assert_eq!(
        budi.post("/account/sign-out", &[("csrf", &csrf)]).status,
        303
    );
    assert!(budi.get("/account").body.contains(r#"name="pin""#));

    // Three wrong PINs on the web slow the web down for that card, from any browser: the
    // next try must wait, the right PIN included. The kiosks never hear of it: the card is
    // not locked there (a browser must not lock a patron out of every kiosk). Without the
    // web's own count, the hub would lock the card and the kiosk's checkout below fails.
    let mut guesser = Browser::new(&hub.url);
    for _ in 0..3 {
        assert_eq!(guesser.sign_in("P1", "9999").status, 401);
    }
    let mut siti_again = Browser::new(&hub.url);
    let slowed = siti_again.sign_in("P1", "1234");
    assert_eq!(slowed.status, 429, "{}", slowed.body);
    assert!(slowed.body.contains("Tunggu"), "{}", slowed.body);
    kiosk.sync();
    let (code, lent) = kiosk.json(&[
        "circ", "checkout", "--patron", "P1", "--item", "B3", "--pin", "1234",
    ]);
    assert_eq!(code, 0, "the kiosk still lends to P1 with her PIN: {lent}");
}

#[test]
fn sign_in_attempts_from_one_address_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(Backend::Sqlite, dir.path());
    let mut browser = Browser::new(&hub.url);
    let statuses: Vec<u16> = (0..11)
        .map(|n| browser.sign_in(&format!("X{n}"), "0000").status)
        .collect();
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10], 429);
}

/// The whole journey: Budi reserves on the web a book Siti has; the kiosk hears of the hold;
/// Siti returns the book at the kiosk and it goes to the hold shelf; the web tells Budi it is
/// ready; Budi picks it up at the kiosk; the web shows it on loan to him.
fn reserved_on_the_web_returned_and_picked_up_at_the_kiosk(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (hub, kiosk, _) = library_with_a_loan(backend, dir.path(), "B3");

    // Budi reserves Bumi Manusia (its one copy is with Siti) for pickup at pusat.
    let found = get(&format!("{}/search?q=bumi", hub.url), None);
    let bumi = between(&found.body, "<h2><a href=\"", "\"")
        .unwrap()
        .to_string();
    let mut budi = Browser::new(&hub.url);
    assert_eq!(budi.sign_in("P2", "5678").status, 303);
    let csrf = budi.csrf();
    let reserved = budi.post(
        &format!("{bumi}/reserve"),
        &[("csrf", &csrf), ("pickup", "pusat")],
    );
    assert_eq!(reserved.status, 303, "{}", reserved.body);
    assert!(
        budi.get("/account")
            .body
            .contains("Antrean ke-1, diambil di pusat.")
    );

    // The kiosk hears of the hold; Siti's return goes to the hold shelf.
    kiosk.sync();
    let (code, returned) = kiosk.json(&["circ", "checkin", "--item", "B3"]);
    assert_eq!(code, 0, "{returned}");
    assert_eq!(returned["route"], "hold_shelf", "{returned}");
    kiosk.sync();
    // "Until" the last day the kiosk keeps it on the hold shelf (its policy's decision).
    let (_, on_kiosk) = kiosk.json(&["patron", "show", "P2"]);
    let until: jiff::civil::Date = on_kiosk["holds"][0]["expires"]
        .as_str()
        .unwrap_or_else(|| panic!("{on_kiosk}"))
        .parse()
        .unwrap();
    let ready = budi.get("/account");
    assert!(
        ready.body.contains(&format!(
            "Siap diambil di pusat sampai {}",
            format::long_date(until, Lang::Id)
        )),
        "{}",
        ready.body
    );
    let title = get(&format!("{}{bumi}", hub.url), None);
    assert!(
        title.body.contains("Disisihkan untuk pemesan"),
        "{}",
        title.body
    );

    // Budi picks it up at the kiosk; the web shows it on loan to him, the reservation done.
    let (code, picked) = kiosk.json(&["circ", "pickup", "--patron", "P2", "--pin", "5678"]);
    assert_eq!(code, 0, "{picked}");
    assert_eq!(
        picked["items"].as_array().map(Vec::len),
        Some(1),
        "{picked}"
    );
    let due: jiff::civil::Date = picked["items"][0]["due"].as_str().unwrap().parse().unwrap();
    kiosk.sync();
    let mine = budi.get("/account");
    assert!(mine.body.contains("Bumi Manusia"), "{}", mine.body);
    assert!(
        mine.body.contains(&format::long_date(due, Lang::Id)),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("Tidak ada pesanan."), "{}", mine.body);
    let title = get(&format!("{}{bumi}", hub.url), None);
    assert!(
        title.body.contains(&format!(
            "Dipinjam sampai {}",
            format::date_only(due, Lang::Id)
        )),
        "{}",
        title.body
    );
}

/// A signed-in patron sets the PIN the kiosks ask for (for a library-system password with
/// letters): twice the same 4–8 digits, with the form's token; the kiosk then takes it and
/// not the old one.
fn a_signed_in_patron_sets_the_kiosk_pin(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (hub, kiosk, _) = library_with_a_loan(backend, dir.path(), "B1");
    let mut budi = Browser::new(&hub.url);
    assert_eq!(budi.sign_in("P2", "5678").status, 303);
    let account = budi.get("/account");
    assert!(account.body.contains("PIN kios"), "{}", account.body);

    let forged = budi.post(
        "/account/kiosk-pin",
        &[
            ("pin", "4321"),
            ("again", "4321"),
            ("csrf", &"0".repeat(64)),
        ],
    );
    assert_eq!(forged.status, 403);
    let csrf = budi.csrf();
    let differ = budi.post(
        "/account/kiosk-pin",
        &[("pin", "4321"), ("again", "4322"), ("csrf", &csrf)],
    );
    assert_eq!(differ.status, 422);
    assert!(
        differ.body.contains("Kedua PIN tidak sama"),
        "{}",
        differ.body
    );
    let letters = budi.post(
        "/account/kiosk-pin",
        &[("pin", "abcd"), ("again", "abcd"), ("csrf", &csrf)],
    );
    assert_eq!(letters.status, 422);
    let saved = budi.post(
        "/account/kiosk-pin",
        &[("pin", "4321"), ("again", "4321"), ("csrf", &csrf)],
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("PIN kios disimpan"), "{}", saved.body);

    kiosk.sync();
    let (code, refused) = kiosk.json(&[
        "circ", "checkout", "--patron", "P2", "--item", "B2", "--pin", "5678",
    ]);
    assert_eq!(code, 1, "the old PIN: {refused}");
    let (code, lent) = kiosk.json(&[
        "circ", "checkout", "--patron", "P2", "--item", "B2", "--pin", "4321",
    ]);
    assert_eq!(code, 0, "the new PIN: {lent}");
    // Signed out, nobody sets it.
    let mut stranger = Browser::new(&hub.url);
    let csrf = stranger.csrf();
    let answer = stranger.post(
        "/account/kiosk-pin",
        &[("pin", "1111"), ("again", "1111"), ("csrf", &csrf)],
    );
    assert_eq!(answer.status, 303);
    kiosk.sync();
    let (code, refused) = kiosk.json(&[
        "circ", "checkout", "--patron", "P2", "--item", "B3", "--pin", "1111",
    ]);
    assert_eq!(code, 1, "a stranger's PIN was not set: {refused}");
}

/// The account's notifications page: the patron chooses a channel (consent, kept with its
/// time and `web`), gives a number in any usual form (kept as +62…, shown masked), picks the
/// messages and their language; a channel without its contact is refused with a sentence;
/// `none` withdraws the consent; no change without the form's token.
#[test]
fn a_signed_in_patron_chooses_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, _kiosk, _) = library_with_a_loan(Backend::Sqlite, dir.path(), "B1");
    let mut budi = Browser::new(&hub.url);
    assert_eq!(budi.sign_in("P2", "5678").status, 303);
    let page = budi.get("/account/notifications");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Pemberitahuan"), "{}", page.body);

    let forged = budi.post(
        "/account/notifications",
        &[
            ("notify", "whatsapp"),
            ("phone", "081234567890"),
            ("csrf", &"0".repeat(64)),
        ],
    );
    assert_eq!(forged.status, 403);
    let csrf = budi.csrf();
    let no_number = budi.post(
        "/account/notifications",
        &[("notify", "whatsapp"), ("csrf", &csrf)],
    );
    assert_eq!(no_number.status, 422, "{}", no_number.body);
    assert!(no_number.body.contains("tulis nomor"), "{}", no_number.body);
    let bad = budi.post(
        "/account/notifications",
        &[("notify", "whatsapp"), ("phone", "12"), ("csrf", &csrf)],
    );
    assert_eq!(bad.status, 422);
    let saved = budi.post(
        "/account/notifications",
        &[
            ("notify", "whatsapp"),
            ("phone", "0812-3456-7890"),
            ("messages", "hold_ready"),
            ("messages", "due_soon"),
            ("lang", "en"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    let page = budi.get("/account/notifications");
    assert!(
        page.body.contains("+62 812-****-7890"),
        "masked: {}",
        page.body
    );
    assert!(
        !page.body.contains("3456-7890"),
        "never whole: {}",
        page.body
    );

    let db = rusqlite::Connection::open(&hub.db).unwrap();
    let contact = || -> serde_json::Value {
        let text: String = db
            .query_row(
                "SELECT body FROM catalog WHERE kind = 'contact' AND key = 'P2'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let chosen = contact();
    assert_eq!(chosen["phone"], "+6281234567890");
    assert_eq!(chosen["notify"], "whatsapp");
    assert_eq!(chosen["consent"]["via"], "web");
    assert_eq!(chosen["lang"], "en");
    assert_eq!(
        chosen["muted"],
        serde_json::json!([
            "overdue",
            "hold_expiring",
            "event_reminder",
            "waitlist_place",
            "receipt"
        ])
    );
    let withdrawn = budi.post(
        "/account/notifications",
        &[("notify", "none"), ("csrf", &csrf)],
    );
    assert_eq!(withdrawn.status, 200);
    let after = contact();
    assert_eq!(after["notify"], "none");
    assert!(after.get("consent").is_none(), "{after}");
    assert_eq!(
        after["phone"], "+6281234567890",
        "the number stays for a later choice"
    );
}
