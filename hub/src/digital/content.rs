//! What a file is, by its content (the `infer` crate's signatures, never the uploaded name),
//! and what the hub reads out of it: a picture's size, a PDF's words, a cover's two sizes.

use swalayan_core::contract::documents::Media;

/// The largest scan, in pixels each way (a 600 dpi A3 page is about 7,000 × 9,900).
pub const MAX_SCAN_SIDE: u32 = 12_000;

/// A cover's two stored widths, in pixels (taller than wide as books are; never enlarged).
pub const COVER_LARGE: u32 = 480;
pub const COVER_SMALL: u32 = 160;

/// A PDF's words are kept up to this many bytes (a long book's distinct words fit easily).
const MAX_WORDS_BYTES: usize = 1024 * 1024;

/// A file's kind and MIME type from its first bytes, or the sentence saying what it is not.
pub fn sniff(head: &[u8]) -> Result<(Media, &'static str), String> {
    let found = infer::get(head).map(|t| t.mime_type());
    let media = match found {
        Some("application/pdf") => Media::Pdf,
        Some("application/epub+zip") => Media::Epub,
        Some("image/jpeg" | "image/png") => Media::Image,
        Some("audio/mpeg" | "audio/ogg") => Media::Audio,
        other => {
            return Err(format!(
                "the file is {}; attach a PDF, EPUB, JPEG or PNG scan, MP3 or Ogg audio",
                other.map_or("of a kind this hub does not know".to_string(), |m| m
                    .to_string())
            ));
        }
    };
    Ok((media, found.unwrap_or("application/octet-stream")))
}

/// A scan's size in pixels, read from its header (a picture that cannot be read, or larger
/// than [`MAX_SCAN_SIDE`], is refused).
pub fn picture_size(path: &std::path::Path) -> Result<(u32, u32), String> {
    let (width, height) = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| format!("the picture cannot be read: {e}"))?
        .into_dimensions()
        .map_err(|e| format!("the picture cannot be read: {e}"))?;
    if width > MAX_SCAN_SIDE || height > MAX_SCAN_SIDE {
        return Err(format!(
            "the picture is {width}×{height} pixels; at most {MAX_SCAN_SIDE} each way"
        ));
    }
    Ok((width, height))
}

/// The distinct words of a PDF's text layer, lower case, in first-seen order, joined by
/// spaces; empty when it has none (scanned pages: nothing is OCRed) or cannot be read. The
/// reader is a third party's parser given a file from outside, so a panic in it is caught.
pub fn pdf_words(path: &std::path::Path) -> String {
    let path = path.to_path_buf();
    let text = std::panic::catch_unwind(move || pdf_extract::extract_text(&path).ok())
        .ok()
        .flatten()
        .unwrap_or_default();
    distinct_words(&text)
}

/// `text`'s distinct words (letters and digits), lower case, joined by spaces.
pub fn distinct_words(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if out.len() + word.len() + 1 > MAX_WORDS_BYTES {
            break;
        }
        if seen.insert(word.clone()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word);
        }
    }
    out
}

/// A cover picture (PNG or JPEG) as two JPEGs, [`COVER_LARGE`] and [`COVER_SMALL`] pixels
/// wide at most; refused unless it decodes within [`MAX_SCAN_SIDE`].
pub fn cover_sizes(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg" | "image/png") => {}
        _ => return Err("a cover must be a JPEG or PNG picture".into()),
    }
    let unreadable = |e: image::ImageError| format!("the cover cannot be read: {e}");
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("the cover cannot be read: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SCAN_SIDE);
    limits.max_image_height = Some(MAX_SCAN_SIDE);
    reader.limits(limits);
    let picture = reader.decode().map_err(unreadable)?;
    let sized = |width: u32| -> Result<Vec<u8>, String> {
        let scaled = if picture.width() > width {
            let height = (u64::from(picture.height()) * u64::from(width)
                / u64::from(picture.width().max(1)))
            .max(1);
            picture.resize_exact(
                width,
                u32::try_from(height).unwrap_or(u32::MAX),
                image::imageops::FilterType::Lanczos3,
            )
        } else {
            picture.clone()
        };
        let mut out = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        scaled
            .to_rgb8()
            .write_with_encoder(encoder)
            .map_err(unreadable)?;
        Ok(out)
    };
    Ok((sized(COVER_LARGE)?, sized(COVER_SMALL)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_by_content_not_by_name() {
        assert_eq!(sniff(b"%PDF-1.7\n%...").unwrap().0, Media::Pdf);
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap(),
            (Media::Image, "image/png")
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0").unwrap().0,
            Media::Image
        );
        assert_eq!(
            sniff(b"ID3\x04\0\0\0\0\0\0").unwrap(),
            (Media::Audio, "audio/mpeg")
        );
        assert_eq!(
            sniff(b"OggS\0\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x1evorbis")
                .unwrap()
                .0,
            Media::Audio
        );
        let mut epub = b"PK\x03\x04".to_vec();
        epub.extend_from_slice(&[0; 26]);
        epub.extend_from_slice(b"mimetypeapplication/epub+zip");
        assert_eq!(sniff(&epub).unwrap(), (Media::Epub, "application/epub+zip"));
        // A program named "buku.pdf" is still a program.
        let refused = sniff(b"\x7fELF\x02\x01\x01\0").unwrap_err();
        assert!(refused.contains("attach a PDF"), "{refused}");
        assert!(sniff(b"plain words").is_err());
    }

    #[test]
    fn words_are_distinct_and_lower_case() {
        assert_eq!(
            distinct_words("Sejarah Kota Tebing-Tinggi: kota, SEJARAH 1917."),
            "sejarah kota tebing tinggi 1917"
        );
    }

    #[test]
    fn a_cover_is_made_in_two_sizes_without_enlarging() {
        let mut png = Vec::new();
        image::RgbImage::from_pixel(960, 1440, image::Rgb([200, 30, 30]))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let (large, small) = cover_sizes(&png).unwrap();
        let size = |b: &[u8]| image::load_from_memory(b).unwrap();
        assert_eq!((size(&large).width(), size(&large).height()), (480, 720));
        assert_eq!((size(&small).width(), size(&small).height()), (160, 240));
        let mut tiny = Vec::new();
        image::RgbImage::from_pixel(100, 150, image::Rgb([0, 0, 0]))
            .write_to(
                &mut std::io::Cursor::new(&mut tiny),
                image::ImageFormat::Png,
            )
            .unwrap();
        assert_eq!(size(&cover_sizes(&tiny).unwrap().0).width(), 100);
        assert!(
            cover_sizes(b"%PDF-1.4")
                .unwrap_err()
                .contains("JPEG or PNG")
        );
    }
}
