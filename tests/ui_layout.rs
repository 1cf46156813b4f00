//! The kiosk on the screens kiosks really have (issues #18, #33): every screen, in both
//! languages, with and without larger text and high contrast, on the named panels from the
//! Raspberry Pi's 800x480 to a floor-standing 1080x1920 and on twelve sizes drawn at random
//! each run (seeded; the seed is printed, and `SWALAYAN_LAYOUT_SEED=N` runs it again), laid
//! out by Slint's testing backend (real fonts, real layouts) and checked by the geometry it
//! reports:
//! - every touch target (role button) has an accessible label, lies wholly inside the window,
//!   is at least 48x48 px (9 mm at the 7-inch panel's density) and overlaps no other target;
//! - every text lies inside the window, and none is cut: each is a `Words`, which says in its
//!   automation id whether all of it fits its box (an elided or squeezed text says
//!   `words-cut`), whether a word is broken inside (`words-broken`: "Perpanja / ng") and the
//!   size it is drawn at, never below 16 px (20 px with larger text); a plain `Text` (whose
//!   fit nobody checks) is itself a fault.
//!
//! Rows in a scrolling list are inside the list's width and start below its top (the patron
//! scrolls down to them); the list itself is inside the window and shows at least one row.

use i_slint_backend_testing::{ElementHandle, ElementRoot};
use slint::ComponentHandle;
use std::collections::HashSet;
use std::ops::ControlFlow;
use swalayan::reason::Lang;
use swalayan::station::kiosk::view::Display;
use swalayan::ui::bridge::{apply, select_language};
use swalayan::ui::screenshot::{SCREENS, sample_view};
use swalayan::ui::{KioskWindow, StatusAdapter};

/// The panels kiosks have: the Pi's 7" 800x480, 7" HDMI 1024x600, 1280x720, 10" 1280x800, full
/// HD, and portrait ones (Touch Display 2's 720x1280, 600x1024, floor-standing 1080x1920, a
/// narrow 480x800).
const PANELS: [(u32, u32); 9] = [
    (800, 480),
    (1024, 600),
    (1280, 720),
    (1280, 800),
    (1920, 1080),
    (720, 1280),
    (600, 1024),
    (1080, 1920),
    (480, 800),
];

/// Sizes drawn at random each run, each side from 480 to 1920 px.
const DRAWN: usize = 12;

/// The sizes of this run: the panels, then `DRAWN` sizes from `seed` (splitmix64: a few
/// lines, and the same sizes from the same seed on any machine).
fn sizes(seed: u64) -> Vec<(u32, u32)> {
    // The panels first, so that the drawn sizes of a seed do not depend on how many there are.
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut all = PANELS.to_vec();
    for _ in 0..DRAWN {
        let w = 480 + (next() % 1441) as u32;
        let h = 480 + (next() % 1441) as u32;
        all.push((w, h));
    }
    all
}

/// The seed of this run: `SWALAYAN_LAYOUT_SEED`, else the clock's nanoseconds.
fn seed() -> u64 {
    match std::env::var("SWALAYAN_LAYOUT_SEED") {
        Ok(seed) => seed.parse().expect("SWALAYAN_LAYOUT_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(33),
    }
}

/// The least size a patron reads: 16 px, 20 px with larger text (issue #33).
fn min_text(large_text: bool) -> f32 {
    if large_text { 20.0 } else { 16.0 }
}

/// 9 mm at the 7-inch panel's density (800 px over 154 mm: 5.2 px/mm).
const TOUCH_MIN: f32 = 48.0;

/// Layouts round to whole pixels; a hair of overlap is not two targets under one finger.
const SLACK: f32 = 0.5;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Rect {
    fn of(e: &ElementHandle) -> Rect {
        let p = e.absolute_position();
        let s = e.size();
        Rect {
            x: p.x,
            y: p.y,
            w: s.width,
            h: s.height,
        }
    }
    fn right(&self) -> f32 {
        self.x + self.w
    }
    fn bottom(&self) -> f32 {
        self.y + self.h
    }
    fn inside(&self, outer: &Rect) -> bool {
        self.x >= outer.x - SLACK
            && self.y >= outer.y - SLACK
            && self.right() <= outer.right() + SLACK
            && self.bottom() <= outer.bottom() + SLACK
    }
    fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() - SLACK
            && other.x < self.right() - SLACK
            && self.y < other.bottom() - SLACK
            && other.y < self.bottom() - SLACK
    }
    /// Where a scrolling list's content may be: the list's width, from its top down.
    fn scrolls_into(&self, list: &Rect) -> bool {
        self.x >= list.x - SLACK && self.right() <= list.right() + SLACK && self.y >= list.y - SLACK
    }
    /// A key for finding the same element in two walks of the tree.
    fn key(&self) -> (i64, i64, i64, i64) {
        let r = |v: f32| (v * 4.0).round() as i64;
        (r(self.x), r(self.y), r(self.w), r(self.h))
    }
}

