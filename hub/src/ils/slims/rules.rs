//! SLiMS 9's loan rules as the policy stations decide with offline, so a kiosk gives the due
//! date, limit, renewals and fine SLiMS's desk would.
//!
//! SLiMS picks a rule per loan: the first `mst_loan_rules` row for the member type, the
//! copy's collection type and its title's GMD; else for member type and collection type;
//! else for member type and GMD; else the member type's own values. The policy's rules match
//! on a patron category and an item type only, so each member type is a category (`m<id>`)
//! and each (collection type, GMD) pair the copies have is an item type (`c<coll>-g<gmd>`):
//! one exact rule per pair, worked out here in SLiMS's order, says the same thing.
//!
//! Weekly closing days (`holiday` rows without a date, `'sun'`) and dated holidays become the
//! calendar: SLiMS moves a due date off them one day at a time, as the stations do.
//! What SLiMS does that the policy cannot say (docs/ils.md): a due date capped at the
//! membership's end; the limit counted per loan rule.

use jiff::civil::Date;
use std::collections::BTreeMap;
use swalayan_core::domain::Money;
use swalayan_core::domain::policy::{Calendar, Category, Holiday, ItemType, LoanRule, Policy};

/// `mst_member_type`.
#[derive(Debug, Clone)]
pub struct MemberType {
    pub id: i64,
    pub name: String,
    pub loan_limit: u32,
    pub loan_days: u32,
    pub renewals: u32,
    pub fine_per_day: i64,
    pub grace_days: u32,
}

/// `mst_loan_rules` (0 in a type column: any).
#[derive(Debug, Clone)]
pub struct RuleRow {
    /// `loan_rules_id`: what a loan made under it records.
    pub id: i64,
    pub member_type: i64,
    pub coll_type: i64,
    pub gmd: i64,
    pub loan_limit: u32,
    pub loan_days: u32,
    pub renewals: u32,
    pub fine_per_day: i64,
    pub grace_days: u32,
}

/// `holiday`: a weekly closing day (`date: None`, day name like `sun`) or a dated one.
#[derive(Debug, Clone)]
pub struct HolidayRow {
    pub day_name: String,
    pub date: Option<Date>,
    pub description: Option<String>,
}

/// What the policy is made from.
#[derive(Debug, Clone, Default)]
pub struct SlimsRules {
    pub member_types: Vec<MemberType>,
    /// Collection type names by id.
    pub coll_types: BTreeMap<i64, String>,
    /// GMD names by id.
    pub gmds: BTreeMap<i64, String>,
    /// The (collection type, GMD) pairs the copies have.
    pub pairs: Vec<(i64, i64)>,
    /// In table order: SLiMS takes the first that matches.
    pub rules: Vec<RuleRow>,
    pub holidays: Vec<HolidayRow>,
    /// SLiMS's setting `ignore_holidays_fine_calc`: closed days do not count for a fine.
    pub ignore_holidays_in_fines: bool,
}

/// The patron category of a member type.
pub fn category_code(member_type: i64) -> String {
    format!("m{member_type}")
}

/// The item type of a copy's collection type and GMD.
pub fn item_type_code(coll_type: i64, gmd: i64) -> String {
    format!("c{coll_type}-g{gmd}")
}

/// The terms of one loan as SLiMS's desk settles them: a loan rule's, or the member type's
/// own (`rule_id` 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// The `loan_rules_id` the loan records (0: none matched).
    pub rule_id: i64,
    pub loan_limit: u32,
    pub loan_days: u32,
    pub renewals: u32,
    pub fine_per_day: i64,
    pub grace_days: u32,
}

impl Terms {
    fn of_member(member: &MemberType) -> Terms {
        Terms {
            rule_id: 0,
            loan_limit: member.loan_limit,
            loan_days: member.loan_days,
            renewals: member.renewals,
            fine_per_day: member.fine_per_day,
            grace_days: member.grace_days,
        }
    }

    fn of_rule(rule: &RuleRow) -> Terms {
        Terms {
            rule_id: rule.id,
            loan_limit: rule.loan_limit,
            loan_days: rule.loan_days,
            renewals: rule.renewals,
            fine_per_day: rule.fine_per_day,
            grace_days: rule.grace_days,
        }
    }
}

