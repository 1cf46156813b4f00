//! The central catalog's documents as they travel from the hub to stations (the bodies of
//! `GET /v1/changes`), and how import records become them.
//!
//! Each document has a kind and a key: a title by its source key, an item by barcode, a
//! patron by card, a loan by item barcode, a hold by its id (the UUID of the transaction or
//! hub command that placed it), the policy under the key `policy`, a promotion by its id.

use crate::domain::{ItemStatus, Money};
use crate::import::{ItemRecord, PatronRecord, TitleRecord};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleDoc {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_number: Option<String>,
}

impl TitleDoc {
    pub fn from_record(r: &TitleRecord) -> TitleDoc {
        TitleDoc {
            title: r.title.clone(),
            author: r.author.clone(),
            isbn: r.isbn.clone(),
            call_number: r.call_number.clone(),
        }
    }

    pub fn to_record(&self, key: &str) -> TitleRecord {
        TitleRecord {
            key: key.to_string(),
            title: self.title.clone(),
            author: self.author.clone(),
            isbn: self.isbn.clone(),
            call_number: self.call_number.clone(),
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
    /// waiting, ready, in_transit, fulfilled, cancelled, expired.
    pub status: String,
    /// Where it was placed: a station's name, or `hub`.
    pub origin: String,
}

/// The circulation policy (key: `policy`): the TOML the library wrote, calendar included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDoc {
    pub source: String,
}

/// A promotion for the kiosk's welcome screen (key: its id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromotionDoc {
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<Date>,
}

/// The key of the one policy document.
pub const POLICY_KEY: &str = "policy";
