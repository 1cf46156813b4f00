//! Transactions written for library systems that load them back: Koha's offline
//! circulation files ([`koc`]). The hub exports with it; a station could too.

pub mod koc;
