//! A mixed storm of a station's work on one store, and the invariants its store keeps after
//! any interruption: checkouts, returns with fines and holds, renewals, hold placement,
//! pickups from the hold shelf, and pages of the central's changes applied, chosen at random
//! (seeded) on a small library so they meet (holds on lent titles, fines on overdue loans).
//!
//! The crash test (SIGKILL) and the power-cut test both run it and check [`check_store`]
//! plus [`check_acknowledged`]: everything the desk answered "ok" for is there.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use swalayan::circulation::desk::{Desk, DeskSettings, HoldRequest, Proof};
use swalayan::clock::Clock;
use swalayan::contract::documents::{Document, ItemDoc, PromotionDoc, TitleDoc};
use swalayan::contract::protocol::{ChangesResponse, PulledChange};
use swalayan::contract::wire::Wire;
use swalayan::domain::ItemStatus;
use swalayan::import::{ItemRecord, TitleRecord};
use swalayan::store::{Store, StoreError};
use uuid::Uuid;

/// Copies and patrons of the storm's library: few, so that operations meet.
pub const ITEMS: u64 = 300;
pub const PATRONS: u64 = 60;

/// The open loans, for [`Storm::pick`].
const OPEN_LOANS: &str = "loans WHERE returned_at IS NULL";

/// What the desk (or the pull) answered "ok" for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// A transaction with its outbox row.
    Transaction(Uuid),
    /// A page of the central's changes applied up to this cursor.
    Page(i64),
}

impl Ack {
    /// One line for a child process's stdout, read back by [`Ack::parse`].
    pub fn line(&self) -> String {
        match self {
            Ack::Transaction(id) => format!("tx {id}"),
            Ack::Page(cursor) => format!("page {cursor}"),
        }
    }

    pub fn parse(line: &str) -> Option<Ack> {
        let (kind, value) = line.split_once(' ')?;
        match kind {
            "tx" => value.parse().ok().map(Ack::Transaction),
            "page" => value.parse().ok().map(Ack::Page),
            _ => None,
        }
    }
}

/// A clock the storm moves on: six hours a step, so loans fall overdue and fines arise.
#[derive(Clone)]
struct StormClock(Arc<AtomicI64>);

impl Clock for StormClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_second(self.0.load(Ordering::SeqCst)).expect("a time in range")
    }

    fn synchronised(&self) -> bool {
        true
    }
}

/// Builds the storm's library in `path` (through `vfs`, if named).
pub fn build(path: &Path, vfs: Option<&str>) -> Store {
    let store = Store::open_with_vfs(path, vfs).expect("open the store");
    store
        .conn()
        .execute_batch(&library_sql())
        .expect("the storm's library");
    store
}

fn library_sql() -> String {
    let mut sql = String::from("BEGIN;");
    for t in 0..ITEMS / 10 {
        sql.push_str(&format!(
            "INSERT INTO titles(id, source_key, title) VALUES ({}, 'storm:{t}', 'Judul {t}');",
            t + 1
        ));
    }
    for i in 0..ITEMS {
        sql.push_str(&format!(
            "INSERT INTO items(barcode, title_id, item_type, status, home_branch)
             VALUES ('{}', {}, 'book', 'available', 'pusat');",
            swalayan::bench::item_barcode(i),
            i / 10 + 1
        ));
    }
    for p in 0..PATRONS {
        sql.push_str(&format!(
            "INSERT INTO patrons(card, name, category, expires)
             VALUES ('{}', 'Anggota {p}', 'adult', '2099-12-31');",
            swalayan::bench::patron_card(p)
        ));
    }
    sql.push_str("INSERT INTO titles_fts(titles_fts) VALUES ('rebuild'); COMMIT;");
    sql
}

/// The storm: a desk on a store, a seeded choice of work, a clock that moves.
pub struct Storm {
    desk: Desk,
    rng: u64,
    clock: Arc<AtomicI64>,
}

impl Storm {
    /// A storm over `store`, its choices from `seed`, its clock from where the store's data
    /// says the last storm on it stopped (so a storm resumed after a crash goes on in time).
    pub fn new(store: Store, seed: u64) -> Storm {
        let latest: Option<String> = store
            .conn()
            .query_row("SELECT max(created_at) FROM outbox", [], |r| r.get(0))
            .expect("read the outbox");
        let start = latest
            .and_then(|t| t.parse::<Timestamp>().ok())
            .unwrap_or_else(|| "2026-12-01T02:00:00Z".parse().expect("a time"));
        let clock = Arc::new(AtomicI64::new(start.as_second()));
        let desk = Desk::new(
            store,
            DeskSettings {
                station_id: "storm-1".into(),
                branch: "pusat".into(),
                time_zone: jiff::tz::db().get("Asia/Jakarta").expect("the zone"),
            },
            Box::new(StormClock(clock.clone())),
        );
        Storm {
            desk,
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            clock,
        }
    }

    /// The store, for a test that needs to change how it runs.
    pub fn store(&self) -> &Store {
        self.desk.store()
    }

    fn next(&mut self, below: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % below.max(1)
    }

