//! A serial barcode scanner simulator on a pseudo-terminal: codes, noise, overlong lines,
//! and unplugging. Its port is reachable by a stable path (a symlink), like
//! `/dev/serial/by-id/...` on a real station.

use crate::serial::SerialSettings;
use serialport::TTYPort;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct ScannerSimulator {
    /// The scanner's end of the line; `None` while unplugged.
    master: Option<TTYPort>,
    /// Held open so the line stays up while no reader has the port open.
    slave_keepalive: Option<TTYPort>,
    link: PathBuf,
    settings: SerialSettings,
    /// Pace bytes at the baud rate (off in fast tests).
    pace: bool,
}

impl ScannerSimulator {
    /// Plugs a simulated scanner in, reachable at `link`.
    pub fn plug_in(
        link: &Path,
        settings: SerialSettings,
        pace: bool,
    ) -> std::io::Result<ScannerSimulator> {
        let mut sim = ScannerSimulator {
            master: None,
            slave_keepalive: None,
            link: link.to_path_buf(),
            settings,
            pace,
        };
        sim.replug()?;
        Ok(sim)
    }

    pub fn link(&self) -> &Path {
        &self.link
    }

    /// Scans a code: the code and CR LF, as most scanners send.
    pub fn scan(&mut self, code: &str) -> std::io::Result<()> {
        let mut line = code.as_bytes().to_vec();
        line.extend_from_slice(b"\r\n");
        self.send_raw(&line)
    }

    /// Sends bytes as they are (noise, overlong lines, odd terminators).
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let master = self.master.as_mut().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotConnected, "the scanner is unplugged")
        })?;
        for chunk in bytes.chunks(8) {
            if self.pace {
                std::thread::sleep(self.settings.byte_time() * chunk.len() as u32);
            }
            master.write_all(chunk)?;
        }
        master.flush()
    }

    /// Pulls the cable: the line goes away and so does the device path.
    pub fn unplug(&mut self) {
        self.master = None;
        self.slave_keepalive = None;
        let _ = std::fs::remove_file(&self.link);
    }

    /// Plugs it back in (a new line at the same path).
    pub fn replug(&mut self) -> std::io::Result<()> {
        let (master, slave) = super::pty::linked_pty(&self.link)?;
        self.master = Some(master);
        self.slave_keepalive = Some(slave);
        Ok(())
    }
}

impl Drop for ScannerSimulator {
    fn drop(&mut self) {
        self.unplug();
    }
}
