//! INLISLite v3.2 and v3.3: its loan rules (`rules`), reading its database into the hub
//! (`read`; titles, copies and members in full or by what changed: `catalogue`), and writing the stations' loans, returns and renewals into it as its desk does
//! (`write`); the hub's holds a return set a copy aside for become its OPAC bookings
//! (`holds`).

pub mod catalogue;
pub mod holds;
pub mod read;
pub mod rules;
pub mod write;
