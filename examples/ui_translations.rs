//! Prints generated UI files from the reason table in src/reason.rs:
//! `cargo run --example ui_translations -- slint > ui/globals/reasons.slint`
//! `cargo run --example ui_translations -- po` prints the reason entries of ui/lang/id/.../swalayan.po.

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("slint") => print!("{}", swalayan::reason::Reason::slint_global()),
        Some("po") => print!("{}", swalayan::reason::Reason::po_entries()),
        _ => eprintln!("usage: ui_translations slint|po"),
    }
}
