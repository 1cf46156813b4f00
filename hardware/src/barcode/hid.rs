//! Reading a keyboard-style scanner from `/dev/input/event*` with an exclusive grab.

use super::keys::{KeyDecoder, KeyEvent};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

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

    /// Waits at most `timeout` for the device to report events, then reads them: a thread
    /// that must stop (station shutdown) never blocks forever in a read.
    pub fn read_within(&mut self, timeout: Duration) -> std::io::Result<Vec<KeyEvent>> {
        let mut fd = libc::pollfd {
            fd: self.device.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd for the device's open descriptor, for the call's duration.
        let ready = unsafe { libc::poll(&mut fd, 1, millis) };
        match ready {
            0 => Ok(Vec::new()),
            n if n < 0 => {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    Ok(Vec::new())
                } else {
                    Err(e)
                }
            }
            _ if fd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 => Err(
                std::io::Error::other("the scanner was unplugged (the device went away)"),
            ),
            _ => self.read(),
        }
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