impl std::fmt::Display for Rect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0}x{:.0} at ({:.0},{:.0})",
            self.w, self.h, self.x, self.y
        )
    }
}

/// An element found again in a second walk of the tree: its label and place.
type ElementKey = (String, (i64, i64, i64, i64));

/// What one element is to the checks.
struct Seen {
    rect: Rect,
    what: String,
    /// The scrolling list it is in, if any.
    list: Option<Rect>,
}

/// The faults of the screen on show, each a sentence naming the element. Under a `modal`
/// dialog the screen's buttons lie beneath the dialog's, as they should: overlaps are not
/// faults there.
fn faults(ui: &KioskWindow, width: u32, height: u32, modal: bool, min_text: f32) -> Vec<String> {
    let window = Rect {
        x: 0.0,
        y: 0.0,
        w: width as f32,
        h: height as f32,
    };
    let root = ui.root_element();
    // Scrolling lists, and what is inside each (found again below by place and label).
    let mut lists: Vec<(Rect, HashSet<ElementKey>)> = Vec::new();
    root.visit_descendants(|e| {
        if e.type_name().as_deref() == Some("Flickable") {
            let mut inside = HashSet::new();
            e.visit_descendants(|d| {
                inside.insert((label(&d), Rect::of(&d).key()));
                ControlFlow::<()>::Continue(())
            });
            lists.push((Rect::of(&e), inside));
        }
        ControlFlow::<()>::Continue(())
    });
    let list_of = |e: &ElementHandle| {
        let key = (label(e), Rect::of(e).key());
        lists
            .iter()
            .find(|(_, inside)| inside.contains(&key))
            .map(|(rect, _)| *rect)
    };

    let mut faults = Vec::new();
    let mut targets: Vec<Seen> = Vec::new();
    root.visit_descendants(|e| {
        let rect = Rect::of(&e);
        let type_name = e.type_name().unwrap_or_default().to_string();
        let is_text = type_name == "Text" || type_name == "Words";
        let what = format!("{} '{}'", type_name, label(&e));
        if type_name == "Text" && !label(&e).is_empty() {
            faults.push(format!(
                "{what}: a plain Text, whose fit nobody checks (use Words)"
            ));
        }
        let id = e.accessible_id().unwrap_or_default().to_string();
        let (state, size) = id.split_once(' ').unwrap_or((id.as_str(), ""));
        match state {
            "words-cut" => faults.push(format!("{what} is cut: it does not fit its {rect}")),
            "words-broken" => faults.push(format!(
                "{what} breaks a word inside: its box {rect} is narrower than its longest word"
            )),
            _ => {}
        }
        if type_name == "Words" && state != "measure" && !label(&e).is_empty() {
            match size.replace(',', ".").parse::<f32>() {
                Ok(size) if size < min_text - 0.05 => {
                    faults.push(format!("{what} is drawn at {size} px, below {min_text} px"))
                }
                Ok(_) => {}
                Err(_) => faults.push(format!("{what} does not say its size ({id:?})")),
            }
        }
        let target = e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button);
        if target && label(&e).is_empty() {
            faults.push(format!("a button {rect} has no accessible label"));
        }
        if !(target || is_text) || label(&e).is_empty() {
            return ControlFlow::<()>::Continue(());
        }
        let list = list_of(&e);
        let placed = match list {
            Some(list) => rect.scrolls_into(&list),
            None => rect.inside(&window),
        };
        if !placed {
            faults.push(match list {
                Some(list) => format!("{what} {rect} is outside its scrolling list {list}"),
                None => format!("{what} {rect} is outside the window {window}"),
            });
        }
        if target {
            if rect.w < TOUCH_MIN - SLACK || rect.h < TOUCH_MIN - SLACK {
                faults.push(format!("{what} is {rect}: smaller than {TOUCH_MIN} px"));
            }
            targets.push(Seen { rect, what, list });
        }
        ControlFlow::<()>::Continue(())
    });
    for (i, a) in targets.iter().enumerate() {
        for b in &targets[i + 1..] {
            if !modal && a.list == b.list && a.rect.overlaps(&b.rect) {
                faults.push(format!(
                    "{} {} overlaps {} {}",
                    a.what, a.rect, b.what, b.rect
                ));
            }
        }
    }
    for (list, _) in &lists {
        if !list.inside(&window) || list.h < TOUCH_MIN {
            faults.push(format!("a scrolling list {list} is not wholly on screen"));
        }
    }
    faults
}

