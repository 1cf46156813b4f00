//! Koha's offline circulation format (`.koc`), as Koha's "Upload offline circulation file"
//! reads it: a header line, then one tab-separated line per event with a local timestamp
//! `YYYY-MM-DD HH:MM:SS mmm` (milliseconds after a space).
//!
//! Koha has no "renew" event: an issue of an item already on loan to the same patron is a
//! renewal there, so renewals and hold pickups are written as issues.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::io::{self, Write};

/// One circulation event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KocEvent {
    Issue { patron: String, item: String },
    Return { item: String },
}

impl KocEvent {
    /// The event for a Swalayan transaction kind, if Koha has one.
    pub fn from_transaction(
        kind: &str,
        patron: Option<&str>,
        item: Option<&str>,
    ) -> Option<KocEvent> {
        let item = item.filter(|i| !i.is_empty())?.to_string();
        match kind {
            "checkout" | "renew" | "pickup" => Some(KocEvent::Issue {
                patron: patron.filter(|p| !p.is_empty())?.to_string(),
                item,
            }),
            "checkin" => Some(KocEvent::Return { item }),
            _ => None,
        }
    }
}

/// Writes KOC: the header, then the events in the order given (oldest first), with times in
/// the library's time zone.
pub struct KocWriter<W: Write> {
    out: W,
    time_zone: TimeZone,
}

impl<W: Write> KocWriter<W> {
    pub fn new(mut out: W, time_zone: TimeZone, generator_version: &str) -> io::Result<Self> {
        writeln!(
            out,
            "Version=1.0\tGenerator=swalayan\tGeneratorVersion={generator_version}"
        )?;
        Ok(KocWriter { out, time_zone })
    }

    pub fn event(&mut self, at: Timestamp, event: &KocEvent) -> io::Result<()> {
        let local = at.to_zoned_datetime(self.time_zone.clone());
        let stamp = format!(
            "{} {:03}",
            local.strftime("%Y-%m-%d %H:%M:%S"),
            local.subsec_nanosecond() / 1_000_000
        );
        match event {
            KocEvent::Issue { patron, item } => {
                writeln!(
                    self.out,
                    "{stamp}\tissue\t{}\t{}",
                    clean(patron),
                    clean(item)
                )
            }
            KocEvent::Return { item } => writeln!(self.out, "{stamp}\treturn\t{}", clean(item)),
        }
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A barcode with a tab or line break would break the line format.
fn clean(field: &str) -> String {
    field.replace(['\t', '\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_header_and_local_timestamps() {
        let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
        let mut writer = KocWriter::new(Vec::new(), tz, "0.1.0").unwrap();
        let at: Timestamp = "2026-11-28T02:03:04.567Z".parse().unwrap();
        let issue =
            KocEvent::from_transaction("checkout", Some("21000000007"), Some("31000000001"))
                .unwrap();
        writer.event(at, &issue).unwrap();
        let back = KocEvent::from_transaction("checkin", None, Some("31000000001")).unwrap();
        writer.event(at, &back).unwrap();
        let text = String::from_utf8(writer.finish().unwrap()).unwrap();
        assert_eq!(
            text,
            "Version=1.0\tGenerator=swalayan\tGeneratorVersion=0.1.0\n\
             2026-11-28 09:03:04 567\tissue\t21000000007\t31000000001\n\
             2026-11-28 09:03:04 567\treturn\t31000000001\n"
        );
        assert_eq!(KocEvent::from_transaction("feedback", None, None), None);
        assert_eq!(
            KocEvent::from_transaction("checkout", None, Some("X")),
            None
        );
    }
}
