//! `swalayan demo`, `swalayan kiosk`, `swalayan screenshot`: the touchscreen from the command line.

use super::commands::open_desk;
use super::station;
use super::{CliError, Context, Finished};
use crate::import::demo::copy_of;
use crate::station::kiosk::{Kiosk, KioskSettings};
use crate::station::pad::{Pad, SharedPad};
use crate::station::receipts::{DevicePrinter, ReceiptSink};
use crate::station::runtime::devices::{Devices, PadDevice};
use crate::store::catalog;
use crate::ui::app::{self, DemoDevices, KioskRun};
use std::path::Path;
use std::time::Duration;
use swalayan_hardware::printer::PaperWidth;
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

fn settings(ctx: &Context) -> KioskSettings {
    KioskSettings {
        library_name: ctx.config.library_name.clone(),
        default_lang: ctx.lang,
        afi: ctx.config.rfid.as_ref().map(|r| r.afi).unwrap_or_default(),
        feedback_enabled: ctx.config.kiosk.feedback,
        idle_warning_after: ctx.config.kiosk.idle_warning,
        idle_countdown: ctx.config.kiosk.idle_countdown,
        mobile: ctx.config.role == Some(crate::contract::roles::StationRole::Mobile),
        ..KioskSettings::default()
    }
}

/// The kiosk with the demo library, a simulated RFID reader whose pad a side panel fills,
/// and receipts written to a file beside the demo database.
pub fn demo(ctx: &Context) -> Result<Finished, CliError> {
    app::prepare_display(&ctx.config.display).map_err(|e| CliError::Device(e.to_string()))?;
    let mut ctx_config = ctx.config.clone();
    if ctx.config.library_name == crate::config::Config::default().library_name {
        ctx_config.library_name = "Perpustakaan Kota Tebing Tinggi (demo)".into();
    }
    let ctx = &Context {
        config: ctx_config,
        json: ctx.json,
        lang: ctx.lang,
        db: ctx.db.clone(),
        db_is_default: ctx.db_is_default,
    };
    let desk = super::demo::demo_desk(ctx)?;
    let (master, slave) = serialport::TTYPort::pair().map_err(|e| CliError::Io(e.to_string()))?;
    let reader = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, true);
    let pad = Pad::new(Box::new(
        FeigReader::new(slave).with_timeout(Duration::from_millis(500), 2),
    ));
    let mut tags: Vec<(String, SimTag)> = Vec::new();
    let labels = [
        copy_of("Negeri 5 Menara", 1),
        copy_of("Bumi", 1),
        copy_of("Sang Pemimpi", 2),
        "part 1/2".into(),
        "part 2/2".into(),
        "Siti".into(),
    ];
    for (tag, label) in super::sim::demo_tags().into_iter().zip(labels) {
        let item = String::from_utf8_lossy(&tag.memory[3..19])
            .trim_end_matches('\0')
            .to_string();
        let title = catalog::item(desk.store().conn(), &item)?.map(|i| i.title);
        let label = match (title, label.as_str()) {
            (Some(_), l) if l.starts_with("part") => format!("Bahasa Inggris CD ({})", &l[5..]),
            (Some(title), _) => title,
            (None, _) => "Kartu Siti / Siti's card".to_string(),
        };
        tags.push((label, tag));
    }
    // A reserved book and a copy of another branch, to see refusals and transfers.
    tags.push((
        "Cantik Itu Luka".into(),
        SimTag::library_item(
            super::sim::uid_for(20),
            &copy_of("Cantik Itu Luka", 1),
            "ID-TTK",
            0x07,
        ),
    ));
    tags.push((
        "Pulang".into(),
        SimTag::library_item(
            super::sim::uid_for(21),
            &copy_of("Pulang", 1),
            "ID-TTK",
            0x07,
        ),
    ));
    let receipts = ctx.db.with_file_name("demo-receipt.escpos");
    std::fs::write(&receipts, b"")
        .map_err(|e| CliError::Io(format!("{}: {e}", receipts.display())))?;
    let printer: Box<dyn ReceiptSink> = Box::new(DevicePrinter {
        path: receipts,
        width: PaperWidth::Mm80,
        baud: None,
    });
    let pad = SharedPad::new(pad);
    let kiosk = Kiosk::new(desk, settings(ctx), Some(pad.clone()), Some(printer));
    eprintln!("{}", ctx.lang.pick(
        "Demo: kartu 21000000001 (PIN 1234). Ketik kode batang + Enter untuk memindai; panel kanan meletakkan label RFID.",
        "Demo: card 21000000001 (PIN 1234). Type a barcode + Enter to scan; the right panel lays RFID tags on the pad.",
    ));
    app::run(
        kiosk,
        KioskRun {
            library_name: ctx.config.library_name.clone(),
            library_short_name: ctx.config.library_short_name.clone(),
            // The demo is tried on a desktop: a window.
            fullscreen: false,
            time_zone: ctx.config.time_zone.clone(),
            lang: ctx.lang,
            devices: Devices {
                pad: Some(PadDevice {
                    pad,
                    interval: Duration::from_millis(300),
                }),
                ..Devices::default()
            },
            buzzer: None,
            demo: Some(DemoDevices { reader, tags }),
            sync: None,
            speech: ctx.config.speech.clone(),
        },
    )
    .map_err(|e| CliError::Device(e.to_string()))?;
    Ok(Finished::Done)
}

