//! Promotions for the kiosks' welcome screens: written by staff on `/staff/promotions` or with
//! `swalayan-hub promotions add`, each a `promotion` document every kiosk pulls (or only the
//! kiosks named), with its text in Bahasa Indonesia and, optionally, English, and a picture.
//!
//! The picture travels inside the document as a `data:` URI, so a kiosk that pulled the
//! promotion can show it offline; it is checked here to be a PNG or JPEG of at most
//! [`MAX_IMAGE_BYTES`].

use crate::storage::{HubError, Result, Storage, Written};
use base64::Engine;
use swalayan_core::contract::documents::{MAX_IMAGE_BYTES, PromotionDoc};
use uuid::Uuid;

/// Checks a promotion before it is published: a title and text in Indonesian, dates in order,
/// English either whole or absent; returns it tidied (trimmed, empty English dropped).
pub fn checked(mut doc: PromotionDoc) -> Result<PromotionDoc> {
    doc.title = doc.title.trim().to_string();
    doc.body = doc.body.trim().to_string();
    if doc.title.is_empty() || doc.body.is_empty() {
        return Err(HubError::Invalid(
            "a promotion needs a title and a text in Bahasa Indonesia".into(),
        ));
    }
    let tidy = |text: Option<String>| text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    doc.title_en = tidy(doc.title_en);
    doc.body_en = tidy(doc.body_en);
    if let (Some(from), Some(until)) = (doc.starts_on, doc.ends_on)
        && until < from
    {
        return Err(HubError::Invalid(format!(
            "the promotion ends ({until}) before it starts ({from})"
        )));
    }
    doc.stations = doc
        .stations
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    doc.stations.sort();
    doc.stations.dedup();
    Ok(doc)
}

/// The largest picture, in pixels each way: a kiosk decodes it into memory (4 bytes a pixel),
/// and a 300 KB file can declare 60,000 × 60,000 pixels.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// A picture file's bytes as the `data:` URI a promotion carries; refused unless PNG or JPEG
/// that decodes here, at most [`MAX_IMAGE_BYTES`] and [`MAX_IMAGE_SIDE`] pixels each way.
pub fn image_uri(bytes: &[u8]) -> Result<String> {
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        return Err(HubError::Invalid(
            "the picture must be a PNG or JPEG file".into(),
        ));
    };
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(HubError::Invalid(format!(
            "the picture is {} KB; at most {} KB travels to every kiosk (make it smaller)",
            bytes.len().div_ceil(1024),
            MAX_IMAGE_BYTES / 1024
        )));
    }
    decodes_within_limits(bytes)?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// Decodes the picture here, under limits, so no picture a kiosk receives can exhaust its
/// memory: the size the header declares is checked first, then the whole image is decoded.
fn decodes_within_limits(bytes: &[u8]) -> Result<()> {
    let unreadable =
        |e: image::ImageError| HubError::Invalid(format!("the picture cannot be read: {e}"));
    let reader = || {
        image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| HubError::Invalid(format!("the picture cannot be read: {e}")))
    };
    let (width, height) = reader()?.into_dimensions().map_err(unreadable)?;
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(HubError::Invalid(format!(
            "the picture is {width}×{height} pixels; at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} (make it smaller)"
        )));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(u64::from(MAX_IMAGE_SIDE) * u64::from(MAX_IMAGE_SIDE) * 4 + (1 << 20));
    let mut reader = reader()?;
    reader.limits(limits);
    reader.decode().map_err(unreadable)?;
    Ok(())
}

/// Publishes a new promotion; returns its id.
pub fn add(storage: &dyn Storage, doc: PromotionDoc) -> Result<String> {
    let id = Uuid::now_v7().to_string();
    put(storage, &id, Some(checked(doc)?))?;
    Ok(id)
}

