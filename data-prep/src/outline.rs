//! Line art from a vector drawing's own outlines: the drawing's dark stroke paths drawn black,
//! every fill painted white (so a stroke that a later shape covers stays hidden, as in the
//! colour drawing) except dark fills, which stay black as ink (pupils, inked hair). Used for
//! openclipart's SVGs (`svg-outlines`), whose outlines are real drawn strokes: better line art
//! than any extraction from the colour picture.
//!
//! [`enclosure`] measures whether such outlines really enclose the drawing's colour: the share
//! of the coloured pixels that lie on ink or inside an area the ink closes off from the
//! picture's border. A drawing whose colour spills past its outlines (outlines only on some
//! parts, colour painted under a loose sketch) teaches colour outside the lines.

use std::path::Path;

use image::{GrayImage, RgbImage};
use resvg::tiny_skia::{self, FillRule, Paint as SkPaint, Pixmap, Transform};
use resvg::usvg::{self, Group, Node, Paint};

use crate::load::svg_options;
use crate::Error;

/// How the outline line art is drawn and what counts as ink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlineOptions {
    /// Longest side of both renderings, in pixels.
    pub size: u32,
    /// Paint at most this light (its brightest channel, 0-1) is ink: its strokes are
    /// outlines and its fills stay black.
    pub ink_lightness: f32,
    /// Fills at most this light are ink (kept black); lighter ones are painted white. Lower
    /// than `ink_lightness`, so that dark-coloured shapes (a brown sausage, navy trousers)
    /// stay areas to colour.
    pub ink_fill_lightness: f32,
    /// Strokes and fills less opaque than this are left out of the line art (shadows,
    /// highlights, glazes).
    pub min_opacity: f32,
    /// Maximum pixels of an SVG's rendering (decompression-bomb guard).
    pub max_pixels: u64,
}

impl Default for OutlineOptions {
    fn default() -> Self {
        OutlineOptions {
            size: 512,
            ink_lightness: 0.3,
            ink_fill_lightness: 0.15,
            min_opacity: 0.5,
            max_pixels: 64 << 20,
        }
    }
}

/// A drawing rendered twice: as drawn, and as its outlines.
#[derive(Debug, Clone)]
pub struct OutlinePair {
    /// The drawing as drawn, over white.
    pub color: RgbImage,
    /// Its outline line art: black ink on white.
    pub line: GrayImage,
    /// Dark stroke paths drawn (0: the drawing has no outlines).
    pub strokes: usize,
    /// Dark filled shapes kept as ink.
    pub ink_fills: usize,
}

/// Renders `bytes` (an SVG) as drawn and as its outlines, both `opts.size` on the longest side.
pub fn outline_pair(
    path: &Path,
    bytes: &[u8],
    opts: &OutlineOptions,
) -> Result<OutlinePair, Error> {
    let err = |reason: String| Error::Decode {
        path: path.to_owned(),
        format: "SVG".into(),
        reason,
    };
    let tree = usvg::Tree::from_data(bytes, &svg_options(opts.max_pixels))
        .map_err(|e| err(e.to_string()))?;
    let size = tree.size();
    let (sw, sh) = (size.width() as f64, size.height() as f64);
    let scale = opts.size as f64 / sw.max(sh);
    let (w, h) = ((sw * scale).round().max(1.0), (sh * scale).round().max(1.0));
    if !(w.is_finite() && h.is_finite()) || w * h > opts.max_pixels as f64 {
        return Err(err(format!("unusable size {sw}x{sh}")));
    }
    let (w, h) = (w as u32, h as u32);
    let ts = Transform::from_scale((w as f64 / sw) as f32, (h as f64 / sh) as f32);
    let blank = || {
        let mut p = Pixmap::new(w, h).ok_or_else(|| err("cannot allocate".into()))?;
        p.fill(tiny_skia::Color::WHITE);
        Ok::<_, Error>(p)
    };
    let mut color = blank()?;
    resvg::render(&tree, ts, &mut color.as_mut());
    let mut line = blank()?;
    let mut counts = (0, 0);
    draw_outlines(tree.root(), ts, opts, &mut line, &mut counts);
    Ok(OutlinePair {
        color: to_rgb(&color),
        line: to_gray(&line),
        strokes: counts.0,
        ink_fills: counts.1,
    })
}

