//! Applies a kiosk view to the window's globals, and turns the window's callbacks into
//! commands for whoever runs the kiosk (a channel to the engine thread, or a test).

use super::map::{map_hold, map_loan, map_row, map_screen};
use super::{
    AccountAdapter, FoundRow, ItemsAdapter, KioskWindow, MobileAdapter, Promotion, SessionAdapter,
    SpeechAdapter, StatusAdapter, Style,
};
use crate::reason::Lang;
use crate::station::kiosk::{Command, KioskView, StaffAction};
use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};
use std::rc::Rc;

/// Shows `view` on `ui`, every adapter. Runs on the UI thread.
pub fn apply(ui: &KioskWindow, view: &KioskView) {
    apply_changes(ui, None, view);
}

/// Shows `view` on `ui`, touching only the adapters whose part of the view differs from
/// `shown` (the view on screen now): a new row leaves the account and status untouched.
pub fn apply_changes(ui: &KioskWindow, shown: Option<&KioskView>, view: &KioskView) {
    let changed = |part: fn(&KioskView) -> Part<'_>| shown.is_none_or(|s| part(s) != part(view));
    if changed(session_part) {
        apply_session(ui, view);
    }
    if changed(items_part) {
        apply_items(ui, view);
    }
    if changed(account_part) {
        apply_account(ui, view);
    }
    if changed(status_part) {
        apply_status(ui, view);
    }
    if shown.is_none_or(|s| s.mobile != view.mobile) {
        apply_mobile(ui, view);
    }
}

/// The mobile library's screen (nothing on a patrons' kiosk).
fn apply_mobile(ui: &KioskWindow, view: &KioskView) {
    let Some(mobile) = &view.mobile else {
        return;
    };
    ui.global::<SessionAdapter>().set_mobile(true);
    let adapter = ui.global::<MobileAdapter>();
    let day = &mobile.day;
    let (at_stop, at_kelurahan) = day
        .at
        .as_ref()
        .map(|(_, s)| (s.stop.clone(), s.kelurahan.clone()))
        .unwrap_or_default();
    adapter.set_at_stop(at_stop.into());
    adapter.set_at_kelurahan(at_kelurahan.into());
    adapter.set_visitors(day.visitors_here as i32);
    let (proposed_key, proposed_name) = day
        .proposed
        .as_ref()
        .map(|(key, s)| (key.clone(), s.stop.clone()))
        .unwrap_or_default();
    adapter.set_proposed_key(proposed_key.into());
    adapter.set_proposed_name(proposed_name.into());
    sync_model(
        adapter.get_today(),
        day.today.iter().map(super::map::map_stop),
        |m| adapter.set_today(m),
    );
    sync_model(
        adapter.get_found(),
        mobile.found.iter().map(|(card, name)| FoundRow {
            card: card.as_str().into(),
            name: name.as_str().into(),
        }),
        |m| adapter.set_found(m),
    );
    let (card, name) = mobile.registered.clone().unwrap_or_default();
    adapter.set_registered_card(card.into());
    adapter.set_registered_name(name.into());
    adapter.set_message(mobile.message.clone().unwrap_or_default().into());
    adapter.set_cards_left(
        day.cards_left
            .map_or(-1, |n| i32::try_from(n).unwrap_or(i32::MAX)),
    );
}

/// The fields of a view one adapter shows, to compare.
#[derive(PartialEq)]
enum Part<'a> {
    Session(
        crate::station::kiosk::Screen,
        Lang,
        &'a str,
        Option<crate::reason::Reason>,
        Option<&'a str>,
        bool,
        Option<u32>,
        bool,
        &'a str,
        crate::station::kiosk::view::Display,
    ),
    Items(&'a [crate::station::kiosk::RowView], u32),
    Account(
        &'a [crate::station::kiosk::LoanView],
        &'a [crate::station::kiosk::HoldView],
        u32,
        crate::domain::Money,
    ),
    Status {
        central: crate::station::kiosk::CentralLight,
        counts: (i64, i64, i64, i64),
        last_sync: &'a Option<String>,
        problem: (Option<crate::sync::push::CentralProblem>, Lang),
        printer_ok: bool,
        promotions: &'a [crate::station::kiosk::view::WelcomeCard],
        devices: &'a [String],
        held_back: &'a [String],
        staff_message: &'a str,
    },
}

