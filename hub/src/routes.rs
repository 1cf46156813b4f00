//! The mobile library's routes (issue #32): stops on a weekly schedule — a route, a stop's
//! name, its kelurahan and place, a day of the week, the hours, the vehicle — each a `stop`
//! document (key: its id) the web's "Perpustakaan Keliling" shows and the mobile stations
//! pull. `swalayan-hub route add|list|remove` and the staff's pages write them.

use crate::storage::{HubError, Result, Storage, Written};
use jiff::civil::{Date, Time};
use swalayan_core::contract::documents::StopDoc;
use uuid::Uuid;

/// The days as stops keep them, Monday first.
pub const WEEKDAYS: [&str; 7] = StopDoc::DAYS;

/// `mon`, `monday`, `senin` … → `monday`; `None` for anything else.
pub fn day_code(text: &str) -> Option<&'static str> {
    const INDONESIAN: [&str; 7] = [
        "senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu",
    ];
    let text = text.trim().to_lowercase();
    (0..7)
        .find(|&n| WEEKDAYS[n] == text || WEEKDAYS[n][..3] == text || INDONESIAN[n] == text)
        .map(|n| WEEKDAYS[n])
}

/// The next day on or after `from` a stop is made.
pub fn next_visit(stop: &StopDoc, from: Date) -> Option<Date> {
    let day = stop.weekday()?;
    (0..7)
        .filter_map(|n| from.checked_add(jiff::Span::new().days(n)).ok())
        .find(|d| d.weekday() == day)
}

/// A stop checked: every name given, a day, hours in order.
pub fn checked(mut stop: StopDoc) -> Result<StopDoc> {
    for (field, value) in [
        ("--route", &mut stop.route),
        ("--stop", &mut stop.stop),
        ("--kelurahan", &mut stop.kelurahan),
        ("--place", &mut stop.place),
    ] {
        *value = value.trim().to_string();
        if value.is_empty() {
            return Err(HubError::Invalid(format!("{field} is empty")));
        }
    }
    stop.day = day_code(&stop.day)
        .ok_or_else(|| {
            HubError::Invalid(format!(
                "--day '{}' is not a day of the week (write mon … sun)",
                stop.day
            ))
        })?
        .to_string();
    if stop.end <= stop.start {
        return Err(HubError::Invalid(format!(
            "the stop ends ({}) before it starts ({})",
            stop.end, stop.start
        )));
    }
    stop.vehicle = stop
        .vehicle
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    Ok(stop)
}

/// `HH:MM` as a time of day.
pub fn time(text: &str, what: &str) -> Result<Time> {
    text.trim()
        .parse()
        .map_err(|_| HubError::Invalid(format!("{what} '{text}' is not a time (write 09:30)")))
}

/// Adds a stop; returns its id.
pub fn add(storage: &dyn Storage, stop: StopDoc) -> Result<String> {
    let stop = checked(stop)?;
    let id = Uuid::now_v7().to_string();
    storage.write(&mut |tx| {
        tx.put_doc(&id, Some(&stop))?;
        Ok(())
    })?;
    Ok(id)
}

/// Every stop (id, stop), by route, day and start.
pub fn list(storage: &dyn Storage) -> Result<Vec<(String, StopDoc)>> {
    let mut stops = storage.all::<StopDoc>()?;
    stops.sort_by(|a, b| {
        (
            a.1.route.as_str(),
            WEEKDAYS.iter().position(|d| *d == a.1.day),
            a.1.start,
        )
            .cmp(&(
                b.1.route.as_str(),
                WEEKDAYS.iter().position(|d| *d == b.1.day),
                b.1.start,
            ))
    });
    Ok(stops)
}

/// Removes a stop from its route.
pub fn remove(storage: &dyn Storage, id: &str) -> Result<()> {
    let mut written = Written::Unchanged;
    storage.write(&mut |tx| {
        written = tx.put_doc::<StopDoc>(id, None)?;
        Ok(())
    })?;
    match written {
        Written::Unchanged => Err(HubError::NotFound(format!("no stop {id}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(day: &str, start: &str, end: &str) -> StopDoc {
        StopDoc {
            route: " Rute Utara ".into(),
            stop: "SD Negeri 163".into(),
            kelurahan: "Bandar Utama".into(),
            place: "halaman sekolah".into(),
            day: day.into(),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            vehicle: Some(" ".into()),
        }
    }

    #[test]
    fn stops_are_checked_and_found_on_their_weekday() {
        let tidy = checked(stop("senin", "09:00", "11:00")).unwrap();
        assert_eq!(
            (tidy.route.as_str(), tidy.day.as_str()),
            ("Rute Utara", "monday")
        );
        assert_eq!(tidy.vehicle, None);
        assert_eq!(day_code("WED"), Some("wednesday"));
        assert_eq!(day_code("minggu"), Some("sunday"));
        assert!(checked(stop("someday", "09:00", "11:00")).is_err());
        assert!(checked(stop("mon", "11:00", "09:00")).is_err());
        // 2026-12-07 is a Monday: the next Wednesday is the 9th, the next Monday today.
        let monday = jiff::civil::date(2026, 12, 7);
        let wednesday = checked(stop("wed", "09:00", "11:00")).unwrap();
        assert_eq!(
            next_visit(&wednesday, monday),
            Some(jiff::civil::date(2026, 12, 9))
        );
        assert_eq!(next_visit(&tidy, monday), Some(monday));
    }
}
