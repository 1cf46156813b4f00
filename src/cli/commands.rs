//! One function per command: open what it needs, do it, print the result.

use super::output::{self, emit};
use super::{
    BenchCommand, CatalogCommand, CircCommand, Cli, CliError, Command, Context, Finished,
    ImportCommand, ItemCommand, OutboxCommand, PatronCommand,
};
use crate::circulation::desk::{Desk, DeskSettings, HoldRequest, Proof};
use crate::clock::SystemClock;
use crate::import::csv::{ImportContext, import_items, import_patrons};
use crate::import::marc::import_marc;
use crate::import::{ImportSummary, StoreSink, demo, policy};
use crate::store::{Store, catalog, circ, meta, outbox};
use crate::sync::push::Central;
use jiff::Timestamp;
use serde_json::json;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Finished, CliError> {
    // Checking a config must not stop at its first problem, as loading one does.
    if let Command::Config(super::ConfigCommand::Check) = cli.command {
        return super::config_check::check(&cli);
    }
    let default_db = match cli.command {
        Command::Demo { .. } => "demo.db",
        _ => "swalayan.db",
    };
    let ctx = Context::from_cli(&cli, default_db)?;
    match cli.command {
        Command::Init { demo } => init(&ctx, demo),
        Command::Demo { script: true } => super::demo::run(&ctx),
        #[cfg(feature = "ui")]
        Command::Demo { script: false } => super::kiosk::demo(&ctx),
        #[cfg(feature = "ui")]
        Command::Kiosk => super::kiosk::kiosk(&ctx),
        #[cfg(feature = "ui")]
        Command::Screenshot {
            screen,
            size,
            out,
            large_text,
            high_contrast,
        } => {
            let display = crate::station::kiosk::view::Display {
                large_text,
                high_contrast,
                speech: false,
            };
            super::kiosk::screenshot(&ctx, &screen, &size, &out, display)
        }
        #[cfg(not(feature = "ui"))]
        Command::Demo { script: false } | Command::Kiosk | Command::Screenshot { .. } => {
            Err(CliError::Usage(
                "this build has no touchscreen (cargo feature `ui`); try `swalayan demo --script`"
                    .into(),
            ))
        }
        Command::Dropbox { command } => super::dropbox::run(&ctx, command),
        Command::Gate { command, record } => super::gate::run(&ctx, command, record),
        Command::Report(super::ReportCommand::Visitors(args)) => super::gate::report(&ctx, &args),
        Command::Config(super::ConfigCommand::Check) => super::config_check::check(&cli),
        Command::Config(super::ConfigCommand::Display) => super::display::show(&ctx),
        Command::Sip2(command) => super::sip2::run(&ctx, command),
        Command::Export(super::ExportCommand::Koc { since, out }) => {
            super::export::koc(&ctx, &since, out.as_deref())
        }
        Command::Import(command) => import(&ctx, command),
        Command::Circ(command) => circulation(&ctx, command),
        Command::Patron(PatronCommand::Show { card }) => patron_show(&ctx, &card),
        Command::Item(ItemCommand::Show { barcode }) => item_show(&ctx, &barcode),
        Command::Catalog(CatalogCommand::Search { words, limit }) => {
            let store = open_store(&ctx)?;
            let hits = catalog::search(store.conn(), &words.join(" "), limit)?;
            emit(&ctx, &hits, || output::search_hits(ctx.lang, &hits));
            Ok(Finished::Done)
        }
        Command::Outbox(OutboxCommand::List { pending }) => {
            let store = open_store(&ctx)?;
            let rows = outbox::list(store.conn(), pending, None)?;
            emit(&ctx, &rows, || output::outbox_rows(ctx.lang, &rows));
            Ok(Finished::Done)
        }
        Command::Tag(command) => super::tag::run(&ctx, command),
        Command::Sync { once: true } => sync_once(&ctx),
        Command::Sync { once: false } => sync_until_stopped(&ctx),
        Command::Status => station_status(&ctx),
        Command::Hw(command) => super::hw::run(&ctx, command),
        Command::Sim(command) => super::sim::run(&ctx, command),
        Command::Bench(BenchCommand::Sip2 {
            pairs,
            patron,
            item,
        }) => super::sip2::bench(&ctx, pairs, &patron, &item),
        Command::Bench(BenchCommand::Circulation {
            items,
            patrons,
            past_loans,
            ops,
            dir,
            wal_checkpoint,
        }) => {
            if items == 0 || patrons == 0 || ops == 0 {
                return Err(CliError::Usage(
                    "--items, --patrons and --ops must be at least 1".into(),
                ));
            }
            let (_temp, dir) = match dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|e| {
                        CliError::Io(format!("cannot create {}: {e}", dir.display()))
                    })?;
                    if dir.join("bench.db").exists() {
                        return Err(CliError::Usage(format!(
                            "{} already holds a bench.db",
                            dir.display()
                        )));
                    }
                    (None, dir)
                }
                None => {
                    // In the current directory's file system: the disk the library would use.
                    let cwd = std::env::current_dir().map_err(|e| CliError::Io(e.to_string()))?;
                    let temp = tempfile::Builder::new()
                        .prefix(".swalayan-bench-")
                        .tempdir_in(&cwd)
                        .map_err(|e| {
                            CliError::Io(format!(
                                "cannot make a temporary folder in {}: {e}",
                                cwd.display()
                            ))
                        })?;
                    let path = temp.path().to_path_buf();
                    (Some(temp), path)
                }
            };
            let size = crate::bench::LibrarySize {
                items,
                patrons,
                past_loans,
            };
            let result = crate::bench::run_circulation(&dir, size, ops, wal_checkpoint)?;
            emit(&ctx, &result, || output::bench(ctx.lang, &result));
            if result.refused > 0 {
                eprintln!(
                    "{} operations were refused: these timings are not of the loans and returns asked for",
                    result.refused
                );
                return Ok(Finished::Spoiled);
            }
            Ok(Finished::Done)
        }
    }
}

