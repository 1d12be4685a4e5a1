//! The styles on hand-drawn 40x40 sketches whose areas are known by construction.

use image::{GrayImage, Luma, Rgb, RgbImage};

use super::*;
use crate::regions::{AreaKind, RegionOptions, Regions};

/// A 40x40 page: a box with 2-px walls at 6..8 and 32..34 split by a 2-px wall at x =
/// 19..21 into a left room (x 8..19, y 8..32) and a right room (x 21..32); optionally a
/// solid 8x8 block of ink in the right room at x, y 24..32 — no, at x 23..31, y 12..20.
fn sketch(with_block: bool) -> GrayImage {
    GrayImage::from_fn(40, 40, |x, y| {
        let in_box = (6..34).contains(&x) && (6..34).contains(&y);
        let wall = in_box
            && ((6..8).contains(&x)
                || (32..34).contains(&x)
                || (6..8).contains(&y)
                || (32..34).contains(&y)
                || (19..21).contains(&x));
        let block = with_block && (23..31).contains(&x) && (12..20).contains(&y);
        Luma([if wall || block { 0 } else { 255 }])
    })
}

const LEFT: (u32, u32) = (12, 20);
const RIGHT: (u32, u32) = (26, 26);
const OUTSIDE: (u32, u32) = (2, 2);
const RED: [u8; 3] = [200, 40, 40];
const BLUE: [u8; 3] = [40, 60, 190];
const BEIGE: [u8; 3] = [230, 210, 170];

/// The network's colour as the tests fake it: beige outside the box, red on the left of
/// x = 20 and blue on its right inside, with a deterministic +-`noise` level jitter.
fn network(noise: i32) -> RgbImage {
    RgbImage::from_fn(40, 40, |x, y| {
        let inside = (6..34).contains(&x) && (6..34).contains(&y);
        let base = match (inside, x < 20) {
            (false, _) => BEIGE,
            (true, true) => RED,
            (true, false) => BLUE,
        };
        let j = ((x * 7 + y * 13) % 5) as i32 - 2; // -2..=2
        Rgb(base.map(|c| (i32::from(c) + j * noise / 2).clamp(0, 255) as u8))
    })
}

fn regions(gray: &GrayImage) -> Regions {
    Regions::compute(gray, &RegionOptions::default())
}

fn hints(points: &[((u32, u32), [u8; 3])]) -> HintMap {
    let mut map = HintMap::empty(40, 40);
    for &((x, y), c) in points {
        map.set(x, y, Rgb(c));
    }
    map
}

