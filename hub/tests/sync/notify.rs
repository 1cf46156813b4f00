//! Notifications (issue #30) end to end: a real hub process and real stations make the
//! events; the hub's own notification cycle (`swalayan_hub::notify`) runs at chosen library
//! times against local fakes of the providers (tests/sync/providers.rs), so quiet hours and
//! retry waits are tested without waiting for them. `notify run` and `serve` are run as
//! processes too.

use crate::providers::{CLOUD_OK, FakeProvider, FakeSmtp, Reply};
use crate::support::{Backend, CliStation, Hub, hub_cmd, on_both_backends, start_hub_on, write};
use crate::web::{Browser, ITEMS, between, get};
use jiff::Timestamp;
use jiff::civil::Date;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use swalayan_core::contact::MessageKind;
use swalayan_core::format;
use swalayan_core::reason::Lang;
use swalayan_hub::config::Library;
use swalayan_hub::notify::NotifySettings;
use swalayan_hub::notify::deliver::Sender;
use swalayan_hub::notify::running::cycle;
use swalayan_hub::storage::{Notice, NoticeFilter, NoticeStatus, Storage};

on_both_backends!(a_hold_ready_late_in_the_evening_is_told_once_at_seven_the_next_morning);

/// Siti (P1) chose WhatsApp at registration; Budi (P2) gave a number but no consent; Ani (P3)
/// chose e-mail.
const PATRONS: &str = "card,name,category,expires,pin,blocked,fines,phone,email,notify\n\
    P1,Siti Aminah,adult,2030-01-31,1234,false,0,0812-3456-7890,,whatsapp\n\
    P2,Budi Santoso,adult,2030-01-31,5678,false,0,0813 1111 2222,,none\n\
    P3,Ani Lestari,adult,2030-01-31,4321,false,0,,ani@contoh.id,email\n";

const LIBRARY: &str = r#"
[library]
name = "Perpustakaan Kota Tebing Tinggi"
short_name = "Perpustakaan Tebing Tinggi"
timezone = "Asia/Jakarta"
"#;

/// `[notify]` with a Cloud API channel (templates for two kinds) and a gateway for SMS,
/// both at `provider`, and e-mail to the local SMTP server on `smtp_port`.
fn notify_toml(provider: &str, smtp_port: u16, quiet: &str) -> String {
    format!(
        r#"
[notify]
quiet_hours = "{quiet}"

[[notify.channel]]
name = "wa"
kind = "whatsapp_cloud"
phone_number_id = "106540352242922"
token_file = "wa.token"
api_base = "{provider}/v21.0"

[notify.channel.templates]
hold_ready = "pesanan_siap"
due_soon = "jatuh_tempo"
receipt = "struk_kunjungan"
hold_expiring = "pesanan_berakhir"

[[notify.channel]]
name = "sms"
kind = "http_gateway"
medium = "sms"
url = "{provider}/send"
token_file = "gateway.token"
min_delay_seconds = 0

[[notify.channel]]
name = "mail"
kind = "smtp"
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from = "Perpustakaan <noreply@perpustakaan.example.go.id>"
"#
    )
}

/// The hub's file in `dir` (with the tokens beside it) and its settings as the hub reads them.
fn config(
    dir: &Path,
    provider: &str,
    smtp_port: u16,
    quiet: &str,
) -> (String, NotifySettings, Library) {
    write(dir, "wa.token", "cloud-token-123\n");
    write(dir, "gateway.token", "gateway-token-456");
    let path = write(
        dir,
        "hub.toml",
        &format!("{LIBRARY}{}", notify_toml(provider, smtp_port, quiet)),
    );
    let settings = swalayan_hub::config::notify_settings(&path)
        .unwrap()
        .unwrap();
    let library = Library::load(&path).unwrap();
    (path.display().to_string(), settings, library)
}