pub(super) fn open_store(ctx: &Context) -> Result<Store, CliError> {
    Ok(Store::open(&ctx.db)?)
}

/// The station's desk; with `[central] kind = "sip2"` it asks the library system first.
pub(super) fn open_desk(ctx: &Context) -> Result<Desk, CliError> {
    let mut store = open_store(ctx)?;
    // Desks lend and return for as long as a station runs: checkpoints off their commits.
    store.checkpoint_in_background()?;
    let desk = Desk::new(
        store,
        DeskSettings {
            station_id: ctx.config.station_id.clone(),
            branch: ctx.config.branch.clone(),
            time_zone: ctx.config.time_zone.clone(),
        },
        Box::new(SystemClock),
    );
    Ok(match &ctx.config.sip2 {
        Some(sip2) => {
            desk.with_library_system(Box::new(crate::circulation::sip2_system::Sip2System::new(
                sip2.clone(),
                ctx.config.time_zone.clone(),
            )))
        }
        None => desk,
    })
}

fn init(ctx: &Context, with_demo: bool) -> Result<Finished, CliError> {
    let mut store = open_store(ctx)?;
    meta::set(store.conn(), "station_id", &ctx.config.station_id)?;
    let summary = if with_demo {
        Some(demo::load_demo(
            &mut store,
            Timestamp::now(),
            &ctx.config.time_zone,
            &ctx.config.branch,
        )?)
    } else {
        None
    };
    let counts = catalog::counts(store.conn())?;
    let value = json!({
        "db": ctx.db,
        "station_id": ctx.config.station_id,
        "demo": with_demo,
        "counts": counts,
        "import": summary,
    });
    emit(ctx, &value, || output::init(ctx.lang, &ctx.db, &counts));
    Ok(Finished::Done)
}

