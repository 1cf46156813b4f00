//! The public web in a real browser: Debian's chromium, headless, driven through
//! chromedriver (WebDriver), against a real hub process on loopback. A patron searches,
//! opens a title, signs in from its Reserve button, reserves, sees the queue, cancels, tries a
//! wrong PIN, renews a loan a kiosk made, registers for an event, switches language; a
//! phone-sized window shows every page without sideways scrolling; a second patron sees only
//! his own account and goes the whole journey (reserve on the web, the copy returned at a
//! kiosk to the hold shelf, picked up there, on loan on the web); three wrong PINs make the
//! web's sign-in for that card wait (never the kiosks' lockout). `scripts/test` installs
//! chromium and chromium-driver.

// The sync tests' hub and station helpers; this test uses a few of them.
#[allow(dead_code, unused_macros, unused_imports)]
#[path = "../sync/support.rs"]
mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Backend, start_hub_on, write};

const PATRONS: &str = "card,name,category,expires,pin,blocked,fines\n\
    P1,Siti Aminah,adult,2030-01-31,1234,false,0\n\
    P2,Budi Santoso,adult,2030-01-31,5678,false,0\n\
    P3,Rina Marpaung,adult,2030-01-31,2468,false,0\n";

const ITEMS: &str = "barcode,title,author,isbn,item_type,status,call_number,parts,branch\n\
    B1,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1,pusat\n\
    B2,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1,utara\n\
    B3,Bumi Manusia,Pramoedya Ananta Toer,,book,available,899.221 TOE b,1,pusat\n";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Driver {
    let address = support::free_address();
    let port = address.rsplit(':').next().unwrap().to_string();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("chromedriver: {e} — install Debian's chromium and chromium-driver (scripts/test does)")
        });
    // Ready when it accepts a connection: bounded to 10 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start on {address}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://{address}"),
    }
}

async fn browser(driver: &Driver) -> Client {
    session(driver, false).await
}

