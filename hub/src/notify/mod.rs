//! Notifications (issue #30): patrons told on WhatsApp, by SMS or e-mail that a reserved
//! book is ready, a loan is due, an event is tomorrow — exactly once, with their consent.
//!
//! # Layout
//!
//! - [`settings`]: `[notify]` of hub.toml — quiet hours, reminder days, the channels with
//!   their secrets read from files.
//! - [`texts`]: the words of the free-text channels, built in (Indonesian, English) or the
//!   library's own file.
//! - [`produce`]: what is to be told, found in the documents and queued in the outbox
//!   (`crate::storage::notices`): as things happen (the change feed) and by the calendar.
//! - [`channels`]: one message handed to the Cloud API, a gateway or an SMTP server, its
//!   answer sorted into sent / try again / refused.
//! - [`deliver`]: the sender — quiet hours, each channel's pace, backoff, orphans.
//! - [`running`]: the whole cycle on a thread of `serve`'s, and once for `notify run`.

pub mod channels;
pub mod deliver;
pub mod produce;
pub mod running;
pub mod settings;
pub mod texts;

pub use settings::{Channel, ChannelKind, NotifySettings};
