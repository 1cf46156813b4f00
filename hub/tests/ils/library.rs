//! A library on SLiMS or INLISLite with Swalayan beside it: the system's database, a hub
//! reading and writing it (`ils sync --once` rounds, run by the test), the hub serving a
//! kiosk, and the kiosk's command line.

#[path = "../common/fresh_postgres.rs"]
mod fresh_postgres;
#[path = "../../benches/support/hub_process.rs"]
mod hub_process;

use crate::support::{Database, hub_json};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The library's time zone: the hub's and the kiosk's.
pub const TIME_ZONE: &str = "Asia/Jakarta";

/// Where the hub keeps its own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubBackend {
    Sqlite,
    Postgres,
}

pub struct IlsLibrary {
    pub system: Database,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    /// The hub's `--db`: a file, or a PostgreSQL URL.
    pub hub_db: String,
    serving: Option<hub_process::HubProcess>,
    station_config: PathBuf,
}

impl IlsLibrary {
    /// SLiMS loaded from `fixture` plus `extra` statements (the desk's earlier work), read
    /// once by the hub, and a kiosk that has pulled the result.
    pub fn open(fixture: &str, extra: &str) -> IlsLibrary {
        IlsLibrary::open_on(HubBackend::Sqlite, fixture, extra)
    }

    /// The same with the hub on `backend`.
    pub fn open_on(backend: HubBackend, fixture: &str, extra: &str) -> IlsLibrary {
        IlsLibrary::start(backend, fixture, extra, false)
    }

    /// With `serve` running the link itself, a round every second.
    pub fn open_with_link(fixture: &str, extra: &str) -> IlsLibrary {
        IlsLibrary::start(HubBackend::Sqlite, fixture, extra, true)
    }

    /// INLISLite v3.2 (or v3.3, with the fixture's delta) and `extra` statements.
    pub fn open_inlislite(v33: bool, extra: &str) -> IlsLibrary {
        let mut statements = String::new();
        if v33 {
            statements.push_str(
                &std::fs::read_to_string(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/fixtures/ils/inlislite33-delta.sql"),
                )
                .unwrap(),
            );
        }
        statements.push_str(extra);
        IlsLibrary::start_system(
            HubBackend::Sqlite,
            "inlislite",
            "inlislite32.sql",
            &statements,
            false,
        )
    }

    fn start(backend: HubBackend, fixture: &str, extra: &str, link: bool) -> IlsLibrary {
        IlsLibrary::start_system(backend, "slims", fixture, extra, link)
    }

    fn start_system(
        backend: HubBackend,
        kind: &str,
        fixture: &str,
        extra: &str,
        link: bool,
    ) -> IlsLibrary {
        let system = Database::load(fixture);
        if !extra.is_empty() {
            system.run(extra);
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("hub.toml");
        std::fs::write(
            &config,
            format!(
                "[library]\ntimezone = \"{TIME_ZONE}\"\n\n[ils]\nkind = \"{kind}\"\nurl = \"{}\"\noperator_id = 1\npoll_seconds = 1\n",
                system.url()
            ),
        )
        .unwrap();
        let hub_db = match backend {
            HubBackend::Sqlite => dir.path().join("hub.db").display().to_string(),
            HubBackend::Postgres => fresh_postgres::database(),
        };
        let mut library = IlsLibrary {
            system,
            station_config: dir.path().join("kiosk-1.toml"),
            dir,
            config,
            hub_db,
            serving: None,
        };
        library.round();
        let added = hub_json(
            &library.hub_db,
            &library.config,
            &["station", "add", "kiosk-1"],
        );
        let config_arg = library.config.display().to_string();
        let serving = if link {
            hub_process::serve_with(&library.hub_db, &["--config", &config_arg])
        } else {
            hub_process::serve(&library.hub_db)
        };
        std::fs::write(
            &library.station_config,
            format!(
                "[station]\nid = \"kiosk-1\"\n\n[library]\ntimezone = \"{TIME_ZONE}\"\n\n[central]\nkind = \"hub\"\nurl = \"{}\"\ntoken = \"{}\"\n",
                serving.url,
                added["token"].as_str().unwrap()
            ),
        )
        .unwrap();
        library.serving = Some(serving);
        library.kiosk_sync();
        library
    }

    /// One round of the link: `ils sync --once --json`.
    pub fn round(&self) -> Value {
        hub_json(&self.hub_db, &self.config, &["ils", "sync", "--once"])
    }

    /// A round that reads everything (`--full`), as the first of each day does.
    pub fn full_round(&self) -> Value {
        hub_json(
            &self.hub_db,
            &self.config,
            &["ils", "sync", "--once", "--full"],
        )
    }

    /// The kiosk's `swalayan --json ARGS...`.
    pub fn kiosk(&self, args: &[&str]) -> Value {
        let bin: PathBuf = Path::new(env!("CARGO_BIN_EXE_swalayan-hub")).with_file_name("swalayan");
        assert!(bin.exists(), "build the workspace first: {}", bin.display());
        let out = Command::new(bin)
            .arg("--config")
            .arg(&self.station_config)
            .arg("--db")
            .arg(self.dir.path().join("kiosk-1.db"))
            .arg("--json")
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?} ({e}): {}", String::from_utf8_lossy(&out.stderr)))
    }

    /// The hub forgets what it wrote into SLiMS, as a hub killed after SLiMS took the rows
    /// but before it recorded them would have.
    pub fn forget_ils_writes(&self) {
        if self.hub_db.starts_with("postgres") {
            let mut client = postgres::Client::connect(&self.hub_db, postgres::NoTls).unwrap();
            client.execute("DELETE FROM ils_writes", &[]).unwrap();
        } else {
            let hub = rusqlite::Connection::open(&self.hub_db).unwrap();
            hub.execute("DELETE FROM ils_writes", []).unwrap();
        }
    }

    /// The kiosk pushes what it did and pulls what changed.
    pub fn kiosk_sync(&self) -> Value {
        self.kiosk(&["sync", "--once"])
    }
}

/// Today on the library's wall clock.
pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::db().get(TIME_ZONE).unwrap())
        .date()
}

/// SLiMS's due date: `days` on, then past Sundays (the fixture's weekly closing day), as
/// its desk reckons it (`simbio_date::getNextDateNotHoliday`).
pub fn slims_due(from: Date, days: i64) -> Date {
    let mut due = from.checked_add(days.days()).unwrap();
    while due.weekday() == Weekday::Sunday {
        due = due.tomorrow().unwrap();
    }
    due
}
