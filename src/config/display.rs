//! `[display]`: where and how the kiosk draws on a screen without X (the `linuxkms` build on a
//! Raspberry Pi): the DRM output, its mode, the panel's rotation and the renderer. The kiosk
//! hands them to Slint before its window exists, so nothing is set by hand in unit files.
//! Under X or Wayland the kiosk fills the screen unless `windowed` (a trial on a desktop).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDisplay {
    output: Option<String>,
    mode: Option<u32>,
    rotation: Option<u32>,
    renderer: Option<String>,
    windowed: Option<bool>,
}

/// The renderers a Pi can use: software (a few MB, no GPU driver) or OpenGL ES (femtovg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Renderer {
    #[default]
    Software,
    Femtovg,
}

impl Renderer {
    /// Slint's name for it.
    pub fn slint_name(self) -> &'static str {
        match self {
            Renderer::Software => "software",
            Renderer::Femtovg => "femtovg",
        }
    }
}

/// The screen settings; every one optional (the first connected output, its preferred mode,
/// no rotation, the software renderer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DisplayConfig {
    /// The DRM connector, e.g. `HDMI-A-1` or `DSI-1` (`SLINT_DRM_OUTPUT=list` lists them).
    pub output: Option<String>,
    /// The mode's index in the output's list (`SLINT_DRM_MODE=list`); the preferred one if unset.
    pub mode: Option<u32>,
    /// Degrees clockwise: 0, 90, 180 or 270 (panels mounted portrait or upside down).
    pub rotation: u32,
    pub renderer: Renderer,
    /// A window instead of the whole screen, under X or Wayland (the kiosk fills the screen by
    /// default; without X it always does).
    pub windowed: bool,
}

impl DisplayConfig {
    /// The environment Slint's linuxkms backend reads (only the settings given).
    pub fn slint_environment(&self) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        if let Some(output) = &self.output {
            env.push(("SLINT_DRM_OUTPUT", output.clone()));
        }
        if let Some(mode) = self.mode {
            env.push(("SLINT_DRM_MODE", mode.to_string()));
        }
        if self.rotation != 0 {
            env.push(("SLINT_KMS_ROTATION", self.rotation.to_string()));
        }
        env
    }

    /// The libinput calibration matrix that turns touches the way the picture is turned
    /// (for the udev rule in /etc/udev/rules.d/61-swalayan-touch.rules).
    pub fn touch_matrix(&self) -> &'static str {
        match self.rotation {
            90 => "0 -1 1 1 0 0",
            180 => "-1 0 1 0 -1 1",
            270 => "0 1 0 -1 0 1",
            _ => "1 0 0 0 1 0",
        }
    }
}

pub(super) fn parse(
    raw: RawDisplay,
    invalid: super::Invalid<'_>,
) -> Result<DisplayConfig, super::ConfigError> {
    let rotation = raw.rotation.unwrap_or(0);
    if ![0, 90, 180, 270].contains(&rotation) {
        return Err(invalid(
            "display",
            "rotation",
            format!("{rotation}: use 0, 90, 180 or 270 (degrees clockwise)"),
        ));
    }
    let renderer = match raw.renderer.as_deref() {
        None | Some("software") => Renderer::Software,
        Some("femtovg") => Renderer::Femtovg,
        Some(other) => {
            return Err(invalid(
                "display",
                "renderer",
                format!("'{other}': use \"software\" (the default) or \"femtovg\" (OpenGL ES)"),
            ));
        }
    };
    if let Some(output) = &raw.output
        && (output.trim().is_empty() || output.chars().any(char::is_whitespace))
    {
        return Err(invalid(
            "display",
            "output",
            format!("'{output}': name a DRM output such as \"HDMI-A-1\" or \"DSI-1\""),
        ));
    }
    Ok(DisplayConfig {
        output: raw.output,
        mode: raw.mode,
        rotation,
        renderer,
        windowed: raw.windowed.unwrap_or(false),
    })
}
