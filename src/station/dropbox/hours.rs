//! When the chute is open: rules like `mon-fri 07:00-21:00`, in the library's local time.
//! The chute may close while the desk is open (or the other way round); no rules at all
//! means always open.

use jiff::civil::{Time, Weekday};

/// One line of `[dropbox] hours`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursRule {
    /// Monday first.
    days: [bool; 7],
    opens: Time,
    /// Exclusive; `24:00` is the end of the day.
    closes: Option<Time>,
}

/// The chute's opening hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpeningHours {
    rules: Vec<HoursRule>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl OpeningHours {
    /// Parses the lines of `hours`; an error says which line and why.
    pub fn parse(lines: &[String]) -> Result<OpeningHours, String> {
        let rules = lines
            .iter()
            .map(|line| parse_rule(line).map_err(|e| format!("'{line}': {e}")))
            .collect::<Result<_, _>>()?;
        Ok(OpeningHours { rules })
    }

    pub fn always(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether the chute is open at this local time.
    pub fn is_open(&self, at: &jiff::ZonedDateTime) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let day = at.weekday().to_monday_zero_offset() as usize;
        let time = at.time();
        self.rules
            .iter()
            .any(|r| r.days[day] && time >= r.opens && r.closes.is_none_or(|closes| time < closes))
    }
}

fn parse_rule(line: &str) -> Result<HoursRule, String> {
    let (days, times) = line
        .trim()
        .split_once(' ')
        .ok_or("write DAYS HH:MM-HH:MM, e.g. \"mon-fri 07:00-21:00\"")?;
    let (opens, closes) = times
        .trim()
        .split_once('-')
        .ok_or("the times are HH:MM-HH:MM")?;
    let opens = parse_time(opens)?.ok_or("a day opens before 24:00")?;
    let closes = parse_time(closes)?;
    if closes.is_some_and(|c| c <= opens) {
        return Err("closing time must be after opening time".into());
    }
    Ok(HoursRule {
        days: parse_days(days)?,
        opens,
        closes,
    })
}

/// `None` for 24:00 (the end of the day).
fn parse_time(text: &str) -> Result<Option<Time>, String> {
    let text = text.trim();
    if text == "24:00" {
        return Ok(None);
    }
    let (h, m) = text
        .split_once(':')
        .ok_or(format!("'{text}' is not HH:MM"))?;
    let (h, m): (i8, i8) = (
        h.parse().map_err(|_| format!("'{text}' is not HH:MM"))?,
        m.parse().map_err(|_| format!("'{text}' is not HH:MM"))?,
    );
    Time::new(h, m, 0, 0)
        .map(Some)
        .map_err(|_| format!("'{text}' is not a time of day"))
}

fn parse_days(text: &str) -> Result<[bool; 7], String> {
    let index = |day: &str| {
        DAYS.iter()
            .position(|d| *d == day.trim().to_ascii_lowercase())
            .ok_or(format!(
                "'{day}': days are mon, tue, wed, thu, fri, sat, sun or daily"
            ))
    };
    let mut days = [false; 7];
    for part in text.split(',') {
        match part.trim() {
            "daily" => days = [true; 7],
            range => match range.split_once('-') {
                Some((from, to)) => {
                    let (from, to) = (index(from)?, index(to)?);
                    // "fri-mon" wraps over the weekend.
                    let mut day = from;
                    loop {
                        days[day] = true;
                        if day == to {
                            break;
                        }
                        day = (day + 1) % 7;
                    }
                }
                None => days[index(range)?] = true,
            },
        }
    }
    Ok(days)
}

/// The weekday's short name, for status lines.
pub fn day_name(day: Weekday) -> &'static str {
    DAYS[day.to_monday_zero_offset() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> jiff::ZonedDateTime {
        // 2026-11-30 is a Monday.
        format!("{text}[Asia/Jakarta]").parse().unwrap()
    }

    #[test]
    fn weekdays_and_weekend_hours() {
        let hours =
            OpeningHours::parse(&["mon-fri 07:00-21:00".into(), "sat 08:00-14:00".into()]).unwrap();
        assert!(hours.is_open(&at("2026-11-30T07:00:00")));
        assert!(!hours.is_open(&at("2026-11-30T06:59:00")));
        assert!(
            !hours.is_open(&at("2026-11-30T21:00:00")),
            "closing is exclusive"
        );
        assert!(hours.is_open(&at("2026-12-05T13:59:00")), "Saturday");
        assert!(!hours.is_open(&at("2026-12-06T10:00:00")), "Sunday: closed");
        assert!(OpeningHours::default().is_open(&at("2026-12-06T03:00:00")));
        let all_day = OpeningHours::parse(&["fri-mon 00:00-24:00".into()]).unwrap();
        assert!(all_day.is_open(&at("2026-12-06T23:59:00")));
        assert!(!all_day.is_open(&at("2026-12-01T12:00:00")), "Tuesday");
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (line, says) in [
            ("weekdays 07:00-21:00", "days are"),
            ("mon 07:00", "HH:MM-HH:MM"),
            ("mon 21:00-07:00", "after opening"),
            ("mon 7h-9h", "not HH:MM"),
        ] {
            let e = OpeningHours::parse(&[line.into()]).unwrap_err();
            assert!(e.contains(says) && e.contains(line), "{line}: {e}");
        }
    }
}
