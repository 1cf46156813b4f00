//! `/oai`: OAI-PMH 2.0, so Indonesia OneSearch (and any harvester) can gather the
//! catalogue (issue #31). All six verbs; `oai_dc` and `marcxml`; sets `koleksi-lokal` and
//! `digital` (always listed) and `item-type-<code>` per item type; `from`/`until` in UTC,
//! seconds or days; deleted titles reported (`deletedRecord` persistent: the catalogue keeps
//! a deleted document's key and revision).
//!
//! Records are listed in catalogue-revision order and a resumption token names the last
//! revision sent (with the span, the set, the format, the cursor and the list's size): a title
//! changed during a harvest moves behind and comes again, nothing is skipped, and the cursor
//! counts what was sent. Datestamps are the times the titles' revisions were taken
//! (`revision_times`). Without `[library] public_url` there is no base URL to give: `/oai`
//! answers 404.
//!
//! WORK IN PROGRESS (branch wip-31-oai): not routed yet, not tested.

use crate::storage::{Change, DocKind, HubError, Storage};
use crate::web::kit::WebState;
use crate::web::kit::catalog_view::CatalogView;
use base64::Engine;
use quick_xml::escape::escape;
use swalayan_core::contract::documents::{LinkRelation, TitleDoc};

/// Records in one `ListRecords` answer; identifiers in one `ListIdentifiers`.
pub const RECORDS_PER_PAGE: u32 = 500;
pub const IDENTIFIERS_PER_PAGE: u32 = 2_000;
/// Sets always listed, even when empty.
pub const LOCAL_SET: &str = "koleksi-lokal";
pub const DIGITAL_SET: &str = "digital";

/// An OAI-PMH error: its code and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    pub code: &'static str,
    pub message: String,
}

fn error(code: &'static str, message: impl Into<String>) -> OaiError {
    OaiError {
        code,
        message: message.into(),
    }
}

/// The arguments of a request, checked: each at most once, none unknown.
pub fn arguments(pairs: &[(String, String)]) -> Result<Vec<(String, String)>, OaiError> {
    const KNOWN: [&str; 7] = [
        "verb",
        "identifier",
        "metadataPrefix",
        "from",
        "until",
        "set",
        "resumptionToken",
    ];
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, value) in pairs {
        if name == "verb" && seen.iter().any(|(n, _)| n == "verb") {
            return Err(error("badVerb", "the verb is repeated"));
        }
        if !KNOWN.contains(&name.as_str()) {
            return Err(error("badArgument", format!("'{name}' is not an argument")));
        }
        if seen.iter().any(|(n, _)| n == name) {
            return Err(error("badArgument", format!("'{name}' is repeated")));
        }
        seen.push((name.clone(), value.clone()));
    }
    Ok(seen)
}

/// A harvest's position, carried in the resumption token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// `oai_dc` or `marcxml`.
    pub prefix: String,
    pub set: Option<String>,
    /// The revisions the request's from/until named.
    pub span: (i64, i64),
    /// The last revision sent.
    pub after: i64,
    /// Records sent before this page.
    pub cursor: u64,
    /// The list's size when it began (absent for a set's list: it is not counted).
    pub size: Option<u64>,
}

impl Position {
    pub fn token(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub fn from_token(token: &str) -> Result<Position, OaiError> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                error(
                    "badResumptionToken",
                    "this resumption token is not one of ours",
                )
            })
    }
}

/// The sets a title is in.
pub fn sets_of(view: &CatalogView, key: &str, doc: &TitleDoc) -> Vec<String> {
    let mut sets = Vec::new();
    let copies = view.copies(key);
    if copies.is_empty() && !doc.links.is_empty() {
        sets.push(LOCAL_SET.to_string());
    }
    if !doc.links.is_empty() {
        sets.push(DIGITAL_SET.to_string());
    }
    let mut types: Vec<String> = copies
        .iter()
        .map(|(copy, _)| item_type_set(&copy.doc.item_type))
        .collect();
    types.sort();
    types.dedup();
    sets.extend(types);
    sets
}

/// `item-type-<code>`, with what a setSpec may not hold replaced by `-`.
pub fn item_type_set(code: &str) -> String {
    let clean: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("item-type-{clean}")
}

