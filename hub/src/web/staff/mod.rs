//! The staff's pages under `/staff`: their own sign-in, never indexed, never cached.
//!
//! - [`dashboard`]: sign-in and out, the dashboard's home (what needs attention, today and this
//!   month, the stations), the audit log.
//! - [`insight`]: the report pages (visitors, circulation, feedback, the monthly summary), each
//!   the same numbers as its command; [`period`]: the period they show; [`chart`]: bar charts,
//!   SVG drawn on the server.
//! - [`annual`]: the year's figures for the national library census, with sources and notes.
//! - [`programmes`]: events' registrations and attendance, the check-in at the door.
//! - [`promotions`], [`event_forms`]: promotions and events written, changed and withdrawn,
//!   on one form kit (`forms`: the posted form, its token, its fields, the audit line).
//! - [`digital`]: the digital collection — local-content records, files attached and
//!   ordered, who may read them; [`digital_uploads`]: files and covers streamed in.
//! - [`routes`]: the mobile library's stops, added and removed.
//! - [`conflicts`]: conflicts resolved with a note.
//! - [`notifications`]: what patrons were told, waiting or failed (contacts masked), CSV.

pub mod annual;
pub mod chart;
pub mod conflicts;
pub mod dashboard;
pub mod digital;
pub mod digital_uploads;
pub mod event_forms;
mod forms;
mod ils_link;
pub mod insight;
pub mod notifications;
pub mod period;
pub mod programmes;
pub mod promotions;
pub mod routes;
