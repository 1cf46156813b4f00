//! Pure conversions from the kiosk's plain view to the Slint structs the globals hold.

use super::{HoldRow, ItemRow, LoanRow, Screen as UiScreen};
use crate::domain::{HoldStatus, Route};
use crate::reason::Lang;
use crate::station::kiosk::{HoldView, LoanView, RowState, RowView, Screen};
use swalayan_core::format;

pub fn map_screen(screen: Screen) -> UiScreen {
    match screen {
        Screen::Welcome => UiScreen::Welcome,
        Screen::Identify => UiScreen::Identify,
        Screen::Pin => UiScreen::Pin,
        Screen::Borrow => UiScreen::Borrow,
        Screen::Return => UiScreen::ReturnItems,
        Screen::Account => UiScreen::Account,
        Screen::Receipt => UiScreen::Receipt,
        Screen::Feedback => UiScreen::Feedback,
        Screen::Goodbye => UiScreen::Goodbye,
        Screen::Staff => UiScreen::Staff,
        Screen::Mobile => UiScreen::Mobile,
    }
}

/// A stop on today's schedule, as the mobile screen lists it.
pub fn map_stop(stop: &crate::circulation::desk::mobile::StopToday) -> super::StopRow {
    use crate::contract::transactions::StopStatus;
    super::StopRow {
        key: stop.key.as_str().into(),
        name: stop.stop.stop.as_str().into(),
        kelurahan: stop.stop.kelurahan.as_str().into(),
        hours: format!(
            "{}–{}",
            stop.stop.start.strftime("%H:%M"),
            stop.stop.end.strftime("%H:%M")
        )
        .into(),
        status: match stop.status {
            None => "",
            Some(StopStatus::Arrived) => "arrived",
            Some(StopStatus::Cancelled) => "cancelled",
        }
        .into(),
    }
}

/// A result row; its fine written the patron's way in `lang` ("Rp4.500").
pub fn map_row(row: &RowView, lang: Lang) -> ItemRow {
    let (n1, n2) = row.reason.map(|r| r.numbers()).unwrap_or((0, 0));
    ItemRow {
        barcode: row.barcode.clone().into(),
        title: if row.title.is_empty() {
            row.barcode.clone().into()
        } else {
            row.title.clone().into()
        },
        state: match row.state {
            RowState::Pending => "pending",
            RowState::Borrowed => "borrowed",
            RowState::Returned => "returned",
            RowState::Renewed => "renewed",
            RowState::Refused => "refused",
        }
        .into(),
        reason: row.reason.map(|r| r.code()).unwrap_or("").into(),
        n1: n1 as i32,
        n2: n2 as i32,
        due: row.due.clone().unwrap_or_default().into(),
        route: row.route.map(Route::code).unwrap_or("").into(),
        fine: if row.fine.is_zero() {
            String::new()
        } else {
            format::money(row.fine, lang)
        }
        .into(),
        missing_part: row.missing_part.unwrap_or(0) as i32,
        message: row.message.clone().unwrap_or_default().into(),
    }
}

pub fn map_loan(loan: &LoanView) -> LoanRow {
    LoanRow {
        barcode: loan.barcode.clone().into(),
        title: loan.title.clone().into(),
        due: loan.due.clone().into(),
        overdue: loan.overdue,
        renewals: loan.renewals as i32,
    }
}

pub fn map_hold(hold: &HoldView) -> HoldRow {
    HoldRow {
        title: hold.title.clone().into(),
        status: hold.status.code().into(),
        position: hold.position as i32,
        expires: hold.expires.clone().into(),
    }
}

#[allow(dead_code)]
fn _hold_status_codes_match_the_ui(status: HoldStatus) -> &'static str {
    // The account view compares against these strings.
    status.code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;
    use crate::reason::Reason;

    #[test]
    fn a_refused_row_carries_its_code_and_numbers() {
        let row = RowView {
            barcode: "B1".into(),
            title: "".into(),
            state: RowState::Refused,
            reason: Some(Reason::PartsMissing {
                expected: 2,
                seen: 1,
            }),
            due: None,
            route: None,
            fine: Money::ZERO,
            missing_part: Some(2),
            message: None,
        };
        let mapped = map_row(&row, Lang::Id);
        assert_eq!(mapped.state, "refused");
        assert_eq!(mapped.reason, "parts_missing");
        assert_eq!((mapped.n1, mapped.n2, mapped.missing_part), (1, 2, 2));
        assert_eq!(mapped.title, "B1", "an untitled row shows its barcode");
    }

    #[test]
    fn a_return_row_carries_route_and_fine() {
        let row = RowView {
            barcode: "B1".into(),
            title: "Bumi Manusia".into(),
            state: RowState::Returned,
            reason: None,
            due: None,
            route: Some(Route::HoldShelf),
            fine: Money::from_units(4500),
            missing_part: None,
            message: None,
        };
        let mapped = map_row(&row, Lang::Id);
        assert_eq!(
            (mapped.route.as_str(), mapped.fine.as_str()),
            ("hold_shelf", "Rp4.500")
        );
    }
}
