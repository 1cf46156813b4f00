//! The station's configuration file (TOML), validated into a [`Config`].
//!
//! Schema (docs/config.md), one module per section, each with its raw (as written) form and
//! a `parse` that validates it: `[station]` in `station.rs`, `[library]` in `library.rs`,
//! the devices (docs/hardware.md) in `scanner.rs` (`[scanner]`, `[hid_scanner]`),
//! `rfid.rs`, `printer.rs`, `gpio.rs`; `[kiosk]` in `kiosk.rs`; `[central]` in `central.rs`
//! (its SIP2 keys in `sip2.rs`); `[dropbox]`, `[gate]`, `[display]`, `[speech]` in their own
//! files.
//! What can be wrong is [`ConfigError`] (`error.rs`): unknown keys and bad values name the
//! file, the line and the key.

mod central;
mod display;
mod dropbox;
mod error;
mod gate;
mod gpio;
mod kiosk;
mod library;
mod printer;
mod rfid;
mod scanner;
mod sip2;
mod speech;
mod station;

use crate::reason::Lang;
pub use central::CentralSettings;
pub use display::{DisplayConfig, Renderer};
pub use dropbox::DropboxConfig;
pub use error::ConfigError;
use error::Invalid;
pub use gate::{GateConfig, Passage};
pub use gpio::{GpioBackend, GpioSettings};
use jiff::tz::TimeZone;
pub use kiosk::KioskConfig;
pub use printer::PrinterSettings;
pub use rfid::RfidSettings;
pub use scanner::{HidScannerSettings, ScannerSettings};
use serde::Deserialize;
pub use sip2::Sip2Config;
pub use speech::{SpeechConfig, SpeechOutput};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    station: station::RawStation,
    #[serde(default)]
    library: library::RawLibrary,
    scanner: Option<scanner::RawScanner>,
    hid_scanner: Option<scanner::RawHidScanner>,
    rfid: Option<rfid::RawRfid>,
    printer: Option<printer::RawPrinter>,
    gpio: Option<gpio::RawGpio>,
    kiosk: Option<kiosk::RawKiosk>,
    central: Option<central::RawCentral>,
    dropbox: Option<dropbox::RawDropbox>,
    gate: Option<gate::RawGate>,
    display: Option<display::RawDisplay>,
    speech: Option<speech::RawSpeech>,
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
    /// `[station] role`, when the file names one (`mobile` for a mobile library).
    pub role: Option<crate::contract::roles::StationRole>,
    /// `[central] kind = "sip2"`: the library's own system over SIP2 (then `central` is None).
    pub sip2: Option<Sip2Config>,
    /// `[display]`: the screen without X (linuxkms builds).
    pub display: DisplayConfig,
    /// `[speech]`: spoken guidance (off unless turned on).
    pub speech: SpeechConfig,
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
            role: None,
            sip2: None,
            display: DisplayConfig::default(),
            speech: SpeechConfig::default(),
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
    ///
    /// A section's first problem ends that section only; a section left unset or refused
    /// keeps its default. The problems come in the order they always have (the first is
    /// what a station that will not start names; `config check` sorts them by line).
    pub fn parse_all(path: &Path, text: &str) -> Result<(Config, Vec<ConfigError>), ConfigError> {
        let mut raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e))?;
        let invalid = |section: &str, key: &str, message: String| {
            ConfigError::invalid(path, text, section, key, message)
        };
        let invalid: Invalid<'_> = &invalid;
        let mut config = Config::default();
        let mut problems: Vec<ConfigError> = Vec::new();
        let mut keep = |result: Result<(), ConfigError>| problems.extend(result.err());

        let (station, found) = station::parse(raw.station, path, invalid);
        keep_all(&mut keep, found);
        config.station_id = station.id.unwrap_or(config.station_id);
        config.db = station.db;
        config.lang = station.lang.unwrap_or(config.lang);
        config.role = station.role;

        let isil = raw.library.isil.take();
        let (library, found) = library::parse(raw.library, invalid);
        keep_all(&mut keep, found);
        config.library_name = library.name.unwrap_or(config.library_name);
        config.library_short_name = library.short_name;
        if let Some((name, zone)) = library.time_zone {
            (config.time_zone_name, config.time_zone) = (name, zone);
        }
        config.branch = library.branch.unwrap_or(config.branch);

        if let Some(raw) = raw.scanner {
            keep(scanner::parse(raw, invalid).map(|s| config.scanner = Some(s)));
        }
        if let Some(raw) = raw.hid_scanner {
            keep(scanner::parse_hid(raw, invalid).map(|s| config.hid_scanner = Some(s)));
        }
        config.rfid = raw.rfid.map(rfid::parse);
        if let Some(raw) = raw.printer {
            keep(printer::parse(raw, invalid).map(|p| config.printer = Some(p)));
        }
        if let Some(raw) = raw.central {
            keep(
                central::parse(raw, path, invalid).map(|central| match central {
                    central::Central::Hub(hub) => config.central = Some(hub),
                    central::Central::Sip2(sip2) => config.sip2 = Some(sip2),
                }),
            );
        }
        if let Some(raw) = raw.speech {
            keep(speech::parse(raw, path, invalid).map(|s| config.speech = s));
        }
        if let Some(raw) = raw.kiosk {
            keep(kiosk::parse(raw, invalid).map(|k| config.kiosk = k));
        }
        keep(library::parse_isil(isil, invalid).map(|isil| config.isil = isil));
        if let Some(raw) = raw.dropbox {
            keep(dropbox::parse(raw, invalid).map(|d| config.dropbox = Some(d)));
        }
        if let Some(raw) = raw.gate {
            keep(gate::parse(raw, invalid).map(|g| config.gate = Some(g)));
        }
        if let Some(raw) = raw.display {
            keep(display::parse(raw, invalid).map(|d| config.display = d));
        }
        if let Some(raw) = raw.gpio {
            keep(gpio::parse(raw, invalid).map(|g| config.gpio = Some(g)));
        }
        Ok((config, problems))
    }
}

