//! INLISLite's loan rules, as its desk applies them (`SirkulasiHelpers.php`, v3.2), and the
//! part of them the stations' policy can say.
//!
//! - A value (loan days, the limit, renewal days and count) is the first non-zero of: the
//!   weekday rule of the day (`peraturan_peminjaman_hari`, DayIndex 1 = Monday … 7 =
//!   Sunday), a date-range rule (`peraturan_peminjaman_tanggal`), the copy's worksheet (its
//!   material type), the member type (`jenis_anggota`) — `cekValueHirarkiSirkulasi`.
//! - v3.2's due date (`getTanggalKembali`): each closed Saturday/Sunday met while counting
//!   the loan days adds a day, then each dated holiday from the loan day to that end adds
//!   one, then an end on a closed Saturday or Sunday moves past it. v3.3 adds the days to
//!   the time of the loan, nothing else.
//! - Lateness (`lateDays`): calendar days late less the closed Saturdays/Sundays after the
//!   due date and the dated holidays from the due date to the return, both counted.
//! - The fine the return form suggests: from the first level with a fine or a suspension,
//!   in the order date rule, weekday rule, member type, worksheet; `Konstan`: the amount;
//!   `Berkelipatan`: amount × max(1, ⌊late ÷ (count × 1|7|30|365 days)⌋) × multiplier.
//!
//! The policy can say the member type and worksheet levels, the limit, the closed days and
//! holidays; not the weekday and date-range rules, nor v3.2's way of extending a period:
//! for those the hub writes INLISLite's due date and the station hears it on its next pull
//! (docs/ils.md).

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Weekday};
use std::collections::{BTreeMap, BTreeSet};
use swalayan_core::domain::Money;
use swalayan_core::domain::policy::{Calendar, Category, Holiday, ItemType, LoanRule, Policy};

/// One level's values (0: not set at this level).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Level {
    pub max_loans: i64,
    pub loan_days: i64,
    /// `Konstan` or `Berkelipatan`.
    pub fine_type: String,
    pub fine_per_tenor: i64,
    pub tenor_count: i64,
    /// `Hari`, `Minggu`, `Bulan`, `Tahun`.
    pub tenor_unit: String,
    pub fine_multiply: i64,
    pub suspend_days: i64,
    pub renew_days: i64,
    pub renew_count: i64,
}

/// Everything the rules are made of.
#[derive(Debug, Clone, Default)]
pub struct InlisRules {
    /// `jenis_anggota`: name and level.
    pub member_types: BTreeMap<i64, (String, Level)>,
    /// `worksheets`: name and level.
    pub worksheets: BTreeMap<i64, (String, Level)>,
    /// By DayIndex (1 = Monday).
    pub weekday_rules: BTreeMap<i64, Level>,
    /// (from, to, level).
    pub date_rules: Vec<(Date, Date, Level)>,
    pub saturday_closed: bool,
    pub sunday_closed: bool,
    pub holidays: BTreeSet<Date>,
    /// The worksheets the copies have (0: none).
    pub worksheets_used: BTreeSet<i64>,
}

/// The patron category of a member type.
pub fn category_code(member_type: i64) -> String {
    format!("j{member_type}")
}

/// The item type of a worksheet (0: a copy whose title has none).
pub fn item_type_code(worksheet: i64) -> String {
    format!("w{worksheet}")
}

impl InlisRules {
    /// The levels that apply on `day` to a copy of `worksheet` and a member of
    /// `member_type`, in the desk's order.
    fn levels(&self, worksheet: i64, member_type: i64, day: Date) -> Vec<&Level> {
        let day_index = i64::from(day.weekday().to_monday_one_offset());
        let mut levels = Vec::new();
        levels.extend(self.weekday_rules.get(&day_index));
        levels.extend(
            self.date_rules
                .iter()
                .filter(|(from, to, _)| *from <= day && day <= *to)
                .map(|(_, _, level)| level)
                .take(1),
        );
        levels.extend(self.worksheets.get(&worksheet).map(|(_, level)| level));
        levels.extend(self.member_types.get(&member_type).map(|(_, level)| level));
        levels
    }

    /// The first non-zero value of `field` (`cekValueHirarkiSirkulasi`).
    pub fn value(
        &self,
        worksheet: i64,
        member_type: i64,
        day: Date,
        field: impl Fn(&Level) -> i64,
    ) -> i64 {
        self.levels(worksheet, member_type, day)
            .into_iter()
            .map(field)
            .find(|v| *v != 0)
            .unwrap_or(0)
    }