/// The records of one page: scanned in revision order from the position, those in the set
/// kept, at most `limit`; returns them and the last revision scanned.
pub fn page(
    storage: &dyn Storage,
    view: &CatalogView,
    position: &Position,
    limit: u32,
) -> Result<(Vec<Change>, i64, bool), HubError> {
    let mut found = Vec::new();
    let mut after = position.after;
    // Bounded: a set's page scans at most this many batches.
    for _ in 0..1_000 {
        let batch = storage.kind_by_revision(DocKind::Title, position.span, after, limit)?;
        let Some(last) = batch.last().map(|c| c.rev) else {
            return Ok((found, after, false));
        };
        let full = batch.len() as u32 == limit;
        for change in batch {
            after = change.rev;
            let keep = match (&position.set, &change.body) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(set), Some(body)) => body
                    .clone()
                    .read::<TitleDoc>(&change.key)
                    .is_ok_and(|doc| sets_of(view, &change.key, &doc).contains(set)),
            };
            if keep {
                found.push(change);
                if found.len() as u32 == limit {
                    return Ok((found, after, true));
                }
            }
        }
        if !full {
            return Ok((found, last, false));
        }
    }
    Ok((found, after, true))
}

/// A title in Dublin Core (`oai_dc`).
pub fn dublin_core(doc: &TitleDoc, page: &str) -> String {
    let mut out = String::from(
        r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">"#,
    );
    let mut element = |name: &str, value: &str| {
        out.push_str(&format!("<dc:{name}>{}</dc:{name}>", escape(value)));
    };
    element("title", &doc.title);
    if let Some(author) = &doc.author {
        element("creator", author);
    }
    for subject in &doc.subjects {
        element("subject", subject);
    }
    element("identifier", page);
    if let Some(isbn) = &doc.isbn {
        element("identifier", &format!("ISBN:{isbn}"));
    }
    for link in &doc.links {
        element("identifier", &link.url);
    }
    element("type", "Text");
    out.push_str("</oai_dc:dc>");
    out
}

/// A title as MARCXML (MARC 21 slim): what the hub keeps of it, in its fields.
pub fn marcxml(key: &str, doc: &TitleDoc) -> String {
    let mut out = String::from(
        r#"<record xmlns="http://www.loc.gov/MARC21/slim" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.loc.gov/MARC21/slim http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"><leader>00000nam a2200000 a 4500</leader>"#,
    );
    out.push_str(&format!(
        r#"<controlfield tag="001">{}</controlfield>"#,
        escape(key)
    ));
    let mut field = |tag: &str, ind1: char, ind2: char, subfields: &[(char, &str)]| {
        out.push_str(&format!(
            r#"<datafield tag="{tag}" ind1="{ind1}" ind2="{ind2}">"#
        ));
        for (code, value) in subfields {
            out.push_str(&format!(
                r#"<subfield code="{code}">{}</subfield>"#,
                escape(*value)
            ));
        }
        out.push_str("</datafield>");
    };
    if let Some(isbn) = &doc.isbn {
        field("020", ' ', ' ', &[('a', isbn)]);
    }
    if let Some(call) = &doc.call_number {
        field("082", '0', '4', &[('a', call)]);
    }
    if let Some(author) = &doc.author {
        field("100", '1', ' ', &[('a', author)]);
    }
    field(
        "245",
        if doc.author.is_some() { '1' } else { '0' },
        '0',
        &[('a', &doc.title)],
    );
    for subject in &doc.subjects {
        field("650", ' ', '4', &[('a', subject)]);
    }
    for link in &doc.links {
        let ind2 = match link.relation {
            LinkRelation::Resource => '0',
            LinkRelation::Version => '1',
            LinkRelation::Related => '2',
        };
        match &link.label {
            Some(label) => field("856", '4', ind2, &[('u', &link.url), ('y', label)]),
            None => field("856", '4', ind2, &[('u', &link.url)]),
        }
    }
    out.push_str("</record>");
    out
}

/// Whether the web can answer OAI-PMH: a public address to give as the base URL.
pub fn base_url(state: &WebState) -> Option<String> {
    state
        .library
        .public_url
        .as_ref()
        .map(|url| format!("{url}/oai"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_checked_and_tokens_round_trip() {
        let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
        assert_eq!(
            arguments(&[pair("verb", "Identify"), pair("verb", "Identify")])
                .unwrap_err()
                .code,
            "badVerb"
        );
        assert_eq!(
            arguments(&[pair("verb", "ListSets"), pair("foo", "1")])
                .unwrap_err()
                .code,
            "badArgument"
        );
        let position = Position {
            prefix: "oai_dc".into(),
            set: Some("digital".into()),
            span: (0, 99),
            after: 42,
            cursor: 500,
            size: None,
        };
        assert_eq!(Position::from_token(&position.token()).unwrap(), position);
        assert_eq!(
            Position::from_token("nonsense!").unwrap_err().code,
            "badResumptionToken"
        );
        assert_eq!(item_type_set("buku referensi"), "item-type-buku-referensi");
    }
}
