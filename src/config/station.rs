//! `[station] id, db, lang, role`: which station this is, where its database lives, the
//! language its screens start in, and (for a mobile library) its role.

use super::{ConfigError, Invalid, beside};
use crate::reason::Lang;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStation {
    id: Option<String>,
    db: Option<PathBuf>,
    lang: Option<String>,
    role: Option<String>,
}

/// What `[station]` set; `None` keeps the default.
#[derive(Debug, Default)]
pub(super) struct StationSection {
    pub id: Option<String>,
    /// Relative paths made relative to the config file.
    pub db: Option<PathBuf>,
    pub lang: Option<Lang>,
    /// `mobile` makes `swalayan kiosk` a mobile library (issue #32); the kiosk, drop box and
    /// gate are what their commands run.
    pub role: Option<crate::contract::roles::StationRole>,
}

/// Each key is checked on its own, so one bad key does not hide another's problem.
pub(super) fn parse(
    raw: RawStation,
    config_path: &Path,
    invalid: Invalid<'_>,
) -> (StationSection, Vec<ConfigError>) {
    let mut section = StationSection::default();
    let mut problems = Vec::new();
    match raw.id {
        Some(id)
            if id.trim().is_empty() || id.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            problems.push(invalid(
                "station",
                "id",
                "must be a non-empty name without spaces, e.g. \"kiosk-1\"".into(),
            ));
        }
        id => section.id = id,
    }
    section.db = raw.db.map(|db| beside(config_path, db));
    if let Some(lang) = raw.lang {
        match Lang::from_code(&lang) {
            Some(lang) => section.lang = Some(lang),
            None => problems.push(invalid(
                "station",
                "lang",
                format!("'{lang}' is not a language here: use \"id\" or \"en\""),
            )),
        }
    }
    if let Some(role) = raw.role {
        use crate::contract::roles::StationRole;
        match StationRole::parse(&role) {
            Some(StationRole::Staff) | None => problems.push(invalid(
                "station",
                "role",
                format!(
                    "'{role}' is not a station role here: use \"kiosk\", \"dropbox\", \"gate\" or \"mobile\""
                ),
            )),
            Some(role) => section.role = Some(role),
        }
    }
    (section, problems)
}
