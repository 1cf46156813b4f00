//! `[library] name, short_name, timezone, branch, isil`: the library the station serves.

use super::{ConfigError, Invalid};
use jiff::tz::TimeZone;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLibrary {
    name: Option<String>,
    short_name: Option<String>,
    timezone: Option<String>,
    branch: Option<String>,
    /// Taken out before [`parse`], for [`parse_isil`].
    pub(super) isil: Option<String>,
}

/// What `[library]` set; `None` keeps the default.
#[derive(Debug, Default)]
pub(super) struct LibrarySection {
    pub name: Option<String>,
    /// Trimmed; a blank one is none.
    pub short_name: Option<String>,
    /// The zone's name and the zone.
    pub time_zone: Option<(String, TimeZone)>,
    pub branch: Option<String>,
}

/// Each key is checked on its own, so one bad key does not hide another's problem. The
/// ISIL is checked by [`parse_isil`], later: a station that will not start names the first
/// problem found, and the ISIL has always been checked after the devices and `[kiosk]`.
pub(super) fn parse(raw: RawLibrary, invalid: Invalid<'_>) -> (LibrarySection, Vec<ConfigError>) {
    let mut problems = Vec::new();
    let mut section = LibrarySection {
        name: raw.name,
        short_name: raw
            .short_name
            .map(|short| short.trim().to_string())
            .filter(|short| !short.is_empty()),
        ..LibrarySection::default()
    };
    if let Some(tz) = raw.timezone {
        match jiff::tz::db().get(&tz) {
            Ok(zone) => section.time_zone = Some((tz, zone)),
            Err(_) => problems.push(invalid(
                "library",
                "timezone",
                format!("'{tz}' is not a known time zone (e.g. \"Asia/Jakarta\")"),
            )),
        }
    }
    match raw.branch {
        Some(branch) if branch.trim().is_empty() => {
            problems.push(invalid("library", "branch", "must not be empty".into()));
        }
        branch => section.branch = branch,
    }
    (section, problems)
}

/// `[library] isil`: the library's ISIL (e.g. `ID-TTK`), if it names one.
pub(super) fn parse_isil(
    isil: Option<String>,
    invalid: Invalid<'_>,
) -> Result<Option<String>, ConfigError> {
    match isil {
        Some(isil)
            if isil.trim().is_empty() || isil.len() > 16 || isil.contains(char::is_whitespace) =>
        {
            Err(invalid(
                "library",
                "isil",
                format!("'{isil}': an ISIL like \"ID-TTK\" (up to 16 characters)"),
            ))
        }
        isil => Ok(isil),
    }
}
