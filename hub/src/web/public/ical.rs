//! iCalendar (RFC 5545) for the library's events and the mobile library's weekly stops
//! (a `RRULE` each): one `VCALENDAR` with the library's time
//! zone as a `VTIMEZONE` (its offsets and the changes between them over the events' years,
//! from jiff's time-zone database) and a `VEVENT` per event, times as the library's wall
//! clock with its `TZID`, a `UID` made from the event's id and the library's address (stable
//! across edits), `SEQUENCE` from the event's revision so calendars take a change.
//!
//! Written here rather than with the `icalendar` crate: it has no way to write a
//! `VTIMEZONE`, which the issue asks for (calendars that do not know the zone's name would
//! otherwise guess). Lines are folded at 75 octets and text escaped as the RFC says; the
//! tests read the result with Python's `icalendar` library.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// An event as the calendar shows it.
pub struct CalendarEvent {
    /// Unique in the library (`event-{id}`, `stop-{id}`); `@host` is added.
    pub uid: String,
    pub title: String,
    pub starts: DateTime,
    pub ends: DateTime,
    pub place: Option<String>,
    pub description: Option<String>,
    /// The page of the event (absolute where the library has a public address).
    pub url: String,
    /// Its catalogue revision: a change raises it.
    pub sequence: i64,
    pub cancelled: bool,
    /// A recurrence (`FREQ=WEEKLY;BYDAY=MO`): the mobile library's stops.
    pub rule: Option<String>,
}

/// The calendar: `name` (X-WR-CALNAME), the zone's name and rules, the events.
pub fn calendar(
    name: &str,
    zone_name: &str,
    zone: &TimeZone,
    host: &str,
    events: &[CalendarEvent],
    now: jiff::Timestamp,
) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Swalayan//Library events//ID".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("X-WR-CALNAME:{}", text(name)),
        format!("X-WR-TIMEZONE:{zone_name}"),
    ];
    lines.extend(timezone(zone_name, zone, events));
    let stamp = utc(now);
    for event in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}@{host}", event.uid));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("SEQUENCE:{}", event.sequence.max(0)));
        lines.push(format!("DTSTART;TZID={zone_name}:{}", local(event.starts)));
        lines.push(format!("DTEND;TZID={zone_name}:{}", local(event.ends)));
        if let Some(rule) = &event.rule {
            lines.push(format!("RRULE:{rule}"));
        }
        lines.push(format!("SUMMARY:{}", text(&event.title)));
        if let Some(place) = &event.place {
            lines.push(format!("LOCATION:{}", text(place)));
        }
        if let Some(description) = &event.description {
            lines.push(format!("DESCRIPTION:{}", text(description)));
        }
        lines.push(format!("URL:{}", event.url));
        lines.push(
            if event.cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            }
            .into(),
        );
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

/// The zone's observances over the years the events span (and the year before, for the
/// offset a first event starts in): each change of offset as its own `STANDARD` or
/// `DAYLIGHT` with the offsets before and after; a zone without changes (Asia/Jakarta since
/// 1964) as one `STANDARD`.
fn timezone(zone_name: &str, zone: &TimeZone, events: &[CalendarEvent]) -> Vec<String> {
    let years = events
        .iter()
        .flat_map(|e| [e.starts.year(), e.ends.year()])
        .fold(None, |span: Option<(i16, i16)>, y| match span {
            None => Some((y, y)),
            Some((a, b)) => Some((a.min(y), b.max(y))),
        })
        .unwrap_or((2026, 2026));
    let from = jiff::civil::date(years.0.saturating_sub(1), 1, 1)
        .to_zoned_datetime(zone.clone())
        .map(|z| z.timestamp())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let until = jiff::civil::date(years.1.saturating_add(1), 1, 1)
        .to_zoned_datetime(zone.clone())
        .map(|z| z.timestamp())
        .unwrap_or(from);
    let mut lines = vec!["BEGIN:VTIMEZONE".into(), format!("TZID:{zone_name}")];
    let mut before = zone.to_offset(from);
    let mut changes = 0;
    // Bounded: a zone changes its offset a few times a year at most.
    for transition in zone.following(from).take(100) {
        if transition.timestamp() >= until {
            break;
        }
        let after = transition.offset();
        let kind = if transition.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let wall = transition
            .timestamp()
            .to_zoned_datetime(zone.clone())
            .datetime();
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local(wall)));
        lines.push(format!("TZOFFSETFROM:{}", offset(before)));
        lines.push(format!("TZOFFSETTO:{}", offset(after)));
        lines.push(format!("TZNAME:{}", transition.abbreviation()));
        lines.push(format!("END:{kind}"));
        before = after;
        changes += 1;
    }
    if changes == 0 {
        let wall = from.to_zoned_datetime(zone.clone()).datetime();
        lines.push("BEGIN:STANDARD".into());
        lines.push(format!("DTSTART:{}", local(wall)));
        lines.push(format!("TZOFFSETFROM:{}", offset(before)));
        lines.push(format!("TZOFFSETTO:{}", offset(before)));
        lines.push("END:STANDARD".into());
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

/// `20261215T090000` (a wall-clock time with its zone's TZID beside it).
fn local(at: DateTime) -> String {
    at.strftime("%Y%m%dT%H%M%S").to_string()
}

/// `20261207T031500Z`.
fn utc(at: jiff::Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// `+0700`.
fn offset(offset: jiff::tz::Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// A TEXT value escaped: backslash, semicolon, comma, new lines.
fn text(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// A content line folded at 75 octets (never inside a character), CRLF-ended.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_within_75_octets_and_text_is_escaped() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "é".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
        assert_eq!(offset(jiff::tz::Offset::constant(7)), "+0700");
        assert_eq!(offset(jiff::tz::Offset::constant(-3)), "-0300");
    }
}
