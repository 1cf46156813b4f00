//! Spoken guidance's voice (issue #33) with the real engine: espeak-ng renders each utterance
//! to a WAV file (`[speech] output = "wav:DIR"`), and the files are checked to be speech —
//! long enough for their words and loud enough to hear — with their words beside them,
//! numbers and money in words.

use std::path::Path;
use swalayan::config::{SpeechConfig, SpeechOutput};
use swalayan::reason::Lang;
use swalayan::station::speech::Speaker;

/// A WAV file's length in seconds and its loudness (RMS of 16-bit samples, 0..1).
fn measure(wav: &[u8]) -> (f64, f64) {
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
fn is_speech(wav: &[u8], min_seconds: f64) -> Result<(), String> {
    let (seconds, rms) = measure(wav);
    if seconds < min_seconds {
        return Err(format!("{seconds:.2} s, shorter than {min_seconds} s"));
    }
    if rms < 0.02 {
        return Err(format!("RMS {rms:.4}: silence"));
    }
    Ok(())
}

fn speak_into(dir: &Path, lines: &[(Lang, &str)]) -> Vec<(String, String, Vec<u8>)> {
    let config = SpeechConfig {
        enabled: true,
        output: SpeechOutput::Wav(dir.to_path_buf()),
        ..SpeechConfig::default()
    };
    let speaker = Speaker::spawn(&config).unwrap();
    for (lang, words) in lines {
        speaker.say(*lang, words);
    }
    // Dropping the speaker lets it finish what it was given.
    drop(speaker);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|txt| {
            let words = std::fs::read_to_string(&txt).unwrap();
            let mut lines = words.lines();
            let written = lines.next().unwrap_or_default().to_string();
            let spoken = lines.next().unwrap_or_default().to_string();
            let wav = std::fs::read(txt.with_extension("wav")).unwrap();
            (written, spoken, wav)
        })
        .collect()
}

#[test]
fn each_utterance_is_rendered_as_speech_with_its_words_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        (
            Lang::Id,
            "Laskar Pelangi. Dipinjam. Kembalikan paling lambat Sabtu, 12 Desember 2026.",
        ),
        (Lang::Id, "Denda: Rp4.500"),
        (
            Lang::En,
            "Laskar Pelangi. Borrowed. Please return it by Saturday 12 December 2026.",
        ),
    ];
    let said = speak_into(dir.path(), &lines);
    assert_eq!(said.len(), 3, "every utterance kept, in order, into files");
    for ((lang, written), (file_written, spoken, wav)) in lines.iter().zip(&said) {
        assert_eq!(file_written, written);
        assert!(
            !spoken.contains(|c: char| c.is_ascii_digit()),
            "{lang:?}: {spoken}"
        );
        // About two words a second at 150 words a minute: a sentence of several takes seconds.
        is_speech(wav, 1.0).unwrap_or_else(|e| panic!("{written}: {e}"));
    }
    assert_eq!(said[1].1, "Denda: empat ribu lima ratus rupiah");
    // The files are named by number and language.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".wav"))
        .collect();
    names.sort();
    assert_eq!(names, ["000001-id.wav", "000002-id.wav", "000003-en.wav"]);
}

/// The check above can fail: silence, or a blip too short for words, is not speech.
#[test]
fn silence_and_a_blip_are_not_speech() {
    let dir = tempfile::tempdir().unwrap();
    let said = speak_into(dir.path(), &[(Lang::Id, "Ya.")]);
    let (seconds, _) = measure(&said[0].2);
    assert!(is_speech(&said[0].2, seconds + 1.0).is_err(), "too short");
    // The same file with its samples zeroed: silence.
    let mut silent = said[0].2.clone();
    let data = silent.windows(4).position(|w| w == b"data").unwrap() + 8;
    for b in &mut silent[data..] {
        *b = 0;
    }
    assert!(is_speech(&silent, 0.1).unwrap_err().contains("silence"));
}
