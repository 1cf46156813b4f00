//! The central catalog's documents as they travel from the hub to stations (the bodies of
//! `GET /v1/changes`), and how import records become them.
//!
//! Each document has a kind and a key: a title by its source key, an item by barcode, a
//! patron by card, a loan by item barcode, a hold by its id (the UUID of the transaction or
//! hub command that placed it), the policy under the key `policy`, a promotion by its id, an
//! event by its id and the event's roster (who registered: kept at the hub, never served to a
//! station) by the event's id.

use crate::domain::{HoldStatus, Item, ItemStatus, Money, Patron};
use crate::import::{ItemRecord, PatronRecord, TitleRecord};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

/// The kinds of catalog documents stations pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Title,
    Item,
    Patron,
    Loan,
    Hold,
    Policy,
    Promotion,
    Event,
    Roster,
    /// A patron's contacts and consent (key: the card): the hub's alone.
    Contact,
    /// A title's digital side (key: the title's key): its cover, its files to read online,
    /// who may read them. The hub's alone: stations need none of it.
    Digital,
    /// A mobile-library stop on a route's weekly schedule (key: its id; issue #32).
    Stop,
    /// The card numbers a mobile station gives members it registers (key: the station).
    CardRange,
}

impl DocKind {
    pub const ALL: [DocKind; 13] = [
        DocKind::Title,
        DocKind::Item,
        DocKind::Patron,
        DocKind::Loan,
        DocKind::Hold,
        DocKind::Policy,
        DocKind::Promotion,
        DocKind::Event,
        DocKind::Roster,
        DocKind::Contact,
        DocKind::Digital,
        DocKind::Stop,
        DocKind::CardRange,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocKind::Title => "title",
            DocKind::Item => "item",
            DocKind::Patron => "patron",
            DocKind::Loan => "loan",
            DocKind::Hold => "hold",
            DocKind::Policy => "policy",
            DocKind::Promotion => "promotion",
            DocKind::Event => "event",
            DocKind::Roster => "roster",
            DocKind::Contact => "contact",
            DocKind::Digital => "digital",
            DocKind::Stop => "stop",
            DocKind::CardRange => "card_range",
        }
    }

    pub fn parse(code: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A document body's type and the kind it is stored and travels as: what lets storage hand
/// out typed documents (`tx.docs::<PatronDoc>(keys)`) without anyone naming the kind or a
/// field as a string.
pub trait DocBody: Serialize + serde::de::DeserializeOwned {
    const KIND: DocKind;
}

macro_rules! doc_bodies {
    ($($body:ty => $kind:ident),* $(,)?) => {
        $(impl DocBody for $body {
            const KIND: DocKind = DocKind::$kind;
        })*
    };
}

doc_bodies!(
    TitleDoc => Title,
    ItemDoc => Item,
    PatronDoc => Patron,
    LoanDoc => Loan,
    HoldDoc => Hold,
    PolicyDoc => Policy,
    PromotionDoc => Promotion,
    EventDoc => Event,
    RosterDoc => Roster,
    ContactDoc => Contact,
    DigitalDoc => Digital,
    StopDoc => Stop,
    CardRangeDoc => CardRange,
);

/// A document's typed body.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Title(TitleDoc),
    Item(ItemDoc),
    Patron(PatronDoc),
    Loan(LoanDoc),
    Hold(HoldDoc),
    Policy(PolicyDoc),
    Promotion(PromotionDoc),
    Event(EventDoc),
    Roster(RosterDoc),
    Contact(ContactDoc),
    Digital(DigitalDoc),
    Stop(StopDoc),
    CardRange(CardRangeDoc),
}

impl Document {
    pub fn kind(&self) -> DocKind {
        match self {
            Document::Title(_) => DocKind::Title,
            Document::Item(_) => DocKind::Item,
            Document::Patron(_) => DocKind::Patron,
            Document::Loan(_) => DocKind::Loan,
            Document::Hold(_) => DocKind::Hold,
            Document::Policy(_) => DocKind::Policy,
            Document::Promotion(_) => DocKind::Promotion,
            Document::Event(_) => DocKind::Event,
            Document::Roster(_) => DocKind::Roster,
            Document::Contact(_) => DocKind::Contact,
            Document::Digital(_) => DocKind::Digital,
            Document::Stop(_) => DocKind::Stop,
            Document::CardRange(_) => DocKind::CardRange,
        }
    }

