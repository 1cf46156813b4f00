//! Renders a kiosk screen offscreen to PNG: no display, no store, fixed sample data and a
//! fixed clock, so the same command always gives the same picture.

use super::bridge::{apply, select_language};
use super::{KioskWindow, StatusAdapter};
use crate::domain::{HoldStatus, Money, Route};
use crate::reason::{Lang, Reason};
use crate::station::kiosk::{HoldView, KioskView, LoanView, RowState, RowView, Screen};
use slint::ComponentHandle;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};
use std::rc::Rc;

/// The screens `swalayan screenshot --screen` knows.
pub const SCREENS: [&str; 11] = [
    "welcome", "identify", "pin", "borrow", "return", "account", "receipt", "feedback", "goodbye",
    "staff", "mobile",
];

struct Offscreen {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for Offscreen {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    #[error("unknown screen '{0}': use one of {list}", list = SCREENS.join(", "))]
    UnknownScreen(String),
    #[error("rendering failed: {0}")]
    Render(String),
    #[error("cannot write {0}")]
    Write(String),
}

fn row(
    barcode: &str,
    title: &str,
    state: RowState,
    reason: Option<Reason>,
    due: Option<String>,
    route: Option<Route>,
    fine: i64,
) -> RowView {
    RowView {
        barcode: barcode.into(),
        title: title.into(),
        state,
        reason,
        due,
        route,
        fine: Money::from_units(fine),
        missing_part: None,
        message: None,
    }
}

/// The fixed sample view for a screen.
pub fn sample_view(screen: &str, lang: Lang) -> Result<KioskView, ScreenshotError> {
    // A sample day written the patron's way, as the journey writes due dates.
    let day = |y, m, d| swalayan_core::format::long_date(jiff::civil::date(y, m, d), lang);
    let screen_enum = match screen {
        "welcome" => Screen::Welcome,
        "identify" => Screen::Identify,
        "pin" => Screen::Pin,
        "borrow" => Screen::Borrow,
        "return" => Screen::Return,
        "account" => Screen::Account,
        "receipt" => Screen::Receipt,
        "mobile" => Screen::Mobile,
        "feedback" => Screen::Feedback,
        "goodbye" => Screen::Goodbye,
        "staff" => Screen::Staff,
        other => return Err(ScreenshotError::UnknownScreen(other.to_string())),
    };
    let mut set = row(
        "31000004501",
        "Belajar Bahasa Inggris: buku dan CD audio",
        RowState::Refused,
        Some(Reason::PartsMissing {
            expected: 2,
            seen: 1,
        }),
        None,
        None,
        0,
    );
    set.missing_part = Some(2);
    let rows = match screen_enum {
        Screen::Borrow => vec![
            row(
                "31000002801",
                "Negeri 5 Menara",
                RowState::Borrowed,
                None,
                Some(day(2026, 12, 12)),
                None,
                0,
            ),
            row(
                "31000003301",
                "Bumi",
                RowState::Borrowed,
                None,
                Some(day(2026, 12, 12)),
                None,
                0,
            ),
            row(
                "31000002401",
                "Cantik Itu Luka",
                RowState::Refused,
                Some(Reason::OnHoldForAnother),
                None,
                None,
                0,
            ),
            set,
        ],
        Screen::Return => vec![
            row(
                "31000000501",
                "Bumi Manusia",
                RowState::Returned,
                None,
                None,
                Some(Route::Shelve),
                4500,
            ),
            row(
                "31000002701",
                "Laut Bercerita",
                RowState::Returned,
                None,
                None,
                Some(Route::HoldShelf),
                0,
            ),
            row(
                "31000002601",
                "Pulang",
                RowState::Returned,
                None,
                None,
                Some(Route::Transfer),
                0,
            ),
        ],
        _ => vec![],
    };
    let done = rows.iter().filter(|r| r.state != RowState::Refused).count() as u32;
    Ok(KioskView {
        screen: screen_enum,
        lang,
        display: Default::default(),
        patron_name: "Siti Rahmawati".into(),
        notice_message: None,
        working: false,
        notice: match screen_enum {
            Screen::Identify => Some(Reason::PatronBlocked),
            Screen::Pin => Some(Reason::PinIncorrect),
            _ => None,
        },
        rows,
        done_count: done,
        loans: vec![
            LoanView {
                barcode: "31000000102".into(),
                title: "Laskar Pelangi".into(),
                due: day(2026, 12, 3),
                overdue: false,
                renewals: 0,
            },
            LoanView {
                barcode: "31000000501".into(),
                title: "Bumi Manusia".into(),
                due: day(2026, 11, 18),
                overdue: true,
                renewals: 1,
            },
        ],
        holds: vec![
            HoldView {
                title: "Cantik Itu Luka".into(),
                status: HoldStatus::Ready,
                position: 0,
                expires: day(2026, 12, 3),
            },
            HoldView {
                title: "Laut Bercerita".into(),
                status: HoldStatus::Waiting,
                position: 2,
                expires: String::new(),
            },
        ],
        ready_count: 1,
        fines: Money::from_units(4500),
        idle_countdown: None,
        feedback_enabled: true,
        printer_ok: true,
        pending: 3,
        last_sync: Some("28-11-2026 15:02".into()),
        central_problem: None,
        last_trusted: None,
        conflicts: 0,
        today_loans: 12,
        today_returns: 9,
        promotions: {
            use crate::station::kiosk::view::WelcomeCard;
            let promotion = WelcomeCard {
                title: "Buku baru: Laut Bercerita".to_string(),
                body: "Novel Leila S. Chudori kini tersedia di rak fiksi. Pesan lewat kios ini."
                    .to_string(),
                event: None,
                check_in: false,
                image: Some(format!(
                    "data:image/png;base64,{}",
                    base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        include_bytes!("../../ui/assets/sample-promotion.png")
                    )
                )),
            };
            let (title, body) = crate::station::kiosk::status::event_card(
                &crate::contract::documents::EventDoc {
                    title: "Kelas Menulis Cerita Anak".into(),
                    title_en: Some("Children's story writing class".into()),
                    starts: jiff::civil::datetime(2026, 12, 15, 9, 0, 0, 0),
                    ends: jiff::civil::datetime(2026, 12, 15, 11, 30, 0, 0),
                    place: Some("Aula lantai 2".into()),
                    description: None,
                    capacity: Some(25),
                    registered: 17,
                    waiting: 0,
                    ..Default::default()
                },
                lang,
            );
            // On the day, the event's banner carries the check-in button.
            let event = WelcomeCard {
                title,
                body,
                event: Some("019ae0c4-event".into()),
                check_in: true,
                image: None,
            };
            // The welcome screen shows one card at a time: the English screenshot shows an
            // event (its check-in open), the Indonesian one a promotion.
            match lang {
                Lang::Id => vec![promotion, event],
                Lang::En => vec![event, promotion],
            }
        },
        event_title: String::new(),
        devices: vec![
            "scanner: ok".into(),
            "rfid: ok".into(),
            "printer: ok".into(),
        ],
        held_back: Vec::new(),
        staff_message: String::new(),
        // The receipt screen with the hub's offer to send it (the widest of its faces), and
        // the goodbye saying where it went.
        receipt_channel: (screen_enum == Screen::Receipt).then(|| {
            crate::sync::contact::ReceiptChannel {
                channel: "whatsapp".into(),
                to: "+62 812-****-7890".into(),
            }
        }),
        receipt_sent_to: (screen_enum == Screen::Goodbye).then(|| "+62 812-****-7890".into()),
        quit: false,
        central: crate::station::kiosk::CentralLight::NoCentral,
        mobile: (screen_enum == Screen::Mobile).then(sample_mobile),
    })
}

