//! `swalayan dropbox`: the station at the return chute, and its replay and staff commands.
//!
//! `dropbox replay DROPS.csv` drives the real drop-box engine (the same `DropBox` the station
//! runs) with simulated GPIO outputs and a simulated FEIG reader on a pseudo-terminal behind
//! the real FEIG driver, on a simulated clock: it does not wait for `t_ms`, but every read,
//! write and check-in is real, so `cycle_ms` is the real processing time.

use super::commands::{open_desk, open_store};
use super::output::emit;
use super::{CliError, Context, DropboxCommand, Finished};
use crate::config::DropboxConfig;
use crate::reason::Reason;
use crate::station::dropbox::{DropBox, DropOutputs, DropRecord, DropboxSettings};
use crate::station::pad::{Pad, SharedPad};
use crate::station::runtime::{Event, Role};
use crate::station::speech::Speaker;
use crate::store::dropbox;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use swalayan_hardware::gpio::{Edge, Level, OutputLine};
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

pub fn run(ctx: &Context, command: Option<DropboxCommand>) -> Result<Finished, CliError> {
    match command {
        None => station(ctx),
        Some(DropboxCommand::Replay { drops }) => replay(ctx, &drops),
        Some(DropboxCommand::Empty { bin }) => {
            let config = ctx.config.dropbox.clone().unwrap_or_default();
            if config.sorting.bin(&bin).is_none() {
                let names: Vec<&str> = config
                    .sorting
                    .bins
                    .iter()
                    .map(|b| b.name.as_str())
                    .collect();
                return Err(CliError::Usage(format!(
                    "no bin '{bin}'; the bins are: {}",
                    names.join(", ")
                )));
            }
            let store = open_store(ctx)?;
            dropbox::empty_bin(store.conn(), &bin, jiff::Timestamp::now())?;
            emit(ctx, &json!({"bin": bin, "items": 0}), || {
                ctx.lang
                    .pick("kotak {bin} dikosongkan", "bin {bin} emptied")
                    .replace("{bin}", &bin)
            });
            Ok(Finished::Done)
        }
        Some(DropboxCommand::Exceptions { limit }) => {
            let store = open_store(ctx)?;
            let rows = dropbox::exceptions(store.conn(), limit)?;
            emit(ctx, &rows, || {
                if rows.is_empty() {
                    return ctx
                        .lang
                        .pick("tidak ada pengecualian", "no exceptions")
                        .to_string();
                }
                rows.iter()
                    .map(|r| {
                        // Staff read the reason code (the table in docs/cli.md).
                        format!(
                            "#{} {} {} [{}] {}{}",
                            r.cycle,
                            r.at,
                            r.item.as_deref().unwrap_or("?"),
                            r.bin.as_deref().unwrap_or("-"),
                            r.reason.as_deref().unwrap_or(""),
                            if r.checked_in {
                                ctx.lang.pick(" (sudah dikembalikan)", " (returned)")
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(Finished::Done)
        }
        Some(DropboxCommand::Resolve { cycle }) => {
            let store = open_store(ctx)?;
            if !dropbox::resolve(store.conn(), cycle)? {
                return Err(CliError::Usage(format!(
                    "no item #{cycle} waits for staff (see `swalayan status`)"
                )));
            }
            emit(ctx, &json!({"cycle": cycle, "resolved": true}), || {
                format!("#{cycle} ok")
            });
            Ok(Finished::Done)
        }
    }
}

/// The drop box's settings; the library's ISIL is the config's, else the one the catalog
/// was loaded with (the demo library's).
fn settings(
    ctx: &Context,
    desk: &crate::circulation::desk::Desk,
    config: DropboxConfig,
    scanner: bool,
) -> Result<DropboxSettings, CliError> {
    let isil = match &ctx.config.isil {
        Some(isil) => Some(isil.clone()),
        None => crate::store::meta::get(desk.store().conn(), crate::store::meta::LIBRARY_ISIL)?,
    };
    Ok(DropboxSettings {
        sorting: config.sorting,
        hours: config.hours,
        beam: config.beam,
        read_attempts: config.read_attempts,
        code_wait: config.code_wait,
        isil,
        afi: ctx.config.rfid.as_ref().map(|r| r.afi).unwrap_or_default(),
        scanner,
    })
}

/// The station: runs until SIGTERM (systemd) or Ctrl-C.
fn station(ctx: &Context) -> Result<Finished, CliError> {
    let config = ctx.config.dropbox.clone().ok_or_else(|| {
        CliError::Usage(
            "no [dropbox] in the config: the drop box needs its beam, lights and bins (docs/config.md)"
                .into(),
        )
    })?;
    let gpio = ctx.config.gpio.clone().ok_or_else(|| {
        CliError::Usage("no [gpio] in the config: the drop box reads its beam through GPIO".into())
    })?;
    let (inputs, _script) =
        crate::station::runtime::gpio::open_inputs(&gpio, &config.input_lines())
            .map_err(|e| CliError::Device(e.to_string()))?;
    let open = |line: Option<u32>| -> Result<Option<Box<dyn OutputLine>>, CliError> {
        line.map(|line| crate::station::runtime::gpio::open_output(&gpio, line))
            .transpose()
            .map_err(|e| CliError::Device(e.to_string()))
    };
    let mut diverters = BTreeMap::new();
    for bin in &config.sorting.bins {
        for &line in &bin.diverter {
            if let Some(output) = open(Some(line))? {
                diverters.insert(line, output);
            }
        }
    }
    let outputs = DropOutputs {
        lock: open(config.lock)?,
        green: open(config.green)?,
        red: open(config.red)?,
        diverters,
        voice: voice(ctx)?,
    };
    let mut devices = super::station::scanners(ctx);
    devices.inputs = Some(inputs);
    let scanner = devices.scanner.is_some() || devices.hid_scanner.is_some();
    let desk = open_desk(ctx)?;
    let settings = settings(ctx, &desk, config, scanner)?;
    let role = DropBox::new(desk, settings, super::station::pad(ctx), outputs)?;
    super::station::run_headless(
        ctx,
        role,
        devices,
        (
            "Kotak pengembalian berjalan (hentikan dengan Ctrl-C).",
            "Drop box running (stop with Ctrl-C).",
        ),
    )
}

/// One line of DROPS.csv.
#[derive(Debug, Clone)]
struct Drop {
    t_ms: u64,
    item: String,
    parts: u8,
    isil: Option<String>,
    rearm: bool,
}

/// Reads DROPS.csv whole before anything happens: a bad row is an error naming its line.
fn read_drops(path: &Path) -> Result<Vec<Drop>, CliError> {
    let bad =
        |line: u64, what: String| CliError::Usage(format!("{}:{line}: {what}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        // Optional trailing columns may be left off a row.
        .flexible(true)
        .from_path(path)
        .map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?;
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(t_col), Some(item_col)) = (column("t_ms"), column("item")) else {
        return Err(bad(
            1,
            "the header needs t_ms,item (and parts, isil, rearm)".into(),
        ));
    };
    for header in headers.iter() {
        if !["t_ms", "item", "parts", "isil", "rearm"].contains(&header) {
            return Err(bad(1, format!("unknown column '{header}'")));
        }
    }
    let (parts_col, isil_col, rearm_col) = (column("parts"), column("isil"), column("rearm"));
    let mut drops: Vec<Drop> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        let record = record.map_err(|e| bad(line, e.to_string()))?;
        let field = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("");
        let t_ms: u64 = field(Some(t_col)).parse().map_err(|_| {
            bad(
                line,
                format!(
                    "t_ms '{}' is not a number of milliseconds",
                    field(Some(t_col))
                ),
            )
        })?;
        if drops.last().is_some_and(|d| d.t_ms > t_ms) {
            return Err(bad(line, "t_ms goes back in time".into()));
        }
        let parts = match field(parts_col) {
            "" => 1,
            text => text
                .parse::<u8>()
                .ok()
                .filter(|p| (1..=16).contains(p))
                .ok_or_else(|| bad(line, format!("parts '{text}': use 1 to 16")))?,
        };
        let rearm = match field(rearm_col) {
            "" | "1" => true,
            "0" => false,
            text => return Err(bad(line, format!("rearm '{text}': use 0 or 1"))),
        };
        let item = field(Some(item_col)).to_string();
        if item.len() > 16 || !item.is_ascii() {
            return Err(bad(
                line,
                format!("item '{item}': a tag holds up to 16 ASCII characters"),
            ));
        }
        let isil = Some(field(isil_col).to_string()).filter(|s| !s.is_empty());
        drops.push(Drop {
            t_ms,
            item,
            parts,
            isil,
            rearm,
        });
    }
    Ok(drops)
}

/// The drop box's speaker, when `[speech]` is enabled.
fn voice(ctx: &Context) -> Result<Option<(Speaker, crate::reason::Lang)>, CliError> {
    if !ctx.config.speech.enabled {
        return Ok(None);
    }
    let speaker = Speaker::spawn(&ctx.config.speech).map_err(|e| CliError::Io(e.to_string()))?;
    Ok(Some((speaker, ctx.lang)))
}

fn replay(ctx: &Context, path: &Path) -> Result<Finished, CliError> {
    let drops = read_drops(path)?;
    let config = ctx.config.dropbox.clone().unwrap_or_default();
    let desk = open_desk(ctx)?;
    // The tags a set carries say how many parts the set has (from the catalog).
    let mut set_parts = BTreeMap::new();
    for drop in &drops {
        if !drop.item.is_empty() && !set_parts.contains_key(&drop.item) {
            let parts = desk.item(&drop.item)?.map(|i| i.parts).unwrap_or(1);
            set_parts.insert(drop.item.clone(), u8::try_from(parts).unwrap_or(u8::MAX));
        }
    }
    let (master, slave) = serialport::TTYPort::pair().map_err(|e| CliError::Io(e.to_string()))?;
    // Paced at 38,400 baud: the reader's line time is in every cycle, as on a real chute.
    let reader = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, true);
    let pad = SharedPad::new(Pad::new(Box::new(
        FeigReader::new(slave).with_timeout(Duration::from_millis(500), 2),
    )));
    let sim = |line: Option<u32>| {
        line.map(|_| {
            Box::new(swalayan_hardware::gpio::sim::SimOutput::new()) as Box<dyn OutputLine>
        })
    };
    let outputs = DropOutputs {
        lock: sim(config.lock),
        green: sim(config.green),
        red: sim(config.red),
        diverters: config
            .output_lines()
            .into_iter()
            .filter(|line| ![config.lock, config.green, config.red].contains(&Some(*line)))
            .filter_map(|line| sim(Some(line)).map(|o| (line, o)))
            .collect(),
        // A replay speaks too when the file says so (into WAV files, for the tests).
        voice: voice(ctx)?,
    };
    let beam = config.beam;
    let afi = ctx.config.rfid.as_ref().map(|r| r.afi).unwrap_or_default();
    let settings = settings(ctx, &desk, config, false)?;
    // A tag without an `isil` column carries the station's library.
    let station_isil = settings.isil.clone().unwrap_or_default();
    let mut dropbox = DropBox::new(desk, settings, Some(pad), outputs)?;
    let mut records: Vec<DropRecord> = Vec::new();
    for (n, drop) in drops.iter().enumerate() {
        {
            // The item falls past the reader: its tags are in the field for this cycle.
            let mut field = reader.field();
            field.tags.clear();
            if !drop.item.is_empty() {
                let total = set_parts
                    .get(&drop.item)
                    .copied()
                    .unwrap_or(1)
                    .max(drop.parts);
                for part in 1..=drop.parts {
                    let mut tag = SimTag::with_data(
                        super::sim::uid_for(n * 16 + part as usize),
                        &drop.item,
                        drop.isil.as_deref().unwrap_or(&station_isil),
                        1,
                        total,
                        part,
                        afi.afi_out,
                    );
                    tag.afi_locked = !drop.rearm;
                    field.tags.push(tag);
                }
            }
        }
        let at = Duration::from_millis(drop.t_ms);
        for level in [Level::High, Level::Low] {
            let edge = Edge {
                line: beam,
                level,
                at,
            };
            Role::handle(&mut dropbox, Event::Edge(edge), at)?;
        }
        records.extend(dropbox.take_records());
        reader.field().tags.clear();
    }
    let mut bins: BTreeMap<String, u64> = BTreeMap::new();
    for record in &records {
        if let Some(bin) = &record.bin {
            *bins.entry(bin.clone()).or_default() += 1;
        }
    }
    let returned = records.iter().filter(|r| r.result == "returned").count();
    let value = json!({
        "drops": records,
        "bins": bins,
        "returned": returned,
        "exceptions": records.len() - returned,
    });
    emit(ctx, &value, || {
        let mut out = records
            .iter()
            .map(|r| {
                format!(
                    "{:>8} ms  {:<14} {:<9} {:<12} {}{}",
                    r.t_ms,
                    if r.item.is_empty() {
                        "(no tag)"
                    } else {
                        &r.item
                    },
                    r.result,
                    r.bin.as_deref().unwrap_or("-"),
                    r.reason.map(Reason::code).unwrap_or(""),
                    format_args!("  {} ms", r.cycle_ms)
                )
            })
            .collect::<Vec<_>>();
        out.push(
            ctx.lang
                .pick(
                    "{returned} dikembalikan, {exceptions} pengecualian",
                    "{returned} returned, {exceptions} exceptions",
                )
                .replace("{returned}", &returned.to_string())
                .replace("{exceptions}", &(records.len() - returned).to_string()),
        );
        out.join("\n")
    });
    Ok(Finished::Done)
}