    /// Reads a body of a kind; unknown fields (a newer hub's) are ignored.
    pub fn decode(kind: DocKind, body: &serde_json::Value) -> Result<Document, serde_json::Error> {
        use serde::de::Deserialize as _;
        Ok(match kind {
            DocKind::Title => Document::Title(TitleDoc::deserialize(body)?),
            DocKind::Item => Document::Item(ItemDoc::deserialize(body)?),
            DocKind::Patron => Document::Patron(PatronDoc::deserialize(body)?),
            DocKind::Loan => Document::Loan(LoanDoc::deserialize(body)?),
            DocKind::Hold => Document::Hold(HoldDoc::deserialize(body)?),
            DocKind::Policy => Document::Policy(PolicyDoc::deserialize(body)?),
            DocKind::Promotion => Document::Promotion(PromotionDoc::deserialize(body)?),
            DocKind::Event => Document::Event(EventDoc::deserialize(body)?),
            DocKind::Roster => Document::Roster(RosterDoc::deserialize(body)?),
            DocKind::Contact => Document::Contact(ContactDoc::deserialize(body)?),
            DocKind::Digital => Document::Digital(DigitalDoc::deserialize(body)?),
            DocKind::Stop => Document::Stop(StopDoc::deserialize(body)?),
            DocKind::CardRange => Document::CardRange(CardRangeDoc::deserialize(body)?),
        })
    }

    /// The body as it is stored and served.
    pub fn body(&self) -> serde_json::Value {
        let value = match self {
            Document::Title(d) => serde_json::to_value(d),
            Document::Item(d) => serde_json::to_value(d),
            Document::Patron(d) => serde_json::to_value(d),
            Document::Loan(d) => serde_json::to_value(d),
            Document::Hold(d) => serde_json::to_value(d),
            Document::Policy(d) => serde_json::to_value(d),
            Document::Promotion(d) => serde_json::to_value(d),
            Document::Event(d) => serde_json::to_value(d),
            Document::Roster(d) => serde_json::to_value(d),
            Document::Contact(d) => serde_json::to_value(d),
            Document::Digital(d) => serde_json::to_value(d),
            Document::Stop(d) => serde_json::to_value(d),
            Document::CardRange(d) => serde_json::to_value(d),
        };
        // Plain structs of strings, numbers and dates always serialise.
        value.unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleDoc {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_number: Option<String>,
    /// Subject headings; absent from documents older hubs wrote.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// The day the hub first had this title (new acquisitions without a copy's date);
    /// absent on titles from before the hub kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<Date>,
    /// The title online (MARC 856, the CSV's `url`): e-books, digitised copies, related pages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<OnlineLink>,
    /// How many times the hub's digital side of this title (its `digital` document: files,
    /// cover, description) changed: a change there is a change of the title for harvesters
    /// and feeds (its OAI-PMH datestamp moves). Kept across imports.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub digital_changes: u32,
}

/// A link to a title online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineLink {
    /// An `http(s)://` address.
    pub url: String,
    /// What the record calls it (MARC 856 `$y`, else `$3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub relation: LinkRelation,
}

/// What a link is to the title (MARC 856's second indicator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRelation {
    /// The resource itself (indicator 0): read it online.
    Resource,
    /// A version of it (indicator 1): an e-book of the printed book.
    Version,
    /// Something related (indicator 2, and any other).
    Related,
}

impl OnlineLink {
    /// A link from a record's address, if it is one a page may show (http or https only:
    /// never `javascript:` or a file on the reader's machine).
    pub fn new(url: &str, label: Option<&str>, relation: LinkRelation) -> Option<OnlineLink> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        let web = (lower.starts_with("https://") || lower.starts_with("http://"))
            && url.len() <= 2_000
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        web.then(|| OnlineLink {
            url: url.to_string(),
            label: label
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| l.chars().take(200).collect()),
            relation,
        })
    }
}

