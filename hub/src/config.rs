//! The hub's configuration file (`swalayan-hub --config hub.toml`): the library as its public
//! pages present it. Format in docs/config.md ("The hub's file").
//!
//! ```toml
//! [library]
//! name = "Perpustakaan Kota Tebing Tinggi"
//! timezone = "Asia/Jakarta"
//! public_url = "https://perpustakaan.example.go.id"
//!
//! [library.hours]
//! monday = "08:00-16:00"
//! friday = "08:00-11:30, 13:30-16:00"
//! saturday = "09:00-13:00"
//! # a day not listed (or "closed") is closed
//! ```
//!
//! Closed dates (holidays) come from the circulation policy's calendar, the one the stations
//! use for due dates, so the web and the kiosks never disagree about when the library opens.

use jiff::civil::{Time, Weekday};
use serde::Deserialize;
use std::path::Path;

/// The time zone when the file names none: the first library's (the stations' default).
pub use swalayan_core::domain::DEFAULT_TIME_ZONE;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The whole file; sections other tools add later sit beside `[library]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    #[serde(default)]
    pub library: LibraryFile,
    #[serde(default)]
    pub web: WebFile,
    #[serde(default)]
    pub events: EventsFile,
    /// `[ils]`: the library's own system the hub is a bridge to (read by [`ils_settings`]).
    pub ils: Option<crate::ils::settings::IlsFile>,
    /// `[notify]`: patrons' notifications (read by [`notify_settings`]).
    pub notify: Option<crate::notify::settings::NotifyFile>,
    /// `[digital]`: the digital library's files (read by [`digital_settings`]).
    pub digital: Option<crate::digital::settings::DigitalSection>,
}

/// `[web]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebFile {
    /// Hours a signed-in session lasts at most, however active (default 8).
    pub session_max_hours: Option<u64>,
}

/// `[events]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsFile {
    /// The waiting list holds at most this many times an event's places (default 2).
    pub waiting_list_factor: Option<u32>,
}

/// `[library]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryFile {
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub timezone: Option<String>,
    pub public_url: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// The library's e-mail address: the site's footer, OAI-PMH's `adminEmail`.
    pub email: Option<String>,
    /// How many people work at the library (the census's staff figure).
    pub staff: Option<u32>,
    /// The people the library serves (the city's population): the census's per-1,000 ratios.
    pub population: Option<u64>,
    #[serde(default)]
    pub hours: HoursFile,
    /// Whether people without a card may register for events with a name and phone number.
    #[serde(default = "yes")]
    pub guest_registration: bool,
    /// The branches patrons may pick reserved books up at; unset: those the copies name.
    #[serde(default)]
    pub branches: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A hub without a `[library]` section has the same defaults as one with an empty section
/// (a derived default would turn guest registration off, against docs/config.md).
impl Default for LibraryFile {
    fn default() -> LibraryFile {
        LibraryFile {
            name: None,
            short_name: None,
            timezone: None,
            public_url: None,
            description: None,
            address: None,
            phone: None,
            email: None,
            staff: None,
            population: None,
            hours: HoursFile::default(),
            guest_registration: yes(),
            branches: Vec::new(),
        }
    }
}

/// `[library.hours]`: one entry per weekday, `"HH:MM-HH:MM"` ranges separated by commas.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursFile {
    pub monday: Option<String>,
    pub tuesday: Option<String>,
    pub wednesday: Option<String>,
    pub thursday: Option<String>,
    pub friday: Option<String>,
    pub saturday: Option<String>,
    pub sunday: Option<String>,
}

/// The library as the pages use it: checked and parsed.
#[derive(Debug, Clone)]
pub struct Library {
    pub name: String,
    pub short_name: String,
    pub timezone: jiff::tz::TimeZone,
    pub timezone_name: String,
    /// Without a trailing slash; `None`: links are relative and no canonical URL is claimed.
    pub public_url: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// `[library] email`, checked.
    pub email: Option<String>,
    /// `[library] staff` and `population`: the annual report's census figures.
    pub staff: Option<u32>,
    pub population: Option<u64>,
    /// Monday first; an empty list is a closed day.
    pub hours: [Vec<(Time, Time)>; 7],
    pub guest_registration: bool,
    /// `[library] branches`, trimmed, without empties (empty: the branches copies name).
    pub branches: Vec<String>,
    /// `[web] session_max_hours`: a session's longest life, however active.
    pub session_max: std::time::Duration,
    /// `[events] waiting_list_factor`: the waiting list's size in places of the event.
    pub waiting_list_factor: u32,
}