/// A chromium session; with `no_scripts`, JavaScript is off for every site (the browser's
/// own setting, as a reader who turned it off has it).
async fn session(driver: &Driver, no_scripts: bool) -> Client {
    let mut options = serde_json::json!({
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=id"],
    });
    if no_scripts {
        options["prefs"] = serde_json::json!({
            "profile.managed_default_content_settings.javascript": 2,
        });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a chromium session through chromedriver")
}

/// The element, once the page shows it (a form's submission navigates after the click
/// returns): waited for at most 30 s.
async fn element(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// The page's text once it contains `needle` (the next page has arrived), within 30 s.
async fn page_with(client: &Client, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(body) = client.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
            && text.contains(needle)
        {
            return text;
        }
        if Instant::now() > deadline {
            let url = client.current_url().await.map(|u| u.to_string());
            panic!("no page with {needle:?} within 30 s (at {url:?})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn fill(client: &Client, css: &str, value: &str) {
    element(client, css).await.send_keys(value).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    element(client, css).await.click().await.unwrap();
}

/// Whether the page is no wider than the window (nothing to scroll sideways on a phone).
async fn fits(client: &Client) -> bool {
    let width = client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let pair = width.as_array().unwrap();
    pair[0].as_i64().unwrap() <= pair[1].as_i64().unwrap()
}

/// [`fits`] once the window has taken `width` and the page is laid out for it (a resize
/// reaches the page a moment after WebDriver answers): asked again until it fits, for at
/// most 5 s, so only a page that stays too wide fails.
async fn fits_at(client: &Client, width: u32) -> bool {
    client.set_window_size(width, 900).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if fits(client).await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The elements that reach past the window's right edge (to say why a page does not fit).
async fn too_wide(client: &Client) -> String {
    client
        .execute(
            "return Array.from(document.querySelectorAll('body *')).filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap')) && e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ');",
            vec![],
        )
        .await
        .map(|v| v.to_string())
        .unwrap_or_default()
}

#[test]
fn a_patron_searches_reserves_and_cancels_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\n[library.hours]\nmonday = \"08:00-16:00\"\n",
    );
    let hub = start_hub_on(
        &Backend::Sqlite.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let patrons = write(dir.path(), "patrons.csv", PATRONS);
    let items = write(dir.path(), "items.csv", ITEMS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    // A loan made at a kiosk, for the account to renew; an event to register for.
    let token = hub.add_station("kiosk-1");
    let kiosk = support::CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let (code, lent) = kiosk.json(&[
        "circ", "checkout", "--patron", "P1", "--item", "B3", "--pin", "1234",
    ]);
    assert_eq!(code, 0, "{lent}");
    kiosk.sync();
    let event = hub.json(&[
        "events",
        "add",
        "--title",
        "Kelas Menulis Cerita Anak",
        "--starts",
        "2099-12-15T09:00",
        "--ends",
        "2099-12-15T11:30",
        "--place",
        "Aula lantai 2",
        "--capacity",
        "20",
    ]);
    let event_path = format!("/events/{}", event["id"].as_str().unwrap());
    let driver = chromedriver();
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();

    support::runtime().block_on(async {
        let c = browser(&driver).await;
        let base = hub.url.clone();

        // Search from the home page's box.
        c.goto(&format!("{base}/")).await.unwrap();
        assert_eq!(text(&c, "h1").await, "Perpustakaan Kota Tebing Tinggi");
        fill(&c, "main input[name=q]", "laskar").await;
        click(&c, "main form.search button").await;
        page_with(&c, "1 judul ditemukan.").await;
        click(&c, "li.result h2 a").await;
        page_with(&c, "Ketersediaan").await;
        assert_eq!(text(&c, "h1").await, "Laskar Pelangi");

        // Reserve while signed out: sign in first, then back to the title.
        click(&c, "a.button").await;
        fill(&c, "#card", "P1").await;
        fill(&c, "#pin", "0000").await;
        click(&c, "main form button[type=submit]").await;
        page_with(&c, "Nomor kartu atau PIN salah").await;
        fill(&c, "#card", "P1").await;
        fill(&c, "#pin", "1234").await;
        click(&c, "main form button[type=submit]").await;
        page_with(&c, "Ambil di").await;
        assert_eq!(
            text(&c, "h1").await,
            "Laskar Pelangi",
            "back on the title after signing in"
        );
        element(&c, "#pickup option[value=utara]")
            .await
            .click()
            .await
            .unwrap();
        click(&c, "form.reserve button").await;
        let account = page_with(&c, "Halo, Siti Aminah").await;
        assert!(
            account.contains("Antrean ke-1, diambil di utara."),
            "{account}"
        );
        std::fs::write(shots.join("account-id.png"), c.screenshot().await.unwrap()).unwrap();

        // Cancel it.
        click(&c, "section[aria-labelledby=holds] form button").await;
        page_with(&c, "Tidak ada pesanan.").await;

        // Renew the kiosk's loan from the account: the renewal reaches the kiosk.
        click(&c, "form[action='/account/loans/renew'] button").await;
        page_with(&c, "Halo, Siti Aminah").await;
        kiosk.sync();
        let (_, siti) = kiosk.json(&["patron", "show", "P1"]);
        assert_eq!(siti["loans"][0]["renewals"], 1, "{siti}");

        // Register for the event, from the menu.
        click(&c, "header nav a[href='/events']").await;
        page_with(&c, "Kelas Menulis Cerita Anak").await;
        click(&c, "li.card h3 a").await;
        page_with(&c, "Sisa 20 dari 20 tempat.").await;
        click(&c, "form[action$='/register'] button").await;
        let registered = page_with(&c, "Anda terdaftar.").await;
        assert!(
            registered.contains("Sisa 19 dari 20 tempat."),
            "{registered}"
        );
        std::fs::write(shots.join("event-id.png"), c.screenshot().await.unwrap()).unwrap();
        c.goto(&format!("{base}/account")).await.unwrap();
        page_with(&c, "Acara yang saya ikuti").await;

        // English, remembered on the next page.
        click(&c, "a.lang").await;
        page_with(&c, "No reservations.").await;
        c.goto(&format!("{base}/")).await.unwrap();
        page_with(&c, "Opening hours").await;

        // A phone: every page fits the width.
        c.set_window_size(390, 844).await.unwrap();
        for path in [
            "/",
            "/search?q=laskar",
            "/account",
            "/feedback",
            "/events",
            &event_path,
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            assert!(fits(&c).await, "{path} scrolls sideways on a phone");
        }
        std::fs::write(
            shots.join("account-phone-en.png"),
            c.screenshot().await.unwrap(),
        )
        .unwrap();

        // Sign out: the account is a sign-in form again.
        c.set_window_size(1280, 900).await.unwrap();
        c.goto(&format!("{base}/account")).await.unwrap();
        click(&c, "form[action='/account/sign-out'] button").await;
        page_with(&c, "Opening hours").await;
        c.goto(&format!("{base}/account")).await.unwrap();
        element(&c, "#pin").await;

        // A second patron sees only his own account.
        c.goto(&format!("{base}/account?lang=id")).await.unwrap();
        fill(&c, "#card", "P2").await;
        fill(&c, "#pin", "5678").await;
        click(&c, "main form button[type=submit]").await;
        let his = page_with(&c, "Halo, Budi Santoso").await;
        assert!(
            !his.contains("Siti")
                && !his.contains("Bumi Manusia")
                && !his.contains("Kelas Menulis"),
            "{his}"
        );

        // The whole journey: Budi reserves the book Siti has; the kiosk hears of it, Siti
        // returns it there, it goes to the hold shelf; the web says until when it waits;
        // Budi borrows it at the kiosk; the web shows it on loan to him.
        c.goto(&format!("{base}/search?q=bumi")).await.unwrap();
        click(&c, "li.result h2 a").await;
        page_with(&c, "Ambil di").await;
        click(&c, "form.reserve button").await;
        page_with(&c, "Antrean ke-1, diambil di pusat.").await;
        kiosk.sync();
        let (code, returned) = kiosk.json(&["circ", "checkin", "--item", "B3"]);
        assert_eq!(
            (code, returned["route"].as_str()),
            (0, Some("hold_shelf")),
            "{returned}"
        );
        kiosk.sync();
        c.goto(&format!("{base}/account")).await.unwrap();
        page_with(&c, "Siap diambil di pusat sampai").await;
        let (code, picked) = kiosk.json(&["circ", "pickup", "--patron", "P2", "--pin", "5678"]);
        assert_eq!(code, 0, "{picked}");
        let due: jiff::civil::Date = picked["items"][0]["due"].as_str().unwrap().parse().unwrap();
        kiosk.sync();
        c.goto(&format!("{base}/account")).await.unwrap();
        let on_loan = page_with(
            &c,
            &swalayan_core::format::long_date(due, swalayan_core::reason::Lang::Id),
        )
        .await;
        assert!(
            on_loan.contains("Bumi Manusia") && on_loan.contains("Tidak ada pesanan."),
            "{on_loan}"
        );
        std::fs::write(
            shots.join("journey-on-loan-id.png"),
            c.screenshot().await.unwrap(),
        )
        .unwrap();
        click(&c, "form[action='/account/sign-out'] button").await;
        page_with(&c, "Jam buka").await;

        // Three wrong PINs on the web slow its sign-in for Rina's card: the next try, the
        // right PIN included, must wait (the kiosks' lockout is not the web's to set).
        for pin in ["1111", "2222", "3333", "2468"] {
            c.goto(&format!("{base}/account?lang=id")).await.unwrap();
            fill(&c, "#card", "P3").await;
            fill(&c, "#pin", pin).await;
            click(&c, "main form button[type=submit]").await;
            element(&c, "p.problem").await;
        }
        page_with(&c, "Tunggu").await;
        c.close().await.unwrap();
    });
}

/// The staff's pages in chromium over a month of a made-up library's traffic (`swalayan-hub
/// simulate`): signed in with the generated password, every page in both languages shows its
/// heading, its charts where it has them and no page scrolls sideways at desktop or phone
/// width; staff resolve the conflict and check a walk-in in at an event with the forms. With
/// `SWALAYAN_SCREENSHOTS=DIR` the pages are photographed into DIR (docs/screenshots).
#[test]
fn staff_pages_in_chromium_over_a_month_of_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\ntimezone = \"Asia/Jakarta\"\n",
    );
    let db = Backend::Sqlite.database(dir.path());
    let simulated = support::hub_cmd(
        &db,
        &[
            "--config",
            config.to_str().unwrap(),
            "--json",
            "simulate",
            "--days",
            "30",
        ],
    );
    assert_eq!(
        simulated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&simulated.stderr)
    );
    let hub = start_hub_on(&db, "127.0.0.1:0", &["--config", config.to_str().unwrap()]);
    let password = hub.json(&["staff", "add", "ana", "--role", "admin"])["password"]
        .as_str()
        .unwrap()
        .to_string();
    let events = hub.json(&["events", "list"]);
    let held = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Dongeng Pagi" || e["title"] == "Klub Baca Remaja")
        .or_else(|| events.as_array().unwrap().first())
        .unwrap();
    let event_path = format!("/staff/events/{}", held["id"].as_str().unwrap());
    let held_title = held["title"].as_str().unwrap().to_string();
    let driver = chromedriver();
    let shots = std::env::var_os("SWALAYAN_SCREENSHOTS").map(std::path::PathBuf::from);

    support::runtime().block_on(async {
        let c = browser(&driver).await;
        let base = hub.url.clone();
        c.goto(&format!("{base}/staff")).await.unwrap();
        fill(&c, "#user", "ana").await;
        fill(&c, "#password", &password).await;
        click(&c, "main form button[type=submit]").await;
        let home = page_with(&c, "Perlu perhatian").await;
        assert!(
            home.contains("1 konflik menunggu") && home.contains("beam blocked"),
            "{home}"
        );

        let pages: Vec<(&str, &str, &str, bool)> = vec![
            ("/staff", "Ringkasan", "At a glance", false),
            ("/staff/visitors", "Pengunjung", "Visitors", true),
            ("/staff/circulation", "Sirkulasi", "Circulation", true),
            (
                "/staff/events",
                "Acara dan kegiatan",
                "Events and programmes",
                false,
            ),
            (event_path.as_str(), held_title.as_str(), "", false),
            ("/staff/events/new", "Acara baru", "New event", false),
            ("/staff/promotions", "Promosi", "Promotions", false),
            (
                "/staff/digital",
                "Koleksi digital",
                "Digital collection",
                false,
            ),
            ("/staff/feedback", "Saran dan nilai", "Feedback", true),
            (
                "/staff/monthly",
                "Ringkasan bulanan",
                "Monthly summary",
                true,
            ),
            ("/staff/conflicts", "Konflik", "Conflicts", false),
            ("/staff/annual", "", "", false),
            (
                "/staff/routes",
                "Perpustakaan keliling",
                "Mobile library",
                false,
            ),
            ("/staff/audit", "Log perubahan", "Audit log", false),
        ];
        for (path, indonesian, english, chart) in &pages {
            for (lang, heading) in [("id", *indonesian), ("en", *english)] {
                let join = if path.contains('?') { '&' } else { '?' };
                c.goto(&format!("{base}{path}{join}lang={lang}"))
                    .await
                    .unwrap();
                let h1 = text(&c, "h1").await;
                if !heading.is_empty() {
                    assert_eq!(h1, heading, "{path} in {lang}");
                }
                if *chart {
                    element(&c, "figure svg").await;
                }
                assert!(
                    fits_at(&c, 1280).await,
                    "{path} ({lang}) scrolls sideways at 1280 px: {}",
                    too_wide(&c).await
                );
                assert!(
                    fits_at(&c, 390).await,
                    "{path} ({lang}) scrolls sideways on a phone: {}",
                    too_wide(&c).await
                );
                c.set_window_size(1280, 900).await.unwrap();
            }
        }

        // The conflict resolved with a note, on its page.
        c.goto(&format!("{base}/staff/conflicts?lang=id"))
            .await
            .unwrap();
        fill(&c, "form input[name=note]", "sudah dicek di rak").await;
        click(&c, "ul.plain form button").await;
        page_with(&c, "Tidak ada konflik yang menunggu.").await;
        // A walk-in checked in at an event's door.
        c.goto(&format!("{base}{event_path}?lang=id"))
            .await
            .unwrap();
        fill(&c, "#who", "Ibu Guru Sari").await;
        click(&c, "form[action$='/check-in'] button").await;
        page_with(&c, "Ibu Guru Sari").await;

        if let Some(shots) = &shots {
            std::fs::create_dir_all(shots).unwrap();
            for (name, path, width, height) in [
                ("staff-home-id", "/staff?lang=id".to_string(), 1280, 1100),
                (
                    "staff-visitors-en",
                    "/staff/visitors?lang=en".to_string(),
                    1280,
                    1400,
                ),
                (
                    "staff-circulation-id",
                    "/staff/circulation?lang=id".to_string(),
                    1280,
                    1400,
                ),
                (
                    "staff-monthly-id",
                    "/staff/monthly?lang=id".to_string(),
                    1280,
                    1000,
                ),
                (
                    "staff-event-id",
                    format!("{event_path}?lang=id"),
                    1280,
                    1000,
                ),
                (
                    "staff-events-phone-en",
                    "/staff/events?lang=en".to_string(),
                    390,
                    844,
                ),
            ] {
                c.set_window_size(width, height).await.unwrap();
                c.goto(&format!("{base}{path}")).await.unwrap();
                element(&c, "h1").await;
                std::fs::write(
                    shots.join(format!("{name}.png")),
                    c.screenshot().await.unwrap(),
                )
                .unwrap();
            }
        }
        c.close().await.unwrap();
    });
}

/// The grey at the middle of what an element shows on screen (its screenshot).
async fn grey_shown(client: &Client, css: &str) -> u8 {
    let shot = element(client, css).await.screenshot().await.unwrap();
    let picture = image::load_from_memory(&shot).unwrap().to_luma8();
    picture
        .get_pixel(picture.width() / 2, picture.height() / 2)
        .0[0]
}

/// A PNG of a scanned page, one grey.
fn scan(width: u32, height: u32, grey: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::GrayImage::from_pixel(width, height, image::Luma([grey]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Issue #31: staff make a local-history record and upload three scans through the file
/// picker; a reader with JavaScript turned off reads it page by page — each page the scan
/// sent in that place, as the screen shows it — zooms in and goes back.
#[test]
fn a_scanned_local_history_item_is_read_page_by_page_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\n",
    );
    let hub = start_hub_on(
        &Backend::Sqlite.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let password = hub.json(&["staff", "add", "rina", "--role", "librarian"])["password"]
        .as_str()
        .unwrap()
        .to_string();
    let greys = [40u8, 120, 200];
    let files: Vec<String> = greys
        .iter()
        .enumerate()
        .map(|(i, grey)| {
            let path = dir.path().join(format!("halaman-{}.png", i + 1));
            std::fs::write(&path, scan(600, 900, *grey)).unwrap();
            path.display().to_string()
        })
        .collect();
    let driver = chromedriver();
    support::runtime().block_on(async {
        let base = hub.url.clone();
        // Staff: the record, then the three scans chosen at once in the file picker.
        let staff = browser(&driver).await;
        staff.goto(&format!("{base}/staff")).await.unwrap();
        fill(&staff, "#user", "rina").await;
        fill(&staff, "#password", &password).await;
        click(&staff, "main form button[type=submit]").await;
        page_with(&staff, "Ringkasan").await;
        staff.goto(&format!("{base}/staff/digital")).await.unwrap();
        fill(
            &staff,
            "form[action='/staff/digital/new'] #title",
            "Pasar Tebing Tinggi 1950",
        )
        .await;
        fill(
            &staff,
            "form[action='/staff/digital/new'] #description",
            "Foto pasar lama",
        )
        .await;
        click(
            &staff,
            "form[action='/staff/digital/new'] button[type=submit]",
        )
        .await;
        page_with(&staff, "Tambah berkas").await;
        let record = staff.current_url().await.unwrap().path().to_string();
        let key = record.trim_start_matches("/staff/digital/").to_string();
        element(&staff, "#files")
            .await
            .send_keys(&files.join("\n"))
            .await
            .unwrap();
        click(&staff, "form[action$='/files'] button[type=submit]").await;
        page_with(&staff, "halaman-3.png").await;
        staff.close().await.unwrap();

        // A reader without JavaScript.
        let reader = session(&driver, true).await;
        reader.goto(&format!("{base}/title/{key}")).await.unwrap();
        click(&reader, "section.online a.button").await;
        page_with(&reader, "Halaman 1 dari 3").await;
        assert_eq!(grey_shown(&reader, "figure.page img").await, greys[0]);
        click(&reader, "nav.pager a[rel=next]").await;
        page_with(&reader, "Halaman 2 dari 3").await;
        assert_eq!(grey_shown(&reader, "figure.page img").await, greys[1]);
        click(&reader, "nav.pager a[rel=next]").await;
        page_with(&reader, "Halaman 3 dari 3").await;
        assert_eq!(grey_shown(&reader, "figure.page img").await, greys[2]);
        assert!(
            reader
                .find(Locator::Css("nav.pager a[rel=next]"))
                .await
                .is_err(),
            "the last page has no next"
        );
        let fitted = element(&reader, "figure.page img")
            .await
            .rectangle()
            .await
            .unwrap();
        click(&reader, "figure.page figcaption a").await;
        let zoomed = element(&reader, "div.zoomed img")
            .await
            .rectangle()
            .await
            .unwrap();
        assert!(
            (zoomed.2 - 600.0).abs() < 1.0 && fitted.2 < zoomed.2,
            "zoomed to its own 600 px from {} px",
            fitted.2
        );
        click(&reader, "main p a[href$='/read/3']").await;
        page_with(&reader, "Perbesar halaman ini").await;
        click(&reader, "nav.pager a[rel=prev]").await;
        page_with(&reader, "Halaman 2 dari 3").await;
        assert_eq!(grey_shown(&reader, "figure.page img").await, greys[1]);
        reader.close().await.unwrap();
    });
}

/// Issue #32: "Perpustakaan Keliling" in chromium, in both languages: this week's stops by
/// day, each kelurahan's next visit, the route's calendar link, on a desktop and a phone.
#[test]
fn the_mobile_library_page_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\ntimezone = \"Asia/Jakarta\"\n",
    );
    let hub = start_hub_on(
        &Backend::Sqlite.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    for (route, stop, kelurahan, day, start, end) in [
        (
            "Rute Utara",
            "SD Negeri 163",
            "Bandar Utama",
            "mon",
            "09:00",
            "11:00",
        ),
        (
            "Rute Utara",
            "Pasar Lama",
            "Tebing Tinggi Lama",
            "wed",
            "13:00",
            "15:00",
        ),
        (
            "Rute Selatan",
            "Masjid Raya",
            "Rambung",
            "sat",
            "08:00",
            "10:00",
        ),
    ] {
        hub.add_stop([route, stop, kelurahan, day, start, end], &[]);
    }
    let driver = chromedriver();
    let shots = std::env::var_os("SWALAYAN_SCREENSHOTS").map(std::path::PathBuf::from);
    support::runtime().block_on(async {
        let c = browser(&driver).await;
        for (lang, heading, next) in [
            ("id", "Perpustakaan Keliling", "Kunjungan berikutnya per kelurahan"),
            ("en", "Mobile library", "Next visit by kelurahan"),
        ] {
            c.goto(&format!("{}/mobile-library?lang={lang}", hub.url)).await.unwrap();
            assert_eq!(text(&c, "h1").await, heading);
            let page = page_with(&c, next).await;
            for expected in ["SD Negeri 163", "Pasar Lama", "Masjid Raya", "Bandar Utama", "Rambung"] {
                assert!(page.contains(expected), "{lang}: {expected}: {page}");
            }
            let kelurahan_rows = c
                .find_all(Locator::Css("#kelurahan ~ .table-wrap tbody tr, section[aria-labelledby=kelurahan] tbody tr"))
                .await
                .unwrap();
            assert_eq!(kelurahan_rows.len(), 3, "{lang}: a row per kelurahan");
            let link = element(&c, "section[aria-labelledby=calendars] a").await;
            assert!(link.attr("href").await.unwrap().unwrap().ends_with(".ics"));
            assert!(fits_at(&c, 1280).await, "{lang}: {}", too_wide(&c).await);
            assert!(fits_at(&c, 390).await, "{lang} on a phone: {}", too_wide(&c).await);
            if let Some(shots) = &shots {
                std::fs::create_dir_all(shots).unwrap();
                c.set_window_size(1000, 1100).await.unwrap();
                let png = c.screenshot().await.unwrap();
                std::fs::write(shots.join(format!("web-mobile-library-{lang}.png")), png).unwrap();
            }
            c.set_window_size(1280, 900).await.unwrap();
        }
        c.close().await.unwrap();
    });
}
