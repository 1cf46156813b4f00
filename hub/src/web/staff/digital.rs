//! `/staff/digital`: the digital collection (issue #31) — local-content records made, files
//! attached to any title (PDF, EPUB, JPEG/PNG scans in page order, MP3/Ogg), their order,
//! who may read them, covers.
//!
//! The uploads themselves (files, covers) are [`super::digital_uploads`]'.

use super::dashboard::{StaffVisitor, to_login};
use super::forms::{TokenForm, audit, audited, form_page, problem, signed_token, staff_sentence};
use crate::digital::{self, Description, LocalTitle};
use crate::web::kit::forms::see_other;
use crate::web::kit::{PageError, WebState, cover_path, read_view, title_path};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use swalayan_core::contract::documents::{DigitalAccess, DigitalDoc, TitleDoc};
use swalayan_core::reason::Lang;

/// `/staff/digital/{key}` for a title key (the key encoded as in `/title/{id}`).
pub fn staff_path(key: &str) -> String {
    let title = title_path(key);
    format!("/staff/digital/{}", &title["/title/".len()..])
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
}

/// `/staff/digital`: the titles with a digital side, finding a title to attach files to,
/// and a new local-content record.
pub async fn list(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    list_page(&state, &who, &query.q, &Described::default(), None).await
}

async fn list_page(
    state: &WebState,
    who: &StaffVisitor,
    query: &str,
    form: &Described,
    sentence: Option<&str>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let q = query.to_string();
    let (records, found) = read_view(state, &reader, move |state| {
        let mut records: Vec<(String, DigitalDoc, Option<TitleDoc>)> = state
            .storage
            .all::<DigitalDoc>()?
            .into_iter()
            .map(|(key, doc)| {
                let title = state.view.title(&key).map(|t| t.doc);
                (key, doc, title)
            })
            .collect();
        records.sort_by(|a, b| {
            let name = |r: &(String, DigitalDoc, Option<TitleDoc>)| {
                r.2.as_ref()
                    .map(|t| t.title.to_lowercase())
                    .unwrap_or_default()
            };
            name(a).cmp(&name(b))
        });
        let found = if q.trim().is_empty() {
            Vec::new()
        } else {
            state
                .view
                .search(&q, crate::web::kit::words::Field::All, 0, 20)
                .titles
        };
        Ok((records, found))
    })
    .await?;
    let title = lang.pick("Koleksi digital", "Digital collection");
    let body = html! {
        h1 { (title) }
        p { (lang.pick(
            "Lampirkan PDF, EPUB, halaman pindaian (JPEG/PNG, berurutan) atau rekaman (MP3/Ogg) ke judul di katalog, atau buat rekaman koleksi lokal (judul tanpa eksemplar: foto lama, koran daerah, skripsi, karya penulis lokal).",
            "Attach PDFs, EPUBs, scanned pages (JPEG/PNG, in order) or recordings (MP3/Ogg) to a title of the catalogue, or make a local-content record (a title with no copy: old photographs, a regional newspaper, a thesis, a local author's work)."
        )) }
        h2 { (lang.pick("Judul dengan sisi digital", "Titles with a digital side")) }
        @if records.is_empty() {
            p.muted { (lang.pick("Belum ada.", "None yet.")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.pick("Judul", "Title")) }
                    th scope="col" { (lang.pick("Berkas", "Files")) }
                    th scope="col" { (lang.pick("Akses", "Access")) }
                    th scope="col" { (lang.pick("Sampul", "Cover")) }
                } }
                tbody { @for (key, doc, t) in &records {
                    tr {
                        td {
                            a href=(reader.localized(&staff_path(key))) { (t.as_ref().map_or(key.as_str(), |t| t.title.as_str())) }
                            @if doc.local { " " span.muted { (lang.pick("(lokal)", "(local)")) } }
                        }
                        td { (doc.files.len()) }
                        td { (access_name(doc.access, lang)) }
                        td { (if doc.cover.is_some() { lang.pick("ada", "yes") } else { "—" }) }
                    }
                } }
            } }
        }
        h2 #find { (lang.pick("Lampirkan ke judul katalog", "Attach to a catalogue title")) }
        form method="get" action=(reader.localized("/staff/digital")) {
            p { label for="q" { (lang.pick("Cari judul", "Find a title")) }
                input #q type="search" name="q" value=(query); }
            button type="submit" { (lang.pick("Cari", "Search")) }
        }
        @if !query.trim().is_empty() {
            @if found.is_empty() { p.muted { (lang.pick("Tidak ditemukan.", "Nothing found.")) } }
            ul { @for t in &found {
                li { a href=(reader.localized(&staff_path(&t.key))) { (t.doc.title) } @if let Some(a) = &t.doc.author { " — " (a) } }
            } }
        }
        h2 #new { (lang.pick("Rekaman koleksi lokal baru", "New local-content record")) }
        form method="post" action=(reader.localized("/staff/digital/new")) {
            (who.visitor.token_field())
            (problem(sentence))
            (describe_fields(lang, form, true))
            button type="submit" { (lang.pick("Buat", "Create")) }
        }
    };
    Ok(form_page(
        state,
        who,
        title,
        "/staff/digital",
        body,
        sentence,
    ))
}

