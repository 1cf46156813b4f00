//! `[speech]`: spoken guidance through espeak-ng (issue #33).

use super::{ConfigError, Invalid};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpeech {
    enabled: Option<bool>,
    rate: Option<u32>,
    volume: Option<u32>,
    output: Option<String>,
    speak_names: Option<bool>,
}

/// Where speech goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeechOutput {
    /// Out of the station's speaker, through ALSA (espeak-ng plays it).
    Alsa,
    /// Each utterance to a WAV file in this folder, with its words beside it in a `.txt`
    /// (tests, machines without sound, a record of what a journey said).
    Wav(PathBuf),
}

/// `[speech]`: off unless the file turns it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeechConfig {
    /// Whether the station speaks at all (a kiosk then offers "Dengarkan"; a drop box speaks
    /// each result).
    pub enabled: bool,
    /// Words per minute, 80–450 (espeak-ng's range); 150 by default, slower than espeak-ng's
    /// own 175: the patrons who ask for speech are often elderly.
    pub rate: u32,
    /// espeak-ng's amplitude, 0–200; 100 is its normal.
    pub volume: u32,
    pub output: SpeechOutput,
    /// Whether a patron's name may be spoken (off: a kiosk stands in a public room).
    pub speak_names: bool,
}

impl Default for SpeechConfig {
    fn default() -> SpeechConfig {
        SpeechConfig {
            enabled: false,
            rate: 150,
            volume: 100,
            output: SpeechOutput::Alsa,
            speak_names: false,
        }
    }
}

pub(super) fn parse(
    raw: RawSpeech,
    config_file: &Path,
    invalid: Invalid<'_>,
) -> Result<SpeechConfig, ConfigError> {
    let defaults = SpeechConfig::default();
    let rate = raw.rate.unwrap_or(defaults.rate);
    if !(80..=450).contains(&rate) {
        return Err(invalid(
            "speech",
            "rate",
            format!("{rate}: use 80 to 450 words a minute"),
        ));
    }
    let volume = raw.volume.unwrap_or(defaults.volume);
    if volume > 200 {
        return Err(invalid(
            "speech",
            "volume",
            format!("{volume}: use 0 to 200"),
        ));
    }
    let output = match raw.output.as_deref() {
        None | Some("alsa") => SpeechOutput::Alsa,
        Some(other) => match other.strip_prefix("wav:") {
            // Relative to the config file, as `db` is.
            Some(dir) if !dir.is_empty() => {
                SpeechOutput::Wav(super::beside(config_file, dir.into()))
            }
            _ => {
                return Err(invalid(
                    "speech",
                    "output",
                    format!("{other:?}: use \"alsa\" or \"wav:FOLDER\""),
                ));
            }
        },
    };
    Ok(SpeechConfig {
        enabled: raw.enabled.unwrap_or(defaults.enabled),
        rate,
        volume,
        output,
        speak_names: raw.speak_names.unwrap_or(defaults.speak_names),
    })
}
