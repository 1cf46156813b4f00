//! Due dates and day counting against the library's opening calendar.

use crate::domain::Policy;
use jiff::ToSpan;
use jiff::civil::Date;

/// The first day on or after `date` on which the library is open.
///
/// Policies are validated to have at least one open weekday, so this ends within a week
/// plus the longest run of holidays; the bound only guards against a corrupt calendar.
pub fn next_open_day(policy: &Policy, date: Date) -> Date {
    let mut day = date;
    for _ in 0..400 {
        if policy.is_open(day) {
            return day;
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => return date,
        }
    }
    date
}

/// The due date of a loan of `loan_days` starting `today`: moved to the next open day, so
/// nobody is fined for a day they could not come in.
pub fn due_date(policy: &Policy, today: Date, loan_days: u32) -> Date {
    let raw = today
        .checked_add(i64::from(loan_days).days())
        .unwrap_or(today);
    next_open_day(policy, raw)
}

/// Days from `due` (exclusive) to `returned` (inclusive) that count for a fine: open days
/// only, unless the policy counts closed days too. Zero when returned on time.
pub fn chargeable_days_late(policy: &Policy, due: Date, returned: Date) -> u32 {
    if returned <= due {
        return 0;
    }
    if policy.fine_closed_days {
        return days_between(due, returned).max(0) as u32;
    }
    let mut count = 0u32;
    let mut day = due;
    while day < returned {
        let Ok(next) = day.tomorrow() else { break };
        day = next;
        if policy.is_open(day) {
            count += 1;
        }
    }
    count
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until(to)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Holiday;
    use jiff::civil::date;

    fn policy() -> Policy {
        let mut policy = Policy::default_policy();
        policy.calendar.closed_weekdays = vec!["sunday".into()];
        policy.calendar.holidays = vec![
            Holiday {
                date: date(2026, 8, 17),
                name: "Kemerdekaan".into(),
            },
            Holiday {
                date: date(2026, 12, 25),
                name: "Natal".into(),
            },
        ];
        policy
    }

    #[test]
    fn due_dates_skip_closures() {
        let p = policy();
        // (today, loan days, expected due)
        let table = [
            (date(2026, 8, 3), 14, date(2026, 8, 18)), // lands on the 17th holiday -> 18th
            (date(2026, 8, 2), 14, date(2026, 8, 18)), // lands on Sunday 16th, then holiday 17th
            (date(2026, 8, 4), 14, date(2026, 8, 18)), // lands on Tuesday 18th: open
            (date(2026, 12, 11), 14, date(2026, 12, 26)), // Christmas -> Saturday 26th
            (date(2026, 12, 20), 0, date(2026, 12, 21)), // a Sunday moves to Monday
        ];
        for (today, days, expected) in table {
            assert_eq!(due_date(&p, today, days), expected, "{today} + {days}");
        }
    }

    #[test]
    fn late_days_count_open_days_only_by_default() {
        let mut p = policy();
        // Due Saturday 15 Aug; returned Tuesday 18 Aug: 16 Sunday and 17 holiday are closed.
        assert_eq!(
            chargeable_days_late(&p, date(2026, 8, 15), date(2026, 8, 18)),
            1
        );
        assert_eq!(
            chargeable_days_late(&p, date(2026, 8, 15), date(2026, 8, 15)),
            0
        );
        assert_eq!(
            chargeable_days_late(&p, date(2026, 8, 15), date(2026, 8, 1)),
            0
        );
        p.fine_closed_days = true;
        assert_eq!(
            chargeable_days_late(&p, date(2026, 8, 15), date(2026, 8, 18)),
            3
        );
    }
}
