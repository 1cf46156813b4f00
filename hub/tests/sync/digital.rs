//! The digital library (issue #31) from a real hub process, on both backends: staff make a
//! local-content record and attach scans in order, a PDF with a text layer to a catalogue
//! title, audio and an EPUB to a record read only in the library; a file that is not what
//! its name says is refused; patrons read page by page, the PDF's words are found by search,
//! the access levels refuse with what to do (members: sign in; onsite: by the address the
//! request comes from), files come in ranges with an ETag; covers in two sizes on the title
//! page, in search results and in the new-acquisitions feed; OAI-PMH's sets and records.

use crate::staff::signed_in;
use crate::support::{Backend, on_both_backends, start_hub_on, write};
use crate::web::{Browser, between};
use sha2::Digest;

on_both_backends!(staff_attach_files_and_patrons_read_them_as_their_access_allows);

/// The library's own network is 127.0.0.1 alone: a browser from 127.0.0.2 is outside.
const HUB_TOML: &str = r#"
[library]
name = "Perpustakaan Kota Tebing Tinggi"
public_url = "https://perpustakaan.example.go.id"

[digital]
max_file_mb = 2
onsite_networks = ["127.0.0.1/32"]
dir = "files"
"#;

const PATRONS: &str = "card,name,category,expires,pin,blocked,fines\n\
    P2,Budi Santoso,adult,2030-01-31,5678,false,0\n";

const ITEMS: &str = "barcode,title,author,isbn,item_type,status,call_number,parts,branch\n\
    B3,Bumi Manusia,Pramoedya Ananta Toer,,book,available,899.221 TOE b,1,pusat\n";

/// The feed's entries with their enclosures, as feedparser reads them.
const ENCLOSURES: &str = r#"
import sys, json, feedparser
d = feedparser.parse(open(sys.argv[1], 'rb').read())
print(json.dumps({"bozo": bool(d.bozo), "entries": [{"title": e.title,
    "enclosures": [{"href": x.get("href"), "type": x.get("type")} for x in e.get("enclosures", [])]}
    for e in d.entries]}))
"#;

/// A PNG of a scanned page: `width` × `height`, one grey.
fn scan(width: u32, height: u32, grey: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&vec![grey; (width * height) as usize])
        .unwrap();
    drop(writer);
    out
}

/// A one-page PDF whose text layer says `text` (read back by the hub's own reader,
/// pdf-extract).
fn pdf(text: &str) -> Vec<u8> {
    crate::support::pdf::with_text(&[vec![text.to_string()]])
}