fn max_diff(a: [u8; 3], b: [u8; 3]) -> u8 {
    (0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap()
}

#[test]
fn soft_is_the_recombined_network_colour_bit_for_bit() {
    let gray = sketch(true);
    let colour = network(10);
    let layers = finish(Style::Soft, &gray, &colour, None, None);
    assert_eq!(layers.merged, crate::infer::recombine(&colour, &gray));
    assert_eq!(layers.flats, colour);
    assert_eq!(layers.lines, gray);
    assert!(layers.shading.pixels().all(|p| p[0] == NEUTRAL_SHADE));
    // Regions and hints change nothing in soft (the network paints the page beige here, so
    // it is left as it is: `soft_leaves_a_page_the_network_colours_as_it_is`).
    let r = regions(&gray);
    let h = hints(&[(LEFT, [0, 255, 0])]);
    let again = finish(Style::Soft, &gray, &colour, Some(&r), Some(&h));
    assert_eq!(again.merged, layers.merged);
}

#[test]
fn flat_gives_every_area_one_colour_the_networks_median() {
    let gray = sketch(false);
    let colour = network(10);
    let r = regions(&gray);
    let layers = finish(Style::Flat, &gray, &colour, Some(&r), None);
    for area in r.areas() {
        let (x0, y0) = area.inner_point;
        let c = layers.flats[(x0, y0)].0;
        let off = (0..40u32)
            .flat_map(|y| (0..40u32).map(move |x| (x, y)))
            .filter(|&(x, y)| r.label(x, y) == area.label)
            .filter(|&(x, y)| layers.merged[(x, y)].0 != c)
            .count();
        assert_eq!(off, 0, "area {} ({:?})", area.label, area.inner_point);
    }
    // The median sees through the +-10 jitter: exactly the base colours, within the Lab
    // quantisation (a level).
    assert!(
        max_diff(layers.merged[LEFT].0, RED) <= 1,
        "{:?}",
        layers.merged[LEFT]
    );
    assert!(
        max_diff(layers.merged[RIGHT].0, BLUE) <= 1,
        "{:?}",
        layers.merged[RIGHT]
    );
    // Lines stay ink, and under them the flats carry a neighbouring area's colour.
    assert_eq!(layers.merged[(19, 20)].0, [0, 0, 0]);
    let under = layers.flats[(19, 20)].0;
    assert!(under == layers.flats[LEFT].0 || under == layers.flats[RIGHT].0);
    assert_eq!(
        layers.flats[(6, 20)].0,
        [255; 3],
        "outer wall: next to the outside"
    );
    assert!(layers.shading.pixels().all(|p| p[0] == NEUTRAL_SHADE));
}

#[test]
fn paper_touching_the_border_stays_white_unless_hinted() {
    let gray = sketch(false);
    let colour = network(0);
    let r = regions(&gray);
    let outside = r.area(r.label(OUTSIDE.0, OUTSIDE.1)).unwrap();
    assert!(outside.touches_border && outside.kind == AreaKind::Paper);
    let plain = finish(Style::Flat, &gray, &colour, Some(&r), None);
    assert_eq!(plain.merged[OUTSIDE].0, [255; 3], "network said beige");
    assert_eq!(plain.merged[(39, 39)].0, [255; 3]);
    let h = hints(&[((1, 38), [250, 200, 0])]);
    let hinted = finish(Style::Flat, &gray, &colour, Some(&r), Some(&h));
    assert_eq!(hinted.merged[OUTSIDE].0, [250, 200, 0]);
    assert_eq!(hinted.merged[(39, 0)].0, [250, 200, 0]);
    assert_eq!(hinted.merged[LEFT], plain.merged[LEFT], "inside unchanged");
}

#[test]
fn a_hint_dot_fills_its_area_and_not_the_one_across_the_line() {
    let gray = sketch(false);
    let colour = network(10);
    let r = regions(&gray);
    let green = [30, 180, 60];
    let h = hints(&[(LEFT, green)]);
    for style in [Style::Flat, Style::Shaded] {
        let layers = finish(style, &gray, &colour, Some(&r), Some(&h));
        let left = r.label(LEFT.0, LEFT.1);
        for y in 0..40 {
            for x in 0..40 {
                let l = r.label(x, y);
                if l == left {
                    assert_eq!(layers.flats[(x, y)].0, green, "{style} ({x}, {y})");
                } else if l != 0 {
                    assert_ne!(layers.flats[(x, y)].0, green, "{style} ({x}, {y})");
                }
            }
        }
        // Shaded follows the network's +-10 jitter in the picture: compare the flats.
        assert!(
            max_diff(layers.flats[RIGHT].0, BLUE) <= 1,
            "{style}: right keeps its colour"
        );
    }
}

#[test]
fn near_hint_colours_give_their_mean_and_a_stray_pixel_is_ignored() {
    let gray = sketch(false);
    let r = regions(&gray);
    // Two reds 20 levels apart, 1 + 3 pixels: one colour, their pixel-weighted mean
    // ((200 + 3 * 220) / 4 = 215, 40, 40). In the right room, 19 blue pixels and one red
    // (5% of them): the red is a stray, the room is blue.
    let mut points = vec![
        ((10, 10), [200, 40, 40]),
        ((15, 25), [220, 40, 40]),
        ((16, 25), [220, 40, 40]),
        ((17, 25), [220, 40, 40]),
        ((19, 25), [0, 255, 0]), // on the wall: no area's
        ((22, 9), [255, 0, 0]),
    ];
    points.extend((0..19).map(|i| ((22 + i % 9, 10 + i / 9), BLUE)));
    let layers = finish(
        Style::Flat,
        &gray,
        &network(0),
        Some(&r),
        Some(&hints(&points)),
    );
    assert_eq!(layers.merged[LEFT].0, [215, 40, 40]);
    assert_eq!(layers.merged[RIGHT].0, BLUE);
    assert_eq!(layers.merged[(19, 25)].0, [0, 0, 0], "the line stays ink");
}

#[test]
fn clearly_different_hint_colours_in_one_area_split_it_where_the_network_does() {
    // One closed room, no wall between x < 20 and x >= 20: the box without its middle wall.
    let gray = GrayImage::from_fn(40, 40, |x, y| {
        let in_box = (6..34).contains(&x) && (6..34).contains(&y);
        let wall = in_box
            && ((6..8).contains(&x)
                || (32..34).contains(&x)
                || (6..8).contains(&y)
                || (32..34).contains(&y));
        Luma([if wall { 0 } else { 255 }])
    });
    let r = regions(&gray);
    // The network paints the left half reddish and the right half bluish (with noise);
    // the user drops a pure red dot on the left and a pure blue one on the right.
    let colour = network(10);
    let h = hints(&[((10, 20), [255, 0, 0]), ((30, 20), [0, 0, 255])]);
    let layers = finish(Style::Flat, &gray, &colour, Some(&r), Some(&h));
    // Every pixel of the room is one of the two hint colours, on the network's side.
    for y in 9..31 {
        for x in 9..31 {
            let want = if x < 20 { [255, 0, 0] } else { [0, 0, 255] };
            assert_eq!(layers.flats[(x, y)].0, want, "({x}, {y})");
        }
    }
    // Shaded keeps such an area flat (no shading layer over it).
    let shaded = finish(Style::Shaded, &gray, &colour, Some(&r), Some(&h));
    assert_eq!(shaded.shading[(12, 12)][0], NEUTRAL_SHADE);
    assert!(max_diff(shaded.merged[(12, 12)].0, [255, 0, 0]) <= 1);
}

#[test]
fn a_hinted_solid_fill_takes_the_hint_inside_its_rim_and_an_unhinted_one_stays_ink() {
    let gray = sketch(true);
    let r = regions(&gray);
    let fill = r.label(27, 16);
    assert_eq!(r.area(fill).map(|a| a.kind), Some(AreaKind::Fill));
    let colour = network(0);
    let plain = finish(Style::Flat, &gray, &colour, Some(&r), None);
    assert_eq!(plain.merged[(27, 16)].0, [0, 0, 0]);
    // Its flat colour, hidden under the ink, is the room's around it.
    assert_eq!(plain.flats[(27, 16)], plain.flats[RIGHT]);
    let h = hints(&[((27, 16), [240, 120, 0])]);
    let hinted = finish(Style::Flat, &gray, &colour, Some(&r), Some(&h));
    for y in 12..20 {
        for x in 23..31 {
            let l = r.label(x, y);
            let want = if l == fill { [240, 120, 0] } else { [0, 0, 0] };
            assert_eq!(hinted.merged[(x, y)].0, want, "({x}, {y}), label {l}");
            assert_eq!(hinted.lines[(x, y)][0], if l == fill { 255 } else { 0 });
        }
    }
    assert_eq!(
        hinted.merged[RIGHT], plain.merged[RIGHT],
        "the room is not the fill"
    );
}

#[test]
fn shaded_keeps_the_flat_colour_where_the_network_is_flat_and_follows_its_lightness() {
    let gray = sketch(false);
    let r = regions(&gray);
    // Flat network: shaded = flat within a level.
    let colour = network(0);
    let flat = finish(Style::Flat, &gray, &colour, Some(&r), None);
    let shaded = finish(Style::Shaded, &gray, &colour, Some(&r), None);
    assert_eq!(shaded.flats, flat.flats);
    for (a, b) in shaded.merged.pixels().zip(flat.merged.pixels()) {
        assert!(max_diff(a.0, b.0) <= 1, "{a:?} vs {b:?}");
    }
    // A lightness ramp in the right room: darker at the top, lighter at the bottom, the
    // same colour at the median row; the outside varies too but must stay paper.
    let ramp = RgbImage::from_fn(40, 40, |x, y| {
        let c = colour[(x, y)].0;
        let d = 3 * (y as i32 - 20);
        if x < 20 && (6..34).contains(&y) && (6..34).contains(&x) {
            Rgb(c)
        } else {
            Rgb(c.map(|v| (i32::from(v) + d).clamp(0, 255) as u8))
        }
    });
    let shaded = finish(Style::Shaded, &gray, &ramp, Some(&r), None);
    let flat = finish(Style::Flat, &gray, &ramp, Some(&r), None);
    let lum =
        |c: [u8; 3]| 0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2]);
    // The room's rows 8..32 hold 11 pixels each: the lower median of its 264 pixels (the
    // 132nd) lies in its 12th row, y = 19, where the flat colour comes from.
    let (top, mid, bottom) = ((26, 10), (26, 19), (26, 30));
    assert!(lum(shaded.merged[top].0) < lum(flat.merged[top].0) - 10.0);
    assert!(lum(shaded.merged[bottom].0) > lum(flat.merged[bottom].0) + 10.0);
    assert!(max_diff(shaded.merged[mid].0, flat.merged[mid].0) <= 1);
    assert!(shaded.shading[top][0] < NEUTRAL_SHADE && shaded.shading[bottom][0] > NEUTRAL_SHADE);
    // The left room (flat there) and the paper outside stay as they were.
    assert!(max_diff(shaded.merged[LEFT].0, flat.merged[LEFT].0) <= 1);
    for (x, y) in [(2, 2), (2, 38), (38, 20)] {
        assert_eq!(shaded.merged[(x, y)].0, [255; 3], "paper at ({x}, {y})");
        assert_eq!(shaded.shading[(x, y)][0], NEUTRAL_SHADE);
    }
    // merged is the layers composited: lines over hard light of shading over flats.
    let composite = multiply_lines(
        &shade::hard_light_image(&shaded.flats, &shaded.shading),
        &shaded.lines,
    );
    assert_eq!(shaded.merged, composite);
}