impl TitleDoc {
    pub fn from_record(r: &TitleRecord) -> TitleDoc {
        TitleDoc {
            title: r.title.clone(),
            author: r.author.clone(),
            isbn: r.isbn.clone(),
            call_number: r.call_number.clone(),
            subjects: r.subjects.clone(),
            added: None,
            links: r.links.clone(),
            digital_changes: 0,
        }
    }

    pub fn to_record(&self, key: &str) -> TitleRecord {
        TitleRecord {
            key: key.to_string(),
            title: self.title.clone(),
            author: self.author.clone(),
            isbn: self.isbn.clone(),
            call_number: self.call_number.clone(),
            subjects: self.subjects.clone(),
            links: self.links.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDoc {
    /// The title's key.
    pub title: String,
    pub item_type: String,
    /// A catalog status (available, lost, missing, withdrawn, not_for_loan); loans travel
    /// as loan documents.
    pub status: ItemStatus,
    #[serde(default)]
    pub damaged: bool,
    pub parts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_number: Option<String>,
    pub branch: String,
    /// When the library acquired it: the record's date, else the day the hub first had the
    /// copy; absent on copies from before the hub kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquired: Option<Date>,
}

impl ItemDoc {
    pub fn from_record(title_key: &str, r: &ItemRecord) -> ItemDoc {
        ItemDoc {
            title: title_key.to_string(),
            item_type: r.item_type.clone(),
            status: r.status,
            damaged: r.damaged,
            parts: r.parts,
            call_number: r.call_number.clone(),
            branch: r.branch.clone(),
            acquired: r.acquired,
        }
    }

    /// The copy as the circulation rules see it (`on_loan` when the central has a loan of
    /// it); `title_id` is 0, since the central knows titles by key.
    pub fn to_item(&self, barcode: &str, on_loan: bool) -> Item {
        Item {
            barcode: barcode.to_string(),
            title_id: 0,
            title: self.title.clone(),
            author: None,
            isbn: None,
            call_number: self.call_number.clone(),
            item_type: self.item_type.clone(),
            status: if on_loan && self.status == ItemStatus::Available {
                ItemStatus::OnLoan
            } else {
                self.status
            },
            damaged: self.damaged,
            parts: self.parts,
            home_branch: self.branch.clone(),
            transit_to: None,
        }
    }

    pub fn to_record(&self, barcode: &str) -> ItemRecord {
        ItemRecord {
            barcode: barcode.to_string(),
            item_type: self.item_type.clone(),
            status: self.status,
            damaged: self.damaged,
            parts: self.parts,
            call_number: self.call_number.clone(),
            branch: self.branch.clone(),
            acquired: self.acquired,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatronDoc {
    pub name: String,
    pub category: String,
    pub expires: Date,
    /// argon2id PHC string; never a PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_hash: Option<String>,
    #[serde(default)]
    pub blocked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_note: Option<String>,
    /// Outstanding fines in hundredths.
    #[serde(default)]
    pub fines: i64,
    /// Wrong PINs in a row, wherever entered: the lockout is the library's, not a station's.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pin_failures: u32,
    /// While in the future, the card's PIN is refused everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_locked_until: Option<jiff::Timestamp>,
    /// When the member joined (issue #32), if known. The hub's alone: never served to a
    /// station ([`PatronDoc::for_stations`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<Date>,
    /// The member's kelurahan, if given. The hub's alone, as `joined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kelurahan: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl PatronDoc {
    pub fn from_record(r: &PatronRecord) -> PatronDoc {
        PatronDoc {
            name: r.name.clone(),
            category: r.category.clone(),
            expires: r.expires,
            pin_hash: r.pin_hash.clone(),
            blocked: r.blocked,
            block_note: r.block_note.clone(),
            fines: r.fines.hundredths(),
            pin_failures: 0,
            pin_locked_until: None,
            joined: r.joined,
            kelurahan: r.kelurahan.clone(),
        }
    }

    /// The patron as the circulation rules see them.
    pub fn to_patron(&self, card: &str) -> Patron {
        Patron {
            card: card.to_string(),
            name: self.name.clone(),
            category: self.category.clone(),
            expires: self.expires,
            pin_hash: self.pin_hash.clone(),
            blocked: self.blocked,
            block_note: self.block_note.clone(),
            fines: Money::from_hundredths(self.fines),
            pin_failures: self.pin_failures,
            pin_locked_until: self.pin_locked_until,
        }
    }

    pub fn to_record(&self, card: &str) -> PatronRecord {
        PatronRecord {
            card: card.to_string(),
            name: self.name.clone(),
            category: self.category.clone(),
            expires: self.expires,
            pin_hash: self.pin_hash.clone(),
            blocked: self.blocked,
            block_note: self.block_note.clone(),
            fines: Money::from_hundredths(self.fines),
            contact: None,
            joined: self.joined,
            kelurahan: self.kelurahan.clone(),
        }
    }
}

/// An open loan the central knows of (key: item barcode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoanDoc {
    pub patron: String,
    /// When it was lent (RFC 3339, the hub's corrected time).
    pub issued: String,
    pub due: Date,
    #[serde(default)]
    pub renewals: u32,
    /// The station that lent it.
    pub station: String,
}

/// A hold (key: the id of what placed it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldDoc {
    pub patron: String,
    /// The title's key.
    pub title: String,
    /// Set for an item-level hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub pickup_branch: String,
    pub placed: String,
    pub status: HoldStatus,
    /// Where it was placed: a station's name, or `hub`.
    pub origin: String,
    /// The copy a return set aside for it (on the hold shelf or travelling there), as the
    /// hub learns it from the station's checkin; absent while it waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_aside: Option<String>,
    /// The last day it waits on the hold shelf, from the checkin that put it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_until: Option<Date>,
}

/// The circulation policy (key: `policy`): the TOML the library wrote, calendar included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDoc {
    pub source: String,
}

/// A promotion for the kiosk's welcome screen (key: its id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PromotionDoc {
    /// In Bahasa Indonesia (required).
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<Date>,
    /// In English, when the library wrote it (English screens fall back to Indonesian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_en: Option<String>,
    /// A picture (PNG or JPEG) as a `data:image/...;base64,` URI, at most [`MAX_IMAGE_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The stations that show it; every kiosk when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stations: Vec<String>,
}

/// A text in the reader's language: the English when the library wrote one, else the
/// Indonesian.
fn in_lang<'a>(
    indonesian: &'a str,
    english: Option<&'a str>,
    lang: crate::reason::Lang,
) -> &'a str {
    match (lang, english) {
        (crate::reason::Lang::En, Some(english)) => english,
        _ => indonesian,
    }
}