/// The description form as posted (and shown again when refused).
#[derive(Deserialize, Default, Clone)]
pub struct Described {
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    creator: String,
    /// One subject a line.
    #[serde(default)]
    subjects: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    rights: String,
    #[serde(default)]
    access: String,
}

impl Described {
    fn of(title: &TitleDoc, digital: &DigitalDoc) -> Described {
        Described {
            csrf: String::new(),
            title: title.title.clone(),
            creator: title.author.clone().unwrap_or_default(),
            subjects: title.subjects.join("\n"),
            date: digital.date.clone().unwrap_or_default(),
            description: digital.description.clone().unwrap_or_default(),
            language: digital.language.clone().unwrap_or_default(),
            rights: digital.rights.clone().unwrap_or_default(),
            access: digital.access.code().to_string(),
        }
    }

    fn title(&self) -> LocalTitle {
        LocalTitle {
            title: self.title.clone(),
            creator: Some(self.creator.clone()),
            subjects: self.subjects.lines().map(str::to_string).collect(),
        }
    }

    fn description(&self) -> Description {
        let some = |t: &str| Some(t.to_string());
        Description {
            access: DigitalAccess::parse(&self.access).unwrap_or_default(),
            date: some(&self.date),
            description: some(&self.description),
            language: some(&self.language),
            rights: some(&self.rights),
        }
    }
}

fn access_name(access: DigitalAccess, lang: Lang) -> &'static str {
    match access {
        DigitalAccess::Public => lang.pick("umum (siapa saja)", "public (anyone)"),
        DigitalAccess::Members => lang.pick(
            "anggota (masuk dengan kartu dan PIN)",
            "members (signed in with card and PIN)",
        ),
        DigitalAccess::Onsite => lang.pick(
            "di perpustakaan saja (jaringan perpustakaan)",
            "in the library only (its networks)",
        ),
    }
}

fn describe_fields(lang: Lang, form: &Described, own_title: bool) -> Markup {
    use super::forms::{area_field, text_field};
    let access = DigitalAccess::parse(&form.access).unwrap_or_default();
    html! {
        @if own_title {
            (text_field("title", lang.pick("Judul", "Title"), &form.title, true))
            (text_field("creator", lang.pick("Pencipta / pengarang (boleh kosong)", "Creator / author (optional)"), &form.creator, false))
            (area_field("subjects", lang.pick("Subjek (satu per baris)", "Subjects (one a line)"), &form.subjects, false))
        }
        (text_field("date", lang.pick("Tanggal (mis. 1938 atau 2019-08-17)", "Date (e.g. 1938 or 2019-08-17)"), &form.date, false))
        (area_field("description", lang.pick("Deskripsi (ikut dicari)", "Description (searched too)"), &form.description, false))
        (text_field("language", lang.pick("Bahasa (kode ISO 639, mis. ind)", "Language (ISO 639 code, e.g. ind)"), &form.language, false))
        (text_field("rights", lang.pick("Pernyataan hak (mis. Domain publik)", "Rights statement (e.g. Public domain)"), &form.rights, false))
        fieldset {
            legend { (lang.pick("Siapa yang boleh membaca berkasnya", "Who may read the files")) }
            @for a in DigitalAccess::ALL {
                p.choice { label {
                    input type="radio" name="access" value=(a.code()) checked[a == access];
                    " " (access_name(a, lang))
                } }
            }
        }
    }
}