/// Sessions end after this many hours unless `[web] session_max_hours` says otherwise.
pub const DEFAULT_SESSION_MAX_HOURS: u64 = 8;
/// An event's waiting list holds this many times its places unless configured.
pub const DEFAULT_WAITING_LIST_FACTOR: u32 = 2;

impl Default for Library {
    fn default() -> Library {
        Library::from_file(LibraryFile::default()).unwrap_or_else(|_| unreachable_default())
    }
}

/// The defaults always parse; this only satisfies the type.
fn unreachable_default() -> Library {
    Library {
        name: "Perpustakaan".into(),
        short_name: "Perpustakaan".into(),
        timezone: jiff::tz::TimeZone::UTC,
        timezone_name: "UTC".into(),
        public_url: None,
        description: None,
        address: None,
        phone: None,
        email: None,
        staff: None,
        population: None,
        hours: Default::default(),
        guest_registration: true,
        branches: Vec::new(),
        session_max: std::time::Duration::from_secs(DEFAULT_SESSION_MAX_HOURS * 3600),
        waiting_list_factor: DEFAULT_WAITING_LIST_FACTOR,
    }
}

impl Library {
    /// The library's wall clock now (events and opening hours are in it).
    pub fn local_now(&self) -> jiff::civil::DateTime {
        jiff::Timestamp::now()
            .to_zoned_datetime(self.timezone.clone())
            .datetime()
    }

    /// Reads the file at `path`.
    pub fn load(path: &Path) -> Result<Library, ConfigError> {
        let file = read_file(path)?;
        let invalid = |message: String| invalid(path, message);
        let mut library = Library::from_file(file.library).map_err(invalid)?;
        if let Some(hours) = file.web.session_max_hours {
            if !(1..=24 * 30).contains(&hours) {
                return Err(invalid(format!(
                    "[web] session_max_hours: {hours} is not between 1 and 720"
                )));
            }
            library.session_max = std::time::Duration::from_secs(hours * 3600);
        }
        if let Some(factor) = file.events.waiting_list_factor {
            if factor > 100 {
                return Err(invalid(format!(
                    "[events] waiting_list_factor: {factor} is more than 100"
                )));
            }
            library.waiting_list_factor = factor;
        }
        Ok(library)
    }

    /// Checks and parses `[library]`.
    pub fn from_file(file: LibraryFile) -> Result<Library, String> {
        let timezone_name = file
            .timezone
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_string());
        let timezone = jiff::tz::db().get(&timezone_name).map_err(|_| {
            format!(
                "[library] timezone: '{timezone_name}' is not a time zone (write e.g. Asia/Jakarta)"
            )
        })?;
        let public_url = match file.public_url {
            None => None,
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_string();
                if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 {
                    return Err(format!(
                        "[library] public_url: '{url}' is not a web address (write e.g. https://perpustakaan.example.go.id)"
                    ));
                }
                Some(url)
            }
        };
        let h = file.hours;
        let days = [
            ("monday", h.monday),
            ("tuesday", h.tuesday),
            ("wednesday", h.wednesday),
            ("thursday", h.thursday),
            ("friday", h.friday),
            ("saturday", h.saturday),
            ("sunday", h.sunday),
        ];
        let mut hours: [Vec<(Time, Time)>; 7] = Default::default();
        for (slot, (day, text)) in hours.iter_mut().zip(days) {
            if let Some(text) = text {
                *slot = parse_hours(&text).map_err(|e| format!("[library.hours] {day}: {e}"))?;
            }
        }
        let name = file
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Perpustakaan".to_string());
        Ok(Library {
            short_name: file.short_name.unwrap_or_else(|| name.clone()),
            name,
            timezone,
            timezone_name,
            public_url,
            description: file.description,
            address: file.address,
            phone: file.phone,
            email: match file
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                None => None,
                Some(email) => Some(
                    swalayan_core::contact::check_email(email)
                        .map_err(|e| format!("[library] email: '{email}': {e}"))?,
                ),
            },
            staff: file.staff,
            population: file.population,
            hours,
            guest_registration: file.guest_registration,
            branches: file
                .branches
                .iter()
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty())
                .collect(),
            session_max: std::time::Duration::from_secs(DEFAULT_SESSION_MAX_HOURS * 3600),
            waiting_list_factor: DEFAULT_WAITING_LIST_FACTOR,
        })
    }

    /// Opening hours on a weekday (empty: closed that weekday).
    pub fn hours_on(&self, day: Weekday) -> &[(Time, Time)] {
        &self.hours[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }

    /// `path` as an absolute address on the public site (or as is without `public_url`).
    pub fn url(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_string(),
        }
    }
}

