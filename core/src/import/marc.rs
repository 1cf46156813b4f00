//! MARC 21 bibliographic records, in ISO 2709 or MARCXML, told apart by content.
//!
//! Parsing is done by the `mrrc` crate. Around it this module frames ISO 2709 records itself
//! (a record ends at its terminator, 0x1D, so one broken record never hides the next), turns
//! MARC-8 records into UTF-8 before parsing (mrrc's binary reader decodes UTF-8 only), and
//! splits MARCXML into records so one bad record is skipped alone.

use super::csv::csv_title_key;
use super::{ImportError, ImportSink, ImportSummary, ItemRecord, TitleRecord};
use crate::contract::documents::OnlineLink;
use crate::domain::{ItemStatus, Policy};
use clap::Args;
use mrrc::encoding::{MarcEncoding, decode_bytes};
use mrrc::{RecoveryMode, ValidationLevel};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

const RECORD_TERMINATOR: u8 = 0x1D;
const FIELD_TERMINATOR: u8 = 0x1E;
const SUBFIELD_DELIMITER: u8 = 0x1F;
/// ISO 2709 writes a record's length in five digits.
const MAX_RECORD: usize = 99_999;

/// Where copies' barcodes sit in a record: a holdings field and subfield, e.g. Koha's 952$p.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldingsSpec {
    pub tag: [u8; 3],
    pub barcode: char,
}

impl HoldingsSpec {
    pub fn tag_str(&self) -> &str {
        std::str::from_utf8(&self.tag).unwrap_or("952")
    }
}

impl std::str::FromStr for HoldingsSpec {
    type Err = String;

    /// `952p`, `952$p` or `852p`.
    fn from_str(text: &str) -> Result<HoldingsSpec, String> {
        let cleaned: String = text.chars().filter(|&c| c != '$').collect();
        let bytes = cleaned.as_bytes();
        if bytes.len() == 4
            && bytes[..3].iter().all(u8::is_ascii_digit)
            && bytes[3].is_ascii_alphanumeric()
        {
            Ok(HoldingsSpec {
                tag: [bytes[0], bytes[1], bytes[2]],
                barcode: bytes[3] as char,
            })
        } else {
            Err(format!(
                "'{text}' is not a field and subfield like 952p or 852p"
            ))
        }
    }
}

/// Options for a MARC import.
pub struct MarcOptions<'a> {
    pub holdings: HoldingsSpec,
    pub policy: &'a Policy,
    /// Item type for copies whose holdings name none the policy knows.
    pub default_item_type: &'a str,
    pub default_branch: &'a str,
}

/// The two encodings of MARC a file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarcFormat {
    Iso2709,
    MarcXml,
}

/// Tells ISO 2709 from MARCXML by the first meaningful bytes, whatever the file is called.
pub fn detect_format(head: &[u8]) -> MarcFormat {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => MarcFormat::MarcXml,
        _ => MarcFormat::Iso2709,
    }
}

