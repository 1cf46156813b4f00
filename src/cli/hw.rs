//! `swalayan hw scan|rfid inventory|doctor`: the station's devices from the command line.

use super::output::emit;
use super::{CliError, Context, Finished, HwCommand, RfidCommand};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use swalayan_hardware::barcode::reader::{self, ScannerConfig, ScannerEvent};
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::rfid::{TagReport, read_field};
use swalayan_hardware::serial::{self, SerialSettings};

pub fn run(ctx: &Context, command: HwCommand) -> Result<Finished, CliError> {
    match command {
        HwCommand::Scan {
            port,
            count,
            timeout,
            hid: true,
            ..
        } => scan_hid(ctx, &port, count, timeout),
        HwCommand::Scan {
            port,
            count,
            timeout,
            baud,
            hid: false,
        } => scan(ctx, &port, count, timeout, baud),
        HwCommand::Rfid(RfidCommand::Inventory {
            port,
            baud,
            address,
        }) => inventory(ctx, &port, baud, address),
        HwCommand::Doctor => doctor(ctx),
    }
}

fn scan(
    ctx: &Context,
    port: &Path,
    count: Option<u64>,
    timeout: Option<f64>,
    baud: Option<u32>,
) -> Result<Finished, CliError> {
    let configured = ctx.config.scanner.as_ref();
    let mut settings = configured
        .map(|s| s.serial)
        .unwrap_or(SerialSettings::SCANNER_DEFAULT);
    if let Some(baud) = baud {
        settings.baud = baud;
    }
    let config = ScannerConfig {
        port: port.to_path_buf(),
        settings,
        line: configured.map(|s| s.line.clone()).unwrap_or_default(),
        checks: configured.map(|s| s.checks.clone()).unwrap_or_default(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let thread =
        reader::spawn(config, tx, Arc::clone(&stop)).map_err(|e| CliError::Io(e.to_string()))?;
    let deadline = timeout.map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut read = 0u64;
    let mut connected = false;
    let result = loop {
        if count.is_some_and(|n| read >= n) {
            break Ok(Finished::Done);
        }
        let wait = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        if wait.is_zero() {
            break Ok(Finished::Done);
        }
        match rx.recv_timeout(wait) {
            Ok(ScannerEvent::Code(code)) => {
                read += 1;
                emit(ctx, &json!({"code": code}), || code.clone());
            }
            Ok(ScannerEvent::Connected) => {
                connected = true;
                tracing::info!(port = %port.display(), "scanner connected");
            }
            // Fail fast when the port cannot be opened at all; later losses are reported
            // and the thread reconnects.
            Ok(ScannerEvent::Lost(reason)) if !connected => break Err(CliError::Device(reason)),
            Ok(ScannerEvent::Lost(reason)) => eprintln!(
                "{}: {reason}",
                ctx.lang.pick("pemindai terputus", "scanner lost")
            ),
            Ok(ScannerEvent::Rejected { reason, text }) => {
                tracing::warn!(
                    ?reason,
                    text = text.as_deref().unwrap_or(""),
                    "line rejected"
                );
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break Err(CliError::Device("the scanner thread stopped".into()));
            }
        }
    };
    stop.store(true, Ordering::Relaxed);
    let _ = thread.join();
    result
}

/// A keyboard-style scanner through evdev. Reads block until the device sends events, so
/// the timeout is checked between reads.
fn scan_hid(
    ctx: &Context,
    port: &Path,
    count: Option<u64>,
    timeout: Option<f64>,
) -> Result<Finished, CliError> {
    use swalayan_hardware::barcode::keys::KeyEvent;
    let max_len = ctx
        .config
        .scanner
        .as_ref()
        .map(|s| s.line.max_len)
        .unwrap_or(128);
    let mut scanner = swalayan_hardware::barcode::hid::HidScanner::open(port, max_len)
        .map_err(|e| CliError::Device(e.to_string()))?;
    let deadline = timeout.map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut read = 0u64;
    while count.is_none_or(|n| read < n) && deadline.is_none_or(|d| Instant::now() < d) {
        for event in scanner
            .read()
            .map_err(|e| CliError::Device(e.to_string()))?
        {
            if let KeyEvent::Code(code) = event {
                read += 1;
                emit(ctx, &json!({"code": code}), || code.clone());
            }
        }
    }
    Ok(Finished::Done)
}

fn report_json(report: &TagReport) -> Value {
    match &report.data {
        Ok(data) => json!({
            "uid": report.uid,
            "afi": report.afi.map(|a| format!("{a:02X}")),
            "item_id": data.item_id,
            "isil": data.isil,
            "usage": data.usage,
            "parts": data.parts,
            "part": data.part,
            "crc_ok": data.crc_ok,
        }),
        Err(error) => json!({
            "uid": report.uid,
            "afi": report.afi.map(|a| format!("{a:02X}")),
            "item_id": null,
            "isil": null,
            "crc_ok": false,
            "error": error,
        }),
    }
}

fn inventory(ctx: &Context, port: &Path, baud: u32, address: u8) -> Result<Finished, CliError> {
    let mut settings = SerialSettings::FEIG_DEFAULT;
    settings.baud = baud;
    let transport = serial::open(port, settings, Duration::from_millis(100))
        .map_err(|e| CliError::Device(e.to_string()))?;
    let mut reader = FeigReader::new(transport).with_address(address);
    let reports = read_field(&mut reader).map_err(|e| CliError::Device(e.to_string()))?;
    let list: Vec<Value> = reports.iter().map(report_json).collect();
    emit(ctx, &list, || {
        if list.is_empty() {
            return ctx
                .lang
                .pick("Tidak ada tag di pembaca.", "No tags on the reader.")
                .to_string();
        }
        reports
            .iter()
            .map(|r| match &r.data {
                Ok(d) => format!(
                    "{} AFI {} {} ({}) {}/{} CRC {}",
                    r.uid,
                    r.afi
                        .map(|a| format!("{a:02X}"))
                        .unwrap_or_else(|| "??".into()),
                    d.item_id,
                    d.isil.as_deref().unwrap_or("-"),
                    d.part,
                    d.parts,
                    if d.crc_ok { "ok" } else { "MISMATCH" }
                ),
                Err(e) => format!(
                    "{} {}: {e}",
                    r.uid,
                    ctx.lang.pick("tidak terbaca", "unreadable")
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(Finished::Done)
}

/// One line of the doctor's report.
struct Finding {
    device: &'static str,
    ok: bool,
    detail: String,
    fix: Option<String>,
}

fn doctor(ctx: &Context) -> Result<Finished, CliError> {
    let mut findings = Vec::new();
    match &ctx.config.scanner {
        None => findings.push(Finding {
            device: "scanner",
            ok: true,
            detail: "not configured ([scanner] in the config)".into(),
            fix: None,
        }),
        Some(scanner) => findings.push(
            match serial::open(&scanner.port, scanner.serial, Duration::from_millis(50)) {
                Ok(_) => Finding {
                    device: "scanner",
                    ok: true,
                    detail: format!(
                        "{} opens at {} baud",
                        scanner.port.display(),
                        scanner.serial.baud
                    ),
                    fix: None,
                },
                Err(e) => Finding {
                    device: "scanner",
                    ok: false,
                    detail: e.to_string(),
                    fix: Some("check the cable and [scanner] port in the config".into()),
                },
            },
        ),
    }
    match &ctx.config.rfid {
        None => findings.push(Finding {
            device: "rfid",
            ok: true,
            detail: "not configured ([rfid] in the config)".into(),
            fix: None,
        }),
        Some(rfid) => findings.push(check_reader(&rfid.port, rfid.serial, rfid.address)),
    }
    findings.push(match &ctx.config.printer {
        None => Finding {
            device: "printer",
            ok: true,
            detail: "not configured ([printer] in the config)".into(),
            fix: None,
        },
        Some(printer) => match std::fs::OpenOptions::new().write(true).open(&printer.path) {
            Ok(_) => Finding {
                device: "printer",
                ok: true,
                detail: format!("{} is writable", printer.path.display()),
                fix: None,
            },
            Err(e) => Finding {
                device: "printer",
                ok: false,
                detail: format!("{}: {e}", printer.path.display()),
                fix: Some(match e.kind() {
                    std::io::ErrorKind::PermissionDenied => {
                        "add the service user to the lp group".into()
                    }
                    _ => "check the cable, the power and [printer] path".into(),
                }),
            },
        },
    });
    if let Some(gpio) = &ctx.config.gpio {
        findings.push(check_gpio(gpio));
    }
    let all_ok = findings.iter().all(|f| f.ok);
    let value: Vec<Value> = findings
        .iter()
        .map(|f| json!({"device": f.device, "ok": f.ok, "detail": f.detail, "fix": f.fix}))
        .collect();
    emit(ctx, &value, || {
        findings
            .iter()
            .map(|f| {
                let mark = if f.ok { "ok  " } else { "FAIL" };
                match &f.fix {
                    Some(fix) => format!("{mark} {}: {} — {fix}", f.device, f.detail),
                    None => format!("{mark} {}: {}", f.device, f.detail),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    if all_ok {
        Ok(Finished::Done)
    } else {
        Err(CliError::Device(
            ctx.lang
                .pick("ada perangkat yang bermasalah", "a device has a problem")
                .into(),
        ))
    }
}

fn check_gpio(gpio: &crate::config::GpioSettings) -> Finding {
    use crate::config::GpioBackend;
    match gpio.backend {
        GpioBackend::Sim => Finding {
            device: "gpio",
            ok: true,
            detail: "simulated lines".into(),
            fix: None,
        },
        GpioBackend::Rppal => Finding {
            device: "gpio",
            ok: cfg!(feature = "rppal"),
            detail: if cfg!(feature = "rppal") {
                "rppal backend".into()
            } else {
                "this build has no rppal backend".into()
            },
            fix: (!cfg!(feature = "rppal")).then(|| "use backend = \"cdev\", or build with --features rppal".into()),
        },
        GpioBackend::Cdev => match std::fs::OpenOptions::new().read(true).open(&gpio.chip) {
            Ok(_) => Finding {
                device: "gpio",
                ok: true,
                detail: format!("{} opens", gpio.chip.display()),
                fix: None,
            },
            Err(e) => Finding {
                device: "gpio",
                ok: false,
                detail: format!("{}: {e}", gpio.chip.display()),
                fix: Some(match e.kind() {
                    std::io::ErrorKind::PermissionDenied => "add the service user to the gpio group".into(),
                    _ => "check [gpio] chip (ls /dev/gpiochip*), or backend = \"sim\" on a machine without GPIO".into(),
                }),
            },
        },
    }
}

/// Opens the reader and asks for its software version; when it is silent, tries the other
/// usual baud rates so the report can say "wrong baud rate" rather than just "no answer".
fn check_reader(port: &Path, settings: SerialSettings, address: u8) -> Finding {
    let ask = |baud: u32| -> Result<Vec<u8>, String> {
        let mut s = settings;
        s.baud = baud;
        let transport =
            serial::open(port, s, Duration::from_millis(100)).map_err(|e| e.to_string())?;
        let mut reader = FeigReader::new(transport)
            .with_address(address)
            .with_timeout(Duration::from_millis(300), 1);
        reader.software_version().map_err(|e| e.to_string())
    };
    match ask(settings.baud) {
        Ok(version) => Finding {
            device: "rfid",
            ok: true,
            detail: format!(
                "{} answers at {} baud (firmware {:02X?})",
                port.display(),
                settings.baud,
                version
            ),
            fix: None,
        },
        Err(first) => {
            for baud in [9_600, 19_200, 38_400, 57_600, 115_200]
                .into_iter()
                .filter(|&b| b != settings.baud)
            {
                if ask(baud).is_ok() {
                    return Finding {
                        device: "rfid",
                        ok: false,
                        detail: format!(
                            "{} answers at {baud} baud, not {}",
                            port.display(),
                            settings.baud
                        ),
                        fix: Some(format!("set baud = {baud} in [rfid]")),
                    };
                }
            }
            Finding {
                device: "rfid",
                ok: false,
                detail: first,
                fix: Some(
                    "check the cable, the power of the reader, [rfid] port and address".into(),
                ),
            }
        }
    }
}