/// A hub process (serving, with `extra` arguments), the patrons and copies, a synced kiosk.
fn a_library(backend: Backend, dir: &Path, config: &str) -> (Hub, CliStation) {
    let hub = start_hub_on(&backend.database(dir), "127.0.0.1:0", &["--config", config]);
    let patrons = write(dir, "patrons.csv", PATRONS);
    let items = write(dir, "items.csv", ITEMS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir, "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    (hub, kiosk)
}

/// The signed-in patron's choices saved on the notifications page (with the form's token).
fn choose(browser: &mut Browser, fields: &[(&str, &str)]) {
    let csrf = browser.csrf();
    let mut form = fields.to_vec();
    form.push(("csrf", &csrf));
    let saved = browser.post("/account/notifications", &form);
    assert_eq!(saved.status, 200, "{}", saved.body);
}

/// `hh:mm` library time on `day`.
fn at(library: &Library, day: Date, hour: i8, minute: i8) -> Timestamp {
    day.at(hour, minute, 0, 0)
        .to_zoned_datetime(library.timezone.clone())
        .unwrap()
        .timestamp()
}

fn today(library: &Library) -> Date {
    Timestamp::now()
        .to_zoned_datetime(library.timezone.clone())
        .date()
}

/// Siti lends Bumi Manusia's one copy; Budi reserves it on the web; the kiosk hears of it
/// and Siti returns it to the hold shelf: Budi's hold is ready, `until` its last day.
fn a_ready_hold_for(hub: &Hub, kiosk: &CliStation, patron: (&str, &str)) -> Date {
    let (code, lent) = kiosk.json(&[
        "circ", "checkout", "--patron", "P3", "--item", "B3", "--pin", "4321",
    ]);
    assert_eq!(code, 0, "{lent}");
    kiosk.sync();
    let found = get(&format!("{}/search?q=bumi", hub.url), None);
    let bumi = between(&found.body, "<h2><a href=\"", "\"")
        .unwrap()
        .to_string();
    let mut browser = Browser::new(&hub.url);
    assert_eq!(browser.sign_in(patron.0, patron.1).status, 303);
    let csrf = browser.csrf();
    let reserved = browser.post(
        &format!("{bumi}/reserve"),
        &[("csrf", &csrf), ("pickup", "pusat")],
    );
    assert_eq!(reserved.status, 303, "{}", reserved.body);
    kiosk.sync();
    let (code, returned) = kiosk.json(&["circ", "checkin", "--item", "B3"]);
    assert_eq!(code, 0, "{returned}");
    assert_eq!(returned["route"], "hold_shelf", "{returned}");
    kiosk.sync();
    let (_, shown) = kiosk.json(&["patron", "show", patron.0]);
    shown["holds"][0]["expires"]
        .as_str()
        .unwrap_or_else(|| panic!("{shown}"))
        .parse()
        .unwrap()
}

/// The whole journey: Siti, who chose WhatsApp in English on the web, reserves a book; it is
/// returned at a kiosk to the hold shelf at 22:10. Nothing goes during the quiet hours; at
/// 07:00 exactly one template message goes with the title, the branch and the last day in
/// her language; later runs and a restarted sender send nothing more.
fn a_hold_ready_late_in_the_evening_is_told_once_at_seven_the_next_morning(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(Vec::new());
    let smtp = FakeSmtp::start();
    // The serving hub has no channels: the cycle below is the one sender, at chosen times.
    let (path, settings, library) = config(dir.path(), &provider.url, smtp.port, "21:00-07:00");
    let quiet_free = write(dir.path(), "serve.toml", LIBRARY);
    let (hub, kiosk) = a_library(backend, dir.path(), quiet_free.to_str().unwrap());

    // Siti turns her messages to English on the notifications page (her consent stays).
    let mut siti = Browser::new(&hub.url);
    assert_eq!(siti.sign_in("P1", "1234").status, 303);
    choose(
        &mut siti,
        &[
            ("notify", "whatsapp"),
            ("phone", "0812-3456-7890"),
            ("messages", "hold_ready"),
            ("messages", "due_soon"),
            ("lang", "en"),
        ],
    );
    let until = a_ready_hold_for(&hub, &kiosk, ("P1", "1234"));

    let storage = swalayan_hub::storage::open(&hub.db).unwrap();
    let day = today(&library);
    let tomorrow = day.tomorrow().unwrap();
    let mut sender = Sender::new().unwrap();
    let run = |now: Timestamp, sender: &mut Sender| {
        cycle(
            sender,
            storage.as_ref(),
            &settings,
            &library,
            now,
            false,
            true,
        )
        .unwrap()
    };

    let evening = run(at(&library, day, 22, 10), &mut sender);
    assert_eq!(evening.happened, 1, "{evening:?}");
    assert!(evening.pass.quiet);
    let dawn = run(at(&library, tomorrow, 6, 59), &mut sender);
    assert_eq!(dawn.happened, 0);
    assert!(provider.requests().is_empty(), "nothing in the quiet hours");

    let morning = run(at(&library, tomorrow, 7, 0), &mut sender);
    assert_eq!(morning.pass.sent, 1, "{morning:?}");
    run(at(&library, tomorrow, 7, 1), &mut sender);
    // A restarted sender (a new process's) finds nothing to send either.
    run(at(&library, tomorrow, 7, 5), &mut Sender::new().unwrap());
    let requests = provider.requests();
    assert_eq!(requests.len(), 1, "exactly once: {requests:?}");
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v21.0/106540352242922/messages");
    assert_eq!(sent.header("authorization"), Some("Bearer cloud-token-123"));
    let body = sent.json();
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["to"], "6281234567890");
    assert_eq!(body["type"], "template");
    assert_eq!(body["template"]["name"], "pesanan_siap");
    assert_eq!(body["template"]["language"]["code"], "en");
    let parameters: Vec<&str> = body["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["type"], "text");
            p["text"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        parameters,
        [
            "Bumi Manusia",
            "pusat",
            format::long_date(until, Lang::En).as_str()
        ]
    );

    // Staff see it sent, the number masked.
    let listed = hub.json(&["--config", &path, "notify", "list"]);
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    for field in [
        "id",
        "patron",
        "kind",
        "channel",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ] {
        assert!(rows[0].get(field).is_some(), "{field} in {listed}");
    }
    assert_eq!(rows[0]["kind"], "hold_ready");
    assert_eq!(rows[0]["status"], "sent");
    assert_eq!(rows[0]["channel"], "wa");
    assert_eq!(rows[0]["attempts"], 1);
    assert!(!listed.to_string().contains("34567890"), "masked: {listed}");
    let pending = hub.json(&["notify", "list", "--status", "pending"]);
    assert_eq!(pending, serde_json::json!([]));

    // Not picked up: the day before its last day, a reminder that the hold ends — only once
    // Siti turns that message on (she chose hold_ready and due_soon only).
    let eve = until.yesterday().unwrap();
    let mut remind = || {
        cycle(
            &mut sender,
            storage.as_ref(),
            &settings,
            &library,
            at(&library, eve, 9, 0),
            true,
            true,
        )
        .unwrap()
    };
    assert_eq!(remind().scheduled.unwrap().hold_expiring, 0, "turned off");
    choose(
        &mut siti,
        &[
            ("notify", "whatsapp"),
            ("phone", "0812-3456-7890"),
            ("messages", "hold_ready"),
            ("messages", "hold_expiring"),
            ("lang", "en"),
        ],
    );
    let reminded = remind();
    assert_eq!(reminded.scheduled.unwrap().hold_expiring, 1, "{reminded:?}");
    assert_eq!(reminded.pass.sent, 1);
    let requests = provider.requests();
    assert_eq!(requests.len(), 2);
    let expiring = requests[1].json();
    assert_eq!(expiring["template"]["name"], "pesanan_berakhir");
    assert_eq!(
        expiring["template"]["components"][0]["parameters"][2]["text"],
        format::long_date(until, Lang::En)
    );
}

/// The calendar: loans due in two days, one and seven days overdue — one message per patron
/// and day, only to patrons who consented (Budi gave a number, not his consent), each on the
/// channel they chose; SMS through the gateway's form, e-mail as plain text and HTML.
#[test]
fn reminders_go_to_those_who_consented_on_their_channel() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(Vec::new());
    let smtp = FakeSmtp::start();
    let (_, settings, library) = config(dir.path(), &provider.url, smtp.port, "none");
    let config_path = write(dir.path(), "serve.toml", LIBRARY);
    let (hub, kiosk) = a_library(Backend::Sqlite, dir.path(), config_path.to_str().unwrap());
    // Siti's channel becomes SMS (the gateway); the consent moves with it.
    let mut siti = Browser::new(&hub.url);
    assert_eq!(siti.sign_in("P1", "1234").status, 303);
    choose(
        &mut siti,
        &[
            ("notify", "sms"),
            ("phone", "0812-3456-7890"),
            ("messages", "due_soon"),
            ("messages", "overdue"),
        ],
    );
    let mut due = None;
    for (patron, pin, item) in [
        ("P1", "1234", "B1"),
        ("P1", "1234", "B2"),
        ("P2", "5678", "B3"),
    ] {
        let (code, lent) = kiosk.json(&[
            "circ", "checkout", "--patron", patron, "--item", item, "--pin", pin,
        ]);
        assert_eq!(code, 0, "{lent}");
        due = Some(lent["due"].as_str().unwrap().parse::<Date>().unwrap());
    }
    // Ani borrows nothing at the kiosk: her e-mail is tested with the channel alone below.
    kiosk.sync();
    let due = due.unwrap();
    let storage = swalayan_hub::storage::open(&hub.db).unwrap();
    let mut sender = Sender::new().unwrap();
    let mut on = |day: Date| {
        cycle(
            &mut sender,
            storage.as_ref(),
            &settings,
            &library,
            at(&library, day, 9, 0),
            true,
            true,
        )
        .unwrap()
    };
    let days = |n: i64| due.checked_add(jiff::Span::new().days(n)).unwrap();

    let soon = on(days(-2));
    assert_eq!(soon.scheduled.unwrap().due_soon, 1, "Siti only: {soon:?}");
    assert_eq!(soon.pass.sent, 1);
    let again = on(days(-2));
    assert_eq!(again.scheduled.unwrap().queued, 0, "once a day");
    assert_eq!(on(days(-1)).pass.sent, 0);
    assert_eq!(on(days(1)).scheduled.unwrap().overdue, 1);
    assert_eq!(on(days(3)).pass.sent, 0);
    assert_eq!(on(days(7)).scheduled.unwrap().overdue, 1);

    let requests = provider.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    for request in &requests {
        assert_eq!(request.path, "/send");
        assert_eq!(request.header("authorization"), Some("gateway-token-456"));
        assert_eq!(request.form("target").as_deref(), Some("081234567890"));
        assert_eq!(request.form("countryCode").as_deref(), Some("62"));
    }
    let reminder = requests[0].form("message").unwrap();
    assert!(
        reminder.contains("\"Laskar Pelangi\" dan \"Laskar Pelangi\"")
            && reminder.contains(&format::long_date(due, Lang::Id))
            && reminder.starts_with("Perpustakaan Tebing Tinggi:"),
        "{reminder}"
    );
    assert!(
        requests[1]
            .form("message")
            .unwrap()
            .contains("melewati batas")
    );
    let budi: Vec<Notice> = storage
        .notices(&NoticeFilter::default())
        .unwrap()
        .into_iter()
        .filter(|n| n.patron == "P2")
        .collect();
    assert!(budi.is_empty(), "no consent, nothing: {budi:?}");

    // E-mail: Ani's hold reminder as the SMTP server receives it.
    let mail = swalayan_hub::notify::produce::recipient(
        &settings,
        &storage
            .one::<swalayan_core::contract::documents::ContactDoc>("P3")
            .unwrap()
            .unwrap(),
        MessageKind::HoldExpiring,
    )
    .expect("Ani chose e-mail");
    assert_eq!(mail.channel.name, "mail");
    storage
        .queue_notices(&[Notice::new(
            "P3|hold_expiring|h1|2026-12-12".into(),
            "P3",
            MessageKind::HoldExpiring,
            "mail",
            &mail.contact,
            "id",
            vec![
                ("title".into(), "Bumi <Manusia>".into()),
                ("branch".into(), "pusat".into()),
                ("until".into(), "Sabtu, 12 Desember 2026".into()),
            ],
            Timestamp::now(),
        )])
        .unwrap();
    let pass = sender
        .pass(
            storage.as_ref(),
            &settings,
            &library,
            Timestamp::now(),
            true,
        )
        .unwrap();
    assert_eq!(pass.sent, 1, "{pass:?}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["<ani@contoh.id>"]);
    assert_eq!(mails[0].from, "<noreply@perpustakaan.example.go.id>");
    let data = &mails[0].data;
    for part in [
        "multipart/alternative",
        "text/plain",
        "text/html",
        "Subject: Perpustakaan Tebing Tinggi: Pesanan berakhir besok",
        "Bumi &lt;Manusia&gt;",
    ] {
        assert!(data.contains(part), "{part} in {data}");
    }

    // Past `keep_days` (90) after the last of them (made up to three weeks ahead), the
    // finished messages and their contacts are forgotten.
    assert_eq!(storage.notices(&NoticeFilter::default()).unwrap().len(), 4);
    let later = Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(120 * 24))
        .unwrap();
    cycle(
        &mut sender,
        storage.as_ref(),
        &settings,
        &library,
        later,
        true,
        true,
    )
    .unwrap();
    assert_eq!(storage.notices(&NoticeFilter::default()).unwrap(), []);
}