/// Imports one MARC file. Broken records are skipped and counted with the reason.
pub fn import_marc(
    path: &Path,
    options: &MarcOptions<'_>,
    sink: &mut dyn ImportSink,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary, ImportError> {
    let file = std::fs::File::open(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let head = reader.fill_buf().map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut summary = ImportSummary::default();
    match detect_format(head) {
        MarcFormat::Iso2709 => {
            // Framing and parsing run on a thread of their own, storing on this one: the two
            // halves of the work overlap (a few hundred records in flight at most).
            std::thread::scope(|scope| -> Result<(), ImportError> {
                let (parsed_tx, parsed_rx) =
                    std::sync::mpsc::sync_channel::<std::io::Result<Vec<(Parsed, u64)>>>(4);
                scope.spawn(move || parse_records(reader, options, parsed_tx));
                let mut index = 0u64;
                let mut consumed = 0u64;
                for batch in parsed_rx {
                    let batch = batch.map_err(|source| ImportError::Read {
                        path: path.to_path_buf(),
                        source,
                    })?;
                    for (parsed, through) in batch {
                        index += 1;
                        summary.records += 1;
                        consumed = through;
                        let at = || format!("{}#{index}", path.display());
                        store_parsed(parsed, sink, &mut summary, at)?;
                        if index.is_multiple_of(1024) {
                            progress(consumed);
                        }
                    }
                }
                progress(consumed);
                Ok(())
            })?;
        }
        MarcFormat::MarcXml => {
            let mut text = String::new();
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .map_err(|source| ImportError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
            text.push_str(&String::from_utf8_lossy(&bytes));
            for (index, chunk) in xml_records(&text).enumerate() {
                summary.records += 1;
                let at = || format!("{}#{}", path.display(), index + 1);
                match mrrc::marcxml::marcxml_to_record(chunk) {
                    Ok(record) => store_record(&record, options, sink, &mut summary, at)?,
                    Err(e) => summary.skip(at(), format!("unreadable MARCXML record: {e}")),
                }
            }
            progress(bytes.len() as u64);
        }
    }
    sink.flush()?;
    Ok(summary)
}

/// A record ready to store, or why it cannot be.
enum Parsed {
    Record {
        title: TitleRecord,
        items: Vec<ItemRecord>,
    },
    Skip(String),
}

/// Records parsed per message between the parsing thread and the storing one.
const PARSED_BATCH: usize = 256;

/// The parsing thread: frames, parses and reads each record, sending them in batches with
/// how far into the file they end. Stops when the storing side is gone (an error there).
fn parse_records<R: BufRead>(
    reader: R,
    options: &MarcOptions<'_>,
    parsed: std::sync::mpsc::SyncSender<std::io::Result<Vec<(Parsed, u64)>>>,
) {
    let mut framer = Iso2709Framer::new(reader);
    let mut batch = Vec::with_capacity(PARSED_BATCH);
    loop {
        match framer.next_frame() {
            Err(e) => {
                let _ = parsed.send(Err(e));
                return;
            }
            Ok(None) => break,
            Ok(Some(frame)) => {
                let record = match frame {
                    Frame::Oversized => {
                        Parsed::Skip("no record terminator within 99,999 bytes".to_string())
                    }
                    Frame::Record(bytes) => match parse_iso2709(bytes) {
                        Ok(record) => read_record(&record, options),
                        Err(reason) => Parsed::Skip(reason),
                    },
                };
                batch.push((record, framer.consumed));
                if batch.len() == PARSED_BATCH
                    && parsed
                        .send(Ok(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(PARSED_BATCH),
                        )))
                        .is_err()
                {
                    return;
                }
            }
        }
    }
    if !batch.is_empty() {
        let _ = parsed.send(Ok(batch));
    }
}

/// A parsed record's title and copies, or why it has none to store.
fn read_record(record: &mrrc::Record, options: &MarcOptions<'_>) -> Parsed {
    match title_of(record) {
        Some(title) => {
            let items = items_of(record, &title, options);
            Parsed::Record { title, items }
        }
        None => Parsed::Skip("the record has no title (245$a)".to_string()),
    }
}

fn store_record(
    record: &mrrc::Record,
    options: &MarcOptions<'_>,
    sink: &mut dyn ImportSink,
    summary: &mut ImportSummary,
    at: impl Fn() -> String,
) -> Result<(), ImportError> {
    store_parsed(read_record(record, options), sink, summary, at)
}

fn store_parsed(
    parsed: Parsed,
    sink: &mut dyn ImportSink,
    summary: &mut ImportSummary,
    at: impl Fn() -> String,
) -> Result<(), ImportError> {
    let (title, items) = match parsed {
        Parsed::Record { title, items } => (title, items),
        Parsed::Skip(reason) => {
            summary.skip(at(), reason);
            return Ok(());
        }
    };
    let (title_id, applied) = sink.title(&title)?;
    if !summary.applied(&at, applied, false) {
        return Ok(());
    }
    summary.imported += 1;
    for item in items {
        let applied = sink.item(title_id, &item)?;
        summary.applied(&at, applied, true);
    }
    Ok(())
}

/// One ISO 2709 record's bytes, or a run without a terminator that was too long to be one.
enum Frame {
    Record(Vec<u8>),
    Oversized,
}

/// Cuts a byte stream into records at their terminators, with bounded memory.
struct Iso2709Framer<R> {
    reader: R,
    consumed: u64,
}

impl<R: BufRead> Iso2709Framer<R> {
    fn new(reader: R) -> Self {
        Iso2709Framer {
            reader,
            consumed: 0,
        }
    }

    /// The next record; `None` at the end. Padding between or after records (record
    /// terminators, NULs, whitespace, a DOS end-of-file byte) is not a record, and neither
    /// are bytes after the last terminator.
    fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        let mut record = Vec::new();
        let mut oversized = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let (take, done) = match buf.iter().position(|&b| b == RECORD_TERMINATOR) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            if !oversized {
                record.extend_from_slice(&buf[..take]);
                if record.len() > MAX_RECORD + 16 {
                    oversized = true;
                    record = Vec::new();
                }
            }
            self.reader.consume(take);
            self.consumed += take as u64;
            if done {
                if oversized {
                    return Ok(Some(Frame::Oversized));
                }
                if is_padding(&record) {
                    record.clear();
                    continue;
                }
                return Ok(Some(Frame::Record(trimmed(record))));
            }
        }
    }
}