    /// `column` of the row at `offset` (wrapping) among `rows` (a table and its filter), in id
    /// order: a seeded pick of an open loan or a ready hold.
    fn pick(&self, column: &str, rows: &str, offset: u64) -> Result<Option<String>, StoreError> {
        let sql = format!(
            "SELECT {column} FROM {rows} ORDER BY id LIMIT 1
             OFFSET {offset} % max(1, (SELECT count(*) FROM {rows}))"
        );
        Ok(self
            .desk
            .store()
            .conn()
            .query_row(&sql, [], |r| r.get(0))
            .optional()?)
    }

    /// One piece of work; returns what was acknowledged (nothing when it was refused).
    pub fn step(&mut self) -> Result<Vec<Ack>, StoreError> {
        self.clock
            .fetch_add(SignedDuration::from_hours(6).as_secs(), Ordering::SeqCst);
        let card = swalayan::bench::patron_card(self.next(PATRONS));
        let offset = self.next(1_000);
        let choice = self.next(100);
        let mut acks = Vec::new();
        let mut ack = |ok: bool, id: Option<Uuid>| {
            if let (true, Some(id)) = (ok, id) {
                acks.push(Ack::Transaction(id));
            }
        };
        match choice {
            0..=34 => {
                let item = swalayan::bench::item_barcode(self.next(ITEMS));
                let r = self.desk.checkout(&card, &item, Proof::NotNeeded, None)?;
                ack(r.ok, r.transaction_id);
            }
            35..=64 => {
                let lent = self.pick("item", OPEN_LOANS, offset)?;
                if let Some(item) = lent {
                    let r = self.desk.checkin(&item, None)?;
                    ack(r.ok, r.transaction_id);
                }
            }
            65..=74 => {
                let open = self.pick("patron || ' ' || item", OPEN_LOANS, offset)?;
                if let Some((patron, item)) = open.as_deref().and_then(|l| l.split_once(' ')) {
                    let (patron, item) = (patron.to_string(), item.to_string());
                    let r = self.desk.renew(&patron, &item)?;
                    ack(r.ok, r.transaction_id);
                }
            }
            75..=82 => {
                // A hold on a title with a copy out, so a return can fill it.
                let lent = self.pick("item", OPEN_LOANS, offset)?;
                if let Some(item) = lent {
                    let r = self.desk.place_hold(&card, HoldRequest::Item(&item))?;
                    ack(r.ok, r.transaction_id);
                }
            }
            83..=89 => {
                let waiting = self.pick("patron", "holds WHERE status = 'ready'", offset)?;
                if let Some(patron) = waiting {
                    let r = self.desk.pickup(&patron, Proof::NotNeeded)?;
                    for item in &r.items {
                        ack(item.ok, item.transaction_id);
                    }
                }
            }
            _ => {
                let cursor = swalayan::sync::pull::cursor(self.desk.store().conn())?;
                let page = page_after(cursor);
                swalayan::sync::pull::apply_page(self.desk.store_mut(), &page)?;
                acks.push(Ack::Page(page.next));
            }
        }
        Ok(acks)
    }
}

/// The central's next page after `cursor`: two titles, a copy of each and a promotion.
pub fn page_after(cursor: i64) -> ChangesResponse {
    let n = cursor / 5 + 1;
    let mut changes = Vec::new();
    let mut rev = cursor;
    let mut push = |kind, key: String, document: Document| {
        rev += 1;
        changes.push(PulledChange {
            rev,
            kind: Wire::Known(kind),
            key,
            body: Some(document.body()),
        });
    };
    use swalayan::contract::documents::DocKind;
    for k in 0..2 {
        let key = pulled_title_key(n, k);
        let title = TitleRecord {
            key: key.clone(),
            title: format!("Kiriman {n}.{k}"),
            author: None,
            isbn: None,
            call_number: None,
            subjects: Vec::new(),
            links: Vec::new(),
        };
        push(
            DocKind::Title,
            key.clone(),
            Document::Title(TitleDoc::from_record(&title)),
        );
        let item = ItemRecord {
            barcode: format!("PULL{n:05}{k}"),
            item_type: "book".into(),
            status: ItemStatus::Available,
            damaged: false,
            parts: 1,
            call_number: None,
            branch: "pusat".into(),
            acquired: None,
        };
        push(
            DocKind::Item,
            item.barcode.clone(),
            Document::Item(ItemDoc::from_record(&key, &item)),
        );
    }
    push(
        DocKind::Promotion,
        format!("promo-{n}"),
        Document::Promotion(PromotionDoc {
            title: format!("Acara {n}"),
            body: "Lokakarya literasi".into(),
            ..PromotionDoc::default()
        }),
    );
    ChangesResponse {
        next: rev,
        more: false,
        changes,
    }
}

fn pulled_title_key(n: i64, k: u32) -> String {
    format!("pull:{n}:{k}")
}

