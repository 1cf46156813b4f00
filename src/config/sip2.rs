//! `[central] kind = "sip2"`: the library's own system over SIP2 — where it is, how to sign
//! in, the connection's encoding, and the library's offline policy (what the station may do
//! alone while the system does not answer).

use super::{ConfigError, beside};
use crate::circulation::library_system::OfflinePatrons;
use std::path::{Path, PathBuf};
use std::time::Duration;
use swalayan_sip2::{Encoding, Settings};

/// The SIP2 keys of `[central]` (the hub's keys live beside them in `RawCentral`).
#[derive(Debug, Default)]
pub(super) struct RawSip2 {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<bool>,
    pub ca_file: Option<PathBuf>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub location: Option<String>,
    pub institution: Option<String>,
    pub terminal_password: Option<String>,
    pub encoding: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub offline_checkout: Option<bool>,
    pub offline_checkin: Option<bool>,
    pub offline_patrons: Option<String>,
    pub offline_patron_days: Option<u32>,
    pub pin_required: Option<bool>,
}

/// The station's SIP2 settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Sip2Config {
    /// The connection (host, sign-in, encoding, timeout).
    pub connection: Settings,
    /// Lend while the library system does not answer (decided by the station's own rules).
    pub offline_checkout: bool,
    /// Take returns while the library system does not answer.
    pub offline_checkin: bool,
    /// Offline, which patrons the station serves alone (and whether it checks their PIN).
    pub offline_patrons: OfflinePatrons,
    /// How many days after the library system last accepted a patron here the station still
    /// serves them offline.
    pub offline_patron_days: u32,
    /// Every patron types a PIN, which the library system checks.
    pub pin_required: bool,
}

pub(super) fn parse(
    raw: RawSip2,
    config_path: &Path,
    invalid: super::Invalid<'_>,
) -> Result<Sip2Config, ConfigError> {
    let host = raw.host.filter(|h| !h.trim().is_empty()).ok_or_else(|| {
        invalid(
            "central",
            "host",
            "the library system's SIP2 host is required".into(),
        )
    })?;
    let password = match (raw.password, raw.password_file) {
        (Some(password), None) => password,
        (None, Some(file)) => {
            let file = beside(config_path, file);
            std::fs::read_to_string(&file)
                .map_err(|e| {
                    invalid(
                        "central",
                        "password_file",
                        format!("{}: {e}", file.display()),
                    )
                })?
                .trim_end_matches(['\r', '\n'])
                .to_string()
        }
        (None, None) => String::new(),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "central",
                "password",
                "give either password or password_file".into(),
            ));
        }
    };
    let encoding = match raw.encoding {
        None => Encoding::Cp850,
        Some(name) => name
            .parse()
            .map_err(|message| invalid("central", "encoding", message))?,
    };
    let timeout = match raw.timeout_seconds {
        None => 12,
        Some(s) if (1..=120).contains(&s) => s,
        Some(s) => {
            return Err(invalid(
                "central",
                "timeout_seconds",
                format!("{s}: use 1 to 120 seconds"),
            ));
        }
    };
    let offline_patrons = match raw.offline_patrons {
        None => OfflinePatrons::default(),
        Some(text) => OfflinePatrons::parse(&text).ok_or_else(|| {
            invalid(
                "central",
                "offline_patrons",
                format!("'{text}': use \"verified\" (the default) or \"seen\""),
            )
        })?,
    };
    let offline_patron_days = match raw.offline_patron_days {
        None => 30,
        Some(days) if days <= 365 => days,
        Some(days) => {
            return Err(invalid(
                "central",
                "offline_patron_days",
                format!("{days}: use 0 to 365 days"),
            ));
        }
    };
    let ca_file = raw.ca_file.map(|file| beside(config_path, file));
    if let Some(file) = &ca_file
        && !file.exists()
    {
        return Err(invalid(
            "central",
            "ca_file",
            format!("{}: no such file", file.display()),
        ));
    }
    Ok(Sip2Config {
        connection: Settings {
            tls: raw.tls.unwrap_or(false),
            ca_file,
            user: raw.user.unwrap_or_default(),
            password,
            location: raw.location,
            institution: raw.institution.unwrap_or_default(),
            terminal_password: raw.terminal_password.unwrap_or_default(),
            encoding,
            timeout: Duration::from_secs(timeout),
            ..Settings::new(&host, raw.port.unwrap_or(6001))
        },
        offline_checkout: raw.offline_checkout.unwrap_or(true),
        offline_checkin: raw.offline_checkin.unwrap_or(true),
        offline_patrons,
        offline_patron_days,
        pin_required: raw.pin_required.unwrap_or(true),
    })
}
