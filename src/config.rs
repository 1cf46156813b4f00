//! The station's configuration file (TOML), validated into a [`Config`].
//!
//! Schema (docs/config.md): `[station] id, db, lang` and `[library] name, timezone, branch`.
//! Unknown keys and bad values are errors that name the file, the line and the key.

use crate::reason::Lang;
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: wrong path or permissions.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        /// The key at fault, when known.
        key: Option<String>,
        message: String,
    },
    /// A value has the right type but is not acceptable.
    #[error("{path}:{line}: key '{key}': {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    station: RawStation,
    #[serde(default)]
    library: RawLibrary,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStation {
    id: Option<String>,
    db: Option<PathBuf>,
    lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLibrary {
    name: Option<String>,
    timezone: Option<String>,
    branch: Option<String>,
}

/// A validated station configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Stamped on every transaction; unique per station.
    pub station_id: String,
    /// The database file; relative paths are relative to the config file.
    pub db: Option<PathBuf>,
    pub lang: Lang,
    pub library_name: String,
    pub time_zone_name: String,
    pub time_zone: TimeZone,
    /// The branch this station stands in.
    pub branch: String,
}

pub const DEFAULT_TIME_ZONE: &str = "Asia/Jakarta";
pub const DEFAULT_BRANCH: &str = "pusat";

impl Default for Config {
    fn default() -> Config {
        Config {
            station_id: default_station_id(),
            db: None,
            lang: Lang::Id,
            library_name: "Perpustakaan".to_string(),
            time_zone_name: DEFAULT_TIME_ZONE.to_string(),
            time_zone: jiff::tz::db()
                .get(DEFAULT_TIME_ZONE)
                .expect("the bundled tz database has Asia/Jakarta"),
            branch: DEFAULT_BRANCH.to_string(),
        }
    }
}

/// Without a config, the station is named after the host, so two demo machines differ.
fn default_station_id() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .map(|h| format!("station-{h}"))
        .unwrap_or_else(|| "station-1".to_string())
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => (
                    line_of(text, span.start),
                    text.get(span.clone())
                        .map(|k| k.trim_matches('"').to_string()),
                ),
                None => (0, None),
            };
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                key,
                message: e.message().trim().to_string(),
            }
        })?;
        let invalid = |section: &str, key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: find_key_line(text, section, key),
            key: format!("{section}.{key}"),
            message,
        };
        let mut config = Config::default();
        if let Some(id) = raw.station.id {
            if id.trim().is_empty() || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(invalid(
                    "station",
                    "id",
                    "must be a non-empty name without spaces, e.g. \"kiosk-1\"".into(),
                ));
            }
            config.station_id = id;
        }
        if let Some(db) = raw.station.db {
            let base = path.parent().unwrap_or(Path::new("."));
            config.db = Some(if db.is_absolute() { db } else { base.join(db) });
        }
        if let Some(lang) = raw.station.lang {
            config.lang = Lang::from_code(&lang).ok_or_else(|| {
                invalid(
                    "station",
                    "lang",
                    format!("'{lang}' is not a language here: use \"id\" or \"en\""),
                )
            })?;
        }
        if let Some(name) = raw.library.name {
            config.library_name = name;
        }
        if let Some(tz) = raw.library.timezone {
            config.time_zone = jiff::tz::db().get(&tz).map_err(|_| {
                invalid(
                    "library",
                    "timezone",
                    format!("'{tz}' is not a known time zone (e.g. \"Asia/Jakarta\")"),
                )
            })?;
            config.time_zone_name = tz;
        }
        if let Some(branch) = raw.library.branch {
            if branch.trim().is_empty() {
                return Err(invalid("library", "branch", "must not be empty".into()));
            }
            config.branch = branch;
        }
        Ok(config)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside `[section]`, for messages about values.
fn find_key_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section
            && trimmed
                .split('=')
                .next()
                .is_some_and(|k| k.trim().trim_matches('"') == key)
        {
            return i + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/etc/swalayan/kiosk.toml"), text)
    }

    #[test]
    fn a_full_config_parses() {
        let config = parse(
            "[station]\nid = \"kiosk-1\"\ndb = \"kiosk.db\"\nlang = \"en\"\n\n[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\ntimezone = \"Asia/Jakarta\"\nbranch = \"pusat\"\n",
        )
        .unwrap();
        assert_eq!(config.station_id, "kiosk-1");
        assert_eq!(
            config.db.as_deref(),
            Some(Path::new("/etc/swalayan/kiosk.db"))
        );
        assert_eq!(config.lang, Lang::En);
        assert_eq!(config.time_zone_name, "Asia/Jakarta");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[station]\nid = \"k\"\ncolour = \"red\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/etc/swalayan/kiosk.toml:3"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = parse("[library]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":3:") && err.contains("library.timezone"),
            "{err}"
        );
        let err = parse("[station]\nlang = \"fr\"\n").unwrap_err().to_string();
        assert!(err.contains("station.lang") && err.contains(":2:"), "{err}");
        let err = parse("[station]\nid = 5\n").unwrap_err().to_string();
        assert!(err.contains(":2:"), "{err}");
    }

    #[test]
    fn empty_config_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.lang, Lang::Id);
        assert_eq!(config.time_zone_name, DEFAULT_TIME_ZONE);
    }
}
