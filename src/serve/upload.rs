//! What a client uploads, checked and decoded in memory: the sketch (any raster format
//! `data_prep::load` reads, never SVG), the hints (an RGBA PNG of the sketch's size), the
//! small text fields (`work_size`, `style`, `layers`, `keep_paper`), and the PNG that goes back. The
//! `check_*` and `parse_*` functions read headers and fields only, so the handler can refuse
//! a wrong upload before it takes a place in the queue; the `decode_*` functions do the
//! pixel work on the inference thread. Errors carry their HTTP status.

use std::io::Cursor;
use std::path::Path;

use axum::http::StatusCode;
use data_prep::load::{decode_rgb, sniff, Format, LoadLimits};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{GrayImage, ImageEncoder, ImageFormat, ImageReader, RgbImage, RgbaImage};

use super::error::ApiError;
use super::{Limits, MIN_WORK_SIZE};
use crate::hints::HintError;
use crate::style::{Style, UnknownStyle};

/// The name uploads get in messages (they have no path: nothing is written or opened).
const SKETCH: &str = "sketch";

/// Checks the sketch's format and size from its header; returns (width, height).
pub fn check_sketch(bytes: &[u8], limits: &Limits) -> Result<(u32, u32), ApiError> {
    let format = sketch_format(bytes)?;
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| {
            let reason = format!("{SKETCH}: cannot decode ({format:?}): {e}");
            ApiError::new(StatusCode::BAD_REQUEST, reason)
        })?;
    check_pixels(w, h, limits)?;
    Ok((w, h))
}

/// Checks that the hints are a PNG of the sketch's size, from the header.
pub fn check_hints(bytes: &[u8], sketch: (u32, u32)) -> Result<(), ApiError> {
    hints_reader(bytes, sketch)?;
    Ok(())
}

/// Decodes the sketch as grey: alpha composited over white, colour converted (as
/// `colorize infer` reads a file).
pub fn decode_sketch(bytes: &[u8], limits: &Limits) -> Result<GrayImage, ApiError> {
    sketch_format(bytes)?;
    let load_limits = LoadLimits {
        max_pixels: limits.max_pixels,
        max_file_bytes: limits.max_body_bytes as u64,
        svg_long_side: None,
    };
    let rgb = decode_rgb(Path::new(SKETCH), bytes, &load_limits).map_err(load_error)?;
    Ok(data_prep::gray::to_gray(&rgb))
}

/// Decodes the hints PNG as RGBA (transparent = no hint).
pub fn decode_hints(
    bytes: &[u8],
    sketch: (u32, u32),
    limits: &Limits,
) -> Result<RgbaImage, ApiError> {
    let mut reader = hints_reader(bytes, sketch)?;
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(lim);
    let img = reader.decode().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("hints: cannot decode (PNG): {e}"),
        )
    })?;
    Ok(img.to_rgba8())
}

/// What an accepted upload decodes to.
#[derive(Debug)]
pub struct Inspected {
    /// The sketch, grey.
    pub sketch: GrayImage,
    /// The hints, RGBA of the sketch's size.
    pub hints: Option<RgbaImage>,
    /// The working size asked for (`None`: the model's).
    pub work_size: Option<u32>,
}

/// One upload's fields through every check and decoder `POST /api/colorize` applies to
/// them, in the same order (header checks in the handler, decoding on the inference thread);
/// a refusal is `(HTTP status, message)`. What the multipart parser hands over is what this
/// takes, so the fuzz target `fuzz/fuzz_targets/upload.rs` and the hostile-input runs reach
/// the server's own code without a network or a model.
pub fn inspect_upload(
    sketch: &[u8],
    hints: Option<&[u8]>,
    work_size: Option<&[u8]>,
    limits: &Limits,
) -> Result<Inspected, (u16, String)> {
    let refusal = |e: ApiError| (e.status.as_u16(), e.message);
    let size = check_sketch(sketch, limits).map_err(refusal)?;
    let hints = hints.filter(|h| !h.is_empty());
    if let Some(h) = hints {
        check_hints(h, size).map_err(refusal)?;
    }
    let work_size = work_size
        .map(|w| parse_work_size(w, limits))
        .transpose()
        .map_err(refusal)?
        .flatten();
    let gray = decode_sketch(sketch, limits).map_err(refusal)?;
    let hints = hints
        .map(|h| decode_hints(h, gray.dimensions(), limits))
        .transpose()
        .map_err(refusal)?;
    Ok(Inspected {
        sketch: gray,
        hints,
        work_size,
    })
}

/// What a request answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// The finished picture as PNG.
    #[default]
    Png,
    /// Its layers as OpenRaster (`crate::layers::ora_bytes`).
    Ora,
    /// Where to hint next: this many suggestions at most, as JSON (`/api/suggest`).
    Suggest(usize),
}

