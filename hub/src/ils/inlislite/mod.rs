//! INLISLite v3.2 and v3.3: its loan rules (`rules`), reading its database into the hub
//! (`read`), and writing the stations' loans, returns and renewals into it as its desk does
//! (`write`).

pub mod read;
pub mod rules;
pub mod write;
