//! The circulation rules as pure functions of the facts the desk gathers from the store.
//!
//! Each function answers "may this happen, and with what effect?" without touching the store,
//! so every rule is table-tested here and the same code serves the kiosk, the drop box and
//! (later) the hub.

use super::calendar::{chargeable_days_late, days_between, due_date};
use crate::domain::{Hold, HoldStatus, Item, ItemStatus, Loan, Money, Patron, Policy, Route};
use crate::reason::Reason;
use jiff::civil::Date;

/// Checks that apply to a patron before any loan, renewal, pickup or hold.
pub fn patron_may_borrow(patron: &Patron, policy: &Policy, today: Date) -> Result<(), Reason> {
    if today > patron.expires {
        return Err(Reason::PatronExpired);
    }
    if patron.blocked {
        return Err(Reason::PatronBlocked);
    }
    if patron.fines.hundredths() > 0 && patron.fines >= policy.max_fines {
        return Err(Reason::FinesOverLimit);
    }
    Ok(())
}

/// Refusals that come from the copy's own state, whoever asks.
fn item_state_refusal(item: &Item) -> Option<Reason> {
    match item.status {
        ItemStatus::Lost => Some(Reason::ItemLost),
        ItemStatus::Missing => Some(Reason::ItemMissing),
        ItemStatus::Withdrawn => Some(Reason::ItemWithdrawn),
        ItemStatus::NotForLoan => Some(Reason::NotForLoan),
        ItemStatus::InTransit => Some(Reason::InTransit),
        _ if item.damaged => Some(Reason::ItemDamaged),
        _ => None,
    }
}

/// Everything the checkout rule needs to know.
pub struct CheckoutFacts<'a> {
    pub patron: &'a Patron,
    pub item: &'a Item,
    /// The open loan on this copy, if any.
    pub loan: Option<&'a Loan>,
    /// A hold that has this copy set aside (ready on the hold shelf, or travelling).
    pub hold_on_item: Option<&'a Hold>,
    /// Another patron waits in the queue for this very copy (an item-level hold).
    pub item_level_hold_by_other: bool,
    /// The patron's open loans, all types.
    pub loans_total: u32,
    /// The patron's open loans of this copy's item type.
    pub loans_of_type: u32,
    /// Parts the reader or patron presented; `None` when not counted (a plain barcode scan).
    pub parts_seen: Option<u32>,
    pub today: Date,
    pub policy: &'a Policy,
}

/// What a permitted checkout does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutPlan {
    pub due: Date,
    /// The patron's own hold this loan fulfils.
    pub fulfils_hold: Option<i64>,
}

pub fn decide_checkout(f: &CheckoutFacts<'_>) -> Result<CheckoutPlan, Reason> {
    patron_may_borrow(f.patron, f.policy, f.today)?;
    if let Some(loan) = f.loan {
        return Err(if loan.patron == f.patron.card {
            Reason::AlreadyOnLoanToPatron
        } else {
            Reason::OnLoanToOther
        });
    }
    let mut fulfils_hold = None;
    if let Some(hold) = f.hold_on_item {
        let expired = hold.expires.is_some_and(|last| last < f.today);
        if hold.patron == f.patron.card {
            fulfils_hold = Some(hold.id);
        } else if !expired {
            return Err(Reason::OnHoldForAnother);
        }
    } else if f.item.status == ItemStatus::OnHoldShelf {
        // On the hold shelf but the hold is gone (cancelled centrally): staff must clear it.
        return Err(Reason::OnHoldForAnother);
    }
    if f.item_level_hold_by_other && fulfils_hold.is_none() {
        return Err(Reason::OnHoldForAnother);
    }
    if let Some(reason) = item_state_refusal(f.item) {
        return Err(reason);
    }
    let item_type = f.policy.item_types.get(&f.item.item_type);
    if item_type.is_none_or(|t| !t.loanable) {
        return Err(Reason::NotForLoan);
    }
    if let Some(seen) = f.parts_seen
        && seen != f.item.parts
    {
        return Err(Reason::PartsMissing {
            expected: f.item.parts,
            seen,
        });
    }
    let rule = f
        .policy
        .rule_for(&f.patron.category, &f.item.item_type)
        .ok_or(Reason::NotForLoan)?;
    if rule.loan_days == 0 {
        return Err(Reason::NotForLoan);
    }
    let category_limit = f
        .policy
        .categories
        .get(&f.patron.category)
        .map(|c| c.loan_limit)
        .unwrap_or(0);
    if f.loans_total >= category_limit {
        return Err(Reason::LoanLimitReached {
            limit: category_limit,
        });
    }
    if f.loans_of_type >= rule.max_loans {
        return Err(Reason::LoanLimitReached {
            limit: rule.max_loans,
        });
    }
    Ok(CheckoutPlan {
        due: due_date(f.policy, f.today, rule.loan_days),
        fulfils_hold,
    })
}

