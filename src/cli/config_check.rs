//! `swalayan config check`: a whole config validated in one pass, every problem listed —
//! errors (the station would refuse to start: exit 2) and warnings (a device named in the
//! config but absent on this machine, so the shipped examples pass on a build machine).

use super::{Cli, CliError, Finished};
use crate::config::{Config, ConfigError};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub line: usize,
    pub key: Option<String>,
    pub message: String,
    /// `error` or `warning`.
    pub severity: &'static str,
}

/// Every problem of the config at `path`.
pub fn problems(path: &Path) -> Vec<Problem> {
    let error = |e: ConfigError| match e {
        ConfigError::Read { .. } => Problem {
            line: 0,
            key: None,
            message: e.to_string(),
            severity: "error",
        },
        ConfigError::Parse {
            line, key, message, ..
        } => Problem {
            line,
            key,
            message,
            severity: "error",
        },
        ConfigError::Invalid {
            line, key, message, ..
        } => Problem {
            line,
            key: Some(key),
            message,
            severity: "error",
        },
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(source) => {
            return vec![error(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })];
        }
    };
    let (config, found) = match Config::parse_all(path, &text) {
        Ok(parsed) => parsed,
        Err(e) => return vec![error(e)],
    };
    let mut problems: Vec<Problem> = found.into_iter().map(error).collect();
    // Devices named but not here: the station would run without them.
    let mut devices: Vec<(&str, PathBuf)> = Vec::new();
    if let Some(s) = &config.scanner {
        devices.push(("scanner.port", s.port.clone()));
    }
    if let Some(h) = &config.hid_scanner {
        devices.push(("hid_scanner.device", h.device.clone()));
    }
    if let Some(r) = &config.rfid {
        devices.push(("rfid.port", r.port.clone()));
    }
    if let Some(p) = &config.printer {
        devices.push(("printer.path", p.path.clone()));
    }
    if let Some(g) = &config.gpio
        && g.backend == crate::config::GpioBackend::Cdev
    {
        devices.push(("gpio.chip", g.chip.clone()));
    }
    for (key, device) in devices {
        if !device.exists() {
            let (section, name) = key.split_once('.').unwrap_or((key, ""));
            problems.push(Problem {
                line: line_of_key(&text, section, name),
                key: Some(key.to_string()),
                message: format!(
                    "{} is not on this machine (the station runs without it until it is)",
                    device.display()
                ),
                severity: "warning",
            });
        }
    }
    if let Some(sip2) = &config.sip2
        && sip2.connection.timeout > std::time::Duration::from_secs(25)
    {
        problems.push(Problem {
            line: line_of_key(&text, "central", "timeout_seconds"),
            key: Some("central.timeout_seconds".into()),
            message: "over 25 s: a station waiting this long for the library system misses its systemd watchdog (30 s) and is restarted".into(),
            severity: "warning",
        });
    }
    if let Some(sip2) = &config.sip2
        && sip2.offline_patrons == crate::circulation::library_system::OfflinePatrons::Seen
    {
        problems.push(Problem {
            line: line_of_key(&text, "central", "offline_patrons"),
            key: Some("central.offline_patrons".into()),
            message: "offline_patrons = \"seen\": while the library system is away, a card alone lends books (no PIN check); \"verified\" checks the PIN".into(),
            severity: "warning",
        });
    }
    if let Some(central) = &config.central
        && central.token.is_empty()
    {
        problems.push(Problem {
            line: line_of_key(&text, "central", "token"),
            key: Some("central.token".into()),
            message: "no token: the hub will refuse this station (swalayan-hub station add)".into(),
            severity: "warning",
        });
    }
    if config.speech.enabled && !crate::station::speech::engine_installed() {
        problems.push(Problem {
            line: line_of_key(&text, "speech", "enabled"),
            key: Some("speech.enabled".into()),
            message: "espeak-ng is not installed (apt-get install espeak-ng): the station runs without speech until it is".into(),
            severity: "warning",
        });
    }
    problems.sort_by_key(|p| p.line);
    problems
}

/// The line where `key` is set in `[section]` (0 when it is not written).
fn line_of_key(text: &str, section: &str, key: &str) -> usize {
    let mut current = "";
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            current = trimmed.trim_matches(|c| c == '[' || c == ']');
        } else if current == section
            && trimmed
                .split_once('=')
                .is_some_and(|(k, _)| k.trim() == key)
        {
            return i + 1;
        }
    }
    0
}

pub fn check(cli: &Cli) -> Result<Finished, CliError> {
    let path = cli.config.clone().ok_or_else(|| {
        CliError::Usage("which config? pass --config FILE (e.g. /etc/swalayan/kiosk.toml)".into())
    })?;
    let problems = problems(&path);
    let ok = problems.iter().all(|p| p.severity != "error");
    if cli.json {
        println!("{}", serde_json::json!({ "ok": ok, "problems": problems }));
    } else {
        for p in &problems {
            println!(
                "{}:{}: {}{}: {}",
                path.display(),
                p.line,
                p.severity,
                p.key
                    .as_deref()
                    .map(|k| format!(" {k}"))
                    .unwrap_or_default(),
                p.message
            );
        }
        if ok {
            println!("{}: ok", path.display());
        }
    }
    if ok {
        Ok(Finished::Done)
    } else {
        let errors = problems.iter().filter(|p| p.severity == "error").count();
        Err(CliError::Usage(format!(
            "{}: {errors} error(s); the station would not start with it",
            path.display()
        )))
    }
}
