//! The digital collection's uploads (issue #31): files attached to a title, and covers.
//!
//! Files are streamed to the file store as they arrive (a 200 MB PDF is never held in
//! memory), each refused by its content, never its name. The form's token must be its first
//! field (the staff's forms put it there): a form that does not begin with a genuine token
//! is refused before a byte of a file is read, so nothing of a forged form is kept.

use super::dashboard::StaffVisitor;
use super::digital::{record_page, staff_path};
use super::forms::{actor, audit};
use crate::digital::{self, FileStore};
use crate::web::kit::forms::{forged, see_other};
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use swalayan_core::contract::documents::Cover;
use swalayan_core::reason::Lang;

/// A cover picture is at most this large (a phone's photo of a book).
const MAX_COVER_BYTES: usize = 20 * 1024 * 1024;

/// What an upload starts with: the staff member and the file store, the form's token read
/// and checked; or the response instead (sign in, 403, the page saying the hub has no
/// folder for files).
async fn start(
    state: &WebState,
    who: &StaffVisitor,
    key: &str,
    multipart: &mut Multipart,
) -> Result<Result<(String, FileStore), Response>, PageError> {
    let actor = match actor(who) {
        Ok(actor) => actor,
        Err(response) => return Ok(Err(response)),
    };
    let Some(store) = state.files.clone() else {
        return record_page(state, who, key, None, Vec::new())
            .await
            .map(Err);
    };
    let token = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.unwrap_or_default(),
        _ => String::new(),
    };
    if !who.visitor.form_is_genuine(&token) {
        return Ok(Err(forged(state, &who.visitor)));
    }
    Ok(Ok((actor, store)))
}

/// `POST /staff/digital/{key}/files`: files streamed into the store, each checked by its
/// content and attached in the order sent; what was refused is said, the rest kept.
pub async fn upload(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(key): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, store) = match start(&state, &who, &key, &mut multipart).await? {
        Ok(started) => started,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let limit = state.digital.max_file_bytes;
    let mut problems = Vec::new();
    let mut attached = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                problems.push(too_large_or_broken(e.status(), limit, lang));
                break;
            }
        };
        if field.name() != Some("files") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let kept = match receive(&store, field, limit, lang).await {
            Ok(Some(kept)) => kept,
            Ok(None) => continue,
            Err(Refused::Said(why)) => {
                problems.push(format!("{name}: {why}."));
                continue;
            }
            Err(Refused::Failed(e)) => return Err(PageError::internal(reader, e)),
        };
        let (s, k, n) = (store.clone(), kept.clone(), name.clone());
        let described =
            tokio::task::spawn_blocking(move || digital::describe_file(&s, &k, Some(&n)))
                .await
                .map_err(|e| PageError::internal(reader.clone(), e))?;
        match described {
            Ok(file) => {
                let (k, a) = (key.clone(), actor.clone());
                let label = name.clone();
                read_view(&state, &reader, move |state| {
                    let storage = state.storage.as_ref();
                    digital::attach(storage, &k, file.clone())?;
                    audit(
                        storage,
                        &a,
                        "digital file attached",
                        &format!("{k}: {label} ({})", file.hash),
                    )
                })
                .await?;
                attached += 1;
            }
            Err(why) => {
                store.discard(&kept.hash);
                problems.push(format!("{name}: {why}."));
            }
        }
    }
    if problems.is_empty() {
        return Ok(who
            .visitor
            .finish(see_other(&reader.localized(&staff_path(&key)))));
    }
    let mut sentences = vec![match lang {
        Lang::Id => format!("{attached} berkas dilampirkan; yang lain tidak disimpan:"),
        Lang::En => format!("{attached} file(s) attached; the others were not kept:"),
    }];
    sentences.extend(problems);
    record_page(&state, &who, &key, None, sentences).await
}

/// Why a file was not kept: a sentence for staff, or a failure of the hub's own disk.
enum Refused {
    Said(String),
    Failed(crate::digital::StoreError),
}

