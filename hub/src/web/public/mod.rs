//! The library's public site: what patrons and search engines read.
//!
//! - [`home`], [`search`], [`title`]: the catalogue's pages; [`seo`]: `robots.txt` and
//!   `sitemap.xml`.
//! - [`account`]: sign in and out, the patron's loans, reservations and fines, reserving and
//!   cancelling; [`renew`]: renewing by the kiosks' rule, recorded through the ledger.
//! - [`events`]: the events and literacy programmes, registration and the waiting list;
//!   [`feedback`]: the feedback form.
//! - [`reading`]: a title's digital files read online (scanned pages one by one, PDF inline,
//!   EPUB, audio), the files themselves with ranges and caching, covers.
//! - [`mobile_library`]: "Perpustakaan Keliling", the mobile library's stops and their
//!   calendars.
//! - [`feeds`]: Atom (new acquisitions, any search) and iCalendar (events; written by
//!   [`ical`]) for feed readers and calendars.

pub mod account;
pub mod events;
pub mod feedback;
pub mod feeds;
pub mod home;
pub mod ical;
pub mod kiosk_pin;
pub mod mobile_library;
pub mod notifications;
pub mod oai;
pub mod reading;
pub mod renew;
pub mod search;
pub mod seo;
pub mod title;