impl PromotionDoc {
    pub fn title_in(&self, lang: crate::reason::Lang) -> &str {
        in_lang(&self.title, self.title_en.as_deref(), lang)
    }

    pub fn body_in(&self, lang: crate::reason::Lang) -> &str {
        in_lang(&self.body, self.body_en.as_deref(), lang)
    }
}

/// The largest picture a promotion carries (decoded bytes): it travels to every kiosk.
pub const MAX_IMAGE_BYTES: usize = 300 * 1024;

/// Whether a station shows a promotion or event meant for `stations` (every station when empty).
pub fn shown_at(stations: &[String], station: &str) -> bool {
    stations.is_empty() || stations.iter().any(|s| s == station)
}

/// An event or literacy programme (key: its id), shown on the web and the kiosks' idle
/// screens. Times are the library's wall clock (its `timezone`), as posters print them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventDoc {
    pub title: String,
    pub starts: DateTime,
    pub ends: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Places; absent when anyone may come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    /// How many hold a place and how many wait for one: counts only (who they are stays in
    /// the hub's [`RosterDoc`]).
    #[serde(default)]
    pub registered: u32,
    #[serde(default)]
    pub waiting: u32,
    /// In English, when the library wrote it (English screens fall back to Indonesian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_en: Option<String>,
    /// The kiosks whose welcome screen shows it; every kiosk when empty (the web shows all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stations: Vec<String>,
}

impl EventDoc {
    pub fn title_in(&self, lang: crate::reason::Lang) -> &str {
        in_lang(&self.title, self.title_en.as_deref(), lang)
    }

    /// The description in the reader's language (the Indonesian one without an English).
    pub fn description_in(&self, lang: crate::reason::Lang) -> Option<&str> {
        match (lang, &self.description_en) {
            (crate::reason::Lang::En, Some(english)) => Some(english),
            _ => self.description.as_deref(),
        }
    }

