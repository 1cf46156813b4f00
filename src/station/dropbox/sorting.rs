//! Which bin an item goes to: sorting rules first (first match wins, on route, item type,
//! home branch and call-number prefix — the way Koha's sort-bin mapping works), then the bin
//! of the item's route. A full bin sends its items to the overflow bin, or (with none) to the
//! exception bin as `bin_full`, and stops intake until staff empty it. When the library
//! system (SIP2) sends a sort bin (CL) that a bin here answers to, it takes precedence.

use crate::domain::{Item, Route};
use crate::reason::Reason;
use std::collections::{BTreeMap, BTreeSet};

/// A bin under the chute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin {
    pub name: String,
    /// The checkin routes this bin takes (each route has exactly one bin).
    pub routes: Vec<Route>,
    /// The output lines switched on to send an item here (all others off).
    pub diverter: Vec<u32>,
    /// An input line that is on while the bin is full.
    pub full_sensor: Option<u32>,
    /// How many items it holds before it counts as full.
    pub capacity: Option<u32>,
    /// The library system's sort bins (SIP2 CL values) this bin answers to, besides its name.
    pub sort_bins: Vec<String>,
}

/// A rule checked before the route bins; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SortRule {
    pub bin: String,
    pub route: Option<Route>,
    pub item_type: Option<String>,
    pub home_branch: Option<String>,
    pub call_prefix: Option<String>,
}

/// Bins, rules and the overflow bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sorting {
    pub bins: Vec<Bin>,
    pub rules: Vec<SortRule>,
    pub overflow: Option<String>,
}

/// Where an item goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub bin: String,
    /// Set when it is not the bin the rules chose: `bin_full`.
    pub reason: Option<Reason>,
}

/// The bins' state: loads since emptied, and which full sensors are on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinState {
    pub loads: BTreeMap<String, u32>,
    pub sensed_full: BTreeSet<String>,
}

impl Sorting {
    /// Without a config: each checkin route is its own bin, named after the route.
    pub fn one_bin_per_route() -> Sorting {
        Sorting {
            bins: Route::ALL
                .into_iter()
                .map(|route| Bin {
                    name: route.code().to_string(),
                    routes: vec![route],
                    diverter: Vec::new(),
                    full_sensor: None,
                    capacity: None,
                    sort_bins: Vec::new(),
                })
                .collect(),
            rules: Vec::new(),
            overflow: None,
        }
    }

    /// Every route has one bin; rules and the overflow name bins that exist.
    pub fn check(&self) -> Result<(), String> {
        let mut names = BTreeSet::new();
        for bin in &self.bins {
            if !names.insert(bin.name.as_str()) {
                return Err(format!("two bins are called '{}'", bin.name));
            }
        }
        for route in Route::ALL {
            let holders: Vec<&str> = self
                .bins
                .iter()
                .filter(|b| b.routes.contains(&route))
                .map(|b| b.name.as_str())
                .collect();
            match holders.len() {
                1 => {}
                0 => return Err(format!("no bin takes the route '{}'", route.code())),
                _ => {
                    return Err(format!(
                        "the route '{}' has more than one bin: {}",
                        route.code(),
                        holders.join(", ")
                    ));
                }
            }
        }
        for rule in &self.rules {
            if !names.contains(rule.bin.as_str()) {
                return Err(format!(
                    "a rule names the bin '{}', which is not set up",
                    rule.bin
                ));
            }
        }
        if let Some(overflow) = &self.overflow
            && !names.contains(overflow.as_str())
        {
            return Err(format!("the overflow bin '{overflow}' is not set up"));
        }
        Ok(())
    }

    pub fn bin(&self, name: &str) -> Option<&Bin> {
        self.bins.iter().find(|b| b.name == name)
    }

    /// The bin of a route (checked to exist by [`Sorting::check`]).
    pub fn route_bin(&self, route: Route) -> &str {
        self.bins
            .iter()
            .find(|b| b.routes.contains(&route))
            .map(|b| b.name.as_str())
            .unwrap_or(route.code())
    }

    /// The bin the rules choose for an item returned on `route`; the library system's sort
    /// bin first, when one of the bins answers to it (by a `sort_bins` value or its name).
    pub fn chosen(&self, route: Route, item: Option<&Item>, sort_bin: Option<&str>) -> &str {
        if let Some(wanted) = sort_bin {
            let answering = self
                .bins
                .iter()
                .find(|b| b.sort_bins.iter().any(|s| s == wanted))
                .or_else(|| self.bin(wanted));
            match answering {
                Some(bin) => return &bin.name,
                None => {
                    tracing::info!(sort_bin = wanted, "no bin answers to the system's sort bin")
                }
            }
        }
        self.rules
            .iter()
            .find(|rule| matches(rule, route, item))
            .map(|rule| rule.bin.as_str())
            .unwrap_or_else(|| self.route_bin(route))
    }

    /// Whether a bin is full now: its sensor, or its capacity.
    pub fn is_full(&self, name: &str, state: &BinState) -> bool {
        state.sensed_full.contains(name)
            || self
                .bin(name)
                .and_then(|b| b.capacity)
                .is_some_and(|capacity| state.loads.get(name).copied().unwrap_or(0) >= capacity)
    }

