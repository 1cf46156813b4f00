//! The words of the free-text channels (a WhatsApp or SMS gateway, e-mail): one text per
//! message kind and language, built in and replaceable by the library (`[notify] texts_file`,
//! a TOML file with `[id]` and `[en]` tables keyed by message kind). A text names the
//! message's values in braces: `{title}`, `{branch}`, `{until}`, `{titles}`, `{due}`,
//! `{event}`, `{start}`, `{place}`, `{visit}`, `{lines}`, and `{library}` in every one.
//!
//! The Cloud API sends no free text: its approved templates take the same values, in the
//! order [`super::compose`] lists them.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use swalayan_core::contact::MessageKind;
use swalayan_core::reason::Lang;

/// A message's values, in the order a template's body parameters take them.
pub type Params = Vec<(String, String)>;

/// The texts per language and kind (built-in unless the library wrote its own).
#[derive(Debug, Clone, Default)]
pub struct Texts {
    written: BTreeMap<(Lang, MessageKind), String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextsFile {
    #[serde(default)]
    id: BTreeMap<String, String>,
    #[serde(default)]
    en: BTreeMap<String, String>,
}

impl Texts {
    /// Reads the library's texts; an unknown kind or value name is refused (a typo would
    /// otherwise reach patrons as `{titel}`).
    pub fn load(path: &Path) -> Result<Texts, String> {
        let bad = |message: String| format!("texts_file: {}: {message}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let file: TextsFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let mut written = BTreeMap::new();
        for (lang, table) in [(Lang::Id, file.id), (Lang::En, file.en)] {
            for (kind, body) in table {
                let kind = MessageKind::parse(&kind)
                    .ok_or_else(|| bad(format!("'{kind}' is not a message kind")))?;
                for name in placeholders(&body) {
                    if name != "library" && !value_names(kind).contains(&name) {
                        return Err(bad(format!(
                            "{kind}: {{{name}}} is not one of its values ({}, library)",
                            value_names(kind).join(", "),
                            kind = kind.code()
                        )));
                    }
                }
                written.insert((lang, kind), body);
            }
        }
        Ok(Texts { written })
    }

    /// The message in words: `{name}` replaced by its value.
    pub fn render(&self, kind: MessageKind, lang: Lang, library: &str, params: &Params) -> String {
        let template = self
            .written
            .get(&(lang, kind))
            .map_or_else(|| built_in(kind, lang), String::as_str);
        let mut text = template.replace("{library}", library);
        for (name, value) in params {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A subject line for e-mail.
    pub fn subject(&self, kind: MessageKind, lang: Lang, library: &str) -> String {
        format!("{library}: {}", kind.label(lang))
    }
}

/// The values a kind's message takes, in order.
pub fn value_names(kind: MessageKind) -> &'static [&'static str] {
    match kind {
        MessageKind::HoldReady | MessageKind::HoldExpiring => &["title", "branch", "until"],
        MessageKind::DueSoon | MessageKind::Overdue => &["titles", "due"],
        MessageKind::EventReminder | MessageKind::WaitlistPlace => &["event", "start", "place"],
        MessageKind::Receipt => &["visit", "lines"],
    }
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                names.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names
}

fn built_in(kind: MessageKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (MessageKind::HoldReady, Lang::Id) => {
            "{library}: buku pesanan Anda \"{title}\" sudah siap diambil di {branch} sampai {until}."
        }
        (MessageKind::HoldReady, Lang::En) => {
            "{library}: the book you reserved, \"{title}\", is ready to pick up at {branch} until {until}."
        }
        (MessageKind::HoldExpiring, Lang::Id) => {
            "{library}: pesanan \"{title}\" menunggu Anda di {branch} hanya sampai {until}. Ambil besok agar tidak batal."
        }
        (MessageKind::HoldExpiring, Lang::En) => {
            "{library}: \"{title}\" waits for you at {branch} only until {until}. Pick it up tomorrow or the hold ends."
        }
        (MessageKind::DueSoon, Lang::Id) => {
            "{library}: pengingat, {titles} harus dikembalikan paling lambat {due}. Perpanjang di kios atau situs perpustakaan bila perlu."
        }
        (MessageKind::DueSoon, Lang::En) => {
            "{library}: a reminder that {titles} is due back by {due}. Renew it at a kiosk or on the library's website if you need longer."
        }
        (MessageKind::Overdue, Lang::Id) => {
            "{library}: {titles} sudah melewati batas pengembalian ({due}). Mohon segera dikembalikan; kotak pengembalian buka 24 jam."
        }
        (MessageKind::Overdue, Lang::En) => {
            "{library}: {titles} was due back on {due}. Please return it soon; the drop box is open day and night."
        }
        (MessageKind::EventReminder, Lang::Id) => {
            "{library}: sampai jumpa di \"{event}\", {start}, {place}."
        }
        (MessageKind::EventReminder, Lang::En) => {
            "{library}: see you at \"{event}\", {start}, {place}."
        }
        (MessageKind::WaitlistPlace, Lang::Id) => {
            "{library}: ada tempat untuk Anda di \"{event}\", {start}, {place}. Tempat Anda sudah terdaftar."
        }
        (MessageKind::WaitlistPlace, Lang::En) => {
            "{library}: a place opened for you at \"{event}\", {start}, {place}. It is yours."
        }
        (MessageKind::Receipt, Lang::Id) => "{library}: struk kunjungan {visit}\n{lines}",
        (MessageKind::Receipt, Lang::En) => "{library}: receipt of your visit, {visit}\n{lines}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_s_texts_replace_the_built_in_ones_and_typos_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("texts.toml");
        std::fs::write(
            &path,
            "[id]\nhold_ready = \"Halo dari {library}: {title} siap di {branch} s.d. {until}\"\n",
        )
        .unwrap();
        let texts = Texts::load(&path).unwrap();
        let params: Params = vec![
            ("title".into(), "Laskar Pelangi".into()),
            ("branch".into(), "Pusat".into()),
            ("until".into(), "Sabtu, 12 Desember 2026".into()),
        ];
        assert_eq!(
            texts.render(MessageKind::HoldReady, Lang::Id, "Perpus", &params),
            "Halo dari Perpus: Laskar Pelangi siap di Pusat s.d. Sabtu, 12 Desember 2026"
        );
        assert!(
            texts
                .render(MessageKind::HoldReady, Lang::En, "Perpus", &params)
                .contains("\"Laskar Pelangi\", is ready to pick up at Pusat")
        );
        std::fs::write(&path, "[en]\nhold_ready = \"{titel} is ready\"\n").unwrap();
        let error = Texts::load(&path).unwrap_err();
        assert!(error.contains("{titel}"), "{error}");
    }

    #[test]
    fn every_built_in_text_names_only_its_values() {
        for kind in MessageKind::ALL {
            for lang in [Lang::Id, Lang::En] {
                for name in placeholders(built_in(kind, lang)) {
                    assert!(
                        name == "library" || value_names(kind).contains(&name),
                        "{kind:?} {lang:?}: {name}"
                    );
                }
            }
        }
    }
}