/// Everything the renewal rule needs to know.
pub struct RenewFacts<'a> {
    pub patron: &'a Patron,
    pub item: &'a Item,
    pub loan: Option<&'a Loan>,
    /// Holds by other patrons that this copy could fill (title-level on its title, or on it).
    pub holds_by_others: u32,
    pub today: Date,
    pub policy: &'a Policy,
}

pub fn decide_renewal(f: &RenewFacts<'_>) -> Result<Date, Reason> {
    let loan = match f.loan {
        Some(loan) if loan.patron == f.patron.card => loan,
        _ => return Err(Reason::NotOnLoan),
    };
    patron_may_borrow(f.patron, f.policy, f.today)?;
    let rule = f
        .policy
        .rule_for(&f.patron.category, &f.item.item_type)
        .ok_or(Reason::NotForLoan)?;
    if loan.renewals >= rule.max_renewals {
        return Err(Reason::RenewalLimitReached);
    }
    if f.holds_by_others > 0 {
        return Err(Reason::HasHolds);
    }
    if let Some(limit) = f.policy.renew_overdue_limit_days
        && days_between(loan.due, f.today) > i64::from(limit)
    {
        return Err(Reason::OverdueTooLong);
    }
    // Counted from today, but never earlier than the current due date.
    Ok(due_date(f.policy, f.today, rule.loan_days).max(loan.due))
}

/// Everything the checkin rule needs to know.
pub struct CheckinFacts<'a> {
    pub item: &'a Item,
    pub loan: Option<&'a Loan>,
    /// The category of the borrower, for the fine rule.
    pub borrower_category: Option<&'a str>,
    /// The first hold in the queue this copy can fill.
    pub next_hold: Option<&'a Hold>,
    /// A hold this copy was already set aside for (returned from the hold shelf or in transit).
    pub hold_on_item: Option<&'a Hold>,
    pub parts_seen: Option<u32>,
    /// The branch this station belongs to.
    pub branch: &'a str,
    pub today: Date,
    pub policy: &'a Policy,
}

/// What a permitted checkin does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinPlan {
    pub route: Route,
    /// Overdue fine for the closed loan.
    pub fine: Money,
    /// The hold this copy now goes to, and whether it waits here or travels.
    pub fills_hold: Option<i64>,
    /// Where a transfer goes.
    pub transfer_to: Option<String>,
    /// The copy's new status.
    pub new_status: ItemStatus,
    /// When the hold shelf wait ends.
    pub hold_expires: Option<Date>,
}

/// What a return does to the hold it fills: ready on this branch's hold shelf, or in
/// transit to the pickup branch. The station applies it when it routes the copy; the hub
/// applies it to the route the station reports.
pub fn hold_status_on_return(route: Route) -> HoldStatus {
    if route == Route::HoldShelf {
        HoldStatus::Ready
    } else {
        HoldStatus::InTransit
    }
}