fn session_part(v: &KioskView) -> Part<'_> {
    Part::Session(
        v.screen,
        v.lang,
        &v.patron_name,
        v.notice,
        v.notice_message.as_deref(),
        v.working,
        v.idle_countdown,
        v.feedback_enabled,
        &v.event_title,
        v.display,
    )
}

fn items_part(v: &KioskView) -> Part<'_> {
    Part::Items(&v.rows, v.done_count)
}

fn account_part(v: &KioskView) -> Part<'_> {
    Part::Account(&v.loans, &v.holds, v.ready_count, v.fines)
}

/// The status adapter shows the rest; its problem sentence follows the language.
fn status_part(v: &KioskView) -> Part<'_> {
    Part::Status {
        central: v.central,
        counts: (v.pending, v.conflicts, v.today_loans, v.today_returns),
        last_sync: &v.last_sync,
        problem: (v.central_problem, v.lang),
        printer_ok: v.printer_ok,
        promotions: &v.promotions,
        devices: &v.devices,
        held_back: &v.held_back,
        staff_message: &v.staff_message,
    }
}

fn apply_session(ui: &KioskWindow, view: &KioskView) {
    let session = ui.global::<SessionAdapter>();
    session.set_screen(map_screen(view.screen));
    if session.get_lang() != view.lang.code() {
        select_language(view.lang);
        session.set_lang(view.lang.code().into());
    }
    session.set_patron_name(view.patron_name.clone().into());
    let (n1, n2) = view.notice.map(|r| r.numbers()).unwrap_or((0, 0));
    session.set_notice(view.notice.map(|r| r.code()).unwrap_or("").into());
    session.set_notice_n1(n1 as i32);
    session.set_notice_n2(n2 as i32);
    session.set_notice_message(view.notice_message.clone().unwrap_or_default().into());
    session.set_working(view.working);
    session.set_idle_countdown(view.idle_countdown.map(|s| s as i32).unwrap_or(-1));
    session.set_feedback_enabled(view.feedback_enabled);
    session.set_event_title(view.event_title.as_str().into());
    let (channel, to) = view
        .receipt_channel
        .as_ref()
        .map(|c| (c.channel.as_str(), c.to.as_str()))
        .unwrap_or(("", ""));
    session.set_receipt_channel(channel.into());
    session.set_receipt_to(to.into());
    session.set_receipt_sent_to(view.receipt_sent_to.clone().unwrap_or_default().into());
    let style = ui.global::<Style>();
    style.set_large_text(view.display.large_text);
    style.set_high_contrast(view.display.high_contrast);
    ui.global::<SpeechAdapter>().set_on(view.display.speech);
}