/// Lightness (0-1) of a paint as its brightest channel (HSV value), so that saturated
/// colours (pure blue, red) are never ink: a colour's own, a gradient's mean stop; patterns
/// count as light.
fn lightness(paint: &Paint) -> f32 {
    let lum = |c: usvg::Color| c.red.max(c.green).max(c.blue) as f32 / 255.0;
    match paint {
        Paint::Color(c) => lum(*c),
        Paint::LinearGradient(g) => mean_stop(g.stops(), lum),
        Paint::RadialGradient(g) => mean_stop(g.stops(), lum),
        Paint::Pattern(_) => 1.0,
    }
}

fn mean_stop(stops: &[usvg::Stop], lum: impl Fn(usvg::Color) -> f32) -> f32 {
    if stops.is_empty() {
        return 1.0;
    }
    stops.iter().map(|s| lum(s.color())).sum::<f32>() / stops.len() as f32
}

/// Draws a group's outlines: paths in document order, dark strokes black, fills white or
/// (dark ones) black. Clip paths and masks are ignored; translucent groups are left out.
fn draw_outlines(
    group: &Group,
    ts: Transform,
    opts: &OutlineOptions,
    out: &mut Pixmap,
    counts: &mut (usize, usize),
) {
    for node in group.children() {
        match node {
            Node::Group(g) => {
                if g.opacity().get() >= opts.min_opacity {
                    draw_outlines(g, ts, opts, out, counts);
                }
            }
            Node::Text(t) => draw_outlines(t.flattened(), ts, opts, out, counts),
            Node::Image(_) => {}
            Node::Path(p) => {
                if !p.is_visible() {
                    continue;
                }
                let t = ts.pre_concat(p.abs_transform());
                let mut paint = SkPaint {
                    anti_alias: true,
                    ..SkPaint::default()
                };
                let stroke_first = p.paint_order() == usvg::PaintOrder::StrokeAndFill;
                let fill = |out: &mut Pixmap, paint: &mut SkPaint, counts: &mut (usize, usize)| {
                    if let Some(f) = p.fill() {
                        if f.opacity().get() < opts.min_opacity {
                            return;
                        }
                        let ink = lightness(f.paint()) <= opts.ink_fill_lightness;
                        counts.1 += usize::from(ink);
                        paint.set_color(if ink {
                            tiny_skia::Color::BLACK
                        } else {
                            tiny_skia::Color::WHITE
                        });
                        let rule = match f.rule() {
                            usvg::FillRule::NonZero => FillRule::Winding,
                            usvg::FillRule::EvenOdd => FillRule::EvenOdd,
                        };
                        out.fill_path(p.data(), paint, rule, t, None);
                    }
                };
                let stroke =
                    |out: &mut Pixmap, paint: &mut SkPaint, counts: &mut (usize, usize)| {
                        if let Some(s) = p.stroke() {
                            if s.opacity().get() < opts.min_opacity
                                || lightness(s.paint()) > opts.ink_lightness
                            {
                                return; // a coloured or light stroke: part of the colour
                            }
                            counts.0 += 1;
                            paint.set_color(tiny_skia::Color::BLACK);
                            out.stroke_path(p.data(), paint, &s.to_tiny_skia(), t, None);
                        }
                    };
                if stroke_first {
                    stroke(out, &mut paint, counts);
                    fill(out, &mut paint, counts);
                } else {
                    fill(out, &mut paint, counts);
                    stroke(out, &mut paint, counts);
                }
            }
        }
    }
}

/// Premultiplied RGBA over white (the pixmaps start white, so alpha is 255) to RGB.
fn to_rgb(p: &Pixmap) -> RgbImage {
    let mut out = RgbImage::new(p.width(), p.height());
    for (o, c) in out.pixels_mut().zip(p.pixels()) {
        let c = c.demultiply();
        o.0 = [c.red(), c.green(), c.blue()];
    }
    out
}

fn to_gray(p: &Pixmap) -> GrayImage {
    let rgb = to_rgb(p);
    crate::gray::to_gray(&rgb)
}

