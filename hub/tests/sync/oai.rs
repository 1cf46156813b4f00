//! OAI-PMH 2.0 at `/oai` (issue #31) in conversation with a real hub: every verb, every
//! error the protocol has for them, paging with resumption tokens across a change in the
//! catalogue, deleted records.

use crate::support::{Backend, Hub, client, on_both_backends, runtime, start_hub_on, write};
use swalayan_core::contract::documents::TitleDoc;

on_both_backends!(a_harvester_gets_every_record_once_in_pages_whatever_changes);

const LIBRARY: &str = r#"
[library]
name = "Perpustakaan Kota Tebing Tinggi"
public_url = "https://perpustakaan.example.go.id:8443"
email = "perpustakaan@example.go.id"
"#;

/// `/oai?QUERY` (GET) or its POST form; the status and the body.
fn oai(hub: &Hub, query: &str, post: bool) -> (u16, String) {
    runtime().block_on(async {
        let request = if post {
            client()
                .post(format!("{}/oai", hub.url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(query.to_string())
        } else {
            client().get(format!("{}/oai?{query}", hub.url))
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    })
}

/// The error code of an answer, if it is one.
fn error_code(body: &str) -> Option<&str> {
    let at = body.find("<error code=\"")? + "<error code=\"".len();
    body[at..].split('"').next()
}

/// Every `<tag>…</tag>` text in order.
fn all<'a>(body: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    body.split(&open)
        .skip(1)
        .filter_map(|part| part.split(&close).next())
        .collect()
}

/// The resumption token of an answer ("" for the closing empty one), if any.
fn token(body: &str) -> Option<String> {
    let at = body.find("<resumptionToken")?;
    let rest = &body[at..];
    if rest[..rest.find('>')?].ends_with('/') {
        return Some(String::new());
    }
    let start = rest.find('>')? + 1;
    Some(rest[start..rest.find("</resumptionToken>")?].to_string())
}

fn a_harvester_gets_every_record_once_in_pages_whatever_changes(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "hub.toml", LIBRARY);
    let db = backend.database(dir.path());
    let hub = start_hub_on(&db, "127.0.0.1:0", &["--config", config.to_str().unwrap()]);
    // 1,200 titles: three pages of ListRecords (500 a page).
    let mut csv = String::from("barcode,title,author,isbn,item_type,status,call_number,url\n");
    for n in 0..1200 {
        let url = if n == 7 {
            "https://ipusnas.id/book/7"
        } else {
            ""
        };
        csv.push_str(&format!(
            "B{n:04},Judul {n:04},Pengarang {n},,book,available,,{url}\n"
        ));
    }
    let items = write(dir.path(), "items.csv", &csv);
    hub.json(&["import", "items", items.to_str().unwrap()]);

    // Identify, as Indonesia OneSearch reads it.
    let (status, identify) = oai(&hub, "verb=Identify", false);
    assert_eq!(status, 200);
    for expected in [
        "<baseURL>https://perpustakaan.example.go.id:8443/oai</baseURL>",
        "<protocolVersion>2.0</protocolVersion>",
        "<adminEmail>perpustakaan@example.go.id</adminEmail>",
        "<deletedRecord>persistent</deletedRecord>",
        "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>",
        r#"<request verb="Identify">"#,
    ] {
        assert!(identify.contains(expected), "{expected}: {identify}");
    }
    let (_, formats) = oai(&hub, "verb=ListMetadataFormats", true);
    assert_eq!(all(&formats, "metadataPrefix"), ["oai_dc", "marcxml"]);
    let (_, sets) = oai(&hub, "verb=ListSets", false);
    let specs = all(&sets, "setSpec");
    assert!(
        specs.starts_with(&["koleksi-lokal", "digital"]),
        "{specs:?}"
    );
    assert!(specs.contains(&"item-type-book"), "{specs:?}");

    // Errors, each with its code.
    for (query, code) in [
        ("verb=Nonsense", "badVerb"),
        ("", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&set=x", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=mods",
            "cannotDisseminateFormat",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-13-01",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-12-01&until=2026-12-01T00:00:00Z",
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2099-01-01",
            "noRecordsMatch",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&set=koleksi-lokal",
            "noRecordsMatch",
        ),
        (
            "verb=ListRecords&resumptionToken=garbage",
            "badResumptionToken",
        ),
        (
            "verb=GetRecord&identifier=oai:elsewhere:1&metadataPrefix=oai_dc",
            "idDoesNotExist",
        ),
        ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
        (
            "verb=ListMetadataFormats&identifier=oai:perpustakaan.example.go.id:nope",
            "idDoesNotExist",
        ),
    ] {
        let (status, body) = oai(&hub, query, false);
        assert_eq!(status, 200, "{query}");
        assert_eq!(error_code(&body), Some(code), "{query}: {body}");
    }

    // A whole harvest in pages; between the first and the second page a title changes and
    // another is deleted: everything comes, the changed one again, the deleted one as such.
    let storage = swalayan_hub::storage::open(&db).unwrap();
    let (_, first) = oai(&hub, "verb=ListRecords&metadataPrefix=oai_dc", false);
    assert!(
        first.contains(r#"completeListSize="1200" cursor="0""#),
        "{}",
        &first[..2000]
    );
    let mut seen: Vec<String> = all(&first, "identifier")
        .into_iter()
        .map(str::to_string)
        .collect();
    assert_eq!(seen.len(), 500);
    let key = |n: u32| format!("title:judul {n:04}|pengarang {n}");
    storage
        .write(&mut |tx| {
            let changed = TitleDoc {
                title: "Judul 0001, edisi kedua".into(),
                author: Some("Pengarang 1".into()),
                isbn: None,
                call_number: None,
                subjects: Vec::new(),
                added: None,
                links: Vec::new(),
                digital_changes: 0,
            };
            tx.put_doc(&key(1), Some(&changed))?;
            tx.put_doc::<TitleDoc>(&key(2), None)?;
            Ok(())
        })
        .unwrap();
    let mut next = token(&first).unwrap();
    let mut pages = 1;
    while !next.is_empty() {
        let (_, page) = oai(
            &hub,
            &format!("verb=ListRecords&resumptionToken={next}"),
            false,
        );
        assert_eq!(error_code(&page), None, "{page}");
        seen.extend(all(&page, "identifier").into_iter().map(str::to_string));
        next = token(&page).unwrap_or_default();
        pages += 1;
        assert!(pages < 10, "bounded");
    }
    let id = |n: u32| {
        format!(
            "oai:perpustakaan.example.go.id:{}",
            swalayan_hub::web::kit::title_path(&key(n)).trim_start_matches("/title/")
        )
    };
    assert_eq!(
        seen.iter().filter(|i| **i == id(1)).count(),
        2,
        "changed: again"
    );
    assert_eq!(seen.iter().filter(|i| **i == id(3)).count(), 1);
    let distinct: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), 1200, "none lost");

    // The deleted one is reported as deleted; GetRecord of a live one in MARCXML.
    let (_, gone) = oai(
        &hub,
        &format!("verb=GetRecord&metadataPrefix=oai_dc&identifier={}", id(2)),
        false,
    );
    assert!(gone.contains(r#"<header status="deleted">"#), "{gone}");
    let (_, marc) = oai(
        &hub,
        &format!("verb=GetRecord&metadataPrefix=marcxml&identifier={}", id(7)),
        false,
    );
    assert!(
        marc.contains(r#"<datafield tag="856" ind1="4" ind2="1"><subfield code="u">https://ipusnas.id/book/7</subfield>"#),
        "{marc}"
    );
    let (_, digital) = oai(
        &hub,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=digital",
        false,
    );
    assert_eq!(all(&digital, "identifier"), [id(7).as_str()]);
}

/// PyPI's Sickle, an OAI-PMH harvester, harvests the whole catalogue in both formats,
/// following the resumption tokens itself.
#[test]
fn sickle_harvests_everything() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "hub.toml", LIBRARY);
    let hub = start_hub_on(
        &Backend::Sqlite.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let mut csv = String::from("barcode,title,author,isbn,item_type,status,call_number\n");
    for n in 0..1234 {
        csv.push_str(&format!(
            "B{n:04},Judul {n:04},Pengarang {n},,book,available,\n"
        ));
    }
    let items = write(dir.path(), "items.csv", &csv);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let python = std::env::var("SWALAYAN_TEST_PYTHON").expect(
        "SWALAYAN_TEST_PYTHON is not set: run the tests through scripts/test, which installs \
         sickle into target/test-peers/venv",
    );
    let script = r#"
import sys, json
from sickle import Sickle
s = Sickle(sys.argv[1])
dc = [r.metadata.get('title', [None])[0] for r in s.ListRecords(metadataPrefix='oai_dc')]
marc = sum(1 for _ in s.ListRecords(metadataPrefix='marcxml'))
ids = sum(1 for _ in s.ListIdentifiers(metadataPrefix='oai_dc'))
print(json.dumps({"dc": len(dc), "distinct": len(set(dc)), "marc": marc, "ids": ids,
                  "name": s.Identify().repositoryName}))
"#;
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(format!("{}/oai", hub.url))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got,
        serde_json::json!({"dc": 1234, "distinct": 1234, "marc": 1234, "ids": 1234,
                           "name": "Perpustakaan Kota Tebing Tinggi"})
    );
}

/// Without a public address there is no base URL to give: `/oai` is 404, saying why.
#[test]
fn without_a_public_address_there_is_no_oai() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "hub.toml", "[library]\nname = \"P\"\n");
    let hub = start_hub_on(
        &Backend::Sqlite.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let (status, body) = oai(&hub, "verb=Identify", false);
    assert_eq!(status, 404);
    assert!(body.contains("public_url"), "{body}");
}
