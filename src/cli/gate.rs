//! `swalayan gate replay`: the entrance counter on a trace of beam edges.

use super::commands::open_store;
use super::output::emit;
use super::{CliError, Context, Finished, GateCommand};
use crate::station::gate::station::{GateStation, GateView};
use crate::station::gate::trace;
use crate::station::runtime::{Runtime, RuntimeSetup, SystemMonotonic};
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
    let role = GateStation::new(
        open_store(ctx)?,
        Box::new(crate::clock::SystemClock),
        &gate.passages,
        gate.timings,
        record,
    );
    let devices = crate::station::runtime::devices::Devices {
        inputs: Some(inputs),
        ..Default::default()
    };
    let runtime = Runtime::start(
        RuntimeSetup {
            role,
            devices,
            sync: super::station::sync(ctx)?,
            buzzer: super::station::buzzer(ctx),
            clock: Box::new(SystemMonotonic::start()),
            watchdog: Some(crate::station::watchdog::Watchdog::from_env()),
        },
        |view: &GateView, _: &[crate::station::cues::Cue]| {
            tracing::debug!(entered = view.entered, left = view.left, alarms = ?view.alarms, "gate");
        },
    )
    .map_err(|e| CliError::Io(e.to_string()))?;
    let (stop, stopped) = std::sync::mpsc::channel();
    let _signals = crate::station::shutdown::on_stop(move || {
        let _ = stop.send(());
    })
    .map_err(|e| CliError::Io(e.to_string()))?;
    eprintln!(
        "{}",
        ctx.lang.pick(
            "Penghitung pengunjung berjalan (hentikan dengan Ctrl-C).",
            "Visitor counter running (stop with Ctrl-C)."
        )
    );
    let _ = stopped.recv();
    drop(runtime);
    Ok(Finished::Done)
}
