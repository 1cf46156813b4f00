//! What the commands print: one JSON value with `--json`, else a line for people.

/// Prints JSON or a human line.
pub(super) fn emit(json: bool, value: &serde_json::Value, human: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", human());
    }
}