/// A message queued by hand for `patron` on the Cloud API channel (hold ready).
fn queued(storage: &dyn Storage, subject: &str, now: Timestamp) -> Notice {
    let notice = Notice::new(
        format!("P1|hold_ready|{subject}|2026-12-12"),
        "P1",
        MessageKind::HoldReady,
        "wa",
        "+6281234567890",
        "id",
        vec![
            ("title".into(), "Laskar Pelangi".into()),
            ("branch".into(), "pusat".into()),
            ("until".into(), "Sabtu, 12 Desember 2026".into()),
        ],
        now,
    );
    assert_eq!(
        storage
            .queue_notices(std::slice::from_ref(&notice))
            .unwrap(),
        1
    );
    // Queued twice, kept once.
    assert_eq!(
        storage
            .queue_notices(std::slice::from_ref(&notice))
            .unwrap(),
        0
    );
    notice
}

fn status_of(storage: &dyn Storage, id: uuid::Uuid) -> Notice {
    storage
        .notices(&NoticeFilter::default())
        .unwrap()
        .into_iter()
        .find(|n| n.id == id)
        .unwrap()
}

/// 429 waits for its `Retry-After` (capped at ten minutes), 500 is tried again with backoff,
/// 400 fails for good and staff see why, on the command line too.
#[test]
fn providers_answers_are_retried_or_failed_as_they_deserve() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(vec![
        Reply::too_many(120),
        Reply::status(500, "{\"error\":{\"message\":\"try later\"}}"),
        Reply::ok(CLOUD_OK),
        Reply::too_many(86_400),
        Reply::status(
            400,
            "{\"error\":{\"message\":\"(#131026) Message undeliverable to 6281234567890\",\"code\":131026}}",
        ),
    ]);
    let (path, settings, library) = config(dir.path(), &provider.url, 1, "none");
    let db = dir.path().join("hub.db").display().to_string();
    let storage = swalayan_hub::storage::open(&db).unwrap();
    let mut sender = Sender::new().unwrap();
    let t0 = Timestamp::now();
    let later = |s: i64| t0.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
    let mut pass = |now: Timestamp| {
        sender
            .pass(storage.as_ref(), &settings, &library, now, true)
            .unwrap()
    };

    let first = queued(storage.as_ref(), "h1", t0);
    assert_eq!(pass(t0).retrying, 1);
    let waiting = status_of(storage.as_ref(), first.id);
    assert_eq!(waiting.status, NoticeStatus::Pending);
    assert_eq!(
        waiting.next_at,
        swalayan_hub::storage::instant_text(later(120))
    );
    assert!(waiting.last_error.unwrap().contains("429"));
    assert_eq!(
        pass(later(119)).sent + pass(later(119)).retrying,
        0,
        "429 waits"
    );
    assert_eq!(pass(later(120)).retrying, 1, "then 500");
    let backoff = status_of(storage.as_ref(), first.id);
    assert_eq!(backoff.attempts, 2);
    assert_eq!(
        backoff.next_at,
        swalayan_hub::storage::instant_text(later(180))
    );
    assert_eq!(pass(later(180)).sent, 1);
    assert_eq!(
        status_of(storage.as_ref(), first.id).status,
        NoticeStatus::Sent
    );

    let second = queued(storage.as_ref(), "h2", later(200));
    assert_eq!(pass(later(200)).retrying, 1);
    assert_eq!(
        status_of(storage.as_ref(), second.id).next_at,
        swalayan_hub::storage::instant_text(later(800)),
        "a day's Retry-After waits ten minutes"
    );
    assert_eq!(pass(later(800)).failed, 1);
    let failed = status_of(storage.as_ref(), second.id);
    assert_eq!(failed.status, NoticeStatus::Failed);
    let reason = failed.last_error.unwrap();
    assert!(
        reason.contains("400") && reason.contains("undeliverable"),
        "{reason}"
    );
    assert!(!reason.contains("6281234567890"), "masked: {reason}");
    assert_eq!(provider.requests().len(), 5);

    let listed = hub_cmd(
        &db,
        &[
            "--json", "--config", &path, "notify", "list", "--status", "failed",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["status"], "failed");
    assert!(
        rows[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("undeliverable")
    );
}

/// At most once: `notify run` killed while the provider holds its call leaves the message
/// `sending`; a restarted run does not send it again, and once its sender is surely gone it
/// is shown as `unknown` (it may or may not have arrived).
#[test]
fn a_sender_killed_mid_call_never_sends_twice() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(vec![Reply::Hang]);
    let (path, settings, library) = config(dir.path(), &provider.url, 1, "none");
    let db = dir.path().join("hub.db").display().to_string();
    let storage = swalayan_hub::storage::open(&db).unwrap();
    let notice = queued(storage.as_ref(), "h1", Timestamp::now());

    let mut child = Command::new(crate::support::hub_bin())
        .args(["--db", &db, "--config", &path, "notify", "run", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        provider.wait_for_request(Duration::from_secs(60)),
        "the sender called the provider"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        status_of(storage.as_ref(), notice.id).status,
        NoticeStatus::Sending
    );

    let again = hub_cmd(
        &db,
        &["--json", "--config", &path, "notify", "run", "--once"],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(provider.requests().len(), 1, "not sent twice");
    let later = Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(3))
        .unwrap();
    let pass = Sender::new()
        .unwrap()
        .pass(storage.as_ref(), &settings, &library, later, true)
        .unwrap();
    assert_eq!((pass.unknown, pass.sent), (1, 0));
    let unknown = status_of(storage.as_ref(), notice.id);
    assert_eq!(unknown.status, NoticeStatus::Unknown);
    assert!(unknown.last_error.unwrap().contains("may or may not"));
    assert_eq!(provider.requests().len(), 1);
}

/// `serve` with channels tells a hold set aside at a kiosk on its own, outside quiet hours.
#[test]
fn serve_tells_a_ready_hold_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(Vec::new());
    let (path, _, _) = config(dir.path(), &provider.url, 1, "none");
    let (hub, kiosk) = a_library(Backend::Sqlite, dir.path(), &path);
    a_ready_hold_for(&hub, &kiosk, ("P1", "1234"));
    assert!(
        provider.wait_for_request(Duration::from_secs(60)),
        "serve sent it"
    );
    let sent = provider.requests();
    assert_eq!(sent[0].json()["template"]["name"], "pesanan_siap");
    assert_eq!(sent[0].json()["template"]["language"]["code"], "id");
}

