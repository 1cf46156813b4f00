//! Spoken guidance on the kiosk (issue #33): a whole visit with speech on, in both languages,
//! on the real station runtime, the narrator and the real engine (espeak-ng renders every
//! utterance to a WAV file, `[speech] output = "wav:DIR"`). Each utterance is checked to be
//! speech (duration, level), to say the screen's own words (each piece of it was on screen when
//! it was said), to carry no digits of the PIN (the PIN screen yields "one digit entered"
//! only) and no patron's name (the library did not allow it).

use super::wav::{is_speech, recorded};
use super::{Rig, rig};
use i_slint_backend_testing::ElementRoot;
use slint::ComponentHandle;
use std::ops::ControlFlow;
use std::path::Path;
use std::rc::Rc;
use swalayan::config::{SpeechConfig, SpeechOutput};
use swalayan::import::demo::copy_of;
use swalayan::reason::Lang;
use swalayan::station::kiosk::KioskView;
use swalayan::station::speech::Speaker;
use swalayan::ui::narrator::{self, Narrator, without_name};
use swalayan::ui::{KioskWindow, Screen};

/// What the narrator said at one view, and every text on screen then.
pub struct Heard {
    pub pieces: Vec<String>,
    pub words: String,
    pub screen_texts: Vec<String>,
    pub screen: swalayan::station::kiosk::Screen,
}

/// The rig's spoken guidance: the narrator as the kiosk app runs it, a speaker into files.
pub struct Voice {
    narrator: Narrator,
    speaker: Option<Rc<Speaker>>,
    pub heard: Vec<Heard>,
}

impl Voice {
    /// As the kiosk app does after applying a view (src/ui/app.rs), noting what was heard.
    pub fn narrate(&mut self, ui: &KioskWindow, shown: Option<&KioskView>, view: &KioskView) {
        let pieces = self.narrator.pieces(ui, shown, view);
        let Some(words) = self.narrator.words(ui, shown, view) else {
            return;
        };
        if let Some(speaker) = &self.speaker {
            speaker.say(view.lang, &words);
        }
        self.heard.push(Heard {
            pieces,
            words,
            screen_texts: screen_texts(ui),
            screen: view.screen,
        });
    }
}

/// Every text on screen now (labels of texts and buttons, descriptions of rows).
fn screen_texts(ui: &KioskWindow) -> Vec<String> {
    let mut texts = Vec::new();
    ui.root_element().visit_descendants(|e| {
        for text in [e.accessible_label(), e.accessible_description()]
            .into_iter()
            .flatten()
        {
            if !text.is_empty() {
                texts.push(text.to_string());
            }
        }
        ControlFlow::<()>::Continue(())
    });
    texts
}

/// Turns speech on as a patron does (the header's toggle), with a speaker into `dir`.
fn speak_into(r: &Rig, dir: &Path, listen: &str) {
    let config = SpeechConfig {
        enabled: true,
        output: SpeechOutput::Wav(dir.to_path_buf()),
        ..SpeechConfig::default()
    };
    let speaker = Rc::new(Speaker::spawn(&config).unwrap());
    narrator::connect(&r.ui, Rc::clone(&speaker));
    *r.voice.borrow_mut() = Some(Voice {
        narrator: Narrator { speak_names: false },
        speaker: Some(speaker),
        heard: Vec::new(),
    });
    r.click(listen);
}

/// The labels a patron touches, in the kiosk's language.
struct Labels {
    listen: &'static str,
    borrow: &'static str,
    enter_pin: &'static str,
    done: &'static str,
    no_receipt: &'static str,
    good: &'static str,
    digit_entered: &'static str,
}

const EN: Labels = Labels {
    listen: "Listen",
    borrow: "Borrow",
    enter_pin: "Enter PIN",
    done: "Done",
    no_receipt: "No receipt",
    good: "Good",
    digit_entered: "One digit entered",
};

const ID: Labels = Labels {
    listen: "Dengarkan",
    borrow: "Pinjam",
    enter_pin: "Masukkan PIN",
    done: "Selesai",
    no_receipt: "Tanpa struk",
    good: "Baik",
    digit_entered: "Satu digit dimasukkan",
};