/// The real station: devices from the config; a device that cannot be opened is reported
/// (staff screen, log) and the kiosk still runs with the others.
pub fn kiosk(ctx: &Context) -> Result<Finished, CliError> {
    app::prepare_display(&ctx.config.display).map_err(|e| CliError::Device(e.to_string()))?;
    let desk = open_desk(ctx)?;
    let pad = station::pad(ctx);
    let printer = ctx.config.printer.as_ref().map(|p| {
        Box::new(DevicePrinter {
            path: p.path.clone(),
            width: p.width,
            baud: p.baud,
        }) as Box<dyn ReceiptSink>
    });
    let devices = Devices {
        pad: pad.clone().map(|pad| PadDevice {
            pad,
            interval: Duration::from_millis(250),
        }),
        ..station::scanners(ctx)
    };
    let sync = station::sync(ctx)?;
    let mut kiosk = Kiosk::new(desk, settings(ctx), pad, printer);
    // Our hub (not a library system over SIP2) can send a visit's receipt on the patron's
    // channel: the receipt screen asks it at sign-in.
    if let (Some(central), None) = (&ctx.config.central, &ctx.config.sip2) {
        let lookup = crate::sync::contact::HubContact::new(central).map_err(CliError::Usage)?;
        kiosk = kiosk.with_contact_lookup(Box::new(lookup));
    }
    if sync.is_some() {
        // Offline until the first sync reaches the central.
        kiosk.handle(
            crate::station::kiosk::Command::Central(crate::station::runtime::CentralState::NotYet),
            Duration::ZERO,
        )?;
    }
    app::run(
        kiosk,
        KioskRun {
            library_name: ctx.config.library_name.clone(),
            library_short_name: ctx.config.library_short_name.clone(),
            fullscreen: !ctx.config.display.windowed,
            time_zone: ctx.config.time_zone.clone(),
            lang: ctx.lang,
            devices,
            buzzer: station::buzzer(ctx),
            demo: None,
            sync,
            speech: ctx.config.speech.clone(),
        },
    )
    .map_err(|e| CliError::Device(e.to_string()))?;
    Ok(Finished::Done)
}

pub fn screenshot(
    ctx: &Context,
    screen: &str,
    size: &str,
    out: &Path,
    display: crate::station::kiosk::view::Display,
) -> Result<Finished, CliError> {
    let (w, h) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|&(w, h)| (100..=8000).contains(&w) && (100..=8000).contains(&h))
        .ok_or_else(|| {
            CliError::Usage(format!("--size {size}: write WIDTHxHEIGHT, e.g. 1280x800"))
        })?;
    let png =
        crate::ui::screenshot::render_png(screen, ctx.lang, w, h, display).map_err(
            |e| match e {
                crate::ui::screenshot::ScreenshotError::UnknownScreen(_) => {
                    CliError::Usage(e.to_string())
                }
                other => CliError::Io(other.to_string()),
            },
        )?;
    std::fs::write(out, png).map_err(|e| CliError::Io(format!("{}: {e}", out.display())))?;
    Ok(Finished::Done)
}