fn label(e: &ElementHandle) -> String {
    e.accessible_label().unwrap_or_default().to_string()
}

/// A screen as the sample shows it, under a dialog (inactivity's warning, the wait for the
/// library system), or crowded: a patron with many loans and reservations, a big stack, a
/// staff screen with many documents held back.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    Sample,
    StillThere,
    Working,
    Crowded,
}

/// Every screen, then the dialogs over the screens they come on, then the crowded screens.
fn screens() -> Vec<(&'static str, Variant)> {
    let mut all: Vec<_> = SCREENS.iter().map(|s| (*s, Variant::Sample)).collect();
    all.push(("borrow", Variant::StillThere));
    all.push(("account", Variant::Working));
    for screen in ["account", "borrow", "return", "staff"] {
        all.push((screen, Variant::Crowded));
    }
    all
}

/// The sample view with many of everything a list shows, titles long as real ones are.
fn crowd(view: &mut swalayan::station::kiosk::KioskView) {
    let long = "Sejarah Perpustakaan di Sumatera Utara dari Masa Kolonial hingga Reformasi, Jilid";
    let loan = view.loans[1].clone();
    view.loans = (1..=9)
        .map(|n| swalayan::station::kiosk::LoanView {
            title: format!("{long} {n}"),
            ..loan.clone()
        })
        .collect();
    let hold = view.holds[1].clone();
    view.holds = (1..=7)
        .map(|n| swalayan::station::kiosk::HoldView {
            title: format!("{long} {n}"),
            position: n,
            ..hold.clone()
        })
        .collect();
    let row = view.rows.first().cloned();
    if let Some(row) = row {
        view.rows = (1..=14)
            .map(|n| swalayan::station::kiosk::RowView {
                title: format!("{long} {n}"),
                ..row.clone()
            })
            .collect();
    }
    view.held_back = (1..=10)
        .map(|n| format!("promotion {n}: a picture over 300 KB was not taken"))
        .collect();
}

/// Every screen (its dialogs, crowded) × both languages × larger text × high contrast × the
/// named panels.
#[test]
fn every_screen_fits_every_kiosk_panel_language_and_display_mode() {
    check_sizes(&PANELS, None);
}

/// The same on twelve sizes drawn at random this run (two tests: nextest runs them side by
/// side).
#[test]
fn every_screen_fits_sizes_drawn_at_random() {
    let seed = seed();
    check_sizes(&sizes(seed)[PANELS.len()..], Some(seed));
}

