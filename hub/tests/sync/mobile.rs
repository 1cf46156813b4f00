//! The mobile library's routes (issue #32) from a real hub: `route add|list|remove` with its
//! refusals, the public "Perpustakaan Keliling" page in both languages (today's stops still
//! to come, this week's, each kelurahan's next visit; nothing of a patron), and a route's
//! iCalendar read by PyPI's icalendar (a weekly RRULE per stop, the library's VTIMEZONE).

use crate::support::{Backend, on_both_backends, start_hub_on, write};
use crate::web::get;

on_both_backends!(routes_are_kept_and_shown_without_personal_data);

const ICALENDAR: &str = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
zones = [str(z.get('TZID')) for z in cal.walk('VTIMEZONE')]
events = []
for e in cal.walk('VEVENT'):
    start = e.decoded('DTSTART')
    rule = e.get('RRULE')
    events.append({"summary": str(e.get('SUMMARY')), "uid": str(e.get('UID')),
                   "location": str(e.get('LOCATION')), "weekday": start.strftime('%A').lower(),
                   "start": start.strftime('%H:%M'), "utcoffset": start.utcoffset().total_seconds(),
                   "freq": [str(f) for f in rule.get('FREQ')], "byday": [str(d) for d in rule.get('BYDAY')]})
print(json.dumps({"zones": zones, "events": events}))
"#;