/// `notify test` sends a sample through a channel now; a provider's refusal exits 3 with
/// its reason, and a contact that is no number is refused before any call.
#[test]
fn notify_test_sends_a_sample_through_a_channel() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(vec![
        Reply::ok(r#"{"status":true}"#),
        Reply::ok(r#"{"status":false,"reason":"invalid token"}"#),
    ]);
    let (path, _, _) = config(dir.path(), &provider.url, 1, "21:00-07:00");
    let db = dir.path().join("hub.db").display().to_string();
    let test = |to: &str| {
        hub_cmd(
            &db,
            &[
                "--json",
                "--config",
                &path,
                "notify",
                "test",
                "--channel",
                "sms",
                "--to",
                to,
            ],
        )
    };
    let ok = test("0812 3456 7890");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let said: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(said["sent"], true);
    assert_eq!(said["to"], "+62 812-****-7890");
    assert_eq!(
        provider.requests()[0].form("target").as_deref(),
        Some("081234567890")
    );
    assert!(
        provider.requests()[0]
            .form("message")
            .unwrap()
            .contains("Pesan uji")
    );
    let refused = test("0812 3456 7890");
    assert_eq!(refused.status.code(), Some(3));
    let said: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(said["error"], "invalid token");
    let bad = test("12");
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(provider.requests().len(), 2);
}

/// Events: the day before, everyone holding a place is reminded; when a place frees, the
/// first on the waiting list takes it and is told at once (the event still to come).
#[test]
fn events_remind_the_day_before_and_a_freed_place_is_told() {
    use swalayan_hub::events::{NewEvent, Registrant, cancel, register};
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(Vec::new());
    let (_, mut settings, library) = config(dir.path(), &provider.url, 1, "none");
    // The Cloud API channel carries event messages too.
    if let swalayan_hub::notify::ChannelKind::WhatsappCloud { templates, .. } =
        &mut settings.channels[0].kind
    {
        for (kind, name) in [
            (MessageKind::EventReminder, "acara_besok"),
            (MessageKind::WaitlistPlace, "tempat_tersedia"),
        ] {
            templates.insert(
                kind,
                swalayan_hub::notify::settings::Template {
                    name: name.into(),
                    languages: vec!["id".into(), "en".into()],
                },
            );
        }
    }
    let db = dir.path().join("hub.db").display().to_string();
    let patrons = write(dir.path(), "patrons.csv", PATRONS);
    assert!(
        hub_cmd(&db, &["import", "patrons", patrons.to_str().unwrap()])
            .status
            .success()
    );
    let storage = swalayan_hub::storage::open(&db).unwrap();
    let day = today(&library)
        .checked_add(jiff::Span::new().days(3))
        .unwrap();
    let id = swalayan_hub::events::add(
        storage.as_ref(),
        &NewEvent {
            title: "Kelas menulis anak".into(),
            title_en: Some("Children's writing class".into()),
            starts: day.at(9, 0, 0, 0),
            ends: day.at(11, 30, 0, 0),
            place: Some("Ruang anak".into()),
            capacity: Some(1),
            ..NewEvent::default()
        },
    )
    .unwrap();
    let now = Timestamp::now();
    let local = now.to_zoned_datetime(library.timezone.clone()).datetime();
    // Ani (e-mail) holds the one place; Siti (WhatsApp) waits.
    for card in ["P3", "P1"] {
        register(
            storage.as_ref(),
            &id,
            &Registrant::Member { card: card.into() },
            now,
            local,
            2,
        )
        .unwrap()
        .unwrap();
    }
    let mut sender = Sender::new().unwrap();
    let mut run = |at: Timestamp, calendar: bool| {
        cycle(
            &mut sender,
            storage.as_ref(),
            &settings,
            &library,
            at,
            calendar,
            true,
        )
        .unwrap()
    };
    assert_eq!(run(now, true).pass.sent, 0, "nothing yet");
    assert!(cancel(storage.as_ref(), &id, "P3").unwrap());
    let freed = run(now, false);
    assert_eq!((freed.happened, freed.pass.sent), (1, 1), "{freed:?}");
    let told = &provider.requests()[0].json();
    assert_eq!(told["template"]["name"], "tempat_tersedia");
    let values: Vec<&str> = told["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        [
            "Kelas menulis anak",
            format!("{}, 09.00", format::long_date(day, Lang::Id)).as_str(),
            "Ruang anak"
        ]
    );
    // The day before, Siti (now holding the place) is reminded once.
    let eve = at(&library, day.yesterday().unwrap(), 10, 0);
    let reminded = run(eve, true);
    assert_eq!(
        reminded.scheduled.unwrap().event_reminder,
        1,
        "{reminded:?}"
    );
    assert_eq!(run(eve, true).pass.sent, 0);
    let requests = provider.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].json()["template"]["name"], "acara_besok");
}

