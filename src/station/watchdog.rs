//! systemd's notify protocol for a station service: `READY=1` once it runs, `WATCHDOG=1`
//! from the loop whose freeze should get the service restarted (the kiosk's UI loop), and
//! `STOPPING=1` on the way out. The packaging's units set `Type=notify` and `WatchdogSec`.
//! Outside systemd (no `NOTIFY_SOCKET`) every call does nothing.

use sd_notify::NotifyState;
use std::time::{Duration, Instant};

/// The service's line to systemd.
pub struct Watchdog {
    /// How often to ping: half of `WatchdogSec`, or never when the unit sets none.
    every: Option<Duration>,
    last: Instant,
}

impl Watchdog {
    /// Reads `WATCHDOG_USEC` (for this process only) from the environment systemd gave.
    pub fn from_env() -> Watchdog {
        Watchdog {
            every: sd_notify::watchdog_enabled().map(|timeout| timeout / 2),
            last: Instant::now(),
        }
    }

    /// How often [`Watchdog::ping_if_due`] should be called, if at all.
    pub fn interval(&self) -> Option<Duration> {
        self.every
    }

    /// The station is up.
    pub fn ready(&self) {
        notify(&[NotifyState::Ready]);
    }

    /// The station is going down on purpose.
    pub fn stopping(&self) {
        notify(&[NotifyState::Stopping]);
    }

    /// A line for `systemctl status`.
    pub fn status(&self, text: &str) {
        notify(&[NotifyState::Status(text)]);
    }

    /// Tells systemd the calling loop is alive.
    pub fn ping(&mut self) {
        self.last = Instant::now();
        notify(&[NotifyState::Watchdog]);
    }

    /// Pings when half the watchdog time has passed since the last ping.
    pub fn ping_if_due(&mut self) {
        if self.every.is_some_and(|every| self.last.elapsed() >= every) {
            self.ping();
        }
    }
}

fn notify(state: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::warn!(error = %e, "systemd notify");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixDatagram;

    // nextest runs each test in its own process, so the environment set here is this test's.
    #[test]
    fn ready_pings_and_stopping_reach_the_notify_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        // SAFETY: set before any thread of this test process reads the environment.
        unsafe {
            std::env::set_var("NOTIFY_SOCKET", &path);
            std::env::set_var("WATCHDOG_USEC", "2000000");
            std::env::set_var("WATCHDOG_PID", std::process::id().to_string());
        }
        let mut watchdog = Watchdog::from_env();
        assert_eq!(watchdog.interval(), Some(Duration::from_secs(1)));
        let mut buffer = [0u8; 256];
        let mut next = || {
            let n = socket.recv(&mut buffer).unwrap();
            String::from_utf8_lossy(&buffer[..n]).to_string()
        };
        watchdog.ready();
        assert_eq!(next().trim(), "READY=1");
        watchdog.ping();
        assert_eq!(next().trim(), "WATCHDOG=1");
        // Not due again yet: nothing is sent.
        watchdog.ping_if_due();
        watchdog.stopping();
        assert_eq!(next().trim(), "STOPPING=1");
    }
}