pub fn decide_checkin(f: &CheckinFacts<'_>) -> Result<CheckinPlan, Reason> {
    if let Some(seen) = f.parts_seen
        && seen != f.item.parts
    {
        return Err(Reason::PartsMissing {
            expected: f.item.parts,
            seen,
        });
    }
    let fine = match (f.loan, f.borrower_category) {
        (Some(loan), Some(category)) => {
            overdue_fine(f.policy, category, &f.item.item_type, loan.due, f.today)
        }
        _ => Money::ZERO,
    };
    // A copy already set aside for a hold keeps it (a hold-shelf copy scanned again), unless
    // the wait expired: then the queue moves on.
    let kept_hold = f
        .hold_on_item
        .filter(|h| h.expires.is_none_or(|last| last >= f.today));
    let hold = kept_hold.or(f.next_hold);
    let blocked_state = matches!(
        f.item.status,
        ItemStatus::Withdrawn | ItemStatus::NotForLoan
    ) || f.item.damaged;
    if let Some(hold) = hold.filter(|_| !blocked_state) {
        if hold.pickup_branch == f.branch {
            return Ok(CheckinPlan {
                route: Route::HoldShelf,
                fine,
                fills_hold: Some(hold.id),
                transfer_to: None,
                new_status: ItemStatus::OnHoldShelf,
                hold_expires: Some(due_date(f.policy, f.today, f.policy.hold_shelf_days)),
            });
        }
        return Ok(CheckinPlan {
            route: Route::Transfer,
            fine,
            fills_hold: Some(hold.id),
            transfer_to: Some(hold.pickup_branch.clone()),
            new_status: ItemStatus::InTransit,
            hold_expires: None,
        });
    }
    if f.item.home_branch != f.branch {
        return Ok(CheckinPlan {
            route: Route::Transfer,
            fine,
            fills_hold: None,
            transfer_to: Some(f.item.home_branch.clone()),
            new_status: ItemStatus::InTransit,
            hold_expires: None,
        });
    }
    // Lost or missing copies that turn up are found; withdrawn, reference-only and damaged
    // copies go to staff rather than back on the open shelf.
    let (route, new_status) = match f.item.status {
        ItemStatus::Withdrawn => (Route::Exception, ItemStatus::Withdrawn),
        ItemStatus::NotForLoan => (Route::Shelve, ItemStatus::NotForLoan),
        _ if f.item.damaged => (Route::Exception, ItemStatus::Available),
        _ => (Route::Shelve, ItemStatus::Available),
    };
    Ok(CheckinPlan {
        route,
        fine,
        fills_hold: None,
        transfer_to: None,
        new_status,
        hold_expires: None,
    })
}

/// The fine for a loan due on `due` and returned on `returned`, by the policy's rule.
pub fn overdue_fine(
    policy: &Policy,
    category: &str,
    item_type: &str,
    due: Date,
    returned: Date,
) -> Money {
    let Some(rule) = policy.rule_for(category, item_type) else {
        return Money::ZERO;
    };
    let late = chargeable_days_late(policy, due, returned);
    if late == 0 || late <= rule.fine_grace_days {
        return Money::ZERO;
    }
    let fine = rule.fine_per_day.saturating_mul(i64::from(late));
    if !rule.fine_cap.is_zero() && fine > rule.fine_cap {
        rule.fine_cap
    } else {
        fine
    }
}

/// Everything the hold rule needs to know.
pub struct HoldFacts<'a> {
    pub patron: &'a Patron,
    /// The item a hold names (item-level holds), and the title's copies for title-level ones.
    pub copies: &'a [Item],
    /// The patron already has a live hold on this title or copy.
    pub already_held: bool,
    /// The patron has a copy of this title on loan right now.
    pub has_copy_on_loan: bool,
    pub today: Date,
    pub policy: &'a Policy,
}

