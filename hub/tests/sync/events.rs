//! Events and literacy programmes from a real hub process: published with `swalayan-hub
//! events add`, shown on the web with schema.org data and in the sitemap, registration by
//! card and PIN or by name and phone, the capacity and the waiting list (a freed place goes
//! to the first in line), and the event on a real kiosk's store after sync — without who
//! registered.

use crate::support::{Backend, CliStation, on_both_backends, write};
use crate::web::{Browser, ITEMS, PATRONS, get, start};

on_both_backends!(
    events_fill_up_wait_and_reach_the_kiosks_without_who_registered,
    one_address_cannot_fill_an_event_or_move_the_feedback,
);

/// 50 guest posts from one address filled an event (25/25) and put 49 on its waiting list;
/// 50 feedback posts of score 1 moved the month's average. Now one address registers at
/// most 3 guests per event, the waiting list holds at most twice the places (`[events]
/// waiting_list_factor`), and feedback is limited per address and counted once a day.
/// Remove the throttle and the first assertion sees 25 confirmed; remove the cap and the
/// last device waits instead of being refused; remove the daily mark and 10 responses count.
fn one_address_cannot_fill_an_event_or_move_the_feedback(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let added = hub.json(&[
        "events",
        "add",
        "--title",
        "Dongeng Sabtu",
        "--starts",
        "2099-12-19T09:00",
        "--ends",
        "2099-12-19T10:00",
        "--capacity",
        "25",
    ]);
    let path = format!("/events/{}", added["id"].as_str().unwrap());
    let guest = |browser: &mut Browser, n: usize| {
        let csrf = browser.csrf();
        browser
            .post(
                &format!("{path}/register"),
                &[
                    ("csrf", &csrf),
                    ("name", &format!("Tamu {n}")),
                    ("phone", &format!("0812{n:08}")),
                ],
            )
            .status
    };
    let mut flooder = Browser::from_address(&hub.url, [127, 0, 0, 9]);
    flooder.get(&path);
    let statuses: Vec<u16> = (0..50).map(|n| guest(&mut flooder, n)).collect();
    assert_eq!(statuses[..3], [200; 3]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let listed = hub.json(&["events", "list"]);
    assert_eq!(listed[0]["registered"], 3, "{listed}");

    // A small event: two places, a waiting list of four, the seventh device refused.
    let small = hub.json(&[
        "events",
        "add",
        "--title",
        "Kelas Origami",
        "--starts",
        "2099-12-20T09:00",
        "--ends",
        "2099-12-20T10:00",
        "--capacity",
        "2",
    ]);
    let small_path = format!("/events/{}", small["id"].as_str().unwrap());
    let mut answers = Vec::new();
    for device in 0..7u8 {
        let mut browser = Browser::from_address(&hub.url, [127, 0, 1, 10 + device]);
        browser.get(&small_path);
        let csrf = browser.csrf();
        let answer = browser.post(
            &format!("{small_path}/register"),
            &[
                ("csrf", &csrf),
                ("name", &format!("Tamu {device}")),
                ("phone", &format!("0813{device:08}")),
            ],
        );
        answers.push((answer.status, answer.body));
    }
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 422]);
    assert!(
        answers[6].1.contains("daftar tunggunya"),
        "{}",
        answers[6].1
    );

    // Feedback: 50 posts of score 1 from one address: ten taken (kept, for the comments),
    // one counted in the day's responses and average.
    let mut critic = Browser::from_address(&hub.url, [127, 0, 0, 10]);
    critic.get("/feedback");
    let posted: Vec<u16> = (0..50)
        .map(|_| {
            let csrf = critic.csrf();
            critic
                .post(
                    "/feedback",
                    &[("csrf", &csrf), ("score", "1"), ("comment", "buruk")],
                )
                .status
        })
        .collect();
    assert_eq!(
        posted.iter().filter(|s| **s == 200).count(),
        10,
        "{posted:?}"
    );
    assert!(posted[10..].iter().all(|s| *s == 429), "{posted:?}");
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap())
        .date()
        .to_string();
    let report = hub.json(&[
        "report", "feedback", "--from", &today, "--to", &today, "--json",
    ]);
    let responses: u64 = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["responses"].as_u64().unwrap())
        .sum();
    assert_eq!(responses, 1, "{report}");
    assert_eq!(report["comments"].as_array().unwrap().len(), 10, "{report}");
}