    fn closed_weekend(&self, day: Date) -> bool {
        (day.weekday() == Weekday::Saturday && self.saturday_closed)
            || (day.weekday() == Weekday::Sunday && self.sunday_closed)
    }

    /// v3.2's due date of a loan of `days` made on `loan_day` (`getTanggalKembali`).
    pub fn due_date_v32(&self, loan_day: Date, days: i64) -> Date {
        if days <= 0 {
            return loan_day;
        }
        let plus = |n: i64| loan_day.checked_add(n.days()).unwrap_or(loan_day);
        let (mut span, mut closed) = (days, 0);
        let mut i = 1;
        while i <= span && i < 4000 {
            if self.closed_weekend(plus(i)) {
                span += 1;
                closed += 1;
            }
            i += 1;
        }
        let end = plus(days + closed);
        let holidays = self
            .holidays
            .iter()
            .filter(|h| **h >= loan_day && **h <= end)
            .count() as i64;
        let due = plus(days + holidays + closed);
        let next = |n: i64| due.checked_add(n.days()).unwrap_or(due);
        match due.weekday() {
            Weekday::Saturday if self.saturday_closed && self.sunday_closed => next(2),
            Weekday::Saturday if self.saturday_closed => next(1),
            Weekday::Sunday if self.sunday_closed => next(1),
            _ => due,
        }
    }

    /// v3.3's due time: the loan's time plus the days.
    pub fn due_v33(&self, loan_at: DateTime, days: i64) -> DateTime {
        loan_at.checked_add(days.days()).unwrap_or(loan_at)
    }