/// One file field streamed into the store; `None` for an empty one (no file chosen). Its
/// kind is told from its first bytes before it is put in place: a refused kind is never
/// kept.
async fn receive(
    store: &FileStore,
    mut field: Field<'_>,
    limit: u64,
    lang: Lang,
) -> Result<Option<digital::Kept>, Refused> {
    let mut incoming = store.receive(limit).map_err(Refused::Failed)?;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => incoming
                .write(&chunk)
                .map_err(|e| Refused::Said(e.to_string()))?,
            Ok(None) => break,
            Err(e) => return Err(Refused::Said(too_large_or_broken(e.status(), limit, lang))),
        }
    }
    if incoming.bytes() == 0 {
        return Ok(None);
    }
    digital::content::sniff(incoming.head()).map_err(Refused::Said)?;
    incoming.finish().map(Some).map_err(Refused::Failed)
}

/// The sentence for an upload cut short: over the size limit, or broken off.
fn too_large_or_broken(status: StatusCode, limit: u64, lang: Lang) -> String {
    let mb = limit / (1024 * 1024);
    match (status == StatusCode::PAYLOAD_TOO_LARGE, lang) {
        (true, Lang::Id) => format!(
            "kiriman lebih besar dari {mb} MB ([digital] max_file_mb); kirim berkasnya satu per satu"
        ),
        (true, Lang::En) => format!(
            "the upload is larger than {mb} MB ([digital] max_file_mb); send the files one at a time"
        ),
        (false, Lang::Id) => "kiriman terputus; kirim lagi".into(),
        (false, Lang::En) => "the upload broke off; send it again".into(),
    }
}

/// `POST /staff/digital/{key}/cover`: a cover picture, stored in its two sizes.
pub async fn upload_cover(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(key): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, store) = match start(&state, &who, &key, &mut multipart).await? {
        Ok(started) => started,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let picture = match read_cover(&mut multipart, state.digital.max_file_bytes, lang).await {
        Ok(picture) => picture,
        Err(why) => return record_page(&state, &who, &key, None, vec![why]).await,
    };
    let sized = tokio::task::spawn_blocking(move || sizes(&store, &picture))
        .await
        .map_err(|e| PageError::internal(reader.clone(), e))?;
    let cover = match sized {
        Ok(cover) => cover,
        Err(Refused::Said(why)) => {
            return record_page(&state, &who, &key, None, vec![format!("{why}.")]).await;
        }
        Err(Refused::Failed(e)) => return Err(PageError::internal(reader, e)),
    };
    let k = key.clone();
    read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        digital::set_cover(storage, &k, Some(cover.clone()))?;
        audit(storage, &actor, "cover set", &k)
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized(&staff_path(&key)))))
}

/// The `cover` field's bytes (at most [`MAX_COVER_BYTES`]), or the sentence for staff.
async fn read_cover(multipart: &mut Multipart, limit: u64, lang: Lang) -> Result<Vec<u8>, String> {
    let too_big = || match lang {
        Lang::Id => format!(
            "Gambar sampul paling besar {} MB.",
            MAX_COVER_BYTES / (1024 * 1024)
        ),
        Lang::En => format!(
            "A cover picture is at most {} MB.",
            MAX_COVER_BYTES / (1024 * 1024)
        ),
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(too_large_or_broken(e.status(), limit, lang)),
        };
        if field.name() != Some("cover") {
            continue;
        }
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_COVER_BYTES {
                        return Err(too_big());
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(too_large_or_broken(e.status(), limit, lang)),
            }
        }
        if !bytes.is_empty() {
            return Ok(bytes);
        }
    }
    Err(lang
        .pick("Pilih gambar sampulnya.", "Choose the cover picture.")
        .to_string())
}

/// A cover picture in its two sizes, kept in the store.
fn sizes(store: &FileStore, picture: &[u8]) -> Result<Cover, Refused> {
    let (large, small) = digital::content::cover_sizes(picture).map_err(Refused::Said)?;
    Ok(Cover {
        large: store.keep(&large).map_err(Refused::Failed)?.hash,
        small: store.keep(&small).map_err(Refused::Failed)?.hash,
    })
}
