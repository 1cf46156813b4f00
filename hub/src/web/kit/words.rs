//! The word index behind the catalogue search: words of titles, authors and subjects, of
//! digital records' descriptions and PDFs' text layers, and ISBNs, each mapped to the titles
//! that carry them.
//!
//! In memory, built from the catalog documents and kept current from the change feed (see
//! [`super::catalog_view`]), so a search reads no table and costs the same on SQLite and
//! PostgreSQL. Titles get a slot number; a changed or deleted title leaves its old slot dead
//! (skipped by every search) and takes a new one, so postings stay sorted and append-only.

use std::collections::BTreeMap;

/// Which part of a title a search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    /// Title, author and subject words, a digital record's text, and the ISBN.
    #[default]
    All,
    Title,
    Author,
    Subject,
    Isbn,
}

impl Field {
    pub fn code(self) -> &'static str {
        match self {
            Field::All => "all",
            Field::Title => "title",
            Field::Author => "author",
            Field::Subject => "subject",
            Field::Isbn => "isbn",
        }
    }

    pub fn parse(code: &str) -> Option<Field> {
        [
            Field::All,
            Field::Title,
            Field::Author,
            Field::Subject,
            Field::Isbn,
        ]
        .into_iter()
        .find(|f| f.code() == code)
    }
}

/// The words of a text as the index keeps them: lowercase letters and digits, accents
/// folded for the Latin letters catalogues use ("Pramoedya Ananta Toer", "Gabriel García").
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                word.push(fold(lower));
            }
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// An ISBN as compared: its digits (and a final X), hyphens and spaces gone.
pub fn isbn_key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_digit() || *c == 'x' || *c == 'X')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The accented Latin letters of catalogue records, as their base letter.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ř' => 'r',
        other => other,
    }
}

/// What one title contributes to the index.
pub struct Indexed<'a> {
    pub title: &'a str,
    pub author: Option<&'a str>,
    pub subjects: &'a [String],
    pub isbn: Option<&'a str>,
    /// The title's digital side: its description and its PDFs' words (issue #31).
    pub text: Option<&'a str>,
}

/// Postings per field; a slot is a title's place in the caller's table.
#[derive(Default)]
pub struct WordIndex {
    title: BTreeMap<String, Vec<u32>>,
    author: BTreeMap<String, Vec<u32>>,
    subject: BTreeMap<String, Vec<u32>>,
    isbn: BTreeMap<String, Vec<u32>>,
    text: BTreeMap<String, Vec<u32>>,
}

impl WordIndex {
    /// Adds a title at `slot`; slots must be added in increasing order.
    pub fn add(&mut self, slot: u32, doc: &Indexed<'_>) {
        let post = |map: &mut BTreeMap<String, Vec<u32>>, word: String| {
            let list = map.entry(word).or_default();
            if list.last() != Some(&slot) {
                list.push(slot);
            }
        };
        for w in words(doc.title) {
            post(&mut self.title, w);
        }
        for w in doc.author.map(words).unwrap_or_default() {
            post(&mut self.author, w);
        }
        for subject in doc.subjects {
            for w in words(subject) {
                post(&mut self.subject, w);
            }
        }
        for w in doc.text.map(words).unwrap_or_default() {
            post(&mut self.text, w);
        }
        if let Some(isbn) = doc.isbn {
            let key = isbn_key(isbn);
            if !key.is_empty() {
                post(&mut self.isbn, key);
            }
        }
    }