    /// Places still free; `None` when the event has no limit.
    pub fn places_left(&self) -> Option<u32> {
        self.capacity.map(|c| c.saturating_sub(self.registered))
    }
}

/// A patron's contacts and the channel they consented to be told on (key: the card; issue
/// #30). Only the hub keeps it: no station role pulls it, as a stolen station must not carry
/// patrons' numbers and addresses ([`crate::contract::roles::StationRole::access`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactDoc {
    /// In the one form `+62…` ([`crate::contact::normalise_phone`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub notify: crate::contact::Notify,
    /// When and where the consent to `notify` was given (absent for `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    /// The messages the patron turned off (all are on until they do).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted: Vec<crate::contact::MessageKind>,
    /// The language messages are written in (`id` when none was chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// A mobile-library stop (key: its id; issue #32): where a route's bus or motorbike stops,
/// which day of the week and when. Public: the web's "Perpustakaan Keliling" shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopDoc {
    /// The route it is on ("Rute Utara").
    pub route: String,
    /// The stop's name ("SD Negeri 163").
    pub stop: String,
    pub kelurahan: String,
    /// Where exactly ("halaman sekolah").
    pub place: String,
    /// `monday` … `sunday`.
    pub day: String,
    /// The library's wall clock.
    pub start: jiff::civil::Time,
    pub end: jiff::civil::Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<String>,
}

/// The card numbers one mobile station gives the members it registers on the spot (key: the
/// station's name; issue #32): from `first` to `last`, the same length, differing only in
/// their trailing digits ("MB0100000" to "MB0100999"). The hub refuses a `register` for a
/// card outside the pushing station's range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRangeDoc {
    pub first: String,
    pub last: String,
    /// Ranges the station had before (`station cards` gave it a new one): cards from them,
    /// registered on the road before the bus heard of the new range, are still taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<(String, String)>,
}

impl CardRangeDoc {
    /// A range from `FIRST-LAST` as staff type it; why not, in a sentence.
    pub fn parse(text: &str) -> Result<CardRangeDoc, String> {
        let (first, last) = text.trim().split_once('-').ok_or_else(|| {
            format!("'{text}' is not a range of cards: write FIRST-LAST, e.g. MB0100000-MB0100999")
        })?;
        let range = CardRangeDoc {
            first: first.trim().to_string(),
            last: last.trim().to_string(),
            earlier: Vec::new(),
        };
        let (prefix, low) = range
            .split(&range.first)
            .ok_or_else(|| format!("'{}' does not end in digits", range.first))?;
        let (last_prefix, high) = range
            .split(&range.last)
            .ok_or_else(|| format!("'{}' does not end in digits", range.last))?;
        if prefix != last_prefix || range.first.len() != range.last.len() {
            return Err(format!(
                "'{}' and '{}' must have the same letters in front and the same length",
                range.first, range.last
            ));
        }
        if low > high {
            return Err(format!("'{}' comes after '{}'", range.first, range.last));
        }
        Ok(range)
    }