#[test]
fn a_hinted_area_keeps_half_its_lightness_variation_and_none_of_the_hints_spot() {
    let gray = sketch(false);
    let r = regions(&gray);
    let l_star = |c: [u8; 3]| crate::metrics::hue::srgb_to_lab(c.map(|v| f64::from(v) / 255.0))[0];
    // 1. The right room hinted blue, the network blue there with its lightness +-36 levels
    //    off the middle row: unhinted the room follows that in full, hinted in half.
    let ramp = RgbImage::from_fn(40, 40, |x, y| {
        let c = network(0)[(x, y)].0;
        let d = if x > 20 { 3 * (y as i32 - 20) } else { 0 };
        Rgb(c.map(|v| (i32::from(v) + d).clamp(0, 255) as u8))
    });
    let hinted = hints(&[(RIGHT, BLUE)]);
    let plain = finish(Style::Shaded, &gray, &ramp, Some(&r), None);
    let shaded = finish(Style::Shaded, &gray, &ramp, Some(&r), Some(&hinted));
    let (top, bottom) = ((26, 9), (26, 31));
    let spread = |img: &RgbImage| l_star(img[bottom].0) - l_star(img[top].0);
    let (full, half) = (spread(&plain.merged), spread(&shaded.merged));
    assert!(full > 20.0, "unhinted spread {full}");
    assert!(
        (half - full / 2.0).abs() < 3.0,
        "hinted spread {half} of {full}"
    );
    assert_eq!(shaded.flats[RIGHT].0, BLUE);
    // 2. The network's own guess light blue, with the hint's dark blue painted in a spot
    //    around the dot, blending out over 5 pixels: the spot is the hint, not shading, so
    //    the shaded room stays the flat hint colour within a few levels, spot included.
    let light = [150u8, 175, 235];
    let spot = RgbImage::from_fn(40, 40, |x, y| {
        let c = network(0)[(x, y)].0;
        if x <= 20 || !(6..34).contains(&y) || x >= 34 {
            return Rgb(c);
        }
        let d = (x as f32 - 26.0).hypot(y as f32 - 26.0);
        let t = (1.0 - (d - 2.0) / 5.0).clamp(0.0, 1.0);
        Rgb([0, 1, 2].map(|k| (f32::from(light[k]) * (1.0 - t) + f32::from(BLUE[k]) * t) as u8))
    });
    let shaded = finish(Style::Shaded, &gray, &spot, Some(&r), Some(&hinted));
    let flat = finish(Style::Flat, &gray, &spot, Some(&r), Some(&hinted));
    for (x, y) in [(26, 26), (28, 27), (30, 26), (24, 14)] {
        let (a, b) = (shaded.merged[(x, y)].0, flat.merged[(x, y)].0);
        assert!(max_diff(a, b) <= 4, "({x}, {y}): {a:?} vs flat {b:?}");
    }
}

