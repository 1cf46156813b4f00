//! The Rust side of the touchscreen (feature `ui`): the Slint components compiled from
//! `ui/`, pure `map_*` functions from the kiosk's view to Slint types, and the glue that
//! applies a view to the window and turns the window's callbacks into kiosk commands.
//!
//! - [`map`]: `KioskView` -> Slint structs, pure and unit-tested.
//! - [`bridge`]: applies a view to the globals; connects callbacks to a command sink.
//! - [`app`]: the running kiosk: the Slint event loop on the main thread, the kiosk engine
//!   (desk + RFID pad) on its own thread, the scanner on its own.
//! - [`narrator`]: spoken guidance: what to say when the screen changes (issue #33).
//! - [`screenshot`]: renders a screen offscreen to PNG, with no display.

slint::include_modules!();

pub mod app;
pub mod bridge;
pub mod map;
pub mod narrator;
pub mod screenshot;
