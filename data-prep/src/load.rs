//! Loading any supported image file as 8-bit RGB on white (or as RGBA, for hint images):
//! PNG, JPEG, WebP, BMP, GIF (first frame), TIFF and SVG, recognised by content (the
//! extension is only a hint). Alpha is composited over white here, once, because transparent
//! pixels often hide black RGB (openclipart) and a transparent sketch must not turn black.
//! Dimensions are checked from the header before any pixel buffer is allocated
//! (decompression bombs).

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, ImageReader, RgbImage, RgbaImage};

use crate::gray::to_gray;
use crate::Error;

/// Bounds on what `load_rgb` accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadLimits {
    /// Largest width x height accepted (raster header or rasterised SVG).
    pub max_pixels: u64,
    /// Largest file size in bytes.
    pub max_file_bytes: u64,
    /// Rasterise SVGs so that their longer side has this many pixels (`None`: the SVG's own
    /// size, which for icons such as OpenMoji is only 72 px).
    pub svg_long_side: Option<u32>,
}

impl Default for LoadLimits {
    /// Generous but bomb-safe: 16000 x 16000 (openclipart has files that large) is accepted,
    /// which needs about 1 GB for RGBA during decoding.
    fn default() -> Self {
        LoadLimits {
            max_pixels: 16_000 * 16_000,
            max_file_bytes: 512 << 20,
            svg_long_side: None,
        }
    }
}

/// The file formats `load_rgb` recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A raster format the `image` crate decodes.
    Raster(ImageFormat),
    /// SVG or compressed SVG, rasterised with resvg.
    Svg,
}

/// Loads `path` as 8-bit RGB, compositing any alpha over white.
pub fn load_rgb(path: &Path, limits: &LoadLimits) -> Result<RgbImage, Error> {
    let bytes = read_bytes(path, limits)?;
    decode_rgb(path, &bytes, limits)
}

/// Loads `path` as 8-bit grey: alpha composited over white, then OpenCV's RGB -> grey
/// ([`crate::gray::to_gray`]). An 8-bit grey file comes back unchanged (equal channels give
/// their own value back exactly).
pub fn load_gray(path: &Path, limits: &LoadLimits) -> Result<GrayImage, Error> {
    Ok(to_gray(&load_rgb(path, limits)?))
}

/// Decodes in-memory file content (`path` only names it in errors).
pub fn decode_rgb(path: &Path, bytes: &[u8], limits: &LoadLimits) -> Result<RgbImage, Error> {
    match sniff_checked(path, bytes)? {
        Format::Raster(fmt) => Ok(flatten_on_white(decode_raster(path, bytes, fmt, limits)?)),
        Format::Svg => {
            let pixmap = render_svg(path, bytes, limits, true)?;
            // Opaque white background: premultiplied RGBA equals straight RGBA; drop alpha.
            let rgb = pixmap
                .data()
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            let (w, h) = (pixmap.width(), pixmap.height());
            Ok(RgbImage::from_raw(w, h, rgb).expect("three bytes per pixel"))
        }
    }
}

/// Decodes in-memory file content as 8-bit RGBA, keeping the alpha (hint images, where
/// transparent means "no hint"), with the same format detection and size guards as
/// [`decode_rgb`]. An SVG is rasterised on a transparent background.
pub fn decode_rgba(path: &Path, bytes: &[u8], limits: &LoadLimits) -> Result<RgbaImage, Error> {
    match sniff_checked(path, bytes)? {
        Format::Raster(fmt) => Ok(decode_raster(path, bytes, fmt, limits)?.into_rgba8()),
        Format::Svg => {
            let pixmap = render_svg(path, bytes, limits, false)?;
            let rgba = pixmap
                .pixels()
                .iter()
                .flat_map(|p| {
                    let c = p.demultiply();
                    [c.red(), c.green(), c.blue(), c.alpha()]
                })
                .collect();
            let (w, h) = (pixmap.width(), pixmap.height());
            Ok(RgbaImage::from_raw(w, h, rgba).expect("four bytes per pixel"))
        }
    }
}

/// Loads `path` as 8-bit RGBA (see [`decode_rgba`]).
pub fn load_rgba(path: &Path, limits: &LoadLimits) -> Result<RgbaImage, Error> {
    let bytes = read_bytes(path, limits)?;
    decode_rgba(path, &bytes, limits)
}

/// The format of non-empty file content, or why there is none.
fn sniff_checked(path: &Path, bytes: &[u8]) -> Result<Format, Error> {
    if bytes.is_empty() {
        return Err(Error::Empty {
            path: path.to_owned(),
        });
    }
    sniff(bytes).ok_or_else(|| Error::NotAnImage {
        path: path.to_owned(),
    })
}

/// Reads a whole file, refusing ones over the size limit before reading them.
pub fn read_bytes(path: &Path, limits: &LoadLimits) -> Result<Vec<u8>, Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > limits.max_file_bytes {
        let reason = format!(
            "file of {len} bytes exceeds the {} byte limit",
            limits.max_file_bytes
        );
        return Err(Error::Decode {
            path: path.to_owned(),
            format: "file".into(),
            reason,
        });
    }
    std::fs::read(path).map_err(io)
}

/// Recognises the format from the first bytes (magic numbers; SVG by its XML root).
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    let supported = [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::WebP,
        ImageFormat::Bmp,
        ImageFormat::Gif,
        ImageFormat::Tiff,
    ];
    if let Ok(fmt) = image::guess_format(bytes) {
        return supported.contains(&fmt).then_some(Format::Raster(fmt));
    }
    // Compressed SVG (.svgz) starts with the gzip magic; usvg inflates it.
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Svg);
    }
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with('<') && text.contains("<svg")).then_some(Format::Svg)
}