#[test]
fn without_regions_flat_finds_them_in_the_lines() {
    let gray = sketch(false);
    let colour = network(0);
    let r = regions(&gray);
    let given = finish(Style::Flat, &gray, &colour, Some(&r), None);
    let found = finish(Style::Flat, &gray, &colour, None, None);
    assert_eq!(given.merged, found.merged);
}

#[test]
fn style_names_round_trip() {
    for s in Style::ALL {
        assert_eq!(s.name().parse::<Style>(), Ok(s));
    }
    assert_eq!(" FLAT ".parse::<Style>(), Ok(Style::Flat));
    assert!("glossy".parse::<Style>().is_err());
}

/// A white page with `patch` coloured `c` on it (x range, y range), the box's rooms red and
/// blue as in [`network`].
fn network_on_white(patch: ((u32, u32), (u32, u32)), c: [u8; 3]) -> RgbImage {
    let rooms = network(0);
    RgbImage::from_fn(40, 40, |x, y| {
        let inside = (6..34).contains(&x) && (6..34).contains(&y);
        let ((x0, x1), (y0, y1)) = patch;
        if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
            Rgb(c)
        } else if inside {
            *rooms.get_pixel(x, y)
        } else {
            Rgb([255, 255, 255])
        }
    })
}

#[test]
fn soft_takes_colour_spilt_onto_the_page_off_it() {
    let gray = sketch(false);
    // An orange blob on the page left of the box, against its wall: bounded by paper on
    // three sides, by the line on one.
    let orange = [230, 120, 30];
    let colour = network_on_white(((1, 6), (12, 24)), orange);
    let layers = finish(Style::Soft, &gray, &colour, None, None);
    let clean = network_on_white(((0, 0), (0, 0)), orange);
    assert_eq!(paper_outside(&colour, &gray, None), clean);
    assert_eq!(layers.flats, clean);
    assert_eq!(layers.merged, crate::infer::recombine(&clean, &gray));
    assert_eq!(layers.merged.get_pixel(3, 18).0, [255, 255, 255]);
    assert_eq!(layers.merged.get_pixel(LEFT.0, LEFT.1).0, RED);
    // A hint on the page: the user wants it coloured, nothing is taken off.
    let h = hints(&[((3, 18), orange)]);
    assert_eq!(paper_outside(&colour, &gray, Some(&h)), colour);
}

