//! The digital library (issue #31): what an upload costs the hub after its bytes arrive —
//! a 300-page PDF's text layer read into search words (`digital::describe_file`: type by
//! content, pdf-extract, distinct words), a phone photo of a cover (3000 × 4000 JPEG) made
//! into its two sizes.
//!
//!     cargo bench -p swalayan-hub --bench digital
//!
//! The anchor, in the same run: lopdf parsing the same PDF without extracting text (the
//! floor of any text extraction), and decoding the photo alone. The goal: a 300-page PDF
//! described in well under the 120 s a request may take (`serve`'s request timeout), so a
//! staff upload never times out on this machine. Timings are printed, never judged here
//! (docs/PERFORMANCE.md). Under `cargo test` it runs at a tenth of the size, as a smoke test.

#[path = "../tests/common/pdf.rs"]
mod pdf;

use std::time::Instant;
use swalayan_hub::digital::{self, FileStore};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("digital: benchmark");
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let pages = if full { 300 } else { 30 };
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();

    let pdf = book(pages);
    println!(
        "digital: a {pages}-page PDF of {:.1} MB",
        pdf.len() as f64 / 1e6
    );
    let started = Instant::now();
    let parsed = lopdf::Document::load_mem(&pdf).unwrap();
    let anchor = started.elapsed();
    assert_eq!(parsed.get_pages().len(), pages);
    let kept = store.keep(&pdf).unwrap();
    let started = Instant::now();
    let file = digital::describe_file(&store, &kept, Some("buku.pdf")).unwrap();
    let described = started.elapsed();
    let words = file.words.split(' ').count();
    println!(
        "digital: described in {:.2} s ({words} distinct words); anchor, lopdf's parse alone: {:.2} s",
        described.as_secs_f64(),
        anchor.as_secs_f64()
    );
    assert!(file.words.contains("halaman"), "the text layer was read");

    let (width, height) = if full { (3000, 4000) } else { (300, 400) };
    let mut photo = Vec::new();
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    })
    .write_to(
        &mut std::io::Cursor::new(&mut photo),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    let started = Instant::now();
    image::load_from_memory(&photo).unwrap();
    let decode = started.elapsed();
    let started = Instant::now();
    let (large, small) = digital::content::cover_sizes(&photo).unwrap();
    let sized = started.elapsed();
    println!(
        "digital: a {width}×{height} cover ({:.1} MB) in two sizes ({} and {} KB) in {:.2} s; anchor, decoding it alone: {:.2} s",
        photo.len() as f64 / 1e6,
        large.len() / 1024,
        small.len() / 1024,
        sized.as_secs_f64(),
        decode.as_secs_f64()
    );
}

/// A PDF of `pages` pages, 40 lines of Indonesian prose each (a word of its own per line,
/// so the distinct words grow as a real book's do).
fn book(pages: usize) -> Vec<u8> {
    let text: Vec<Vec<String>> = (0..pages)
        .map(|page| {
            (0..40)
                .map(|line| {
                    format!(
                        "Halaman {page} baris {line}: sejarah kota Tebing Tinggi, pasar lama, stasiun, kata{page}x{line}"
                    )
                })
                .collect()
        })
        .collect();
    pdf::with_text(&text)
}