/// Bytes tools put around records that are no part of one: line breaks and spaces, NULs, a
/// DOS end-of-file byte (0x1A).
fn is_filler(byte: u8) -> bool {
    byte.is_ascii_whitespace() || byte == 0x00 || byte == 0x1A
}

/// Nothing but filler and record terminators: padding, not a record.
fn is_padding(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| is_filler(b) || b == RECORD_TERMINATOR)
}

/// A record without the filler before it.
fn trimmed(mut record: Vec<u8>) -> Vec<u8> {
    let start = record
        .iter()
        .position(|&b| !is_filler(b))
        .unwrap_or(record.len());
    record.drain(..start);
    record
}

/// Parses one framed ISO 2709 record, turning MARC-8 into UTF-8 first.
fn parse_iso2709(bytes: Vec<u8>) -> Result<mrrc::Record, String> {
    if bytes.len() < 25 {
        return Err(format!("{} bytes is too short for a record", bytes.len()));
    }
    let declared = std::str::from_utf8(&bytes[..5])
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .ok_or("the leader does not start with a five-digit record length")?;
    if declared != bytes.len() {
        return Err(format!(
            "the leader says {declared} bytes but the record has {}",
            bytes.len()
        ));
    }
    let bytes = if bytes[9] == b' ' && !bytes.is_ascii() {
        marc8_to_utf8(&bytes)?
    } else {
        bytes
    };
    match mrrc::parse_record_from_bytes(bytes, RecoveryMode::Lenient, ValidationLevel::Structural) {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err("empty record".into()),
        Err(e) => Err(format!("unreadable record: {e}")),
    }
}

/// Rewrites a MARC-8 record as the same record in UTF-8 (leader position 9 = 'a'), so every
/// field decodes; directory lengths and offsets are recomputed for the new byte lengths.
fn marc8_to_utf8(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let (mut leader, fields) = split_iso2709(bytes)?;
    let fields = fields
        .into_iter()
        .map(|(tag, data)| Ok((tag, transcode_field(data)?)))
        .collect::<Result<Vec<_>, String>>()?;
    leader[9] = b'a';
    let out = assemble_iso2709(&leader, &fields);
    if out.len() > MAX_RECORD {
        return Err("the record is too long once converted to UTF-8".into());
    }
    Ok(out)
}

/// A record's fields as (tag, data with the field terminator), in directory order.
pub type RawFields<'a> = Vec<([u8; 3], &'a [u8])>;

/// A record's leader and its fields, by directory.
pub fn split_iso2709(bytes: &[u8]) -> Result<([u8; 24], RawFields<'_>), String> {
    let leader: [u8; 24] = bytes
        .get(..24)
        .and_then(|l| l.try_into().ok())
        .ok_or("the record is shorter than its leader")?;
    let base: usize = std::str::from_utf8(&leader[12..17])
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&b| b > 24 && b <= bytes.len())
        .ok_or("the leader's base address of data is not valid")?;
    let directory = &bytes[24..base - 1];
    if !directory.len().is_multiple_of(12) {
        return Err("the directory is not a whole number of 12-byte entries".into());
    }
    let mut fields = Vec::with_capacity(directory.len() / 12);
    for entry in directory.chunks(12) {
        let number = |range: std::ops::Range<usize>| {
            std::str::from_utf8(&entry[range])
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .ok_or("a directory entry is not numeric")
        };
        let (length, start) = (number(3..7)?, number(7..12)?);
        let data = bytes
            .get(base + start..base + start + length)
            .ok_or("a directory entry points outside the record")?;
        fields.push(([entry[0], entry[1], entry[2]], data));
    }
    Ok((leader, fields))
}

