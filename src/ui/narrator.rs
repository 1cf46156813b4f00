//! Spoken guidance on the kiosk (issue #33): what to say when the screen changes.
//!
//! Each time a view is applied, [`Narrator::words`] compares it with the one before and gives
//! the words to speak: a new screen's heading and instruction, a refusal at the door, each
//! item's result as it comes, inactivity's warning. The words are the screen's own, read
//! from the window's globals (`Guide`, `Reasons`, `ItemWords`: the same functions the views
//! show), so a patron hears what is written; [`crate::station::speech`] then says numbers,
//! dates and money in words. The PIN never reaches here (the keypad says "one digit entered"
//! itself); the patron's name is left out unless the library allows it (`[speech]
//! speak_names`).

use super::map::{map_row, map_screen};
use super::{Guide, ItemWords, KioskWindow, Reasons, SpeechAdapter};
use crate::station::kiosk::view::RowState;
use crate::station::kiosk::{KioskView, Screen};
use crate::station::speech::Speaker;
use slint::ComponentHandle;
use std::rc::Rc;

/// Decides what the kiosk says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Narrator {
    /// Whether a patron's name may be spoken.
    pub speak_names: bool,
}

impl Narrator {
    /// The words to say now that `view` is on screen after `shown` (`None`: the first view),
    /// or `None` when there is nothing new or speech is off. Call it after the view is
    /// applied: the words are read from the window.
    pub fn words(
        &self,
        ui: &KioskWindow,
        shown: Option<&KioskView>,
        view: &KioskView,
    ) -> Option<String> {
        let pieces = self.pieces(ui, shown, view);
        let mut words = String::new();
        for piece in pieces {
            if !words.is_empty() {
                // A title or a heading without a stop of its own gets one: a pause.
                if !words.ends_with(['.', '!', '?', ':', '…']) {
                    words.push('.');
                }
                words.push(' ');
            }
            words.push_str(&piece);
        }
        (!words.is_empty()).then_some(words)
    }

    /// What [`Narrator::words`] says, piece by piece, each as the screen writes it (a
    /// heading, an instruction, an item's title, its result): the tests find each on screen.
    pub fn pieces(
        &self,
        ui: &KioskWindow,
        shown: Option<&KioskView>,
        view: &KioskView,
    ) -> Vec<String> {
        if !view.display.speech || !narrated(view.screen) {
            return Vec::new();
        }
        let mut said: Vec<String> = Vec::new();
        let just_on = shown.is_none_or(|s| !s.display.speech);
        let new_screen = shown.is_none_or(|s| s.screen != view.screen);
        let guide = ui.global::<Guide>();
        if just_on || new_screen {
            let screen = map_screen(view.screen);
            said.push(guide.invoke_heading(screen).to_string());
            said.push(guide.invoke_instruction(screen).to_string());
        }
        // A refusal at the door (a card not known, a wrong PIN), with what to do.
        if let Some(reason) = view.notice
            && (new_screen
                || shown.is_none_or(|s| {
                    s.notice != view.notice || s.notice_message != view.notice_message
                }))
        {
            let (n1, n2) = reason.numbers();
            said.push(
                ui.global::<Reasons>()
                    .invoke_sentence(reason.code().into(), n1 as i32, n2 as i32)
                    .to_string(),
            );
            said.extend(view.notice_message.clone());
        }
        // Each item as its result comes (a pending "Checking…" is not worth a word).
        for row in &view.rows {
            let before = shown.and_then(|s| s.rows.iter().find(|r| r.barcode == row.barcode));
            if row.state == RowState::Pending || before.is_some_and(|b| b == row) {
                continue;
            }
            let detail = ui
                .global::<ItemWords>()
                .invoke_detail(map_row(row, view.lang));
            said.push(row.title.clone());
            said.push(detail.to_string());
            said.extend(row.message.clone());
        }
        if view.idle_countdown.is_some() && shown.is_none_or(|s| s.idle_countdown.is_none()) {
            said.push(guide.invoke_still_there().to_string());
        }
        said.iter()
            .map(|piece| match self.speak_names {
                true => piece.trim().to_string(),
                false => without_name(piece.trim(), &view.patron_name),
            })
            .filter(|piece| !piece.is_empty())
            .collect()
    }
}

/// `words` with `name` left out, and the punctuation around where it stood tidied:
/// "Halo Siti Rahmawati. Silakan …" → "Halo. Silakan …"; "Siti, pindai …" → "Pindai …".
pub fn without_name(words: &str, name: &str) -> String {
    let name = name.trim();
    if name.is_empty() || !words.contains(name) {
        return words.to_string();
    }
    let mut text = words.replace(name, "");
    for (from, to) in [(" .", "."), (" ,", ","), (" :", ":"), ("  ", " ")] {
        while text.contains(from) {
            text = text.replace(from, to);
        }
    }
    // A sentence that began with the name now begins with its punctuation.
    let mut out = String::with_capacity(text.len());
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at_start && matches!(c, ',' | ':' | ' ') {
            continue;
        }
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            at_start = false;
            continue;
        }
        at_start = false;
        out.push(c);
        if matches!(c, '.' | '!' | '?') && chars.peek() == Some(&' ') {
            out.push(' ');
            chars.next();
            at_start = true;
        }
    }
    out
}

/// Connects what the window itself asks to be said (a held button's label, a digit typed)
/// and `#` (say it again) to `speaker`; speech is only heard while the patron has it on.
pub fn connect(ui: &KioskWindow, speaker: Rc<Speaker>) {
    let speech = ui.global::<SpeechAdapter>();
    let weak = ui.as_weak();
    let say = Rc::clone(&speaker);
    speech.on_say(move |words| {
        if let Some(ui) = weak.upgrade()
            && ui.global::<SpeechAdapter>().get_on()
        {
            let lang =
                crate::reason::Lang::from_code(&ui.global::<super::SessionAdapter>().get_lang())
                    .unwrap_or_default();
            say.say(lang, &words);
        }
    });
    let weak = ui.as_weak();
    speech.on_repeat(move || {
        if weak
            .upgrade()
            .is_some_and(|ui| ui.global::<SpeechAdapter>().get_on())
        {
            speaker.repeat();
        }
    });
}

/// Whether `screen` is a patron's (staff screens are not narrated).
pub fn narrated(screen: Screen) -> bool {
    !matches!(screen, Screen::Staff | Screen::Mobile)
}

#[cfg(test)]
mod tests {
    use super::without_name;

    #[test]
    fn a_name_left_out_leaves_a_sentence() {
        let name = "Siti Rahmawati";
        assert_eq!(
            without_name("Halo Siti Rahmawati. Silakan masukkan PIN Anda.", name),
            "Halo. Silakan masukkan PIN Anda."
        );
        assert_eq!(
            without_name(
                "Siti Rahmawati, pindai setiap buku atau letakkan tumpukannya di atas pad.",
                name
            ),
            "Pindai setiap buku atau letakkan tumpukannya di atas pad."
        );
        assert_eq!(
            without_name("Siti Rahmawati: your loans and reservations", name),
            "Your loans and reservations"
        );
        assert_eq!(without_name("Welcome!", name), "Welcome!");
    }
}