    /// A card's letters in front and its number, when it ends in digits.
    fn split<'a>(&self, card: &'a str) -> Option<(&'a str, u64)> {
        let digits = card.len() - card.bytes().rev().take_while(u8::is_ascii_digit).count();
        let number = card[digits..].parse().ok()?;
        Some((&card[..digits], number))
    }

    /// Whether `card` is one of this range's numbers.
    pub fn contains(&self, card: &str) -> bool {
        match (
            self.split(&self.first),
            self.split(&self.last),
            self.split(card),
        ) {
            (Some((prefix, low)), Some((_, high)), Some((card_prefix, n))) => {
                card.len() == self.first.len() && card_prefix == prefix && (low..=high).contains(&n)
            }
            _ => false,
        }
    }

    /// The range's cards in order, written as the range writes them (leading zeros kept).
    pub fn cards(&self) -> impl Iterator<Item = String> + '_ {
        let split = self.split(&self.first).zip(self.split(&self.last));
        let width = self.first.len();
        split
            .into_iter()
            .flat_map(move |((prefix, low), (_, high))| {
                let digits = width - prefix.len();
                (low..=high).map(move |n| format!("{prefix}{n:0digits$}"))
            })
    }

    /// How many cards it holds.
    pub fn size(&self) -> u64 {
        match (self.split(&self.first), self.split(&self.last)) {
            (Some((_, low)), Some((_, high))) => high - low + 1,
            _ => 0,
        }
    }

    /// Whether two ranges share a card (the earlier ranges of either included).
    pub fn overlaps(&self, other: &CardRangeDoc) -> bool {
        let shares = |a: &CardRangeDoc, b: &CardRangeDoc| {
            a.contains(&b.first)
                || a.contains(&b.last)
                || b.contains(&a.first)
                || b.contains(&a.last)
        };
        self.all()
            .any(|mine| other.all().any(|theirs| shares(&mine, &theirs)))
    }

    /// Whether the hub takes `card` from this station: its range now, or an earlier one.
    pub fn accepts(&self, card: &str) -> bool {
        self.all().any(|range| range.contains(card))
    }

    /// The range now and the earlier ones, each on its own.
    fn all(&self) -> impl Iterator<Item = CardRangeDoc> + '_ {
        std::iter::once((self.first.clone(), self.last.clone()))
            .chain(self.earlier.iter().cloned())
            .map(|(first, last)| CardRangeDoc {
                first,
                last,
                earlier: Vec::new(),
            })
    }

    /// This station's new range, the one it had kept as earlier.
    pub fn replaced_by(&self, mut next: CardRangeDoc) -> CardRangeDoc {
        next.earlier = self.earlier.clone();
        next.earlier.push((self.first.clone(), self.last.clone()));
        next
    }
}

impl StopDoc {
    /// The days as stops keep them (`day`), Monday first.
    pub const DAYS: [&'static str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];

    /// The stop's day of the week (`None` for a day that is none of [`StopDoc::DAYS`]).
    pub fn weekday(&self) -> Option<jiff::civil::Weekday> {
        let n = StopDoc::DAYS.iter().position(|d| *d == self.day)?;
        jiff::civil::Weekday::from_monday_one_offset(n as i8 + 1).ok()
    }
}

/// A title's digital side (key: the title's key; issue #31): the cover staff uploaded, the
/// files patrons read online, in order, and who may read them. The files themselves are on
/// the hub's disk by content hash; this names them. Only the hub keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DigitalDoc {
    /// Who may read the files (the cover is always public).
    #[serde(default)]
    pub access: DigitalAccess,
    /// Made at the hub as local content (a title with no physical copy: old photographs, a
    /// regional newspaper, a thesis), not a library system's record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local: bool,
    /// When the work was made, as the record writes it (`1938`, `2019-08-17`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The work's language as ISO 639 (`ind`, `eng`, `bbc` for Batak Toba).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The rights statement readers see ("Domain publik", "Hak cipta pada penulis").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<Cover>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<DigitalFile>,
}

/// Who may read a title's files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigitalAccess {
    /// Anyone.
    #[default]
    Public,
    /// Members signed in with card and PIN.
    Members,
    /// Only from the library's own networks (`[digital] onsite_networks`).
    Onsite,
}

impl DigitalAccess {
    pub const ALL: [DigitalAccess; 3] = [
        DigitalAccess::Public,
        DigitalAccess::Members,
        DigitalAccess::Onsite,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DigitalAccess::Public => "public",
            DigitalAccess::Members => "members",
            DigitalAccess::Onsite => "onsite",
        }
    }

    pub fn parse(code: &str) -> Option<DigitalAccess> {
        DigitalAccess::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// A cover in its two stored sizes (content hashes of JPEG files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    /// For the title page (at most 480 pixels wide).
    pub large: String,
    /// For lists and feeds (at most 160 pixels wide).
    pub small: String,
}

/// One file of a title, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitalFile {
    /// SHA-256 of the content, hex: the file's name on disk and in its address.
    pub hash: String,
    pub media: Media,
    /// The MIME type its content showed (never the uploaded name's).
    pub mime: String,
    pub bytes: u64,
    /// What staff called it (the uploaded file's name unless they wrote one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A picture's size in pixels (scans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// The distinct words of a PDF's text layer, lower case, space-separated: what search
    /// finds it by (pages without a text layer give none: nothing is OCRed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub words: String,
}