/// A bus at its second stop of the day: the first made, one to come.
fn sample_mobile() -> crate::station::kiosk::mobile::MobileView {
    use crate::circulation::desk::mobile::{MobileDay, StopToday};
    use crate::contract::documents::StopDoc;
    use crate::contract::transactions::StopStatus;
    let stop = |name: &str, kelurahan: &str, start: i8, end: i8| StopDoc {
        route: "Rute Utara".into(),
        stop: name.into(),
        kelurahan: kelurahan.into(),
        place: "halaman".into(),
        day: "monday".into(),
        start: jiff::civil::time(start, 0, 0, 0),
        end: jiff::civil::time(end, 0, 0, 0),
        vehicle: Some("Bus 2".into()),
    };
    let today = vec![
        StopToday {
            key: "s1".into(),
            stop: stop("SD Negeri 163", "Bandar Utama", 8, 10),
            status: Some(StopStatus::Arrived),
        },
        StopToday {
            key: "s2".into(),
            stop: stop("Masjid Raya", "Rambung", 10, 12),
            status: Some(StopStatus::Arrived),
        },
        StopToday {
            key: "s3".into(),
            stop: stop("Pasar Gambir", "Satria", 13, 15),
            status: None,
        },
    ];
    crate::station::kiosk::mobile::MobileView {
        day: MobileDay {
            at: Some((today[1].key.clone(), today[1].stop.clone())),
            visitors_here: 14,
            proposed: None,
            cards_left: Some(962),
            today,
        },
        found: vec![("21000000001".into(), "Siti Rahmawati".into())],
        registered: Some(("MB0100038".into(), "Rina Siregar".into())),
        message: None,
    }
}

/// Renders `screen` at `width` x `height` and returns PNG bytes. Sets Slint's platform, which
/// can happen once per process.
pub fn render_png(
    screen: &str,
    lang: Lang,
    width: u32,
    height: u32,
    display: crate::station::kiosk::view::Display,
) -> Result<Vec<u8>, ScreenshotError> {
    let mut view = sample_view(screen, lang)?;
    view.display = display;
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Offscreen {
        window: window.clone(),
    }))
    .map_err(|e| ScreenshotError::Render(format!("{e:?}")))?;
    let ui = KioskWindow::new().map_err(|e| ScreenshotError::Render(e.to_string()))?;
    window.set_size(slint::PhysicalSize::new(width, height));
    let status = ui.global::<StatusAdapter>();
    status.set_library_name("Perpustakaan Kota Tebing Tinggi".into());
    status.set_clock("10:30".into());
    status.set_date("28-11-2026".into());
    status.set_central("no_central".into());
    apply(&ui, &view);
    select_language(lang);
    ui.show()
        .map_err(|e| ScreenshotError::Render(e.to_string()))?;
    let mut buffer = vec![PremultipliedRgbaColor::default(); (width * height) as usize];
    // Layouts settle over a frame or two (the unit is set from the window size).
    for _ in 0..3 {
        slint::platform::update_timers_and_animations();
        window.request_redraw();
        window.draw_if_needed(|renderer| {
            renderer.render(&mut buffer, width as usize);
        });
    }
    let mut rgba = Vec::with_capacity(buffer.len() * 4);
    for px in &buffer {
        // Premultiplied with an opaque background: the channels are the colour.
        rgba.extend_from_slice(&[px.red, px.green, px.blue, 255]);
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ScreenshotError::Render(e.to_string()))?;
        writer
            .write_image_data(&rgba)
            .map_err(|e| ScreenshotError::Render(e.to_string()))?;
    }
    Ok(png_bytes)
}
