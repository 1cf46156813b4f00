//! Members' joining dates and kelurahan (issue #32, the year's numbers): from the patrons'
//! CSV, kept by later files without the columns, counted as the month's new members, and
//! never served to a station.

use crate::roles::pull_all;
use crate::support::{Backend, on_both_backends, start_hub, write};

on_both_backends!(joining_dates_count_new_members_and_stay_at_the_hub);

fn joining_dates_count_new_members_and_stay_at_the_hub(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let first = write(
        dir.path(),
        "patrons.csv",
        "card,name,category,expires,pin,blocked,fines,joined,kelurahan\n\
         P1,Siti Aminah,adult,2030-01-31,1234,false,0,2026-03-14,Bandar Utama\n\
         P2,Budi Santoso,adult,2030-01-31,5678,false,0,2026-03-02,\n\
         P3,Rina Marpaung,adult,2030-01-31,2468,false,0,2025-12-30,Tebing Tinggi Lama\n\
         P4,Andi,adult,2030-01-31,1357,false,0,,\n",
    );
    let imported = hub.json(&["import", "patrons", first.to_str().unwrap()]);
    assert_eq!(imported["inserted"], 4, "{imported}");
    // A later file without the columns forgets nothing.
    let later = write(
        dir.path(),
        "later.csv",
        "card,name,category,expires,pin,blocked,fines\n\
         P1,Siti Aminah,adult,2031-01-31,1234,false,0\n",
    );
    hub.json(&["import", "patrons", later.to_str().unwrap()]);
    // A date that is none refuses its row, with the line.
    let bad = write(
        dir.path(),
        "bad.csv",
        "card,name,category,expires,pin,blocked,fines,joined\n\
         P9,Nobody,adult,2030-01-31,1111,false,0,14/03/2026\n",
    );
    let refused = hub.cmd(&["--json", "import", "patrons", bad.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&refused.stdout).to_string()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(text.contains("joined '14/03/2026' is not a date"), "{text}");

    let monthly = hub.json(&[
        "report",
        "monthly",
        "--from",
        "2025-12-01",
        "--to",
        "2026-03-31",
    ]);
    let new: Vec<(String, i64)> = monthly["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["month"].as_str().unwrap().to_string(),
                r["new_members"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        new,
        [
            ("2025-12".to_string(), 1),
            ("2026-01".to_string(), 0),
            ("2026-02".to_string(), 0),
            ("2026-03".to_string(), 2)
        ],
        "P4 has no date: never new; P1 kept its date through the later file"
    );

    // A kiosk gets what circulation needs, never when someone joined or where they live.
    let token = hub.add_station("kiosk-1");
    let pulled = pull_all(&hub, &token);
    let siti = pulled
        .iter()
        .find(|(kind, key, _)| kind == "patron" && key == "P1")
        .map(|(_, _, body)| body.clone())
        .unwrap();
    assert_eq!(siti["name"], "Siti Aminah");
    assert!(
        siti.get("joined").is_none() && siti.get("kelurahan").is_none(),
        "{siti}"
    );
}
