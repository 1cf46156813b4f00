//! Reports the library gives its funders and its own planning, from counts the stations keep.
//!
//! - [`visitors`]: visits (ISO 2789) from the entrance counters' quarter-hour counts.

pub mod visitors;
