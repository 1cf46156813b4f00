//! The station's configuration file (TOML), validated into a [`Config`].
//!
//! Schema (docs/config.md): `[station] id, db, lang` and `[library] name, short_name,
//! timezone, branch, isil`; devices (docs/hardware.md); `[dropbox]` in `dropbox.rs`, `[gate]` in `gate.rs`.
//! Unknown keys and bad values are errors that name the file, the line and the key.

mod display;
mod dropbox;
mod gate;
mod sip2;

use crate::reason::Lang;
pub use display::{DisplayConfig, Renderer};
pub use dropbox::DropboxConfig;
pub use gate::{GateConfig, Passage};
use jiff::tz::TimeZone;
use serde::Deserialize;
pub use sip2::Sip2Config;
use std::path::{Path, PathBuf};
use std::time::Duration;
use swalayan_hardware::barcode::line::{LineConfig, Terminator};
use swalayan_hardware::barcode::symbology::Check;
use swalayan_hardware::printer::PaperWidth;
use swalayan_hardware::rfid::security::AfiPolicy;
use swalayan_hardware::serial::{ParitySetting, SerialSettings};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read: wrong path or permissions.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has an unknown key or a value of the wrong type.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        /// The key at fault, when known.
        key: Option<String>,
        message: String,
    },
    /// A value has the right type but is not acceptable.
    #[error("{path}:{line}: key '{key}': {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    station: RawStation,
    #[serde(default)]
    library: RawLibrary,
    scanner: Option<RawScanner>,
    hid_scanner: Option<RawHidScanner>,
    rfid: Option<RawRfid>,
    printer: Option<RawPrinter>,
    gpio: Option<RawGpio>,
    kiosk: Option<RawKiosk>,
    central: Option<RawCentral>,
    dropbox: Option<dropbox::RawDropbox>,
    gate: Option<gate::RawGate>,
    display: Option<display::RawDisplay>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCentral {
    kind: Option<String>,
    // The hub's keys.
    url: Option<String>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    ca_file: Option<PathBuf>,
    // The SIP2 keys (`kind = "sip2"`; see `sip2`).
    host: Option<String>,
    port: Option<u16>,
    tls: Option<bool>,
    user: Option<String>,
    password: Option<String>,
    password_file: Option<PathBuf>,
    location: Option<String>,
    institution: Option<String>,
    terminal_password: Option<String>,
    encoding: Option<String>,
    timeout_seconds: Option<u64>,
    offline_checkout: Option<bool>,
    offline_checkin: Option<bool>,
    offline_patrons: Option<String>,
    offline_patron_days: Option<u32>,
    pin_required: Option<bool>,
}

/// The central catalog this station syncs with (`[central]`).
#[derive(Debug, Clone)]
pub struct CentralSettings {
    /// `hub` (our hub over HTTP); a SIP2 library system is `Config::sip2` instead.
    pub kind: String,
    pub url: String,
    pub token: String,
    /// The PEM certificate (`ca_file`) to trust for an https:// hub with its own
    /// (self-signed) certificate, instead of the system's roots.
    pub ca_pem: Option<Vec<u8>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKiosk {
    feedback: Option<bool>,
    idle_warning_seconds: Option<u64>,
    idle_countdown_seconds: Option<u64>,
}

/// The touchscreen's behaviour (`[kiosk]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskConfig {
    /// Ask "how was your visit?" at the end of a session.
    pub feedback: bool,
    /// Quiet time before "are you still there?".
    pub idle_warning: Duration,
    /// The countdown before an idle session ends.
    pub idle_countdown: Duration,
}

