//! Patrons and items from CSV files with a header row; extra columns are ignored.
//!
//! Patrons: `card,name,category,expires,pin,blocked,fines` (+ optional `block_note`).
//! Items: `barcode,title,author,isbn,item_type,status,call_number` (+ optional `parts`,
//! `branch`, `damaged`, `acquired` as `YYYY-MM-DD`, `url`: the title's e-book).

use super::{
    ImportError, ImportSink, ImportSummary, ItemRecord, PatronRecord, TitleRecord, at_line,
};
use crate::circulation::pin::{hash_pin, is_pin_hash};
use crate::domain::{ItemStatus, Money, Policy};
use std::collections::HashMap;
use std::path::Path;

/// What an import needs to know besides the file.
pub struct ImportContext<'a> {
    pub policy: &'a Policy,
    /// Branch for items whose row names none.
    pub default_branch: &'a str,
}

/// Column positions by lower-case header name.
struct Header(HashMap<String, usize>);

impl Header {
    fn read(
        path: &Path,
        reader: &mut csv::Reader<std::fs::File>,
        required: &[&str],
    ) -> Result<Header, ImportError> {
        let headers = reader.headers().map_err(|e| ImportError::Format {
            path: path.to_path_buf(),
            message: format!("cannot read the header row: {e}"),
        })?;
        let map: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                (
                    h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase(),
                    i,
                )
            })
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !map.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "the header row lacks column(s) {}; it must name at least: {}",
                    missing.join(", "),
                    required.join(",")
                ),
            });
        }
        Ok(Header(map))
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0
            .get(name)
            .and_then(|&i| row.get(i))
            .unwrap_or("")
            .trim()
    }

    fn optional<'r>(&self, row: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
        Some(self.get(row, name)).filter(|v| !v.is_empty())
    }
}

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>, ImportError> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(source) => ImportError::Read {
                path: path.to_path_buf(),
                source,
            },
            other => ImportError::Format {
                path: path.to_path_buf(),
                message: format!("{other:?}"),
            },
        })
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" | "n" | "tidak" => Some(false),
        "true" | "yes" | "1" | "y" | "ya" => Some(true),
        _ => None,
    }
}

/// A patron row before its PIN is hashed.
struct PatronRow {
    line: u64,
    record: PatronRecord,
    /// A PIN in clear from the file, hashed before storing.
    clear_pin: Option<String>,
}

fn patron_row(
    header: &Header,
    row: &csv::StringRecord,
    policy: &Policy,
) -> Result<(PatronRecord, Option<String>), String> {
    let card = header.get(row, "card");
    if card.is_empty() {
        return Err("the card number is empty".into());
    }
    let category = header.get(row, "category");
    if !policy.categories.contains_key(category) {
        return Err(format!(
            "unknown category '{category}' (the policy knows: {}); import a policy that has it first",
            policy.category_codes()
        ));
    }
    let expires_text = header.get(row, "expires");
    let expires = expires_text
        .parse()
        .map_err(|_| format!("expires '{expires_text}' is not a date like 2027-12-31"))?;
    let blocked_text = header.get(row, "blocked");
    let blocked = parse_bool(blocked_text)
        .ok_or_else(|| format!("blocked '{blocked_text}' is not true or false"))?;
    let fines: Money = header
        .get(row, "fines")
        .parse()
        .map_err(|e| format!("fines: {e}"))?;
    let contact = contact_columns(header, row)?;
    let joined = header
        .optional(row, "joined")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|text| {
            text.parse::<jiff::civil::Date>()
                .map_err(|_| format!("joined '{text}' is not a date (YYYY-MM-DD)"))
        })
        .transpose()?;
    let pin = header.get(row, "pin");
    let (pin_hash, clear_pin) = if pin.is_empty() {
        (None, None)
    } else if is_pin_hash(pin) {
        (Some(pin.to_string()), None)
    } else {
        (None, Some(pin.to_string()))
    };
    Ok((
        PatronRecord {
            card: card.to_string(),
            name: header.get(row, "name").to_string(),
            category: category.to_string(),
            expires,
            pin_hash,
            blocked,
            block_note: header.optional(row, "block_note").map(str::to_string),
            fines,
            contact,
            joined,
            kelurahan: header
                .optional(row, "kelurahan")
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string),
        },
        clear_pin,
    ))
}

