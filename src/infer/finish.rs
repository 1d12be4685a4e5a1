//! Steps 3-5 of the colouring pipeline: from the network's colour on the working canvas to
//! the finished picture at the sketch's size, in a style ([`crate::style`]), with its layers.
//!
//! `soft` is the pix2pix look: crop, flat colour under the ink (so the network's blurry
//! rendering of the lines does not become dark halos once enlarged), resize to the sketch's
//! exact size, keep the page round the drawing white (`style::paper_outside`), lay the
//! original lines over by multiplication. `flat` and `shaded` start from the same full-size
//! colour and replace it per area of the sketch ([`crate::regions`]).

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage, RgbaImage};

use super::{InferOptions, WorkCanvas};
use crate::hints::{lift_fills, HintMap, INK_LEVEL};
use crate::regions::Regions;
use crate::style::{self, Layers, Style};

/// How many pixels (at working resolution) the flat-colour step reaches into thick ink.
const FILL_PASSES: usize = 16;

/// A finished colouring: the picture, and its layers when they were asked for.
#[derive(Debug, Clone)]
pub struct Coloured {
    /// The finished picture at the sketch's size.
    pub image: RgbImage,
    /// Lines, flats, shading and merged picture (`InferOptions::layers`).
    pub layers: Option<Layers>,
}

/// Steps 3-5 in the style of `opts`: `colour` is the network's output on `canvas`, `gray`
/// the sketch as drawn, `hints` the user's hints at the sketch's size (any transparent
/// pixel: no hint). `raw` returns the network's colour alone, resized.
pub fn finish_styled(
    colour: &RgbImage,
    canvas: &WorkCanvas,
    gray: &GrayImage,
    hints: Option<&RgbaImage>,
    opts: &InferOptions,
) -> Coloured {
    if opts.raw {
        return Coloured {
            image: finish(colour, canvas, gray, true),
            layers: None,
        };
    }
    let (colour, lines) = soft_parts(colour, canvas, gray);
    let regions = match opts.style {
        // Soft needs no areas: an empty map of the right size keeps `style::finish` simple.
        Style::Soft => None,
        _ => Some(Regions::compute(gray, &opts.regions)),
    };
    let hints = hints.map(HintMap::from_rgba);
    let layers = style::finish(
        opts.style,
        &lines,
        &colour,
        regions.as_ref(),
        hints.as_ref(),
    );
    Coloured {
        image: layers.merged.clone(),
        layers: opts.layers.then_some(layers),
    }
}

/// Steps 3-5 of the `soft` style (today's output): crop, flat colour, resize to the input
/// size, the page round the drawing white (`style::paper_outside`), recombine. Solid fills
/// the hints colour (`canvas.fills`) count as paper in the last two steps, so they take the
/// network's colour and keep only their rim of ink.
pub fn finish(colour: &RgbImage, canvas: &WorkCanvas, gray: &GrayImage, raw: bool) -> RgbImage {
    if raw {
        let colour = canvas.crop(colour).to_image();
        let (w, h) = gray.dimensions();
        return resize_rgb(&colour, w, h);
    }
    let (colour, lines) = soft_parts(colour, canvas, gray);
    recombine(&style::paper_outside(&colour, &lines, None), &lines)
}

/// The network's colour at the sketch's size with the ink flattened away, and the line art
/// to lay over it (the sketch, hinted solid fills lifted to paper inside their rim).
pub fn soft_parts(
    colour: &RgbImage,
    canvas: &WorkCanvas,
    gray: &GrayImage,
) -> (RgbImage, GrayImage) {
    let mut colour = canvas.crop(colour).to_image();
    let (w, h) = gray.dimensions();
    let mut line = canvas.crop(&canvas.image).to_image();
    let fills = canvas.fills.as_ref().map(|f| canvas.crop(f).to_image());
    if let Some(f) = &fills {
        lift_fills(&mut line, f);
    }
    fill_ink(&mut colour, &line);
    let colour = resize_rgb(&colour, w, h);
    let mut lines = gray.clone();
    if let Some(f) = fills {
        lift_fills(&mut lines, &resize_gray(&f, w, h));
    }
    (colour, lines)
}