fn import(ctx: &Context, command: ImportCommand) -> Result<Finished, CliError> {
    let mut store = open_store(ctx)?;
    let policy = meta::policy(store.conn())?;
    let summary = match command {
        ImportCommand::Policy { file } => {
            let policy = policy::import_policy(&file, &mut store, Timestamp::now())?;
            let value = json!({
                "categories": policy.categories.keys().collect::<Vec<_>>(),
                "item_types": policy.item_types.keys().collect::<Vec<_>>(),
                "rules": policy.rules.len(),
                "holidays": policy.calendar.holidays.len(),
            });
            emit(ctx, &value, || output::policy_imported(ctx.lang, &file));
            return Ok(Finished::Done);
        }
        ImportCommand::Patrons { file } => {
            let import_ctx = ImportContext {
                policy: &policy,
                default_branch: &ctx.config.branch,
            };
            import_patrons(&file, &import_ctx, &mut StoreSink::new(&mut store))?
        }
        ImportCommand::Items { file } => {
            let import_ctx = ImportContext {
                policy: &policy,
                default_branch: &ctx.config.branch,
            };
            import_items(&file, &import_ctx, &mut StoreSink::new(&mut store))?
        }
        ImportCommand::Marc(args) => {
            let options = args
                .options(&policy, &ctx.config.branch)
                .map_err(CliError::Usage)?;
            let mut total = ImportSummary::default();
            for file in &args.files {
                let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
                let bar = output::progress_bar(size, file);
                let mut sink = StoreSink::new(&mut store);
                let summary = import_marc(file, &options, &mut sink, &mut |done| {
                    bar.set_position(done)
                })?;
                bar.finish_and_clear();
                total.merge(summary);
            }
            total
        }
    };
    emit(ctx, &summary, || output::import_summary(ctx.lang, &summary));
    Ok(Finished::Done)
}

fn circulation(ctx: &Context, command: CircCommand) -> Result<Finished, CliError> {
    let mut desk = open_desk(ctx)?;
    let lang = ctx.lang;
    let finished = |ok: bool| {
        if ok {
            Finished::Done
        } else {
            Finished::Refused
        }
    };
    match command {
        CircCommand::Checkout {
            patron,
            item,
            pin,
            parts_seen,
        } => {
            let result = desk.checkout(&patron, &item, Proof::Pin(pin.as_deref()), parts_seen)?;
            emit(ctx, &result, || output::checkout(lang, &result));
            Ok(finished(result.ok))
        }
        CircCommand::Checkin { item, parts_seen } => {
            let result = desk.checkin(&item, parts_seen)?;
            emit(ctx, &result, || output::checkin(lang, &result));
            Ok(finished(result.ok))
        }
        CircCommand::Renew { patron, item } => {
            let result = desk.renew(&patron, &item)?;
            emit(ctx, &result, || output::renew(lang, &result));
            Ok(finished(result.ok))
        }
        CircCommand::Pickup { patron, pin } => {
            let result = desk.pickup(&patron, Proof::Pin(pin.as_deref()))?;
            emit(ctx, &result, || output::pickup(lang, &result));
            Ok(finished(result.ok))
        }
        CircCommand::Hold { patron, target } => {
            let request = match (&target.item, &target.title) {
                (Some(item), _) => HoldRequest::Item(item),
                (None, Some(title)) => HoldRequest::Title(title),
                (None, None) => return Err(CliError::Usage("give --item or --title".into())),
            };
            let result = desk.place_hold(&patron, request)?;
            emit(ctx, &result, || output::hold(lang, &result));
            Ok(finished(result.ok))
        }
    }
}

fn patron_show(ctx: &Context, card: &str) -> Result<Finished, CliError> {
    let mut desk = open_desk(ctx)?;
    let Some(account) = desk.account(card)? else {
        let reason = crate::reason::Reason::PatronNotFound;
        emit(ctx, &json!({"ok": false, "reason": reason}), || {
            reason.sentence(ctx.lang)
        });
        return Ok(Finished::Refused);
    };
    let today = desk.today();
    let patron = &account.patron;
    let loans: Vec<_> = account
        .loans
        .iter()
        .map(|l| {
            json!({
                "item": l.loan.item,
                "title": l.title,
                "issued": l.loan.issued,
                "due": l.loan.due,
                "overdue": l.loan.due < today,
                "renewals": l.loan.renewals,
            })
        })
        .collect();
    let holds: Vec<_> = account
        .holds
        .iter()
        .map(|h| {
            json!({
                "hold_id": h.hold.id,
                "title_id": h.hold.title_id,
                "title": h.title,
                "status": h.hold.status,
                "item": h.hold.item,
                "pickup_branch": h.hold.pickup_branch,
                "expires": h.hold.expires,
                "position": h.position,
            })
        })
        .collect();
    let value = json!({
        "ok": true,
        "card": patron.card,
        "name": patron.name,
        "category": patron.category,
        "expires": patron.expires,
        "expired": patron.expires < today,
        "blocked": patron.blocked,
        "block_note": patron.block_note,
        "fines": patron.fines,
        "has_pin": patron.has_pin(),
        "pin_locked_until": patron.pin_locked_until,
        "loans": loans,
        "holds": holds,
    });
    emit(ctx, &value, || output::patron(ctx.lang, &value));
    Ok(Finished::Done)
}