fn events_fill_up_wait_and_reach_the_kiosks_without_who_registered(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let patrons = write(dir.path(), "patrons.csv", PATRONS);
    let items = write(dir.path(), "items.csv", ITEMS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);

    // Bad input is refused with the reason, exit 2, nothing published.
    let backwards = hub.cmd(&[
        "events",
        "add",
        "--title",
        "X",
        "--starts",
        "2099-12-15T11:00",
        "--ends",
        "2099-12-15T09:00",
    ]);
    assert_eq!(backwards.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("before it starts"));
    let garbled = hub.cmd(&[
        "events",
        "add",
        "--title",
        "X",
        "--starts",
        "besok pagi",
        "--ends",
        "2099-12-15T09:00",
    ]);
    assert_eq!(garbled.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&garbled.stderr).contains("2026-12-15T09:00"));
    assert_eq!(hub.json(&["events", "list"]), serde_json::json!([]));

    // One place, so the second to register waits.
    let added = hub.json(&[
        "events",
        "add",
        "--title",
        "Kelas Menulis Cerita Anak",
        "--starts",
        "2099-12-15T09:00",
        "--ends",
        "2099-12-15 11:30",
        "--place",
        "Aula lantai 2",
        "--capacity",
        "1",
        "--description",
        "Untuk anak 8-12 tahun dan orang tuanya.",
    ]);
    let id = added["id"].as_str().unwrap().to_string();
    let path = format!("/events/{id}");

    // The web: listed, on the home page, a page with schema.org Event, in the sitemap.
    let listed = get(&format!("{}/events", hub.url), None);
    assert!(
        listed.body.contains(&format!("href=\"{path}\"")),
        "{}",
        listed.body
    );
    assert!(
        listed
            .body
            .contains("Selasa, 15 Desember 2099, 09.00–11.30")
    );
    let home = get(&format!("{}/", hub.url), None);
    assert!(
        home.body.contains("Acara mendatang") && home.body.contains("Kelas Menulis Cerita Anak")
    );
    let page = get(&format!("{}{path}", hub.url), None);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sisa 1 dari 1 tempat."), "{}", page.body);
    assert!(page.body.contains(r#""@type":"Event""#), "{}", page.body);
    assert!(
        page.body
            .contains(r#""startDate":"2099-12-15T09:00:00+07:00""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("Aula lantai 2"));
    let english = get(&format!("{}{path}?lang=en", hub.url), None);
    assert!(
        english
            .body
            .contains("Tuesday 15 December 2099, 09:00–11:30")
    );
    assert!(english.body.contains("1 of 1 places left."));
    let sitemap = get(&format!("{}/sitemap.xml", hub.url), None);
    assert!(
        sitemap
            .body
            .contains(&format!("https://perpustakaan.example.go.id{path}</loc>"))
    );

    // Siti (P1) signs in from the event page and takes the place.
    let mut siti = Browser::new(&hub.url);
    let signed_out = siti.get(&path);
    assert!(
        signed_out
            .body
            .contains("Masuk dengan kartu anggota untuk mendaftar")
    );
    assert!(
        signed_out.body.contains(r#"name="phone""#),
        "guests may register"
    );
    let forged = siti.post(&format!("{path}/register"), &[("csrf", &"0".repeat(64))]);
    assert_eq!(forged.status, 403);
    assert_eq!(siti.sign_in("P1", "1234").status, 303);
    let csrf = siti.csrf();
    let taken = siti.post(&format!("{path}/register"), &[("csrf", &csrf)]);
    assert_eq!(taken.status, 303, "{}", taken.body);
    assert_eq!(taken.location.as_deref(), Some(path.as_str()));
    assert!(siti.get(&path).body.contains("Anda terdaftar."));
    let account = siti.get("/account");
    assert!(
        account.body.contains("Acara yang saya ikuti"),
        "{}",
        account.body
    );
    // Registering twice keeps one place.
    siti.post(&format!("{path}/register"), &[("csrf", &csrf)]);

    // A guest: a bad number is refused with the rule; a good one waits, first in line.
    let mut guest = Browser::new(&hub.url);
    guest.get(&path);
    let guest_csrf = guest.csrf();
    let bad = guest.post(
        &format!("{path}/register"),
        &[("csrf", &guest_csrf), ("name", "Rina"), ("phone", "12-34")],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("8 sampai 15 angka"), "{}", bad.body);
    let waits = guest.post(
        &format!("{path}/register"),
        &[
            ("csrf", &guest_csrf),
            ("name", "Rina Marpaung"),
            ("phone", "0812-7777-0001"),
        ],
    );
    assert_eq!(waits.status, 200, "{}", waits.body);
    assert!(
        waits.body.contains("daftar tunggu, urutan ke-1"),
        "{}",
        waits.body
    );

    // Budi (P2) waits second; the page shows the event full.
    let mut budi = Browser::new(&hub.url);
    assert_eq!(budi.sign_in("P2", "5678").status, 303);
    let budi_csrf = budi.csrf();
    budi.post(&format!("{path}/register"), &[("csrf", &budi_csrf)]);
    let full = budi.get(&path);
    assert!(full.body.contains("urutan ke-2"), "{}", full.body);
    assert!(full.body.contains("Penuh"), "{}", full.body);
    assert!(
        !full.body.contains("Rina"),
        "no one sees who else registered"
    );

    // Staff see the counts and who registered, in order.
    let events = hub.json(&["events", "list"]);
    assert_eq!(events[0]["id"], id.as_str());
    assert_eq!(
        (
            events[0]["registered"].as_u64(),
            events[0]["waiting"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let roster = hub.json(&["events", "registrations", &id]);
    assert_eq!(roster["confirmed"][0]["card"], "P1");
    assert_eq!(roster["waiting"][0]["phone"], "081277770001");
    assert_eq!(roster["waiting"][1]["card"], "P2");

    // Siti cancels: the first in line (the guest) takes the place; Budi moves up.
    let cancelled = siti.post(&format!("{path}/cancel"), &[("csrf", &csrf)]);
    assert_eq!(cancelled.status, 303);
    let roster = hub.json(&["events", "registrations", &id]);
    assert_eq!(roster["confirmed"][0]["name"], "Rina Marpaung", "{roster}");
    assert_eq!(roster["waiting"].as_array().map(Vec::len), Some(1));
    assert!(budi.get(&path).body.contains("urutan ke-1"));

    // A kiosk syncs: the event is on its store with the counts, who registered is not.
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let on_kiosk = kiosk_event(&kiosk, &id).expect("the event reached the kiosk");
    assert_eq!(on_kiosk["title"], "Kelas Menulis Cerita Anak");
    assert_eq!(
        (
            on_kiosk["registered"].as_u64(),
            on_kiosk["waiting"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let mut files = Vec::new();
    for suffix in ["", "-wal"] {
        let mut name = kiosk.db.clone().into_os_string();
        name.push(suffix);
        files.extend(std::fs::read(name).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&files);
    assert!(!text.contains("081277770001") && !text.contains("Rina Marpaung"));

    // An event that has begun takes no registration.
    let begun = hub.json(&[
        "events",
        "add",
        "--title",
        "Dongeng Pagi",
        "--starts",
        "2020-01-01T09:00",
        "--ends",
        "2099-01-01T10:00",
    ]);
    let begun = format!("/events/{}", begun["id"].as_str().unwrap());
    let late = budi.post(&format!("{begun}/register"), &[("csrf", &budi_csrf)]);
    assert_eq!(late.status, 422);
    assert!(
        late.body.contains("Pendaftaran sudah ditutup"),
        "{}",
        late.body
    );

    // Withdrawn: gone from the web and, after a sync, from the kiosk; the roster stays.
    let removed = hub.json(&["events", "remove", &id]);
    assert_eq!(removed["registered"], 2);
    assert_eq!(get(&format!("{}{path}", hub.url), None).status, 404);
    kiosk.sync();
    assert!(kiosk_event(&kiosk, &id).is_none());
    assert_eq!(
        hub.json(&["events", "registrations", &id])["confirmed"][0]["name"],
        "Rina Marpaung"
    );
    let again = hub.cmd(&["events", "remove", &id]);
    assert_eq!(again.status.code(), Some(2));
}

/// The event as the kiosk's store keeps it (the document's JSON).
fn kiosk_event(kiosk: &CliStation, id: &str) -> Option<serde_json::Value> {
    let conn = rusqlite::Connection::open(&kiosk.db).unwrap();
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM events WHERE central_key = ?1",
            [id],
            |r| r.get(0),
        )
        .ok();
    body.map(|b| serde_json::from_str(&b).unwrap())
}

/// Where the library does not take guests, an event page offers only the sign-in, and a
/// guest's form is sent to sign in instead of registering anyone.
#[test]
fn without_guest_registration_only_members_register() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\nname = \"Perpustakaan\"\nguest_registration = false\n",
    );
    let hub = crate::support::start_hub_on(
        &Backend::Sqlite.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let added = hub.json(&[
        "events",
        "add",
        "--title",
        "Dongeng",
        "--starts",
        "2099-01-01T09:00",
        "--ends",
        "2099-01-01T10:00",
        "--capacity",
        "5",
    ]);
    let path = format!("/events/{}", added["id"].as_str().unwrap());
    let mut guest = Browser::new(&hub.url);
    let page = guest.get(&path);
    assert!(
        page.body
            .contains("Masuk dengan kartu anggota untuk mendaftar")
    );
    assert!(!page.body.contains(r#"name="phone""#), "{}", page.body);
    let csrf = guest.csrf();
    let tried = guest.post(
        &format!("{path}/register"),
        &[("csrf", &csrf), ("name", "Rina"), ("phone", "081277770001")],
    );
    assert_eq!(tried.status, 303);
    assert!(tried.location.unwrap().starts_with("/account?next="));
    let roster = hub.json(&["events", "registrations", added["id"].as_str().unwrap()]);
    assert_eq!(roster["confirmed"], serde_json::json!([]));
}