/// How well a drawing's outlines hold its colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enclosure {
    /// Share of all pixels that are ink (grey below 128) in the line art.
    pub ink: f64,
    /// Share of all pixels that carry colour: not ink nor a line's anti-aliased rim, and
    /// differing from white paper by more than [`COLOUR_DIFF`] in some channel.
    pub colored: f64,
    /// Of the coloured pixels, the share inside an area the ink closes off from the border
    /// (1: every colour is held by outlines).
    pub enclosed: f64,
    /// Mean chroma of the coloured pixels as max - min channel, 0-255 (low: a grey drawing).
    pub chroma: f64,
}

/// A channel difference from white above which a pixel counts as coloured.
pub const COLOUR_DIFF: u8 = 24;

/// Line-art grey below which a pixel is a line's anti-aliased rim, not colour.
const EDGE: u8 = 224;

/// Measures [`Enclosure`]: flood-fills the paper (grey >= 128) from the border through
/// 4-connected steps; what the fill does not reach is enclosed. The fill is held back by the
/// ink grown by `gap` pixels, so gaps in the outlines up to `2 gap` pixels wide still close.
/// With `border_closes` the picture's edge closes areas too (a figure cut by the frame, its
/// shirt coloured up to the edge): the fill starts only from border pixels that are paper in
/// the colour picture as well.
pub fn enclosure(line: &GrayImage, color: &RgbImage, gap: u32, border_closes: bool) -> Enclosure {
    let (w, h) = line.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let ink: Vec<bool> = line.pixels().map(|p| p.0[0] < 128).collect();
    let barrier: Vec<bool> = if gap == 0 {
        ink.clone()
    } else {
        // Grow the ink: the grey maximum of the inverted line art.
        let inverted =
            GrayImage::from_fn(w, h, |x, y| image::Luma([255 - line.get_pixel(x, y).0[0]]));
        crate::lineart::dilate(&inverted, 2 * gap + 1)
            .pixels()
            .map(|p| p.0[0] > 127)
            .collect()
    };
    let mut outside = vec![false; wu * hu];
    let mut stack = Vec::new();
    for x in 0..wu {
        stack.push(x);
        stack.push((hu - 1) * wu + x);
    }
    for y in 0..hu {
        stack.push(y * wu);
        stack.push(y * wu + wu - 1);
    }
    let paper = |i: usize| {
        let c = color.as_raw();
        c[3 * i..3 * i + 3].iter().all(|&v| v >= 255 - COLOUR_DIFF)
    };
    if border_closes {
        stack.retain(|&i| paper(i));
    }
    while let Some(i) = stack.pop() {
        if barrier[i] || outside[i] {
            continue;
        }
        outside[i] = true;
        let (x, y) = (i % wu, i / wu);
        if x > 0 {
            stack.push(i - 1);
        }
        if x + 1 < wu {
            stack.push(i + 1);
        }
        if y > 0 {
            stack.push(i - wu);
        }
        if y + 1 < hu {
            stack.push(i + wu);
        }
    }
    let (mut n_ink, mut n_col, mut n_enc, mut chroma) = (0u64, 0u64, 0u64, 0u64);
    for (i, c) in color.pixels().enumerate() {
        if ink[i] {
            n_ink += 1;
            continue;
        }
        if line.as_raw()[i] < EDGE {
            continue; // the anti-aliased rim of a line: its colour is the line's own
        }
        let [r, g, b] = c.0;
        if 255 - r.min(g).min(b) <= COLOUR_DIFF {
            continue;
        }
        n_col += 1;
        n_enc += u64::from(!outside[i]);
        chroma += u64::from(r.max(g).max(b) - r.min(g).min(b));
    }
    let total = (wu * hu).max(1) as f64;
    Enclosure {
        ink: n_ink as f64 / total,
        colored: n_col as f64 / total,
        enclosed: if n_col == 0 {
            0.0
        } else {
            n_enc as f64 / n_col as f64
        },
        chroma: if n_col == 0 {
            0.0
        } else {
            chroma as f64 / n_col as f64
        },
    }
}

