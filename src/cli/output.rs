//! Printing results: JSON with `--json`, else short sentences in Indonesian or English.

use super::Context;
use crate::bench::CirculationBench;
use crate::circulation::desk::{
    CheckinResult, CheckoutResult, HoldResult, PickupResult, RenewResult,
};
use crate::domain::Route;
use crate::import::ImportSummary;
use crate::reason::{Lang, Reason};
use crate::store::catalog::{Counts, SearchHit};
use crate::store::outbox::OutboxRow;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use swalayan_core::format;

/// Prints `value` as JSON, or the human text.
pub fn emit<T: Serialize>(ctx: &Context, value: &T, human: impl FnOnce() -> String) {
    if ctx.json {
        match serde_json::to_string(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("cannot write JSON: {e}"),
        }
    } else {
        println!("{}", human());
    }
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (logs, pipes, tests).
pub fn progress_bar(total: u64, file: &Path) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(file.display().to_string());
    bar
}

fn refusal(lang: Lang, reason: Option<Reason>) -> String {
    reason.map(|r| r.sentence(lang)).unwrap_or_default()
}

pub fn checkout(lang: Lang, r: &CheckoutResult) -> String {
    let title = r.item.as_ref().map(|i| i.title.as_str()).unwrap_or("");
    let text = match (r.ok, r.due) {
        (true, Some(due)) => match (lang, format::long_date(due, lang)) {
            (Lang::Id, due) => format!("Dipinjam: {title}. Kembalikan paling lambat {due}."),
            (Lang::En, due) => format!("Borrowed: {title}. Please return it by {due}."),
        },
        _ => format!("{}{}", prefix(title), refusal(lang, r.reason)),
    };
    with_central_words(text, r.central_message.as_deref())
}

/// The library system's own words (SIP2), verbatim on a line of their own.
fn with_central_words(text: String, words: Option<&str>) -> String {
    match words {
        Some(words) => format!("{text}\n» {words}"),
        None => text,
    }
}

fn prefix(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!("{title}: ")
    }
}

pub fn route(lang: Lang, route: Route, transfer_to: Option<&str>) -> String {
    let to = transfer_to.unwrap_or("");
    match (route, lang) {
        (Route::Shelve, Lang::Id) => "Letakkan di troli pengembalian.".into(),
        (Route::Shelve, Lang::En) => "Put it on the return trolley.".into(),
        (Route::HoldShelf, Lang::Id) => {
            "Taruh di rak pesanan: ada pembaca yang menunggu buku ini.".into()
        }
        (Route::HoldShelf, Lang::En) => {
            "Put it on the hold shelf: a reader is waiting for it.".into()
        }
        (Route::Transfer, Lang::Id) => format!("Kirim ke cabang {to}."),
        (Route::Transfer, Lang::En) => format!("Send it to branch {to}."),
        (Route::Exception, Lang::Id) => "Serahkan ke petugas.".into(),
        (Route::Exception, Lang::En) => "Hand it to staff.".into(),
    }
}

pub fn checkin(lang: Lang, r: &CheckinResult) -> String {
    let title = r.item.as_ref().map(|i| i.title.as_str()).unwrap_or("");
    if !r.ok {
        let text = format!("{}{}", prefix(title), refusal(lang, r.reason));
        return with_central_words(text, r.central_message.as_deref());
    }
    let mut text = match lang {
        Lang::Id => format!("Dikembalikan: {title}. "),
        Lang::En => format!("Returned: {title}. "),
    };
    text.push_str(&route(lang, r.route, r.transfer_to.as_deref()));
    if !r.fine.is_zero() {
        text.push_str(&match lang {
            Lang::Id => format!(" Denda keterlambatan: {}.", format::money(r.fine, lang)),
            Lang::En => format!(" Overdue fine: {}.", format::money(r.fine, lang)),
        });
    }
    if let Some(bin) = &r.sort_bin {
        text.push_str(&match lang {
            Lang::Id => format!(" Kotak sortir: {bin}."),
            Lang::En => format!(" Sort bin: {bin}."),
        });
    }
    with_central_words(text, r.central_message.as_deref())
}

pub fn renew(lang: Lang, r: &RenewResult) -> String {
    let title = r.item.as_ref().map(|i| i.title.as_str()).unwrap_or("");
    let text = match (r.ok, r.due) {
        (true, Some(due)) => match (lang, format::long_date(due, lang)) {
            (Lang::Id, due) => format!("Diperpanjang: {title}. Kembalikan paling lambat {due}."),
            (Lang::En, due) => format!("Renewed: {title}. Please return it by {due}."),
        },
        _ => format!("{}{}", prefix(title), refusal(lang, r.reason)),
    };
    with_central_words(text, r.central_message.as_deref())
}

