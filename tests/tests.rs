//! Integration tests: one entry point, a module per area.

/// Helpers: run the real binary on a temporary database.
mod support;

/// The command line end to end: JSON shapes, reason codes, exit codes.
mod cli;
/// A station killed with SIGKILL in a storm of checkouts keeps a consistent store.
mod crash;
/// The drop box through `swalayan dropbox replay`: 200 drops, full bins, a kill mid-cycle.
mod dropbox;
/// The entrance counter on synthetic days and through `swalayan gate replay`.
mod gate;
/// `swalayan hw` against `swalayan sim` devices on pseudo-terminals.
mod hw;
/// Catalog and patron import: CSV and MARC from files, errors with file and line.
mod import;
/// The kiosk's journeys on the real station runtime, without a screen.
mod journeys;
/// A station whose power is cut at any write keeps every acknowledged transaction.
mod powercut;
/// The station runtime's devices: GPIO inputs debounced, scanners, the pad.
mod runtime;
/// The scripts' install branches with a fake apt-get (a fresh machine gets clear messages).
mod scripts;
/// The kiosk under systemd: ready on the notify socket, a clean stop on SIGTERM; a held button
/// heard on a real screen (Xvfb).
mod service;
/// `swalayan sip2 ping|patron|item` against a pysip2 library system.
mod sip2;
/// Spoken guidance's voice: espeak-ng renders each utterance to a WAV file that is speech.
mod speech;
/// A kiosk on the real station runtime (shared with the Slint tests).
mod station_rig;
/// The store's promises: re-import never clears circulation; privacy after acknowledgement.
mod store;
/// The mixed storm of a station's work, and the invariants its store keeps.
mod storm;
/// `swalayan tag decode|encode` with the public ISO 28560-3 vector.
mod tag;
/// Every touchscreen text is translated; generated UI files match the reason table.
mod translations;
/// WAV files as espeak-ng writes them: length, level, speech or not (shared with tests/ui.rs).
mod wav;
