//! What each kind of station may pull and push: least privilege at the hub.
//!
//! A token belongs to one station, and a station has one role. The hub serves a role only
//! the documents it needs and refuses (403) a push of any kind the role does not make:
//!
//! | role | pulls | pushes |
//! |---|---|---|
//! | kiosk | titles, items, loans, holds, patrons with PIN verifiers, policy, promotions, events | checkout, checkin, renew, hold, pickup, fine, feedback, pin_attempt, attend, receipt_request |
//! | dropbox | titles, items, loans, holds, patrons as cards only (no names, no PIN verifiers), policy | checkin, fine, return_exception |
//! | gate | policy, and items and titles (an RFID security gate) | security_alarm (and visits, on their own endpoint) |
//! | mobile | what a kiosk pulls, and the mobile library's stops and card ranges | what a kiosk pushes, and register, tally, stop_visit |
//!
//! A kind the hub does not know (a newer station's) is kept as a conflict for after the
//! hub's upgrade only when a kiosk sends it: kiosks are where new kinds come from. Every
//! other role is refused (403), so a drop box or gate token cannot fill the conflict list
//! with made-up kinds.
//! | staff | everything, and the admin side of the holds API | nothing |

use super::documents::{DocKind, PatronDoc};
use super::transactions::TxKind;
use serde::{Deserialize, Serialize};

/// The role a station's token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum StationRole {
    /// A touchscreen for patrons: lends, takes back, renews, places holds.
    Kiosk,
    /// A return chute: takes back only.
    Dropbox,
    /// An entrance counter (and security gate): counts visitors.
    Gate,
    /// A staff client (the library's own tools): reads everything, acts for any patron.
    Staff,
    /// A mobile library (bus or motorbike, issue #32): staff lend, return and renew, register
    /// members on the spot, and count visitors at each stop.
    Mobile,
}

/// How much of a document kind a role receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    None,
    Full,
    /// Patrons reduced to what a return needs: card, category, validity, blocks, fines —
    /// no name, no PIN verifier, no staff note.
    CardsOnly,
}

impl StationRole {
    pub const ALL: [StationRole; 5] = [
        StationRole::Kiosk,
        StationRole::Dropbox,
        StationRole::Gate,
        StationRole::Staff,
        StationRole::Mobile,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StationRole::Kiosk => "kiosk",
            StationRole::Dropbox => "dropbox",
            StationRole::Gate => "gate",
            StationRole::Staff => "staff",
            StationRole::Mobile => "mobile",
        }
    }

    pub fn parse(code: &str) -> Option<StationRole> {
        StationRole::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether this role may push transactions of `kind`.
    pub fn may_push(self, kind: TxKind) -> bool {
        match self {
            // What a kiosk's desk makes; alarms and return exceptions are the gate's and the
            // drop box's alone.
            StationRole::Kiosk => !matches!(
                kind,
                TxKind::SecurityAlarm
                    | TxKind::ReturnException
                    | TxKind::Register
                    | TxKind::Tally
                    | TxKind::StopVisit
            ),
            // A kiosk's kinds, and the mobile library's own.
            StationRole::Mobile => {
                StationRole::Kiosk.may_push(kind)
                    || matches!(kind, TxKind::Register | TxKind::Tally | TxKind::StopVisit)
            }
            StationRole::Dropbox => matches!(
                kind,
                TxKind::Checkin | TxKind::Fine | TxKind::ReturnException
            ),
            StationRole::Gate => kind == TxKind::SecurityAlarm,
            StationRole::Staff => false,
        }
    }

    /// Whether this role may push a kind the hub does not know (kept as a conflict).
    pub fn may_push_unknown(self) -> bool {
        self == StationRole::Kiosk
    }

    /// Whether this role may send visitor counts.
    pub fn may_count_visits(self) -> bool {
        self == StationRole::Gate
    }

    /// How much of documents of `kind` this role pulls.
    pub fn access(self, kind: DocKind) -> Access {
        use DocKind::*;
        match (self, kind) {
            // Who registered for events (names, phone numbers, cards) and patrons' contacts:
            // the hub's alone.
            (_, Roster | Contact) => Access::None,
            // A title's digital side is for the web: no station reads it.
            (_, Digital) => Access::None,
            // The mobile library's schedule: for the mobile stations (and staff's), not a
            // kiosk's or a gate's.
            (StationRole::Kiosk | StationRole::Dropbox | StationRole::Gate, Stop | CardRange) => {
                Access::None
            }
            (StationRole::Staff | StationRole::Kiosk | StationRole::Mobile, _) => Access::Full,
            (StationRole::Dropbox, Patron) => Access::CardsOnly,
            (StationRole::Dropbox, Title | Item | Loan | Hold | Policy) => Access::Full,
            (StationRole::Dropbox, Promotion | Event) => Access::None,
            (StationRole::Gate, Title | Item | Policy) => Access::Full,
            (StationRole::Gate, Patron | Loan | Hold | Promotion | Event) => Access::None,
        }
    }

    /// Whether this role may act on the holds API for any patron (list all, cancel any).
    pub fn is_staff(self) -> bool {
        self == StationRole::Staff
    }
}