/// `"08:00-12:00, 13:00-16:00"` (or `"closed"`) → the ranges, in order, none overlapping.
pub fn parse_hours(text: &str) -> Result<Vec<(Time, Time)>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("closed") || text.eq_ignore_ascii_case("tutup")
    {
        return Ok(Vec::new());
    }
    let mut ranges: Vec<(Time, Time)> = Vec::new();
    for part in text.split(',') {
        let bad = || {
            format!(
                "'{}' is not a range of hours (write 08:00-16:00)",
                part.trim()
            )
        };
        let (open, close) = part.trim().split_once('-').ok_or_else(bad)?;
        let open: Time = open.trim().parse().map_err(|_| bad())?;
        let close: Time = close.trim().parse().map_err(|_| bad())?;
        if close <= open {
            return Err(format!("'{}' closes before it opens", part.trim()));
        }
        if ranges.last().is_some_and(|(_, end)| *end > open) {
            return Err(format!(
                "'{}' overlaps the range before it (list them in order)",
                part.trim()
            ));
        }
        ranges.push((open, close));
    }
    Ok(ranges)
}

/// `[ils]` of the hub's file, checked (`None` when the file has none): the library system the
/// hub reads from and writes to.
pub fn ils_settings(path: &Path) -> Result<Option<crate::ils::IlsSettings>, ConfigError> {
    let file = read_file(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    file.ils
        .map(|ils| crate::ils::IlsSettings::from_file(ils, base))
        .transpose()
        .map_err(|e| invalid(path, e.to_string()))
}

/// `[notify]` of the hub's file, checked (`None` when the file has none).
pub fn notify_settings(path: &Path) -> Result<Option<crate::notify::NotifySettings>, ConfigError> {
    let file = read_file(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    file.notify
        .map(|notify| crate::notify::NotifySettings::from_file(notify, base))
        .transpose()
        .map_err(|e| invalid(path, format!("[notify] {e}")))
}

/// `[digital]` of the hub's file (or its defaults without a file or section), for a hub on
/// the database `db` (a SQLite file's folder is the files' default home).
pub fn digital_settings(
    path: Option<&Path>,
    db: &str,
) -> Result<crate::digital::DigitalSettings, ConfigError> {
    let Some(path) = path else {
        return Ok(crate::digital::DigitalSettings::defaults(db));
    };
    let file = read_file(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    crate::digital::DigitalSettings::from_section(file.digital.unwrap_or_default(), base, db)
        .map_err(|e| invalid(path, format!("[digital] {e}")))
}

/// The hub's file, parsed (every section; each reader checks its own).
fn read_file(path: &Path) -> Result<HubConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| invalid(path, e.to_string()))
}

/// A value of the hub's file that cannot be used.
fn invalid(path: &Path, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.display().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    #[test]
    fn hours_parse_with_breaks_and_closed_days() {
        assert_eq!(
            parse_hours("08:00-11:30, 13:30-16:00").unwrap(),
            vec![
                (time(8, 0, 0, 0), time(11, 30, 0, 0)),
                (time(13, 30, 0, 0), time(16, 0, 0, 0))
            ]
        );
        assert_eq!(parse_hours("closed").unwrap(), vec![]);
        assert!(
            parse_hours("16:00-08:00")
                .unwrap_err()
                .contains("closes before")
        );
        assert!(parse_hours("8 to 4").unwrap_err().contains("not a range"));
        assert!(
            parse_hours("08:00-12:00, 11:00-14:00")
                .unwrap_err()
                .contains("overlaps")
        );
    }

    #[test]
    fn the_file_is_checked_with_the_line_to_fix() {
        let file: HubConfig = toml::from_str(
            r#"
            [library]
            name = "Perpustakaan Kota Tebing Tinggi"
            public_url = "https://perpustakaan.example.go.id/"
            [library.hours]
            monday = "08:00-16:00"
            "#,
        )
        .unwrap();
        let library = Library::from_file(file.library).unwrap();
        assert_eq!(library.timezone_name, "Asia/Jakarta");
        assert_eq!(
            library.url("/search"),
            "https://perpustakaan.example.go.id/search"
        );
        assert_eq!(library.hours_on(Weekday::Monday).len(), 1);
        assert!(library.hours_on(Weekday::Sunday).is_empty());

        let zone = LibraryFile {
            timezone: Some("Mars/Olympus".into()),
            ..Default::default()
        };
        assert!(Library::from_file(zone).unwrap_err().contains("timezone"));
        let unknown: Result<HubConfig, _> = toml::from_str("[library]\nnmae = \"x\"");
        assert!(unknown.unwrap_err().to_string().contains("nmae"));
    }
}
