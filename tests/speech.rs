//! Spoken guidance's voice (issue #33) with the real engine: espeak-ng renders each utterance
//! to a WAV file (`[speech] output = "wav:DIR"`), and the files are checked to be speech —
//! long enough for their words and loud enough to hear — with their words beside them,
//! numbers and money in words.

use crate::wav::{is_speech, recorded, seconds_and_level};
use std::path::Path;
use swalayan::config::{SpeechConfig, SpeechOutput};
use swalayan::reason::Lang;
use swalayan::station::speech::Speaker;

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
    recorded(dir)
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
    let (seconds, _) = seconds_and_level(&said[0].2);
    assert!(is_speech(&said[0].2, seconds + 1.0).is_err(), "too short");
    // The same file with its samples zeroed: silence.
    let mut silent = said[0].2.clone();
    let data = silent.windows(4).position(|w| w == b"data").unwrap() + 8;
    for b in &mut silent[data..] {
        *b = 0;
    }
    assert!(is_speech(&silent, 0.1).unwrap_err().contains("silence"));
}
