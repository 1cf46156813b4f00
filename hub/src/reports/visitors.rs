//! Visitors: the core's ISO 2789 report over every gate's counts (`report visitors`), and
//! the gates that counted.

use super::period;
use crate::storage::{Result, Storage};
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Visitors from every gate, or from one (`gate`): the core's report (the stations' `report
/// visitors` too).
#[allow(clippy::too_many_arguments)]
pub fn visitors(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
    tz_name: &str,
    by: swalayan_core::report::visitors::By,
    suspect_percent: f64,
    gate: Option<&str>,
) -> Result<swalayan_core::report::visitors::VisitorsReport> {
    use swalayan_core::report::visitors::{self, CountedBucket};
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let buckets: Vec<CountedBucket> = storage
        .visits_between(start, end)?
        .into_iter()
        .filter(|b| gate.is_none_or(|g| b.station == g))
        .filter_map(|b| {
            Some(CountedBucket {
                start: b.start.parse().ok()?,
                entered: b.entered,
                left: b.left,
            })
        })
        .collect();
    Ok(visitors::report(
        &buckets,
        from,
        to,
        tz,
        tz_name,
        by,
        suspect_percent,
    ))
}

/// The gates that counted anyone from `from` to `to` (local days), by name.
pub fn gates(storage: &dyn Storage, from: Date, to: Date, tz: &TimeZone) -> Result<Vec<String>> {
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let mut gates: Vec<String> = storage
        .visits_between(start, end)?
        .into_iter()
        .map(|b| b.station)
        .collect();
    gates.sort();
    gates.dedup();
    Ok(gates)
}