pub fn decide_hold(f: &HoldFacts<'_>) -> Result<(), Reason> {
    patron_may_borrow(f.patron, f.policy, f.today)?;
    if f.already_held {
        return Err(Reason::HoldAlreadyPlaced);
    }
    if f.has_copy_on_loan {
        return Err(Reason::AlreadyOnLoanToPatron);
    }
    let lendable = |item: &Item| {
        item_state_refusal(item).is_none_or(|r| r == Reason::InTransit)
            && f.policy
                .item_types
                .get(&item.item_type)
                .is_some_and(|t| t.loanable)
            && f.policy
                .rule_for(&f.patron.category, &item.item_type)
                .is_some_and(|r| r.loan_days > 0 && r.max_loans > 0)
    };
    match f.copies {
        [] => Err(Reason::TitleNotFound),
        [only] if !lendable(only) => Err(item_state_refusal(only).unwrap_or(Reason::NotForLoan)),
        copies if !copies.iter().any(lendable) => Err(Reason::NotForLoan),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{HoldStatus, HoldTarget};
    use jiff::Timestamp;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 2); // a Monday

    fn patron(card: &str) -> Patron {
        Patron {
            card: card.into(),
            name: "Siti".into(),
            category: "adult".into(),
            expires: date(2027, 12, 31),
            pin_hash: None,
            blocked: false,
            block_note: None,
            fines: Money::ZERO,
            pin_failures: 0,
            pin_locked_until: None,
        }
    }

    fn item(barcode: &str, item_type: &str) -> Item {
        Item {
            barcode: barcode.into(),
            title_id: 1,
            title: "Laskar Pelangi".into(),
            author: Some("Andrea Hirata".into()),
            isbn: None,
            call_number: None,
            item_type: item_type.into(),
            status: ItemStatus::Available,
            damaged: false,
            parts: 1,
            home_branch: "main".into(),
            transit_to: None,
        }
    }

    fn loan(item: &str, patron: &str, due: Date, renewals: u32) -> Loan {
        Loan {
            id: 1,
            item: item.into(),
            patron: patron.into(),
            issued: Timestamp::UNIX_EPOCH,
            due,
            renewals,
        }
    }

    fn hold(id: i64, patron: &str, pickup: &str, expires: Option<Date>) -> Hold {
        Hold {
            id,
            patron: patron.into(),
            target: HoldTarget::Title(1),
            title_id: 1,
            placed: Timestamp::UNIX_EPOCH,
            status: HoldStatus::Waiting,
            item: None,
            pickup_branch: pickup.into(),
            expires,
        }
    }

    struct Case {
        name: &'static str,
        patron: Patron,
        item: Item,
        loan: Option<Loan>,
        hold_on_item: Option<Hold>,
        item_level_hold_by_other: bool,
        loans_total: u32,
        loans_of_type: u32,
        parts_seen: Option<u32>,
        expect: Result<Date, Reason>,
    }

    fn case(name: &'static str) -> Case {
        Case {
            name,
            patron: patron("P1"),
            item: item("B1", "book"),
            loan: None,
            hold_on_item: None,
            item_level_hold_by_other: false,
            loans_total: 0,
            loans_of_type: 0,
            parts_seen: None,
            expect: Ok(date(2026, 11, 16)),
        }
    }

    #[test]
    fn checkout_table() {
        let policy = Policy::default_policy();
        let mut cases = vec![case("plain loan of a book: 14 days")];
        let mut c = case("expired membership");
        c.patron.expires = date(2026, 11, 1);
        c.expect = Err(Reason::PatronExpired);
        cases.push(c);
        let mut c = case("last day of membership still lends");
        c.patron.expires = TODAY;
        cases.push(c);
        let mut c = case("blocked patron");
        c.patron.blocked = true;
        c.expect = Err(Reason::PatronBlocked);
        cases.push(c);
        let mut c = case("fines at the limit");
        c.patron.fines = policy.max_fines;
        c.expect = Err(Reason::FinesOverLimit);
        cases.push(c);
        let mut c = case("fines under the limit");
        c.patron.fines = Money::from_units(9999);
        cases.push(c);
        let mut c = case("already on loan to this patron");
        c.loan = Some(loan("B1", "P1", TODAY, 0));
        c.expect = Err(Reason::AlreadyOnLoanToPatron);
        cases.push(c);
        let mut c = case("on loan to another");
        c.loan = Some(loan("B1", "P2", TODAY, 0));
        c.expect = Err(Reason::OnLoanToOther);
        cases.push(c);
        let mut c = case("on the hold shelf for another");
        c.item.status = ItemStatus::OnHoldShelf;
        c.hold_on_item = Some(hold(7, "P2", "main", Some(date(2026, 11, 5))));
        c.expect = Err(Reason::OnHoldForAnother);
        cases.push(c);
        let mut c = case("on the hold shelf for another, but the wait expired");
        c.item.status = ItemStatus::OnHoldShelf;
        c.hold_on_item = Some(hold(7, "P2", "main", Some(date(2026, 11, 1))));
        cases.push(c);
        let mut c = case("on the hold shelf for this patron");
        c.item.status = ItemStatus::OnHoldShelf;
        c.hold_on_item = Some(hold(7, "P1", "main", Some(date(2026, 11, 5))));
        cases.push(c);
        let mut c = case("another patron waits for this very copy");
        c.item_level_hold_by_other = true;
        c.expect = Err(Reason::OnHoldForAnother);
        cases.push(c);
        for (status, reason) in [
            (ItemStatus::Lost, Reason::ItemLost),
            (ItemStatus::Missing, Reason::ItemMissing),
            (ItemStatus::Withdrawn, Reason::ItemWithdrawn),
            (ItemStatus::NotForLoan, Reason::NotForLoan),
            (ItemStatus::InTransit, Reason::InTransit),
        ] {
            let mut c = case("copy state refuses");
            c.item.status = status;
            c.expect = Err(reason);
            cases.push(c);
        }
        let mut c = case("damaged copy");
        c.item.damaged = true;
        c.expect = Err(Reason::ItemDamaged);
        cases.push(c);
        let mut c = case("reference work");
        c.item.item_type = "reference".into();
        c.expect = Err(Reason::NotForLoan);
        cases.push(c);
        let mut c = case("set with a part missing");
        c.item.parts = 2;
        c.parts_seen = Some(1);
        c.expect = Err(Reason::PartsMissing {
            expected: 2,
            seen: 1,
        });
        cases.push(c);
        let mut c = case("set complete");
        c.item.parts = 2;
        c.parts_seen = Some(2);
        cases.push(c);
        let mut c = case("category limit");
        c.loans_total = 10;
        c.expect = Err(Reason::LoanLimitReached { limit: 10 });
        cases.push(c);
        let mut c = case("item type limit: five books");
        c.loans_total = 5;
        c.loans_of_type = 5;
        c.expect = Err(Reason::LoanLimitReached { limit: 5 });
        cases.push(c);
        let mut c = case("magazines lend for 7 days");
        c.item.item_type = "magazine".into();
        c.expect = Ok(date(2026, 11, 9));
        cases.push(c);
        let mut c = case("a child borrows books 14 days");
        c.patron.category = "child".into();
        cases.push(c);

        for c in cases {
            let facts = CheckoutFacts {
                patron: &c.patron,
                item: &c.item,
                loan: c.loan.as_ref(),
                hold_on_item: c.hold_on_item.as_ref(),
                item_level_hold_by_other: c.item_level_hold_by_other,
                loans_total: c.loans_total,
                loans_of_type: c.loans_of_type,
                parts_seen: c.parts_seen,
                today: TODAY,
                policy: &policy,
            };
            let got = decide_checkout(&facts).map(|plan| plan.due);
            assert_eq!(got, c.expect, "{}", c.name);
        }
    }

    #[test]
    fn checkout_for_own_hold_fulfils_it() {
        let policy = Policy::default_policy();
        let p = patron("P1");
        let mut i = item("B1", "book");
        i.status = ItemStatus::OnHoldShelf;
        let h = hold(9, "P1", "main", Some(date(2026, 11, 9)));
        let facts = CheckoutFacts {
            patron: &p,
            item: &i,
            loan: None,
            hold_on_item: Some(&h),
            item_level_hold_by_other: false,
            loans_total: 0,
            loans_of_type: 0,
            parts_seen: None,
            today: TODAY,
            policy: &policy,
        };
        assert_eq!(decide_checkout(&facts).unwrap().fulfils_hold, Some(9));
    }

    #[test]
    fn renewal_table() {
        let mut policy = Policy::default_policy();
        let p = patron("P1");
        let i = item("B1", "book");
        // (case, loan, holds by others, overdue limit, expected)
        type Row = (
            &'static str,
            Option<Loan>,
            u32,
            Option<u32>,
            Result<Date, Reason>,
        );
        let table: Vec<Row> = vec![
            (
                "first renewal: 14 days from today",
                Some(loan("B1", "P1", date(2026, 11, 10), 0)),
                0,
                None,
                Ok(date(2026, 11, 16)),
            ),
            (
                "not this patron's loan",
                Some(loan("B1", "P2", date(2026, 11, 10), 0)),
                0,
                None,
                Err(Reason::NotOnLoan),
            ),
            ("not on loan", None, 0, None, Err(Reason::NotOnLoan)),
            (
                "limit reached",
                Some(loan("B1", "P1", date(2026, 11, 10), 2)),
                0,
                None,
                Err(Reason::RenewalLimitReached),
            ),
            (
                "others wait for it",
                Some(loan("B1", "P1", date(2026, 11, 10), 0)),
                1,
                None,
                Err(Reason::HasHolds),
            ),
            (
                "overdue, default allows",
                Some(loan("B1", "P1", date(2026, 9, 1), 0)),
                0,
                None,
                Ok(date(2026, 11, 16)),
            ),
            (
                "overdue beyond the library's limit",
                Some(loan("B1", "P1", date(2026, 9, 1), 0)),
                0,
                Some(30),
                Err(Reason::OverdueTooLong),
            ),
            (
                "overdue within the library's limit",
                Some(loan("B1", "P1", date(2026, 10, 20), 0)),
                0,
                Some(30),
                Ok(date(2026, 11, 16)),
            ),
            (
                "never shortens a loan",
                Some(loan("B1", "P1", date(2026, 11, 30), 0)),
                0,
                None,
                Ok(date(2026, 11, 30)),
            ),
        ];
        for (name, l, holds, limit, expect) in table {
            policy.renew_overdue_limit_days = limit;
            let facts = RenewFacts {
                patron: &p,
                item: &i,
                loan: l.as_ref(),
                holds_by_others: holds,
                today: TODAY,
                policy: &policy,
            };
            assert_eq!(decide_renewal(&facts), expect, "{name}");
        }
    }

    #[test]
    fn checkin_routes() {
        let policy = Policy::default_policy();
        let here = "main";
        let mut away = item("B2", "book");
        away.home_branch = "north".into();
        let lost = {
            let mut i = item("B3", "book");
            i.status = ItemStatus::Lost;
            i
        };
        let plain = item("B1", "book");
        let h_here = hold(1, "P2", "main", None);
        let h_there = hold(2, "P2", "north", None);
        // (case, item, next hold, route, new status, transfer to)
        type Row<'a> = (
            &'a str,
            &'a Item,
            Option<&'a Hold>,
            Route,
            ItemStatus,
            Option<&'a str>,
        );
        let table: Vec<Row> = vec![
            (
                "plain return",
                &plain,
                None,
                Route::Shelve,
                ItemStatus::Available,
                None,
            ),
            (
                "hold here",
                &plain,
                Some(&h_here),
                Route::HoldShelf,
                ItemStatus::OnHoldShelf,
                None,
            ),
            (
                "hold elsewhere",
                &plain,
                Some(&h_there),
                Route::Transfer,
                ItemStatus::InTransit,
                Some("north"),
            ),
            (
                "another branch's copy",
                &away,
                None,
                Route::Transfer,
                ItemStatus::InTransit,
                Some("north"),
            ),
            (
                "a lost copy turns up",
                &lost,
                None,
                Route::Shelve,
                ItemStatus::Available,
                None,
            ),
        ];
        for (name, i, next_hold, route, status, transfer) in table {
            let facts = CheckinFacts {
                item: i,
                loan: None,
                borrower_category: None,
                next_hold,
                hold_on_item: None,
                parts_seen: None,
                branch: here,
                today: TODAY,
                policy: &policy,
            };
            let plan = decide_checkin(&facts).unwrap();
            assert_eq!(plan.route, route, "{name}");
            assert_eq!(plan.new_status, status, "{name}");
            assert_eq!(plan.transfer_to.as_deref(), transfer, "{name}");
        }
    }

    #[test]
    fn checkin_with_a_part_missing_is_refused_and_changes_nothing() {
        let policy = Policy::default_policy();
        let mut set = item("B1", "av");
        set.parts = 2;
        let facts = CheckinFacts {
            item: &set,
            loan: None,
            borrower_category: None,
            next_hold: None,
            hold_on_item: None,
            parts_seen: Some(1),
            branch: "main",
            today: TODAY,
            policy: &policy,
        };
        assert_eq!(
            decide_checkin(&facts),
            Err(Reason::PartsMissing {
                expected: 2,
                seen: 1
            })
        );
    }

    #[test]
    fn fines_respect_grace_rate_and_cap() {
        let policy = Policy::default_policy();
        // Default: adult books 500/day, 1 grace day, cap 20000; Sundays closed.
        let due = date(2026, 11, 2); // Monday
        let table = [
            (date(2026, 11, 2), 0),    // on time
            (date(2026, 11, 3), 0),    // one day late: within grace
            (date(2026, 11, 4), 1000), // two open days
            (date(2026, 11, 9), 3000), // Tue..Mon minus Sunday = 6 days
            (date(2027, 6, 1), 20000), // capped
        ];
        for (returned, expected_units) in table {
            assert_eq!(
                overdue_fine(&policy, "adult", "book", due, returned),
                Money::from_units(expected_units),
                "returned {returned}"
            );
        }
    }

    #[test]
    fn holds_need_a_lendable_copy_and_no_duplicate() {
        let policy = Policy::default_policy();
        let p = patron("P1");
        let book = item("B1", "book");
        let reference = item("R1", "reference");
        let mut lost = item("L1", "book");
        lost.status = ItemStatus::Lost;
        let check = |copies: &[Item], already: bool, on_loan: bool| {
            decide_hold(&HoldFacts {
                patron: &p,
                copies,
                already_held: already,
                has_copy_on_loan: on_loan,
                today: TODAY,
                policy: &policy,
            })
        };
        assert_eq!(check(std::slice::from_ref(&book), false, false), Ok(()));
        assert_eq!(check(&[], false, false), Err(Reason::TitleNotFound));
        assert_eq!(
            check(std::slice::from_ref(&reference), false, false),
            Err(Reason::NotForLoan)
        );
        assert_eq!(
            check(std::slice::from_ref(&lost), false, false),
            Err(Reason::ItemLost)
        );
        assert_eq!(check(&[lost.clone(), book.clone()], false, false), Ok(()));
        assert_eq!(
            check(std::slice::from_ref(&book), true, false),
            Err(Reason::HoldAlreadyPlaced)
        );
        assert_eq!(
            check(std::slice::from_ref(&book), false, true),
            Err(Reason::AlreadyOnLoanToPatron)
        );
    }
}