/// Replaces a promotion's content (kiosks take the new one on their next pull).
pub fn update(storage: &dyn Storage, id: &str, doc: PromotionDoc) -> Result<()> {
    let doc = checked(doc)?;
    if get(storage, id)?.is_none() {
        return Err(HubError::NotFound(format!("no promotion {id}")));
    }
    put(storage, id, Some(doc)).map(|_| ())
}

/// Withdraws a promotion from every kiosk.
pub fn remove(storage: &dyn Storage, id: &str) -> Result<()> {
    match put(storage, id, None)?.first() {
        Some(Written::Updated | Written::Inserted) => Ok(()),
        _ => Err(HubError::NotFound(format!("no promotion {id}"))),
    }
}

/// One promotion, if published.
pub fn get(storage: &dyn Storage, id: &str) -> Result<Option<PromotionDoc>> {
    storage.one(id)
}

/// Every published promotion (id, document), newest first.
pub fn list(storage: &dyn Storage) -> Result<Vec<(String, PromotionDoc)>> {
    let mut all = storage.all::<PromotionDoc>()?;
    // Ids are UUIDv7: by time.
    all.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(all)
}

fn put(storage: &dyn Storage, id: &str, doc: Option<PromotionDoc>) -> Result<Vec<Written>> {
    let mut written = Vec::new();
    storage.write(&mut |tx| {
        written = vec![tx.put_doc(id, doc.as_ref())?];
        Ok(())
    })?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of `width` × `height` grey pixels, encoded here.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&vec![128u8; (width * height) as usize])
            .unwrap();
        drop(writer);
        out
    }

    #[test]
    fn a_picture_must_be_a_small_png_or_jpeg() {
        assert!(
            image_uri(&png(4, 3))
                .unwrap()
                .starts_with("data:image/png;base64,iVBORw0KGgo")
        );
        assert!(image_uri(b"GIF89a").is_err());
        // PNG's first bytes and nothing decodable after them: refused (it was taken by its
        // first bytes alone).
        let error = image_uri(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err();
        assert!(error.to_string().contains("cannot be read"), "{error}");
        let error = image_uri(&[0xff, 0xd8, 0xff, 0xe0]).unwrap_err();
        assert!(error.to_string().contains("cannot be read"), "{error}");
        let mut big = png(4, 3);
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        let error = image_uri(&big).unwrap_err().to_string();
        assert!(error.contains("at most 300 KB"), "{error}");
    }

    /// A small file declaring a huge picture (a few KB of zeros compress to 5000 × 5000
    /// pixels, 100 MB decoded): refused before any kiosk decodes it.
    #[test]
    fn a_picture_larger_than_4096_pixels_either_way_is_refused() {
        let wide = png(5000, 5000);
        assert!(wide.len() < MAX_IMAGE_BYTES, "{} bytes", wide.len());
        let error = image_uri(&wide).unwrap_err().to_string();
        assert!(
            error.contains("5000×5000") && error.contains("4096"),
            "{error}"
        );
        assert!(image_uri(&png(4096, 10)).is_ok());
    }

    #[test]
    fn a_promotion_needs_indonesian_text_and_dates_in_order() {
        let doc = |title: &str, body: &str| PromotionDoc {
            title: title.into(),
            body: body.into(),
            title_en: Some("  ".into()),
            stations: vec![" kiosk-1 ".into(), "".into(), "kiosk-1".into()],
            ..PromotionDoc::default()
        };
        assert!(checked(doc("", "isi")).is_err());
        let tidy = checked(doc(" Buku baru ", "Laut Bercerita")).unwrap();
        assert_eq!(tidy.title, "Buku baru");
        assert_eq!(tidy.title_en, None, "blank English is no English");
        assert_eq!(tidy.stations, ["kiosk-1"]);
        let mut backwards = doc("a", "b");
        backwards.starts_on = Some(jiff::civil::date(2026, 12, 10));
        backwards.ends_on = Some(jiff::civil::date(2026, 12, 1));
        assert!(checked(backwards).is_err());
    }
}
