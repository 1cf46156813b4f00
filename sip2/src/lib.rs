//! SIP2 (3M Standard Interchange Protocol 2.00), the way self-checks talk to a library's own
//! system (Koha, Evergreen, FOLIO, Alma, Sierra, Symphony, RERO).
//!
//! # Layout
//!
//! - [`messages`]: every message a self-check sends or receives, typed, from one table
//!   (fixed fields by position, variable fields by id, unknown ids kept).
//! - [`frame`]: frames on the wire — error detection (`AY` sequence, `AZ` checksum), the
//!   split at CR (an LF after it accepted), only whole frames decoded, bounded buffering.
//! - [`checksum`], [`encoding`] (UTF-8, cp850, latin-1 per connection; safe truncation),
//!   [`date`] (18-character dates; blanks decoded, never encoded).
//! - [`client`]: one connection to the library system — TCP or TLS, login and status at
//!   connect, one request in flight, resends, sequence checks, every wait bounded.
//! - [`resend`]: a message sent again once after the system closed the connection without
//!   answering it, and a refused resend read against the system's records.
//! - [`log`]: the exchange as staff may read it (passwords, PINs, patron ids masked).
//! - `peer` (feature `test-peer`): the pysip2 library system tests talk to.
//! - `codec`: the field readers and writers the message table is built from.
//!
//! The codec never panics on received bytes (property tests and a fuzz target check it).

pub mod checksum;
pub mod client;
mod codec;
pub mod date;
pub mod encoding;
pub mod frame;
pub mod log;
pub mod messages;
#[cfg(feature = "test-peer")]
pub mod peer;
pub mod resend;

pub use client::{Client, ClientError, Settings};
pub use date::SipDate;
pub use encoding::Encoding;
pub use frame::{Checksum, Framer, Received, read_frame, write_frame};
pub use messages::{DecodeError, EncodeError, Message};
pub use resend::Answer;
