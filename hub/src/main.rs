//! The `swalayan-hub` binary. Exit codes: 0 done, 2 usage or refused input (a station name
//! taken, a conflict that is none, a bad file), 3 database, I/O or network error.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use swalayan_core::contract::transactions::TxKind;
use swalayan_core::import::MarcImportArgs;
use swalayan_core::import::csv::{ImportContext, import_items, import_patrons};
use swalayan_core::import::marc::import_marc;
use swalayan_core::import::{ImportError, ImportSummary};
use swalayan_hub::api::{AppState, metrics_router, router};
use swalayan_hub::catalog::{self, HoldTarget, HubSink};
use swalayan_hub::config::{ConfigError, Library};
use swalayan_hub::metrics::Metrics;
use swalayan_hub::server::{self, Limits};
use swalayan_hub::storage::{
    self, DocKind, HubError, StationRole, Storage, TxFilter, TxState, hash_token,
};
use swalayan_hub::web::{self, WebState};
use swalayan_hub::{export, tls};

#[derive(Debug, Parser)]
#[command(
    name = "swalayan-hub",
    version,
    about = "The central service Swalayan stations sync with"
)]
struct Cli {
    /// The hub database: a SQLite file (created if missing) or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "SWALAYAN_HUB_DB",
        default_value = "swalayan-hub.db"
    )]
    db: String,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    /// The hub's file: the library's name, time zone, public address and opening hours
    /// (docs/config.md). Without it: "Perpustakaan", Asia/Jakarta, no hours listed.
    #[arg(long, global = true, env = "SWALAYAN_HUB_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the library's public web pages; prints `listening on
    /// http(s)://ADDR` first.
    Serve {
        #[arg(long, env = "SWALAYAN_HUB_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// PEM certificate chain: serve HTTPS (with --tls-key).
        #[arg(long, env = "SWALAYAN_HUB_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for --tls-cert.
        #[arg(long, env = "SWALAYAN_HUB_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve Prometheus metrics at http://ADDR/metrics (not served unless given; keep
        /// it on an address only the monitoring system reaches).
        #[arg(long, env = "SWALAYAN_HUB_METRICS_LISTEN", value_name = "ADDR")]
        metrics_listen: Option<String>,
        /// Seconds a client has to send a request header (and an idle connection waits).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        header_timeout_secs: u64,
        /// Seconds a client has to send a whole request body, however it trickles (counted
        /// from the end of the request header).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        body_timeout_secs: u64,
        /// Requests handled at once by the stations' API, and as many again by the web
        /// pages: a busy web never takes the stations' slots. More wait their turn.
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10000))]
        max_concurrent: u64,
    },
    /// Stations.
    #[command(subcommand)]
    Station(StationCommand),
    /// Counts: transactions, conflicts, stations, items, loans, ...
    Status,
    /// Load the central catalog with the station's importers.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Transactions the central could not apply as they came.
    #[command(subcommand)]
    Conflicts(ConflictCommand),
    /// Reports over every station's counts.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Items that left through a security gate without being borrowed, oldest first.
    Alarms {
        /// Only from this station.
        #[arg(long)]
        station: Option<String>,
    },
    /// Items the drop boxes could not return as usual (unreadable tags, bins full, security
    /// not re-armed, ...), newest last: what staff should look for in the exception bin.
    Exceptions {
        /// Only from this station.
        #[arg(long)]
        station: Option<String>,
    },
    /// Transactions for the library's own system.
    Export {
        format: ExportFormat,
        /// First day (in --timezone) to include.
        #[arg(long)]
        since: Date,
        #[arg(long, default_value = "Asia/Jakarta")]
        timezone: String,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Holds placed centrally; stations hear of them on their next pull.
    #[command(subcommand)]
    Holds(HoldCommand),
    /// Promotions on every kiosk's welcome screen.
    #[command(subcommand)]
    Promotions(PromotionCommand),
    /// Events and literacy programmes: on the web (with registration) and the kiosks.
    #[command(subcommand)]
    Events(EventCommand),
    /// People who sign in to the staff pages (`/staff`).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Fill an empty hub with a made-up library's days of traffic (gates, kiosks, drop
    /// boxes, events, feedback) for training, screenshots and tests; refuses a hub that
    /// already holds transactions.
    Simulate {
        /// Days of traffic, ending today.
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 5)]
        gates: u32,
        #[arg(long, default_value_t = 8)]
        kiosks: u32,
        #[arg(long, default_value_t = 2)]
        dropboxes: u32,
        /// The same seed makes the same library.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add a staff account; prints its generated password (shown once; only a hash is kept).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: swalayan_hub::staff::StaffRole,
    },
    /// Give an account a new generated password; the old one stops working.
    Passwd { name: String },
    /// Remove an account; its sessions end at their next request.
    Remove { name: String },
    /// Every account with its role.
    List,
    /// The newest changes staff made, newest first.
    Audit {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum StationCommand {
    /// Register a station and print its token (shown once; only a hash is kept).
    Add {
        name: String,
        /// What the station is: it pulls and may push only what its role needs.
        #[arg(long, value_enum, default_value = "kiosk")]
        role: StationRole,
    },
    /// Give a station a new token (shown once); the old one stops working at once.
    Rotate { name: String },
    /// Revoke a station's token (a stolen device): it can no longer sync; its history stays.
    Revoke { name: String },
    /// Stations with their role, when last heard from, what waits there, their conflicts.
    List,
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// MARC 21 (ISO 2709 or MARCXML) with holdings, as the station imports it.
    Marc {
        #[command(flatten)]
        marc: MarcImportArgs,
        /// Branch for copies whose holdings name none.
        #[arg(long, default_value = "pusat")]
        branch: String,
    },
    /// Patrons CSV (the station's format).
    Patrons {
        file: PathBuf,
        #[arg(long, default_value = "pusat")]
        branch: String,
    },
    /// Items CSV (the station's format).
    Items {
        file: PathBuf,
        #[arg(long, default_value = "pusat")]
        branch: String,
    },
    /// The circulation policy (TOML, calendar included) for every station.
    Policy { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Visitors (ISO 2789) from all gates: the same report as `swalayan report visitors`.
    Visitors {
        /// First day, inclusive (YYYY-MM-DD, local).
        #[arg(long)]
        from: Date,
        /// Last day, inclusive.
        #[arg(long)]
        to: Date,
        /// Rows per hour, day or month.
        #[arg(long, default_value = "day")]
        by: String,
        #[arg(long, default_value = "Asia/Jakarta")]
        timezone: String,
        /// Print the rows as CSV.
        #[arg(long)]
        csv: bool,
        /// A day whose entries and exits differ by more than this share is suspect.
        #[arg(long, default_value_t = 10.0)]
        suspect_percent: f64,
        /// One gate's counts only (its station name); all gates when left out.
        #[arg(long)]
        gate: Option<String>,
    },
    /// Feedback per day and station with the comments (the library's time zone):
    /// `{"from","to","rows":[{"date","station","responses","average"}],"comments":[...]}`.
    Feedback {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        /// Print the rows as CSV.
        #[arg(long)]
        csv: bool,
    },
    /// Loans, returns and renewals per day and station (the library's time zone, from
    /// --config): `{"from","to","rows":[{"date","station","loans","returns","renewals"}]}`.
    Circulation {
        /// First day, inclusive (YYYY-MM-DD, local).
        #[arg(long)]
        from: Date,
        /// Last day, inclusive.
        #[arg(long)]
        to: Date,
        /// Print the rows as CSV.
        #[arg(long)]
        csv: bool,
    },
    /// Events starting in the period with registrations and attendance:
    /// `{"from","to","rows":[{"date","event","title","registered","waiting","attended",
    /// "walk_ins","participants","no_shows",...}]}`.
    Events {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        /// Print the rows as CSV.
        #[arg(long)]
        csv: bool,
    },
    /// The monthly summary libraries report upward, a row per month:
    /// `{"from","to","rows":[{"month","visits","new_members","active_members","loans",
    /// "returns","renewals","programmes","participants","feedback_responses",
    /// "feedback_average"}]}`.
    Monthly {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        /// Print the rows as CSV.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConflictCommand {
    /// Conflicts awaiting staff (`--all`: resolved ones too).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Mark a conflict resolved, with what was done.
    Resolve {
        id: uuid::Uuid,
        #[arg(long)]
        note: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    /// Koha's offline circulation file.
    Koc,
}

#[derive(Debug, Subcommand)]
enum HoldCommand {
    Place {
        #[arg(long)]
        patron: String,
        /// A title key (e.g. `001:12345`, `isbn:...`).
        #[arg(long, conflicts_with = "item", required_unless_present = "item")]
        title: Option<String>,
        /// A copy's barcode (an item-level hold).
        #[arg(long)]
        item: Option<String>,
        #[arg(long, default_value = "pusat")]
        pickup: String,
    },
    List {
        #[arg(long)]
        patron: Option<String>,
        /// Include fulfilled, cancelled and expired holds.
        #[arg(long)]
        all: bool,
    },
    Cancel {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum PromotionCommand {
    Add {
        /// In Bahasa Indonesia.
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        from: Option<Date>,
        #[arg(long)]
        until: Option<Date>,
        /// In English (English screens show the Indonesian text without it).
        #[arg(long)]
        title_en: Option<String>,
        #[arg(long)]
        body_en: Option<String>,
        /// A PNG or JPEG picture (at most 300 KB).
        #[arg(long)]
        image: Option<PathBuf>,
        /// Only these kiosks (repeat); every kiosk when left out.
        #[arg(long = "station")]
        stations: Vec<String>,
    },
    List,
    Remove {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum EventCommand {
    /// Publish an event; prints its id.
    Add {
        #[arg(long)]
        title: String,
        /// When it starts, the library's wall clock: `2026-12-15T09:00` (or `2026-12-15
        /// 09:00`); a time with an offset or zone is converted to the library's.
        #[arg(long, value_name = "DATETIME")]
        starts: String,
        /// When it ends (as --starts).
        #[arg(long, value_name = "DATETIME")]
        ends: String,
        #[arg(long)]
        place: Option<String>,
        /// Places; without it anyone may come and registration never fills.
        #[arg(long)]
        capacity: Option<u32>,
        #[arg(long)]
        description: Option<String>,
        /// The title in English (English pages and screens show the Indonesian without it).
        #[arg(long)]
        title_en: Option<String>,
        #[arg(long)]
        description_en: Option<String>,
        /// Only these kiosks show it on their welcome screen (repeat); every kiosk when left
        /// out. The web shows every event.
        #[arg(long = "station")]
        stations: Vec<String>,
    },
    /// Every published event, soonest first, with places taken and waiting.
    List,
    /// Withdraw an event from the web and the kiosks (who registered stays listed).
    Remove { id: String },
    /// Who registered for an event: members by card, guests by name and phone number.
    Registrations { id: String },
}

fn main() -> ExitCode {
    swalayan_core::closed_pipe::end_quietly_on_closed_pipe();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("swalayan-hub: {}", describe(&error));
            let refused = matches!(
                error.downcast_ref::<HubError>(),
                Some(
                    HubError::StationExists(_)
                        | HubError::NotFound(_)
                        | HubError::Invalid(_)
                        | HubError::Refused(_)
                        | HubError::UnknownBranch { .. }
                )
            ) || error.downcast_ref::<ConfigError>().is_some()
                || matches!(
                    error.downcast_ref::<ImportError>(),
                    Some(ImportError::Format { .. } | ImportError::Read { .. })
                );
            ExitCode::from(if refused { 2 } else { 3 })
        }
    }
}

/// An error and its causes on one line, each said once (many errors already repeat their
/// cause in their own message).
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

/// Prints JSON or a human line.
fn emit(json: bool, value: &serde_json::Value, human: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", human());
    }
}

fn station(storage: &dyn Storage, command: StationCommand, json: bool) -> anyhow::Result<()> {
    let no_such = |name: &str| HubError::NotFound(format!("no station named '{name}'"));
    let reserved = |name: &str| {
        HubError::Invalid(format!(
            "'{name}' is a name the hub keeps for itself (reserved: {}); choose another",
            storage::RESERVED_STATION_NAMES.join(", ")
        ))
    };
    match command {
        StationCommand::Add { name, .. } | StationCommand::Rotate { name }
            if storage::is_reserved_station_name(&name) =>
        {
            return Err(reserved(&name).into());
        }
        StationCommand::Add { name, role } => {
            let token = new_token();
            if !storage.add_station(&name, role, &hash_token(&token), Timestamp::now())? {
                return Err(HubError::StationExists(name).into());
            }
            emit(
                json,
                &json!({"station": name, "role": role.code(), "token": token}),
                || token.clone(),
            );
        }
        StationCommand::Rotate { name } => {
            let token = new_token();
            if !storage.set_token_hash(&name, &hash_token(&token))? {
                return Err(no_such(&name).into());
            }
            emit(json, &json!({"station": name, "token": token}), || {
                token.clone()
            });
        }
        StationCommand::Revoke { name } => {
            if !storage.set_token_hash(&name, &storage::revoked_token_hash())? {
                return Err(no_such(&name).into());
            }
            emit(json, &json!({"station": name, "revoked": true}), || {
                format!("station {name} revoked: its token no longer works")
            });
        }
        StationCommand::List => {
            let stations = storage.stations()?;
            emit(json, &serde_json::to_value(&stations)?, || {
                stations
                    .iter()
                    .map(|s| {
                        format!(
                            "{}  {}  last seen {}  pending {}  conflicts {}{}",
                            s.station,
                            s.role.code(),
                            s.last_seen.as_deref().unwrap_or("never"),
                            s.pending.map_or("?".to_string(), |p| p.to_string()),
                            s.conflicts,
                            if s.revoked { "  REVOKED" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let library = match &cli.config {
        Some(path) => Library::load(path)?,
        None => Library::default(),
    };
    let storage = storage::open(&cli.db)?;
    catalog::ensure_policy(storage.as_ref())?;
    let json = cli.json;
    match cli.command {
        Command::Station(command) => station(storage.as_ref(), command, json)?,
        Command::Status => {
            let status = storage.status()?;
            emit(json, &serde_json::to_value(&status)?, || {
                format!(
                    "{} transactions, {} conflicts awaiting staff, {} stations, {} titles, {} items, {} patrons, {} loans, {} holds ({})",
                    status.transactions,
                    status.conflicts,
                    status.stations,
                    status.titles,
                    status.items,
                    status.patrons,
                    status.loans,
                    status.holds,
                    status.backend
                )
            });
        }
        Command::Import(command) => import(storage.as_ref(), command, json)?,
        Command::Conflicts(ConflictCommand::List { all }) => {
            let mut rows = storage.transactions(&TxFilter {
                state: (!all).then_some(TxState::Conflict),
                ..TxFilter::default()
            })?;
            rows.retain(|r| r.state != TxState::Applied);
            emit(json, &serde_json::to_value(&rows)?, || {
                if rows.is_empty() {
                    return "no conflicts awaiting staff".into();
                }
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}  {}  {} #{} {}  {}{}",
                            r.id,
                            r.effective_at,
                            r.station,
                            r.seq,
                            r.kind,
                            r.reason.as_deref().unwrap_or(""),
                            r.resolution
                                .as_deref()
                                .map(|n| format!("  [resolved: {n}]"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Conflicts(ConflictCommand::Resolve { id, note }) => {
            if note.trim().is_empty() {
                return Err(HubError::Invalid("say what was done (--note)".into()).into());
            }
            if !storage.resolve(id, &note)? {
                return Err(
                    HubError::NotFound(format!("{id} is no conflict awaiting staff")).into(),
                );
            }
            emit(json, &json!({"resolved": id}), || format!("{id} resolved"));
        }
        Command::Report(ReportCommand::Feedback { from, to, csv }) => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let report =
                swalayan_hub::reports::feedback(storage.as_ref(), from, to, &library.timezone)?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
                    let mut lines: Vec<String> = report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{}  {:<12} {:>5} responses, average {:.2}",
                                r.date, r.station, r.responses, r.average
                            )
                        })
                        .collect();
                    lines.extend(
                        report.comments.iter().map(|c| {
                            format!("{}  {}  {}/5  {}", c.at, c.station, c.score, c.comment)
                        }),
                    );
                    lines.join("\n")
                });
            }
        }
        Command::Report(ReportCommand::Events { from, to, csv }) => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let now = library.local_now();
            let report = swalayan_hub::reports::events(storage.as_ref(), from, to, now)?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
                    report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{}  {}  {} registered, {} waiting, {} came ({} walk-in), {} no-shows",
                                r.starts,
                                r.title,
                                r.registered,
                                r.waiting,
                                r.participants,
                                r.walk_ins,
                                r.no_shows.map_or("-".to_string(), |n| n.to_string())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        Command::Report(ReportCommand::Monthly { from, to, csv }) => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let report = swalayan_hub::reports::monthly(
                storage.as_ref(),
                from,
                to,
                &library.timezone,
                library.local_now(),
            )?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
                    report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{}  {} visits, {} active members, {} loans, {} returns, {} renewals, {} programmes ({} participants), {} feedback",
                                r.month,
                                r.visits,
                                r.active_members,
                                r.loans,
                                r.returns,
                                r.renewals,
                                r.programmes,
                                r.participants,
                                r.feedback_responses
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        Command::Report(ReportCommand::Circulation { from, to, csv }) => {
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let report =
                swalayan_hub::reports::circulation(storage.as_ref(), from, to, &library.timezone)?;
            if csv && !json {
                print!("{}", report.csv());
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
                    report
                        .rows
                        .iter()
                        .map(|r| {
                            format!(
                                "{}  {:<12} {:>5} loans {:>5} returns {:>5} renewals",
                                r.date, r.station, r.loans, r.returns, r.renewals
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        Command::Report(ReportCommand::Visitors {
            from,
            to,
            by,
            timezone,
            csv,
            suspect_percent,
            gate,
        }) => {
            use swalayan_core::report::visitors::{self, By};
            let by = By::parse(&by)
                .ok_or_else(|| HubError::Invalid(format!("--by {by}: use hour, day or month")))?;
            if to < from {
                return Err(HubError::Invalid("--to is before --from".into()).into());
            }
            let tz = jiff::tz::db()
                .get(&timezone)
                .with_context(|| format!("unknown time zone {timezone}"))?;
            let report = swalayan_hub::reports::visitors(
                storage.as_ref(),
                from,
                to,
                &tz,
                &timezone,
                by,
                suspect_percent,
                gate.as_deref(),
            )?;
            if csv && !json {
                print!("{}", visitors::csv(&report));
            } else {
                emit(json, &serde_json::to_value(&report)?, || {
                    report
                        .days
                        .iter()
                        .map(|d| {
                            format!(
                                "{}  {:>6} in {:>6} out{}",
                                d.date,
                                d.entries,
                                d.exits,
                                if d.suspect {
                                    "  suspect: check the beams"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
        Command::Alarms { station } => {
            let rows = of_kind(storage.as_ref(), TxKind::SecurityAlarm, station.as_deref())?;
            let listed: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "station": r.station,
                        "at": r.effective_at,
                        "item": r.payload["item"],
                        "title": r.payload["title"],
                    })
                })
                .collect();
            emit(json, &Value::Array(listed.clone()), || {
                if listed.is_empty() {
                    return "no security alarms".into();
                }
                listed
                    .iter()
                    .map(|a| {
                        format!(
                            "{}  {}  {}  {}",
                            a["at"].as_str().unwrap_or(""),
                            a["station"].as_str().unwrap_or(""),
                            a["item"].as_str().unwrap_or("(tag unreadable)"),
                            a["title"].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Exceptions { station } => {
            let rows = of_kind(
                storage.as_ref(),
                TxKind::ReturnException,
                station.as_deref(),
            )?;
            let listed: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "station": r.station,
                        "at": r.effective_at,
                        "item": r.payload["item"],
                        "reason": r.payload["reason"],
                        "checked_in": r.payload["checked_in"],
                        "bin": r.payload["bin"],
                    })
                })
                .collect();
            emit(json, &Value::Array(listed.clone()), || {
                if listed.is_empty() {
                    return "no return exceptions".into();
                }
                listed
                    .iter()
                    .map(|e| {
                        format!(
                            "{}  {}  {}  {}  bin {}{}",
                            e["at"].as_str().unwrap_or(""),
                            e["station"].as_str().unwrap_or(""),
                            e["item"].as_str().unwrap_or("(no tag read)"),
                            e["reason"].as_str().unwrap_or(""),
                            e["bin"].as_str().unwrap_or("-"),
                            if e["checked_in"] == true {
                                "  (returned)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Export {
            format,
            since,
            timezone,
            out,
        } => {
            let tz = jiff::tz::db()
                .get(&timezone)
                .with_context(|| format!("unknown time zone {timezone}"))?;
            let rows = export::transactions_since(storage.as_ref(), since, &tz)?;
            let sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    // Card numbers: readable by the hub's user only.
                    swalayan_core::private_file::write_private(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            match format {
                ExportFormat::Csv => export::write_csv(sink, &rows, &tz)?,
                ExportFormat::Koc => {
                    let (written, held_back) = export::write_koc(sink, &rows, &tz)?;
                    if held_back > 0 {
                        eprintln!(
                            "{held_back} transactions in conflict left out; resolve them first (swalayan-hub conflicts list)"
                        );
                    }
                    tracing::info!(written, "koc export");
                }
            }
        }
        Command::Holds(command) => holds(storage.as_ref(), &library, command, json)?,
        Command::Promotions(command) => promotions(storage.as_ref(), command, json)?,
        Command::Events(command) => events(storage.as_ref(), &library, command, json)?,
        Command::Staff(command) => staff(storage.as_ref(), command, json)?,
        Command::Simulate {
            days,
            gates,
            kiosks,
            dropboxes,
            seed,
        } => {
            let plan = swalayan_hub::simulate::Plan {
                days,
                gates,
                kiosks,
                dropboxes,
                seed,
            };
            let made = swalayan_hub::simulate::fill(
                storage.as_ref(),
                &plan,
                &library.timezone,
                Timestamp::now(),
            )?;
            emit(json, &serde_json::to_value(&made)?, || {
                format!(
                    "{} days: {} stations, {} transactions, {} visit counts, {} events",
                    days, made.stations, made.transactions, made.visit_buckets, made.events
                )
            });
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            metrics_listen,
            header_timeout_secs,
            body_timeout_secs,
            max_concurrent,
        } => serve(
            storage,
            library,
            &listen,
            tls_cert.zip(tls_key),
            metrics_listen.as_deref(),
            Limits {
                header: Duration::from_secs(header_timeout_secs),
                body: Duration::from_secs(body_timeout_secs),
                concurrent: max_concurrent as usize,
                ..Limits::default()
            },
        )?,
    }
    Ok(())
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

fn import(storage: &dyn Storage, command: ImportCommand, json: bool) -> anyhow::Result<()> {
    let policy = catalog::policy(storage)?;
    let summary: ImportSummary = match command {
        ImportCommand::Policy { file } => {
            let policy = catalog::import_policy(storage, &file)?;
            emit(
                json,
                &json!({
                    "categories": policy.categories.keys().collect::<Vec<_>>(),
                    "item_types": policy.item_types.keys().collect::<Vec<_>>(),
                    "rules": policy.rules.len(),
                    "holidays": policy.calendar.holidays.len(),
                }),
                || format!("policy from {} stored for every station", file.display()),
            );
            return Ok(());
        }
        ImportCommand::Patrons { file, branch } => {
            let ctx = ImportContext {
                policy: &policy,
                default_branch: &branch,
            };
            import_patrons(&file, &ctx, &mut HubSink::new(storage)?)?
        }
        ImportCommand::Items { file, branch } => {
            let ctx = ImportContext {
                policy: &policy,
                default_branch: &branch,
            };
            import_items(&file, &ctx, &mut HubSink::new(storage)?)?
        }
        ImportCommand::Marc { marc, branch } => {
            let options = marc.options(&policy, &branch).map_err(HubError::Invalid)?;
            let mut total = ImportSummary::default();
            // One sink for every file: it reads what the hub holds once, not per file.
            let mut sink = HubSink::new(storage)?;
            for file in &marc.files {
                total.merge(import_marc(file, &options, &mut sink, &mut |_| {})?);
            }
            total
        }
    };
    emit(json, &serde_json::to_value(&summary)?, || {
        format!(
            "{} records read: {} new, {} changed, {} unchanged, {} skipped, {} contradictions",
            summary.records,
            summary.inserted,
            summary.updated,
            summary.unchanged,
            summary.skipped,
            summary.contradictions.len()
        )
    });
    Ok(())
}

fn holds(
    storage: &dyn Storage,
    library: &Library,
    command: HoldCommand,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        HoldCommand::Place {
            patron,
            title,
            item,
            pickup,
        } => {
            let target = match (title, item) {
                (Some(t), _) => HoldTarget::Title(t),
                (None, Some(i)) => HoldTarget::Item(i),
                (None, None) => unreachable!("clap requires --title or --item"),
            };
            let entry = catalog::place_hold(
                storage,
                &patron,
                &target,
                &pickup,
                &library.branches,
                Timestamp::now(),
            )?;
            emit(json, &serde_json::to_value(&entry)?, || {
                format!("hold {} placed for {}", entry.id, entry.hold.patron)
            });
        }
        HoldCommand::List { patron, all } => {
            let holds = catalog::list_holds(storage, patron.as_deref(), all)?;
            emit(json, &serde_json::to_value(&holds)?, || {
                holds
                    .iter()
                    .map(|h| {
                        format!(
                            "{}  {}  {}  {}{}  pickup {}  ({})",
                            h.id,
                            h.hold.status.code(),
                            h.hold.patron,
                            h.hold.title,
                            h.hold
                                .item
                                .as_deref()
                                .map(|i| format!(" copy {i}"))
                                .unwrap_or_default(),
                            h.hold.pickup_branch,
                            h.hold.origin
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        HoldCommand::Cancel { id } => {
            let entry = catalog::cancel_hold(storage, &id, None)?;
            emit(json, &serde_json::to_value(&entry)?, || {
                format!("hold {} cancelled", entry.id)
            });
        }
    }
    Ok(())
}

fn promotions(storage: &dyn Storage, command: PromotionCommand, json: bool) -> anyhow::Result<()> {
    match command {
        PromotionCommand::Add {
            title,
            body,
            from,
            until,
            title_en,
            body_en,
            image,
            stations,
        } => {
            let image = match image {
                Some(path) => Some(swalayan_hub::promotions::image_uri(
                    &std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
                )?),
                None => None,
            };
            let doc = swalayan_core::contract::documents::PromotionDoc {
                title,
                body,
                starts_on: from,
                ends_on: until,
                title_en,
                body_en,
                image,
                stations,
            };
            let id = swalayan_hub::promotions::add(storage, doc)?;
            emit(json, &json!({"id": id}), || {
                format!("promotion {id} published")
            });
        }
        PromotionCommand::List => {
            let docs = storage.documents(DocKind::Promotion)?;
            let list: Vec<_> = docs
                .iter()
                .map(|(id, body)| json!({"id": id, "promotion": body}))
                .collect();
            emit(json, &json!(list), || {
                docs.iter()
                    .map(|(id, body)| format!("{id}  {}", body["title"].as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PromotionCommand::Remove { id } => {
            swalayan_hub::promotions::remove(storage, &id)?;
            emit(json, &json!({"removed": id}), || {
                format!("promotion {id} withdrawn")
            });
        }
    }
    Ok(())
}

fn staff(storage: &dyn Storage, command: StaffCommand, json: bool) -> anyhow::Result<()> {
    use swalayan_hub::staff::{self, COMMAND_LINE};
    let now = Timestamp::now();
    match command {
        StaffCommand::Add { name, role } => {
            let password = staff::add(storage, COMMAND_LINE, &name, role, now)?;
            emit(
                json,
                &json!({"staff": name.trim(), "role": role.code(), "password": password}),
                || password.clone(),
            );
        }
        StaffCommand::Passwd { name } => {
            let password = staff::new_password_for(storage, COMMAND_LINE, &name, now)?;
            emit(json, &json!({"staff": name, "password": password}), || {
                password.clone()
            });
        }
        StaffCommand::Remove { name } => {
            staff::remove(storage, COMMAND_LINE, &name, now)?;
            emit(json, &json!({"removed": name}), || {
                format!("staff {name} removed")
            });
        }
        StaffCommand::List => {
            let accounts = storage.staff_accounts()?;
            emit(json, &serde_json::to_value(&accounts)?, || {
                accounts
                    .iter()
                    .map(|a| format!("{}  {}  added {}", a.staff, a.role, a.added_at))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        StaffCommand::Audit { limit } => {
            let lines = storage.audit_lines(limit)?;
            emit(json, &serde_json::to_value(&lines)?, || {
                lines
                    .iter()
                    .map(|l| format!("{}  {}  {}  {}", l.at, l.staff, l.action, l.detail))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

/// A wall-clock time for an event: civil (the library's clock), or an instant converted to it.
fn event_time(text: &str, library: &Library) -> anyhow::Result<jiff::civil::DateTime> {
    let text = text.trim();
    if let Ok(civil) = text.parse::<jiff::civil::DateTime>() {
        return Ok(civil);
    }
    match text.parse::<Timestamp>() {
        Ok(instant) => Ok(instant
            .to_zoned_datetime(library.timezone.clone())
            .datetime()),
        Err(_) => Err(HubError::Invalid(format!(
            "'{text}' is not a date and time: write it as 2026-12-15T09:00"
        ))
        .into()),
    }
}

fn events(
    storage: &dyn Storage,
    library: &Library,
    command: EventCommand,
    json: bool,
) -> anyhow::Result<()> {
    use swalayan_hub::events::{self, NewEvent};
    match command {
        EventCommand::Add {
            title,
            starts,
            ends,
            place,
            capacity,
            description,
            title_en,
            description_en,
            stations,
        } => {
            let event = NewEvent {
                title,
                starts: event_time(&starts, library)?,
                ends: event_time(&ends, library)?,
                place,
                description,
                capacity,
                title_en,
                description_en,
                stations,
            };
            let id = events::add(storage, &event)?;
            emit(json, &json!({"id": id}), || format!("event {id} published"));
        }
        EventCommand::List => {
            let list = events::list(storage)?;
            let value: Vec<_> = list
                .iter()
                .map(|(id, event)| {
                    let mut value = json!({"id": id});
                    if let (Some(map), Ok(Value::Object(doc))) =
                        (value.as_object_mut(), serde_json::to_value(event))
                    {
                        map.extend(doc);
                    }
                    value
                })
                .collect();
            emit(json, &json!(value), || {
                list.iter()
                    .map(|(id, e)| {
                        let places = match e.capacity {
                            Some(c) => {
                                format!("{}/{c} registered, {} waiting", e.registered, e.waiting)
                            }
                            None => format!("{} registered", e.registered),
                        };
                        format!("{id}  {}  {}  {places}", e.starts, e.title)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        EventCommand::Remove { id } => {
            let people = events::remove(storage, &id)?;
            emit(json, &json!({"removed": id, "registered": people}), || {
                if people == 0 {
                    format!("event {id} withdrawn")
                } else {
                    format!(
                        "event {id} withdrawn; {people} had registered: swalayan-hub events registrations {id}"
                    )
                }
            });
        }
        EventCommand::Registrations { id } => {
            let roster = events::registrations(storage, &id)?.unwrap_or_default();
            emit(json, &serde_json::to_value(&roster)?, || {
                let line = |r: &swalayan_core::contract::documents::Registration| match &r.card {
                    Some(card) => format!("card {card}"),
                    None => format!(
                        "{}  {}",
                        r.name.as_deref().unwrap_or(""),
                        r.phone.as_deref().unwrap_or("")
                    ),
                };
                let mut lines: Vec<String> = roster
                    .confirmed
                    .iter()
                    .enumerate()
                    .map(|(n, r)| format!("{:>3}. {}", n + 1, line(r)))
                    .collect();
                lines.extend(
                    roster
                        .waiting
                        .iter()
                        .enumerate()
                        .map(|(n, r)| format!("waiting {}. {}", n + 1, line(r))),
                );
                if lines.is_empty() {
                    "nobody has registered".to_string()
                } else {
                    lines.join("\n")
                }
            });
        }
    }
    Ok(())
}

fn serve(
    storage: Arc<dyn Storage>,
    library: Library,
    listen: &str,
    tls: Option<(PathBuf, PathBuf)>,
    metrics_listen: Option<&str>,
    limits: Limits,
) -> anyhow::Result<()> {
    let branches = library.branches.clone();
    // Before the runtime: PostgreSQL's synchronous client must not block an async worker.
    let web = WebState::new(Arc::clone(&storage), library, tls.is_some())?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        let storage_for_watchdog = Arc::clone(&storage);
        let state = AppState {
            branches: branches.into(),
            storage,
            metrics: Arc::new(Metrics::default()),
        };
        let metrics = match metrics_listen {
            Some(at) => Some(
                tokio::net::TcpListener::bind(at)
                    .await
                    .with_context(|| format!("cannot listen on {at} for metrics"))?,
            ),
            None => None,
        };
        let app = server::bounded_parts(router(state.clone()), web::router(web), &limits);
        // Ctrl-C or systemd's SIGTERM: finish the requests in flight, then stop. (A kill
        // mid-batch loses nothing either: a batch commits whole or not at all.) The handlers
        // are installed before the "listening" line, so a stop sent right after it counts.
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot handle SIGTERM")?;
        let mut interrupt =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .context("cannot handle SIGINT")?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = term.recv() => {}
            }
            let _ = stop.send(true);
        });
        let shutdown = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        let tls_config = match tls {
            Some((cert, key)) => Some(tls::server_config(&cert, &key)?),
            None => None,
        };
        let scheme = if tls_config.is_some() {
            "https"
        } else {
            "http"
        };
        // The first line is the stations' address (scripts and tests read it).
        println!("listening on {scheme}://{address}");
        if let Some(listener) = metrics {
            // Whoever read the first line may have stopped reading: not worth a panic.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "metrics on http://{}/metrics", listener.local_addr()?);
            let _ = out.flush();
            let metrics_app = server::bounded(metrics_router(state), &limits);
            let until = shutdown(stopped.clone());
            tokio::spawn(async move {
                if let Err(e) = server::serve(listener, None, metrics_app, limits, until).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        // Under systemd (Type=notify): ready once listening; the watchdog is fed only while
        // the database answers, so a hung database gets the hub restarted.
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        if let Some(timeout) = sd_notify::watchdog_enabled() {
            tokio::spawn(feed_watchdog(storage_for_watchdog, timeout / 2));
        }
        server::serve(listener, tls_config, app, limits, shutdown(stopped)).await?;
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        anyhow::Ok(())
    })
}

/// Pings systemd's watchdog every `every` while a cheap read of the database answers within
/// that time; a database that hangs stops the pings.
async fn feed_watchdog(storage: Arc<dyn Storage>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let storage = Arc::clone(&storage);
        let read = tokio::task::spawn_blocking(move || storage.changes(i64::MAX, 1).map(|_| ()));
        match tokio::time::timeout(every, read).await {
            Ok(Ok(Ok(()))) => {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "watchdog: the database did not answer"),
            _ => tracing::warn!("watchdog: the database did not answer in time"),
        }
    }
}

/// Transactions of one kind (from one station, when named), oldest first.
fn of_kind(
    storage: &dyn swalayan_hub::storage::Storage,
    kind: TxKind,
    station: Option<&str>,
) -> Result<Vec<swalayan_hub::storage::Received>, HubError> {
    let mut rows = storage.transactions(&TxFilter::default())?;
    rows.retain(|r| r.kind == kind.code() && station.is_none_or(|s| r.station == s));
    Ok(rows)
}