impl Default for KioskConfig {
    fn default() -> KioskConfig {
        KioskConfig {
            feedback: true,
            idle_warning: Duration::from_secs(60),
            idle_countdown: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrinter {
    path: PathBuf,
    width_mm: Option<u32>,
    /// Only for serial printers.
    baud: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGpio {
    backend: Option<String>,
    chip: Option<PathBuf>,
    debounce_ms: Option<u64>,
    buzzer: Option<u32>,
}

/// An ESC/POS receipt printer (`[printer]`).
#[derive(Debug, Clone)]
pub struct PrinterSettings {
    /// A serial port or a `/dev/usb/lp*` file.
    pub path: PathBuf,
    pub width: PaperWidth,
    /// Set for serial printers.
    pub baud: Option<u32>,
}

/// Which GPIO implementation drives the station's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpioBackend {
    /// The kernel character device (gpiocdev): the default.
    Cdev,
    /// rppal (needs the `rppal` cargo feature).
    Rppal,
    /// Simulated lines (demo, development machines).
    Sim,
}

/// GPIO settings (`[gpio]`); which lines mean what belongs to each station role.
#[derive(Debug, Clone)]
pub struct GpioSettings {
    pub backend: GpioBackend,
    pub chip: PathBuf,
    pub debounce: Duration,
    /// The line of the kiosk's buzzer (success and refusal cues), if it has one.
    pub buzzer: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScanner {
    port: PathBuf,
    baud: Option<u32>,
    parity: Option<String>,
    stop_bits: Option<u8>,
    terminator: Option<String>,
    idle_gap_ms: Option<u64>,
    max_len: Option<usize>,
    prefix: Option<String>,
    suffix: Option<String>,
    duplicate_window_ms: Option<u64>,
    #[serde(default)]
    checks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHidScanner {
    device: PathBuf,
    max_len: Option<usize>,
    #[serde(default)]
    checks: Vec<String>,
}

/// A keyboard-style (USB HID) scanner read through evdev (`[hid_scanner]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidScannerSettings {
    /// `/dev/input/by-id/…-event-kbd`: the name stays when the scanner is replugged.
    pub device: PathBuf,
    /// Longer input before Enter is discarded.
    pub max_len: usize,
    pub checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRfid {
    port: PathBuf,
    baud: Option<u32>,
    address: Option<u8>,
    afi_in: Option<u8>,
    afi_out: Option<u8>,
}

/// A serial barcode scanner (`[scanner]`).
#[derive(Debug, Clone)]
pub struct ScannerSettings {
    pub port: PathBuf,
    pub serial: SerialSettings,
    pub line: LineConfig,
    pub checks: Vec<Check>,
}

/// An HF RFID reader (`[rfid]`).
#[derive(Debug, Clone)]
pub struct RfidSettings {
    pub port: PathBuf,
    pub serial: SerialSettings,
    /// FEIG bus address; 0xFF (broadcast) by default.
    pub address: u8,
    pub afi: AfiPolicy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStation {
    id: Option<String>,
    db: Option<PathBuf>,
    lang: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLibrary {
    name: Option<String>,
    short_name: Option<String>,
    timezone: Option<String>,
    branch: Option<String>,
    isil: Option<String>,
}

/// A validated station configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Stamped on every transaction; unique per station.
    pub station_id: String,
    /// The database file; relative paths are relative to the config file.
    pub db: Option<PathBuf>,
    pub lang: Lang,
    pub library_name: String,
    /// `[library] short_name`: what a narrow screen's header shows when the whole name would
    /// not fit even shrunk onto two lines.
    pub library_short_name: Option<String>,
    pub time_zone_name: String,
    pub time_zone: TimeZone,
    /// The branch this station stands in.
    pub branch: String,
    /// The library's ISIL (e.g. `ID-TTK`): tags of other libraries are told apart.
    pub isil: Option<String>,
    /// `[dropbox]`: present on a drop box.
    pub dropbox: Option<DropboxConfig>,
    /// `[gate]`: present on an entrance counter.
    pub gate: Option<GateConfig>,
    pub scanner: Option<ScannerSettings>,
    pub hid_scanner: Option<HidScannerSettings>,
    pub rfid: Option<RfidSettings>,
    pub printer: Option<PrinterSettings>,
    pub gpio: Option<GpioSettings>,
    pub kiosk: KioskConfig,
    pub central: Option<CentralSettings>,
    /// `[central] kind = "sip2"`: the library's own system over SIP2 (then `central` is None).
    pub sip2: Option<Sip2Config>,
    /// `[display]`: the screen without X (linuxkms builds).
    pub display: DisplayConfig,
}

pub use crate::domain::DEFAULT_TIME_ZONE;
pub const DEFAULT_BRANCH: &str = "pusat";

impl Default for Config {
    fn default() -> Config {
        Config {
            station_id: default_station_id(),
            db: None,
            lang: Lang::Id,
            library_name: "Perpustakaan".to_string(),
            library_short_name: None,
            time_zone_name: DEFAULT_TIME_ZONE.to_string(),
            time_zone: jiff::tz::db()
                .get(DEFAULT_TIME_ZONE)
                .expect("the bundled tz database has Asia/Jakarta"),
            branch: DEFAULT_BRANCH.to_string(),
            isil: None,
            dropbox: None,
            gate: None,
            scanner: None,
            hid_scanner: None,
            rfid: None,
            printer: None,
            gpio: None,
            kiosk: KioskConfig::default(),
            central: None,
            sip2: None,
            display: DisplayConfig::default(),
        }
    }
}

/// Without a config, the station is named after the host, so two demo machines differ.
fn default_station_id() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .map(|h| format!("station-{h}"))
        .unwrap_or_else(|| "station-1".to_string())
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let (config, problems) = Config::parse_all(path, text)?;
        match problems.into_iter().next() {
            Some(first) => Err(first),
            None => Ok(config),
        }
    }

    /// Parses a config and validates every section, returning all the problems found (not
    /// only the first): `swalayan config check` lists them in one pass. The error is for a
    /// file that is not TOML or has an unknown key (nothing else can be checked then).
    // Each section is validated in a closure called at once, so its first problem ends that
    // section only (a `try` block, which stable Rust does not have yet).
    #[allow(clippy::redundant_closure_call)]
    pub fn parse_all(path: &Path, text: &str) -> Result<(Config, Vec<ConfigError>), ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => (
                    line_of(text, span.start),
                    text.get(span.clone())
                        .map(|k| k.trim_matches('"').to_string()),
                ),
                None => (0, None),
            };
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                key,
                message: e.message().trim().to_string(),
            }
        })?;
        let invalid = |section: &str, key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: find_key_line(text, section, key),
            key: format!("{section}.{key}"),
            message,
        };
        let mut config = Config::default();
        let mut problems: Vec<ConfigError> = Vec::new();
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(id) = raw.station.id {
                    if id.trim().is_empty()
                        || id.chars().any(|c| c.is_control() || c.is_whitespace())
                    {
                        return Err(invalid(
                            "station",
                            "id",
                            "must be a non-empty name without spaces, e.g. \"kiosk-1\"".into(),
                        ));
                    }
                    config.station_id = id;
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(db) = raw.station.db {
                    let base = path.parent().unwrap_or(Path::new("."));
                    config.db = Some(if db.is_absolute() { db } else { base.join(db) });
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(lang) = raw.station.lang {
                    config.lang = Lang::from_code(&lang).ok_or_else(|| {
                        invalid(
                            "station",
                            "lang",
                            format!("'{lang}' is not a language here: use \"id\" or \"en\""),
                        )
                    })?;
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(name) = raw.library.name {
                    config.library_name = name;
                }
                config.library_short_name = raw
                    .library
                    .short_name
                    .map(|short| short.trim().to_string())
                    .filter(|short| !short.is_empty());
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(tz) = raw.library.timezone {
                    config.time_zone = jiff::tz::db().get(&tz).map_err(|_| {
                        invalid(
                            "library",
                            "timezone",
                            format!("'{tz}' is not a known time zone (e.g. \"Asia/Jakarta\")"),
                        )
                    })?;
                    config.time_zone_name = tz;
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(branch) = raw.library.branch {
                    if branch.trim().is_empty() {
                        return Err(invalid("library", "branch", "must not be empty".into()));
                    }
                    config.branch = branch;
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.scanner {
                    config.scanner = Some(scanner_settings(raw, &invalid)?);
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.hid_scanner {
                    let max_len = raw.max_len.unwrap_or(64);
                    if !(4..=512).contains(&max_len) {
                        return Err(invalid(
                            "hid_scanner",
                            "max_len",
                            format!("{max_len}: use 4 to 512 characters"),
                        ));
                    }
                    config.hid_scanner = Some(HidScannerSettings {
                        device: raw.device,
                        max_len,
                        checks: parse_checks("hid_scanner", &raw.checks, &invalid)?,
                    });
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.rfid {
                    let mut serial = SerialSettings::FEIG_DEFAULT;
                    serial.baud = raw.baud.unwrap_or(serial.baud);
                    config.rfid = Some(RfidSettings {
                        port: raw.port,
                        serial,
                        address: raw.address.unwrap_or(0xFF),
                        afi: AfiPolicy {
                            afi_in: raw.afi_in.unwrap_or(AfiPolicy::default().afi_in),
                            afi_out: raw.afi_out.unwrap_or(AfiPolicy::default().afi_out),
                        },
                    });
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.printer {
                    let mm = raw.width_mm.unwrap_or(80);
                    let width = PaperWidth::from_mm(mm).ok_or_else(|| {
                        invalid("printer", "width_mm", format!("{mm}: use 58 or 80"))
                    })?;
                    config.printer = Some(PrinterSettings {
                        path: raw.path,
                        width,
                        baud: raw.baud,
                    });
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.central {
                    let kind = raw.kind.clone().unwrap_or_else(|| "hub".into());
                    match kind.as_str() {
                        "hub" => {}
                        "sip2" => {
                            if raw.url.is_some() || raw.token.is_some() || raw.token_file.is_some() {
                                return Err(invalid(
                                    "central",
                                    "kind",
                                    "kind = \"sip2\" takes host, port, user, password, ... (url and token are the hub's)".into(),
                                ));
                            }
                            config.sip2 = Some(sip2::parse(
                                sip2::RawSip2 {
                                    host: raw.host,
                                    port: raw.port,
                                    tls: raw.tls,
                                    ca_file: raw.ca_file,
                                    user: raw.user,
                                    password: raw.password,
                                    password_file: raw.password_file,
                                    location: raw.location,
                                    institution: raw.institution,
                                    terminal_password: raw.terminal_password,
                                    encoding: raw.encoding,
                                    timeout_seconds: raw.timeout_seconds,
                                    offline_checkout: raw.offline_checkout,
                                    offline_checkin: raw.offline_checkin,
                                    offline_patrons: raw.offline_patrons,
                                    offline_patron_days: raw.offline_patron_days,
                                    pin_required: raw.pin_required,
                                },
                                path,
                                &invalid,
                            )?);
                            return Ok(());
                        }
                        _ => {
                            return Err(invalid(
                                "central",
                                "kind",
                                format!("'{kind}': use \"hub\" (our hub) or \"sip2\" (the library's own system)"),
                            ));
                        }
                    }
                    if raw.host.is_some() || raw.user.is_some() || raw.password.is_some() {
                        return Err(invalid(
                            "central",
                            "host",
                            "host, user and password are for kind = \"sip2\"; the hub takes url and token".into(),
                        ));
                    }
                    let url = raw.url.ok_or_else(|| {
                        invalid("central", "url", "the hub's address is required, e.g. \"https://hub.perpus.example:8443\"".into())
                    })?;
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(invalid(
                            "central",
                            "url",
                            format!("'{url}' is not an http:// or https:// address"),
                        ));
                    }
                    let token = match (raw.token, raw.token_file) {
                        (Some(token), None) => token,
                        (None, Some(file)) => {
                            let base = path.parent().unwrap_or(Path::new("."));
                            let file = if file.is_absolute() {
                                file
                            } else {
                                base.join(file)
                            };
                            std::fs::read_to_string(&file)
                                .map_err(|e| {
                                    invalid(
                                        "central",
                                        "token_file",
                                        format!("{}: {e}", file.display()),
                                    )
                                })?
                                .trim()
                                .to_string()
                        }
                        _ => {
                            return Err(invalid(
                                "central",
                                "token",
                                "give either token or token_file".into(),
                            ));
                        }
                    };
                    let ca_pem = match raw.ca_file {
                        None => None,
                        Some(file) => {
                            let file = if file.is_absolute() {
                                file
                            } else {
                                path.parent().unwrap_or(Path::new(".")).join(file)
                            };
                            Some(std::fs::read(&file).map_err(|e| {
                                invalid("central", "ca_file", format!("{}: {e}", file.display()))
                            })?)
                        }
                    };
                    config.central = Some(CentralSettings {
                        kind,
                        url,
                        token,
                        ca_pem,
                    });
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.kiosk {
                    let defaults = KioskConfig::default();
                    let seconds = |key: &str, value: Option<u64>, default: Duration| match value {
                        None => Ok(default),
                        Some(s) if (5..=3600).contains(&s) => Ok(Duration::from_secs(s)),
                        Some(s) => {
                            Err(invalid("kiosk", key, format!("{s}: use 5 to 3600 seconds")))
                        }
                    };
                    config.kiosk = KioskConfig {
                        feedback: raw.feedback.unwrap_or(defaults.feedback),
                        idle_warning: seconds(
                            "idle_warning_seconds",
                            raw.idle_warning_seconds,
                            defaults.idle_warning,
                        )?,
                        idle_countdown: seconds(
                            "idle_countdown_seconds",
                            raw.idle_countdown_seconds,
                            defaults.idle_countdown,
                        )?,
                    };
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(isil) = raw.library.isil {
                    if isil.trim().is_empty()
                        || isil.len() > 16
                        || isil.contains(char::is_whitespace)
                    {
                        return Err(invalid(
                            "library",
                            "isil",
                            format!("'{isil}': an ISIL like \"ID-TTK\" (up to 16 characters)"),
                        ));
                    }
                    config.isil = Some(isil);
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.dropbox {
                    config.dropbox = Some(dropbox::parse(raw, &invalid)?);
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.gate {
                    config.gate = Some(gate::parse(raw, &invalid)?);
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.display {
                    config.display = display::parse(raw, &invalid)?;
                }
                Ok(())
            })()
            .err(),
        );
        problems.extend(
            (|| -> Result<(), ConfigError> {
                if let Some(raw) = raw.gpio {
                    let backend = match raw.backend.as_deref().unwrap_or("cdev") {
                        "cdev" | "gpiocdev" => GpioBackend::Cdev,
                        "rppal" => GpioBackend::Rppal,
                        "sim" => GpioBackend::Sim,
                        other => {
                            return Err(invalid(
                                "gpio",
                                "backend",
                                format!("'{other}': use \"cdev\", \"rppal\" or \"sim\""),
                            ));
                        }
                    };
                    config.gpio = Some(GpioSettings {
                        backend,
                        chip: raw.chip.unwrap_or_else(|| PathBuf::from("/dev/gpiochip0")),
                        debounce: Duration::from_millis(raw.debounce_ms.unwrap_or(25)),
                        buzzer: raw.buzzer,
                    });
                }
                Ok(())
            })()
            .err(),
        );
        Ok((config, problems))
    }
}

fn scanner_settings(
    raw: RawScanner,
    invalid: &dyn Fn(&str, &str, String) -> ConfigError,
) -> Result<ScannerSettings, ConfigError> {
    let mut serial = SerialSettings::SCANNER_DEFAULT;
    serial.baud = raw.baud.unwrap_or(serial.baud);
    if let Some(parity) = raw.parity {
        serial.parity = match parity.as_str() {
            "none" => ParitySetting::None,
            "even" => ParitySetting::Even,
            "odd" => ParitySetting::Odd,
            other => {
                return Err(invalid(
                    "scanner",
                    "parity",
                    format!("'{other}': use \"none\", \"even\" or \"odd\""),
                ));
            }
        };
    }
    if let Some(stop_bits) = raw.stop_bits {
        if !matches!(stop_bits, 1 | 2) {
            return Err(invalid("scanner", "stop_bits", "use 1 or 2".into()));
        }
        serial.stop_bits = stop_bits;
    }
    let mut line = LineConfig::default();
    if let Some(terminator) = raw.terminator {
        line.terminator = match terminator.as_str() {
            "any" => Terminator::AnyNewline,
            "cr" => Terminator::Cr,
            "lf" => Terminator::Lf,
            "crlf" => Terminator::CrLf,
            "idle" => Terminator::IdleGap(Duration::from_millis(raw.idle_gap_ms.unwrap_or(50))),
            other => {
                return Err(invalid(
                    "scanner",
                    "terminator",
                    format!(
                        "'{other}': use \"any\", \"cr\", \"lf\", \"crlf\" or \"idle\" (with idle_gap_ms)"
                    ),
                ));
            }
        };
    }
    if let Some(max_len) = raw.max_len {
        if !(1..=4096).contains(&max_len) {
            return Err(invalid(
                "scanner",
                "max_len",
                "must be between 1 and 4096".into(),
            ));
        }
        line.max_len = max_len;
    }
    line.prefix = raw.prefix.unwrap_or_default();
    line.suffix = raw.suffix.unwrap_or_default();
    if let Some(ms) = raw.duplicate_window_ms {
        line.duplicate_window = Duration::from_millis(ms);
    }
    let checks = parse_checks("scanner", &raw.checks, invalid)?;
    Ok(ScannerSettings {
        port: raw.port,
        serial,
        line,
        checks,
    })
}

/// The symbology checks a scanner's codes must pass.
fn parse_checks(
    section: &str,
    names: &[String],
    invalid: &dyn Fn(&str, &str, String) -> ConfigError,
) -> Result<Vec<Check>, ConfigError> {
    names
        .iter()
        .map(|name| {
            Ok(match name.as_str() {
                "codabar" => Check::Codabar,
                "luhn" | "mod10" => Check::Luhn,
                "ean13" => Check::Ean13,
                "isbn13" => Check::Isbn13,
                "isbn10" => Check::Isbn10,
                other => {
                    return Err(invalid(
                        section,
                        "checks",
                        format!("'{other}': use codabar, luhn, ean13, isbn13 or isbn10"),
                    ));
                }
            })
        })
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside `[section]`, for messages about values.
fn find_key_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section
            && trimmed
                .split('=')
                .next()
                .is_some_and(|k| k.trim().trim_matches('"') == key)
        {
            return i + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/etc/swalayan/kiosk.toml"), text)
    }

    #[test]
    fn a_full_config_parses() {
        let config = parse(
            "[station]\nid = \"kiosk-1\"\ndb = \"kiosk.db\"\nlang = \"en\"\n\n[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\ntimezone = \"Asia/Jakarta\"\nbranch = \"pusat\"\n",
        )
        .unwrap();
        assert_eq!(config.station_id, "kiosk-1");
        assert_eq!(
            config.db.as_deref(),
            Some(Path::new("/etc/swalayan/kiosk.db"))
        );
        assert_eq!(config.lang, Lang::En);
        assert_eq!(config.time_zone_name, "Asia/Jakarta");
        assert_eq!(config.library_short_name, None);
    }

    #[test]
    fn a_short_name_is_kept_and_a_blank_one_is_none() {
        let config = parse("[library]\nname = \"Dinas Perpustakaan dan Kearsipan Kota Tebing Tinggi\"\nshort_name = \" Perpustakaan Tebing Tinggi \"\n").unwrap();
        assert_eq!(
            config.library_short_name.as_deref(),
            Some("Perpustakaan Tebing Tinggi")
        );
        let blank = parse("[library]\nshort_name = \"  \"\n").unwrap();
        assert_eq!(blank.library_short_name, None);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[station]\nid = \"k\"\ncolour = \"red\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/etc/swalayan/kiosk.toml:3"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = parse("[library]\nname = \"x\"\ntimezone = \"Mars/Olympus\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":3:") && err.contains("library.timezone"),
            "{err}"
        );
        let err = parse("[station]\nlang = \"fr\"\n").unwrap_err().to_string();
        assert!(err.contains("station.lang") && err.contains(":2:"), "{err}");
        let err = parse("[station]\nid = 5\n").unwrap_err().to_string();
        assert!(err.contains(":2:"), "{err}");
    }

    #[test]
    fn device_sections_parse_with_defaults_and_checks() {
        let config = parse(
            "[scanner]\nport = \"/dev/ttyACM0\"\nchecks = [\"luhn\"]\nterminator = \"idle\"\nidle_gap_ms = 40\n[rfid]\nport = \"/dev/ttyUSB0\"\nafi_in = 0xDA\nafi_out = 0x02\n",
        )
        .unwrap();
        let scanner = config.scanner.unwrap();
        assert_eq!(scanner.serial.baud, 9600);
        assert_eq!(scanner.checks, vec![Check::Luhn]);
        assert_eq!(
            scanner.line.terminator,
            Terminator::IdleGap(Duration::from_millis(40))
        );
        let rfid = config.rfid.unwrap();
        assert_eq!((rfid.serial.baud, rfid.address), (38_400, 0xFF));
        assert_eq!(rfid.serial.parity, ParitySetting::Even);
        assert_eq!((rfid.afi.afi_in, rfid.afi.afi_out), (0xDA, 0x02));
        let err = parse("[scanner]\nport = \"/dev/x\"\nchecks = [\"qr\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("scanner.checks") && err.contains(":3:"),
            "{err}"
        );
        let hid = parse("[hid_scanner]\ndevice = \"/dev/input/by-id/usb-scanner-event-kbd\"\nchecks = [\"luhn\"]\n")
            .unwrap()
            .hid_scanner
            .unwrap();
        assert_eq!((hid.max_len, hid.checks), (64, vec![Check::Luhn]));
        let err = parse("[hid_scanner]\ndevice = \"/dev/input/event3\"\nmax_len = 2\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("hid_scanner.max_len"), "{err}");
        let err = parse("[rfid]\nbaud = 9600\n").unwrap_err().to_string();
        assert!(
            err.contains("port"),
            "a device section needs its port: {err}"
        );
    }

    #[test]
    fn printer_and_gpio_sections() {
        let config =
            parse("[printer]\npath = \"/dev/usb/lp0\"\nwidth_mm = 58\n[gpio]\nbackend = \"sim\"\n")
                .unwrap();
        assert_eq!(config.printer.unwrap().width, PaperWidth::Mm58);
        let gpio = config.gpio.unwrap();
        assert_eq!(
            (gpio.backend, gpio.debounce),
            (GpioBackend::Sim, Duration::from_millis(25))
        );
        let err = parse("[printer]\npath = \"/dev/usb/lp0\"\nwidth_mm = 57\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("printer.width_mm") && err.contains(":3:"),
            "{err}"
        );
    }

    #[test]
    fn the_example_kiosk_config_is_valid() {
        let config = Config::parse(
            Path::new("config/kiosk.toml"),
            include_str!("../../config/kiosk.toml"),
        )
        .unwrap();
        assert_eq!(config.station_id, "kiosk-1");
        assert!(config.scanner.is_some() && config.rfid.is_some() && config.printer.is_some());
    }

    #[test]
    fn the_example_dropbox_config_is_valid() {
        let config = Config::parse(
            Path::new("config/dropbox.toml"),
            include_str!("../../config/dropbox.toml"),
        )
        .unwrap();
        let dropbox = config.dropbox.unwrap();
        assert_eq!(config.isil.as_deref(), Some("ID-TTK"));
        assert_eq!(dropbox.input_lines(), [17, 12]);
        assert_eq!(
            dropbox
                .sorting
                .chosen(crate::domain::Route::HoldShelf, None, None),
            "hold"
        );
        assert_eq!(dropbox.sorting.overflow.as_deref(), Some("overflow"));
    }

    #[test]
    fn the_example_gate_config_is_valid_and_bad_gates_are_refused() {
        let config = Config::parse(
            Path::new("config/gate.toml"),
            include_str!("../../config/gate.toml"),
        )
        .unwrap();
        let gate = config.gate.unwrap();
        assert_eq!(gate.passages.len(), 2);
        assert_eq!(
            gate.timings,
            crate::station::gate::counter::Timings::default()
        );
        let err = parse("[gate]\n[[gate.passage]]\nname = \"x\"\na = 5\nb = 5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 5 is used twice"), "{err}");
        let err = parse("[gate]\nmin_break_ms = 1\n").unwrap_err().to_string();
        assert!(
            err.contains("gate.min_break_ms") && err.contains(":2:"),
            "{err}"
        );
    }

    #[test]
    fn a_dropbox_section_with_a_route_without_a_bin_is_refused() {
        let err = parse(
            "[dropbox]\n[[dropbox.bin]]\nname = \"all\"\nroutes = [\"shelve\", \"transfer\", \"exception\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("dropbox.bin") && err.contains("hold_shelf"),
            "{err}"
        );
        let err = parse("[dropbox]\nhours = [\"weekdays 7-9\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("dropbox.hours") && err.contains(":2:"),
            "{err}"
        );
        let err = parse("[dropbox]\nbeam = 5\n[[dropbox.bin]]\nname = \"x\"\nroutes = [\"shelve\", \"hold_shelf\", \"transfer\", \"exception\"]\ndiverter = [5]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 5"), "{err}");
    }

    #[test]
    fn kiosk_section() {
        let config = parse("[kiosk]\nfeedback = false\nidle_warning_seconds = 90\n").unwrap();
        assert!(!config.kiosk.feedback);
        assert_eq!(config.kiosk.idle_warning, Duration::from_secs(90));
        let err = parse("[kiosk]\nidle_countdown_seconds = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("kiosk.idle_countdown_seconds"), "{err}");
    }

    #[test]
    fn empty_config_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.lang, Lang::Id);
        assert_eq!(config.time_zone_name, DEFAULT_TIME_ZONE);
    }

    #[test]
    fn display_section_becomes_slint_settings() {
        let config = parse("[display]\noutput = \"DSI-1\"\nmode = 2\nrotation = 90\n").unwrap();
        assert_eq!(
            config.display.slint_environment(),
            vec![
                ("SLINT_DRM_OUTPUT", "DSI-1".to_string()),
                ("SLINT_DRM_MODE", "2".to_string()),
                ("SLINT_KMS_ROTATION", "90".to_string()),
            ]
        );
        assert_eq!(config.display.touch_matrix(), "0 -1 1 1 0 0");
        assert_eq!(config.display.renderer, Renderer::Software);
        assert!(parse("").unwrap().display.slint_environment().is_empty());
        assert!(
            !parse("").unwrap().display.windowed,
            "a station fills its screen"
        );
        assert!(
            parse("[display]\nwindowed = true\n")
                .unwrap()
                .display
                .windowed
        );
        let err = parse("[display]\nrotation = 45\n").unwrap_err().to_string();
        assert!(err.contains("display.rotation"), "{err}");
        let err = parse("[display]\nrenderer = \"skia\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("display.renderer"), "{err}");
    }
}
