//! Pseudo-terminal pairs reachable by a stable path, as a simulated device's port.

use serialport::{SerialPort, TTYPort};
use std::path::Path;
use std::time::Duration;

/// A pty pair whose device side is symlinked at `link` (replacing whatever was there).
/// Returns (device side for the simulator, port side kept open so the line stays up).
pub fn linked_pty(link: &Path) -> std::io::Result<(TTYPort, TTYPort)> {
    let (mut master, slave) = TTYPort::pair().map_err(std::io::Error::other)?;
    master
        .set_timeout(Duration::from_millis(20))
        .map_err(std::io::Error::other)?;
    let name = slave
        .name()
        .ok_or_else(|| std::io::Error::other("the pseudo-terminal has no name"))?;
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(&name, link)?;
    Ok((master, slave))
}
