//! The station's notion of "now", and whether the system clock can be trusted.
//!
//! A Raspberry Pi has no battery-backed clock: it may boot with a time from the past and run
//! for a while before NTP corrects it. A loan must never be refused or given a wrong due date
//! because of that, so the station works from the later of the system clock and the last time
//! it saw while the clock was trusted, and marks transactions made on an untrusted clock.

use jiff::Timestamp;

/// Where time comes from. The system clock in production; a fixed one in tests and benches.
pub trait Clock: Send {
    fn now(&self) -> Timestamp;
    /// Whether the kernel says the clock is synchronised (NTP or similar).
    fn synchronised(&self) -> bool;
}

/// The system clock, asking the kernel whether NTP has synchronised it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn synchronised(&self) -> bool {
        kernel_clock_synchronised()
    }
}

/// A clock that always reads the same time; `synchronised` as given.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock {
    pub at: Timestamp,
    pub synchronised: bool,
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.at
    }

    fn synchronised(&self) -> bool {
        self.synchronised
    }
}

/// The time a transaction is stamped with, and whether it can be believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StationTime {
    pub at: Timestamp,
    pub trusted: bool,
}

/// The time a screen shows: the machine's, but never before the last trusted time — the
/// rule of [`station_time`] that dates loans and receipts, so a Pi booted without network
/// does not show patrons 2020 above a receipt dated today. (Whether the kernel trusts the
/// clock changes only the `trusted` flag, not the time used.)
pub fn shown_now(machine: Timestamp, last_trusted: Option<Timestamp>) -> Timestamp {
    station_time(machine, false, last_trusted).at
}

/// Combines the clock's reading with the last trusted time the station stored.
///
/// Trusted only when the kernel says synchronised and the clock has not gone back before the
/// last trusted time; the time used is never earlier than that last trusted time.
pub fn station_time(
    now: Timestamp,
    synchronised: bool,
    last_trusted: Option<Timestamp>,
) -> StationTime {
    match last_trusted {
        Some(last) if now < last => StationTime {
            at: last,
            trusted: false,
        },
        _ => StationTime {
            at: now,
            trusted: synchronised,
        },
    }
}

/// Asks the kernel (adjtimex) whether the system clock is synchronised.
#[cfg(target_os = "linux")]
fn kernel_clock_synchronised() -> bool {
    // SAFETY: adjtimex with modes = 0 only reads the kernel's clock state into the struct.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    let state = unsafe { libc::adjtimex(&mut tx) };
    state != libc::TIME_ERROR && state >= 0 && (tx.status & libc::STA_UNSYNC) == 0
}

#[cfg(not(target_os = "linux"))]
fn kernel_clock_synchronised() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_screen_never_shows_a_time_before_the_last_trusted_one() {
        let trusted: Timestamp = "2026-11-28T03:00:00Z".parse().unwrap();
        let booted_in_2020: Timestamp = "2020-01-01T02:00:00Z".parse().unwrap();
        assert_eq!(shown_now(booted_in_2020, Some(trusted)), trusted);
        let later: Timestamp = "2026-11-29T00:00:00Z".parse().unwrap();
        assert_eq!(shown_now(later, Some(trusted)), later);
        assert_eq!(shown_now(booted_in_2020, None), booted_in_2020);
    }

    #[test]
    fn a_clock_behind_the_last_trusted_time_is_not_trusted_and_not_used() {
        let last = Timestamp::from_second(2_000_000_000).unwrap();
        let early = Timestamp::from_second(1_000_000_000).unwrap();
        assert_eq!(
            station_time(early, true, Some(last)),
            StationTime {
                at: last,
                trusted: false
            }
        );
        let later = Timestamp::from_second(2_000_000_100).unwrap();
        assert_eq!(
            station_time(later, true, Some(last)),
            StationTime {
                at: later,
                trusted: true
            }
        );
        assert_eq!(
            station_time(later, false, None),
            StationTime {
                at: later,
                trusted: false
            }
        );
    }

    #[test]
    fn the_system_clock_answers_without_panicking() {
        // Whatever the VM says, the call itself must work.
        let _ = SystemClock.synchronised();
        assert!(SystemClock.now() > Timestamp::UNIX_EPOCH);
    }
}