/// A promotion's picture from its `data:image/png;base64,...` URI; `None` when it cannot be
/// read (the card shows without it).
fn picture(uri: &str) -> Option<slint::Image> {
    use base64::Engine;
    let (head, data) = uri.split_once(";base64,")?;
    let format = match head.strip_prefix("data:image/")? {
        "png" => "png",
        "jpeg" => "jpg",
        _ => return None,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    slint::Image::load_from_data(&bytes, Some(format)).ok()
}

fn apply_items(ui: &KioskWindow, view: &KioskView) {
    let items = ui.global::<ItemsAdapter>();
    sync_model(
        items.get_rows(),
        view.rows.iter().map(|row| map_row(row, view.lang)),
        |m| items.set_rows(m),
    );
    items.set_done_count(view.done_count as i32);
}

fn apply_account(ui: &KioskWindow, view: &KioskView) {
    let account = ui.global::<AccountAdapter>();
    sync_model(account.get_loans(), view.loans.iter().map(map_loan), |m| {
        account.set_loans(m)
    });
    sync_model(account.get_holds(), view.holds.iter().map(map_hold), |m| {
        account.set_holds(m)
    });
    account.set_ready_count(view.ready_count as i32);
    account.set_fines(swalayan_core::format::money(view.fines, view.lang).into());
}

fn apply_status(ui: &KioskWindow, view: &KioskView) {
    let status = ui.global::<StatusAdapter>();
    status.set_central(
        match view.central {
            crate::station::kiosk::CentralLight::NoCentral => "no_central",
            crate::station::kiosk::CentralLight::Online => "online",
            crate::station::kiosk::CentralLight::Offline => "offline",
        }
        .into(),
    );
    status.set_pending(view.pending as i32);
    status.set_conflicts(view.conflicts as i32);
    status.set_last_sync(view.last_sync.clone().unwrap_or_else(|| "-".into()).into());
    status.set_central_problem(
        view.central_problem
            .map(|p| p.sentence(view.lang))
            .unwrap_or("")
            .into(),
    );
    status.set_printer_ok(view.printer_ok);
    status.set_today_loans(view.today_loans as i32);
    status.set_today_returns(view.today_returns as i32);
    sync_model(
        status.get_promotions(),
        view.promotions.iter().map(|card| Promotion {
            title: card.title.as_str().into(),
            body: card.body.as_str().into(),
            event: card.event.as_deref().unwrap_or("").into(),
            check_in: card.check_in,
            picture: card.image.as_deref().and_then(picture).unwrap_or_default(),
            has_picture: card.image.as_deref().and_then(picture).is_some(),
        }),
        |m| status.set_promotions(m),
    );
    sync_model(
        status.get_devices(),
        view.devices.iter().map(SharedString::from),
        |m| status.set_devices(m),
    );
    sync_model(
        status.get_held_back(),
        view.held_back.iter().map(SharedString::from),
        |m| status.set_held_back(m),
    );
    status.set_staff_message(view.staff_message.clone().into());
}

/// Brings a list on screen up to `items` in place: changed rows are replaced, the tail grows
/// or shrinks, and the model object stays, so Slint redraws only what changed (a row list
/// rebuilt on every view would redraw, and lose scroll position, a few times a second). The
/// first time, when the adapter still holds its preview data, a model is made and `set`.
fn sync_model<T: Clone + PartialEq + 'static>(
    current: ModelRc<T>,
    items: impl Iterator<Item = T>,
    set: impl FnOnce(ModelRc<T>),
) {
    let items: Vec<T> = items.collect();
    let Some(rows) = current.as_any().downcast_ref::<VecModel<T>>() else {
        set(ModelRc::from(Rc::new(VecModel::from(items))));
        return;
    };
    for (index, item) in items.iter().enumerate() {
        if index >= rows.row_count() {
            rows.push(item.clone());
        } else if rows.row_data(index).as_ref() != Some(item) {
            rows.set_row_data(index, item.clone());
        }
    }
    while rows.row_count() > items.len() {
        rows.remove(rows.row_count() - 1);
    }
}

/// Switches the bundled translation; English is the source language.
pub fn select_language(lang: Lang) {
    if let Err(e) = slint::select_bundled_translation(lang.code()) {
        tracing::warn!("language {}: {e:?}", lang.code());
    }
}

