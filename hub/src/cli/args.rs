//! The command line's arguments (clap): every command and its options, as docs/hub-api.md
//! lists them.

use crate::storage::StationRole;
use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use std::path::PathBuf;
use swalayan_core::import::MarcImportArgs;

#[derive(Debug, Parser)]
#[command(
    name = "swalayan-hub",
    version,
    about = "The central service Swalayan stations sync with"
)]
pub struct Cli {
    /// The hub database: a SQLite file (created if missing) or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "SWALAYAN_HUB_DB",
        default_value = "swalayan-hub.db"
    )]
    pub(crate) db: String,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// The hub's file: the library's name, time zone, public address and opening hours
    /// (docs/config.md). Without it: "Perpustakaan", Asia/Jakarta, no hours listed.
    #[arg(long, global = true, env = "SWALAYAN_HUB_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The library's own system (INLISLite or SLiMS) named in `[ils]` of --config
    /// (docs/ils.md).
    #[command(subcommand)]
    Ils(IlsCommand),
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
    /// Patrons' notifications (WhatsApp, SMS, e-mail) through the channels of `[notify]` in
    /// --config (docs/notifications.md).
    #[command(subcommand)]
    Notify(NotifyCommand),
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
    /// The mobile library's routes: stops on a weekly schedule (the web's "Perpustakaan
    /// Keliling", the mobile stations).
    #[command(subcommand)]
    Route(RouteCommand),
    /// People who sign in to the staff pages (`/staff`).
    #[command(subcommand)]
    Staff(StaffCommand),
    /// A patron's kiosk PIN, kept by the hub.
    #[command(subcommand)]
    Patron(PatronCommand),
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
pub(crate) enum StaffCommand {
    /// Add a staff account; prints its generated password (shown once; only a hash is kept).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: crate::staff::StaffRole,
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
pub(crate) enum StationCommand {
    /// Register a station and print its token (shown once; only a hash is kept).
    Add {
        name: String,
        /// What the station is: it pulls and may push only what its role needs.
        #[arg(long, value_enum, default_value = "kiosk")]
        role: StationRole,
        /// A mobile station's card numbers for members it registers, FIRST-LAST (e.g.
        /// MB0100000-MB0100999); required with `--role mobile`.
        #[arg(long, value_name = "FIRST-LAST")]
        cards: Option<String>,
    },
    /// Give a mobile station another range of card numbers (its old one is used up).
    Cards {
        name: String,
        #[arg(value_name = "FIRST-LAST")]
        range: String,
    },
    /// Give a station a new token (shown once); the old one stops working at once.
    Rotate { name: String },
    /// Revoke a station's token (a stolen device): it can no longer sync; its history stays.
    Revoke { name: String },
    /// Stations with their role, when last heard from, what waits there, their conflicts.
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
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
pub(crate) enum ReportCommand {
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
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
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
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
    },
    /// The mobile library per stop (issue #32): stops made and cancelled, visitors, loans,
    /// returns, members registered: `{"from","to","rows":[{"kelurahan","route","stop","id",
    /// "made","cancelled","visitors","loans","returns","registered"}],"cancellations":[...]}`.
    Mobile {
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        /// Print the rows as CSV.
        #[arg(long)]
        csv: bool,
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
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
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
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
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
    },
    /// The year's figures for the national library census (IPLM): `{"year","collection",
    /// "members","visits","loans","returns","renewals","programmes","mobile","staff",
    /// "population","per_1000","sources","notes"}`.
    Annual {
        /// The calendar year (the library's time zone).
        #[arg(long)]
        year: i16,
        /// Print `figure,value,source` as CSV.
        #[arg(long)]
        csv: bool,
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
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
        /// Also write the report as an Excel workbook (.xlsx, one sheet per table) to FILE.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConflictCommand {
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
pub(crate) enum ExportFormat {
    Csv,
    /// Koha's offline circulation file.
    Koc,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HoldCommand {
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
pub(crate) enum PatronCommand {
    /// Sets the PIN kiosks ask CARD for (4 to 8 digits), or, without --set, six random
    /// digits shown once (`--json`: `{"card","pin"}`); a wrong-try lockout is cleared. For a
    /// library system whose members have no PIN (`[ils] pins = "hub"`), or a patron who
    /// forgot theirs.
    Pin {
        card: String,
        #[arg(long)]
        set: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum RouteCommand {
    /// Adds a stop to a route (the route exists with its first stop): `{"id", ...the stop}`.
    Add {
        #[arg(long)]
        route: String,
        #[arg(long)]
        stop: String,
        #[arg(long)]
        kelurahan: String,
        #[arg(long)]
        place: String,
        /// mon … sun (or monday …, senin …).
        #[arg(long)]
        day: String,
        /// HH:MM, the library's clock.
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        #[arg(long)]
        vehicle: Option<String>,
    },
    /// Every stop by route, day and start: `[{"id","route","stop","kelurahan","place","day",
    /// "start","end","vehicle"}]`.
    List,
    /// Removes a stop.
    Remove { id: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PromotionCommand {
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
pub(crate) enum EventCommand {
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

#[derive(Debug, Subcommand)]
pub(crate) enum NotifyCommand {
    /// Queue what is to be told and send what is due, as `serve` does every few seconds:
    /// continuously, or with --once one cycle (waiting out each channel's pace) then exit
    /// (`--json`: `{"happened","scheduled":{...},"sent","retrying","failed","unknown","quiet"}`).
    Run {
        #[arg(long)]
        once: bool,
    },
    /// Send a test message to CONTACT (a number or an e-mail address) on the channel NAME,
    /// now, whatever the hour; exit 3 when the provider did not take it.
    Test {
        #[arg(long, value_name = "NAME")]
        channel: String,
        #[arg(long, value_name = "CONTACT")]
        to: String,
        /// The message's language.
        #[arg(long, default_value = "id")]
        lang: swalayan_core::reason::Lang,
    },
    /// The outbox, newest first (`--json`: `[{"id","patron","kind","channel","status",
    /// "attempts","last_error","created_at","sent_at"}]`, contacts masked).
    List {
        /// Only messages in this state.
        #[arg(long)]
        status: Option<NoticeStatusArg>,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
}

/// `notify list --status`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum NoticeStatusArg {
    Pending,
    Sending,
    Sent,
    Failed,
    Unknown,
}

#[derive(Debug, Subcommand)]
pub(crate) enum IlsCommand {
    /// Can the hub work with it: the connection, the system and version its schema is, the
    /// grants the database user lacks, what there is to read (`--json`: `{"ok","kind",
    /// "version","members","items","titles","open_loans","problems":[...]}`); exit 2 when
    /// anything is wrong.
    Check,
    /// One round of the link: write what the stations and the web did into the system, then
    /// read it into the hub (`--json`: `{"read":{"members","items","titles","loans","holds"},
    /// "written","conflicts"}`). SLiMS 9, INLISLite 3.2 and 3.3 (docs/ils.md).
    Sync {
        /// One round, then exit (`serve` runs the link continuously, every `poll_seconds`).
        #[arg(long, required = true)]
        once: bool,
        /// Read everything, as the first round of each day does (after edits made in the
        /// system's database outside its screens, which leave no timestamp).
        #[arg(long)]
        full: bool,
    },
    /// The link's state as the last round left it (`--json`: `{"system","since",
    /// "last_round","last_read","last_write","backlog","last_error","last_error_at","read",
    /// "written","conflicts"}`); exit 2 when the link never ran.
    Status,
}