/// Writes an ISO 2709 record: `leader` with its length and base address recomputed, a
/// directory for `fields` (each given with its field terminator), the record terminator.
pub fn assemble_iso2709<F: AsRef<[u8]>>(leader: &[u8; 24], fields: &[([u8; 3], F)]) -> Vec<u8> {
    let mut directory = Vec::with_capacity(fields.len() * 12);
    let mut data = Vec::new();
    for (tag, field) in fields {
        let field = field.as_ref();
        directory.extend_from_slice(tag);
        directory.extend_from_slice(format!("{:04}{:05}", field.len(), data.len()).as_bytes());
        data.extend_from_slice(field);
    }
    let base = 24 + directory.len() + 1;
    let total = base + data.len() + 1;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(format!("{total:05}").as_bytes());
    out.extend_from_slice(&leader[5..12]);
    out.extend_from_slice(format!("{base:05}").as_bytes());
    out.extend_from_slice(&leader[17..24]);
    out.extend_from_slice(&directory);
    out.push(FIELD_TERMINATOR);
    out.extend_from_slice(&data);
    out.push(RECORD_TERMINATOR);
    out
}

/// Decodes the MARC-8 text between a field's delimiters, keeping the delimiters themselves.
fn transcode_field(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() + 8);
    let mut segment_start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == SUBFIELD_DELIMITER || b == FIELD_TERMINATOR {
            decode_segment(&data[segment_start..i], &mut out)?;
            out.push(b);
            segment_start = i + 1;
        }
    }
    decode_segment(&data[segment_start..], &mut out)?;
    Ok(out)
}