/// What a drawing must show to become a training pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeepRules {
    /// Least share of the colour held by outlines ([`Enclosure::enclosed`]).
    pub min_enclosed: f64,
    /// Ink share bounds: fewer is no line art, more is a silhouette or a dense hatching.
    pub min_ink: f64,
    /// See `min_ink`.
    pub max_ink: f64,
    /// Least share of coloured pixels (below: a line drawing with next to no colour).
    pub min_colored: f64,
    /// Least mean chroma of the coloured pixels (below: a grey drawing).
    pub min_chroma: f64,
    /// Outlines may be dark filled shapes (strokes expanded to paths, as DiceBear's Open
    /// Peeps draw them): a drawing with dark fills but no dark strokes is not dropped.
    pub fill_outlines: bool,
}

impl Default for KeepRules {
    fn default() -> Self {
        KeepRules {
            min_enclosed: 0.9,
            min_ink: 0.01,
            max_ink: 0.35,
            min_colored: 0.05,
            min_chroma: 20.0,
            fill_outlines: false,
        }
    }
}

/// Why a drawing is dropped, or `None` when it is kept. Checked in this order, so each drop
/// has one reason.
pub fn drop_reason(pair: &OutlinePair, e: &Enclosure, rules: &KeepRules) -> Option<&'static str> {
    if pair.strokes == 0 && !(rules.fill_outlines && pair.ink_fills > 0) {
        Some("no dark outline strokes")
    } else if e.ink < rules.min_ink {
        Some("too little ink")
    } else if e.ink > rules.max_ink {
        Some("mostly ink (silhouette or hatching)")
    } else if e.colored < rules.min_colored {
        Some("next to no colour")
    } else if e.chroma < rules.min_chroma {
        Some("grey drawing")
    } else if e.enclosed < rules.min_enclosed {
        Some("colour not enclosed by the outlines")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svg(body: &str) -> Vec<u8> {
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{body}</svg>"#)
            .into_bytes()
    }

    fn pair(body: &str) -> OutlinePair {
        let opts = OutlineOptions {
            size: 100,
            ..OutlineOptions::default()
        };
        outline_pair(Path::new("t.svg"), &svg(body), &opts).unwrap()
    }

    #[test]
    fn strokes_turn_black_and_fills_white() {
        // A red disc with a dark-blue outline: the line art is a black ring on white.
        let p = pair(
            r##"<circle cx="50" cy="50" r="30" fill="#e00000" stroke="#102040" stroke-width="4"/>"##,
        );
        assert_eq!((p.strokes, p.ink_fills), (1, 0));
        assert_eq!(p.color.get_pixel(50, 50).0, [224, 0, 0]);
        assert_eq!(
            p.line.get_pixel(50, 50).0[0],
            255,
            "the fill is white in the line art"
        );
        assert_eq!(p.line.get_pixel(80, 50).0[0], 0, "the stroke is black");
        assert_eq!(p.line.get_pixel(5, 5).0[0], 255);
        let e = enclosure(&p.line, &p.color, 0, false);
        assert!(e.enclosed > 0.99, "{e:?}");
        assert!(e.chroma > 200.0, "{e:?}");
        assert_eq!(drop_reason(&p, &e, &KeepRules::default()), None);
    }

    #[test]
    fn a_fill_hides_the_strokes_under_it_and_dark_fills_are_ink() {
        // A stroke under a light square stays hidden; a black dot on top stays ink.
        let p = pair(concat!(
            r##"<line x1="0" y1="50" x2="100" y2="50" fill="none" stroke="#000" stroke-width="4"/>"##,
            r##"<rect x="20" y="20" width="60" height="60" fill="#ffcc00"/>"##,
            r##"<circle cx="50" cy="30" r="5" fill="#111"/>"##
        ));
        assert_eq!((p.strokes, p.ink_fills), (1, 1));
        assert_eq!(p.line.get_pixel(50, 50).0[0], 255, "covered by the square");
        assert_eq!(
            p.line.get_pixel(10, 50).0[0],
            0,
            "outside the square the line shows"
        );
        assert_eq!(p.line.get_pixel(50, 30).0[0], 0, "the dark dot is ink");
    }

    #[test]
    fn light_and_translucent_strokes_are_colour_not_outline() {
        let p = pair(concat!(
            r##"<circle cx="50" cy="50" r="30" fill="#0a0" stroke="#f0c000" stroke-width="4"/>"##,
            r##"<circle cx="50" cy="50" r="10" fill="none" stroke="#000" stroke-opacity="0.2"/>"##
        ));
        assert_eq!(p.strokes, 0);
        let e = enclosure(&p.line, &p.color, 0, false);
        assert_eq!(
            drop_reason(&p, &e, &KeepRules::default()),
            Some("no dark outline strokes")
        );
    }

    #[test]
    fn colour_outside_the_outlines_is_measured_and_dropped() {
        // Outline around the left half only; the colour fills the whole square.
        let p = pair(concat!(
            r##"<rect x="10" y="10" width="80" height="80" fill="#2050e0"/>"##,
            r##"<rect x="10" y="10" width="40" height="80" fill="none" stroke="#000" stroke-width="2"/>"##
        ));
        let e = enclosure(&p.line, &p.color, 0, false);
        assert!((0.35..0.65).contains(&e.enclosed), "{e:?}");
        assert_eq!(
            drop_reason(&p, &e, &KeepRules::default()),
            Some("colour not enclosed by the outlines")
        );
    }

    #[test]
    fn enclosure_counts_by_hand() {
        // 6x6: a closed ink ring around a 2x2 red interior, one red pixel outside it.
        let mut line = GrayImage::from_pixel(6, 6, image::Luma([255]));
        let mut color = RgbImage::from_pixel(6, 6, image::Rgb([255, 255, 255]));
        for i in 1..5 {
            for (x, y) in [(i, 1), (i, 4), (1, i), (4, i)] {
                line.put_pixel(x, y, image::Luma([0]));
            }
        }
        for (x, y) in [(2, 2), (3, 2), (2, 3), (3, 3), (0, 0)] {
            color.put_pixel(x, y, image::Rgb([255, 0, 0]));
        }
        let e = enclosure(&line, &color, 0, false);
        assert_eq!(e.ink, 12.0 / 36.0);
        assert_eq!(e.colored, 5.0 / 36.0);
        assert_eq!(e.enclosed, 4.0 / 5.0);
        assert_eq!(e.chroma, 255.0);
    }

    #[test]
    fn small_gaps_in_an_outline_close_with_gap() {
        // A 20x20 ring with a 2-pixel opening in its top side, red inside.
        let mut line = GrayImage::from_pixel(24, 24, image::Luma([255]));
        let mut color = RgbImage::from_pixel(24, 24, image::Rgb([255, 255, 255]));
        for i in 2..22 {
            for (x, y) in [(i, 2), (i, 21), (2, i), (21, i)] {
                if !(y == 2 && (11..13).contains(&x)) {
                    line.put_pixel(x, y, image::Luma([0]));
                }
            }
        }
        for y in 3..21 {
            for x in 3..21 {
                color.put_pixel(x, y, image::Rgb([200, 0, 0]));
            }
        }
        assert_eq!(
            enclosure(&line, &color, 0, false).enclosed,
            0.0,
            "the fill leaks in"
        );
        assert_eq!(
            enclosure(&line, &color, 1, false).enclosed,
            1.0,
            "grown by 1, the gap closes"
        );
    }

    #[test]
    fn the_frame_closes_areas_only_when_asked() {
        // A blue shirt cut by the bottom edge: outlined on its sides, coloured to the edge.
        let mut line = GrayImage::from_pixel(10, 10, image::Luma([255]));
        let mut color = RgbImage::from_pixel(10, 10, image::Rgb([255, 255, 255]));
        for y in 4..10 {
            line.put_pixel(2, y, image::Luma([0]));
            line.put_pixel(7, y, image::Luma([0]));
            for x in 3..7 {
                color.put_pixel(x, y, image::Rgb([0, 0, 200]));
            }
        }
        for x in 2..8 {
            line.put_pixel(x, 4, image::Luma([0]));
        }
        assert_eq!(enclosure(&line, &color, 0, false).enclosed, 0.0);
        assert_eq!(enclosure(&line, &color, 0, true).enclosed, 1.0);
    }
}