/// What a file is, as its content shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    Pdf,
    Epub,
    /// A JPEG or PNG: a scanned page, in order with the title's other pages.
    Image,
    /// MP3 or Ogg.
    Audio,
}

/// A consent as the law asks it kept (UU 27/2022): when, and where it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// RFC 3339.
    pub at: String,
    /// `import` (registration, with the import's date), `web`, `desk`, ...
    pub via: String,
}

/// Who registered for an event (key: the event's id). Only the hub keeps it: no station role
/// pulls it ([`crate::contract::roles::StationRole::access`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RosterDoc {
    /// Holding a place, in the order they registered.
    #[serde(default)]
    pub confirmed: Vec<Registration>,
    /// Waiting for a place, first come first served.
    #[serde(default)]
    pub waiting: Vec<Registration>,
    /// Came without holding a place (no registration, or from the waiting list's end):
    /// checked in at a kiosk or by staff.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub walk_ins: Vec<Registration>,
    /// The event as it was when staff withdrew it (its own document is gone): calendars
    /// that had it hear it is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawn>,
}

/// An event withdrawn, as it was, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withdrawn {
    pub event: EventDoc,
    pub at: Timestamp,
}

/// One registration: a member by card, or (where the library allows it) a guest by name and
/// phone number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub at: Timestamp,
    /// When they were checked in at the event, if they came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attended: Option<Timestamp>,
    /// Who checked them in: a kiosk's name, or the staff member's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_in_by: Option<String>,
    /// When a freed place came to them from the waiting list (they are told: issue #30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted: Option<Timestamp>,
}

/// The key of the one policy document.
pub const POLICY_KEY: &str = "policy";

#[cfg(test)]
mod tests {
    use super::super::strategies::{date, text};
    use super::*;
    use proptest::prelude::*;

    fn document() -> impl Strategy<Value = Document> {
        let status = prop_oneof![
            Just(ItemStatus::Available),
            Just(ItemStatus::Lost),
            Just(ItemStatus::Withdrawn)
        ];
        let hold_status = proptest::sample::select(HoldStatus::ALL.to_vec());
        prop_oneof![
            (
                text(),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::collection::vec(text(), 0..3)
            )
                .prop_map(|(title, author, isbn, subjects)| Document::Title(
                    TitleDoc {
                        title,
                        author,
                        isbn,
                        call_number: None,
                        subjects,
                        added: None,
                        links: vec![OnlineLink {
                            url: "https://ipusnas.id/book/1".into(),
                            label: Some("iPusnas".into()),
                            relation: LinkRelation::Version,
                        }],
                        digital_changes: 0,
                    }
                )),
            (text(), text(), status, any::<bool>(), 1u32..5, text()).prop_map(
                |(title, item_type, status, damaged, parts, branch)| Document::Item(ItemDoc {
                    title,
                    item_type,
                    status,
                    damaged,
                    parts,
                    call_number: None,
                    branch,
                    acquired: Some(jiff::civil::date(2026, 12, 7)),
                })
            ),
            (
                text(),
                text(),
                date(),
                proptest::option::of(text()),
                any::<bool>(),
                any::<i64>()
            )
                .prop_map(|(name, category, expires, pin_hash, blocked, fines)| {
                    Document::Patron(PatronDoc {
                        name,
                        category,
                        expires,
                        pin_hash,
                        blocked,
                        block_note: None,
                        fines,
                        pin_failures: 0,
                        pin_locked_until: None,
                        joined: None,
                        kelurahan: None,
                    })
                }),
            (text(), text(), date(), 0u32..9, text()).prop_map(
                |(patron, issued, due, renewals, station)| Document::Loan(LoanDoc {
                    patron,
                    issued,
                    due,
                    renewals,
                    station
                })
            ),
            (
                text(),
                text(),
                proptest::option::of(text()),
                hold_status,
                text()
            )
                .prop_map(|(patron, title, item, status, origin)| Document::Hold(
                    HoldDoc {
                        patron,
                        title,
                        item,
                        pickup_branch: "pusat".into(),
                        placed: "2026-11-01T00:00:00Z".into(),
                        status,
                        origin,
                        set_aside: None,
                        ready_until: None,
                    }
                )),
            text().prop_map(|source| Document::Policy(PolicyDoc { source })),
            (
                text(),
                text(),
                proptest::option::of(date()),
                proptest::option::of(text())
            )
                .prop_map(|(title, body, ends_on, english)| {
                    Document::Promotion(PromotionDoc {
                        title,
                        body: body.clone(),
                        starts_on: None,
                        ends_on,
                        title_en: english.clone(),
                        body_en: english,
                        image: Some("data:image/png;base64,iVBORw0KGgo=".into()),
                        stations: vec![body],
                    })
                }),
            (
                text(),
                proptest::option::of(text()),
                proptest::option::of(0u32..500),
                0u32..50
            )
                .prop_map(|(title, place, capacity, registered)| {
                    Document::Event(EventDoc {
                        title,
                        starts: jiff::civil::datetime(2026, 12, 15, 9, 0, 0, 0),
                        ends: jiff::civil::datetime(2026, 12, 15, 11, 30, 0, 0),
                        place,
                        description: None,
                        capacity,
                        registered,
                        waiting: 0,
                        title_en: Some("Children's writing class".into()),
                        description_en: None,
                        stations: vec!["kiosk-1".into()],
                    })
                }),
            (text(), proptest::option::of(text()), text()).prop_map(|(id, card, phone)| {
                let person = Registration {
                    id,
                    card,
                    name: None,
                    phone: Some(phone),
                    at: Timestamp::UNIX_EPOCH,
                    attended: None,
                    checked_in_by: None,
                    promoted: None,
                };
                let came = Registration {
                    attended: Some(Timestamp::UNIX_EPOCH),
                    checked_in_by: Some("kiosk-1".into()),
                    ..person.clone()
                };
                Document::Roster(RosterDoc {
                    confirmed: vec![person.clone(), came.clone()],
                    waiting: vec![person],
                    walk_ins: vec![came],
                    withdrawn: None,
                })
            }),
        ]
    }