/// Keeps each of a section's problems (sections whose keys are checked one by one).
fn keep_all(keep: &mut impl FnMut(Result<(), ConfigError>), found: Vec<ConfigError>) {
    for problem in found {
        keep(Err(problem));
    }
}

/// A file named in the config: relative paths are relative to the config file.
fn beside(config_path: &Path, file: PathBuf) -> PathBuf {
    if file.is_absolute() {
        file
    } else {
        config_path.parent().unwrap_or(Path::new(".")).join(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use swalayan_hardware::barcode::line::Terminator;
    use swalayan_hardware::barcode::symbology::Check;
    use swalayan_hardware::printer::PaperWidth;
    use swalayan_hardware::serial::ParitySetting;

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
    fn a_mobile_role_is_read_and_a_staff_role_refused() {
        let config = parse("[station]\nrole = \"mobile\"\n").unwrap();
        assert_eq!(
            config.role,
            Some(crate::contract::roles::StationRole::Mobile)
        );
        assert_eq!(parse("").unwrap().role, None);
        let err = parse("[station]\nrole = \"staff\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("station.role") && err.contains("mobile"),
            "{err}"
        );
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
    fn speech_is_off_unless_turned_on_and_its_values_are_checked() {
        assert_eq!(parse("").unwrap().speech, SpeechConfig::default());
        assert!(!SpeechConfig::default().enabled);
        let config = parse(
            "[speech]\nenabled = true\nrate = 140\nvolume = 120\noutput = \"wav:speech\"\nspeak_names = true\n",
        )
        .unwrap();
        assert_eq!(
            config.speech,
            SpeechConfig {
                enabled: true,
                rate: 140,
                volume: 120,
                output: SpeechOutput::Wav("/etc/swalayan/speech".into()),
                speak_names: true,
            }
        );
        for (text, key) in [
            ("[speech]\nrate = 20\n", "speech.rate"),
            ("[speech]\nvolume = 300\n", "speech.volume"),
            ("[speech]\noutput = \"pulse\"\n", "speech.output"),
            ("[speech]\noutput = \"wav:\"\n", "speech.output"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
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