/// A visit with speech on: an unknown card, Siti's card and PIN, a loan and a refusal, no
/// receipt, feedback, goodbye.
fn a_spoken_visit(lang: Lang, labels: &Labels) {
    let dir = tempfile::tempdir().unwrap();
    let r = rig(lang, false);
    speak_into(&r, dir.path(), labels.listen);
    r.click(labels.borrow);
    assert_eq!(r.screen(), Screen::Identify);
    r.scan("29999999999");
    r.scan("21000000001");
    assert_eq!(r.screen(), Screen::Pin);
    r.type_pin("1234");
    r.click(labels.enter_pin);
    assert_eq!(r.screen(), Screen::Borrow);
    r.scan(&copy_of("Laskar Pelangi", 1));
    r.scan(&copy_of("Cantik Itu Luka", 1));
    r.click(labels.done);
    assert_eq!(r.screen(), Screen::Receipt);
    r.click(labels.no_receipt);
    r.click(labels.good);
    assert_eq!(r.screen(), Screen::Goodbye);
    let voice = r.voice.borrow_mut().take().unwrap();
    // Let the speaker finish into its files (the window's keypad holds a second handle).
    drop(voice.speaker);
    r.ui.global::<swalayan::ui::SpeechAdapter>().on_say(|_| {});
    r.ui.global::<swalayan::ui::SpeechAdapter>()
        .on_repeat(|| {});
    let heard = voice.heard;

    // The narrator's words, each piece as the screen wrote it then (the name left out).
    let name = "Siti Rahmawati";
    for h in &heard {
        for piece in &h.pieces {
            assert!(
                h.screen_texts
                    .iter()
                    .any(|text| text == piece || without_name(text, name) == *piece),
                "{lang:?} {:?}: {piece:?} is not on screen: {:?}",
                h.screen,
                h.screen_texts
            );
        }
    }
    let all: Vec<&str> = heard.iter().map(|h| h.words.as_str()).collect();
    let screens: Vec<_> = heard.iter().map(|h| h.screen).collect();
    use swalayan::station::kiosk::Screen as S;
    for screen in [
        S::Welcome,
        S::Identify,
        S::Pin,
        S::Borrow,
        S::Receipt,
        S::Feedback,
        S::Goodbye,
    ] {
        assert!(
            screens.contains(&screen),
            "{lang:?}: nothing said on {screen:?}: {all:#?}"
        );
    }
    let joined = all.join("\n");
    assert!(joined.contains("Laskar Pelangi"), "{joined}");
    assert!(
        joined.contains("Cantik Itu Luka"),
        "each result as it comes: {joined}"
    );

    // Into files: the narrator's words in order, with the keypad's "one digit entered" four
    // times while the PIN was typed; never a digit of it, never the patron's name.
    let files = recorded(dir.path());
    let written: Vec<&str> = files.iter().map(|(w, _, _)| w.as_str()).collect();
    let narrated: Vec<&str> = written
        .iter()
        .copied()
        .filter(|w| *w != labels.digit_entered)
        .collect();
    assert_eq!(
        narrated, all,
        "{lang:?}: the speaker said what the narrator gave"
    );
    assert_eq!(
        written
            .iter()
            .filter(|w| **w == labels.digit_entered)
            .count(),
        4,
        "{written:#?}"
    );
    let pin_at = heard.iter().position(|h| h.screen == S::Pin).unwrap();
    let after_pin = written.iter().position(|w| *w == all[pin_at + 1]).unwrap();
    let on_pin = &written[written.iter().position(|w| *w == all[pin_at]).unwrap()..after_pin];
    for w in on_pin {
        assert!(
            !w.contains(|c: char| c.is_ascii_digit()),
            "the PIN screen said {w:?}"
        );
    }
    for (written, spoken, wav) in &files {
        assert!(!written.contains("1234") && !spoken.contains("1234"));
        assert!(
            !written.contains("Siti") && !spoken.contains("Siti"),
            "{written}"
        );
        assert!(!spoken.contains(|c: char| c.is_ascii_digit()), "{spoken}");
        is_speech(wav, 0.5).unwrap_or_else(|e| panic!("{written}: {e}"));
    }
    eprintln!(
        "{lang:?}: {} utterances:\n{}",
        files.len(),
        written.join("\n")
    );
}

#[test]
fn a_whole_visit_is_spoken_in_indonesian_with_the_screens_words() {
    a_spoken_visit(Lang::Id, &ID);
}

#[test]
fn a_whole_visit_is_spoken_in_english_with_the_screens_words() {
    a_spoken_visit(Lang::En, &EN);
}

/// Speech is off until the patron asks: nothing is said, not even a PIN digit's note.
#[test]
fn without_listen_nothing_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let r = rig(Lang::En, false);
    let config = SpeechConfig {
        enabled: true,
        output: SpeechOutput::Wav(dir.path().to_path_buf()),
        ..SpeechConfig::default()
    };
    let speaker = Rc::new(Speaker::spawn(&config).unwrap());
    narrator::connect(&r.ui, Rc::clone(&speaker));
    *r.voice.borrow_mut() = Some(Voice {
        narrator: Narrator { speak_names: false },
        speaker: Some(Rc::clone(&speaker)),
        heard: Vec::new(),
    });
    super::sign_in_siti(&r);
    let voice = r.voice.borrow_mut().take().unwrap();
    assert!(voice.heard.is_empty());
    drop(voice);
    r.ui.global::<swalayan::ui::SpeechAdapter>().on_say(|_| {});
    r.ui.global::<swalayan::ui::SpeechAdapter>()
        .on_repeat(|| {});
    drop(speaker);
    assert!(recorded(dir.path()).is_empty());
}