fn decode_raster(
    path: &Path,
    bytes: &[u8],
    fmt: ImageFormat,
    limits: &LoadLimits,
) -> Result<DynamicImage, Error> {
    let decode_err = |e: image::ImageError| Error::Decode {
        path: path.to_owned(),
        format: format!("{fmt:?}").to_uppercase(),
        reason: e.to_string(),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut lim = image::Limits::default();
    // Our pixel limit is the real guard; give the decoder room for 16-bit RGBA of that size.
    lim.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(lim);
    let decoder = reader.into_decoder().map_err(decode_err)?;
    let (w, h) = decoder.dimensions();
    check_size(path, w as u64, h as u64, limits)?;
    DynamicImage::from_decoder(decoder).map_err(decode_err)
}

fn check_size(path: &Path, w: u64, h: u64, limits: &LoadLimits) -> Result<(), Error> {
    if w == 0 || h == 0 {
        return Err(Error::ZeroSize {
            path: path.to_owned(),
            width: w,
            height: h,
        });
    }
    if w.saturating_mul(h) > limits.max_pixels {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            width: w,
            height: h,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Any decoded image -> RGB8 on white. 8-bit RGB(A) and grey(+alpha) take direct paths (no
/// intermediate RGBA copy); opaque RGBA rows skip the blend.
pub fn flatten_on_white(img: DynamicImage) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let rgb = match img {
        DynamicImage::ImageRgb8(rgb) => return rgb,
        DynamicImage::ImageRgba8(rgba) => rgba_on_white(rgba.as_raw()),
        DynamicImage::ImageLuma8(l) => l.as_raw().iter().flat_map(|&v| [v, v, v]).collect(),
        DynamicImage::ImageLumaA8(la) => la
            .as_raw()
            .chunks_exact(2)
            .flat_map(|p| {
                let v = over_white(p[0], p[1]);
                [v, v, v]
            })
            .collect(),
        other if other.color().has_alpha() => rgba_on_white(other.to_rgba8().as_raw()),
        other => return other.to_rgb8(),
    };
    RgbImage::from_raw(w, h, rgb).expect("three bytes per pixel")
}

/// Composites packed RGBA over white.
pub fn rgba_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.chunks_exact(4) {
        match p[3] {
            255 => out.extend_from_slice(&p[..3]),
            0 => out.extend_from_slice(&[255, 255, 255]),
            a => out.extend_from_slice(&[
                over_white(p[0], a),
                over_white(p[1], a),
                over_white(p[2], a),
            ]),
        }
    }
    out
}

/// c * a + 255 * (1 - a), with a in [0, 255], rounded to nearest.
#[inline]
pub fn over_white(c: u8, a: u8) -> u8 {
    let (c, a) = (c as u32, a as u32);
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Rasterises an SVG (premultiplied RGBA), on white when `on_white`, else transparent.
fn render_svg(
    path: &Path,
    bytes: &[u8],
    limits: &LoadLimits,
    on_white: bool,
) -> Result<resvg::tiny_skia::Pixmap, Error> {
    let svg_err = |reason: String| Error::Decode {
        path: path.to_owned(),
        format: "SVG".into(),
        reason,
    };
    let opt = svg_options(limits.max_pixels);
    let tree = resvg::usvg::Tree::from_data(bytes, &opt).map_err(|e| svg_err(e.to_string()))?;
    let size = tree.size();
    let (sw, sh) = (size.width() as f64, size.height() as f64);
    let scale = match limits.svg_long_side {
        Some(side) => side as f64 / sw.max(sh),
        None => 1.0,
    };
    let (w, h) = ((sw * scale).round().max(1.0), (sh * scale).round().max(1.0));
    if !(w.is_finite() && h.is_finite()) {
        return Err(svg_err("non-finite size".into()));
    }
    check_size(path, w as u64, h as u64, limits)?;
    let (w, h) = (w as u32, h as u32);
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| svg_err("cannot allocate".into()))?;
    if on_white {
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
    }
    let ts =
        resvg::tiny_skia::Transform::from_scale((w as f64 / sw) as f32, (h as f64 / sh) as f32);
    resvg::render(&tree, ts, &mut pixmap.as_mut());
    Ok(pixmap)
}

/// usvg options for untrusted SVGs. usvg's default `<image href>` handling reads any local
/// file the SVG names (`/dev/zero` never ends; a shared sketch could pull a private picture
/// into its output), and hands embedded raster images to decoders that know nothing of our
/// pixel limit. Here external references are ignored, and an embedded PNG, JPEG, GIF or
/// WebP is kept only if its header declares at most `max_pixels` pixels (nested SVG
/// documents are ignored).
pub(crate) fn svg_options(max_pixels: u64) -> resvg::usvg::Options<'static> {
    use resvg::usvg::{ImageHrefResolver, ImageKind, Options};
    let resolve_data = move |_mime: &str, data: std::sync::Arc<Vec<u8>>, _: &Options| {
        let fmt = image::guess_format(&data).ok()?;
        let (w, h) = ImageReader::with_format(Cursor::new(data.as_slice()), fmt)
            .into_dimensions()
            .ok()?;
        if w == 0 || h == 0 || u64::from(w) * u64::from(h) > max_pixels {
            return None;
        }
        match fmt {
            ImageFormat::Png => Some(ImageKind::PNG(data)),
            ImageFormat::Jpeg => Some(ImageKind::JPEG(data)),
            ImageFormat::Gif => Some(ImageKind::GIF(data)),
            ImageFormat::WebP => Some(ImageKind::WEBP(data)),
            _ => None,
        }
    };
    Options {
        image_href_resolver: ImageHrefResolver {
            resolve_data: Box::new(resolve_data),
            resolve_string: Box::new(|_, _| None),
        },
        ..Options::default()
    }
}
