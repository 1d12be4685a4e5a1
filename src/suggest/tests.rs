use image::{GrayImage, Luma, Rgb, RgbImage, Rgba, RgbaImage};

use super::curve::{area_mean, scribble, Curve};
use super::overlay::{marker_radius, MARKER_INK};
use super::*;

/// A 60 x 40 page: a frame 2 px wide at x = 20 and x = 40 splits it into three areas of
/// 20 - 2 wide columns; the middle one has a black solid fill 10 x 10.
fn three_columns() -> GrayImage {
    GrayImage::from_fn(60, 40, |x, y| {
        let line = (20..22).contains(&x) || (40..42).contains(&x);
        let fill = (26..36).contains(&x) && (15..25).contains(&y);
        Luma([if line || fill { 0 } else { 255 }])
    })
}

fn regions_of(gray: &GrayImage) -> Regions {
    Regions::compute(gray, &RegionOptions::default())
}

fn label_at(r: &Regions, x: u32, y: u32) -> u32 {
    r.label(x, y)
}

#[test]
fn method_names_round_trip_and_unknown_is_refused() {
    for m in Method::ALL {
        assert_eq!(m.name().parse::<Method>(), Ok(m));
        assert_eq!(m.to_string(), m.name());
    }
    assert_eq!(" Dropout ".parse::<Method>(), Ok(Method::Dropout));
    let e = "oracle".parse::<Method>().unwrap_err();
    assert!(e.to_string().contains("`oracle`"), "{e}");
}

#[test]
fn min_size_is_a_thousandth_of_the_picture_at_least_16() {
    assert_eq!(min_size(128, 128), 16);
    assert_eq!(min_size(512, 512), 262);
    assert_eq!(min_size(10, 10), 16);
}

#[test]
fn candidates_are_unhinted_paper_areas_of_some_size() {
    let gray = three_columns();
    let r = regions_of(&gray);
    let (left, mid, right) = (label_at(&r, 5, 5), label_at(&r, 25, 5), label_at(&r, 50, 5));
    let fill = label_at(&r, 30, 20);
    assert_eq!(r.area(fill).unwrap().kind, AreaKind::Fill);
    let all = candidates(&r, None);
    assert_eq!(all, vec![left, mid, right]);
    // A hint pixel in the middle column removes it; a transparent one does nothing.
    let mut hints = RgbaImage::new(60, 40);
    hints.put_pixel(25, 30, Rgba([10, 200, 10, 255]));
    hints.put_pixel(50, 30, Rgba([10, 200, 10, 0]));
    assert_eq!(candidates(&r, Some(&hints)), vec![left, right]);
}

#[test]
fn rank_orders_by_score_then_label_and_scores_are_shares_of_the_picture() {
    let gray = three_columns();
    let r = regions_of(&gray);
    let cands = candidates(&r, None);
    let mut sums = vec![0.0; r.areas().len()];
    // The right column first, then a tie broken by the smaller label.
    sums[cands[2] as usize - 1] = 240.0;
    sums[cands[0] as usize - 1] = 24.0;
    sums[cands[1] as usize - 1] = 24.0;
    let ranked = rank(&r, &cands, &sums, 2);
    assert_eq!(ranked.len(), 2);
    assert_eq!(ranked[0].label, cands[2]);
    assert_eq!(ranked[1].label, cands[0]);
    assert!((ranked[0].score - 240.0 / 2400.0).abs() < 1e-12);
    let a = r.area(cands[2]).unwrap();
    assert_eq!((ranked[0].x, ranked[0].y), a.inner_point);
    assert_eq!(ranked[0].area, a.size);
    // The point lies inside its own area.
    assert_eq!(r.label(ranked[0].x, ranked[0].y), ranked[0].label);
}

#[test]
fn area_sums_map_sketch_pixels_onto_the_working_grid() {
    let gray = three_columns();
    let r = regions_of(&gray);
    // A 6 x 4 working map, 1.0 in its right third only (sketch columns 40..60).
    let map: Vec<f64> = (0..24)
        .map(|i| if i % 6 >= 4 { 1.0 } else { 0.0 })
        .collect();
    let sums = area_sums(&r, &map, 6, 4);
    let right = label_at(&r, 50, 5);
    let left = label_at(&r, 5, 5);
    // Every pixel of the right column (x 42..60) maps onto working columns 4-5.
    assert_eq!(
        sums[right as usize - 1],
        f64::from(r.area(right).unwrap().size)
    );
    assert_eq!(sums[left as usize - 1], 0.0);
}