/// The first bytes of an EPUB (a ZIP whose first entry is `mimetype`, stored), then more.
fn epub() -> Vec<u8> {
    let mut out = b"PK\x03\x04\x0a\0\0\0\0\0\0\0\0\0".to_vec();
    out.extend_from_slice(&[0x6f, 0x61, 0xab, 0x2c]); // CRC-32 of the content
    out.extend_from_slice(&20u32.to_le_bytes());
    out.extend_from_slice(&20u32.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(b"mimetypeapplication/epub+zip");
    out.extend_from_slice(&[0u8; 200]);
    out
}

/// An MP3: an ID3 tag, then frames (silence as far as this test cares).
fn mp3() -> Vec<u8> {
    let mut out = b"ID3\x04\0\0\0\0\0\0".to_vec();
    for _ in 0..50 {
        out.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
        out.extend_from_slice(&[0u8; 413]);
    }
    out
}

/// The key a staff page's address names (`/staff/digital/{key}`).
fn key_of(location: &str) -> String {
    location
        .trim_start_matches("/staff/digital/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

fn new_record(staff: &mut Browser, title: &str, access: &str, description: &str) -> String {
    staff.get("/staff/digital");
    let csrf = staff.csrf();
    let made = staff.post(
        "/staff/digital/new",
        &[
            ("csrf", &csrf),
            ("title", title),
            ("creator", "Dinas Perpustakaan dan Arsip"),
            ("subjects", "Tebing Tinggi -- Sejarah"),
            ("date", "1938"),
            ("description", description),
            ("language", "ind"),
            ("rights", "Domain publik"),
            ("access", access),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    key_of(made.location.as_deref().unwrap())
}

fn upload(staff: &mut Browser, key: &str, files: &[(&str, &[u8])]) -> crate::web::Answer {
    staff.get(&format!("/staff/digital/{key}"));
    let csrf = staff.csrf();
    let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(n, b)| ("files", *n, *b)).collect();
    staff.post_files(
        &format!("/staff/digital/{key}/files"),
        &[("csrf", &csrf)],
        &files,
    )
}

fn staff_attach_files_and_patrons_read_them_as_their_access_allows(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "hub.toml", HUB_TOML);
    let hub = start_hub_on(
        &backend.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let patrons = write(dir.path(), "patrons.csv", PATRONS);
    let items = write(dir.path(), "items.csv", ITEMS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let mut staff = signed_in(&hub, "rina", "librarian");

    // A local-content record of old photographs, public, with three scans sent in order.
    let photos = new_record(
        &mut staff,
        "Foto Kota Tebing Tinggi 1930-an",
        "public",
        "Stasiun kereta api Deli Spoorweg dan pasar lama",
    );
    assert!(photos.starts_with("lokal-"), "{photos}");
    let pages = [scan(60, 90, 40), scan(60, 90, 120), scan(60, 90, 200)];
    let sent = upload(
        &mut staff,
        &photos,
        &[
            ("001.png", &pages[0]),
            ("002.png", &pages[1]),
            ("003.png", &pages[2]),
        ],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    // A program named like a PDF is refused by its content; nothing of it is kept.
    let refused = upload(
        &mut staff,
        &photos,
        &[("buku.pdf", b"\x7fELF\x02\x01\x01\0program")],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("buku.pdf") && refused.body.contains("attach a PDF"),
        "{}",
        refused.body
    );
    // Over [digital] max_file_mb (2 MB): refused with the limit.
    let mut huge = scan(10, 10, 1);
    huge.resize(3 * 1024 * 1024, 0);
    let too_big = upload(&mut staff, &photos, &[("besar.png", &huge)]);
    assert_eq!(too_big.status, 400);
    assert!(too_big.body.contains("2 MB"), "{}", too_big.body);
    let stored: Vec<_> = walk(&dir.path().join("files"));
    assert_eq!(
        stored.len(),
        3,
        "only the three scans are on disk: {stored:?}"
    );
    for path in &stored {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            name,
            hex(&sha2::Sha256::digest(&bytes)),
            "kept by content hash"
        );
    }

    // A PDF with a text layer attached to a catalogue title, for members only.
    let found = staff.get("/staff/digital?q=bumi");
    let bumi = key_of(between(&found.body, "<li><a href=\"", "\"").unwrap());
    let book = pdf("Minke belajar di sekolah HBS Surabaya");
    assert_eq!(
        upload(&mut staff, &bumi, &[("bumi-manusia.pdf", &book)]).status,
        303
    );
    let csrf = staff.csrf();
    let described = staff.post(
        &format!("/staff/digital/{bumi}"),
        &[
            ("csrf", &csrf),
            ("access", "members"),
            ("rights", "Hak cipta pada ahli waris"),
        ],
    );
    assert_eq!(described.status, 303, "{}", described.body);
    let page = staff.get(&format!("/staff/digital/{bumi}"));
    assert!(
        page.body.contains(" kata</td>"),
        "the PDF's words are counted: {}",
        page.body
    );

    // Audio and an EPUB, readable only in the library.
    let radio = new_record(
        &mut staff,
        "Siaran Radio Tebing Tinggi 1965",
        "onsite",
        "Rekaman siaran",
    );
    assert_eq!(
        upload(
            &mut staff,
            &radio,
            &[("siaran.mp3", &mp3()), ("naskah.epub", &epub())]
        )
        .status,
        303
    );

    // A cover, stored in two sizes.
    let mut cover = Vec::new();
    image::RgbImage::from_pixel(960, 1440, image::Rgb([150, 20, 20]))
        .write_to(
            &mut std::io::Cursor::new(&mut cover),
            image::ImageFormat::Png,
        )
        .unwrap();
    staff.get(&format!("/staff/digital/{photos}"));
    let csrf = staff.csrf();
    let covered = staff.post_files(
        &format!("/staff/digital/{photos}/cover"),
        &[("csrf", &csrf)],
        &[("cover", "sampul.png", &cover)],
    );
    assert_eq!(covered.status, 303, "{}", covered.body);

    // A reader anywhere: the title page offers "Baca daring" and shows the cover.
    let mut anyone = Browser::from_address(&hub.url, [127, 0, 0, 2]);
    let title_page = anyone.get(&format!("/title/{photos}"));
    assert_eq!(title_page.status, 200);
    assert!(
        title_page.body.contains("Baca daring"),
        "{}",
        title_page.body
    );
    let large = between(&title_page.body, "<img class=\"cover\" src=\"", "\"")
        .unwrap()
        .to_string();
    let got = anyone.fetch(&large, &[]);
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["content-type"], "image/jpeg");
    assert!(
        got.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let picture = image::load_from_memory(&got.bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (480, 720));

    // Page by page: 1 → 2 → 3, each its own scan, in the order sent.
    let start = anyone.get(&format!("/title/{photos}/read"));
    assert_eq!(
        (start.status, start.location.as_deref()),
        (303, Some(format!("/title/{photos}/read/1").as_str()))
    );
    for n in 1..=3usize {
        let part = anyone.get(&format!("/title/{photos}/read/{n}"));
        assert_eq!(part.status, 200, "{}", part.body);
        assert!(
            part.body.contains(&format!("Halaman {n} dari 3")),
            "{}",
            part.body
        );
        assert_eq!(part.body.contains("rel=\"next\""), n < 3);
        assert_eq!(part.body.contains("rel=\"prev\""), n > 1);
        let src = between(&part.body, "<img src=\"", "\"")
            .unwrap()
            .to_string();
        let bytes = anyone.fetch(&src, &[]);
        assert_eq!(bytes.bytes, pages[n - 1], "page {n} is the {n}th scan sent");
        let zoom = anyone.get(&format!("/title/{photos}/read/{n}?zoom=1"));
        assert!(zoom.body.contains("class=\"zoomed\""), "{}", zoom.body);
    }
    assert_eq!(anyone.get(&format!("/title/{photos}/read/4")).status, 404);

    // Ranges, ETag, caching.
    let first = between(
        &anyone.get(&format!("/title/{photos}/read/1")).body,
        "<img src=\"",
        "\"",
    )
    .unwrap()
    .to_string();
    let whole = anyone.fetch(&first, &[]);
    let etag = whole.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(
        etag,
        format!("\"{}\"", hex(&sha2::Sha256::digest(&pages[0])))
    );
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    assert!(
        whole.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let part = anyone.fetch(&first, &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.bytes, pages[0][10..20]);
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 10-19/{}", pages[0].len())
    );
    let tail = anyone.fetch(&first, &[("Range", "bytes=-5")]);
    assert_eq!(tail.bytes, pages[0][pages[0].len() - 5..]);
    assert_eq!(
        anyone.fetch(&first, &[("If-None-Match", &etag)]).status,
        304
    );
    let stale = anyone.fetch(
        &first,
        &[("Range", "bytes=0-3"), ("If-Range", "\"another\"")],
    );
    assert_eq!(
        (stale.status, stale.bytes.len()),
        (200, pages[0].len()),
        "another If-Range: the whole file"
    );
    assert_eq!(
        anyone.fetch(&first, &[("Range", "bytes=9999999-")]).status,
        416
    );

    // Members only: refused with what to do until signed in with card and PIN.
    let pdf_page = anyone.get(&format!("/title/{bumi}/read/1"));
    assert_eq!(pdf_page.status, 403);
    assert!(
        pdf_page
            .body
            .contains("Masuk dengan nomor kartu anggota dan PIN"),
        "{}",
        pdf_page.body
    );
    let hash = hex(&sha2::Sha256::digest(&book));
    assert_eq!(
        anyone
            .fetch(&format!("/title/{bumi}/file/{hash}"), &[])
            .status,
        403
    );
    let signed = anyone.sign_in("P2", "5678");
    assert_eq!(signed.status, 303, "{}", signed.body);
    let pdf_page = anyone.get(&format!("/title/{bumi}/read/1"));
    assert_eq!(pdf_page.status, 200, "{}", pdf_page.body);
    assert!(
        pdf_page.body.contains("<iframe class=\"pdf\""),
        "{}",
        pdf_page.body
    );
    let got = anyone.fetch(&format!("/title/{bumi}/file/{hash}"), &[]);
    assert_eq!(got.status, 200);
    assert_eq!(got.bytes, book);
    assert_eq!(got.headers["content-type"], "application/pdf");
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert!(
        got.headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );

    // In the library only: refused from 127.0.0.2 (signed in or not), read from 127.0.0.1.
    let away = anyone.get(&format!("/title/{radio}/read/1"));
    assert_eq!(away.status, 403);
    assert!(
        away.body.contains("hanya dapat dibaca di perpustakaan"),
        "{}",
        away.body
    );
    let mut inside = Browser::new(&hub.url);
    let audio = inside.get(&format!("/title/{radio}/read/1"));
    assert_eq!(audio.status, 200, "{}", audio.body);
    assert!(audio.body.contains("<audio controls"), "{}", audio.body);
    let book_part = inside.get(&format!("/title/{radio}/read/2"));
    assert!(book_part.body.contains("Unduh EPUB"), "{}", book_part.body);
    let at = book_part.body.find("\" download").unwrap();
    let epub_url =
        book_part.body[book_part.body[..at].rfind("href=\"").unwrap() + 6..at].to_string();
    let got = inside.fetch(&epub_url, &[]);
    assert_eq!(got.headers["content-type"], "application/epub+zip");
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"naskah.epub\"")
    );

    // Search finds the PDF's words (for anyone: finding is not reading) and descriptions.
    let search = inside.get("/search?q=sekolah+surabaya");
    assert!(search.body.contains("Bumi Manusia"), "{}", search.body);
    let search = inside.get("/search?q=spoorweg");
    assert!(
        search.body.contains("Foto Kota Tebing Tinggi"),
        "{}",
        search.body
    );
    assert!(
        search.body.contains("class=\"thumb\""),
        "the small cover: {}",
        search.body
    );
    let search = inside.get("/search?q=foto+kota");
    assert!(search.body.contains("Baca daring"), "{}", search.body);

    // The new-acquisitions feed carries the cover, as a feed reader (PyPI feedparser) sees it.
    let feed = inside.get("/new.atom");
    let saved = write(dir.path(), "new.atom", &feed.body);
    let read = crate::feeds::python(ENCLOSURES, &saved);
    let photos_entry = read["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Foto Kota Tebing Tinggi 1930-an")
        .unwrap_or_else(|| panic!("{read}"));
    assert_eq!(read["bozo"], false, "{read}");
    assert_eq!(photos_entry["enclosures"][0]["type"], "image/jpeg");
    assert!(
        photos_entry["enclosures"][0]["href"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "https://perpustakaan.example.go.id/title/{photos}/cover/"
            )),
        "{read}"
    );

    // OAI-PMH: local records in koleksi-lokal, everything readable in digital.
    let local = inside.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=koleksi-lokal");
    assert!(
        local.body.contains(&format!(":{photos}<")) && local.body.contains(&format!(":{radio}<")),
        "{}",
        local.body
    );
    assert!(!local.body.contains(&format!(":{bumi}<")));
    let online = inside.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=digital");
    assert!(
        online.body.contains(&format!(":{bumi}<")),
        "{}",
        online.body
    );
    let record = inside.get(&format!(
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:perpustakaan.example.go.id:{photos}"
    ));
    for expected in [
        "<dc:description>Stasiun kereta api",
        "<dc:rights>Domain publik",
        "<dc:type>StillImage",
        "/read/1</dc:identifier>",
        "<dc:date>1938",
    ] {
        assert!(
            record.body.contains(expected),
            "{expected}: {}",
            record.body
        );
    }

    // Staff reorder: page 3 moved up is page 2.
    let third = hex(&sha2::Sha256::digest(&pages[2]));
    staff.get(&format!("/staff/digital/{photos}"));
    let csrf = staff.csrf();
    let moved = staff.post(
        &format!("/staff/digital/{photos}/files/{third}/up"),
        &[("csrf", &csrf)],
    );
    assert_eq!(moved.status, 303);
    let second = inside.get(&format!("/title/{photos}/read/2"));
    let src = between(&second.body, "<img src=\"", "\"")
        .unwrap()
        .to_string();
    assert_eq!(inside.fetch(&src, &[]).bytes, pages[2]);
    // A forged upload keeps nothing.
    let forged = staff.post_files(
        &format!("/staff/digital/{photos}/files"),
        &[("csrf", &"0".repeat(64))],
        &[("files", "004.png", &scan(5, 5, 9))],
    );
    assert_eq!(forged.status, 403);
    assert_eq!(
        walk(&dir.path().join("files")).len(),
        stored.len() + 1 + 2 + 2,
        "scans, the PDF, audio and EPUB, two cover sizes"
    );
    drop(hub);
}

/// Every file under `dir` but the uploads in progress.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
