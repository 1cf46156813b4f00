//! `[central]`: the central catalog this station syncs with — our hub over HTTP (`kind =
//! "hub"`, the default: url and token) or the library's own system over SIP2 (`kind =
//! "sip2"`: its keys are read by `sip2.rs`).

use super::sip2::{self, RawSip2, Sip2Config};
use super::{ConfigError, Invalid, beside};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCentral {
    kind: Option<String>,
    // The hub's keys.
    url: Option<String>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    // The SIP2 keys (`kind = "sip2"`; see `sip2`).
    host: Option<String>,
    port: Option<u16>,
    tls: Option<bool>,
    user: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
    location: Option<String>,
    institution: Option<String>,
    terminal_password: Option<String>,
    encoding: Option<String>,
    timeout_seconds: Option<u64>,
    offline_checkout: Option<bool>,
    offline_checkin: Option<bool>,
    offline_patrons: Option<String>,
    offline_patron_days: Option<u32>,
    pin_required: Option<bool>,
}

/// The central catalog this station syncs with (`[central]`).
#[derive(Debug, Clone)]
pub struct CentralSettings {
    /// `hub` (our hub over HTTP); a SIP2 library system is `Config::sip2` instead.
    pub kind: String,
    pub url: String,
    pub token: String,
    /// The PEM certificate (`ca_file`) to trust for an https:// hub with its own
    /// (self-signed) certificate, instead of the system's roots.
    pub ca_pem: Option<Vec<u8>>,
}

/// Which central `[central]` names.
#[derive(Debug)]
pub(super) enum Central {
    Hub(CentralSettings),
    Sip2(Sip2Config),
}

pub(super) fn parse(
    raw: RawCentral,
    config_path: &Path,
    invalid: Invalid<'_>,
) -> Result<Central, ConfigError> {
    let kind = raw.kind.clone().unwrap_or_else(|| "hub".into());
    match kind.as_str() {
        "hub" => hub(kind, raw, config_path, invalid).map(Central::Hub),
        "sip2" => {
            if raw.url.is_some() || raw.token.is_some() || raw.token_file.is_some() {
                return Err(invalid(
                    "central",
                    "kind",
                    "kind = \"sip2\" takes host, port, user, password, ... (url and token are the hub's)".into(),
                ));
            }
            let sip2_keys = RawSip2 {
                host: raw.host,
                port: raw.port,
                tls: raw.tls,
                ca_file: raw.ca_file,
                user: raw.user,
                password: raw.password,
                password_file: raw.password_file,
                location: raw.location,
                institution: raw.institution,
                terminal_password: raw.terminal_password,
                encoding: raw.encoding,
                timeout_seconds: raw.timeout_seconds,
                offline_checkout: raw.offline_checkout,
                offline_checkin: raw.offline_checkin,
                offline_patrons: raw.offline_patrons,
                offline_patron_days: raw.offline_patron_days,
                pin_required: raw.pin_required,
            };
            sip2::parse(sip2_keys, config_path, invalid).map(Central::Sip2)
        }
        _ => Err(invalid(
            "central",
            "kind",
            format!("'{kind}': use \"hub\" (our hub) or \"sip2\" (the library's own system)"),
        )),
    }
}

/// `kind = "hub"`: the hub's address, the station's token and the certificate to trust.
fn hub(
    kind: String,
    raw: RawCentral,
    config_path: &Path,
    invalid: Invalid<'_>,
) -> Result<CentralSettings, ConfigError> {
    if raw.host.is_some() || raw.user.is_some() || raw.password.is_some() {
        return Err(invalid(
            "central",
            "host",
            "host, user and password are for kind = \"sip2\"; the hub takes url and token".into(),
        ));
    }
    let url = raw.url.ok_or_else(|| {
        invalid(
            "central",
            "url",
            "the hub's address is required, e.g. \"https://hub.perpus.example:8443\"".into(),
        )
    })?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid(
            "central",
            "url",
            format!("'{url}' is not an http:// or https:// address"),
        ));
    }
    let token = match (raw.token, raw.token_file) {
        (Some(token), None) => token,
        (None, Some(file)) => {
            let file = beside(config_path, file);
            std::fs::read_to_string(&file)
                .map_err(|e| invalid("central", "token_file", format!("{}: {e}", file.display())))?
                .trim()
                .to_string()
        }
        _ => {
            return Err(invalid(
                "central",
                "token",
                "give either token or token_file".into(),
            ));
        }
    };
    let ca_pem =
        match raw.ca_file {
            None => None,
            Some(file) => {
                let file = beside(config_path, file);
                Some(std::fs::read(&file).map_err(|e| {
                    invalid("central", "ca_file", format!("{}: {e}", file.display()))
                })?)
            }
        };
    Ok(CentralSettings {
        kind,
        url,
        token,
        ca_pem,
    })
}