fn item_show(ctx: &Context, barcode: &str) -> Result<Finished, CliError> {
    let store = open_store(ctx)?;
    let conn = store.conn();
    let Some(item) = catalog::item(conn, barcode)? else {
        let reason = crate::reason::Reason::ItemNotFound;
        emit(ctx, &json!({"ok": false, "reason": reason}), || {
            reason.sentence(ctx.lang)
        });
        return Ok(Finished::Refused);
    };
    let loan = circ::open_loan_for_item(conn, barcode)?;
    let hold = circ::hold_on_item(conn, barcode)?;
    let waiting = circ::holds_by_others(conn, barcode, item.title_id, "")?;
    let value = json!({
        "ok": true,
        "barcode": item.barcode,
        "title": item.title,
        "author": item.author,
        "isbn": item.isbn,
        "call_number": item.call_number,
        "item_type": item.item_type,
        "status": item.status,
        "damaged": item.damaged,
        "parts": item.parts,
        "home_branch": item.home_branch,
        "transit_to": item.transit_to,
        "title_id": item.title_id,
        "due": loan.as_ref().map(|l| l.due),
        "hold_id": hold.as_ref().map(|h| h.id),
        "holds_waiting": waiting,
    });
    emit(ctx, &value, || output::item(ctx.lang, &value));
    Ok(Finished::Done)
}

/// The central the config's `[central]` names (our hub, or a library system over SIP2), and
/// a runtime to talk to it on this thread.
fn hub_link(
    ctx: &Context,
) -> Result<
    (
        Box<dyn crate::sync::central::CentralLink>,
        tokio::runtime::Runtime,
    ),
    CliError,