#[test]
fn soft_keeps_a_figure_its_lines_leave_open_at_the_base() {
    // A bust: two walls and a top, open at the bottom (y 34..40 is page under it).
    let gray = GrayImage::from_fn(40, 40, |x, y| {
        let wall = (8..34).contains(&y) && ((10..12).contains(&x) || (28..30).contains(&x));
        let top = (8..10).contains(&y) && (10..30).contains(&x);
        Luma([if wall || top { 0 } else { 255 }])
    });
    let blue = [40, 60, 190];
    let colour = RgbImage::from_fn(40, 40, |x, y| {
        Rgb(if (12..28).contains(&x) && (10..34).contains(&y) {
            blue
        } else {
            [250, 250, 250]
        })
    });
    let out = paper_outside(&colour, &gray, None);
    assert_eq!(out.get_pixel(20, 20).0, blue, "the figure keeps its colour");
    assert_eq!(out.get_pixel(20, 33).0, blue);
    assert_eq!(out.get_pixel(2, 2).0, [255, 255, 255], "the page is white");
    assert_eq!(out.get_pixel(20, 38).0, [255, 255, 255]);
}

#[test]
fn soft_leaves_a_page_the_network_colours_as_it_is() {
    // The network paints the whole page beige: not the white page it sees as paper.
    let gray = sketch(false);
    let colour = network(0);
    assert_eq!(paper_outside(&colour, &gray, None), colour);
    assert_eq!(seal_radius(40, 40), 2);
    assert_eq!(seal_radius(128, 300), 4);
    assert_eq!(seal_radius(1000, 800), 24);
}

