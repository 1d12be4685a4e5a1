//! Layers for painting programs: OpenRaster (`.ora`, what Krita, GIMP and MyPaint open), a
//! zip holding `mimetype` (first, stored), `stack.xml`, one PNG per layer, `mergedimage.png`
//! and a thumbnail.
//!
//! The stack, top to bottom: `merged` (hidden: the finished picture, for reference),
//! `lines` (black ink whose alpha is 255 - grey: transparent on paper), `shading` (grey, hard
//! light, 128 = no change), `flats`. Compositing the visible layers gives the finished
//! picture within one level.

use std::io::{Cursor, Write};

use image::codecs::png::PngEncoder;
use image::{imageops, ExtendedColorType, GrayImage, ImageEncoder, RgbImage, RgbaImage};
use zip::write::FileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::style::Layers;
use crate::Result;

/// Longest side of the thumbnail (the specification's limit).
const THUMBNAIL_MAX: u32 = 256;

/// Why a layers file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LayersError {
    /// A layer could not be encoded as PNG.
    #[error("encoding the {layer} layer as PNG: {source}")]
    Png {
        /// Which layer.
        layer: &'static str,
        /// The encoder's error.
        source: image::ImageError,
    },
    /// The zip container could not be written.
    #[error("writing the OpenRaster zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// The OpenRaster file of `layers`, as bytes. Deterministic: the same layers give the same
/// bytes (entries carry the zip epoch, 1980-01-01, as their date).
pub fn ora_bytes(layers: &Layers) -> Result<Vec<u8>> {
    Ok(ora_zip(layers)?)
}

fn ora_zip(layers: &Layers) -> Result<Vec<u8>, LayersError> {
    let (w, h) = layers.merged.dimensions();
    let stored = FileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default());
    let deflated = stored.compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // The specification: `mimetype` first and stored, so `file` and friends recognise it.
    put(&mut zip, "mimetype", b"image/openraster", stored)?;
    put(&mut zip, "stack.xml", stack_xml(w, h).as_bytes(), deflated)?;
    // PNG is compressed already: stored, not deflated again.
    let lines = png_rgba(&ink_of(&layers.lines), "lines")?;
    put(&mut zip, "data/lines.png", &lines, stored)?;
    let shading = grey_as_rgb(&layers.shading);
    put(
        &mut zip,
        "data/shading.png",
        &png_rgb(&shading, "shading")?,
        stored,
    )?;
    put(
        &mut zip,
        "data/flats.png",
        &png_rgb(&layers.flats, "flats")?,
        stored,
    )?;
    let merged = png_rgb(&layers.merged, "merged")?;
    put(&mut zip, "data/merged.png", &merged, stored)?;
    put(&mut zip, "mergedimage.png", &merged, stored)?;
    let thumb = thumbnail(&layers.merged);
    put(
        &mut zip,
        "Thumbnails/thumbnail.png",
        &png_rgb(&thumb, "thumbnail")?,
        stored,
    )?;
    Ok(zip.finish()?.into_inner())
}

/// `stack.xml`: the layers top to bottom (OpenRaster lists the topmost first).
fn stack_xml(w: u32, h: u32) -> String {
    let layer = |name: &str, op: &str, visibility: &str| {
        format!(
            "    <layer name=\"{name}\" src=\"data/{name}.png\" x=\"0\" y=\"0\" \
             opacity=\"1.0\" visibility=\"{visibility}\" composite-op=\"{op}\"/>\n"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <image version=\"0.0.3\" w=\"{w}\" h=\"{h}\" xres=\"72\" yres=\"72\">\n  <stack>\n\
         {}{}{}{}  </stack>\n</image>\n",
        layer("merged", "svg:src-over", "hidden"),
        layer("lines", "svg:src-over", "visible"),
        layer("shading", "svg:hard-light", "visible"),
        layer("flats", "svg:src-over", "visible"),
    )
}

fn put(
    zip: &mut ZipWriter<Cursor<Vec<u8>>>,
    name: &str,
    bytes: &[u8],
    options: FileOptions,
) -> Result<(), LayersError> {
    zip.start_file(name, options)?;
    zip.write_all(bytes).map_err(zip::result::ZipError::Io)?;
    Ok(())
}

/// The line art as black ink whose opacity is its darkness (`255 - grey`): transparent
/// on paper, so the layer sits over any colour as the multiplication does.
fn ink_of(lines: &GrayImage) -> RgbaImage {
    let (w, h) = lines.dimensions();
    RgbaImage::from_fn(w, h, |x, y| image::Rgba([0, 0, 0, 255 - lines[(x, y)][0]]))
}

fn grey_as_rgb(grey: &GrayImage) -> RgbImage {
    let (w, h) = grey.dimensions();
    RgbImage::from_fn(w, h, |x, y| image::Rgb([grey[(x, y)][0]; 3]))
}

/// The merged picture shrunk to fit `THUMBNAIL_MAX` (never enlarged).
fn thumbnail(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let scale = (f64::from(THUMBNAIL_MAX) / f64::from(w.max(h))).min(1.0);
    let (tw, th) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    if (tw, th) == (w, h) {
        img.clone()
    } else {
        imageops::thumbnail(img, tw, th)
    }
}

fn png_rgb(img: &RgbImage, layer: &'static str) -> Result<Vec<u8>, LayersError> {
    let (w, h) = img.dimensions();
    png(img.as_raw(), w, h, ExtendedColorType::Rgb8, layer)
}

fn png_rgba(img: &RgbaImage, layer: &'static str) -> Result<Vec<u8>, LayersError> {
    let (w, h) = img.dimensions();
    png(img.as_raw(), w, h, ExtendedColorType::Rgba8, layer)
}

fn png(
    raw: &[u8],
    w: u32,
    h: u32,
    kind: ExtendedColorType,
    layer: &'static str,
) -> Result<Vec<u8>, LayersError> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(raw, w, h, kind)
        .map_err(|source| LayersError::Png { layer, source })?;
    Ok(out)
}

/// Writes `layers` to `path` as OpenRaster, atomically.
pub fn write_ora(layers: &Layers, path: &std::path::Path) -> Result<()> {
    let bytes = ora_bytes(layers)?;
    data_prep::fs::write_atomic(path, &bytes).map_err(|e| crate::Error::io(path, e))
}
