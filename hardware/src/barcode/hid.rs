//! Reading a keyboard-style scanner from `/dev/input/event*` with an exclusive grab.

use super::keys::{KeyDecoder, KeyEvent};
use std::path::Path;

/// An open, grabbed scanner: keystrokes go to the station, never to the screen.
pub struct HidScanner {
    device: evdev::Device,
    decoder: KeyDecoder,
}

impl HidScanner {
    /// Opens and grabs the device; fails clearly when it is missing or not allowed.
    pub fn open(path: &Path, max_len: usize) -> std::io::Result<HidScanner> {
        let mut device = evdev::Device::open(path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("{}: {e} — is the scanner plugged in, and is the service user in the input group?", path.display()),
            )
        })?;
        device.grab()?;
        Ok(HidScanner {
            device,
            decoder: KeyDecoder::new(max_len),
        })
    }

    /// Blocks until the device reports events; returns the codes and rejections they made.
    pub fn read(&mut self) -> std::io::Result<Vec<KeyEvent>> {
        let mut out = Vec::new();
        for event in self.device.fetch_events()? {
            if let evdev::EventSummary::Key(_, key, value) = event.destructure() {
                out.extend(self.decoder.feed(key.code(), value));
            }
        }
        Ok(out)
    }
}
