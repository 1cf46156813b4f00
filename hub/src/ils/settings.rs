//! `[ils]` in hub.toml: the library system the hub is a bridge to.
//!
//! ```toml
//! [ils]
//! kind = "slims"                          # or "inlislite"
//! url = "mysql://swalayan@127.0.0.1:3306/slims"
//! password_file = "/etc/swalayan/ils-password"
//! operator_id = 1                         # the system's staff account the hub writes as
//! pins = "ils"                            # "ils", "hub" or "none"
//! ```

use super::IlsError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `[ils]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IlsFile {
    pub kind: String,
    pub url: String,
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub tls: bool,
    pub ca_file: Option<PathBuf>,
    /// The system's branch or location ids, each to one of ours.
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
    pub operator_id: Option<i64>,
    pub terminal: Option<String>,
    pub poll_seconds: Option<u64>,
    pub pins: Option<String>,
}

/// Which library system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemKind {
    Inlislite,
    Slims,
}

impl SystemKind {
    pub fn code(self) -> &'static str {
        match self {
            SystemKind::Inlislite => "inlislite",
            SystemKind::Slims => "slims",
        }
    }

    pub fn parse(code: &str) -> Option<SystemKind> {
        match code {
            "inlislite" => Some(SystemKind::Inlislite),
            "slims" => Some(SystemKind::Slims),
            _ => None,
        }
    }
}

/// Where kiosk and web PINs are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinSource {
    /// The system's member passwords, where it keeps a hash worth verifying (SLiMS's bcrypt).
    Ils,
    /// PINs the hub keeps (INLISLite's members have none).
    Hub,
    None,
}

/// `[ils]`, checked.
#[derive(Clone)]
pub struct IlsSettings {
    pub kind: SystemKind,
    /// The URL as written (no password in it).
    pub url: String,
    pub password: Option<String>,
    pub tls: bool,
    /// The certificate to trust for the database's TLS, instead of the system's roots.
    pub ca_file: Option<PathBuf>,
    pub branches: BTreeMap<String, String>,
    pub operator_id: Option<i64>,
    /// INLISLite's `CreateTerminal` for the rows the hub writes.
    pub terminal: String,
    pub poll: Duration,
    pub pins: PinSource,
}

impl std::fmt::Debug for IlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password is never printed.
        f.debug_struct("IlsSettings")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("tls", &self.tls)
            .field("operator_id", &self.operator_id)
            .finish_non_exhaustive()
    }
}

impl IlsSettings {
    /// Checks `[ils]`; relative files are relative to hub.toml's folder (`base`).
    pub fn from_file(file: IlsFile, base: &Path) -> Result<IlsSettings, IlsError> {
        let bad = |message: String| IlsError::Settings(message);
        let kind = SystemKind::parse(file.kind.trim()).ok_or_else(|| {
            bad(format!(
                "kind: '{}' is not a library system the hub knows (write \"inlislite\" or \"slims\")",
                file.kind
            ))
        })?;
        let url = file.url.trim().to_string();
        // Said without the address: a mistyped one may hold a password.
        let opts = mysql::Opts::from_url(&url).map_err(|e| {
            bad(format!(
                "url: not a mysql://USER@HOST:PORT/DATABASE address ({e})"
            ))
        })?;
        if opts.get_pass().is_some() {
            return Err(bad(
                "url: keep the password out of the address; name a file with password_file".into(),
            ));
        }
        if opts.get_db_name().is_none_or(str::is_empty) {
            return Err(bad(format!("url: '{url}' names no database (…/DATABASE)")));
        }
        let beside = |path: PathBuf| {
            if path.is_absolute() {
                path
            } else {
                base.join(path)
            }
        };
        let password = match file.password_file {
            None => None,
            Some(path) => {
                let path = beside(path);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| bad(format!("password_file: {}: {e}", path.display())))?;
                Some(text.trim().to_string())
            }
        };
        let pins = match file.pins.as_deref().map(str::trim) {
            None | Some("ils") => PinSource::Ils,
            Some("hub") => PinSource::Hub,
            Some("none") => PinSource::None,
            Some(other) => {
                return Err(bad(format!(
                    "pins: '{other}' (write \"ils\", \"hub\" or \"none\")"
                )));
            }
        };
        let poll_seconds = file.poll_seconds.unwrap_or(30);
        if !(1..=3600).contains(&poll_seconds) {
            return Err(bad(format!(
                "poll_seconds: {poll_seconds} is not between 1 and 3600"
            )));
        }
        Ok(IlsSettings {
            kind,
            url,
            password,
            tls: file.tls || file.ca_file.is_some(),
            ca_file: file.ca_file.map(beside),
            branches: file.branches,
            operator_id: file.operator_id,
            terminal: file
                .terminal
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "swalayan".to_string()),
            poll: Duration::from_secs(poll_seconds),
            pins,
        })
    }

    /// The connection's options: the address, the password, TLS when asked for.
    pub fn opts(&self) -> Result<mysql::Opts, IlsError> {
        let opts = mysql::Opts::from_url(&self.url)
            .map_err(|e| IlsError::Settings(format!("url: {e}")))?;
        let mut builder = mysql::OptsBuilder::from_opts(opts)
            .pass(self.password.clone())
            .tcp_connect_timeout(Some(Duration::from_secs(10)))
            .read_timeout(Some(Duration::from_secs(30)))
            .write_timeout(Some(Duration::from_secs(30)));
        if self.tls {
            let mut ssl = mysql::SslOpts::default();
            if let Some(ca) = &self.ca_file {
                ssl = ssl.with_root_cert_path(Some(ca.clone()));
            }
            builder = builder.ssl_opts(Some(ssl));
        }
        Ok(builder.into())
    }

    /// The database's name, as the URL gives it.
    pub fn database(&self) -> String {
        mysql::Opts::from_url(&self.url)
            .ok()
            .and_then(|o| o.get_db_name().map(str::to_string))
            .unwrap_or_default()
    }

    /// A connection to the system's database.
    pub fn connect(&self) -> Result<mysql::Conn, IlsError> {
        Ok(mysql::Conn::new(self.opts()?)?)
    }
}
