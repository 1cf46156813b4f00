//! The contract between a station and the hub: what travels over `/v1/...`.
//!
//! - [`protocol`]: request and response bodies of the hub's HTTP/JSON API.
//! - [`transactions`]: transaction kinds and one typed payload per kind.
//! - [`documents`]: the catalog documents the hub serves to stations, typed per kind.
//! - [`roles`]: what each kind of station may pull and push.
//! - [`conflicts`]: why the hub keeps a transaction as a conflict, as a code and a sentence.
//! - [`wire`]: how a code from a newer peer is kept rather than misread.
//!
//! Both sides compile against these types; neither names a JSON field as a string.

pub mod conflicts;
pub mod documents;
pub mod protocol;
pub mod roles;
#[cfg(test)]
mod strategies;
pub mod transactions;
pub mod wire;
