//! The entrance counter: two beams per passage count visitors with direction, anonymously.
//!
//! - [`counter`]: one passage's counter (flicker filter, episodes, alarms).
//! - [`station`]: the counter as a role of the station runtime (counts into the store).
//! - [`trace`]: a trace of beam edges (`t_ms,passage,beam,blocked`), read and replayed.

pub mod counter;
pub mod station;
pub mod trace;