#[test]
fn flat_colours_a_figure_the_frame_cuts_and_keeps_the_page_paper() {
    // A bust whose walls run into the bottom edge: its inside touches the border, as the
    // page does, but along the cut only.
    let gray = GrayImage::from_fn(40, 40, |x, y| {
        let wall = y >= 8 && ((10..12).contains(&x) || (28..30).contains(&x));
        let top = (8..10).contains(&y) && (10..30).contains(&x);
        Luma([if wall || top { 0 } else { 255 }])
    });
    let blue = [40, 60, 190];
    let inside = |x: u32, y: u32| (12..28).contains(&x) && y >= 10;
    let colour = RgbImage::from_fn(40, 40, |x, y| Rgb(if inside(x, y) { blue } else { BEIGE }));
    let r = regions(&gray);
    let body = r.area(r.label(20, 30)).unwrap();
    assert!(body.touches_border && body.kind == AreaKind::Paper);
    let layers = finish(Style::Flat, &gray, &colour, Some(&r), None);
    assert!(max_diff(layers.merged.get_pixel(20, 30).0, blue) <= 2);
    // The page stays paper even though the network painted it beige.
    assert_eq!(layers.merged.get_pixel(2, 2).0, [255, 255, 255]);
    assert_eq!(layers.merged.get_pixel(35, 39).0, [255, 255, 255]);
    // A frame-cut area the network paints pale is paper, as before.
    let pale = RgbImage::from_fn(40, 40, |x, y| {
        Rgb(if inside(x, y) { [245, 245, 240] } else { BEIGE })
    });
    let layers = finish(Style::Flat, &gray, &pale, Some(&r), None);
    assert_eq!(layers.merged.get_pixel(20, 30).0, [255, 255, 255]);
}

#[test]
fn grow_sets_exactly_the_square_round_each_pixel() {
    // `paper_outside`'s growing (`regions::mask::grow`) against the definition, on a
    // scattered mask, for several radii and an odd shape.
    let (w, h) = (23u32, 17u32);
    let mask: Vec<u8> = (0..w * h)
        .map(|i| u8::from((i * 37 + i / 5) % 29 == 0))
        .collect();
    for r in [0u32, 1, 2, 5, 30] {
        let got = crate::regions::mask::grow(&mask, w, h, r);
        for y in 0..h as i64 {
            for x in 0..w as i64 {
                let r = i64::from(r);
                let want = (y - r..=y + r).any(|yy| {
                    (x - r..=x + r).any(|xx| {
                        (0..h as i64).contains(&yy)
                            && (0..w as i64).contains(&xx)
                            && mask[(yy * w as i64 + xx) as usize] == 1
                    })
                });
                assert_eq!(
                    got[(y * w as i64 + x) as usize],
                    u8::from(want),
                    "r {r} at ({x}, {y})"
                );
            }
        }
    }
}
