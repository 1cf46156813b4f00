//! Hub processes, stations, backends and a fault-injecting TCP proxy for the sync tests.

#[path = "../common/fresh_postgres.rs"]
mod fresh_postgres;
#[path = "../common/pdf.rs"]
pub mod pdf;

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use swalayan::circulation::desk::{Desk, DeskSettings};
use swalayan::clock::SystemClock;
use swalayan::import::demo::load_demo;
use swalayan::store::Store;
use swalayan::sync::push::Central;

/// Runs a test body once per storage backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(crate::support::Backend::Sqlite)
                }
                #[test]
                fn postgres() {
                    super::$name(crate::support::Backend::Postgres)
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh, empty hub database: a file in `dir`, or a new PostgreSQL database.
    pub fn database(self, dir: &Path) -> String {
        match self {
            Backend::Sqlite => dir.join("hub.db").display().to_string(),
            Backend::Postgres => fresh_postgres::database(),
        }
    }
}

pub struct Hub {
    pub child: Child,
    pub url: String,
    /// `http://ADDR/metrics` when started with `--metrics-listen`.
    pub metrics_url: Option<String>,
    pub db: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Hub {
    pub fn cmd(&self, args: &[&str]) -> Output {
        hub_cmd(&self.db, args)
    }

    /// Runs a hub command with `--json`, expecting success.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cmd(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "swalayan-hub {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Adds a kiosk; returns its token.
    pub fn add_station(&self, name: &str) -> String {
        self.add_station_as(name, "kiosk")
    }

    /// Adds a station of a role (kiosk, dropbox, gate, staff); returns its token.
    pub fn add_station_as(&self, name: &str, role: &str) -> String {
        let added = self.json(&["station", "add", name, "--role", role]);
        assert_eq!(added["role"], role);
        added["token"].as_str().unwrap().to_string()
    }

    /// A station's row of `station list`.
    pub fn listed(&self, station: &str) -> Value {
        let listed = self.json(&["station", "list"]);
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["station"] == station)
            .unwrap_or_else(|| panic!("{station} not in {listed}"))
            .clone()
    }

    /// Adds a mobile-library stop with `route add` (place "halaman"): `[route, stop,
    /// kelurahan, day, start, end]` and any further flags; the stop as the hub answers.
    pub fn add_stop(&self, stop: [&str; 6], extra: &[&str]) -> Value {
        let [route, name, kelurahan, day, start, end] = stop;
        let mut args = vec![
            "route",
            "add",
            "--route",
            route,
            "--stop",
            name,
            "--kelurahan",
            kelurahan,
            "--place",
            "halaman",
            "--day",
            day,
            "--start",
            start,
            "--end",
            end,
        ];
        args.extend_from_slice(extra);
        self.json(&args)
    }

    pub fn status(&self) -> Value {
        self.json(&["status"])
    }

    pub fn central(&self, token: &str, station: &str) -> Central {
        Central::new(&self.url, token, station)
    }
}

pub fn hub_bin() -> &'static str {
    env!("CARGO_BIN_EXE_swalayan-hub")
}

pub fn hub_cmd(db: &str, args: &[&str]) -> Output {
    Command::new(hub_bin())
        .args(["--db", db])
        .args(args)
        .output()
        .unwrap()
}

/// Starts a hub process on a fresh database of `backend`.
pub fn start_hub(backend: Backend, dir: &Path) -> Hub {
    start_hub_on(&backend.database(dir), "127.0.0.1:0", &[])
}

/// Starts a hub process on `db` listening on `listen` (port 0: any; a fixed port to restart
/// it in place) and reads the address from its first line.
pub fn start_hub_on(db: &str, listen: &str, extra: &[&str]) -> Hub {
    let mut child = Command::new(hub_bin())
        .args(["--db", db, "serve", "--listen", listen])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no listening line: {line:?}"))
        .to_string();
    let metrics_url = extra.contains(&"--metrics-listen").then(|| {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        line.trim()
            .strip_prefix("metrics on ")
            .unwrap_or_else(|| panic!("no metrics line: {line:?}"))
            .to_string()
    });
    Hub {
        child,
        url,
        metrics_url,
        db: db.to_string(),
    }
}

/// A station on the swalayan library: its own SQLite file with the demo library.
pub fn demo_station(dir: &Path, name: &str) -> Desk {
    let mut store = Store::open(&dir.join(format!("{name}.db"))).unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    load_demo(&mut store, jiff::Timestamp::now(), &tz, "pusat").unwrap();
    Desk::new(
        store,
        DeskSettings {
            station_id: name.into(),
            branch: "pusat".into(),
            time_zone: tz,
        },
        Box::new(SystemClock),
    )
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The station binary, built beside the hub's.
pub fn station_bin() -> PathBuf {
    let bin = Path::new(hub_bin()).with_file_name("swalayan");
    assert!(
        bin.exists(),
        "build the workspace first (cargo build --workspace): {}",
        bin.display()
    );
    bin
}

/// A station driven through the `swalayan` command line, with a config naming the hub.
pub struct CliStation {
    pub db: PathBuf,
    pub config: PathBuf,
}

impl CliStation {
    pub fn new(dir: &Path, name: &str, hub_url: &str, token: &str, extra: &str) -> CliStation {
        let db = dir.join(format!("{name}.db"));
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[station]\nid = \"{name}\"\n\n[central]\nkind = \"hub\"\nurl = \"{hub_url}\"\ntoken = \"{token}\"\n{extra}"
            ),
        )
        .unwrap();
        CliStation { db, config }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(station_bin())
            .arg("--config")
            .arg(&self.config)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap()
    }

    /// `--json` output and exit code.
    pub fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap_or(-1), value)
    }

    /// One sync round that must reach the hub.
    pub fn sync(&self) -> Value {
        let out = self.run(&["--json", "sync", "--once"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "sync: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// Writes a file into `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// An HTTP client as stations make them (rustls with the ring provider installed).
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A loopback address free now, for a hub that must come back on the same address.
pub fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}