/// Suggestions `/api/suggest` gives without `n`.
pub const SUGGEST_DEFAULT: usize = 5;
/// The most suggestions one request may ask for.
pub const SUGGEST_MAX: usize = 20;

/// Longest part of a client's field value quoted back in an error message.
const QUOTE_CHARS: usize = 40;

/// A field's text, trimmed (invalid UTF-8 replaced: it is only compared and quoted).
fn field_text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).trim().to_string()
}

/// At most `QUOTE_CHARS` characters of `text`, for a message.
fn quoted(text: &str) -> String {
    text.chars().take(QUOTE_CHARS).collect()
}

/// `work_size`: empty or `auto` for the model's size, else a number of pixels in range.
pub fn parse_work_size(raw: &[u8], limits: &Limits) -> Result<Option<u32>, ApiError> {
    let text = field_text(raw);
    if text.is_empty() || text == "auto" {
        return Ok(None);
    }
    let max = limits.max_work_size;
    match text.parse::<u32>() {
        Ok(w) if (MIN_WORK_SIZE..=max).contains(&w) => Ok(Some(w)),
        _ => Err(ApiError::bad_request(format!(
            "work_size must be a number of pixels from {MIN_WORK_SIZE} to {max} (or `auto`), \
             got `{}`",
            quoted(&text)
        ))),
    }
}

/// `style`: `soft`, `flat` or `shaded` (any case); empty for the library's default
/// (`InferOptions::default().style`).
pub fn parse_style(raw: &[u8]) -> Result<Option<Style>, ApiError> {
    let text = field_text(raw);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Style>().map(Some).map_err(|_| {
        // The library's message names the allowed styles; the value is shortened first.
        ApiError::bad_request(format!("style: {}", UnknownStyle(quoted(&text))))
    })
}

/// `n` of `/api/suggest`: how many suggestions, 1 to [`SUGGEST_MAX`]; empty for the default.
pub fn parse_count(raw: &[u8]) -> Result<usize, ApiError> {
    let text = field_text(raw);
    if text.is_empty() {
        return Ok(SUGGEST_DEFAULT);
    }
    match text.parse::<usize>() {
        Ok(n) if (1..=SUGGEST_MAX).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "n must be a number of suggestions from 1 to {SUGGEST_MAX}, got `{}`",
            quoted(&text)
        ))),
    }
}

/// `layers`: `ora` for the OpenRaster layers, empty (or `none`) for the PNG.
pub fn parse_layers(raw: &[u8]) -> Result<Output, ApiError> {
    let text = field_text(raw);
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        Ok(Output::Png)
    } else if text.eq_ignore_ascii_case("ora") {
        Ok(Output::Ora)
    } else {
        Err(ApiError::bad_request(format!(
            "layers must be `ora` (the OpenRaster layers) or empty (the PNG), got `{}`",
            quoted(&text)
        )))
    }
}

/// `keep_paper`: `1`, `true`, `yes` or `on` to colour the sketch on its paper as scanned
/// (`colorize infer --keep-paper`); empty, `0`, `false`, `no` or `off` to level the paper to
/// white first (the default).
pub fn parse_keep_paper(raw: &[u8]) -> Result<bool, ApiError> {
    let text = field_text(raw).to_ascii_lowercase();
    match text.as_str() {
        "" | "0" | "false" | "no" | "off" => Ok(false),
        "1" | "true" | "yes" | "on" => Ok(true),
        _ => Err(ApiError::bad_request(format!(
            "keep_paper must be 1 (colour the paper as scanned) or 0 (level it to white), got `{}`",
            quoted(&text)
        ))),
    }
}

/// Encodes the result as PNG, favouring speed over size (it goes over loopback).
pub fn encode_png(img: &RgbImage) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 2);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot encode the result as PNG: {e}"),
            )
        })?;
    Ok(out)
}

/// The sketch's raster format: 415 for anything else, SVG included.
fn sketch_format(bytes: &[u8]) -> Result<ImageFormat, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{SKETCH}: empty file"),
        ));
    }
    match sniff(bytes) {
        Some(Format::Raster(format)) => Ok(format),
        Some(Format::Svg) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{SKETCH}: SVG is not accepted here (rendering it could read the files it \
                 names); send it as PNG (the page converts SVG files itself)"
            ),
        )),
        None => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{SKETCH}: not an image (unrecognised content); send PNG, JPEG, WebP, BMP, \
                 GIF or TIFF"
            ),
        )),
    }
}

fn check_pixels(w: u32, h: u32, limits: &Limits) -> Result<(), ApiError> {
    if w == 0 || h == 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{SKETCH}: image has no pixels ({w}x{h})"),
        ));
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{SKETCH}: too large ({w}x{h} pixels, limit {} pixels)",
                limits.max_pixels
            ),
        ));
    }
    Ok(())
}