/// `POST /staff/digital/new`: makes a local-content record.
pub async fn create_local(
    State(state): State<WebState>,
    who: StaffVisitor,
    Form(form): Form<Described>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let posted = form.clone();
    let made = read_view(&state, &reader, move |state| {
        let today = state.library.local_now().date();
        let storage = state.storage.as_ref();
        let made = digital::create_local(storage, posted.title(), posted.description(), today);
        audited(storage, &actor, "local record made", made, |key| {
            format!("{key}: {}", posted.title)
        })
    })
    .await?;
    match made {
        Ok(key) => Ok(who
            .visitor
            .finish(see_other(&reader.localized(&staff_path(&key))))),
        Err(e) => {
            list_page(
                &state,
                &who,
                "",
                &form,
                Some(&staff_sentence(&e, reader.lang)),
            )
            .await
        }
    }
}

/// `/staff/digital/{key}`: one title's digital side.
pub async fn title_page(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    record_page(&state, &who, &key, None, Vec::new()).await
}

pub(super) async fn record_page(
    state: &WebState,
    who: &StaffVisitor,
    key: &str,
    form: Option<Described>,
    problems: Vec<String>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let lookup = key.to_string();
    let found = read_view(state, &reader, move |state| {
        let title = state.storage.one::<TitleDoc>(&lookup)?;
        let digital = digital::get(state.storage.as_ref(), &lookup)?;
        Ok(title.map(|t| (t, digital.unwrap_or_default())))
    })
    .await?;
    let Some((title, record)) = found else {
        return Err(PageError::not_found(reader));
    };
    let path = staff_path(key);
    let form = form.unwrap_or_else(|| Described::of(&title, &record));
    let sentence = (!problems.is_empty()).then(|| problems.join(" "));
    let limit_mb = state.digital.max_file_bytes / (1024 * 1024);
    let body = html! {
        p { a href=(reader.localized("/staff/digital")) { "← " (lang.pick("Koleksi digital", "Digital collection")) } }
        h1 { (title.title) }
        p { a href=(reader.localized(&title_path(key))) { (lang.pick("Lihat di situs perpustakaan", "See it on the library's site")) } }
        (problem(sentence.as_deref()))
        @if state.files.is_none() {
            p.problem role="alert" { (lang.pick(
                "Hub ini belum punya folder untuk berkas digital: tulis [digital] dir di hub.toml (lihat docs/config.md), lalu jalankan ulang hub.",
                "This hub has no folder for digital files: set [digital] dir in hub.toml (see docs/config.md), then restart the hub."
            )) }
        }
        h2 { (lang.pick("Berkas", "Files")) }
        @if record.files.is_empty() {
            p.muted { (lang.pick("Belum ada berkas.", "No files yet.")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (lang.pick("Berkas", "File")) }
                    th scope="col" { (lang.pick("Ukuran", "Size")) }
                    th scope="col" { (lang.pick("Teks untuk pencarian", "Text for search")) }
                    th scope="col" { (lang.pick("Urutan", "Order")) }
                } }
                tbody { @for (i, file) in record.files.iter().enumerate() {
                    tr {
                        td { (i + 1) }
                        td { (file.label.as_deref().unwrap_or("—")) " · " (file.mime) }
                        td { (crate::web::kit::layout::file_size(file.bytes)) }
                        td { (words_note(file, lang)) }
                        td {
                            @for (action, label) in [("up", "↑"), ("down", "↓"), ("remove", lang.pick("Lepas", "Detach"))] {
                                form.inline method="post" action=(reader.localized(&format!("{path}/files/{}/{action}", file.hash))) {
                                    (who.visitor.token_field())
                                    button type="submit" aria-label=(format!("{label} {}", i + 1)) { (label) }
                                }
                            }
                        }
                    }
                } }
            } }
        }
        h3 { (lang.pick("Tambah berkas", "Add files")) }
        form method="post" action=(reader.localized(&format!("{path}/files"))) enctype="multipart/form-data" {
            (who.visitor.token_field())
            p { label for="files" { (match lang {
                Lang::Id => format!("PDF, EPUB, JPEG/PNG (halaman pindaian, berurutan menurut nama berkas), MP3 atau Ogg; paling besar {limit_mb} MB sekali kirim"),
                Lang::En => format!("PDF, EPUB, JPEG/PNG (scanned pages, in the order of their file names), MP3 or Ogg; at most {limit_mb} MB an upload"),
            }) }
                input #files type="file" name="files" multiple accept="application/pdf,application/epub+zip,image/jpeg,image/png,audio/mpeg,audio/ogg" required; }
            button type="submit" { (lang.pick("Unggah", "Upload")) }
        }
        h2 { (lang.pick("Sampul", "Cover")) }
        @if let Some(cover) = &record.cover {
            p { img src=(cover_path(key, &cover.small)) alt=(lang.pick("Sampul sekarang", "Current cover")) width="160"; }
            form method="post" action=(reader.localized(&format!("{path}/cover/remove"))) {
                (who.visitor.token_field())
                button type="submit" { (lang.pick("Hapus sampul", "Remove the cover")) }
            }
        }
        form method="post" action=(reader.localized(&format!("{path}/cover"))) enctype="multipart/form-data" {
            (who.visitor.token_field())
            p { label for="cover" { (lang.pick("Gambar sampul (JPEG atau PNG)", "Cover picture (JPEG or PNG)")) }
                input #cover type="file" name="cover" accept="image/jpeg,image/png" required; }
            button type="submit" { (lang.pick("Simpan sampul", "Save the cover")) }
        }
        h2 { (lang.pick("Keterangan", "Description")) }
        form method="post" action=(reader.localized(&path)) {
            (who.visitor.token_field())
            (describe_fields(lang, &form, record.local))
            button type="submit" { (lang.pick("Simpan", "Save")) }
        }
    };
    Ok(form_page(
        state,
        who,
        &title.title,
        &path,
        body,
        sentence.as_deref(),
    ))
}