    /// Where an item the rules sent to `chosen` goes, given how full the bins are. `None`:
    /// no bin can take it (its bin and the exception bin are full).
    pub fn place(&self, chosen: &str, state: &BinState) -> Option<Placement> {
        if !self.is_full(chosen, state) {
            return Some(Placement {
                bin: chosen.to_string(),
                reason: None,
            });
        }
        if let Some(overflow) = &self.overflow
            && !self.is_full(overflow, state)
        {
            return Some(Placement {
                bin: overflow.clone(),
                reason: None,
            });
        }
        let exception = self.route_bin(Route::Exception);
        (!self.is_full(exception, state)).then(|| Placement {
            bin: exception.to_string(),
            reason: Some(Reason::BinFull),
        })
    }

    /// Why intake must stop, if it must: a full bin with nowhere for its items to go.
    pub fn intake_stopped(&self, state: &BinState) -> Option<String> {
        let overflow_free = self
            .overflow
            .as_deref()
            .is_some_and(|o| !self.is_full(o, state));
        let full: Vec<&str> = self
            .bins
            .iter()
            .map(|b| b.name.as_str())
            .filter(|name| self.is_full(name, state))
            .collect();
        let exception_full = self.is_full(self.route_bin(Route::Exception), state);
        if full.is_empty() || (overflow_free && !exception_full) {
            None
        } else {
            Some(format!("bin full: {}", full.join(", ")))
        }
    }
}

fn matches(rule: &SortRule, route: Route, item: Option<&Item>) -> bool {
    let field = |want: &Option<String>, have: Option<&str>| {
        want.as_deref().is_none_or(|want| have == Some(want))
    };
    rule.route.is_none_or(|r| r == route)
        && field(&rule.item_type, item.map(|i| i.item_type.as_str()))
        && field(&rule.home_branch, item.map(|i| i.home_branch.as_str()))
        && rule.call_prefix.as_deref().is_none_or(|prefix| {
            item.and_then(|i| i.call_number.as_deref())
                .is_some_and(|call| call.starts_with(prefix))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(item_type: &str, home: &str, call: &str) -> Item {
        Item {
            barcode: "B1".into(),
            title_id: 1,
            title: "T".into(),
            author: None,
            isbn: None,
            call_number: Some(call.into()),
            item_type: item_type.into(),
            status: crate::domain::ItemStatus::OnLoan,
            damaged: false,
            parts: 1,
            home_branch: home.into(),
            transit_to: None,
        }
    }

    fn sorting() -> Sorting {
        let mut sorting = Sorting::one_bin_per_route();
        sorting.bins.push(Bin {
            name: "children".into(),
            routes: vec![],
            diverter: vec![9],
            full_sensor: None,
            capacity: Some(2),
            sort_bins: vec!["J".into()],
        });
        sorting.rules.push(SortRule {
            bin: "children".into(),
            route: Some(Route::Shelve),
            call_prefix: Some("J".into()),
            ..SortRule::default()
        });
        sorting
    }

    #[test]
    fn rules_first_then_the_route_bin() {
        let s = sorting();
        s.check().unwrap();
        let child = item("book", "pusat", "J 899 AND");
        let adult = item("book", "pusat", "899.221 TOE");
        assert_eq!(s.chosen(Route::Shelve, Some(&child), None), "children");
        assert_eq!(s.chosen(Route::Shelve, Some(&adult), None), "shelve");
        assert_eq!(
            s.chosen(Route::HoldShelf, Some(&child), None),
            "hold_shelf",
            "the rule is for shelving only"
        );
        assert_eq!(s.chosen(Route::Exception, None, None), "exception");
    }

    #[test]
    fn the_library_systems_sort_bin_comes_first_when_a_bin_answers_to_it() {
        let s = sorting();
        let adult = item("book", "pusat", "899.221 TOE");
        assert_eq!(s.chosen(Route::Shelve, Some(&adult), Some("J")), "children");
        assert_eq!(
            s.chosen(Route::Shelve, Some(&adult), Some("transfer")),
            "transfer",
            "a bin's own name answers too"
        );
        assert_eq!(
            s.chosen(Route::Shelve, Some(&adult), Some("B9")),
            "shelve",
            "no bin answers: the rules decide"
        );
    }

    #[test]
    fn a_full_bin_overflows_or_goes_to_exceptions_and_stops_intake() {
        let mut s = sorting();
        let mut state = BinState::default();
        state.loads.insert("children".into(), 2);
        assert_eq!(
            s.place("children", &state),
            Some(Placement {
                bin: "exception".into(),
                reason: Some(Reason::BinFull)
            })
        );
        assert_eq!(
            s.intake_stopped(&state).as_deref(),
            Some("bin full: children")
        );
        s.bins.push(Bin {
            name: "overflow".into(),
            routes: vec![],
            diverter: vec![],
            full_sensor: None,
            capacity: None,
            sort_bins: Vec::new(),
        });
        s.overflow = Some("overflow".into());
        s.check().unwrap();
        assert_eq!(
            s.place("children", &state),
            Some(Placement {
                bin: "overflow".into(),
                reason: None
            })
        );
        assert_eq!(s.intake_stopped(&state), None, "the overflow takes them");
        state.sensed_full.insert("overflow".into());
        state.sensed_full.insert("exception".into());
        assert_eq!(s.place("children", &state), None, "nowhere to go");
        assert!(s.intake_stopped(&state).is_some());
    }

    #[test]
    fn a_bad_setup_is_refused_with_the_reason() {
        let mut s = sorting();
        s.bins.retain(|b| b.name != "transfer");
        assert!(s.check().unwrap_err().contains("'transfer'"));
        let mut s = sorting();
        s.overflow = Some("nowhere".into());
        assert!(s.check().unwrap_err().contains("nowhere"));
    }
}
