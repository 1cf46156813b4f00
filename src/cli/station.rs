//! What every station command assembles from the config: the RFID pad, the scanners, the
//! sync worker's link to the central, the buzzer. A device that cannot be opened is logged
//! and the station runs without it (the staff screen and `status` say which).

use super::{CliError, Context};
use crate::station::pad::{Pad, SharedPad};
use crate::station::runtime::SyncSetup;
use crate::station::runtime::devices::{Devices, HidScannerConfig};
use std::time::Duration;
use swalayan_hardware::barcode::reader::ScannerConfig;
use swalayan_hardware::gpio::OutputLine;
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::serial;

/// The `[rfid]` reader as a pad, if configured and it opens.
pub(super) fn pad(ctx: &Context) -> Option<SharedPad> {
    let rfid = ctx.config.rfid.as_ref()?;
    match serial::open(&rfid.port, rfid.serial, Duration::from_millis(100)) {
        Ok(port) => Some(SharedPad::new(Pad::new(Box::new(
            FeigReader::new(port).with_address(rfid.address),
        )))),
        Err(e) => {
            tracing::error!("RFID reader: {e}");
            None
        }
    }
}

/// The `[scanner]` and `[hid_scanner]` of the config as runtime devices (no pad yet).
pub(super) fn scanners(ctx: &Context) -> Devices {
    Devices {
        scanner: ctx.config.scanner.as_ref().map(|s| ScannerConfig {
            port: s.port.clone(),
            settings: s.serial,
            line: s.line.clone(),
            checks: s.checks.clone(),
        }),
        hid_scanner: ctx.config.hid_scanner.as_ref().map(|h| HidScannerConfig {
            device: h.device.clone(),
            max_len: h.max_len,
            checks: h.checks.clone(),
        }),
        pad: None,
        inputs: None,
    }
}

/// The central of `[central]`: our hub, or the library's system over SIP2; None without one.
pub(super) fn central_link(
    ctx: &Context,
) -> Result<Option<Box<dyn crate::sync::central::CentralLink>>, CliError> {
    if let Some(sip2) = &ctx.config.sip2 {
        return Ok(Some(Box::new(crate::sync::sip2::Sip2Link::new(
            sip2.clone(),
            ctx.config.time_zone.clone(),
        ))));
    }
    let Some(central) = &ctx.config.central else {
        return Ok(None);
    };
    let central = crate::sync::push::Central::from_settings(central, &ctx.config.station_id);
    let link =
        crate::sync::central::HubLink::new(central).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(Some(Box::new(link)))
}

/// The sync worker's setup for `[central]`, if there is one.
pub(super) fn sync(ctx: &Context) -> Result<Option<SyncSetup>, CliError> {
    Ok(central_link(ctx)?.map(|link| SyncSetup {
        db: ctx.db.clone(),
        link,
        timing: crate::sync::worker::WorkerTiming::default(),
    }))
}

/// The buzzer line of `[gpio]`; a line that cannot be opened is logged and the station runs
/// silent rather than not at all.
pub(super) fn buzzer(ctx: &Context) -> Option<Box<dyn OutputLine>> {
    let gpio = ctx.config.gpio.as_ref()?;
    let line = gpio.buzzer?;
    match crate::station::runtime::gpio::open_output(gpio, line) {
        Ok(output) => Some(output),
        Err(e) => {
            tracing::error!("buzzer: {e}");
            None
        }
    }
}

/// Runs a headless role (drop box, gate) on the runtime until SIGTERM or Ctrl-C: the config's
/// sync, buzzer and systemd watchdog; each new view is logged at debug level.
pub(super) fn run_headless<R>(
    ctx: &Context,
    role: R,
    devices: Devices,
    running: (&str, &str),
) -> Result<super::Finished, CliError>
where
    R: crate::station::runtime::Role<Input = ()>,
    R::View: std::fmt::Debug,
{
    use crate::station::runtime::{Runtime, RuntimeSetup, SystemMonotonic};
    // Signals first: systemd may stop us as soon as READY=1 arrives from the engine.
    let (stop, stopped) = std::sync::mpsc::channel();
    let _signals = crate::station::shutdown::on_stop(move || {
        let _ = stop.send(());
    })
    .map_err(|e| CliError::Io(e.to_string()))?;
    let runtime = Runtime::start(
        RuntimeSetup {
            role,
            devices,
            sync: sync(ctx)?,
            buzzer: buzzer(ctx),
            clock: Box::new(SystemMonotonic::start()),
            watchdog: Some(crate::station::watchdog::Watchdog::from_env()),
        },
        |view: &R::View, _: &[crate::station::cues::Cue]| tracing::debug!(?view, "station"),
    )
    .map_err(|e| CliError::Io(e.to_string()))?;
    eprintln!("{}", ctx.lang.pick(running.0, running.1));
    let _ = stopped.recv();
    drop(runtime);
    Ok(super::Finished::Done)
}
