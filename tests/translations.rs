//! Every text of the touchscreen has its Indonesian translation, and the generated files
//! (reason sentences in Slint and in the catalogue) match the reason table.

use std::path::Path;
use swalayan::reason::Reason;

const PO: &str = include_str!("../ui/lang/id/LC_MESSAGES/swalayan.po");

/// The `@tr("...")` strings of a Slint file (first argument only).
fn tr_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("@tr(\"") {
        let body = &rest[at + 5..];
        let mut value = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.extend(chars.next()),
                '"' => break,
                c => value.push(c),
            }
        }
        out.push(value);
        rest = &body[1..];
    }
    out
}

/// msgid -> msgstr of the catalogue.
fn catalogue() -> std::collections::HashMap<String, String> {
    let unquote = |line: &str, key: &str| -> Option<String> {
        let text = line.strip_prefix(key)?.trim();
        let inner = text.strip_prefix('"')?.strip_suffix('"')?;
        Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
    };
    let mut map = std::collections::HashMap::new();
    let mut id = None;
    for line in PO.lines() {
        if let Some(value) = unquote(line, "msgid ") {
            id = Some(value);
        } else if let (Some(value), Some(key)) = (unquote(line, "msgstr "), id.take()) {
            map.insert(key, value);
        }
    }
    map
}

fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

#[test]
fn every_ui_text_has_an_indonesian_translation() {
    let mut files = Vec::new();
    slint_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"),
        &mut files,
    );
    let catalogue = catalogue();
    let mut missing = Vec::new();
    let mut count = 0;
    for file in files {
        for text in tr_strings(&std::fs::read_to_string(&file).unwrap()) {
            count += 1;
            match catalogue.get(&text) {
                Some(translation) if !translation.is_empty() => {}
                _ => missing.push(format!("{}: {text:?}", file.display())),
            }
        }
    }
    assert!(count > 80, "found only {count} texts: is the scan broken?");
    assert!(missing.is_empty(), "untranslated:\n{}", missing.join("\n"));
}

#[test]
fn generated_reason_files_match_the_reason_table() {
    let slint = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ui/globals/reasons.slint"
    ))
    .unwrap();
    assert_eq!(
        slint,
        Reason::slint_global(),
        "regenerate: cargo run --example ui_translations -- slint > ui/globals/reasons.slint"
    );
    assert!(
        PO.contains(&Reason::po_entries()),
        "regenerate the reason entries: cargo run --example ui_translations -- po"
    );
}

#[test]
fn placeholders_survive_translation() {
    for (id, translation) in catalogue() {
        let count =
            |s: &str| s.matches("{}").count() + s.matches("{0}").count() + s.matches("{1}").count();
        assert_eq!(count(&id), count(&translation), "{id:?} -> {translation:?}");
    }
}