/// Connects every callback of the window to `dispatch`. Callbacks only hand over a command:
/// they never block the UI thread.
pub fn connect(ui: &KioskWindow, dispatch: Rc<dyn Fn(Command)>) {
    let session = ui.global::<SessionAdapter>();
    let d = dispatch.clone();
    session.on_start_borrow(move || d(Command::StartBorrow));
    let d = dispatch.clone();
    session.on_start_return(move || d(Command::StartReturn));
    let d = dispatch.clone();
    session.on_start_account(move || d(Command::StartAccount));
    let d = dispatch.clone();
    let weak = ui.as_weak();
    session.on_set_display(move |large_text, high_contrast| {
        let speech = weak
            .upgrade()
            .is_some_and(|ui| ui.global::<SpeechAdapter>().get_on());
        d(Command::Display(crate::station::kiosk::view::Display {
            large_text,
            high_contrast,
            speech,
        }))
    });
    let speech = ui.global::<SpeechAdapter>();
    let d = dispatch.clone();
    let weak = ui.as_weak();
    speech.on_toggle(move || {
        if let Some(ui) = weak.upgrade() {
            let style = ui.global::<Style>();
            d(Command::Display(crate::station::kiosk::view::Display {
                large_text: style.get_large_text(),
                high_contrast: style.get_high_contrast(),
                speech: !ui.global::<SpeechAdapter>().get_on(),
            }))
        }
    });
    let d = dispatch.clone();
    session.on_attend(move |event| d(Command::Attend(event.to_string())));
    let d = dispatch.clone();
    session.on_card_entered(move |card| d(Command::Card(card.to_string())));
    let d = dispatch.clone();
    session.on_pin_entered(move |pin| d(Command::Pin(pin.to_string())));
    let d = dispatch.clone();
    session.on_code_entered(move |code| d(Command::Code(code.to_string())));
    let d = dispatch.clone();
    session.on_finish(move || d(Command::Finish));
    let d = dispatch.clone();
    session.on_print_receipt(move |print| d(Command::Receipt(print)));
    let d = dispatch.clone();
    session.on_send_receipt(move || d(Command::SendReceipt));
    let d = dispatch.clone();
    session.on_feedback(move |score| d(Command::Feedback(score.clamp(0, 5) as u8)));
    let d = dispatch.clone();
    session.on_cancel(move || d(Command::Cancel));
    let d = dispatch.clone();
    session.on_still_here(move || d(Command::StillHere));
    let d = dispatch.clone();
    session
        .on_set_language(move |lang| d(Command::Lang(Lang::from_code(&lang).unwrap_or_default())));
    let d = dispatch.clone();
    session.on_staff_action(move |action| {
        let action = match action.as_str() {
            "enter" => StaffAction::Enter,
            "test-printer" => StaffAction::TestPrinter,
            "read-tag" => StaffAction::ReadTag,
            "leave" => StaffAction::Leave,
            _ => return,
        };
        d(Command::Staff(action))
    });
    let account = ui.global::<AccountAdapter>();
    let d = dispatch.clone();
    account.on_renew(move |barcode| d(Command::Renew(barcode.to_string())));
    let d = dispatch.clone();
    account.on_renew_all(move || d(Command::RenewAll));
    let d = dispatch.clone();
    account.on_pick_up(move || d(Command::PickUp));
    connect_mobile(ui, dispatch);
}

fn connect_mobile(ui: &KioskWindow, dispatch: Rc<dyn Fn(Command)>) {
    use crate::station::kiosk::mobile::MobileAction;
    let mobile = ui.global::<MobileAdapter>();
    let d = dispatch.clone();
    mobile.on_arrive(move |stop| d(Command::Mobile(MobileAction::Arrive(stop.to_string()))));
    let d = dispatch.clone();
    mobile.on_cancel_stop(move |stop, reason| {
        d(Command::Mobile(MobileAction::CancelStop {
            stop: stop.to_string(),
            reason: reason.to_string(),
        }))
    });
    let d = dispatch.clone();
    mobile.on_depart(move || d(Command::Mobile(MobileAction::Depart)));
    let d = dispatch.clone();
    mobile.on_tally(move || d(Command::Mobile(MobileAction::Tally)));
    let d = dispatch.clone();
    mobile.on_find(move |query| d(Command::Mobile(MobileAction::Find(query.to_string()))));
    let d = dispatch.clone();
    mobile.on_choose(move |card| d(Command::Mobile(MobileAction::Choose(card.to_string()))));
    let d = dispatch;
    mobile.on_register(move |name, kelurahan, phone, consent| {
        d(Command::Mobile(MobileAction::Register(
            crate::circulation::desk::mobile::NewMember {
                name: name.to_string(),
                kelurahan: Some(kelurahan.to_string()),
                phone: Some(phone.to_string()),
                notify: consent.then_some(swalayan_core::contact::Notify::Whatsapp),
                category: None,
            },
        )))
    });
}
