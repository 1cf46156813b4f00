//! The visitors report: entries, exits and visits per hour, day or month, in the library's
//! time zone, the same at a station (its own gates) and at the hub (all gates).
//!
//! Visits follow ISO 2789 (a visit is a person entering the library's premises), so visits
//! are the entries counted at the door; exits are shown beside them as a check. A day whose
//! entries and exits differ by more than the threshold (10 % by default) is marked `suspect`:
//! a beam fault is likelier than a crowd staying the night, and it is not silently reported.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;

/// How the report rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Hour,
    Day,
    Month,
}

impl By {
    pub fn parse(text: &str) -> Option<By> {
        match text {
            "hour" => Some(By::Hour),
            "day" => Some(By::Day),
            "month" => Some(By::Month),
            _ => None,
        }
    }
}

/// One counted bucket (from a station's store or the hub's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedBucket {
    pub start: Timestamp,
    pub entered: i64,
    pub left: i64,
}

/// What `report visitors` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitorsReport {
    pub from: Date,
    pub to: Date,
    pub time_zone: String,
    pub method: &'static str,
    pub entries: i64,
    pub exits: i64,
    pub visits: i64,
    pub days: Vec<DayRow>,
    /// The rows of `--by` (hour, day or month).
    pub by: &'static str,
    pub periods: Vec<PeriodRow>,
    /// Hours of the day by entries, busiest first (at most five).
    pub busiest_hours: Vec<HourRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    pub date: Date,
    pub entries: i64,
    pub exits: i64,
    pub visits: i64,
    /// Entries and exits differ by more than the threshold: check the beams.
    pub suspect: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodRow {
    /// `2026-12-01T09`, `2026-12-01` or `2026-12`, local time.
    pub period: String,
    pub entries: i64,
    pub exits: i64,
    pub visits: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourRow {
    /// Local hour of the day, 0–23.
    pub hour: i8,
    pub entries: i64,
}

pub const METHOD: &str = "ISO 2789: visits are the persons entering the premises, counted at the entrance by two-beam direction counters; exits are shown as a check";

/// The first instant of `from` and the first after `to`, in `tz` (dates inclusive).
pub fn span(from: Date, to: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = from.to_zoned_datetime(tz.clone()).ok()?.timestamp();
    let end = to
        .tomorrow()
        .ok()?
        .to_zoned_datetime(tz.clone())
        .ok()?
        .timestamp();
    Some((start, end))
}

/// Builds the report from the buckets in the span; `suspect_percent` marks suspect days.
pub fn report(
    buckets: &[CountedBucket],
    from: Date,
    to: Date,
    tz: &TimeZone,
    time_zone_name: &str,
    by: By,
    suspect_percent: f64,
) -> VisitorsReport {
    let mut days: BTreeMap<Date, (i64, i64)> = BTreeMap::new();
    let mut periods: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut hours: BTreeMap<i8, i64> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        days.insert(day, (0, 0));
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    for b in buckets {
        let local = b.start.to_zoned_datetime(tz.clone());
        let date = local.date();
        if date < from || date > to {
            continue;
        }
        let d = days.entry(date).or_default();
        d.0 += b.entered;
        d.1 += b.left;
        let period = match by {
            By::Hour => local.strftime("%Y-%m-%dT%H").to_string(),
            By::Day => local.strftime("%Y-%m-%d").to_string(),
            By::Month => local.strftime("%Y-%m").to_string(),
        };
        let p = periods.entry(period).or_default();
        p.0 += b.entered;
        p.1 += b.left;
        *hours.entry(local.hour()).or_default() += b.entered;
    }
    let suspect = |entries: i64, exits: i64| {
        let most = entries.max(exits);
        most > 0 && (entries - exits).abs() as f64 > most as f64 * suspect_percent / 100.0
    };
    let days: Vec<DayRow> = days
        .into_iter()
        .map(|(date, (entries, exits))| DayRow {
            date,
            entries,
            exits,
            visits: entries,
            suspect: suspect(entries, exits),
        })
        .collect();
    let mut busiest: Vec<HourRow> = hours
        .into_iter()
        .filter(|(_, entries)| *entries > 0)
        .map(|(hour, entries)| HourRow { hour, entries })
        .collect();
    busiest.sort_by(|a, b| b.entries.cmp(&a.entries).then(a.hour.cmp(&b.hour)));
    busiest.truncate(5);
    let entries = days.iter().map(|d| d.entries).sum();
    let exits = days.iter().map(|d| d.exits).sum();
    VisitorsReport {
        from,
        to,
        time_zone: time_zone_name.to_string(),
        method: METHOD,
        entries,
        exits,
        visits: entries,
        days,
        by: match by {
            By::Hour => "hour",
            By::Day => "day",
            By::Month => "month",
        },
        periods: periods
            .into_iter()
            .map(|(period, (entries, exits))| PeriodRow {
                period,
                entries,
                exits,
                visits: entries,
            })
            .collect(),
        busiest_hours: busiest,
    }
}

/// The report's rows as CSV (`period,entries,exits,visits`, then per day with `suspect`).
pub fn csv(report: &VisitorsReport) -> String {
    let mut out = format!("{},entries,exits,visits\n", report.by);
    for p in &report.periods {
        out.push_str(&format!(
            "{},{},{},{}\n",
            p.period, p.entries, p.exits, p.visits
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(at: &str, entered: i64, left: i64) -> CountedBucket {
        CountedBucket {
            start: at.parse().unwrap(),
            entered,
            left,
        }
    }

    #[test]
    fn days_are_local_visits_are_entries_and_a_lopsided_day_is_suspect() {
        let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
        let buckets = [
            // 08:00 and 10:15 WIB on the 1st; 23:45 WIB on the 1st is 16:45 UTC.
            bucket("2026-12-01T01:00:00Z", 10, 2),
            bucket("2026-12-01T03:15:00Z", 30, 20),
            bucket("2026-12-01T16:45:00Z", 2, 20),
            // The 2nd: only entries (a beam fault).
            bucket("2026-12-02T03:00:00Z", 50, 0),
            // Outside the span.
            bucket("2026-12-05T03:00:00Z", 99, 99),
        ];
        let from = jiff::civil::date(2026, 12, 1);
        let to = jiff::civil::date(2026, 12, 3);
        let r = report(&buckets, from, to, &tz, "Asia/Jakarta", By::Day, 10.0);
        assert_eq!((r.entries, r.exits, r.visits), (92, 42, 92));
        assert_eq!(r.days.len(), 3, "every day of the span, counted or not");
        assert_eq!(
            (r.days[0].entries, r.days[0].exits, r.days[0].suspect),
            (42, 42, false)
        );
        assert!(r.days[1].suspect);
        assert!(!r.days[2].suspect, "a day with nobody is not suspect");
        assert_eq!(
            r.busiest_hours[0],
            HourRow {
                hour: 10,
                entries: 80
            }
        );
        let hourly = report(&buckets, from, to, &tz, "Asia/Jakarta", By::Hour, 10.0);
        assert_eq!(hourly.periods[0].period, "2026-12-01T08");
        let monthly = report(&buckets, from, to, &tz, "Asia/Jakarta", By::Month, 10.0);
        assert_eq!(monthly.periods.len(), 1);
        assert!(csv(&monthly).starts_with("month,entries,exits,visits\n2026-12,92,42,92\n"));
    }
}
