//! WAV files as espeak-ng writes them (16-bit PCM): how long, how loud, and whether that is
//! speech. Shared by the speech tests of both test binaries (tests/tests.rs, tests/ui.rs).

/// A WAV file's length in seconds and its loudness (RMS of its samples, 0..1).
pub fn seconds_and_level(wav: &[u8]) -> (f64, f64) {
    assert_eq!(&wav[0..4], b"RIFF", "not a RIFF file");
    assert_eq!(&wav[8..12], b"WAVE", "not a WAVE file");
    let mut at = 12;
    let (mut rate, mut bits, mut channels) = (0u32, 0u16, 0u16);
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let size = u32::from_le_bytes(wav[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &wav[at + 8..(at + 8 + size).min(wav.len())];
        if id == b"fmt " {
            channels = u16::from_le_bytes(body[2..4].try_into().unwrap());
            rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
            bits = u16::from_le_bytes(body[14..16].try_into().unwrap());
        }
        if id == b"data" {
            assert_eq!(bits, 16, "16-bit samples");
            let samples: Vec<f64> = body
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]) as f64 / 32768.0)
                .collect();
            let seconds = samples.len() as f64 / (rate as f64 * channels.max(1) as f64);
            let rms =
                (samples.iter().map(|s| s * s).sum::<f64>() / samples.len().max(1) as f64).sqrt();
            return (seconds, rms);
        }
        at += 8 + size + (size % 2);
    }
    panic!("no data chunk");
}

/// Speech: at least `min_seconds` long and clearly above silence.
pub fn is_speech(wav: &[u8], min_seconds: f64) -> Result<(), String> {
    let (seconds, rms) = seconds_and_level(wav);
    if seconds < min_seconds {
        return Err(format!("{seconds:.2} s, shorter than {min_seconds} s"));
    }
    if rms < 0.02 {
        return Err(format!("RMS {rms:.4}: silence"));
    }
    Ok(())
}

/// What a speaker put into `dir`, in order: (written words, spoken words, WAV) per utterance.
pub fn recorded(dir: &std::path::Path) -> Vec<(String, String, Vec<u8>)> {
    let mut txt: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    txt.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    txt.sort();
    txt.into_iter()
        .filter_map(|path| {
            // The words are written before the sound: an utterance still being rendered has
            // no WAV yet.
            let wav = std::fs::read(path.with_extension("wav")).ok()?;
            let words = std::fs::read_to_string(&path).ok()?;
            let mut lines = words.lines();
            let written = lines.next().unwrap_or_default().to_string();
            let spoken = lines.next().unwrap_or_default().to_string();
            Some((written, spoken, wav))
        })
        .collect()
}