/// The optional `phone`, `email` and `notify` columns (issue #30): a number in the one form
/// `+62…`, an address, the channel consented to; a channel without its contact, or a
/// contact that cannot be one, refuses the row.
fn contact_columns(
    header: &Header,
    row: &csv::StringRecord,
) -> Result<Option<crate::contact::ContactRecord>, String> {
    use crate::contact::{ContactRecord, Notify, check_email, normalise_phone};
    let phone = header
        .optional(row, "phone")
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let email = header
        .optional(row, "email")
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let notify = header
        .optional(row, "notify")
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if phone.is_none() && email.is_none() && notify.is_none() {
        return Ok(None);
    }
    let phone = phone.map(normalise_phone).transpose()?;
    let email = email.map(check_email).transpose()?;
    let notify = notify
        .map(|code| {
            Notify::parse(code)
                .ok_or_else(|| format!("notify '{code}' is not one of whatsapp, sms, email, none"))
        })
        .transpose()?;
    match notify {
        Some(Notify::Whatsapp | Notify::Sms) if phone.is_none() => {
            return Err("notify by whatsapp or sms needs a phone number".into());
        }
        Some(Notify::Email) if email.is_none() => {
            return Err("notify by email needs an e-mail address".into());
        }
        _ => {}
    }
    Ok(Some(ContactRecord {
        phone,
        email,
        notify,
    }))
}

/// Imports patrons. PINs in clear are hashed (argon2id) on every core before storing; a
/// column that already holds an argon2 hash is stored as it is.
pub fn import_patrons(
    path: &Path,
    ctx: &ImportContext<'_>,
    sink: &mut dyn ImportSink,
) -> Result<ImportSummary, ImportError> {
    let mut reader = open(path)?;
    let header = Header::read(path, &mut reader, &["card", "name", "category", "expires"])?;
    let mut summary = ImportSummary::default();
    let mut rows = Vec::new();
    for result in reader.records() {
        summary.records += 1;
        match result {
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                summary.skip(at_line(path, line), format!("unreadable row: {e}"));
            }
            Ok(row) => {
                let line = row.position().map(|p| p.line()).unwrap_or(0);
                match patron_row(&header, &row, ctx.policy) {
                    Ok((record, clear_pin)) => rows.push(PatronRow {
                        line,
                        record,
                        clear_pin,
                    }),
                    Err(reason) => summary.skip(at_line(path, line), reason),
                }
            }
        }
    }
    hash_clear_pins(&mut rows);
    for row in rows {
        let applied = sink.patron(&row.record)?;
        if summary.applied(|| at_line(path, row.line), applied, false) {
            summary.imported += 1;
        }
    }
    sink.flush()?;
    Ok(summary)
}

/// Hashing is the slow part of a patron import (milliseconds each): spread it over the cores.
fn hash_clear_pins(rows: &mut [PatronRow]) {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let chunk = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in rows.chunks_mut(chunk) {
            scope.spawn(move || {
                for row in part {
                    if let Some(pin) = row.clear_pin.take() {
                        row.record.pin_hash = Some(hash_pin(&pin));
                    }
                }
            });
        }
    });
}

/// The title key of a CSV item row: its ISBN, else its title and author.
pub fn csv_title_key(isbn: Option<&str>, title: &str, author: Option<&str>) -> String {
    match isbn {
        Some(isbn) => format!("isbn:{}", isbn.replace(['-', ' '], "")),
        None => format!(
            "title:{}|{}",
            title.to_lowercase(),
            author.unwrap_or("").to_lowercase()
        ),
    }
}

