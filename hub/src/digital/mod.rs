//! The digital library (issue #31): files staff attach to a title (PDF, EPUB, JPEG/PNG scans
//! in page order, MP3/Ogg audio), local-content records (a title with no physical copy:
//! old photographs of the city, a regional newspaper, a thesis), covers, and who may read
//! what.
//!
//! - [`settings`]: `[digital]` (`max_file_mb`, `onsite_networks`, `dir`).
//! - [`files`]: the files on disk by content hash, received whole or not at all.
//! - [`content`]: a file's kind by its content, a scan's size, a PDF's words (search), a
//!   cover's two sizes.
//!
//! A title's digital side is one `digital` document (key: the title's key), kept only at the
//! hub; the web reads it through the catalogue view. Files are never deleted when detached:
//! the same content may belong to another title, and a file on disk costs less than a lost
//! scan.

pub mod content;
pub mod files;
pub mod settings;

pub use files::{FileStore, Kept, StoreError};
pub use settings::DigitalSettings;

use crate::storage::{HubError, Result, Storage};
use std::net::IpAddr;
use swalayan_core::contract::documents::{
    Cover, DigitalAccess, DigitalDoc, DigitalFile, Media, TitleDoc,
};

/// Local-content records' keys start with this (a library system's link never removes them:
/// they are not its records).
pub const LOCAL_KEY_PREFIX: &str = "lokal-";

/// Whether a title key is a local-content record made at the hub.
pub fn is_local_key(key: &str) -> bool {
    key.starts_with(LOCAL_KEY_PREFIX)
}

/// Why a reader may not read a title's files, and so what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Members only: sign in with card and PIN.
    SignIn,
    /// Only in the library: come and read it there (its Wi-Fi or computers).
    InLibrary,
}

/// Whether a reader may read files of this access level: `member` when signed in with card
/// and PIN, `from` the address the request came from.
pub fn may_read(
    access: DigitalAccess,
    member: bool,
    from: IpAddr,
    settings: &DigitalSettings,
) -> std::result::Result<(), Refusal> {
    match access {
        DigitalAccess::Public => Ok(()),
        DigitalAccess::Members if member => Ok(()),
        DigitalAccess::Members => Err(Refusal::SignIn),
        DigitalAccess::Onsite if settings.is_onsite(from) => Ok(()),
        DigitalAccess::Onsite => Err(Refusal::InLibrary),
    }
}

/// What staff write about a local record or a title's digital side.
#[derive(Debug, Clone, Default)]
pub struct Description {
    pub access: DigitalAccess,
    pub date: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub rights: Option<String>,
}

/// A local-content record's own catalogue data (the title, its creator, its subjects).
#[derive(Debug, Clone, Default)]
pub struct LocalTitle {
    pub title: String,
    pub creator: Option<String>,
    pub subjects: Vec<String>,
}

/// Makes a local-content record: a title with no copy, dated today, and its description;
/// returns its key.
pub fn create_local(
    storage: &dyn Storage,
    title: LocalTitle,
    about: Description,
    today: jiff::civil::Date,
) -> Result<String> {
    let title = checked_title(title)?;
    let key = format!(
        "{LOCAL_KEY_PREFIX}{}",
        &uuid::Uuid::now_v7().simple().to_string()[..16]
    );
    let doc = TitleDoc {
        title: title.title,
        author: title.creator,
        subjects: title.subjects,
        isbn: None,
        call_number: None,
        added: Some(today),
        links: Vec::new(),
        digital_changes: 0,
    };
    let digital = DigitalDoc {
        local: true,
        ..described(DigitalDoc::default(), about)
    };
    storage.write(&mut |tx| {
        tx.put_doc(&key, Some(&doc))?;
        tx.put_doc(&key, Some(&digital))?;
        Ok(())
    })?;
    Ok(key)
}

