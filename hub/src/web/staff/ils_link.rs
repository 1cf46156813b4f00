//! The library system's link on `/staff`: which system, when it last read and wrote, what
//! waits to be written, and the last error — the first place IT looks when the kiosks and
//! the desk disagree. Shown only when `[ils]` has run at least once.

use crate::ils::link::LinkState;
use crate::web::kit::lang::Reader;
use maud::{Markup, html};

/// The section, or nothing without a link.
pub fn section(state: Option<&LinkState>, reader: &Reader) -> Markup {
    let Some(link) = state else {
        return html! {};
    };
    let lang = reader.lang;
    let never = lang.pick("belum pernah", "never");
    let system = if link.system.is_empty() {
        lang.pick("sistem perpustakaan", "library system")
    } else {
        link.system.as_str()
    };
    html! {
        section aria-labelledby="ils-link" {
            h2 #ils-link { (lang.pick("Tautan ke ", "Link to ")) (system) }
            @if let Some(error) = &link.last_error {
                p.alert role="alert" {
                    strong { (lang.pick("Putaran terakhir gagal", "The last round failed")) }
                    " (" (link.last_error_at.as_deref().unwrap_or("")) "): " (error)
                }
            }
            dl.facts {
                dt { (lang.pick("Terakhir membaca", "Last read")) }
                dd { (link.last_read.as_deref().unwrap_or(never)) }
                dt { (lang.pick("Terakhir menulis", "Last write")) }
                dd { (link.last_write.as_deref().unwrap_or(never)) }
                dt { (lang.pick("Menunggu ditulis", "Waiting to be written")) }
                dd { (link.backlog) }
                dt { (lang.pick("Ditulis sejak ", "Written since ")) (link.since) }
                dd { (link.written) }
                dt { (lang.pick("Ditolak sistem (konflik)", "Refused by the system (conflicts)")) }
                dd { @if link.conflicts > 0 { a href=(reader.localized("/staff/conflicts")) { (link.conflicts) } } @else { "0" } }
                dt { (lang.pick("Dibaca terakhir", "Last read found")) }
                dd { (link.read.members) " " (lang.pick("anggota", "members")) ", "
                     (link.read.items) " " (lang.pick("eksemplar", "copies")) ", "
                     (link.read.loans) " " (lang.pick("pinjaman", "loans")) ", "
                     (link.read.holds) " " (lang.pick("pesanan", "reservations")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swalayan_core::reason::Lang;

    fn reader(lang: Lang) -> Reader {
        Reader {
            lang,
            remember: None,
        }
    }

    #[test]
    fn no_link_no_section_and_a_failed_round_is_said_first() {
        assert_eq!(section(None, &reader(Lang::Id)).into_string(), "");
        let link = LinkState {
            system: "SLiMS 9".into(),
            since: "2026-12-07T02:00:00".into(),
            last_read: Some("2026-12-07T03:00:00Z".into()),
            backlog: 4,
            last_error: Some("the library system's database: connection refused".into()),
            last_error_at: Some("2026-12-07T03:05:00Z".into()),
            conflicts: 2,
            ..LinkState::default()
        };
        let page = section(Some(&link), &reader(Lang::En)).into_string();
        let failed = page
            .find("The last round failed")
            .expect("the failure is shown");
        assert!(failed < page.find("Last read").unwrap(), "{page}");
        for words in [
            "Link to SLiMS 9",
            "connection refused",
            "<dd>4</dd>",
            "/staff/conflicts",
        ] {
            assert!(page.contains(words), "{words}: {page}");
        }
        let page = section(Some(&link), &reader(Lang::Id)).into_string();
        assert!(page.contains("Putaran terakhir gagal"), "{page}");
    }
}