/// A kiosk visit's receipt on WhatsApp: Siti signs in at a kiosk (the kiosk asks the hub,
/// with her PIN, where a receipt could go: her WhatsApp, masked), borrows, taps "Kirim ke
/// WhatsApp"; the kiosk's sync carries the request and `serve` sends the receipt template
/// with the visit's lines. Budi, who gave no consent, is offered nothing; a wrong PIN is
/// refused.
#[test]
fn a_kiosk_visit_s_receipt_goes_to_the_patron_s_whatsapp() {
    use swalayan::circulation::desk::{Desk, DeskSettings};
    use swalayan::station::kiosk::{Command, Kiosk, KioskSettings, Screen};
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(Vec::new());
    let (path, _, library) = config(dir.path(), &provider.url, 1, "none");
    let (hub, kiosk_cli) = a_library(Backend::Sqlite, dir.path(), &path);
    let station: toml::Value =
        toml::from_str(&std::fs::read_to_string(&kiosk_cli.config).unwrap()).unwrap();
    let token = station["central"]["token"].as_str().unwrap().to_string();

    // The hub's answer, as the kiosk gets it: masked, and only with the right PIN.
    let ask = |card: &str, pin: &str| {
        crate::support::runtime().block_on(async {
            let response = crate::support::client()
                .get(format!("{}/v1/patron/contact", hub.url))
                .bearer_auth(&token)
                .header("X-Patron-Card", card)
                .header("X-Patron-Pin", pin)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    };
    let (status, siti) = ask("P1", "1234");
    assert_eq!(status, 200, "{siti}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&siti).unwrap(),
        serde_json::json!({"channel": "whatsapp", "to": "+62 812-****-7890", "receipt": true})
    );
    let (_, budi) = ask("P2", "5678");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&budi).unwrap(),
        serde_json::json!({"channel": "none", "receipt": false})
    );
    assert_eq!(ask("P1", "9999").0, 403, "a wrong PIN learns nothing");

    // The kiosk, on the store its sync keeps, asking the real hub.
    let desk = Desk::new(
        swalayan::store::Store::open(&kiosk_cli.db).unwrap(),
        DeskSettings {
            station_id: "kiosk-1".into(),
            branch: "pusat".into(),
            time_zone: library.timezone.clone(),
        },
        Box::new(swalayan::clock::SystemClock),
    );
    let lookup = swalayan::sync::contact::HubContact::new(&swalayan::config::CentralSettings {
        kind: "hub".into(),
        url: hub.url.clone(),
        token: token.clone(),
        ca_pem: None,
    })
    .unwrap();
    let mut kiosk = Kiosk::new(desk, KioskSettings::default(), None, None)
        .with_contact_lookup(Box::new(lookup));
    let at = |s: u64| Duration::from_secs(s);
    for (n, command) in [
        Command::StartBorrow,
        Command::Card("P1".into()),
        Command::Pin("1234".into()),
        Command::Code("B1".into()),
        Command::Finish,
    ]
    .into_iter()
    .enumerate()
    {
        kiosk.handle(command, at(n as u64)).unwrap();
    }
    assert_eq!(kiosk.view().screen, Screen::Receipt);
    let offered = kiosk.view().receipt_channel.clone().expect("offered");
    assert_eq!(
        (offered.channel.as_str(), offered.to.as_str()),
        ("whatsapp", "+62 812-****-7890")
    );
    kiosk.handle(Command::SendReceipt, at(10)).unwrap();
    drop(kiosk);
    kiosk_cli.sync();

    assert!(
        provider.wait_for_request(Duration::from_secs(60)),
        "serve sent the receipt"
    );
    let sent = provider.requests()[0].json();
    assert_eq!(sent["to"], "6281234567890");
    assert_eq!(sent["template"]["name"], "struk_kunjungan");
    let values: Vec<&str> = sent["template"]["components"][0]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(values.len(), 2, "{sent}");
    assert!(
        values[0].starts_with(&format::long_date(today(&library), Lang::Id)),
        "{values:?}"
    );
    assert!(
        values[1].contains("Laskar Pelangi (B1)") && !values[1].contains('\n'),
        "{values:?}"
    );
}

