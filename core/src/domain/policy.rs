//! The library's circulation policy: categories, item types, loan rules, fines, calendar.
//!
//! A policy is data the library edits (a TOML file imported into the store); the default one
//! is `config/policy.toml`, compiled in so a fresh station works before anything is imported.

use super::Money;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The policy every new store starts with (`config/policy.toml`).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../config/policy.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Fines at or above this block borrowing (`fines_over_limit`).
    #[serde(with = "money_units")]
    pub max_fines: Money,
    /// Days a copy waits on the hold shelf before the hold expires.
    #[serde(default = "default_hold_shelf_days")]
    pub hold_shelf_days: u32,
    /// Wrong PINs in a row before the patron is locked out.
    #[serde(default = "default_pin_attempts")]
    pub pin_max_attempts: u32,
    /// How long a lockout lasts.
    #[serde(default = "default_pin_lockout_minutes")]
    pub pin_lockout_minutes: u32,
    /// Refuse renewal of an item overdue by more than this many days; `None` allows
    /// renewal at any time up to the maximum.
    #[serde(default)]
    pub renew_overdue_limit_days: Option<u32>,
    /// Keep the patron on returned loans after the central acknowledged them.
    /// Off by default: Indonesia's UU PDP 27/2022 asks for data minimisation.
    #[serde(default)]
    pub keep_history: bool,
    /// Count closed days when computing overdue fines.
    #[serde(default)]
    pub fine_closed_days: bool,
    /// Patron categories by code.
    pub categories: BTreeMap<String, Category>,
    /// Item types by code.
    pub item_types: BTreeMap<String, ItemType>,
    /// Loan rules; the most specific match wins (exact category and type, then one
    /// wildcard `*`, then both).
    pub rules: Vec<LoanRule>,
    #[serde(default)]
    pub calendar: Calendar,
}

fn default_hold_shelf_days() -> u32 {
    7
}
fn default_pin_attempts() -> u32 {
    3
}
fn default_pin_lockout_minutes() -> u32 {
    15
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// What staff call it, for screens and reports.
    pub name: String,
    /// Items of any type a patron of this category may have at once.
    pub loan_limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemType {
    pub name: String,
    /// `false` for reference works: they never leave the building.
    #[serde(default = "yes")]
    pub loanable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanRule {
    /// A category code or `*`.
    pub category: String,
    /// An item type code or `*`.
    pub item_type: String,
    pub loan_days: u32,
    /// Items of this type a patron of this category may have at once.
    pub max_loans: u32,
    pub max_renewals: u32,
    #[serde(default, with = "money_units")]
    pub fine_per_day: Money,
    #[serde(default)]
    pub fine_grace_days: u32,
    /// No single loan's fine exceeds this; `0` means no cap.
    #[serde(default, with = "money_units")]
    pub fine_cap: Money,
}

/// When the library is closed: due dates move to the next open day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// e.g. `["sunday"]`.
    #[serde(default)]
    pub closed_weekdays: Vec<String>,
    /// Dated closures: national holidays (they move every year), local events.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    #[serde(with = "toml_or_text_date")]
    pub date: Date,
    #[serde(default)]
    pub name: String,
}

/// Why a policy is unusable; each names what to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy has no patron categories: add at least one [categories.NAME]")]
    NoCategories,
    #[error("the policy has no item types: add at least one [item_types.NAME]")]
    NoItemTypes,
    #[error("rule {index}: unknown category '{code}' (known: {known})")]
    RuleUnknownCategory {
        index: usize,
        code: String,
        known: String,
    },
    #[error("rule {index}: unknown item type '{code}' (known: {known})")]
    RuleUnknownItemType {
        index: usize,
        code: String,
        known: String,
    },
    #[error("calendar: '{0}' is not a weekday (write monday ... sunday)")]
    BadWeekday(String),
    #[error("calendar: every day of the week is closed, so no due date could ever be set")]
    AlwaysClosed,
    #[error(
        "no rule covers category '{category}' with item type '{item_type}': add a rule or a '*' rule"
    )]
    Uncovered { category: String, item_type: String },
}

impl Policy {
    /// The compiled-in default policy.
    pub fn default_policy() -> Policy {
        let policy: Policy =
            toml::from_str(DEFAULT_POLICY_TOML).expect("config/policy.toml is valid TOML");
        policy
            .validate()
            .expect("config/policy.toml is a valid policy");
        policy
    }