    proptest! {
        /// What the hub stores and serves, a station reads back as the same document.
        #[test]
        fn every_document_round_trips_through_its_served_text(doc in document()) {
            let text = doc.body().to_string();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(Document::decode(doc.kind(), &value).unwrap(), doc);
        }
    }

    #[test]
    fn doc_kinds_serialise_as_their_codes() {
        for kind in DocKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.code().into())
            );
            assert_eq!(DocKind::parse(kind.code()), Some(kind));
        }
    }

    #[test]
    fn a_card_range_holds_its_numbers_and_nothing_else() {
        let range = CardRangeDoc::parse("MB0100998-MB0101002").unwrap();
        assert_eq!(
            range.cards().collect::<Vec<_>>(),
            [
                "MB0100998",
                "MB0100999",
                "MB0101000",
                "MB0101001",
                "MB0101002"
            ]
        );
        assert_eq!(range.size(), 5);
        for card in range.cards() {
            assert!(range.contains(&card), "{card}");
        }
        for outside in [
            "MB0100997",
            "MB0101003",
            "XB0101000",
            "MB101000",
            "MB01010000",
            "",
        ] {
            assert!(!range.contains(outside), "{outside}");
        }
        let other = CardRangeDoc::parse("MB0101002-MB0101100").unwrap();
        assert!(range.overlaps(&other) && other.overlaps(&range));
        let apart = CardRangeDoc::parse("MB0101003-MB0101100").unwrap();
        assert!(!range.overlaps(&apart));
        // A new range: its cards and the old range's are taken, the old one still overlaps.
        let widened = range.replaced_by(apart.clone());
        assert!(widened.accepts("MB0101050") && widened.accepts("MB0100999"));
        assert!(
            !widened.contains("MB0100999"),
            "new cards come from the new range only"
        );
        assert!(!widened.accepts("MB0101101"));
        assert!(widened.overlaps(&CardRangeDoc::parse("MB0100990-MB0100998").unwrap()));
        for wrong in ["MB01", "MB01-MB0X", "MB02-MB01", "MB01-XB02", "MB01-MB002"] {
            assert!(CardRangeDoc::parse(wrong).is_err(), "{wrong}");
        }
    }
}