on_both_backends!(two_senders_on_one_database_send_each_message_once);

/// Two hub processes on one database (two storages, two senders, at once) share the outbox:
/// every message goes exactly once, none twice, none lost.
fn two_senders_on_one_database_send_each_message_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(Vec::new());
    let (_, settings, library) = config(dir.path(), &provider.url, 1, "none");
    let db = backend.database(dir.path());
    let first = swalayan_hub::storage::open(&db).unwrap();
    let second = swalayan_hub::storage::open(&db).unwrap();
    let now = Timestamp::now();
    for n in 0..20 {
        queued(first.as_ref(), &format!("h{n}"), now);
    }
    let (settings, library) = (&settings, &library);
    let sent: Vec<usize> = std::thread::scope(|scope| {
        [first.clone(), second.clone()]
            .map(|storage| {
                scope.spawn(move || {
                    Sender::new()
                        .unwrap()
                        .pass(storage.as_ref(), settings, library, now, true)
                        .unwrap()
                        .sent
                })
            })
            .map(|sender| sender.join().unwrap())
            .to_vec()
    });
    assert_eq!(sent.iter().sum::<usize>(), 20, "{sent:?}");
    let requests = provider.requests();
    assert_eq!(requests.len(), 20);
    let notices = first.notices(&NoticeFilter::default()).unwrap();
    assert_eq!(notices.len(), 20);
    assert!(
        notices
            .iter()
            .all(|n| n.status == NoticeStatus::Sent && n.attempts == 1)
    );
}