fn item_row(
    header: &Header,
    row: &csv::StringRecord,
    ctx: &ImportContext<'_>,
) -> Result<(TitleRecord, ItemRecord), String> {
    let barcode = header.get(row, "barcode");
    if barcode.is_empty() {
        return Err("the barcode is empty".into());
    }
    let title = header.get(row, "title");
    if title.is_empty() {
        return Err("the title is empty".into());
    }
    let item_type = header.get(row, "item_type");
    if !ctx.policy.item_types.contains_key(item_type) {
        return Err(format!(
            "unknown item type '{item_type}' (the policy knows: {}); import a policy that has it first",
            ctx.policy.item_type_codes()
        ));
    }
    let status_text = header.get(row, "status");
    let status = if status_text.is_empty() {
        ItemStatus::Available
    } else {
        ItemStatus::from_code(status_text)
            .filter(|s| s.is_catalog_status())
            .ok_or_else(|| {
                format!("status '{status_text}' is not one of available, lost, missing, withdrawn, not_for_loan")
            })?
    };
    let parts = match header.get(row, "parts") {
        "" => 1,
        text => text
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| format!("parts '{text}' is not a whole number of at least 1"))?,
    };
    let damaged_text = header.get(row, "damaged");
    let damaged = parse_bool(damaged_text)
        .ok_or_else(|| format!("damaged '{damaged_text}' is not true or false"))?;
    let author = header.optional(row, "author");
    let isbn = header.optional(row, "isbn");
    let call_number = header.optional(row, "call_number").map(str::to_string);
    let acquired = header
        .optional(row, "acquired")
        .map(|text| {
            text.parse::<jiff::civil::Date>()
                .map_err(|_| format!("acquired '{text}' is not a date (YYYY-MM-DD)"))
        })
        .transpose()?;
    Ok((
        TitleRecord {
            key: csv_title_key(isbn, title, author),
            title: title.to_string(),
            author: author.map(str::to_string),
            isbn: isbn.map(str::to_string),
            call_number: call_number.clone(),
            subjects: Vec::new(),
            // An e-book of the title (iPusnas or another service).
            links: header
                .optional(row, "url")
                .map(|url| {
                    crate::contract::documents::OnlineLink::new(
                        url,
                        None,
                        crate::contract::documents::LinkRelation::Version,
                    )
                    .ok_or_else(|| format!("url '{url}' is not an http(s) address"))
                })
                .transpose()?
                .into_iter()
                .collect(),
        },
        ItemRecord {
            barcode: barcode.to_string(),
            item_type: item_type.to_string(),
            status,
            damaged,
            parts,
            call_number,
            branch: header
                .optional(row, "branch")
                .unwrap_or(ctx.default_branch)
                .to_string(),
            acquired,
        },
    ))
}

/// Imports copies, creating or updating their titles.
pub fn import_items(
    path: &Path,
    ctx: &ImportContext<'_>,
    sink: &mut dyn ImportSink,
) -> Result<ImportSummary, ImportError> {
    let mut reader = open(path)?;
    let header = Header::read(path, &mut reader, &["barcode", "title", "item_type"])?;
    let mut summary = ImportSummary::default();
    for result in reader.records() {
        summary.records += 1;
        let row = match result {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                summary.skip(at_line(path, line), format!("unreadable row: {e}"));
                continue;
            }
        };
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        match item_row(&header, &row, ctx) {
            Err(reason) => summary.skip(at_line(path, line), reason),
            Ok((title, item)) => {
                let (title_id, _) = sink.title(&title)?;
                let applied = sink.item(title_id, &item)?;
                if summary.applied(|| at_line(path, line), applied, true) {
                    summary.imported += 1;
                }
            }
        }
    }
    sink.flush()?;
    Ok(summary)
}