fn routes_are_kept_and_shown_without_personal_data(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hub.toml",
        "[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\ntimezone = \"Asia/Jakarta\"\npublic_url = \"https://perpustakaan.example.go.id\"\n",
    );
    let hub = start_hub_on(
        &backend.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    let day = |d: jiff::civil::Date| format!("{:?}", d.weekday()).to_lowercase();
    let tomorrow = today.tomorrow().unwrap();
    // Two routes; one stop today lasting till midnight (still to come whatever the hour).
    let add = |route: &str, stop: &str, kelurahan: &str, on: &str, start: &str, end: &str| {
        hub.add_stop(
            [route, stop, kelurahan, on, start, end],
            &["--vehicle", "Bus 1"],
        )
    };
    let first = add(
        "Rute Utara",
        "SD Negeri 163",
        "Bandar Utama",
        &day(today),
        "00:00",
        "23:59",
    );
    assert_eq!(first["day"], day(today));
    assert_eq!(first["start"], "00:00");
    add(
        "Rute Utara",
        "Pasar Lama",
        "Tebing Tinggi Lama",
        &day(tomorrow),
        "09:00",
        "11:00",
    );
    let selatan = add(
        "Rute Selatan",
        "Masjid Raya",
        "Rambung",
        "senin",
        "13:00",
        "15:00",
    );
    assert_eq!(selatan["day"], "monday");
    // Refusals: exit 2 with what to fix.
    let bad_day = hub.cmd(&[
        "route",
        "add",
        "--route",
        "R",
        "--stop",
        "S",
        "--kelurahan",
        "K",
        "--place",
        "P",
        "--day",
        "someday",
        "--start",
        "09:00",
        "--end",
        "10:00",
    ]);
    assert_eq!(bad_day.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_day.stderr).contains("not a day of the week"));
    let backwards = hub.cmd(&[
        "route",
        "add",
        "--route",
        "R",
        "--stop",
        "S",
        "--kelurahan",
        "K",
        "--place",
        "P",
        "--day",
        "mon",
        "--start",
        "10:00",
        "--end",
        "09:00",
    ]);
    assert_eq!(backwards.status.code(), Some(2));
    let listed = hub.json(&["route", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    assert_eq!(
        listed[0]["route"], "Rute Selatan",
        "by route, then day: {listed}"
    );

    // The public page, both languages.
    let page = get(&format!("{}/mobile-library", hub.url), None);
    assert_eq!(page.status, 200);
    for expected in [
        "Perpustakaan Keliling",
        "Hari ini",
        "SD Negeri 163",
        "Bandar Utama",
        "Rambung",
        "Kunjungan berikutnya per kelurahan",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    let today_part = page.body.split("id=\"week\"").next().unwrap();
    assert!(
        today_part.contains("SD Negeri 163"),
        "today's stop is still to come"
    );
    let english = get(&format!("{}/mobile-library?lang=en", hub.url), None);
    assert!(
        english.body.contains("Mobile library") && english.body.contains("Next visit by kelurahan")
    );
    // The footer of every page links it.
    assert!(
        get(&format!("{}/", hub.url), None)
            .body
            .contains("/mobile-library")
    );

    // A route's calendar.
    let ics = get(
        &format!("{}/mobile-library/Rute%20Utara.ics", hub.url),
        None,
    );
    assert_eq!(ics.status, 200);
    let saved = write(dir.path(), "utara.ics", &ics.body);
    let read = crate::feeds::python(ICALENDAR, &saved);
    assert_eq!(read["zones"], serde_json::json!(["Asia/Jakarta"]));
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{read}");
    let pasar = events
        .iter()
        .find(|e| e["summary"].as_str().unwrap().contains("Pasar Lama"))
        .unwrap();
    assert_eq!(pasar["weekday"], day(tomorrow));
    assert_eq!(
        (pasar["start"].as_str(), pasar["utcoffset"].as_f64()),
        (Some("09:00"), Some(25200.0))
    );
    assert_eq!(pasar["freq"], serde_json::json!(["WEEKLY"]));
    assert_eq!(
        pasar["byday"][0].as_str().unwrap(),
        &day(tomorrow)[..2].to_uppercase()
    );
    assert!(
        pasar["location"]
            .as_str()
            .unwrap()
            .contains("Tebing Tinggi Lama")
    );
    assert_eq!(
        get(&format!("{}/mobile-library/Nowhere.ics", hub.url), None).status,
        404
    );

    // Staff's page: a stop added (a mistake comes back with the sentence), the schedule as
    // CSV and as a workbook (openpyxl reads the CSV's cells).
    let mut staff = crate::staff::signed_in(&hub, "rina", "librarian");
    let listed_page = staff.get("/staff/routes");
    assert!(
        listed_page.body.contains("Masjid Raya"),
        "{}",
        listed_page.body
    );
    let csrf = staff.csrf();
    let form = |start: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("route", "Rute Selatan".to_string()),
            ("stop", "Lapangan Merdeka".to_string()),
            ("place", "pinggir lapangan".to_string()),
            ("kelurahan", "Satria".to_string()),
            ("day", "saturday".to_string()),
            ("start", start.to_string()),
            ("end", "10:00".to_string()),
            ("vehicle", "Motor 2".to_string()),
        ]
    };
    let wrong = form("11:00");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = staff.post("/staff/routes", &wrong);
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("before it starts"),
        "{}",
        refused.body
    );
    let right = form("08:00");
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(staff.post("/staff/routes", &right).status, 303);
    assert_eq!(hub.json(&["route", "list"]).as_array().unwrap().len(), 4);
    let csv = staff.get("/staff/routes?format=csv").body;
    assert!(
        csv.starts_with("route,day,start,end,stop,place,kelurahan,vehicle"),
        "{csv}"
    );
    let book = staff.fetch("/staff/routes?format=xlsx", &[]);
    let saved_book = dir.path().join("routes.xlsx");
    std::fs::write(&saved_book, &book.bytes).unwrap();
    let sheets = crate::feeds::python(crate::staff::OPENPYXL, &saved_book);
    crate::staff::workbook_is_csv(&sheets, &csv);

    // Removing a stop.
    let id = first["id"].as_str().unwrap();
    hub.json(&["route", "remove", id]);
    assert_eq!(hub.json(&["route", "list"]).as_array().unwrap().len(), 3);
    assert_eq!(hub.cmd(&["route", "remove", id]).status.code(), Some(2));
    let page = get(&format!("{}/mobile-library", hub.url), None);
    assert!(!page.body.contains("SD Negeri 163"));
}