/// A PNG reader over the hints, once their header says PNG of the sketch's size.
fn hints_reader(bytes: &[u8], sketch: (u32, u32)) -> Result<ImageReader<Cursor<&[u8]>>, ApiError> {
    let bad = |status, reason: String| ApiError::new(status, format!("hints: {reason}"));
    if bytes.is_empty() {
        return Err(bad(StatusCode::BAD_REQUEST, "empty file".into()));
    }
    if image::guess_format(bytes).ok() != Some(ImageFormat::Png) {
        return Err(bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not a PNG (hints are an RGBA PNG of the sketch's size, transparent = no hint)".into(),
        ));
    }
    let dims = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png)
        .into_dimensions()
        .map_err(|e| bad(StatusCode::BAD_REQUEST, format!("cannot decode (PNG): {e}")))?;
    if dims != sketch {
        let e = HintError::SizeMismatch {
            hints: dims,
            sketch,
        };
        return Err(ApiError::new(StatusCode::BAD_REQUEST, e.to_string()));
    }
    Ok(ImageReader::with_format(
        Cursor::new(bytes),
        ImageFormat::Png,
    ))
}

/// The status of an image that `data_prep::load` refused.
fn load_error(e: data_prep::Error) -> ApiError {
    use data_prep::Error as E;
    let status = match &e {
        E::NotAnImage { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        E::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        E::Empty { .. } | E::Decode { .. } | E::ZeroSize { .. } => StatusCode::BAD_REQUEST,
        E::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_size_is_auto_or_a_number_in_range() {
        let l = Limits::default();
        assert_eq!(parse_work_size(b"", &l), Ok(None));
        assert_eq!(parse_work_size(b"auto", &l), Ok(None));
        assert_eq!(parse_work_size(b" 256 ", &l), Ok(Some(256)));
        for bad in [&b"31"[..], b"1025", b"-1", b"big"] {
            let e = parse_work_size(bad, &l).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert!(e.message.contains("work_size"), "{}", e.message);
        }
    }

    #[test]
    fn style_is_a_known_name_or_empty_for_the_default() {
        assert_eq!(parse_style(b""), Ok(None));
        assert_eq!(parse_style(b" \n"), Ok(None));
        assert_eq!(parse_style(b"soft"), Ok(Some(Style::Soft)));
        assert_eq!(parse_style(b"Flat"), Ok(Some(Style::Flat)));
        assert_eq!(parse_style(b" shaded "), Ok(Some(Style::Shaded)));
        let e = parse_style(b"glossy").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            e.message,
            "style: unknown style `glossy` (expected soft, flat or shaded)"
        );
        // A long value is quoted back shortened.
        let e = parse_style("x".repeat(500).as_bytes()).unwrap_err();
        assert!(
            e.message.contains(&format!("`{}`", "x".repeat(40))),
            "{}",
            e.message
        );
        assert!(e.message.len() < 120, "{}", e.message);
    }

    #[test]
    fn suggestion_count_is_one_to_the_most_or_empty_for_the_default() {
        assert_eq!(parse_count(b""), Ok(SUGGEST_DEFAULT));
        assert_eq!(parse_count(b" 1 "), Ok(1));
        assert_eq!(parse_count(b"20"), Ok(SUGGEST_MAX));
        for bad in [&b"0"[..], b"21", b"-3", b"2.5", b"many"] {
            let e = parse_count(bad).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            let text = String::from_utf8_lossy(bad);
            assert_eq!(
                e.message,
                format!("n must be a number of suggestions from 1 to 20, got `{text}`")
            );
        }
    }

    #[test]
    fn keep_paper_is_a_yes_or_no() {
        for yes in [&b"1"[..], b"true", b" ON ", b"yes"] {
            assert_eq!(parse_keep_paper(yes), Ok(true), "{yes:?}");
        }
        for no in [&b""[..], b"0", b"False", b"no", b"off"] {
            assert_eq!(parse_keep_paper(no), Ok(false), "{no:?}");
        }
        let e = parse_keep_paper(b"maybe").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("keep_paper must be 1") && e.message.contains("`maybe`"));
    }

    #[test]
    fn layers_is_ora_or_empty_for_the_png() {
        assert_eq!(parse_layers(b""), Ok(Output::Png));
        assert_eq!(parse_layers(b"none"), Ok(Output::Png));
        assert_eq!(parse_layers(b"ora"), Ok(Output::Ora));
        assert_eq!(parse_layers(b" ORA "), Ok(Output::Ora));
        let e = parse_layers(b"psd").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(
            e.message.contains("`psd`") && e.message.contains("ora"),
            "{}",
            e.message
        );
    }
}