pub fn pickup(lang: Lang, r: &PickupResult) -> String {
    if r.items.is_empty() {
        return refusal(lang, r.reason);
    }
    r.items
        .iter()
        .map(|i| checkout(lang, i))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn hold(lang: Lang, r: &HoldResult) -> String {
    let text = match (r.ok, r.position) {
        (true, Some(position)) => match lang {
            Lang::Id => format!("Pesanan tercatat. Anda di urutan ke-{position}."),
            Lang::En => format!("Hold placed. You are number {position} in the queue."),
        },
        // A library system that gives no place in the queue.
        (true, None) => lang.pick("Pesanan tercatat.", "Hold placed.").to_string(),
        _ => refusal(lang, r.reason),
    };
    with_central_words(text, r.central_message.as_deref())
}

pub fn init(lang: Lang, db: &Path, counts: &Counts) -> String {
    match lang {
        Lang::Id => format!(
            "Basis data siap: {} ({} judul, {} eksemplar, {} anggota).",
            db.display(),
            counts.titles,
            counts.items,
            counts.patrons
        ),
        Lang::En => format!(
            "Database ready: {} ({} titles, {} items, {} patrons).",
            db.display(),
            counts.titles,
            counts.items,
            counts.patrons
        ),
    }
}

pub fn policy_imported(lang: Lang, file: &Path) -> String {
    match lang {
        Lang::Id => format!("Kebijakan sirkulasi dimuat dari {}.", file.display()),
        Lang::En => format!("Circulation policy loaded from {}.", file.display()),
    }
}

pub fn import_summary(lang: Lang, s: &ImportSummary) -> String {
    let mut text = match lang {
        Lang::Id => format!(
            "{} catatan dibaca, {} dimuat, {} dilewati, {} eksemplar.",
            s.records, s.imported, s.skipped, s.items
        ),
        Lang::En => format!(
            "{} records read, {} imported, {} skipped, {} items.",
            s.records, s.imported, s.skipped, s.items
        ),
    };
    for skipped in s.errors.iter().take(20) {
        text.push_str(&format!("\n  {}: {}", skipped.at, skipped.reason));
    }
    if s.errors.len() > 20 {
        text.push_str(&format!("\n  … (+{})", s.errors.len() - 20));
    }
    for c in s.contradictions.iter().take(20) {
        text.push_str(&format!("\n  ! {}: {}", c.at, c.reason));
    }
    text
}

pub fn search_hits(lang: Lang, hits: &[SearchHit]) -> String {
    if hits.is_empty() {
        return lang.pick("Tidak ditemukan.", "Nothing found.").to_string();
    }
    hits.iter()
        .map(|h| {
            format!(
                "[{}] {} — {} ({}) {}/{} {}",
                h.title_id,
                h.title,
                h.author.as_deref().unwrap_or("-"),
                h.call_number.as_deref().unwrap_or("-"),
                h.available,
                h.copies,
                lang.pick("tersedia", "available")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn outbox_rows(lang: Lang, rows: &[OutboxRow]) -> String {
    if rows.is_empty() {
        return lang
            .pick("Kotak keluar kosong.", "The outbox is empty.")
            .to_string();
    }
    rows.iter()
        .map(|r| {
            format!(
                "{:>6} {} {:<8} {:?} {}",
                r.seq, r.created_at, r.kind, r.state, r.id
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn patron(lang: Lang, v: &Value) -> String {
    let mut text = format!(
        "{} ({}) — {}: {}, {}: {}",
        v["name"].as_str().unwrap_or(""),
        v["category"].as_str().unwrap_or(""),
        lang.pick("berlaku s.d.", "valid until"),
        v["expires"].as_str().unwrap_or(""),
        lang.pick("denda", "fines"),
        v["fines"]
    );
    if v["blocked"] == true {
        text.push_str(lang.pick(" — DIBLOKIR", " — BLOCKED"));
    }
    for loan in v["loans"].as_array().into_iter().flatten() {
        let overdue = if loan["overdue"] == true {
            lang.pick(" (terlambat)", " (overdue)")
        } else {
            ""
        };
        text.push_str(&format!(
            "\n  {} {} — {} {}{}",
            loan["item"].as_str().unwrap_or(""),
            loan["title"].as_str().unwrap_or(""),
            lang.pick("kembali", "due"),
            loan["due"].as_str().unwrap_or(""),
            overdue
        ));
    }
    for hold in v["holds"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "\n  {}: {} ({})",
            lang.pick("Pesanan", "Hold"),
            hold["title"].as_str().unwrap_or(""),
            hold["status"].as_str().unwrap_or("")
        ));
    }
    text
}

pub fn item(lang: Lang, v: &Value) -> String {
    format!(
        "{} — {} [{}] {}: {}{}",
        v["barcode"].as_str().unwrap_or(""),
        v["title"].as_str().unwrap_or(""),
        v["call_number"].as_str().unwrap_or("-"),
        lang.pick("status", "status"),
        v["status"].as_str().unwrap_or(""),
        v["due"]
            .as_str()
            .map(|d| format!(" ({} {d})", lang.pick("kembali", "due")))
            .unwrap_or_default()
    )
}

pub fn bench(lang: Lang, b: &CirculationBench) -> String {
    match lang {
        Lang::Id => format!(
            "{} operasi pada {} eksemplar / {} anggota: p50 {} ms, p99 {} ms; fsync p99 {} ms.",
            b.ops, b.items, b.patrons, b.p50_ms, b.p99_ms, b.fsync_p99_ms
        ),
        Lang::En => format!(
            "{} operations on {} items / {} patrons: p50 {} ms, p99 {} ms; fsync p99 {} ms.",
            b.ops, b.items, b.patrons, b.p50_ms, b.p99_ms, b.fsync_p99_ms
        ),
    }
}
