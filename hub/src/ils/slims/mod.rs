//! SLiMS 9: its loan rules as the stations' policy (`rules`), and reading its database into
//! the hub (`read`).

pub mod read;
pub mod rules;