#[test]
fn spread_is_zero_on_a_uniform_area_and_grows_with_its_variation() {
    let gray = three_columns();
    let r = regions_of(&gray);
    // Left column one colour, right column half black half white.
    let colour = RgbImage::from_fn(60, 40, |x, y| match x {
        0..20 => Rgb([200, 30, 30]),
        42.. if y < 20 => Rgb([0, 0, 0]),
        42.. => Rgb([255, 255, 255]),
        _ => Rgb([128, 128, 128]),
    });
    let s = area_spread(&r, &colour);
    let (left, right) = (label_at(&r, 5, 5), label_at(&r, 50, 5));
    assert!(
        s[left as usize - 1].abs() < 1e-9,
        "{}",
        s[left as usize - 1]
    );
    // Variance 0.25 per channel over the right column's pixels.
    let size = f64::from(r.area(right).unwrap().size);
    assert!((s[right as usize - 1] - 0.25 * size).abs() < 1e-6 * size);
}

#[test]
fn sample_variance_is_the_per_pixel_variance_between_samples() {
    let a = RgbImage::from_pixel(2, 1, Rgb([0, 0, 0]));
    let mut b = a.clone();
    b.put_pixel(1, 0, Rgb([255, 255, 255]));
    let v = sample_variance(&[a, b]);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0], 0.0);
    assert!((v[1] - 0.25).abs() < 1e-12, "{}", v[1]);
}

#[test]
fn random_order_is_fixed_by_the_seed() {
    let a: Vec<f64> = (1..50).map(|l| unit_hash(7, l)).collect();
    let b: Vec<f64> = (1..50).map(|l| unit_hash(7, l)).collect();
    let c: Vec<f64> = (1..50).map(|l| unit_hash(8, l)).collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.iter().all(|&u| (0.0..1.0).contains(&u)));
}

#[test]
fn scribble_stays_inside_its_area_in_the_target_mean_colour() {
    let gray = three_columns();
    let r = regions_of(&gray);
    let target = RgbImage::from_fn(60, 40, |x, _| {
        if x < 20 {
            Rgb([10, 20, 30])
        } else {
            Rgb([250, 0, 0])
        }
    });
    let left = label_at(&r, 5, 5);
    assert_eq!(area_mean(&r, left, &target), Rgb([10, 20, 30]));
    let mut hints = RgbaImage::new(60, 40);
    // Right by the line: the stroke would cross it if it were not clipped.
    scribble(&mut hints, &r, left, (18, 20), Rgb([10, 20, 30]));
    let mut painted = 0;
    for (x, y, p) in hints.enumerate_pixels() {
        if p[3] > 0 {
            painted += 1;
            assert_eq!(r.label(x, y), left, "hint at ({x}, {y}) outside its area");
            assert_eq!(*p, Rgba([10, 20, 30, 255]));
        }
    }
    assert!(painted >= 5, "{painted}");
}

#[test]
fn curve_area_is_the_mean_over_steps_and_a_short_curve_holds_its_last_value() {
    let c = Curve {
        psnr: vec![10.0, 12.0, 14.0],
    };
    assert_eq!(c.at(1), 12.0);
    assert_eq!(c.at(7), 14.0);
    assert!((c.area(4) - (12.0 + 14.0 * 3.0) / 4.0).abs() < 1e-12);
}

#[test]
fn markers_are_drawn_at_the_points_with_their_numbers() {
    let mut img = RgbImage::from_pixel(200, 120, Rgb([30, 160, 60]));
    let s = |x, y| Suggestion {
        x,
        y,
        area: 100,
        score: 0.1,
        label: 1,
    };
    draw_markers(&mut img, &[s(50, 60), s(150, 60), s(0, 0)]);
    let r = marker_radius(200, 120);
    assert_eq!(r, 6);
    // The ring's ink at the radius.
    assert_eq!(*img.get_pixel(50 + r, 60), MARKER_INK);
    assert_eq!(*img.get_pixel(150 + r, 60), MARKER_INK);
    let inked = |cx: u32, cy: u32| {
        (cx - 3..=cx + 3)
            .flat_map(|x| (cy - 3..=cy + 3).map(move |y| (x, y)))
            .filter(|&(x, y)| *img.get_pixel(x, y) == MARKER_INK)
            .count()
    };
    // "1" and "2" differ in ink: the glyphs are really drawn.
    assert!(inked(50, 60) > 0 && inked(150, 60) > inked(50, 60));
    // A point at the corner is moved in so the whole marker shows.
    assert_eq!(*img.get_pixel(2 * r, r), MARKER_INK);
    // Far from the markers nothing changed.
    assert_eq!(*img.get_pixel(100, 110), Rgb([30, 160, 60]));
}