/// What search finds in a file: a PDF's words, or why not.
fn words_note(file: &swalayan_core::contract::documents::DigitalFile, lang: Lang) -> String {
    use swalayan_core::contract::documents::Media;
    let count = file.words.split(' ').filter(|w| !w.is_empty()).count();
    match (file.media, count, lang) {
        (Media::Pdf, 0, Lang::Id) => "tidak ada lapisan teks (tidak di-OCR)".into(),
        (Media::Pdf, 0, Lang::En) => "no text layer (nothing is OCRed)".into(),
        (Media::Pdf, n, Lang::Id) => format!("{n} kata"),
        (Media::Pdf, n, Lang::En) => format!("{n} words"),
        _ => "—".into(),
    }
}

/// `POST /staff/digital/{key}`: saves the description (and a local record's title).
pub async fn describe(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(key): Path<String>,
    Form(form): Form<Described>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let (k, posted) = (key.clone(), form.clone());
    let saved = read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        let made = digital::describe(storage, &k, Some(posted.title()), posted.description());
        audited(storage, &actor, "digital description changed", made, |_| {
            k.clone()
        })
    })
    .await?;
    match saved {
        Ok(()) => Ok(who
            .visitor
            .finish(see_other(&reader.localized(&staff_path(&key))))),
        Err(e) => {
            record_page(
                &state,
                &who,
                &key,
                Some(form),
                vec![staff_sentence(&e, reader.lang)],
            )
            .await
        }
    }
}

/// `POST /staff/digital/{key}/files/{hash}/{up|down|remove}`.
pub async fn file_action(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path((key, hash, action)): Path<(String, String, String)>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let k = key.clone();
    read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        match action.as_str() {
            "up" | "down" => digital::shift(storage, &k, &hash, action == "up"),
            "remove" => {
                digital::detach(storage, &k, &hash)?;
                audit(
                    storage,
                    &actor,
                    "digital file detached",
                    &format!("{k}: {hash}"),
                )
            }
            other => Err(crate::storage::HubError::NotFound(format!(
                "no action {other}"
            ))),
        }
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized(&staff_path(&key)))))
}

/// `POST /staff/digital/{key}/cover/remove`.
pub async fn remove_cover(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(key): Path<String>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let k = key.clone();
    read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        digital::set_cover(storage, &k, None)?;
        audit(storage, &actor, "cover removed", &k)
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized(&staff_path(&key)))))
}