/// Changes a title's digital description (and a local record's own title, creator and
/// subjects; an imported title's are its catalogue's).
pub fn describe(
    storage: &dyn Storage,
    key: &str,
    title: Option<LocalTitle>,
    about: Description,
) -> Result<()> {
    storage.write(&mut |tx| {
        let Some(mut doc) = tx.doc::<TitleDoc>(key)? else {
            return Err(HubError::NotFound(format!("no title {key}")));
        };
        let digital = tx.doc::<DigitalDoc>(key)?.unwrap_or_default();
        // Only a local record's own title is the hub's to change (and so to check).
        let own = title
            .clone()
            .filter(|_| digital.local)
            .map(checked_title)
            .transpose()?;
        if let Some(title) = own {
            doc.title = title.title;
            doc.author = title.creator;
            doc.subjects = title.subjects;
        }
        let changed = described(digital.clone(), about.clone());
        if changed != digital {
            doc.digital_changes = doc.digital_changes.saturating_add(1);
            tx.put_doc(key, Some(&changed))?;
        }
        tx.put_doc(key, Some(&doc))?;
        Ok(())
    })
}

/// Adds a file at the end of a title's files (a file already there is not added twice).
pub fn attach(storage: &dyn Storage, key: &str, file: DigitalFile) -> Result<()> {
    change(storage, key, |digital| {
        if !digital.files.iter().any(|f| f.hash == file.hash) {
            digital.files.push(file.clone());
        }
        Ok(())
    })
}

/// Removes a file from a title (the file stays on disk: see the module's note).
pub fn detach(storage: &dyn Storage, key: &str, hash: &str) -> Result<()> {
    change(storage, key, |digital| {
        let before = digital.files.len();
        digital.files.retain(|f| f.hash != hash);
        if digital.files.len() == before {
            return Err(HubError::NotFound(format!("{key} has no file {hash}")));
        }
        Ok(())
    })
}

/// Moves a file one place earlier (`up`) or later among a title's files (page order).
pub fn shift(storage: &dyn Storage, key: &str, hash: &str, up: bool) -> Result<()> {
    change(storage, key, |digital| {
        let Some(at) = digital.files.iter().position(|f| f.hash == hash) else {
            return Err(HubError::NotFound(format!("{key} has no file {hash}")));
        };
        let to = if up { at.checked_sub(1) } else { Some(at + 1) };
        if let Some(to) = to.filter(|t| *t < digital.files.len()) {
            digital.files.swap(at, to);
        }
        Ok(())
    })
}

/// Sets (or with `None` removes) a title's cover.
pub fn set_cover(storage: &dyn Storage, key: &str, cover: Option<Cover>) -> Result<()> {
    change(storage, key, |digital| {
        digital.cover = cover.clone();
        Ok(())
    })
}

/// A title's digital side, if it has one.
pub fn get(storage: &dyn Storage, key: &str) -> Result<Option<DigitalDoc>> {
    storage.one(key)
}

/// A file kept in the store, described from its content (`name`: what it was uploaded as,
/// kept as its label); refused when its kind is not one the library reads online.
pub fn describe_file(
    store: &FileStore,
    kept: &Kept,
    name: Option<&str>,
) -> std::result::Result<DigitalFile, String> {
    let (media, mime) = content::sniff(&kept.head)?;
    let path = store
        .path(&kept.hash)
        .ok_or_else(|| "the file has no place in the store".to_string())?;
    let (width, height) = match media {
        Media::Image => {
            let (w, h) = content::picture_size(&path)?;
            (Some(w), Some(h))
        }
        _ => (None, None),
    };
    let words = match media {
        Media::Pdf => content::pdf_words(&path),
        _ => String::new(),
    };
    Ok(DigitalFile {
        hash: kept.hash.clone(),
        media,
        mime: mime.to_string(),
        bytes: kept.bytes,
        label: name
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim().to_string())
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(200).collect()),
        width,
        height,
        words,
    })
}

/// Applies `edit` to a title's digital side in one write (a title must exist).
fn change(
    storage: &dyn Storage,
    key: &str,
    edit: impl Fn(&mut DigitalDoc) -> Result<()>,
) -> Result<()> {
    storage.write(&mut |tx| {
        let Some(mut title) = tx.doc::<TitleDoc>(key)? else {
            return Err(HubError::NotFound(format!("no title {key}")));
        };
        let before = tx.doc::<DigitalDoc>(key)?.unwrap_or_default();
        let mut digital = before.clone();
        edit(&mut digital)?;
        if digital != before {
            // The title changes with it: harvesters and feeds see the change.
            title.digital_changes = title.digital_changes.saturating_add(1);
            tx.put_doc(key, Some(&digital))?;
            tx.put_doc(key, Some(&title))?;
        }
        Ok(())
    })
}

