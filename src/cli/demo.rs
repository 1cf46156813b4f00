//! `swalayan demo --script`: the demo library on its own database, walked through on the
//! command line (`swalayan demo` opens the touchscreen on the same library, `cli/kiosk.rs`).
//!
//! The tour shows the circulation a patron would see:
//! a loan, a refusal, a return with a fine, a hold picked up. Nothing needs to be set up
//! first: on its default database the tour starts from a freshly loaded demo library every
//! time, so it can be repeated; a database named with --db is reused as it is.

use super::commands::open_desk;
use super::output;
use super::{CliError, Context, Finished};
use crate::circulation::desk::Proof;
use crate::import::demo::{copy_of, load_demo};
use crate::reason::Lang;
use crate::store::catalog;
use jiff::Timestamp;
use serde_json::json;

/// A desk on the demo database, loading the demo library into it when it is empty.
pub(super) fn demo_desk(ctx: &Context) -> Result<crate::circulation::Desk, CliError> {
    let mut desk = open_desk(ctx)?;
    if catalog::counts(desk.store().conn())?.titles == 0 {
        let time_zone = ctx.config.time_zone.clone();
        load_demo(
            desk.store_mut(),
            Timestamp::now(),
            &time_zone,
            &ctx.config.branch,
        )?;
    }
    Ok(desk)
}

pub fn run(ctx: &Context) -> Result<Finished, CliError> {
    if ctx.db_is_default {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = ctx.db.clone().into_os_string();
            path.push(suffix);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(CliError::Io(format!(
                        "cannot reset the demo database {}: {e}",
                        ctx.db.display()
                    )));
                }
            }
        }
    }
    let mut desk = demo_desk(ctx)?;
    let lang = ctx.lang;
    let mut steps = Vec::new();
    let say = |heading: (&str, &str), text: String, steps: &mut Vec<serde_json::Value>| {
        if !ctx.json {
            println!("\n== {}\n{text}", lang.pick(heading.0, heading.1));
        }
        steps.push(json!({"step": heading.1, "text": text}));
    };
    say(
        (
            "Selamat datang di perpustakaan demo",
            "Welcome to the demo library",
        ),
        format!(
            "{} ({})",
            ctx.db.display(),
            lang.pick("basis data demo", "demo database")
        ),
        &mut steps,
    );
    // Siti borrows a book with her PIN.
    let book = copy_of("Negeri 5 Menara", 1);
    let loan = desk.checkout("21000000001", &book, Proof::Pin(Some("1234")), None)?;
    say(
        ("Siti meminjam buku", "Siti borrows a book"),
        output::checkout(lang, &loan),
        &mut steps,
    );
    // The book reserved for Dewi cannot go to Siti.
    let reserved = copy_of("Cantik Itu Luka", 1);
    let refused = desk.checkout("21000000001", &reserved, Proof::Pin(Some("1234")), None)?;
    say(
        (
            "Buku yang dipesan orang lain",
            "A book reserved for someone else",
        ),
        output::checkout(lang, &refused),
        &mut steps,
    );
    // A set with a part missing.
    let set = copy_of("Belajar Bahasa Inggris: buku dan CD audio", 1);
    let partial = desk.checkout("21000000001", &set, Proof::Pin(Some("1234")), Some(1))?;
    say(
        ("Set yang kurang bagiannya", "A set with a part missing"),
        output::checkout(lang, &partial),
        &mut steps,
    );
    // Siti returns her overdue book: a fine.
    let overdue = copy_of("Bumi Manusia", 1);
    let back = desk.checkin(&overdue, None)?;
    say(
        (
            "Siti mengembalikan buku yang terlambat",
            "Siti returns an overdue book",
        ),
        output::checkin(lang, &back),
        &mut steps,
    );
    // Dewi picks up what waits for her.
    let pickup = desk.pickup("21000000005", Proof::Pin(Some("4321")))?;
    say(
        ("Dewi mengambil pesanannya", "Dewi picks up her hold"),
        output::pickup(lang, &pickup),
        &mut steps,
    );
    // A blocked card.
    let blocked = desk.checkout(
        "21000000002",
        &copy_of("Sang Pemimpi", 1),
        Proof::Pin(None),
        None,
    )?;
    say(
        ("Kartu yang diblokir", "A blocked card"),
        output::checkout(lang, &blocked),
        &mut steps,
    );
    let (pending, _, _) = crate::store::outbox::counts(desk.store().conn())?;
    say(
        ("Menunggu dikirim ke pusat", "Waiting for the central"),
        match lang {
            Lang::Id => format!("{pending} transaksi di kotak keluar (swalayan outbox list)."),
            Lang::En => format!("{pending} transactions in the outbox (swalayan outbox list)."),
        },
        &mut steps,
    );
    if ctx.json {
        println!("{}", json!({"db": ctx.db, "steps": steps}));
    }
    Ok(Finished::Done)
}
