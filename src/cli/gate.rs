//! `swalayan gate replay`: the entrance counter on a trace of beam edges.

use super::commands::open_store;
use super::output::emit;
use super::{CliError, Context, Finished, GateCommand};
use crate::station::gate::station::GateStation;
use crate::station::gate::trace;
use std::path::PathBuf;

pub fn run(
    ctx: &Context,
    command: Option<GateCommand>,
    record: Option<PathBuf>,
) -> Result<Finished, CliError> {
    match command {
        None => station(ctx, record),
        Some(GateCommand::Replay { trace: path }) => {
            let edges = trace::read(&path).map_err(|e| CliError::Usage(e.to_string()))?;
            let timings = ctx
                .config
                .gate
                .as_ref()
                .map(|g| g.timings)
                .unwrap_or_default();
            let counted = trace::replay(&edges, timings);
            emit(ctx, &counted, || {
                let mut lines: Vec<String> = counted
                    .passages
                    .iter()
                    .map(|p| {
                        ctx.lang
                            .pick(
                                "{name}: {in} masuk, {out} keluar, {u} tidak pasti",
                                "{name}: {in} in, {out} out, {u} uncertain",
                            )
                            .replace("{name}", &p.name)
                            .replace("{in}", &p.entered.to_string())
                            .replace("{out}", &p.left.to_string())
                            .replace("{u}", &p.uncertain.to_string())
                    })
                    .collect();
                for alarm in &counted.alarms {
                    lines.push(format!(
                        "{} ms {}: {}",
                        alarm.t_ms, alarm.passage, alarm.kind
                    ));
                }
                lines.join("\n")
            });
            Ok(Finished::Done)
        }
    }
}

/// `report visitors`: this station's counts as the library reports them.
pub fn report(ctx: &Context, args: &super::VisitorsArgs) -> Result<Finished, CliError> {
    use swalayan_core::report::visitors::{self, By, CountedBucket};
    let by = By::parse(&args.by)
        .ok_or_else(|| CliError::Usage(format!("--by {}: use hour, day or month", args.by)))?;
    if args.to < args.from {
        return Err(CliError::Usage("--to is before --from".into()));
    }
    if !(0.0..=100.0).contains(&args.suspect_percent) {
        return Err(CliError::Usage("--suspect-percent: use 0 to 100".into()));
    }
    let (tz_name, tz) = match &args.timezone {
        Some(name) => (
            name.clone(),
            jiff::tz::db()
                .get(name)
                .map_err(|_| CliError::Usage(format!("--timezone {name}: not a time zone")))?,
        ),
        None => (
            ctx.config.time_zone_name.clone(),
            ctx.config.time_zone.clone(),
        ),
    };
    let (start, end) = visitors::span(args.from, args.to, &tz)
        .ok_or_else(|| CliError::Usage("the dates are out of range".into()))?;
    let store = open_store(ctx)?;
    let buckets: Vec<CountedBucket> = crate::store::visits::between(store.conn(), start, end)?
        .into_iter()
        .filter_map(|b| {
            Some(CountedBucket {
                start: b.start.parse().ok()?,
                entered: b.entered,
                left: b.left,
            })
        })
        .collect();
    let report = visitors::report(
        &buckets,
        args.from,
        args.to,
        &tz,
        &tz_name,
        by,
        args.suspect_percent,
    );
    if args.csv && !ctx.json {
        print!("{}", visitors::csv(&report));
        return Ok(Finished::Done);
    }
    emit(ctx, &report, || {
        let mut lines = vec![
            ctx.lang
                .pick(
                    "Kunjungan {from} s.d. {to}: {visits} (masuk {entries}, keluar {exits})",
                    "Visits {from} to {to}: {visits} (entries {entries}, exits {exits})",
                )
                .replace("{from}", &report.from.to_string())
                .replace("{to}", &report.to.to_string())
                .replace("{visits}", &report.visits.to_string())
                .replace("{entries}", &report.entries.to_string())
                .replace("{exits}", &report.exits.to_string()),
        ];
        for day in &report.days {
            lines.push(format!(
                "{}  {:>6} {:>6}{}",
                day.date,
                day.entries,
                day.exits,
                if day.suspect {
                    ctx.lang.pick("  periksa sensor", "  check the beams")
                } else {
                    ""
                }
            ));
        }
        lines.join("\n")
    });
    Ok(Finished::Done)
}

/// The counter at the door: runs until SIGTERM (systemd) or Ctrl-C.
fn station(ctx: &Context, record: Option<PathBuf>) -> Result<Finished, CliError> {
    let gate = ctx.config.gate.clone().ok_or_else(|| {
        CliError::Usage(
            "no [gate] in the config: the counter needs its passages (docs/config.md)".into(),
        )
    })?;
    if gate.passages.is_empty() {
        return Err(CliError::Usage(
            "[gate] has no [[gate.passage]]: name each passage and its beams' lines a and b".into(),
        ));
    }
    let gpio = ctx.config.gpio.clone().ok_or_else(|| {
        CliError::Usage("no [gpio] in the config: the counter reads its beams through GPIO".into())
    })?;
    let lines: Vec<u32> = gate.passages.iter().flat_map(|p| [p.a, p.b]).collect();
    let (inputs, _script) = crate::station::runtime::gpio::open_inputs(&gpio, &lines)
        .map_err(|e| CliError::Device(e.to_string()))?;
    let record = record
        .map(|path| {
            std::fs::File::create(&path)
                .map_err(|e| CliError::Io(format!("{}: {e}", path.display())))
        })
        .transpose()?;
    let mut role = GateStation::new(
        open_store(ctx)?,
        Box::new(crate::clock::SystemClock),
        &gate.passages,
        gate.timings,
        record,
    );
    let mut devices = crate::station::runtime::devices::Devices {
        inputs: Some(inputs),
        ..Default::default()
    };
    if gate.security {
        let rfid = ctx.config.rfid.as_ref().ok_or_else(|| {
            CliError::Usage("[gate] security = true needs the exit's reader in [rfid]".into())
        })?;
        role = role.with_security(rfid.afi.afi_in, &ctx.config.station_id);
        devices.pad =
            super::station::pad(ctx).map(|pad| crate::station::runtime::devices::PadDevice {
                pad,
                interval: std::time::Duration::from_millis(150),
            });
    }
    super::station::run_headless(
        ctx,
        role,
        devices,
        (
            "Penghitung pengunjung berjalan (hentikan dengan Ctrl-C).",
            "Visitor counter running (stop with Ctrl-C).",
        ),
    )
}