/// Replaces the colour at ink pixels (`line < INK_LEVEL`) by the mean colour of their
/// already-known 8-neighbours, growing inward from the paper a pixel per pass.
pub fn fill_ink(colour: &mut RgbImage, line: &GrayImage) {
    let (w, h) = colour.dimensions();
    assert_eq!(
        (w, h),
        line.dimensions(),
        "colour and line must have the same size"
    );
    let mut known: Vec<bool> = line.pixels().map(|p| p[0] >= INK_LEVEL).collect();
    for _ in 0..FILL_PASSES {
        let mut updates = Vec::new();
        for y in 0..h {
            for x in 0..w {
                if known[(y * w + x) as usize] {
                    continue;
                }
                let (mut sum, mut n) = ([0u32; 3], 0u32);
                for ny in y.saturating_sub(1)..(y + 2).min(h) {
                    for nx in x.saturating_sub(1)..(x + 2).min(w) {
                        if known[(ny * w + nx) as usize] {
                            let p = colour.get_pixel(nx, ny);
                            (0..3).for_each(|c| sum[c] += u32::from(p[c]));
                            n += 1;
                        }
                    }
                }
                if n > 0 {
                    let mean = sum.map(|s| ((s + n / 2) / n) as u8);
                    updates.push((x, y, mean));
                }
            }
        }
        if updates.is_empty() {
            break;
        }
        for (x, y, mean) in updates {
            colour.put_pixel(x, y, image::Rgb(mean));
            known[(y * w + x) as usize] = true;
        }
    }
}

/// Lays the line art over the colour by multiplication: `out = colour * grey / 255`
/// (`style::multiply_lines`, which every style ends with).
pub fn recombine(colour: &RgbImage, gray: &GrayImage) -> RgbImage {
    style::multiply_lines(colour, gray)
}

/// INTER_AREA when shrinking (no aliasing of thin lines), bilinear when enlarging.
pub(crate) fn resize_gray(img: &GrayImage, w: u32, h: u32) -> GrayImage {
    if (w, h) == img.dimensions() {
        img.clone()
    } else if w <= img.width() && h <= img.height() {
        data_prep::resize::resize_area_gray(img, w, h)
    } else {
        imageops::resize(img, w, h, FilterType::Triangle)
    }
}

/// As `resize_gray`, for colour.
pub(crate) fn resize_rgb(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    if (w, h) == img.dimensions() {
        img.clone()
    } else if w <= img.width() && h <= img.height() {
        data_prep::resize::resize_area_rgb(img, w, h)
    } else {
        imageops::resize(img, w, h, FilterType::Triangle)
    }
}

#[cfg(test)]
mod fill_tests {
    use super::*;
    use crate::hints::coloured_fills;
    use image::{Luma, Rgb};

    /// A 32x32 sketch (canvas = sketch) with a 12x12 block of ink at 10..22 and a 1-px line
    /// at x = 4; the network's colour is red everywhere.
    fn scene() -> (GrayImage, WorkCanvas, RgbImage) {
        let gray = GrayImage::from_fn(32, 32, |x, y| {
            let block = (10..22).contains(&x) && (10..22).contains(&y);
            Luma([if block || x == 4 { 0 } else { 255 }])
        });
        let canvas = WorkCanvas::new(&gray, 32, 32);
        (
            gray,
            canvas,
            RgbImage::from_pixel(32, 32, Rgb([200, 30, 30])),
        )
    }

    #[test]
    fn a_hinted_fill_takes_the_colour_and_keeps_a_rim_while_lines_stay_ink() {
        let (gray, mut canvas, red) = scene();
        let plain = finish(&red, &canvas, &gray, false);
        assert_eq!(
            plain[(15, 15)],
            Rgb([0, 0, 0]),
            "no hint: the fill stays ink"
        );
        let mut map = HintMap::empty(32, 32);
        map.set(15, 15, Rgb([200, 30, 30]));
        map.set(4, 20, Rgb([200, 30, 30])); // on the line: dropped by canvas_hints, no fill
        canvas.fills = coloured_fills(&canvas.image, &map);
        let out = finish(&red, &canvas, &gray, false);
        for (x, y) in [(11, 11), (15, 15), (20, 20)] {
            assert_eq!(
                out[(x, y)],
                Rgb([200, 30, 30]),
                "inside the fill at ({x}, {y})"
            );
        }
        for (x, y) in [(10, 15), (21, 15), (15, 10)] {
            assert_eq!(out[(x, y)], Rgb([0, 0, 0]), "the rim at ({x}, {y})");
        }
        assert_eq!(out[(4, 20)], Rgb([0, 0, 0]), "the line stays ink");
        assert_eq!(out[(2, 2)], Rgb([200, 30, 30]), "paper takes the colour");
        // The raw output is the network's, fills or not.
        assert_eq!(finish(&red, &canvas, &gray, true), red);
    }
}
