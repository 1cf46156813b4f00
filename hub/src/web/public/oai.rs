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

use crate::storage::{Change, DocKind, HubError, Storage};
use crate::web::kit::WebState;
use crate::web::kit::catalog_view::CatalogView;
use base64::Engine;
use quick_xml::escape::escape;
use swalayan_core::contract::documents::{DigitalDoc, LinkRelation, Media, TitleDoc};

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
    let digital = view.digital(key);
    // Local content: the records staff made at the hub (a title with no copy).
    if digital.as_ref().is_some_and(|d| d.local) {
        sets.push(LOCAL_SET.to_string());
    }
    // Readable online: files at the hub, or links to the title elsewhere (MARC 856).
    if !doc.links.is_empty() || digital.as_ref().is_some_and(|d| !d.files.is_empty()) {
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

/// A title in Dublin Core (`oai_dc`), with its digital side when it has one (`page`: the
/// title's page; its files are read at `page/read/1`).
pub fn dublin_core(doc: &TitleDoc, page: &str, digital: Option<&DigitalDoc>) -> String {
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
    let mut kind = "Text";
    if let Some(digital) = digital {
        if let Some(description) = &digital.description {
            element("description", description);
        }
        if let Some(date) = &digital.date {
            element("date", date);
        }
        if let Some(language) = &digital.language {
            element("language", language);
        }
        if let Some(rights) = &digital.rights {
            element("rights", rights);
        }
        if !digital.files.is_empty() {
            element("identifier", &format!("{page}/read/1"));
            let mut formats: Vec<&str> = digital.files.iter().map(|f| f.mime.as_str()).collect();
            formats.sort();
            formats.dedup();
            for format in formats {
                element("format", format);
            }
            if digital.files.iter().all(|f| f.media == Media::Image) {
                kind = "StillImage";
            } else if digital.files.iter().all(|f| f.media == Media::Audio) {
                kind = "Sound";
            }
        }
    }
    element("type", kind);
    out.push_str("</oai_dc:dc>");
    out
}

/// A title as MARCXML (MARC 21 slim): what the hub keeps of it, in its fields (its digital
/// side: 520 description, 540 rights, 856 4 0 to read it at `read`).
pub fn marcxml(key: &str, doc: &TitleDoc, digital: Option<&DigitalDoc>, read: &str) -> String {
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
    if let Some(description) = digital.and_then(|d| d.description.as_ref()) {
        field("520", ' ', ' ', &[('a', description)]);
    }
    if let Some(rights) = digital.and_then(|d| d.rights.as_ref()) {
        field("540", ' ', ' ', &[('a', rights)]);
    }
    for subject in &doc.subjects {
        field("650", ' ', '4', &[('a', subject)]);
    }
    if digital.is_some_and(|d| !d.files.is_empty()) {
        field("856", '4', '0', &[('u', read), ('y', "Baca daring")]);
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

/// The verbs' answers (the envelope's inside) and what the request element says.
pub struct Answer {
    /// The request element's attributes (none for badVerb and badArgument).
    pub request: Vec<(String, String)>,
    pub body: Result<String, OaiError>,
}

/// `oai:<host>:<key>` (the key percent-encoded as an address's path would be).
pub fn identifier(host: &str, key: &str) -> String {
    format!(
        "oai:{host}:{}",
        crate::web::kit::title_path(key).trim_start_matches("/title/")
    )
}

/// The title key an identifier names, if it is one of ours.
pub fn key_of(host: &str, identifier: &str) -> Option<String> {
    let encoded = identifier.strip_prefix(&format!("oai:{host}:"))?;
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()
        .map(|k| k.into_owned())
}

/// `from`/`until`: a day or an instant in UTC to the second; `until` of a day is its end.
pub fn datestamp(text: &str, end_of_day: bool) -> Result<(jiff::Timestamp, bool), OaiError> {
    let bad = || {
        error(
            "badArgument",
            format!("'{text}' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
        )
    };
    if text.len() == 10 {
        let day: jiff::civil::Date = text.parse().map_err(|_| bad())?;
        let time = if end_of_day {
            jiff::civil::time(23, 59, 59, 0)
        } else {
            jiff::civil::time(0, 0, 0, 0)
        };
        let at = day
            .to_datetime(time)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map_err(|_| bad())?
            .timestamp();
        return Ok((at, true));
    }
    if text.len() == 20 && text.ends_with('Z') {
        return text.parse().map(|at| (at, false)).map_err(|_| bad());
    }
    Err(bad())
}

/// Answers one request; `host` is `public_url`'s host, `base` the base URL.
pub fn answer(
    storage: &dyn Storage,
    view: &CatalogView,
    item_types: &[String],
    host: &str,
    pages: &dyn Fn(&str) -> String,
    pairs: &[(String, String)],
) -> Answer {
    let args = match arguments(pairs) {
        Ok(args) => args,
        Err(e) => {
            return Answer {
                request: Vec::new(),
                body: Err(e),
            };
        }
    };
    let get = |name: &str| arg(&args, name);
    let Some(verb) = get("verb") else {
        return Answer {
            request: Vec::new(),
            body: Err(error("badVerb", "no verb")),
        };
    };
    let allowed: &[&str] = match verb {
        "Identify" => &[],
        "ListMetadataFormats" => &["identifier"],
        "ListSets" => &["resumptionToken"],
        "GetRecord" => &["identifier", "metadataPrefix"],
        "ListIdentifiers" | "ListRecords" => {
            &["metadataPrefix", "from", "until", "set", "resumptionToken"]
        }
        _ => {
            return Answer {
                request: Vec::new(),
                body: Err(error(
                    "badVerb",
                    format!("'{verb}' is not a verb of OAI-PMH"),
                )),
            };
        }
    };
    if let Some((name, _)) = args
        .iter()
        .find(|(n, _)| n != "verb" && !allowed.contains(&n.as_str()))
    {
        return Answer {
            request: Vec::new(),
            body: Err(error("badArgument", format!("{verb} takes no '{name}'"))),
        };
    }
    let request = args.clone();
    let body = match verb {
        "Identify" => Ok(String::new()),
        "ListMetadataFormats" => list_formats(storage, host, get("identifier")),
        "ListSets" => match get("resumptionToken") {
            Some(_) => Err(error("badResumptionToken", "ListSets is answered whole")),
            None => Ok(list_sets(item_types)),
        },
        "GetRecord" => get_record(
            storage,
            view,
            host,
            pages,
            get("identifier"),
            get("metadataPrefix"),
        ),
        _ => list(
            storage,
            view,
            item_types,
            host,
            pages,
            verb == "ListRecords",
            &args,
        ),
    };
    Answer { request, body }
}

/// An argument's value.
fn arg<'a>(args: &'a [(String, String)], name: &str) -> Option<&'a str> {
    args.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn check_prefix(prefix: Option<&str>) -> Result<&str, OaiError> {
    match prefix {
        None => Err(error("badArgument", "metadataPrefix is required")),
        Some(p @ ("oai_dc" | "marcxml")) => Ok(p),
        Some(other) => Err(error(
            "cannotDisseminateFormat",
            format!("'{other}' is not a format of this repository (oai_dc, marcxml)"),
        )),
    }
}

fn formats() -> String {
    concat!(
        "<metadataFormat><metadataPrefix>oai_dc</metadataPrefix>",
        "<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>",
        "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace></metadataFormat>",
        "<metadataFormat><metadataPrefix>marcxml</metadataPrefix>",
        "<schema>http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd</schema>",
        "<metadataNamespace>http://www.loc.gov/MARC21/slim</metadataNamespace></metadataFormat>",
    )
    .to_string()
}

fn list_formats(storage: &dyn Storage, host: &str, id: Option<&str>) -> Result<String, OaiError> {
    if let Some(id) = id {
        let exists = key_of(host, id)
            .map(|key| {
                storage
                    .document(DocKind::Title, &key)
                    .ok()
                    .flatten()
                    .is_some()
            })
            .unwrap_or(false);
        if !exists {
            return Err(error("idDoesNotExist", format!("no record '{id}'")));
        }
    }
    Ok(format!(
        "<ListMetadataFormats>{}</ListMetadataFormats>",
        formats()
    ))
}

fn list_sets(item_types: &[String]) -> String {
    let mut out = String::from("<ListSets>");
    let mut set = |spec: &str, name: &str| {
        out.push_str(&format!(
            "<set><setSpec>{}</setSpec><setName>{}</setName></set>",
            escape(spec),
            escape(name)
        ));
    };
    set(LOCAL_SET, "Koleksi lokal (local content)");
    set(DIGITAL_SET, "Koleksi digital (online)");
    for code in item_types {
        set(&item_type_set(code), &format!("Jenis koleksi: {code}"));
    }
    out.push_str("</ListSets>");
    out
}

/// A record's header: identifier, datestamp, sets (a deleted one says so and has none).
fn header(
    view: &CatalogView,
    host: &str,
    change: &Change,
    datestamp: &str,
) -> (String, Option<TitleDoc>) {
    let doc = change
        .body
        .clone()
        .and_then(|body| body.read::<TitleDoc>(&change.key).ok());
    let mut out = match doc {
        Some(_) => String::from("<header>"),
        None => String::from(r#"<header status="deleted">"#),
    };
    out.push_str(&format!(
        "<identifier>{}</identifier><datestamp>{}</datestamp>",
        escape(identifier(host, &change.key)),
        escape(datestamp)
    ));
    if let Some(doc) = &doc {
        for set in sets_of(view, &change.key, doc) {
            out.push_str(&format!("<setSpec>{}</setSpec>", escape(&set)));
        }
    }
    out.push_str("</header>");
    (out, doc)
}

/// A whole record in `prefix`.
fn record(
    view: &CatalogView,
    host: &str,
    pages: &dyn Fn(&str) -> String,
    change: &Change,
    datestamp: &str,
    prefix: &str,
) -> String {
    let (head, doc) = header(view, host, change, datestamp);
    let digital = doc.as_ref().and_then(|_| view.digital(&change.key));
    let page = pages(&change.key);
    let metadata = match (&doc, prefix) {
        (None, _) => String::new(),
        (Some(doc), "marcxml") => format!(
            "<metadata>{}</metadata>",
            marcxml(
                &change.key,
                doc,
                digital.as_ref(),
                &format!("{page}/read/1")
            )
        ),
        (Some(doc), _) => format!(
            "<metadata>{}</metadata>",
            dublin_core(doc, &page, digital.as_ref())
        ),
    };
    format!("<record>{head}{metadata}</record>")
}

fn datestamps(storage: &dyn Storage, changes: &[Change]) -> Result<Vec<String>, OaiError> {
    let revs: Vec<i64> = changes.iter().map(|c| c.rev).collect();
    let times = storage.revision_times(&revs).map_err(|e| {
        error(
            "badArgument",
            format!("the catalogue cannot be read now: {e}"),
        )
    })?;
    let now = crate::storage::instant_text(jiff::Timestamp::now());
    Ok(times
        .into_iter()
        .map(|t| t.unwrap_or_else(|| now.clone()))
        .collect())
}

fn get_record(
    storage: &dyn Storage,
    view: &CatalogView,
    host: &str,
    pages: &dyn Fn(&str) -> String,
    id: Option<&str>,
    prefix: Option<&str>,
) -> Result<String, OaiError> {
    let id = id.ok_or_else(|| error("badArgument", "identifier is required"))?;
    let prefix = check_prefix(prefix)?;
    let change = key_of(host, id)
        .and_then(|key| storage.document(DocKind::Title, &key).ok().flatten())
        .ok_or_else(|| error("idDoesNotExist", format!("no record '{id}'")))?;
    let stamp = datestamps(storage, std::slice::from_ref(&change))?;
    Ok(format!(
        "<GetRecord>{}</GetRecord>",
        record(view, host, pages, &change, &stamp[0], prefix)
    ))
}

fn list(
    storage: &dyn Storage,
    view: &CatalogView,
    item_types: &[String],
    host: &str,
    pages: &dyn Fn(&str) -> String,
    records: bool,
    args: &[(String, String)],
) -> Result<String, OaiError> {
    let get = |name: &str| arg(args, name);
    let read = |e: HubError| {
        error(
            "badArgument",
            format!("the catalogue cannot be read now: {e}"),
        )
    };
    let position = match get("resumptionToken") {
        Some(token) => {
            if ["metadataPrefix", "from", "until", "set"]
                .iter()
                .any(|a| get(a).is_some())
            {
                return Err(error(
                    "badArgument",
                    "resumptionToken is exclusive: send it alone with the verb",
                ));
            }
            Position::from_token(token)?
        }
        None => {
            let prefix = check_prefix(get("metadataPrefix"))?.to_string();
            let from = get("from").map(|t| datestamp(t, false)).transpose()?;
            let until = get("until").map(|t| datestamp(t, true)).transpose()?;
            if let (Some((f, fd)), Some((u, ud))) = (from, until) {
                if fd != ud {
                    return Err(error("badArgument", "from and until differ in granularity"));
                }
                if f > u {
                    return Err(error("badArgument", "from is after until"));
                }
            }
            let set = get("set").map(str::to_string);
            if let Some(set) = &set {
                let known = set == LOCAL_SET
                    || set == DIGITAL_SET
                    || item_types.iter().any(|t| item_type_set(t) == *set);
                if !known {
                    return Err(error("noRecordsMatch", format!("no set '{set}'")));
                }
            }
            let span = storage
                .revision_span(from.map(|f| f.0), until.map(|u| u.0))
                .map_err(read)?;
            let size = match set {
                None => Some(
                    u64::try_from(
                        storage
                            .count_by_revision(DocKind::Title, span)
                            .map_err(read)?,
                    )
                    .unwrap_or(0),
                ),
                Some(_) => None,
            };
            Position {
                prefix,
                set,
                span,
                after: -1,
                cursor: 0,
                size,
            }
        }
    };
    let limit = if records {
        RECORDS_PER_PAGE
    } else {
        IDENTIFIERS_PER_PAGE
    };
    let (changes, last, more) = page(storage, view, &position, limit).map_err(read)?;
    if changes.is_empty() && position.cursor == 0 {
        return Err(error("noRecordsMatch", "no record matches"));
    }
    let stamps = datestamps(storage, &changes)?;
    let verb = if records {
        "ListRecords"
    } else {
        "ListIdentifiers"
    };
    let mut out = format!("<{verb}>");
    for (change, stamp) in changes.iter().zip(&stamps) {
        if records {
            out.push_str(&record(view, host, pages, change, stamp, &position.prefix));
        } else {
            out.push_str(&header(view, host, change, stamp).0);
        }
    }
    let sent = position.cursor + changes.len() as u64;
    let size = position
        .size
        .map(|s| format!(r#" completeListSize="{}""#, s.max(sent)))
        .unwrap_or_default();
    if more {
        let next = Position {
            after: last,
            cursor: sent,
            ..position.clone()
        };
        out.push_str(&format!(
            r#"<resumptionToken{size} cursor="{}">{}</resumptionToken>"#,
            position.cursor,
            next.token()
        ));
    } else if position.cursor > 0 {
        // The last part of a list given in parts: an empty token closes it.
        out.push_str(&format!(
            r#"<resumptionToken{size} cursor="{}"/>"#,
            position.cursor
        ));
    }
    out.push_str(&format!("</{verb}>"));
    Ok(out)
}

/// The whole answer: the envelope around a verb's answer or an error.
pub fn envelope(
    base: &str,
    identify: &dyn Fn() -> String,
    answer: &Answer,
    now: jiff::Timestamp,
) -> String {
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">"#,
    );
    out.push_str(&format!(
        "<responseDate>{}</responseDate>",
        crate::storage::instant_text(now)
    ));
    out.push_str("<request");
    for (name, value) in &answer.request {
        out.push_str(&format!(r#" {name}="{}""#, escape(value.as_str())));
    }
    out.push_str(&format!(">{}</request>", escape(base)));
    match &answer.body {
        Ok(body) if body.is_empty() => out.push_str(&identify()),
        Ok(body) => out.push_str(body),
        Err(e) => out.push_str(&format!(
            r#"<error code="{}">{}</error>"#,
            e.code,
            escape(e.message.as_str())
        )),
    }
    out.push_str("</OAI-PMH>");
    out
}

/// `GET /oai?verb=…`.
pub async fn get(
    axum::extract::State(state): axum::extract::State<WebState>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> axum::response::Response {
    respond(state, query.unwrap_or_default()).await
}

/// `POST /oai` (a form: the protocol allows either).
pub async fn post(
    axum::extract::State(state): axum::extract::State<WebState>,
    body: String,
) -> axum::response::Response {
    respond(state, body).await
}

async fn respond(state: WebState, raw: String) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let Some(base) = base_url(&state) else {
        return (
            StatusCode::NOT_FOUND,
            "OAI-PMH needs [library] public_url: harvesters must be given the repository's own address (docs/hub-api.md)",
        )
            .into_response();
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    let work = tokio::task::spawn_blocking(move || -> Result<String, HubError> {
        state.view.refresh(state.storage.as_ref())?;
        let storage = state.storage.as_ref();
        let library = &state.library;
        let host = library
            .public_url
            .as_deref()
            .and_then(|url| reqwest::Url::parse(url).ok())
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_default();
        let item_types: Vec<String> = crate::catalog::policy(storage)?
            .item_types
            .keys()
            .cloned()
            .collect();
        let pages = |key: &str| library.url(&crate::web::kit::title_path(key));
        let answered = answer(storage, &state.view, &item_types, &host, &pages, &pairs);
        let identify = || {
            let earliest = storage
                .revision_times(&[0])
                .ok()
                .and_then(|t| t.into_iter().next().flatten())
                .unwrap_or_else(|| crate::storage::instant_text(jiff::Timestamp::now()));
            let email = library
                .email
                .clone()
                .unwrap_or_else(|| format!("admin@{host}"));
            format!(
                "<Identify><repositoryName>{}</repositoryName><baseURL>{}</baseURL>\
                 <protocolVersion>2.0</protocolVersion><adminEmail>{}</adminEmail>\
                 <earliestDatestamp>{earliest}</earliestDatestamp>\
                 <deletedRecord>persistent</deletedRecord>\
                 <granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>",
                escape(library.name.as_str()),
                escape(base.as_str()),
                escape(email.as_str()),
            )
        };
        Ok(envelope(
            &base,
            &identify,
            &answered,
            jiff::Timestamp::now(),
        ))
    })
    .await;
    match work {
        Ok(Ok(xml)) => ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "OAI-PMH failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "OAI-PMH ended abnormally");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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
