//! Due dates and overdue fines as SLiMS's desk reckons them, for what the hub writes into
//! SLiMS (the stations reckon with the policy made from the same rules, so they agree but
//! for what the policy cannot say: the cap at the membership's end, the grace of both the
//! member type and the loan rule).
//!
//! - Due date (`circulation_base_lib.inc.php` `setLoanRules`/`extendItemLoan`,
//!   `simbio_date::getNextDateNotHoliday`): the day plus the period, moved one day at a time
//!   off closed days, then no later than the membership's end.
//! - Fine (`countOverdueValue`): returned after the due date → calendar days late (less the
//!   closed days from the due date to the return, both counted, when the setting
//!   `ignore_holidays_fine_calc` is on); returned no later than the due date plus a grace
//!   (the member type's, or the loan rule's) → no fine and no `fines` row; otherwise
//!   `fine_each_day` × days, a row even when that is 0.

use super::rules::{MemberType, Terms};
use jiff::civil::Date;
use swalayan_core::circulation::calendar::{days_between, due_date};
use swalayan_core::domain::Policy;

/// The due date of a loan (or renewal) of `terms` made on `day` by a member whose
/// membership ends on `expires`.
pub fn slims_due_date(policy: &Policy, day: Date, terms: &Terms, expires: Date) -> Date {
    due_date(policy, day, terms.loan_days).min(expires)
}

/// The `fines` row a return on `returned` of a loan due on `due` makes: `Some(amount)`, or
/// `None` when SLiMS writes none (on time, or within the grace).
pub fn slims_fine(
    policy: &Policy,
    member: &MemberType,
    terms: &Terms,
    due: Date,
    returned: Date,
    ignore_holidays: bool,
) -> Option<i64> {
    let calendar_days = days_between(due, returned);
    if calendar_days < 1 {
        return None;
    }
    let mut days = calendar_days;
    if ignore_holidays {
        let mut closed = 0;
        let mut day = due;
        while day <= returned {
            if !policy.is_open(day) {
                closed += 1;
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        days = calendar_days - closed;
        if days < 0 {
            return None;
        }
    }
    let within = |grace: u32| {
        grace > 0
            && due
                .checked_add(jiff::Span::new().days(i64::from(grace)))
                .is_ok_and(|last| returned <= last)
    };
    // SLiMS checks the member type's grace, then the loan rule's: either forgives.
    if within(member.grace_days) || (terms.rule_id != 0 && within(terms.grace_days)) {
        return None;
    }
    // A row only for whole days late (none when closed days took them all).
    (days > 0).then_some(terms.fine_per_day * days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use swalayan_core::domain::policy::Holiday;

    fn policy() -> Policy {
        let mut policy = Policy::default_policy();
        policy.calendar.closed_weekdays = vec!["sunday".into()];
        policy.calendar.holidays = vec![Holiday {
            date: date(2026, 12, 14),
            name: "Libur".into(),
        }];
        policy
    }

    fn member(grace_days: u32) -> MemberType {
        MemberType {
            id: 2,
            name: "Umum".into(),
            loan_limit: 2,
            loan_days: 14,
            renewals: 1,
            fine_per_day: 1000,
            grace_days,
        }
    }

    fn terms(rule_id: i64, fine_per_day: i64, grace_days: u32) -> Terms {
        Terms {
            rule_id,
            loan_limit: 2,
            loan_days: 7,
            renewals: 1,
            fine_per_day,
            grace_days,
        }
    }

    #[test]
    fn due_dates_move_off_closed_days_and_stop_at_the_membership_end() {
        let week = terms(0, 1000, 0);
        // Sunday 6th + 7 = Sunday 13th → Monday 14th (holiday) → Tuesday 15th.
        let far = date(2027, 12, 31);
        assert_eq!(
            slims_due_date(&policy(), date(2026, 12, 6), &week, far),
            date(2026, 12, 15)
        );
        assert_eq!(
            slims_due_date(&policy(), date(2026, 12, 6), &week, date(2026, 12, 10)),
            date(2026, 12, 10),
            "capped at the membership's end"
        );
    }

    #[test]
    fn fines_are_calendar_days_times_the_rate_after_the_grace() {
        let p = policy();
        let due = date(2026, 12, 10);
        let plain = terms(0, 1000, 0);
        assert_eq!(slims_fine(&p, &member(0), &plain, due, due, false), None);
        assert_eq!(
            slims_fine(&p, &member(0), &plain, due, date(2026, 12, 14), false),
            Some(4000),
            "4 calendar days, the Sunday and the holiday counted"
        );
        assert_eq!(
            slims_fine(&p, &member(2), &plain, due, date(2026, 12, 12), false),
            None,
            "within the member type's grace: no row"
        );
        assert_eq!(
            slims_fine(&p, &member(2), &plain, due, date(2026, 12, 13), false),
            Some(3000),
            "past the grace: every day late, the grace included"
        );
        let rule = terms(7, 2000, 3);
        assert_eq!(
            slims_fine(&p, &member(0), &rule, due, date(2026, 12, 13), false),
            None,
            "the loan rule's grace"
        );
        assert_eq!(
            slims_fine(&p, &member(0), &rule, due, date(2026, 12, 14), false),
            Some(8000),
            "the loan rule's rate"
        );
        let free = terms(0, 0, 0);
        assert_eq!(
            slims_fine(&p, &member(0), &free, due, date(2026, 12, 11), false),
            Some(0),
            "a row of 0 when the rate is 0, as SLiMS writes"
        );
    }

    #[test]
    fn closed_days_leave_the_count_when_the_setting_says_so() {
        let p = policy();
        let plain = terms(0, 1000, 0);
        // Due Saturday 12th, back Tuesday 15th: 3 days, less Sunday 13th and Monday 14th.
        assert_eq!(
            slims_fine(
                &p,
                &member(0),
                &plain,
                date(2026, 12, 12),
                date(2026, 12, 15),
                true
            ),
            Some(1000)
        );
        // Due Saturday, back Monday (holiday): 2 days, both closed → no row.
        assert_eq!(
            slims_fine(
                &p,
                &member(0),
                &plain,
                date(2026, 12, 12),
                date(2026, 12, 14),
                true
            ),
            None
        );
    }
}