fn decode_segment(segment: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    if segment.is_ascii() {
        out.extend_from_slice(segment);
        return Ok(());
    }
    let text = match super::marc8::decode_latin(segment) {
        Some(text) => text,
        None => decode_bytes(segment, MarcEncoding::Marc8)
            .map_err(|e| format!("bad MARC-8 text: {e}"))?,
    };
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The `<record>` elements of a MARCXML document, with or without a namespace prefix.
fn xml_records(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = 0;
    std::iter::from_fn(move || {
        let start = find_tag(text, rest, false)?;
        let close = find_tag(text, start + 1, true)?;
        let end = text[close..].find('>').map(|i| close + i + 1)?;
        rest = end;
        Some(&text[start..end])
    })
}

/// The byte offset of the next `<record`/`<x:record` (or closing `</...record`) tag.
fn find_tag(text: &str, from: usize, closing: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(i) = text.get(at..)?.find('<') {
        let open = at + i;
        let mut name_start = open + 1;
        if closing {
            if bytes.get(name_start) != Some(&b'/') {
                at = open + 1;
                continue;
            }
            name_start += 1;
        }
        let name_end = bytes[name_start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
            .map(|p| name_start + p)
            .unwrap_or(bytes.len());
        let name = &text[name_start..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == "record" {
            return Some(open);
        }
        at = open + 1;
    }
    None
}

/// Strips the ISBD punctuation MARC puts at the end of subfields (" /", " :", ",", ".").
fn tidy(text: &str) -> String {
    let trimmed = text
        .trim()
        .trim_end_matches([' ', '/', ':', ';', ',', '='])
        .trim();
    // A final period is punctuation unless it ends an abbreviation or initial ("Jr.", "A.").
    let trimmed = match trimmed.strip_suffix('.') {
        Some(stem) => {
            let last_word = stem.rsplit([' ', ',']).next().unwrap_or(stem);
            if last_word.chars().count() <= 2 || last_word.contains('.') {
                trimmed
            } else {
                stem
            }
        }
        None => trimmed,
    };
    trimmed.to_string()
}

fn subfields(field: &mrrc::Field, codes: &[char]) -> Option<String> {
    let parts: Vec<&str> = field
        .subfields
        .iter()
        .filter(|s| codes.contains(&s.code))
        .map(|s| s.value.trim())
        .filter(|v| !v.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn first(record: &mrrc::Record, tags: &[&str], codes: &[char]) -> Option<String> {
    tags.iter()
        .flat_map(|tag| record.fields_by_tag(tag))
        .find_map(|f| subfields(f, codes))
}

/// The title record of a bibliographic record.
fn title_of(record: &mrrc::Record) -> Option<TitleRecord> {
    let title = first(record, &["245"], &['a', 'b', 'n', 'p']).map(|t| tidy(&t))?;
    if title.is_empty() {
        return None;
    }
    let author = first(record, &["100", "110", "111"], &['a', 'b', 'c', 'd'])
        .or_else(|| first(record, &["245"], &['c']))
        .map(|a| tidy(&a));
    let isbn = record
        .fields_by_tag("020")
        .filter_map(|f| f.get_subfield('a'))
        .filter_map(|a| a.split_whitespace().next())
        .map(|a| {
            a.chars()
                .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
                .collect::<String>()
        })
        .find(|a| a.len() == 10 || a.len() == 13);
    let call_number = first(record, &["050", "090"], &['a', 'b'])
        .or_else(|| first(record, &["082", "092"], &['a']))
        .map(|c| c.trim().to_string());
    let subjects = subjects_of(record);
    let key = match record
        .get_control_field("001")
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(control) => format!("001:{control}"),
        None => csv_title_key(isbn.as_deref(), &title, author.as_deref()),
    };
    Some(TitleRecord {
        key,
        title,
        author,
        isbn,
        call_number,
        subjects,
        links: links_of(record),
    })
}

/// Most online links kept per title.
const MAX_LINKS: usize = 10;

/// The title online (MARC 856): `$u` the address, `$y` (else `$3`) its label, the second
/// indicator what it is (0 the resource, 1 a version of it, 2 related). Addresses that are
/// not http(s) are left out.
fn links_of(record: &mrrc::Record) -> Vec<OnlineLink> {
    use crate::contract::documents::LinkRelation;
    record
        .fields_by_tag("856")
        .filter_map(|field| {
            let relation = match field.indicator2 {
                '0' => LinkRelation::Resource,
                '1' => LinkRelation::Version,
                _ => LinkRelation::Related,
            };
            let label = field.get_subfield('y').or_else(|| field.get_subfield('3'));
            OnlineLink::new(field.get_subfield('u')?, label, relation)
        })
        .take(MAX_LINKS)
        .collect()
}

/// Most subject headings kept per title.
const MAX_SUBJECTS: usize = 12;

/// Subject headings (personal and corporate names, uniform titles, topics, places, genres),
/// each with its subdivisions: "Indonesian fiction -- 20th century".
fn subjects_of(record: &mrrc::Record) -> Vec<String> {
    let mut subjects: Vec<String> = Vec::new();
    for tag in ["600", "610", "611", "630", "650", "651", "655"] {
        for field in record.fields_by_tag(tag) {
            let parts: Vec<String> = field
                .subfields
                .iter()
                .filter(|s| matches!(s.code, 'a' | 'b' | 'c' | 'd' | 't' | 'v' | 'x' | 'y' | 'z'))
                .map(|s| tidy(&s.value))
                .filter(|v| !v.is_empty())
                .collect();
            let heading = parts.join(" -- ");
            if !heading.is_empty() && !subjects.contains(&heading) && subjects.len() < MAX_SUBJECTS
            {
                subjects.push(heading);
            }
        }
    }
    subjects
}

/// The copies a record's holdings fields describe. Koha's 952 is read in full (lost,
/// withdrawn, not-for-loan, damaged, home branch, item type, call number).
fn items_of(
    record: &mrrc::Record,
    title: &TitleRecord,
    options: &MarcOptions<'_>,
) -> Vec<ItemRecord> {
    let tag = options.holdings.tag_str();
    let koha = tag == "952";
    let mut items = Vec::new();
    for field in record.fields_by_tag(tag) {
        let get = |code: char| {
            field
                .get_subfield(code)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let flag = |code: char| koha && get(code).is_some_and(|v| v != "0");
        let Some(barcode) = get(options.holdings.barcode) else {
            continue;
        };
        let item_type = [if koha { get('y') } else { None }]
            .into_iter()
            .flatten()
            .map(str::to_ascii_lowercase)
            .find(|t| options.policy.item_types.contains_key(t))
            .unwrap_or_else(|| options.default_item_type.to_string());
        let status = if flag('1') {
            ItemStatus::Lost
        } else if flag('0') {
            ItemStatus::Withdrawn
        } else if flag('7') {
            ItemStatus::NotForLoan
        } else {
            ItemStatus::Available
        };
        let branch = if koha { get('a') } else { get('b') };
        let call_number = if koha { get('o') } else { get('h') }
            .map(str::to_string)
            .or_else(|| title.call_number.clone());
        items.push(ItemRecord {
            barcode: barcode.to_string(),
            item_type,
            status,
            damaged: flag('4'),
            parts: 1,
            call_number,
            branch: branch.unwrap_or(options.default_branch).to_string(),
            // Koha's date acquired; a value that is no date is left out, not guessed.
            acquired: if koha { get('d') } else { None }
                .and_then(|d| d.get(..10))
                .and_then(|d| d.parse().ok()),
        });
    }
    items
}

/// `import marc` arguments, shared by the station's CLI and the hub's.
#[derive(Debug, Clone, Args)]
pub struct MarcImportArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Holdings field and subfield with item barcodes (Koha: 952p; MARC holdings: 852p).
    #[arg(long, default_value = "952p")]
    pub item_barcode: String,
    /// Item type of copies whose holdings name none the policy knows.
    #[arg(long, default_value = "book")]
    pub item_type: String,
}

impl MarcImportArgs {
    /// The importer's options, or a usage message naming the bad argument.
    pub fn options<'a>(
        &'a self,
        policy: &'a Policy,
        default_branch: &'a str,
    ) -> Result<MarcOptions<'a>, String> {
        let holdings = self
            .item_barcode
            .parse()
            .map_err(|e: String| format!("--item-barcode {}: {e}", self.item_barcode))?;
        if !policy.item_types.contains_key(&self.item_type) {
            return Err(format!(
                "--item-type {}: the policy knows {}",
                self.item_type,
                policy.item_type_codes()
            ));
        }
        Ok(MarcOptions {
            holdings,
            policy,
            default_item_type: &self.item_type,
            default_branch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_told_by_content() {
        assert_eq!(
            detect_format(b"00127     2200037   4500"),
            MarcFormat::Iso2709
        );
        assert_eq!(detect_format(b"  \n<?xml version"), MarcFormat::MarcXml);
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF<collection>"),
            MarcFormat::MarcXml
        );
    }

    #[test]
    fn holdings_spec_parses() {
        assert_eq!(
            "952p".parse::<HoldingsSpec>(),
            Ok(HoldingsSpec {
                tag: *b"952",
                barcode: 'p'
            })
        );
        assert_eq!("852$p".parse::<HoldingsSpec>().map(|h| h.barcode), Ok('p'));
        assert!("95p".parse::<HoldingsSpec>().is_err());
    }

    #[test]
    fn xml_records_are_split_with_or_without_prefix() {
        let text = r#"<collection><marc:record><x/></marc:record><recordset/><record a="1">y</record></collection>"#;
        let records: Vec<&str> = xml_records(text).collect();
        assert_eq!(
            records,
            vec![
                "<marc:record><x/></marc:record>",
                r#"<record a="1">y</record>"#
            ]
        );
    }

    #[test]
    fn online_links_come_from_856_with_what_they_are_and_only_on_the_web() {
        let xml = r#"<record xmlns="http://www.loc.gov/MARC21/slim">
          <leader>00000nam a2200000 a 4500</leader>
          <controlfield tag="001">43</controlfield>
          <datafield tag="245" ind1="1" ind2="0"><subfield code="a">Bumi manusia</subfield></datafield>
          <datafield tag="856" ind1="4" ind2="1"><subfield code="u">https://ipusnas.id/book/123</subfield><subfield code="y">iPusnas</subfield></datafield>
          <datafield tag="856" ind1="4" ind2="0"><subfield code="3">Scan</subfield><subfield code="u">http://arsip.example.go.id/bm.pdf</subfield></datafield>
          <datafield tag="856" ind1="4" ind2="2"><subfield code="u">javascript:alert(1)</subfield></datafield>
          <datafield tag="856" ind1="4" ind2=" "><subfield code="u">https://id.wikipedia.org/wiki/Bumi_Manusia</subfield></datafield>
        </record>"#;
        let record = mrrc::marcxml::marcxml_to_record(xml).unwrap();
        let links = title_of(&record).unwrap().links;
        use crate::contract::documents::LinkRelation;
        let got: Vec<(&str, Option<&str>, LinkRelation)> = links
            .iter()
            .map(|l| (l.url.as_str(), l.label.as_deref(), l.relation))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "https://ipusnas.id/book/123",
                    Some("iPusnas"),
                    LinkRelation::Version
                ),
                (
                    "http://arsip.example.go.id/bm.pdf",
                    Some("Scan"),
                    LinkRelation::Resource
                ),
                (
                    "https://id.wikipedia.org/wiki/Bumi_Manusia",
                    None,
                    LinkRelation::Related
                ),
            ]
        );
    }

    #[test]
    fn subject_headings_are_kept_with_their_subdivisions_once_each() {
        let xml = r#"<record xmlns="http://www.loc.gov/MARC21/slim">
          <leader>00000nam a2200000 a 4500</leader>
          <controlfield tag="001">42</controlfield>
          <datafield tag="245" ind1="1" ind2="0"><subfield code="a">Laskar pelangi /</subfield></datafield>
          <datafield tag="650" ind1=" " ind2="0"><subfield code="a">Indonesian fiction</subfield><subfield code="y">21st century.</subfield></datafield>
          <datafield tag="651" ind1=" " ind2="0"><subfield code="a">Belitung Island (Indonesia)</subfield><subfield code="v">Fiction.</subfield></datafield>
          <datafield tag="650" ind1=" " ind2="0"><subfield code="a">Indonesian fiction</subfield><subfield code="y">21st century.</subfield></datafield>
          <datafield tag="500" ind1=" " ind2=" "><subfield code="a">Not a subject.</subfield></datafield>
        </record>"#;
        let record = mrrc::marcxml::marcxml_to_record(xml).unwrap();
        let title = title_of(&record).unwrap();
        assert_eq!(
            title.subjects,
            vec![
                "Indonesian fiction -- 21st century",
                "Belitung Island (Indonesia) -- Fiction"
            ]
        );
    }

    fn frames(data: &[u8]) -> Vec<Vec<u8>> {
        let mut framer = Iso2709Framer::new(data);
        let mut frames = Vec::new();
        while let Some(frame) = framer.next_frame().unwrap() {
            match frame {
                Frame::Record(bytes) => frames.push(bytes),
                Frame::Oversized => panic!("not oversized"),
            }
        }
        frames
    }

    #[test]
    fn padding_and_bytes_after_the_last_terminator_are_not_records() {
        assert_eq!(
            frames(b"abc\x1d\ndef\x1d\x1d\x1d\x00"),
            vec![b"abc\x1d".to_vec(), b"def\x1d".to_vec()],
            "terminators and a NUL after the last record"
        );
        assert_eq!(
            frames(b"\x00\r\nabc\x1d \x1a"),
            vec![b"abc\x1d".to_vec()],
            "filler before a record, a DOS end-of-file byte after"
        );
        assert_eq!(
            frames(b"abc\x1d\ndef\x1dtrailing"),
            vec![b"abc\x1d".to_vec(), b"def\x1d".to_vec()],
            "no terminator after them: not a record"
        );
    }

    #[test]
    fn tidy_strips_isbd_punctuation() {
        assert_eq!(tidy("Programming Perl /"), "Programming Perl");
        assert_eq!(tidy("Wall, Larry."), "Wall, Larry");
        assert_eq!(tidy("Smith, John, Jr."), "Smith, John, Jr.");
        assert_eq!(tidy("Laskar pelangi :"), "Laskar pelangi");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever bytes a file holds, framing and parsing never panic.
        #[test]
        fn any_bytes_frame_and_parse_without_panicking(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut framer = Iso2709Framer::new(&data[..]);
            let mut frames = 0;
            while let Ok(Some(frame)) = framer.next_frame() {
                frames += 1;
                if let Frame::Record(bytes) = frame {
                    let _ = parse_iso2709(bytes);
                }
                prop_assert!(frames <= data.len() + 1);
            }
        }

        /// A record-shaped prefix with random content still never panics (MARC-8 path too).
        #[test]
        fn leader_shaped_garbage_never_panics(body in proptest::collection::vec(any::<u8>(), 0..600), coding in prop_oneof![Just(b' '), Just(b'a')]) {
            let total = 24 + body.len() + 1;
            let mut record = format!("{total:05}nam {}22{:05}   4500", coding as char, 24 + body.len() / 2).into_bytes();
            record.extend_from_slice(&body);
            record.push(RECORD_TERMINATOR);
            let _ = parse_iso2709(record);
        }

        #[test]
        fn marc8_decoding_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = super::super::marc8::decode_latin(&data);
            let _ = transcode_field(&data);
        }
    }
}