/// The store's own promises, whatever interrupted it: intact, the outbox numbered without
/// gaps, every loan with the transaction that made it and every return with its own, item
/// states that agree with loans and holds, fines with their transactions.
pub fn check_store(conn: &Connection) -> Result<(), String> {
    let one = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| format!("{sql}: {e}"))
    };
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    if integrity != "ok" {
        problems.push(format!("integrity_check: {integrity}"));
    }
    let mut expect = |what: &str, left: i64, right: i64| {
        if left != right {
            problems.push(format!("{what}: {left} != {right}"));
        }
    };
    let rows = one("SELECT count(*) FROM outbox")?;
    expect(
        "outbox numbered without gaps",
        one("SELECT COALESCE(max(seq), 0) FROM outbox")?,
        rows,
    );
    expect(
        "outbox ids unique",
        one("SELECT count(DISTINCT id) FROM outbox")?,
        rows,
    );
    expect(
        "every loan made by a checkout or pickup row, every such row a loan",
        one("SELECT count(*) FROM outbox WHERE kind IN ('checkout', 'pickup')")?,
        one("SELECT count(*) FROM loans")?,
    );
    expect(
        "loans without the row that made them",
        one(
            "SELECT count(*) FROM loans l WHERE NOT EXISTS (SELECT 1 FROM outbox o
             WHERE o.loan_id = l.id AND o.kind IN ('checkout', 'pickup'))",
        )?,
        0,
    );
    expect(
        "every return has its checkin row",
        one("SELECT count(*) FROM outbox WHERE kind = 'checkin'")?,
        one("SELECT count(*) FROM loans WHERE returned_at IS NOT NULL")?,
    );
    expect(
        "renewal rows and renewals",
        one("SELECT count(*) FROM outbox WHERE kind = 'renew'")?,
        one("SELECT COALESCE(sum(renewals), 0) FROM loans")?,
    );
    expect(
        "fines and their rows",
        one("SELECT count(*) FROM outbox WHERE kind = 'fine'")?,
        one("SELECT count(*) FROM fines")?,
    );
    expect(
        "fines charged and fines on returns",
        one("SELECT COALESCE(sum(amount), 0) FROM fines")?,
        one("SELECT COALESCE(sum(fine), 0) FROM loans")?,
    );
    expect(
        "items on loan and open loans",
        one("SELECT count(*) FROM items WHERE status = 'on_loan'")?,
        one("SELECT count(*) FROM loans WHERE returned_at IS NULL")?,
    );
    expect(
        "holds placed and hold rows",
        one("SELECT count(*) FROM outbox WHERE kind = 'hold'")?,
        one("SELECT count(*) FROM holds")?,
    );
    expect(
        "copies set aside and holds ready for them",
        one("SELECT count(*) FROM items WHERE status = 'on_hold_shelf'")?,
        one("SELECT count(*) FROM holds WHERE status = 'ready'")?,
    );
    expect(
        "pulled pages whole: a copy for every pulled title",
        one("SELECT count(*) FROM titles WHERE source_key LIKE 'pull:%'")?,
        one("SELECT count(*) FROM items WHERE barcode LIKE 'PULL%'")?,
    );
    expect(
        "pulled pages whole: a promotion for every two titles",
        one("SELECT count(*) FROM titles WHERE source_key LIKE 'pull:%'")?,
        2 * one("SELECT count(*) FROM promotions WHERE central_key LIKE 'promo-%'")?,
    );
    expect(
        "the cursor and the pages applied",
        one(
            "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'central_cursor'), 0)",
        )?,
        5 * one("SELECT count(*) FROM promotions WHERE central_key LIKE 'promo-%'")?,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Everything acknowledged is in the store: each transaction's outbox row, each page.
pub fn check_acknowledged(conn: &Connection, acks: &[Ack]) -> Result<(), String> {
    let mut missing = Vec::new();
    for ack in acks {
        let there = match ack {
            Ack::Transaction(id) => {
                conn.query_row(
                    "SELECT count(*) FROM outbox WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| e.to_string())?
                    == 1
            }
            Ack::Page(cursor) => {
                swalayan::sync::pull::cursor(conn).map_err(|e| e.to_string())? >= *cursor
            }
        };
        if !there {
            missing.push(ack.line());
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} acknowledged lost: {}",
            missing.len(),
            acks.len(),
            missing.join(", ")
        ))
    }
}

/// The storm is mixed: in a few hundred steps it lends, returns with fines, renews, places
/// holds that returns fill, lends from the hold shelf and applies pages — so a cut or a kill
/// at a random moment can land in any of them.
#[test]
fn the_storm_does_every_kind_of_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut storm = Storm::new(build(&dir.path().join("storm.db"), None), 7);
    let mut acks = Vec::new();
    for _ in 0..400 {
        acks.extend(storm.step().unwrap());
    }
    let conn = storm.store().conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    for kind in ["checkout", "checkin", "fine", "renew", "hold", "pickup"] {
        let n = count(&format!(
            "SELECT count(*) FROM outbox WHERE kind = '{kind}'"
        ));
        println!("{kind}: {n}");
        assert!(n > 0, "no {kind} in the storm");
    }
    assert!(count("SELECT count(*) FROM holds WHERE status IN ('ready', 'fulfilled')") > 0);
    assert!(acks.iter().any(|a| matches!(a, Ack::Page(_))));
    check_store(conn).unwrap();
    check_acknowledged(conn, &acks).unwrap();
}
