//! What a client uploads, checked and decoded in memory: the sketch (any raster format
//! `data_prep::load` reads, never SVG), the hints (an RGBA PNG of the sketch's size), and
//! the PNG that goes back. The `check_*` functions read headers only, so the handler can
//! refuse a wrong upload before it takes a place in the queue; the `decode_*` functions
//! do the pixel work on the inference thread. Errors carry their HTTP status.

use std::io::Cursor;
use std::path::Path;

use axum::http::StatusCode;
use data_prep::load::{decode_rgb, sniff, Format, LoadLimits};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{GrayImage, ImageEncoder, ImageFormat, ImageReader, RgbImage, RgbaImage};

use super::api::ApiError;
use super::Limits;
use crate::hints::HintError;

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
        .map(|w| super::api::parse_work_size(w, limits))
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
