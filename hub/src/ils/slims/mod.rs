//! SLiMS 9: its loan rules as the policy (`rules`), reading its database into the hub
//! (`read`; titles, copies and members in full or by what changed: `catalogue`), and writing the stations' loans, returns and renewals into it as its desk does
//! (`write`, reckoning due dates and fines as the desk does in `reckon`; `columns`: its
//! DATE and DATETIME columns), and the hub's reservations into its `reserve` table
//! (`holds`).

pub mod catalogue;
pub mod columns;
pub mod holds;
pub mod read;
pub mod reckon;
pub mod rules;
pub mod write;