impl PatronDoc {
    /// The patron as a role that may only know cards sees them.
    pub fn cards_only(&self) -> PatronDoc {
        PatronDoc {
            name: String::new(),
            pin_hash: None,
            block_note: None,
            pin_failures: 0,
            pin_locked_until: None,
            ..self.for_stations()
        }
    }

    /// The patron as any station sees them: what circulation needs, without when they
    /// joined or where they live (the hub's, for its reports).
    pub fn for_stations(&self) -> PatronDoc {
        PatronDoc {
            joined: None,
            kelurahan: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kiosks_mobiles_and_staff_see_pin_verifiers_and_names() {
        for role in StationRole::ALL {
            let full = role.access(DocKind::Patron) == Access::Full;
            assert_eq!(
                full,
                matches!(
                    role,
                    StationRole::Kiosk | StationRole::Staff | StationRole::Mobile
                ),
                "{role:?}"
            );
        }
        let doc = PatronDoc {
            name: "Siti".into(),
            category: "adult".into(),
            expires: jiff::civil::date(2030, 1, 1),
            pin_hash: Some("$argon2id$...".into()),
            blocked: true,
            block_note: Some("lost card".into()),
            fines: 100,
            pin_failures: 2,
            pin_locked_until: None,
            joined: Some(jiff::civil::date(2026, 3, 1)),
            kelurahan: Some("Bandar Utama".into()),
        };
        let served = doc.for_stations();
        assert_eq!((served.joined, &served.kelurahan), (None, &None));
        assert_eq!(served.name, "Siti", "circulation still has what it needs");
        let reduced = doc.cards_only();
        assert_eq!(
            (
                reduced.name.as_str(),
                &reduced.pin_hash,
                &reduced.block_note
            ),
            ("", &None, &None)
        );
        assert!(reduced.blocked && reduced.fines == 100);
    }

    #[test]
    fn no_station_pulls_who_registered_for_events() {
        for role in StationRole::ALL {
            assert_eq!(role.access(DocKind::Roster), Access::None, "{role:?}");
            assert_eq!(role.access(DocKind::Contact), Access::None, "{role:?}");
        }
        assert_eq!(StationRole::Kiosk.access(DocKind::Event), Access::Full);
        assert_eq!(StationRole::Gate.access(DocKind::Event), Access::None);
    }

    #[test]
    fn pushes_follow_the_role_table() {
        let pushes = |role: StationRole| -> Vec<&str> {
            TxKind::ALL
                .into_iter()
                .filter(|k| role.may_push(*k))
                .map(TxKind::code)
                .collect()
        };
        // As docs/security.md's table states it, every kind against every role.
        assert_eq!(
            pushes(StationRole::Kiosk),
            [
                "checkout",
                "checkin",
                "renew",
                "hold",
                "pickup",
                "fine",
                "feedback",
                "pin_attempt",
                "attend",
                "receipt_request"
            ]
        );
        assert_eq!(
            pushes(StationRole::Dropbox),
            ["checkin", "fine", "return_exception"]
        );
        assert_eq!(pushes(StationRole::Gate), ["security_alarm"]);
        assert_eq!(
            pushes(StationRole::Mobile),
            [
                "checkout",
                "checkin",
                "renew",
                "hold",
                "pickup",
                "fine",
                "feedback",
                "pin_attempt",
                "attend",
                "receipt_request",
                "register",
                "tally",
                "stop_visit"
            ]
        );
        assert_eq!(
            StationRole::Mobile.access(DocKind::Stop),
            Access::Full,
            "the bus proposes the scheduled stop"
        );
        assert_eq!(StationRole::Kiosk.access(DocKind::CardRange), Access::None);
        assert!(pushes(StationRole::Staff).is_empty());
        assert!(StationRole::Gate.may_count_visits() && !StationRole::Kiosk.may_count_visits());
        for role in StationRole::ALL {
            assert_eq!(
                role.may_push_unknown(),
                role == StationRole::Kiosk,
                "{role:?}"
            );
        }
    }
}
