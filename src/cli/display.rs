//! `swalayan config display`: the screen settings of `[display]` as the kiosk hands them to
//! Slint on a Pi without X, and the udev line that turns touches the way the picture turns
//! (for /etc/udev/rules.d/61-swalayan-local.rules; udev, not the kiosk, must set it).

use super::{Context, Finished};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct DisplayReport {
    /// `linuxkms` when this build draws without X, else `desktop` (a window: X11/Wayland).
    backend: &'static str,
    output: Option<String>,
    mode: Option<u32>,
    rotation: u32,
    renderer: &'static str,
    /// Under X or Wayland: a window rather than the whole screen.
    windowed: bool,
    /// What the kiosk sets for Slint (settings already in the environment win).
    environment: std::collections::BTreeMap<&'static str, String>,
    touch_rule: String,
}

pub fn show(ctx: &Context) -> Result<Finished, super::CliError> {
    let display = &ctx.config.display;
    let report = DisplayReport {
        backend: if cfg!(feature = "linuxkms") {
            "linuxkms"
        } else {
            "desktop"
        },
        output: display.output.clone(),
        mode: display.mode,
        rotation: display.rotation,
        renderer: display.renderer.slint_name(),
        windowed: display.windowed,
        environment: display.slint_environment().into_iter().collect(),
        touch_rule: format!(
            "SUBSYSTEM==\"input\", KERNEL==\"event*\", ENV{{ID_INPUT_TOUCHSCREEN}}==\"1\", ENV{{LIBINPUT_CALIBRATION_MATRIX}}=\"{}\"",
            display.touch_matrix()
        ),
    };
    super::output::emit(ctx, &report, || {
        let mut out = format!(
            "backend    {}\noutput     {}\nmode       {}\nrotation   {}\nrenderer   {}\nwindowed   {}\n",
            report.backend,
            report.output.as_deref().unwrap_or("(the first connected)"),
            report
                .mode
                .map_or("(the preferred)".to_string(), |m| m.to_string()),
            report.rotation,
            report.renderer,
            report.windowed,
        );
        for (name, value) in &report.environment {
            out.push_str(&format!("set        {name}={value}\n"));
        }
        out.push_str(ctx.lang.pick(
            "aturan udev sentuh (/etc/udev/rules.d/61-swalayan-local.rules):\n",
            "udev touch rule (/etc/udev/rules.d/61-swalayan-local.rules):\n",
        ));
        out.push_str(&report.touch_rule);
        out
    });
    Ok(Finished::Done)
}