> {
    let link = super::station::central_link(ctx)?.ok_or_else(|| {
        CliError::Usage("no [central] in the config: nothing to sync with".into())
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Io(e.to_string()))?;
    Ok((link, runtime))
}

/// The sync worker in the foreground until SIGTERM or Ctrl-C: one line per round (JSON Lines
/// with `--json`); exit 0 when stopped.
fn sync_until_stopped(ctx: &Context) -> Result<Finished, CliError> {
    use crate::sync::worker::{SyncEvent, SyncWorker, WorkerTiming};
    // The store must open before the worker starts: a bad path is a clear error here.
    drop(open_store(ctx)?);
    let (link, runtime) = hub_link(ctx)?;
    // Handlers first, so a stop sent as soon as the first line shows is not lost.
    let stopped = runtime
        .block_on(async { crate::station::shutdown::Shutdown::listen() })
        .map_err(|e| CliError::Io(e.to_string()))?;
    let (tx, events) = std::sync::mpsc::channel();
    let worker = SyncWorker::spawn(ctx.db.clone(), link, WorkerTiming::default(), tx)
        .map_err(|e| CliError::Io(e.to_string()))?;
    let json = ctx.json;
    let lang = ctx.lang;
    let printer = std::thread::spawn(move || {
        for event in events {
            let line = match &event {
                SyncEvent::Completed(report) if json => serde_json::json!({
                    "event": "completed", "pushed": report.pushed, "pulled": report.pulled,
                    "conflicts": report.conflicts, "pending": report.pending,
                })
                .to_string(),
                SyncEvent::Failed { error, problem } if json => serde_json::json!({
                    "event": "failed", "problem": problem.code(), "error": error,
                })
                .to_string(),
                SyncEvent::Completed(report) => lang
                    .pick(
                        "sinkron: {pushed} terkirim, {pulled} diterima, {conflicts} konflik, {pending} menunggu",
                        "sync: {pushed} sent, {pulled} received, {conflicts} conflicts, {pending} pending",
                    )
                    .replace("{pushed}", &report.pushed.to_string())
                    .replace("{pulled}", &report.pulled.to_string())
                    .replace("{conflicts}", &report.conflicts.to_string())
                    .replace("{pending}", &report.pending.to_string()),
                SyncEvent::Failed { error, problem } => {
                    format!("{} ({error})", problem.sentence(lang))
                }
            };
            println!("{line}");
        }
    });
    runtime.block_on(stopped.wait());
    drop(worker);
    let _ = printer.join();
    Ok(Finished::Done)
}

/// One sync round with the central (push, then pull): exit 0 when the hub was reached
/// (even with conflicts), 3 when it was not.
fn sync_once(ctx: &Context) -> Result<Finished, CliError> {
    use crate::sync::central::sync_round;
    let mut store = open_store(ctx)?;
    let (link, runtime) = hub_link(ctx)?;
    let report = runtime
        .block_on(sync_round(link.as_ref(), &mut store, &[], &[]))
        .map_err(|e| CliError::Device(e.to_string()))?;
    emit(ctx, &report, || match ctx.lang {
        crate::reason::Lang::Id => format!(
            "{} terkirim, {} diterima, {} konflik, {} menunggu.",
            report.pushed, report.pulled, report.conflicts, report.pending
        ),
        crate::reason::Lang::En => format!(
            "{} sent, {} received, {} conflicts, {} pending.",
            report.pushed, report.pulled, report.conflicts, report.pending
        ),
    });
    Ok(Finished::Done)
}

/// `swalayan status`: is the central reachable now, what waits to be sent, when the station
/// last synced, what its catalog holds.
fn station_status(ctx: &Context) -> Result<Finished, CliError> {
    use crate::sync::{pull, status};
    let store = open_store(ctx)?;
    let conn = store.conn();
    let (pending, acknowledged, conflicts) = outbox::counts(conn)?;
    let sync = status::read(conn)?;
    let counts = crate::store::catalog::counts(conn)?;
    // Items a drop box returned but did not finish (a power cut), or could not put in a bin.
    let now = Timestamp::now();
    let attention = crate::store::dropbox::attention(
        conn,
        now.checked_sub(jiff::SignedDuration::from_secs(10))
            .unwrap_or(now),
    )?;
    let (cycles, finished) = crate::store::dropbox::counts(conn)?;
    // Pulled documents this station could not apply, retried after every pull.
    let held_back = crate::store::held_back::list(conn)?;
    let loads = crate::store::dropbox::bin_loads(conn)?;
    // Whether the chute takes items by the bins' counts and the hours (a full sensor is seen
    // only by the running station).
    let intake = ctx.config.dropbox.as_ref().map(|config| {
        let state = crate::station::dropbox::sorting::BinState {
            loads: loads.clone(),
            ..Default::default()
        };
        match config.sorting.intake_stopped(&state) {
            Some(why) => format!("stopped: {why}"),
            None if !config
                .hours
                .is_open(&now.to_zoned_datetime(ctx.config.time_zone.clone())) =>
            {
                "closed".to_string()
            }
            None => "open".to_string(),
        }
    });
    let dropbox_state = (ctx.config.dropbox.is_some() || cycles > 0).then(|| {
        json!({
            "cycles": cycles,
            "finished": finished,
            "bins": loads,
            "intake": intake,
            // As the running station last saw it (its full sensors included).
            "station_intake": meta::get(conn, crate::station::dropbox::INTAKE_KEY).ok().flatten(),
        })
    });
    let gate_alarms: Option<serde_json::Value> =
        meta::get(conn, crate::station::gate::station::ALARMS_KEY)?
            .and_then(|text| serde_json::from_str(&text).ok());
    let gate_state = (ctx.config.gate.is_some() || gate_alarms.is_some())
        .then(|| json!({ "alarms": gate_alarms.unwrap_or_else(|| json!([])) }));
    let online = match (&ctx.config.central, &ctx.config.sip2) {
        (Some(central), _) => Some(probe(&Central::from_settings(
            central,
            &ctx.config.station_id,
        ))),
        (None, Some(sip2)) => Some(probe_sip2(sip2)),
        (None, None) => None,
    };
    // Where the central is: the hub's URL, or the library system's SIP2 address.
    let address = match (&ctx.config.central, &ctx.config.sip2) {
        (Some(central), _) => Some(central.url.clone()),
        (None, Some(sip2)) => Some(format!(
            "sip2://{}:{}",
            sip2.connection.host, sip2.connection.port
        )),
        (None, None) => None,
    };
    let value = json!({
        "station": ctx.config.station_id,
        "central": address,
        "online": online,
        "pending": pending,
        "acknowledged": acknowledged,
        "conflicts": conflicts,
        "last_sync": sync.last_success.map(|t| t.to_string()),
        "last_failure": sync.last_failure.map(|t| t.to_string()),
        "last_error": sync.last_error,
        "problem": sync.problem().map(|p| p.code()),
        "cursor": pull::cursor(conn)?,
        "catalog": counts,
        "attention": attention,
        "held_back": held_back,
        "dropbox": dropbox_state,
        // The entrance counter's open alarms (a beam blocked, an item not borrowed), as the
        // running counter last saw them.
        "gate": gate_state,
    });
    emit(ctx, &value, || {
        let id = ctx.lang == crate::reason::Lang::Id;
        let central = match (online, &address) {
            (None, _) | (_, None) => {
                if id {
                    "tanpa pusat (lokal saja)".to_string()
                } else {
                    "no central (local only)".to_string()
                }
            }
            (Some(true), Some(c)) => {
                format!("{c} {}", if id { "terhubung" } else { "online" })
            }
            (Some(false), Some(c)) => {
                format!("{c} {}", if id { "tidak terjangkau" } else { "offline" })
            }
        };
        let never = if id { "belum pernah" } else { "never" };
        let last = sync
            .last_success
            .map(|t| t.to_string())
            .unwrap_or_else(|| never.into());
        let mut problem = sync
            .problem()
            .map(|p| format!("\n{}", p.sentence(ctx.lang)))
            .unwrap_or_default();
        for a in &attention {
            problem.push_str(&format!(
                "\n#{} {} {}: {}",
                a.cycle,
                a.item.as_deref().unwrap_or("?"),
                if a.checked_in {
                    ctx.lang.pick("sudah dikembalikan", "returned")
                } else {
                    ctx.lang.pick("belum dikembalikan", "not returned")
                },
                ctx.lang.pick(
                    "periksa kotak pengembalian (swalayan dropbox resolve)",
                    "check the drop box bins (swalayan dropbox resolve)"
                )
            ));
        }
        for h in &held_back {
            problem.push_str(&format!(
                "\n{} {} ({}): {} — {}",
                h.kind,
                h.key,
                h.revision,
                ctx.lang.pick(
                    "ditahan, dicoba lagi tiap sinkron",
                    "held back, retried on every sync"
                ),
                h.error
            ));
        }
        if id {
            format!(
                "Stasiun {}: pusat {central}.\n{pending} transaksi menunggu dikirim, {conflicts} konflik.\nSinkron terakhir: {last}.{problem}",
                ctx.config.station_id
            )
        } else {
            format!(
                "Station {}: central {central}.\n{pending} transactions waiting to be sent, {conflicts} conflicts.\nLast sync: {last}.{problem}",
                ctx.config.station_id
            )
        }
    });
    Ok(Finished::Done)
}

/// Whether the library system signs us in and answers a status within a few seconds.
fn probe_sip2(settings: &crate::config::Sip2Config) -> bool {
    let mut connection = settings.connection.clone();
    connection.timeout = connection.timeout.min(std::time::Duration::from_secs(3));
    swalayan_sip2::Client::connect(connection, None).is_ok()
}

/// Whether the central answers its health check within a few seconds.
fn probe(central: &crate::sync::push::Central) -> bool {
    let Ok(client) = central.client() else {
        return false;
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return false;
    };
    runtime.block_on(async {
        client
            .get(format!("{}/v1/health", central.url.trim_end_matches('/')))
            .timeout(std::time::Duration::from_secs(3))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
}
