//! `[dropbox]`: the beam, the lights and the lock, the bins and their sorting rules, the
//! opening hours of the chute.

use crate::domain::Route;
use crate::station::dropbox::hours::OpeningHours;
use crate::station::dropbox::sorting::{Bin, SortRule, Sorting};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDropbox {
    beam: Option<u32>,
    lock: Option<u32>,
    green: Option<u32>,
    red: Option<u32>,
    read_attempts: Option<u32>,
    code_wait_ms: Option<u64>,
    #[serde(default)]
    hours: Vec<String>,
    overflow: Option<String>,
    #[serde(default, rename = "bin")]
    bins: Vec<RawBin>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBin {
    name: String,
    #[serde(default)]
    routes: Vec<String>,
    #[serde(default)]
    diverter: Vec<u32>,
    full_sensor: Option<u32>,
    capacity: Option<u32>,
    #[serde(default)]
    sort_bins: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    bin: String,
    route: Option<String>,
    item_type: Option<String>,
    home_branch: Option<String>,
    call_prefix: Option<String>,
}

/// The drop box's GPIO lines and timings, its bins and its hours.
#[derive(Debug, Clone)]
pub struct DropboxConfig {
    /// Input: the beam at the chute mouth (on while an item passes).
    pub beam: u32,
    /// Outputs: the door lock (on = locked), the green and red slot lights.
    pub lock: Option<u32>,
    pub green: Option<u32>,
    pub red: Option<u32>,
    pub read_attempts: u32,
    pub code_wait: Duration,
    pub hours: OpeningHours,
    pub sorting: Sorting,
}

impl DropboxConfig {
    /// Every input line the drop box reads: the beam and the bins' full sensors.
    pub fn input_lines(&self) -> Vec<u32> {
        let mut lines = vec![self.beam];
        lines.extend(self.sorting.bins.iter().filter_map(|b| b.full_sensor));
        lines
    }

    /// Every output line: lock, lights and diverters.
    pub fn output_lines(&self) -> Vec<u32> {
        let mut lines: Vec<u32> = [self.lock, self.green, self.red]
            .into_iter()
            .flatten()
            .collect();
        let diverters: BTreeSet<u32> = self
            .sorting
            .bins
            .iter()
            .flat_map(|b| b.diverter.iter().copied())
            .collect();
        lines.extend(diverters);
        lines
    }
}

impl Default for DropboxConfig {
    /// No config: one bin per route, always open, beam on line 17.
    fn default() -> DropboxConfig {
        DropboxConfig {
            beam: 17,
            lock: None,
            green: None,
            red: None,
            read_attempts: 2,
            code_wait: Duration::from_millis(1500),
            hours: OpeningHours::default(),
            sorting: Sorting::one_bin_per_route(),
        }
    }
}

/// Validates `[dropbox]`; errors name the key and what to write.
pub(super) fn parse(
    raw: RawDropbox,
    invalid: super::Invalid<'_>,
) -> Result<DropboxConfig, super::ConfigError> {
    let route = |key: &str, code: &str| {
        Route::parse(code).ok_or_else(|| {
            invalid(
                "dropbox",
                key,
                format!("'{code}': routes are shelve, hold_shelf, transfer, exception"),
            )
        })
    };
    let defaults = DropboxConfig::default();
    let sorting = if raw.bins.is_empty() {
        Sorting {
            overflow: raw.overflow,
            ..Sorting::one_bin_per_route()
        }
    } else {
        let mut bins = Vec::new();
        for bin in raw.bins {
            bins.push(Bin {
                routes: bin
                    .routes
                    .iter()
                    .map(|r| route("bin", r))
                    .collect::<Result<_, _>>()?,
                name: bin.name,
                diverter: bin.diverter,
                full_sensor: bin.full_sensor,
                capacity: bin.capacity,
                sort_bins: bin.sort_bins,
            });
        }
        Sorting {
            bins,
            rules: Vec::new(),
            overflow: raw.overflow,
        }
    };
    let mut sorting = sorting;
    for rule in raw.rules {
        sorting.rules.push(SortRule {
            route: rule
                .route
                .as_deref()
                .map(|r| route("rule", r))
                .transpose()?,
            bin: rule.bin,
            item_type: rule.item_type,
            home_branch: rule.home_branch,
            call_prefix: rule.call_prefix,
        });
    }
    sorting.check().map_err(|e| invalid("dropbox", "bin", e))?;
    let hours = OpeningHours::parse(&raw.hours).map_err(|e| invalid("dropbox", "hours", e))?;
    let config = DropboxConfig {
        beam: raw.beam.unwrap_or(defaults.beam),
        lock: raw.lock,
        green: raw.green,
        red: raw.red,
        read_attempts: match raw.read_attempts.unwrap_or(defaults.read_attempts) {
            n @ 1..=10 => n,
            n => {
                return Err(invalid(
                    "dropbox",
                    "read_attempts",
                    format!("{n}: use 1 to 10"),
                ));
            }
        },
        code_wait: match raw.code_wait_ms {
            None => defaults.code_wait,
            Some(ms @ 100..=10_000) => Duration::from_millis(ms),
            Some(ms) => {
                return Err(invalid(
                    "dropbox",
                    "code_wait_ms",
                    format!("{ms}: use 100 to 10000"),
                ));
            }
        },
        hours,
        sorting,
    };
    let inputs = config.input_lines();
    let outputs = config.output_lines();
    if let Some(line) = inputs.iter().find(|l| outputs.contains(l)) {
        return Err(invalid(
            "dropbox",
            "beam",
            format!("line {line} is used as an input and as an output"),
        ));
    }
    Ok(config)
}
