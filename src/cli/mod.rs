//! The `swalayan` command line: arguments (clap), dispatch, exit codes.
//!
//! The argument names and JSON shapes are a contract used by other tools (docs/cli.md).
//! Exit codes: 0 done (also for negative results: skipped records, a bad tag CRC),
//! 1 refused by the rules, 2 usage or config error, 3 store, I/O, device or network error.

mod commands;
mod config_check;
mod demo;
mod display;
mod dropbox;
mod export;
mod gate;
mod hw;
#[cfg(feature = "ui")]
mod kiosk;
mod output;
mod sim;
mod sip2;
mod station;
mod tag;

use crate::config::{Config, ConfigError};
use crate::import::ImportError;
pub use crate::import::marc::MarcImportArgs;
use crate::reason::Lang;
use crate::store::StoreError;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

pub use commands::run;

#[derive(Debug, Parser)]
#[command(name = "swalayan", version, about = "Self-service stations for libraries", long_about = None)]
pub struct Cli {
    /// The station database (default: from --config, else the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The station's TOML configuration file.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Language of human output (default: from the config, else id).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the station database (and load the demo library with --demo).
    Init {
        #[arg(long)]
        demo: bool,
    },
    /// Run the demo: the kiosk with simulated devices and a demo library on its own
    /// database, no setup needed.
    Demo {
        /// Walk through the demo on the command line instead of opening the kiosk window.
        #[arg(long)]
        script: bool,
    },
    /// Run the kiosk station (touchscreen) with the devices of --config.
    Kiosk,
    /// Reports from what the station counted.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The station's configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The entrance counter: without a subcommand, run the counter at the door ([gate] and
    /// [gpio] of --config) until stopped.
    Gate {
        #[command(subcommand)]
        command: Option<GateCommand>,
        /// Also write every beam edge to FILE in the trace format (`gate replay` reads it).
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
    },
    /// The drop box: without a subcommand, run the station at the return chute ([dropbox] and
    /// the devices of --config) until stopped.
    Dropbox {
        #[command(subcommand)]
        command: Option<DropboxCommand>,
    },
    /// Render a kiosk screen with sample data to a PNG file (no display needed).
    Screenshot {
        /// welcome, identify, pin, borrow, return, account, receipt, feedback, goodbye, staff
        #[arg(long)]
        screen: String,
        /// WIDTHxHEIGHT in pixels.
        #[arg(long, default_value = "1280x800")]
        size: String,
        #[arg(long)]
        out: PathBuf,
        /// As a patron who asked for larger text.
        #[arg(long)]
        large_text: bool,
        /// As a patron who asked for high contrast.
        #[arg(long)]
        high_contrast: bool,
    },
    /// Import catalog, patrons or policy.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Circulation: checkout, checkin, renew, pickup, hold.
    #[command(subcommand)]
    Circ(CircCommand),
    /// Patrons.
    #[command(subcommand)]
    Patron(PatronCommand),
    /// Items.
    #[command(subcommand)]
    Item(ItemCommand),
    /// The catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Transactions waiting for the central.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Measure this machine.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Library RFID tag data (ISO 28560).
    #[command(subcommand)]
    Tag(TagCommand),
    /// Files for other systems.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Send pending transactions to the central catalog ([central] in the config).
    /// Sync with the central: without --once, keep syncing (every 30 s, backing off while the
    /// central is away) until stopped (Ctrl-C, SIGTERM), one line per round.
    Sync {
        /// One round, then exit.
        #[arg(long)]
        once: bool,
    },
    /// The station's state: the central (online?), what waits to be sent, the last sync,
    /// the catalog it holds.
    Status,
    /// The library's own system over SIP2 ([central] kind = "sip2"): staff diagnostics.
    #[command(subcommand)]
    Sip2(Sip2Command),
    /// Talk to the station's devices.
    #[command(subcommand)]
    Hw(HwCommand),
    /// Simulated devices on pseudo-terminals, for trying things without hardware.
    #[command(subcommand)]
    Sim(SimCommand),
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// This station's transactions since DATE as a Koha offline circulation file (.koc),
    /// oldest first: loans, renewals and pickups as issues, returns as returns.
    Koc {
        /// The first day (library time), e.g. 2026-12-01.
        #[arg(long)]
        since: String,
        /// Write here instead of stdout (then a summary is printed, JSON with --json).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Sip2Command {
    /// Sign in and ask the library system's status: exit 0 online, 3 unreachable.
    Ping {
        /// Print the exchange (passwords, PINs and cards masked) on stderr.
        #[arg(long)]
        trace: bool,
    },
    /// A patron as the library system sees them; --pin has the system check the PIN.
    Patron {
        card: String,
        #[arg(long)]
        pin: Option<String>,
        #[arg(long)]
        trace: bool,
    },
    /// An item as the library system sees it.
    Item {
        barcode: String,
        #[arg(long)]
        trace: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the whole config (--config) and list every problem: errors (exit 2) and
    /// warnings, such as a device named in the config that is absent on this machine.
    Check,
    /// The screen settings of [display] (a Pi without X) and the udev line that turns
    /// touches with a rotated picture.
    Display,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Visitors (ISO 2789) from this station's entrance counts.
    Visitors(VisitorsArgs),
}

/// The visitors report's arguments (the hub takes the same).
#[derive(Debug, Args)]
pub struct VisitorsArgs {
    /// First day, inclusive (YYYY-MM-DD, local).
    #[arg(long)]
    pub from: jiff::civil::Date,
    /// Last day, inclusive.
    #[arg(long)]
    pub to: jiff::civil::Date,
    /// Rows per hour, day or month.
    #[arg(long, default_value = "day")]
    pub by: String,
    /// Default: the configured library time zone, else Asia/Jakarta.
    #[arg(long)]
    pub timezone: Option<String>,
    /// Print the rows as CSV.
    #[arg(long)]
    pub csv: bool,
    /// A day whose entries and exits differ by more than this share is suspect.
    #[arg(long, default_value_t = 10.0)]
    pub suspect_percent: f64,
}

#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Run the counter on a trace of beam edges (`t_ms,passage,beam,blocked`) and print what
    /// it counts; timings from `[gate]` of --config, else the defaults.
    Replay { trace: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum DropboxCommand {
    /// Drive the real drop-box engine through a file of drops (`t_ms,item,parts[,isil][,rearm]`)
    /// with simulated GPIO and a simulated reader behind the real FEIG driver.
    Replay { drops: PathBuf },
    /// Staff emptied a bin: its count starts again (and intake resumes if it had stopped).
    Empty { bin: String },
    /// Staff saw to an item listed under `attention` in `status --json`.
    Resolve { cycle: i64 },
    /// The latest items the drop box could not return as usual, newest first.
    Exceptions {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum HwCommand {
    /// Print codes read by a serial barcode scanner.
    Scan {
        #[arg(long)]
        port: PathBuf,
        /// Stop after this many codes.
        #[arg(long)]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        timeout: Option<f64>,
        /// Baud rate (default: [scanner] in the config, else 9600).
        #[arg(long)]
        baud: Option<u32>,
        /// A keyboard-style scanner: PORT is its /dev/input/event* device, read with an
        /// exclusive grab.
        #[arg(long)]
        hid: bool,
    },
    /// HF RFID reader commands.
    #[command(subcommand)]
    Rfid(RfidCommand),
    /// Check every configured device and say what is wrong and how to fix it.
    Doctor,
}

#[derive(Debug, Subcommand)]
pub enum RfidCommand {
    /// List the tags on the reader with their decoded data.
    Inventory {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 38_400)]
        baud: u32,
        /// FEIG bus address (255 = broadcast).
        #[arg(long, default_value_t = 0xFF)]
        address: u8,
    },
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// A FEIG RFID reader with a field of tags, reachable at PATH.
    Rfid {
        #[arg(long)]
        link: PathBuf,
        /// The tags on the pad (TOML, see docs/hardware.md); default: a few demo-library items.
        #[arg(long)]
        tags: Option<PathBuf>,
        #[arg(long, default_value_t = 38_400)]
        baud: u32,
    },
    /// A serial barcode scanner reachable at PATH: each line typed on stdin is scanned.
    Scanner {
        #[arg(long)]
        link: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagCommand {
    /// Decode tag memory given in hex (either case).
    Decode {
        hex: String,
        /// Force a data model instead of choosing by content.
        #[arg(long, value_enum)]
        model: Option<TagModel>,
    },
    /// Encode an ISO 28560-3 block; prints hex.
    Encode {
        #[arg(long)]
        item: String,
        #[arg(long)]
        isil: Option<String>,
        /// Type of usage: 1 circulating item, 2 not for circulation, 8 patron card, ...
        #[arg(long, default_value_t = 1)]
        usage: u8,
        #[arg(long, default_value_t = 1)]
        parts: u8,
        #[arg(long, default_value_t = 1)]
        part: u8,
        /// Block size in bytes: 32 or 34.
        #[arg(long, default_value_t = 32)]
        size: usize,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TagModel {
    #[value(name = "iso28560-3")]
    Iso28560_3,
    #[value(name = "iso28560-2")]
    Iso28560_2,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// MARC 21 records, ISO 2709 or MARCXML (told apart by content).
    Marc(MarcImportArgs),
    /// Patrons CSV: card,name,category,expires,pin,blocked,fines[,block_note,phone,email,notify]
    /// (contacts are kept by the hub only; a station checks them and stores none).
    Patrons { file: PathBuf },
    /// Items CSV: barcode,title,author,isbn,item_type,status,call_number[,parts,branch,damaged].
    Items { file: PathBuf },
    /// The circulation policy (TOML; see config/policy.toml).
    Policy { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum CircCommand {
    /// Lend an item to a patron.
    Checkout {
        #[arg(long)]
        patron: String,
        #[arg(long)]
        item: String,
        #[arg(long)]
        pin: Option<String>,
        /// Parts presented (for sets such as book + CD).
        #[arg(long)]
        parts_seen: Option<u32>,
    },
    /// Take an item back.
    Checkin {
        #[arg(long)]
        item: String,
        #[arg(long)]
        parts_seen: Option<u32>,
    },
    /// Renew a loan.
    Renew {
        #[arg(long)]
        patron: String,
        #[arg(long)]
        item: String,
    },
    /// Borrow everything waiting on the hold shelf for a patron.
    Pickup {
        #[arg(long)]
        patron: String,
        #[arg(long)]
        pin: Option<String>,
    },
    /// Place a hold on a copy or a title (its number from `catalog search`, or its ISBN).
    Hold {
        #[arg(long)]
        patron: String,
        #[command(flatten)]
        target: HoldTargetArgs,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct HoldTargetArgs {
    #[arg(long)]
    pub item: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PatronCommand {
    /// A patron's account: loans, holds, fines.
    Show { card: String },
}

#[derive(Debug, Subcommand)]
pub enum ItemCommand {
    /// An item: title, status, loan, hold.
    Show { barcode: String },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Titles matching every word (title, author, ISBN, call number; any case).
    Search {
        #[arg(required = true)]
        words: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List transactions, oldest first.
    List {
        #[arg(long)]
        pending: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time N checkout+checkin pairs of the SIP2 client alone ([central] kind = "sip2"), on
    /// one connection, no store writes: `{"pairs","pairs_per_s","p50_ms","p99_ms"}`.
    Sip2 {
        #[arg(long, default_value_t = 1_000)]
        pairs: u64,
        /// A patron the library system lends to.
        #[arg(long)]
        patron: String,
        /// An item it lends and takes back (it is lent and returned N times).
        #[arg(long)]
        item: String,
    },
    /// Time checkouts and checkins on a synthetic library in the current directory's file system.
    Circulation {
        #[arg(long, default_value_t = 250_000)]
        items: u64,
        #[arg(long, default_value_t = 50_000)]
        patrons: u64,
        /// Returned loans already in the store (history; anonymised).
        #[arg(long, default_value_t = 1_000_000)]
        past_loans: u64,
        #[arg(long, default_value_t = 2_000)]
        ops: u64,
        /// Build the store in this folder and keep it (default: a temporary folder, removed).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Where WAL checkpoints run: on a thread of their own, as stations run them
        /// (`background`), or inside the commit that fills the WAL, SQLite's default (`commit`),
        /// to compare.
        #[arg(long, value_enum, default_value_t = crate::bench::WalCheckpoint::Background)]
        wal_checkpoint: crate::bench::WalCheckpoint,
    },
}

/// Everything that can stop a command, classified by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(ImportError),
    #[error("{0}")]
    Io(String),
    /// A device is missing, refuses, or does not answer.
    #[error("{0}")]
    Device(String),
}

impl From<ImportError> for CliError {
    fn from(e: ImportError) -> CliError {
        match e {
            ImportError::Sink(e) => match e.downcast::<StoreError>() {
                Ok(store) => CliError::Store(*store),
                Err(other) => CliError::Import(ImportError::Sink(other)),
            },
            other => CliError::Import(other),
        }
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Config(_) => 2,
            CliError::Import(ImportError::Format { .. }) => 2,
            CliError::Import(_) | CliError::Store(_) | CliError::Io(_) | CliError::Device(_) => 3,
        }
    }
}

/// What a finished command tells `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    Done,
    /// The rules refused: exit code 1.
    Refused,
    /// The answer was printed, and it is that something could not be reached: exit code 3.
    Unreachable,
    /// The answer was printed, but the run did not do what it set out to (a benchmark whose
    /// operations were refused measures something else): exit code 3.
    Spoiled,
}

/// The settings a command runs with, from flags and the config file.
pub struct Context {
    pub config: Config,
    pub json: bool,
    pub lang: Lang,
    pub db: PathBuf,
    /// The database is the default one for this command (not named by --db or the config).
    pub db_is_default: bool,
}

impl Context {
    pub fn from_cli(cli: &Cli, default_db_name: &str) -> Result<Context, CliError> {
        let config = match &cli.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        let db_is_default = cli.db.is_none() && config.db.is_none();
        let db = match (&cli.db, &config.db) {
            (Some(db), _) => db.clone(),
            (None, Some(db)) => db.clone(),
            (None, None) => dirs::data_dir()
                .or_else(|| std::env::current_dir().ok())
                .ok_or_else(|| CliError::Usage("no data directory: pass --db PATH".into()))?
                .join("swalayan")
                .join(default_db_name),
        };
        Ok(Context {
            lang: cli.lang.unwrap_or(config.lang),
            json: cli.json,
            config,
            db,
            db_is_default,
        })
    }
}