impl SlimsRules {
    /// A member type by id.
    pub fn member_type(&self, id: i64) -> Option<&MemberType> {
        self.member_types.iter().find(|m| m.id == id)
    }

    /// The terms SLiMS applies to a member type and a copy of `(coll, gmd)`, as its
    /// `setLoanRules` picks them: no collection type and no GMD → the member type's own
    /// terms; else the first row for the member type with the collection type and the GMD
    /// (each only when the copy has one), else with the collection type, else with the GMD —
    /// that last whatever the row's collection type, as SLiMS's query does.
    pub fn terms(&self, member: &MemberType, coll: i64, gmd: i64) -> Terms {
        let of_member = || self.rules.iter().filter(|r| r.member_type == member.id);
        let coll_fits = |r: &&RuleRow| coll == 0 || r.coll_type == coll;
        let gmd_fits = |r: &&RuleRow| gmd == 0 || r.gmd == gmd;
        let found = if coll == 0 && gmd == 0 {
            None
        } else {
            of_member()
                .find(|r| coll_fits(r) && gmd_fits(r))
                .or_else(|| of_member().find(coll_fits))
                .or_else(|| of_member().find(gmd_fits))
        };
        found.map_or_else(|| Terms::of_member(member), Terms::of_rule)
    }

    /// The terms a loan recorded (its `loan_rules_id`; 0 or a rule since removed: the
    /// member type's), as SLiMS's return and renewal read them back.
    pub fn terms_of_loan(&self, member: &MemberType, rule_id: i64) -> Terms {
        self.rules
            .iter()
            .find(|r| rule_id != 0 && r.id == rule_id)
            .map_or_else(|| Terms::of_member(member), Terms::of_rule)
    }
}

/// The policy's rule for a member type and a copy of `(coll, gmd)`.
fn loan_rule(rules: &SlimsRules, member: &MemberType, coll: i64, gmd: i64) -> LoanRule {
    let terms = rules.terms(member, coll, gmd);
    LoanRule {
        category: category_code(member.id),
        item_type: item_type_code(coll, gmd),
        loan_days: terms.loan_days,
        max_loans: terms.loan_limit,
        max_renewals: terms.renewals,
        fine_per_day: Money::from_units(terms.fine_per_day),
        fine_grace_days: terms.grace_days,
        fine_cap: Money::ZERO,
    }
}

const DAY_NAMES: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

