//! Prints the reason table for docs/cli.md: `cargo run --example reason_table`.

fn main() {
    print!("{}", swalayan::reason::Reason::markdown_table());
}