    /// Checks that every rule names known codes, that every category/type pair has a rule,
    /// and that the library is open at least one day a week.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.categories.is_empty() {
            return Err(PolicyError::NoCategories);
        }
        if self.item_types.is_empty() {
            return Err(PolicyError::NoItemTypes);
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.category != "*" && !self.categories.contains_key(&rule.category) {
                return Err(PolicyError::RuleUnknownCategory {
                    index: i + 1,
                    code: rule.category.clone(),
                    known: self.category_codes(),
                });
            }
            if rule.item_type != "*" && !self.item_types.contains_key(&rule.item_type) {
                return Err(PolicyError::RuleUnknownItemType {
                    index: i + 1,
                    code: rule.item_type.clone(),
                    known: self.item_type_codes(),
                });
            }
        }
        let closed = self.closed_weekdays()?;
        if closed.len() >= 7 {
            return Err(PolicyError::AlwaysClosed);
        }
        for category in self.categories.keys() {
            for item_type in self.item_types.keys() {
                if self.rule_for(category, item_type).is_none() {
                    return Err(PolicyError::Uncovered {
                        category: category.clone(),
                        item_type: item_type.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn category_codes(&self) -> String {
        self.categories
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn item_type_codes(&self) -> String {
        self.item_types
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The most specific rule for a category and item type.
    pub fn rule_for(&self, category: &str, item_type: &str) -> Option<&LoanRule> {
        let score = |rule: &LoanRule| -> Option<u8> {
            let c = if rule.category == category {
                2
            } else if rule.category == "*" {
                0
            } else {
                return None;
            };
            let t = if rule.item_type == item_type {
                1
            } else if rule.item_type == "*" {
                0
            } else {
                return None;
            };
            Some(c + t)
        };
        // The first of the highest-scoring rules: order in the file breaks ties.
        let mut best: Option<(u8, &LoanRule)> = None;
        for rule in &self.rules {
            if let Some(s) = score(rule)
                && best.is_none_or(|(b, _)| s > b)
            {
                best = Some((s, rule));
            }
        }
        best.map(|(_, rule)| rule)
    }

    /// Weekdays on which the library is closed.
    pub fn closed_weekdays(&self) -> Result<Vec<Weekday>, PolicyError> {
        self.calendar
            .closed_weekdays
            .iter()
            .map(|name| parse_weekday(name).ok_or_else(|| PolicyError::BadWeekday(name.clone())))
            .collect()
    }

    /// Whether the library is open on `date`.
    pub fn is_open(&self, date: Date) -> bool {
        let weekday = date.weekday();
        let closed_weekday = self
            .calendar
            .closed_weekdays
            .iter()
            .any(|name| parse_weekday(name) == Some(weekday));
        !closed_weekday && !self.calendar.holidays.iter().any(|h| h.date == date)
    }
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "monday" | "senin" => Weekday::Monday,
        "tuesday" | "selasa" => Weekday::Tuesday,
        "wednesday" | "rabu" => Weekday::Wednesday,
        "thursday" | "kamis" => Weekday::Thursday,
        "friday" | "jumat" => Weekday::Friday,
        "saturday" | "sabtu" => Weekday::Saturday,
        "sunday" | "minggu" => Weekday::Sunday,
        _ => return None,
    })
}

/// Dates in a policy file may be TOML dates (`2026-08-17`) or strings (`"2026-08-17"`).
mod toml_or_text_date {
    use jiff::civil::Date;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Toml(toml::value::Datetime),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(text) => text,
            Raw::Toml(datetime) => datetime.to_string(),
        };
        text.parse().map_err(|e| {
            serde::de::Error::custom(format!("'{text}' is not a date like 2026-08-17: {e}"))
        })
    }
}

/// Money in a policy file is written in currency units (`fine_per_day = 500`, or `12.5`).
mod money_units {
    use super::Money;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Money, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Int(units) => Ok(Money::from_units(units)),
            Raw::Float(f) => format!("{f:.2}").parse().map_err(serde::de::Error::custom),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn default_policy_lets_an_adult_borrow_five_books_for_fourteen_days() {
        let policy = Policy::default_policy();
        for code in ["adult", "child", "staff"] {
            assert!(policy.categories.contains_key(code), "{code}");
        }
        for code in ["book", "reference", "magazine", "av"] {
            assert!(policy.item_types.contains_key(code), "{code}");
        }
        let rule = policy.rule_for("adult", "book").unwrap();
        assert!(rule.max_loans >= 5);
        assert_eq!(rule.loan_days, 14);
        assert!(!policy.item_types["reference"].loanable);
    }

    #[test]
    fn most_specific_rule_wins() {
        let mut policy = Policy::default_policy();
        policy.rules = vec![
            rule("*", "*", 7),
            rule("*", "book", 10),
            rule("child", "*", 12),
            rule("child", "book", 21),
        ];
        assert_eq!(policy.rule_for("child", "book").unwrap().loan_days, 21);
        assert_eq!(policy.rule_for("child", "av").unwrap().loan_days, 12);
        assert_eq!(policy.rule_for("adult", "book").unwrap().loan_days, 10);
        assert_eq!(policy.rule_for("adult", "av").unwrap().loan_days, 7);
    }

    #[test]
    fn validation_names_the_unknown_code() {
        let mut policy = Policy::default_policy();
        policy.rules.push(rule("pensioner", "book", 14));
        let err = policy.validate().unwrap_err();
        assert!(err.to_string().contains("pensioner"), "{err}");
    }

    #[test]
    fn a_library_closed_every_day_is_refused() {
        let mut policy = Policy::default_policy();
        policy.calendar.closed_weekdays = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(policy.validate(), Err(PolicyError::AlwaysClosed));
    }

    #[test]
    fn holidays_and_weekly_closures_close_the_library() {
        let mut policy = Policy::default_policy();
        policy.calendar.closed_weekdays = vec!["sunday".into()];
        policy.calendar.holidays = vec![Holiday {
            date: date(2026, 8, 17),
            name: "Hari Kemerdekaan".into(),
        }];
        assert!(!policy.is_open(date(2026, 8, 17))); // a Monday, but a holiday
        assert!(!policy.is_open(date(2026, 8, 16))); // Sunday
        assert!(policy.is_open(date(2026, 8, 18)));
    }

    fn rule(category: &str, item_type: &str, loan_days: u32) -> LoanRule {
        LoanRule {
            category: category.into(),
            item_type: item_type.into(),
            loan_days,
            max_loans: 5,
            max_renewals: 2,
            fine_per_day: Money::ZERO,
            fine_grace_days: 0,
            fine_cap: Money::ZERO,
        }
    }
}