/// The policy SLiMS's rules make. `max_fines` is the library's (SLiMS's desk does not refuse
/// a loan for fines owed; the hub's `[ils]` keeps the station's default).
pub fn policy(rules: &SlimsRules, base: &Policy) -> Policy {
    let categories = rules
        .member_types
        .iter()
        .map(|m| {
            (
                category_code(m.id),
                Category {
                    name: m.name.clone(),
                    loan_limit: m.loan_limit,
                },
            )
        })
        .collect();
    let item_types = rules
        .pairs
        .iter()
        .map(|&(coll, gmd)| {
            let coll_name = rules.coll_types.get(&coll).cloned().unwrap_or_default();
            let gmd_name = rules.gmds.get(&gmd).cloned().unwrap_or_default();
            (
                item_type_code(coll, gmd),
                ItemType {
                    name: format!("{coll_name} / {gmd_name}"),
                    loanable: true,
                },
            )
        })
        .collect();
    let mut loan_rules = Vec::new();
    for member in &rules.member_types {
        for &(coll, gmd) in &rules.pairs {
            loan_rules.push(loan_rule(rules, member, coll, gmd));
        }
    }
    let closed_weekdays = rules
        .holidays
        .iter()
        .filter(|h| h.date.is_none())
        .filter_map(|h| {
            let name = h.day_name.trim().to_lowercase();
            DAY_NAMES
                .iter()
                .find(|(short, _)| name.starts_with(short))
                .map(|(_, long)| long.to_string())
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let holidays = rules
        .holidays
        .iter()
        .filter_map(|h| {
            Some(Holiday {
                date: h.date?,
                name: h.description.clone().unwrap_or_default(),
            })
        })
        .collect();
    Policy {
        categories,
        item_types,
        rules: loan_rules,
        calendar: Calendar {
            closed_weekdays,
            holidays,
        },
        // SLiMS counts every calendar day late unless told to leave closed days out.
        fine_closed_days: !rules.ignore_holidays_in_fines,
        ..base.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use swalayan_core::circulation::calendar::due_date;

    fn member(id: i64, days: u32) -> MemberType {
        MemberType {
            id,
            name: format!("type {id}"),
            loan_limit: 3,
            loan_days: days,
            renewals: 1,
            fine_per_day: 500,
            grace_days: 0,
        }
    }

    fn rule(member_type: i64, coll_type: i64, gmd: i64, days: u32) -> RuleRow {
        RuleRow {
            id: member_type * 100 + coll_type * 10 + gmd,
            member_type,
            coll_type,
            gmd,
            loan_limit: 1,
            loan_days: days,
            renewals: 0,
            fine_per_day: 2000,
            grace_days: 0,
        }
    }

    /// SLiMS's order: member type + collection type + GMD, then + collection type, then +
    /// GMD, then the member type's own terms; the policy gives each pair the same days
    /// (setLoanRules in SLiMS's circulation_base_lib.inc.php).
    #[test]
    fn each_pair_gets_the_terms_slims_would_pick() {
        let rules = SlimsRules {
            member_types: vec![member(1, 7), member(2, 14)],
            pairs: vec![(1, 1), (1, 2), (3, 1), (3, 2)],
            rules: vec![
                rule(1, 1, 0, 3),
                rule(1, 1, 2, 5),
                rule(1, 0, 2, 10),
                rule(2, 3, 1, 21),
            ],
            ..SlimsRules::default()
        };
        let policy = policy(&rules, &Policy::default_policy());
        policy.validate().unwrap();
        let days = |m: i64, coll: i64, gmd: i64| {
            policy
                .rule_for(&category_code(m), &item_type_code(coll, gmd))
                .unwrap()
                .loan_days
        };
        assert_eq!(days(1, 1, 2), 5, "member + coll + gmd first");
        assert_eq!(days(1, 1, 1), 3, "then member + coll");
        assert_eq!(
            days(1, 3, 2),
            5,
            "then member + gmd: SLiMS's query takes the first row with that GMD, whatever its collection type"
        );
        assert_eq!(days(1, 3, 1), 7, "then the member type");
        assert_eq!(days(2, 3, 1), 21);
        assert_eq!(
            days(2, 1, 1),
            21,
            "the GMD's row, though its collection type is another"
        );
        assert_eq!(
            days(2, 1, 2),
            14,
            "no row fits: the member type's own terms"
        );
        let terms = policy.rule_for("m1", "c1-g1").unwrap();
        assert_eq!(
            (terms.max_loans, terms.fine_per_day),
            (1, Money::from_units(2000))
        );
    }

    /// A due date on a Sunday moves to Monday, and off a dated holiday, as SLiMS's desk
    /// moves it one day at a time.
    #[test]
    fn weekly_and_dated_holidays_move_due_dates() {
        let rules = SlimsRules {
            member_types: vec![member(1, 7)],
            pairs: vec![(1, 1)],
            holidays: vec![
                HolidayRow {
                    day_name: "sun".into(),
                    date: None,
                    description: None,
                },
                HolidayRow {
                    day_name: "Mon".into(),
                    date: Some(date(2026, 12, 14)),
                    description: Some("Libur".into()),
                },
            ],
            ..SlimsRules::default()
        };
        let policy = policy(&rules, &Policy::default_policy());
        policy.validate().unwrap();
        // Saturday 5 December + 7 days = Saturday 12th: open.
        assert_eq!(due_date(&policy, date(2026, 12, 5), 7), date(2026, 12, 12));
        // Sunday 6th + 7 = Sunday 13th (closed) → Monday 14th (holiday) → Tuesday 15th.
        assert_eq!(due_date(&policy, date(2026, 12, 6), 7), date(2026, 12, 15));
    }
}
