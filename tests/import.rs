use crate::support::{Station, fixture};
use serde_json::Value;

#[test]
fn patrons_csv_hashes_pins_and_reports_bad_rows_with_file_and_line() {
    let s = Station::new();
    let csv = s.file(
        "patrons.csv",
        "card,name,category,expires,pin,blocked,fines,extra\n\
         P1,Siti,adult,2030-01-31,2468,false,0,x\n\
         P2,Budi,pensioner,2030-01-31,,false,0,x\n\
         P3,Ayu,child,31/01/2030,,false,0,x\n\
         P4,Rina,staff,2030-01-31,,maybe,0,x\n\
         P5,Dewi,adult,2030-01-31,,true,12.50,x\n",
    );
    let (code, v) = s.json(&["import", "patrons", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "a file read to its end exits 0: {v}");
    assert_eq!(
        (
            v["records"].as_u64(),
            v["imported"].as_u64(),
            v["skipped"].as_u64()
        ),
        (Some(5), Some(2), Some(3))
    );
    let errors = v["errors"].as_array().unwrap();
    assert!(
        errors[0]["at"].as_str().unwrap().ends_with("patrons.csv:3"),
        "{v}"
    );
    assert!(errors[0]["reason"].as_str().unwrap().contains("pensioner"));
    assert!(errors[1]["at"].as_str().unwrap().ends_with("patrons.csv:4"));
    // The PIN is stored hashed, never in clear.
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let hash: String = conn
        .query_row("SELECT pin_hash FROM patrons WHERE card = 'P1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("2468"));
    let (_, p5) = s.json(&["patron", "show", "P5"]);
    assert_eq!(
        (p5["blocked"].as_bool(), p5["fines"].as_f64()),
        (Some(true), Some(12.5))
    );
}

#[test]
fn items_csv_then_checkout_with_the_imported_pin() {
    let s = Station::new();
    let patrons = s.file(
        "p.csv",
        "card,name,category,expires,pin,blocked,fines\nP1,Siti,adult,2030-01-31,2468,false,0\n",
    );
    let items = s.file(
        "i.csv",
        "barcode,title,author,isbn,item_type,status,call_number,parts\n\
         B1,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1\n\
         B2,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,lost,899.221 HIR l,\n\
         B3,Kamus,Badan Bahasa,,reference,available,R 499,\n\
         B4,Bad,X,,book,borrowed,,\n\
         B5,Bad,X,,comic,available,,\n",
    );
    s.run(&["import", "patrons", patrons.to_str().unwrap()]);
    let (code, v) = s.json(&["import", "items", items.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        (
            v["imported"].as_u64(),
            v["skipped"].as_u64(),
            v["items"].as_u64()
        ),
        (Some(3), Some(2), Some(3)),
        "{v}"
    );
    let (_, b1) = s.json(&["item", "show", "B1"]);
    let (_, b2) = s.json(&["item", "show", "B2"]);
    assert_eq!(b1["title_id"], b2["title_id"], "same ISBN, same title");
    assert_eq!(b2["status"], "lost");
    let (code, v) = s.json(&[
        "circ", "checkout", "--patron", "P1", "--item", "B1", "--pin", "2468",
    ]);
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{v}");
}

#[test]
fn csv_without_required_columns_is_a_usage_error() {
    let s = Station::new();
    let csv = s.file("p.csv", "card,name\nP1,Siti\n");
    let out = s.run(&["import", "patrons", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("category"));
    let out = s.run(&["import", "patrons", "/no/such/file.csv"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn marc_files_import_by_content_and_reimport_is_an_upsert() {
    let s = Station::new();
    let loc = fixture("marc/loc-programming-20.mrc");
    let (code, v) = s.json(&["import", "marc", loc.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        (
            v["records"].as_u64(),
            v["imported"].as_u64(),
            v["skipped"].as_u64(),
            v["items"].as_u64()
        ),
        (Some(20), Some(20), Some(0), Some(0)),
        "{v}"
    );
    // MARCXML under a misleading name.
    let xml = s.dir.path().join("export.dat");
    std::fs::copy(fixture("marc/batch-2.marcxml"), &xml).unwrap();
    let (code, v) = s.json(&["import", "marc", xml.to_str().unwrap()]);
    assert_eq!(
        (code, v["records"].as_u64(), v["imported"].as_u64()),
        (0, Some(2), Some(2)),
        "{v}"
    );
    let (_, titles) = s.json(&["catalog", "search", "ray", "charles"]);
    assert_eq!(titles.as_array().unwrap().len(), 1);
    // Again: no duplicates.
    let (_, v) = s.json(&["import", "marc", loc.to_str().unwrap()]);
    assert_eq!(
        (v["inserted"].as_u64(), v["unchanged"].as_u64()),
        (Some(0), Some(20)),
        "{v}"
    );
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM titles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 22);
}

/// The search index is written beside each title (no trigger since migration 7, for import
/// speed): after a MARC import, a CSV import and a re-import that renames a title, FTS5's own
/// integrity check passes and every title is found by a word of its own (issue #15).
#[test]
fn the_search_index_matches_the_titles_after_imports_and_updates() {
    let s = Station::new();
    let loc = fixture("marc/loc-programming-20.mrc");
    let (code, _) = s.json(&["import", "marc", loc.to_str().unwrap()]);
    assert_eq!(code, 0);
    let csv = s.dir.path().join("items.csv");
    std::fs::write(
        &csv,
        "barcode,title,author,isbn,item_type\nB1,Laskar Pelangi,Andrea Hirata,9789793062792,book\n",
    )
    .unwrap();
    assert_eq!(s.json(&["import", "items", csv.to_str().unwrap()]).0, 0);
    std::fs::write(
        &csv,
        "barcode,title,author,isbn,item_type\nB1,Sang Pemimpi,Andrea Hirata,9789793062792,book\n",
    )
    .unwrap();
    assert_eq!(s.json(&["import", "items", csv.to_str().unwrap()]).0, 0);
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    conn.execute(
        "INSERT INTO titles_fts(titles_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the search index matches the titles");
    let titles: Vec<String> = conn
        .prepare("SELECT title FROM titles")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(titles.len(), 21);
    for title in &titles {
        let word: String = title
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| w.chars().count() > 3)
            .unwrap_or(title)
            .to_string();
        let (_, hits) = s.json(&["catalog", "search", &word]);
        assert!(
            hits.to_string().contains(title.as_str()),
            "{word} did not find {title}: {hits}"
        );
    }
    let (_, old) = s.json(&["catalog", "search", "laskar"]);
    assert_eq!(
        old.as_array().map(Vec::len),
        Some(0),
        "the renamed title's old words are gone"
    );
}

/// Padding after the last record (terminators, NULs, a DOS end-of-file byte, line breaks) is
/// neither a record nor an error (issue #15: 20 records used to count as 22 with 2 errors).
#[test]
fn padding_after_the_last_marc_record_is_not_a_record() {
    let s = Station::new();
    let mut bytes = std::fs::read(fixture("marc/loc-programming-20.mrc")).unwrap();
    bytes.extend_from_slice(b"\x1d\x1d\x1d\x00\r\n\x1a");
    let padded = s.dir.path().join("padded.mrc");
    std::fs::write(&padded, bytes).unwrap();
    let (code, v) = s.json(&["import", "marc", padded.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (
            v["records"].as_u64(),
            v["imported"].as_u64(),
            v["skipped"].as_u64(),
            v["errors"].as_array().map(Vec::len)
        ),
        (Some(20), Some(20), Some(0), Some(0)),
        "{v}"
    );
}

#[test]
fn broken_marc_records_are_skipped_with_reasons_and_the_file_still_exits_0() {
    let s = Station::new();
    let broken = fixture("marc/broken-records.mrc");
    let (code, v) = s.json(&["import", "marc", broken.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    let (records, imported, skipped) = (
        v["records"].as_u64().unwrap(),
        v["imported"].as_u64().unwrap(),
        v["skipped"].as_u64().unwrap(),
    );
    assert_eq!(records, 8, "8 terminators; trailing bytes are not a record");
    assert_eq!(imported + skipped, records);
    assert!(skipped >= 1 && imported >= 1, "{v}");
    for e in v["errors"].as_array().unwrap() {
        assert!(e["at"].as_str().unwrap().contains("broken-records.mrc#"));
        assert!(!e["reason"].as_str().unwrap().is_empty());
    }
    let (code, v) = s.json(&[
        "import",
        "marc",
        fixture("marc/utf8-invalid.mrc").to_str().unwrap(),
    ]);
    assert_eq!((code, v["records"].as_u64()), (0, Some(1)), "{v}");
}

/// An ISO 2709 record from (tag, field bytes); leader position 9 as given.
fn iso2709(coding: u8, fields: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut leader = *b"00000nam a2200000   4500";
    leader[9] = coding;
    let fields: Vec<([u8; 3], Vec<u8>)> = fields
        .iter()
        .map(|(tag, bytes)| {
            let mut field = bytes.clone();
            field.push(0x1E);
            (tag.as_bytes().try_into().unwrap(), field)
        })
        .collect();
    swalayan::import::marc::assemble_iso2709(&leader, &fields)
}

fn sub(ind: &str, parts: &[(char, &[u8])]) -> Vec<u8> {
    let mut out = ind.as_bytes().to_vec();
    for (code, value) in parts {
        out.push(0x1F);
        out.push(*code as u8);
        out.extend_from_slice(value);
    }
    out
}

#[test]
fn koha_holdings_become_items_and_marc8_diacritics_decode() {
    let s = Station::new();
    let mut file = Vec::new();
    file.extend(iso2709(
        b'a',
        &[
            ("001", b"bib-1".to_vec()),
            ("020", sub("  ", &[('a', b"9789793062792 (pbk.)")])),
            ("100", sub("1 ", &[('a', b"Hirata, Andrea.")])),
            (
                "245",
                sub(
                    "10",
                    &[('a', b"Laskar pelangi /"), ('c', b"Andrea Hirata.")],
                ),
            ),
            (
                "952",
                sub(
                    "  ",
                    &[
                        ('a', b"pusat"),
                        ('p', b"K0001"),
                        ('o', b"899.221 HIR l"),
                        ('y', b"BOOK"),
                    ],
                ),
            ),
            (
                "952",
                sub("  ", &[('a', b"cabang"), ('p', b"K0002"), ('1', b"1")]),
            ),
        ],
    ));
    file.push(b'\n'); // some exports put line breaks between records
    // MARC-8: 0xE2 is a combining acute accent before its base letter.
    file.extend(iso2709(
        b' ',
        &[
            ("001", b"bib-2".to_vec()),
            ("245", sub("10", &[('a', b"Caf\xE2e society")])),
        ],
    ));
    // A record without holdings, then bytes after the last terminator.
    file.extend(iso2709(
        b'a',
        &[
            ("001", b"bib-3".to_vec()),
            ("245", sub("00", &[('a', b"Tanpa eksemplar")])),
        ],
    ));
    file.extend_from_slice(b"\r\n\x00garbage-after-the-end");
    let path = s.dir.path().join("koha.mrc");
    std::fs::write(&path, file).unwrap();
    let (code, v) = s.json(&[
        "import",
        "marc",
        path.to_str().unwrap(),
        "--item-barcode",
        "952p",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        (
            v["records"].as_u64(),
            v["imported"].as_u64(),
            v["items"].as_u64()
        ),
        (Some(3), Some(3), Some(2)),
        "{v}"
    );
    let (_, k1) = s.json(&["item", "show", "K0001"]);
    assert_eq!(
        (k1["title"].as_str(), k1["status"].as_str()),
        (Some("Laskar pelangi"), Some("available"))
    );
    assert_eq!(k1["author"], "Hirata, Andrea");
    assert_eq!(k1["isbn"], "9789793062792");
    assert_eq!(k1["call_number"], "899.221 HIR l");
    let (_, k2) = s.json(&["item", "show", "K0002"]);
    assert_eq!(
        (k2["status"].as_str(), k2["home_branch"].as_str()),
        (Some("lost"), Some("cabang"))
    );
    let (_, hits) = s.json(&["catalog", "search", "society"]);
    let title = hits[0]["title"].as_str().unwrap().to_string();
    assert_eq!(title, "Café society", "MARC-8 0xE2 is the acute accent");
    let (_, hits) = s.json(&["catalog", "search", "tanpa"]);
    assert_eq!(hits[0]["copies"], Value::from(0));
}

#[test]
fn a_policy_file_with_a_mistake_names_the_line() {
    let s = Station::new();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/policy.toml"))
        .unwrap();
    let good = s.file("policy.toml", &text);
    let (code, v) = s.json(&["import", "policy", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert!(v["holidays"].as_u64().unwrap() > 10);
    let bad_text = text.replacen(
        "hold_shelf_days = 7",
        "hold_shelf_days = 7\nshelf_colour = 3",
        1,
    );
    let line = bad_text
        .lines()
        .position(|l| l.starts_with("shelf_colour"))
        .unwrap()
        + 1;
    let bad = s.file("bad.toml", &bad_text);
    let out = s.run(&["import", "policy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml")
            && err.contains(&format!("line {line}:"))
            && err.contains("shelf_colour"),
        "{err}"
    );
}