/// E-mail over STARTTLS to a mail server with its own certificate (`ca_file`): the message
/// goes only inside TLS; without the certificate the server is not trusted, nothing is sent
/// and the message waits to be tried again.
#[test]
fn e_mail_goes_over_starttls_to_a_server_trusted_by_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    write(dir.path(), "mail.pem", &cert.pem());
    let tls = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let smtp = FakeSmtp::start_tls(std::sync::Arc::new(tls));
    let settings = |ca: &str| {
        let file: swalayan_hub::notify::settings::NotifyFile = toml::from_str(&format!(
            "quiet_hours = \"none\"\n[[channel]]\nname = \"mail\"\nkind = \"smtp\"\n\
             host = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\n{ca}\n\
             from = \"Perpustakaan <noreply@perpustakaan.example.go.id>\"\n",
            smtp.port
        ))
        .unwrap();
        NotifySettings::from_file(file, dir.path()).unwrap()
    };
    let library = Library::default();
    let storage = swalayan_hub::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
    let now = Timestamp::now();
    let mail = |subject: &str| {
        Notice::new(
            format!("P3|hold_ready|{subject}|2026-12-12"),
            "P3",
            MessageKind::HoldReady,
            "mail",
            "ani@contoh.id",
            "id",
            vec![
                ("title".into(), "Bumi Manusia".into()),
                ("branch".into(), "pusat".into()),
                ("until".into(), "Sabtu, 12 Desember 2026".into()),
            ],
            now,
        )
    };
    storage.queue_notices(&[mail("h1")]).unwrap();
    let untrusted = Sender::new()
        .unwrap()
        .pass(storage.as_ref(), &settings(""), &library, now, true)
        .unwrap();
    assert_eq!(
        (untrusted.sent, untrusted.retrying),
        (0, 1),
        "{untrusted:?}"
    );
    assert!(
        smtp.mails().is_empty(),
        "nothing said to an untrusted server"
    );

    storage.queue_notices(&[mail("h2")]).unwrap();
    let trusted = Sender::new()
        .unwrap()
        .pass(
            storage.as_ref(),
            &settings("ca_file = \"mail.pem\""),
            &library,
            now,
            true,
        )
        .unwrap();
    assert_eq!(trusted.sent, 1, "{trusted:?}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].over_tls, "the message went inside TLS");
    assert!(mails[0].data.contains("Bumi Manusia"));
}

/// A provider's "slow down" (429 with `Retry-After`) rests the whole channel: the messages
/// behind the refused one wait too, instead of each meeting the same refusal.
#[test]
fn a_slow_down_rests_the_channel_until_the_time_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let provider = FakeProvider::start(vec![Reply::too_many(60)]);
    let (_, settings, library) = config(dir.path(), &provider.url, 1, "none");
    let storage = swalayan_hub::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
    let t0 = Timestamp::now();
    let later = |s: i64| t0.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
    queued(storage.as_ref(), "h1", t0);
    queued(storage.as_ref(), "h2", t0);
    let mut sender = Sender::new().unwrap();
    let mut pass = |now: Timestamp| {
        sender
            .pass(storage.as_ref(), &settings, &library, now, true)
            .unwrap()
    };
    assert_eq!(pass(t0).retrying, 1);
    assert_eq!(
        provider.requests().len(),
        1,
        "the second waits with the first"
    );
    assert_eq!(pass(later(30)).sent, 0);
    assert_eq!(provider.requests().len(), 1, "the channel rests");
    assert_eq!(pass(later(60)).sent, 2);
    assert_eq!(provider.requests().len(), 3);
}