    /// Days late of a copy due on `due` and back on `returned` (`lateDays`); ≤ 0 on time.
    pub fn late_days(&self, due: Date, returned: Date) -> i64 {
        let days = due
            .until(returned)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0);
        if days <= 0 {
            return days;
        }
        let closed = (1..=days)
            .filter_map(|i| due.checked_add(i.days()).ok())
            .filter(|d| self.closed_weekend(*d))
            .count() as i64;
        let holidays = self
            .holidays
            .iter()
            .filter(|h| **h >= due && **h <= returned)
            .count() as i64;
        days - closed - holidays
    }

    /// The fine and suspension days the return form suggests for `late` days.
    pub fn suggested_penalty(
        &self,
        worksheet: i64,
        member_type: i64,
        day: Date,
        late: i64,
    ) -> (i64, i64) {
        let day_index = i64::from(day.weekday().to_monday_one_offset());
        let order: Vec<&Level> = self
            .date_rules
            .iter()
            .filter(|(from, to, _)| *from <= day && day <= *to)
            .map(|(_, _, level)| level)
            .take(1)
            .chain(self.weekday_rules.get(&day_index))
            .chain(self.member_types.get(&member_type).map(|(_, l)| l))
            .chain(self.worksheets.get(&worksheet).map(|(_, l)| l))
            .collect();
        let Some(level) = order
            .into_iter()
            .find(|l| l.suspend_days > 0 || l.fine_per_tenor > 0)
        else {
            return (0, 0);
        };
        let times = |base: i64| {
            let unit = match level.tenor_unit.trim().to_lowercase().as_str() {
                "minggu" => 7,
                "bulan" => 30,
                "tahun" => 365,
                _ => 1,
            };
            let divider = (unit * level.tenor_count).max(1);
            (late / divider).max(1) * base * level.fine_multiply.max(1)
        };
        let fine = match level.fine_type.trim() {
            "Konstan" => level.fine_per_tenor,
            _ => times(level.fine_per_tenor),
        };
        (fine, level.suspend_days)
    }

    /// The policy the stations decide with: categories `j<id>`, item types `w<id>`, the
    /// worksheet's values before the member type's, the closed weekend days and holidays.
    pub fn policy(&self, base: &Policy) -> Policy {
        let categories = self
            .member_types
            .iter()
            .map(|(id, (name, level))| {
                (
                    category_code(*id),
                    Category {
                        name: name.clone(),
                        loan_limit: level.max_loans.clamp(0, 10_000) as u32,
                    },
                )
            })
            .collect();
        let item_types = self
            .worksheets_used
            .iter()
            .map(|ws| {
                let name = self
                    .worksheets
                    .get(ws)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_else(|| "—".into());
                (
                    item_type_code(*ws),
                    ItemType {
                        name,
                        loanable: true,
                    },
                )
            })
            .collect();
        let mut rules = Vec::new();
        for (member_type, (_, member_level)) in &self.member_types {
            for ws in &self.worksheets_used {
                let pick = |field: fn(&Level) -> i64| {
                    self.worksheets
                        .get(ws)
                        .map(|(_, l)| field(l))
                        .filter(|v| *v != 0)
                        .unwrap_or_else(|| field(member_level))
                        .max(0)
                };
                let fine_level = self
                    .worksheets
                    .get(ws)
                    .map(|(_, l)| l)
                    .filter(|l| l.fine_per_tenor > 0)
                    .unwrap_or(member_level);
                // Konstan: one charge, whatever the days (a day's rate capped at it).
                let (per_day, cap) = if fine_level.fine_type.trim() == "Konstan" {
                    (fine_level.fine_per_tenor, fine_level.fine_per_tenor)
                } else {
                    (
                        fine_level.fine_per_tenor * fine_level.fine_multiply.max(1),
                        0,
                    )
                };
                rules.push(LoanRule {
                    category: category_code(*member_type),
                    item_type: item_type_code(*ws),
                    loan_days: pick(|l| l.loan_days) as u32,
                    max_loans: pick(|l| l.max_loans) as u32,
                    max_renewals: pick(|l| l.renew_count) as u32,
                    fine_per_day: Money::from_units(per_day),
                    fine_grace_days: 0,
                    fine_cap: Money::from_units(cap),
                });
            }
        }
        let mut closed_weekdays = Vec::new();
        if self.saturday_closed {
            closed_weekdays.push("saturday".to_string());
        }
        if self.sunday_closed {
            closed_weekdays.push("sunday".to_string());
        }
        Policy {
            categories,
            item_types,
            rules,
            calendar: Calendar {
                closed_weekdays,
                holidays: self
                    .holidays
                    .iter()
                    .map(|date| Holiday {
                        date: *date,
                        name: String::new(),
                    })
                    .collect(),
            },
            // INLISLite leaves the closed days out of the days late.
            fine_closed_days: false,
            ..base.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rules() -> InlisRules {
        InlisRules {
            sunday_closed: true,
            holidays: [date(2026, 12, 25)].into(),
            ..InlisRules::default()
        }
    }

    /// Seven days from Friday 4 December: Sunday the 6th is met, so one more: Saturday
    /// the 12th (open). From Friday 18th: Sunday 20th adds one, Christmas (25th) one more:
    /// Sunday 27th, closed → Monday 28th.
    #[test]
    fn v32_due_dates_add_the_closed_days_within_the_period() {
        let r = rules();
        assert_eq!(r.due_date_v32(date(2026, 12, 4), 7), date(2026, 12, 12));
        assert_eq!(r.due_date_v32(date(2026, 12, 18), 7), date(2026, 12, 28));
        let open = InlisRules::default();
        assert_eq!(open.due_date_v32(date(2026, 12, 4), 7), date(2026, 12, 11));
    }

    #[test]
    fn lateness_leaves_out_closed_days_and_holidays() {
        let r = rules();
        // Due Wednesday 23rd, back Monday 28th: 5 days, less Christmas and Sunday 27th.
        assert_eq!(r.late_days(date(2026, 12, 23), date(2026, 12, 28)), 3);
        assert!(r.late_days(date(2026, 12, 23), date(2026, 12, 23)) <= 0);
    }

    #[test]
    fn the_hierarchy_takes_the_first_value_set() {
        let mut r = rules();
        r.member_types.insert(
            1,
            (
                "Umum".into(),
                Level {
                    loan_days: 7,
                    fine_type: "Konstan".into(),
                    fine_per_tenor: 2000,
                    ..Level::default()
                },
            ),
        );
        r.worksheets.insert(
            2,
            (
                "Terbitan Berkala".into(),
                Level {
                    loan_days: 3,
                    ..Level::default()
                },
            ),
        );
        let friday = date(2026, 12, 4);
        assert_eq!(r.value(2, 1, friday, |l| l.loan_days), 3, "the worksheet's");
        assert_eq!(
            r.value(1, 1, friday, |l| l.loan_days),
            7,
            "the member type's"
        );
        r.weekday_rules.insert(
            5,
            Level {
                loan_days: 2,
                ..Level::default()
            },
        );
        assert_eq!(
            r.value(2, 1, friday, |l| l.loan_days),
            2,
            "Friday's rule first"
        );
        assert_eq!(r.suggested_penalty(1, 1, friday, 4), (2000, 0), "Konstan");
        r.member_types.get_mut(&1).unwrap().1.fine_type = "Berkelipatan".into();
        r.member_types.get_mut(&1).unwrap().1.tenor_count = 1;
        assert_eq!(
            r.suggested_penalty(1, 1, friday, 4),
            (8000, 0),
            "per day late"
        );
    }
}
