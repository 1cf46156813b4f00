//! The engine's monotonic clock: inactivity, goodbye screens, set waits and status timers
//! count on it. Stations use the system's; tests move one by hand, so a 60-second inactivity
//! is tested without waiting 60 seconds and without sleeps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub trait Monotonic: Send {
    /// Time since the runtime started.
    fn now(&self) -> Duration;
}

/// The system's monotonic clock.
pub struct SystemMonotonic(Instant);

impl SystemMonotonic {
    pub fn start() -> SystemMonotonic {
        SystemMonotonic(Instant::now())
    }
}

impl Monotonic for SystemMonotonic {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// A clock that moves only when told (tests, replays).
#[derive(Clone, Default)]
pub struct ManualClock(Arc<Mutex<Duration>>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

impl Monotonic for ManualClock {
    fn now(&self) -> Duration {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