fn described(mut digital: DigitalDoc, about: Description) -> DigitalDoc {
    let tidy = |t: Option<String>| t.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    digital.access = about.access;
    digital.date = tidy(about.date);
    digital.description = tidy(about.description);
    digital.language = tidy(about.language);
    digital.rights = tidy(about.rights);
    digital
}

fn checked_title(mut title: LocalTitle) -> Result<LocalTitle> {
    title.title = title.title.trim().to_string();
    if title.title.is_empty() {
        return Err(HubError::Invalid("a local record needs a title".into()));
    }
    title.creator = title
        .creator
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    title.subjects = title
        .subjects
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels_refuse_with_what_to_do() {
        let settings = DigitalSettings {
            onsite_networks: vec!["192.168.10.0/24".parse().unwrap()],
            ..DigitalSettings::defaults("hub.db")
        };
        let outside: IpAddr = "203.0.113.9".parse().unwrap();
        let inside: IpAddr = "192.168.10.20".parse().unwrap();
        assert_eq!(
            may_read(DigitalAccess::Public, false, outside, &settings),
            Ok(())
        );
        assert_eq!(
            may_read(DigitalAccess::Members, false, inside, &settings),
            Err(Refusal::SignIn)
        );
        assert_eq!(
            may_read(DigitalAccess::Members, true, outside, &settings),
            Ok(())
        );
        assert_eq!(
            may_read(DigitalAccess::Onsite, true, outside, &settings),
            Err(Refusal::InLibrary)
        );
        assert_eq!(
            may_read(DigitalAccess::Onsite, false, inside, &settings),
            Ok(())
        );
    }

    #[test]
    fn local_records_files_and_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
        let s = storage.as_ref();
        let key = create_local(
            s,
            LocalTitle {
                title: " Foto Kota Tebing Tinggi 1930-an ".into(),
                creator: Some("".into()),
                subjects: vec!["Tebing Tinggi -- Sejarah".into(), " ".into()],
            },
            Description {
                access: DigitalAccess::Onsite,
                rights: Some("Domain publik".into()),
                ..Description::default()
            },
            jiff::civil::date(2026, 12, 7),
        )
        .unwrap();
        assert!(is_local_key(&key));
        let title: TitleDoc = s.one(&key).unwrap().unwrap();
        assert_eq!(title.title, "Foto Kota Tebing Tinggi 1930-an");
        assert_eq!(title.author, None);
        assert_eq!(title.subjects.len(), 1);
        let file = |hash: &str| DigitalFile {
            hash: hash.repeat(64),
            media: Media::Image,
            mime: "image/png".into(),
            bytes: 1,
            label: None,
            width: None,
            height: None,
            words: String::new(),
        };
        attach(s, &key, file("a")).unwrap();
        attach(s, &key, file("b")).unwrap();
        attach(s, &key, file("a")).unwrap();
        shift(s, &key, &"b".repeat(64), true).unwrap();
        let order: Vec<String> = get(s, &key)
            .unwrap()
            .unwrap()
            .files
            .iter()
            .map(|f| f.hash[..1].to_string())
            .collect();
        assert_eq!(order, ["b", "a"]);
        detach(s, &key, &"b".repeat(64)).unwrap();
        assert!(detach(s, &key, &"b".repeat(64)).is_err());
        assert!(attach(s, "no-such-title", file("c")).is_err());
        let digital = get(s, &key).unwrap().unwrap();
        assert_eq!(
            (digital.local, digital.access, digital.files.len()),
            (true, DigitalAccess::Onsite, 1)
        );
        assert!(
            create_local(
                s,
                LocalTitle::default(),
                Description::default(),
                jiff::civil::date(2026, 1, 1)
            )
            .is_err()
        );
    }
}