fn check_sizes(sizes: &[(u32, u32)], seed: Option<u64>) {
    i_slint_backend_testing::init_no_event_loop();
    let ui = KioskWindow::new().unwrap();
    let status = ui.global::<StatusAdapter>();
    // The first library's name, long as library names are.
    status.set_library_name("Perpustakaan Kota Tebing Tinggi".into());
    status.set_clock("10:30".into());
    status.set_date("28-11-2026".into());
    ui.show().unwrap();
    let modes = [(false, false), (true, false), (false, true), (true, true)].map(
        |(large_text, high_contrast)| Display {
            large_text,
            high_contrast,
            ..Display::default()
        },
    );
    let mut all = Vec::new();
    let mut checked = 0;
    for &(width, height) in sizes {
        ui.window()
            .set_size(slint::PhysicalSize::new(width, height));
        for lang in [Lang::Id, Lang::En] {
            select_language(lang);
            for display in modes {
                for (screen, variant) in screens() {
                    let mut view = sample_view(screen, lang).unwrap();
                    view.display = display;
                    match variant {
                        Variant::Sample => {}
                        Variant::StillThere => view.idle_countdown = Some(20),
                        Variant::Working => view.working = true,
                        Variant::Crowded => crowd(&mut view),
                    }
                    apply(&ui, &view);
                    // Runs the window's size handlers (the unit follows the window).
                    slint::platform::update_timers_and_animations();
                    checked += 1;
                    let modal = matches!(variant, Variant::StillThere | Variant::Working);
                    for fault in faults(&ui, width, height, modal, min_text(display.large_text)) {
                        all.push(format!(
                            "{width}x{height} {lang:?} {screen}{} {}{}: {fault}",
                            if variant == Variant::Sample {
                                String::new()
                            } else {
                                format!(" ({variant:?})")
                            },
                            if display.large_text { "A+" } else { "" },
                            if display.high_contrast { "◐" } else { "" },
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(checked, sizes.len() * 2 * modes.len() * screens().len());
    let again = match seed {
        Some(seed) => {
            format!(" (seed {seed}: SWALAYAN_LAYOUT_SEED={seed} draws these sizes again)")
        }
        None => String::new(),
    };
    assert!(
        all.is_empty(),
        "{} faults over {checked} layouts{again}:\n{}",
        all.len(),
        all.join("\n")
    );
    eprintln!("{checked} layouts checked{again}");
}

/// A name too long for a narrow header gives way to the short name the library configured
/// (`[library] short_name`); where the whole name fits, the whole name is shown (issue #18).
#[test]
fn a_long_library_name_gives_way_to_its_short_name_where_the_bar_is_narrow() {
    i_slint_backend_testing::init_no_event_loop();
    let ui = KioskWindow::new().unwrap();
    let status = ui.global::<StatusAdapter>();
    let whole = "Dinas Perpustakaan dan Kearsipan Kota Tebing Tinggi Provinsi Sumatera Utara";
    let short = "Perpustakaan Tebing Tinggi";
    status.set_library_name(whole.into());
    status.set_clock("10:30".into());
    ui.show().unwrap();
    apply(&ui, &sample_view("welcome", Lang::Id).unwrap());
    let shown_at = |width, height, short: &str| {
        status.set_library_short_name(short.into());
        ui.window()
            .set_size(slint::PhysicalSize::new(width, height));
        slint::platform::update_timers_and_animations();
        let names: Vec<String> = [whole, "Perpustakaan Tebing Tinggi"]
            .into_iter()
            .filter(|name| {
                ElementHandle::find_by_accessible_label(&ui, name)
                    .next()
                    .is_some()
            })
            .map(str::to_string)
            .collect();
        (names, faults(&ui, width, height, false, min_text(false)))
    };
    let (names, faults_wide) = shown_at(1920, 1080, short);
    assert_eq!(names, [whole], "the whole name where it fits");
    assert!(faults_wide.is_empty(), "{faults_wide:?}");
    let (names, faults_narrow) = shown_at(480, 800, short);
    assert_eq!(names, [short], "the short name on a narrow portrait screen");
    assert!(faults_narrow.is_empty(), "{faults_narrow:?}");
    // Without a short name the whole one wraps there onto more lines, never shrunk below
    // 16 px, and fits.
    let (names, faults_unnamed) = shown_at(480, 800, "");
    assert_eq!(names, [whole]);
    assert!(faults_unnamed.is_empty(), "{faults_unnamed:?}");
}
