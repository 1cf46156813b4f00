//! The hub as a real process (127.0.0.1:0) with real stations: the swalayan library's desk,
//! push and pull, and the swalayan binary. Every test that touches storage runs on both
//! backends: SQLite in a temp dir, and PostgreSQL (a fresh database per test on the
//! throwaway cluster scripts/test starts; `SWALAYAN_TEST_POSTGRES` names it).

mod abuse;
mod admin;
mod annual;
mod capacity;
mod contract;
mod digital;
mod events;
mod faults;
mod feeds;
mod members;
mod mobile;
mod mobile_station;
mod notify;
mod oai;
mod output;
mod providers;
mod pull;
mod push;
mod revisions;
mod roles;
mod runtime;
mod staff;
mod support;
mod web;