    /// Slots of the titles that have every word of `query` in `field` (the last word may be
    /// the start of a word: "laskar pel" finds "Laskar Pelangi"), ascending. Dead slots are the
    /// caller's to skip.
    pub fn find(&self, query: &str, field: Field) -> Vec<u32> {
        if field == Field::Isbn || (field == Field::All && looks_like_isbn(query)) {
            let key = isbn_key(query);
            return self.isbn.get(&key).cloned().unwrap_or_default();
        }
        let terms = words(query);
        let Some((last, rest)) = terms.split_last() else {
            return Vec::new();
        };
        let maps: Vec<&BTreeMap<String, Vec<u32>>> = match field {
            Field::All => vec![&self.title, &self.author, &self.subject, &self.text],
            Field::Title => vec![&self.title],
            Field::Author => vec![&self.author],
            Field::Subject => vec![&self.subject],
            Field::Isbn => unreachable!("answered above"),
        };
        let mut lists: Vec<Vec<u32>> = rest
            .iter()
            .map(|term| union(maps.iter().filter_map(|m| m.get(term))))
            .collect();
        lists.push(union(maps.iter().flat_map(|m| {
            m.range(last.clone()..)
                .take_while(|(word, _)| word.starts_with(last.as_str()))
                .map(|(_, list)| list)
        })));
        // Rarest first: the intersection shrinks fastest.
        lists.sort_by_key(Vec::len);
        let mut lists = lists.into_iter();
        let mut found = lists.next().unwrap_or_default();
        for list in lists {
            found = intersect(&found, &list);
            if found.is_empty() {
                break;
            }
        }
        found
    }

    /// Whether any of `query`'s words is in the title's own words (ranks title matches first).
    pub fn in_title(&self, slot: u32, term: &str) -> bool {
        self.title
            .get(term)
            .is_some_and(|list| list.binary_search(&slot).is_ok())
    }
}

/// A query of digits (and hyphens, a final X) 10 or 13 long: an ISBN.
pub fn looks_like_isbn(query: &str) -> bool {
    let key = isbn_key(query);
    let only_isbn_chars = query
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | 'x' | 'X'));
    only_isbn_chars && (key.len() == 10 || key.len() == 13)
}

fn union<'a>(lists: impl Iterator<Item = &'a Vec<u32>>) -> Vec<u32> {
    let mut all: Vec<u32> = lists.flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> WordIndex {
        let mut index = WordIndex::default();
        let subjects = vec!["Indonesian fiction".to_string()];
        index.add(
            0,
            &Indexed {
                title: "Laskar Pelangi",
                author: Some("Andrea Hirata"),
                subjects: &subjects,
                isbn: Some("979-3062-79-7"),
                text: None,
            },
        );
        index.add(
            1,
            &Indexed {
                title: "Bumi Manusia",
                author: Some("Pramoedya Ananta Toer"),
                subjects: &subjects,
                isbn: Some("9789799731234"),
                text: Some("roman sejarah pergerakan nasional"),
            },
        );
        index.add(
            2,
            &Indexed {
                title: "Cien años de soledad",
                author: Some("Gabriel García Márquez"),
                subjects: &[],
                isbn: None,
                text: None,
            },
        );
        index
    }

    #[test]
    fn every_word_must_match_and_the_last_may_be_a_prefix() {
        let index = index();
        assert_eq!(index.find("laskar pelangi", Field::All), vec![0]);
        assert_eq!(index.find("Laskar pel", Field::All), vec![0]);
        assert_eq!(index.find("laskar manusia", Field::All), Vec::<u32>::new());
        assert_eq!(index.find("fiction", Field::All), vec![0, 1]);
        assert_eq!(index.find("", Field::All), Vec::<u32>::new());
    }

    #[test]
    fn fields_keep_to_themselves() {
        let index = index();
        assert_eq!(index.find("pramoedya", Field::Author), vec![1]);
        assert_eq!(index.find("pramoedya", Field::Title), Vec::<u32>::new());
        assert_eq!(index.find("fiction", Field::Subject), vec![0, 1]);
        assert_eq!(index.find("hirata laskar", Field::All), vec![0]);
        // A digital record's text is found by "everything", in no named field.
        assert_eq!(index.find("pergerakan", Field::All), vec![1]);
        assert_eq!(index.find("pergerakan", Field::Title), Vec::<u32>::new());
    }

    #[test]
    fn accents_and_isbn_hyphens_do_not_matter() {
        let index = index();
        assert_eq!(index.find("garcia marquez", Field::Author), vec![2]);
        assert_eq!(index.find("anos", Field::Title), vec![2]);
        assert_eq!(index.find("9793062797", Field::All), vec![0]);
        assert_eq!(index.find("978-979-973-123-4", Field::Isbn), vec![1]);
        assert!(looks_like_isbn("979-3062-79-7"));
        assert!(!looks_like_isbn("1984"));
    }
}
