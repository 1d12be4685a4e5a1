//! Tests of the hint simulation: determinism, shares, paper, regions, colours.

use super::*;

const LEFT: Rgb<u8> = Rgb([200, 40, 40]);
const RIGHT: Rgb<u8> = Rgb([40, 80, 200]);
const BLACK: Rgb<u8> = Rgb([0, 0, 0]);

/// 64x48: a red left half and a blue right half separated by a 2-px black line at x 31..=32
/// (in the line art and the target), or by nothing but the colour change when `ink` is false.
fn two_halves(ink: bool) -> (GrayImage, RgbImage) {
    let on_line = |x: u32| ink && (31..=32).contains(&x);
    let line = GrayImage::from_fn(64, 48, |x, _| Luma([if on_line(x) { 0 } else { 255 }]));
    let target = RgbImage::from_fn(64, 48, |x, _| match x {
        _ if on_line(x) => BLACK,
        0..=31 => LEFT,
        _ => RIGHT,
    });
    (line, target)
}

/// Many hints of every kind, no empty samples.
fn busy() -> HintSimConfig {
    HintSimConfig {
        none_share: 0.0,
        mean_count: 20.0,
        stroke_len: Span { min: 4, max: 30 },
        ..HintSimConfig::default()
    }
}

#[test]
fn same_seed_same_hints_and_different_seeds_differ() {
    let (line, target) = two_halves(true);
    let cfg = busy();
    let a = simulate(&line, &target, &cfg, 7);
    assert!(!a.is_empty());
    assert_eq!(a, simulate(&line, &target, &cfg, 7));
    assert_ne!(a, simulate(&line, &target, &cfg, 8));
    let d = simulate_dots(&line, &target, 6, 3);
    assert_eq!(d, simulate_dots(&line, &target, 6, 3));
    assert_ne!(d, simulate_dots(&line, &target, 6, 4));
}

#[test]
fn none_share_is_respected() {
    let (line, target) = two_halves(true);
    let empties = |none_share: f64| {
        let cfg = HintSimConfig {
            none_share,
            ..HintSimConfig::default()
        };
        (0..400u64)
            .filter(|&s| simulate(&line, &target, &cfg, s).is_empty())
            .count()
    };
    let half = empties(0.5);
    assert!(
        (160..=240).contains(&half),
        "{half} of 400 empty at share 0.5"
    );
    assert_eq!(empties(0.0), 0);
    assert_eq!(empties(1.0), 400);
}

#[test]
fn hints_sit_on_paper_and_dots_keep_off_ink() {
    // A grid of ink lines every 8 px plus scattered specks.
    let line = GrayImage::from_fn(64, 64, |x, y| {
        let ink = x % 8 == 0 || y % 8 == 0 || (x * 7 + y * 13) % 31 == 0;
        Luma([if ink { 30 } else { 250 }])
    });
    let target = RgbImage::from_pixel(64, 64, Rgb([90, 160, 60]));
    let mut hinted = 0;
    for seed in 0..200 {
        let map = simulate(&line, &target, &busy(), seed);
        for (x, y, _) in map.hinted_pixels() {
            assert!(
                line[(x, y)][0] >= INK_LEVEL,
                "seed {seed}: hint on ink at ({x}, {y})"
            );
        }
        hinted += map.hinted_count();
    }
    assert!(
        hinted > 1000,
        "only {hinted} hinted pixels: the test tests nothing"
    );
    let dots_only = HintSimConfig {
        stroke_share: 0.0,
        ..busy()
    };
    for seed in 0..100 {
        for h in simulate_hints(&line, &target, &dots_only, seed) {
            for &(x, y) in &h.pixels {
                for (dx, dy) in (-1..=1).flat_map(|dy| (-1..=1).map(move |dx| (dx, dy))) {
                    let (nx, ny) = (i64::from(x) + dx, i64::from(y) + dy);
                    if let Some(&Luma([v])) = line.get_pixel_checked(nx as u32, ny as u32) {
                        assert!(v >= INK_LEVEL, "dot next to ink at ({x}, {y})");
                    }
                }
            }
        }
    }
}

#[test]
fn hints_also_sit_inside_solid_fills_but_never_on_their_rim_or_a_line() {
    // Paper with a 2-px line (x = 4, 5) and a 20x20 block of ink (x, y = 30..50).
    let line = GrayImage::from_fn(64, 64, |x, y| {
        let ink = x == 4 || x == 5 || ((30..50).contains(&x) && (30..50).contains(&y));
        Luma([if ink { 0 } else { 255 }])
    });
    let target = RgbImage::from_fn(64, 64, |x, _| Rgb([if x < 40 { 200 } else { 20 }, 90, 60]));
    let (mut on_fill, mut on_paper) = (0, 0);
    for seed in 0..200 {
        for h in simulate_hints(&line, &target, &busy(), seed) {
            let fill = h
                .pixels
                .iter()
                .filter(|&&(x, y)| crate::hints::is_solid(&line, x, y))
                .count();
            let paper = h
                .pixels
                .iter()
                .filter(|&&(x, y)| line[(x, y)][0] >= INK_LEVEL)
                .count();
            assert!(
                fill == h.pixels.len() || paper == h.pixels.len(),
                "seed {seed}: a hint on two surfaces or on a line: {:?}",
                h.pixels
            );
            if fill > 0 {
                on_fill += 1;
                // One colour region of the target: the fill's left or right half.
                let left = h.pixels[0].0 < 40;
                assert!(h.pixels.iter().all(|&(x, _)| (x < 40) == left));
                assert_eq!(h.colour, target[h.pixels[0]]);
            } else {
                on_paper += 1;
            }
        }
    }
    assert!(
        on_fill > 20 && on_paper > 100,
        "{on_fill} on the fill, {on_paper} on paper"
    );
}

#[test]
fn every_hint_stays_in_one_colour_region_with_its_colour() {
    for ink in [true, false] {
        let (line, target) = two_halves(ink);
        let (mut left, mut right) = (0, 0);
        for seed in 0..200 {
            let hints = simulate_hints(&line, &target, &busy(), seed);
            for h in &hints {
                let all_left = h.pixels.iter().all(|&(x, _)| x <= 30 || (!ink && x == 31));
                let all_right = h.pixels.iter().all(|&(x, _)| x >= 33 || (!ink && x == 32));
                assert!(all_left != all_right, "seed {seed}: hint spans both halves");
                assert_eq!(h.colour, if all_left { LEFT } else { RIGHT });
                h.pixels
                    .iter()
                    .for_each(|&p| assert_eq!(target[p], h.colour));
                (left, right) = if all_left {
                    (left + 1, right)
                } else {
                    (left, right + 1)
                };
            }
            let map = paint(&line, &hints);
            assert_eq!(map, simulate(&line, &target, &busy(), seed));
            for (x, y, c) in map.hinted_pixels() {
                assert_eq!(c, target[(x, y)], "seed {seed} ({x}, {y})");
            }
        }
        assert!(
            left > 200 && right > 200,
            "both halves get hints: {left} / {right}"
        );
    }
}

#[test]
fn thin_strokes_never_jump_a_one_pixel_diagonal_line() {
    // Anti-diagonal ink lines x + y = 0 (mod 10), one pixel thick; one flat colour.
    let line = GrayImage::from_fn(64, 64, |x, y| {
        Luma([if (x + y) % 10 == 0 { 0 } else { 255 }])
    });
    let target = RgbImage::from_pixel(64, 64, Rgb([120, 120, 240]));
    let cfg = HintSimConfig {
        stroke_share: 1.0,
        stroke_width: Span { min: 1, max: 1 },
        ..busy()
    };
    let mut strokes = 0;
    for seed in 0..200 {
        for h in simulate_hints(&line, &target, &cfg, seed) {
            let band = |&(x, y): &(u32, u32)| (x + y) / 10;
            let first = band(&h.pixels[0]);
            assert!(
                h.pixels.iter().all(|p| band(p) == first),
                "seed {seed}: crossed"
            );
            strokes += 1;
        }
    }
    assert!(strokes > 500);
}

#[test]
fn thin_strokes_are_four_connected_walks() {
    let line = GrayImage::from_pixel(96, 96, Luma([255]));
    let target = RgbImage::from_pixel(96, 96, Rgb([10, 200, 10]));
    let cfg = HintSimConfig {
        stroke_share: 1.0,
        stroke_width: Span { min: 1, max: 1 },
        stroke_len: Span { min: 16, max: 16 },
        ..busy()
    };
    let mut long = 0;
    for seed in 0..50 {
        for h in simulate_hints(&line, &target, &cfg, seed) {
            // Flood fill from the first pixel through 4-neighbours reaches all of them.
            let mut seen = vec![h.pixels[0]];
            let mut i = 0;
            while i < seen.len() {
                let (x, y) = seen[i];
                for p in &h.pixels {
                    if x.abs_diff(p.0) + y.abs_diff(p.1) == 1 && !seen.contains(p) {
                        seen.push(*p);
                    }
                }
                i += 1;
            }
            assert_eq!(
                seen.len(),
                h.pixels.len(),
                "seed {seed}: stroke not connected"
            );
            assert!(
                h.pixels.len() <= 2 * 16,
                "a 16-step walk covers at most 32 pixels"
            );
            long += usize::from(h.pixels.len() >= 12);
        }
    }
    assert!(
        long > 100,
        "strokes in open paper walk their length: {long}"
    );
}

#[test]
fn hint_colour_is_the_mean_target_under_it() {
    // A gentle texture, within the tolerance everywhere: one region, varied colours.
    let line = GrayImage::from_pixel(48, 48, Luma([255]));
    let target = RgbImage::from_fn(48, 48, |x, y| {
        Rgb([
            100 + ((x * 7 + y * 3) % 20) as u8,
            50 + (x % 11) as u8,
            200 - (y % 13) as u8,
        ])
    });
    let mut checked = 0;
    for seed in 0..100 {
        for h in simulate_hints(&line, &target, &busy(), seed) {
            let n = h.pixels.len() as u64;
            let mean: Vec<u8> = (0..3)
                .map(|c| {
                    let s: u64 = h.pixels.iter().map(|&p| u64::from(target[p][c])).sum();
                    ((s + n / 2) / n) as u8
                })
                .collect();
            assert_eq!(h.colour.0.to_vec(), mean, "seed {seed}");
            checked += 1;
        }
    }
    assert!(checked > 500);
}

#[test]
fn white_keep_thins_out_hints_on_white() {
    let line = GrayImage::from_pixel(64, 64, Luma([255]));
    let target = RgbImage::from_fn(64, 64, |x, _| {
        Rgb(if x < 48 {
            [255, 255, 255]
        } else {
            [250, 120, 0]
        })
    });
    let white_share = |white_keep: f64| {
        let cfg = HintSimConfig {
            white_keep,
            ..busy()
        };
        let hints: Vec<SimHint> = (0..100)
            .flat_map(|seed| simulate_hints(&line, &target, &cfg, seed))
            .collect();
        let white = hints.iter().filter(|h| h.colour == Rgb([255; 3])).count();
        white as f64 / hints.len() as f64
    };
    assert!(
        (0.65..0.85).contains(&white_share(1.0)),
        "3/4 of the image is white"
    );
    assert_eq!(white_share(0.0), 0.0);
    let thinned = white_share(0.1); // 0.75 * 0.1 / (0.75 * 0.1 + 0.25) = 0.23
    assert!((0.15..0.32).contains(&thinned), "{thinned}");
}

#[test]
fn eval_dots_are_n_distinct_plus_shaped_dots() {
    let line = GrayImage::from_pixel(64, 64, Luma([255]));
    let target = RgbImage::from_fn(64, 64, |x, y| Rgb([x as u8 * 4, y as u8 * 4, 128]));
    let map = simulate_dots(&line, &target, 10, 42);
    assert_eq!(map.hinted_count(), 10 * 5, "10 radius-1 dots of 5 pixels");
    // No room: a tiny image gives as many as fit, without hanging.
    let small = GrayImage::from_pixel(5, 5, Luma([255]));
    let map = simulate_dots(&small, &RgbImage::new(5, 5), 100, 1);
    let n = map.hinted_count();
    assert!(n % 5 == 0 && (5..=20).contains(&n), "{n} hinted pixels");
}

#[test]
fn no_paper_nor_fill_or_no_pixels_gives_no_hints() {
    // Ink two pixels wide is all line: no paper and no solid fill to hint.
    let ink = GrayImage::from_pixel(16, 2, Luma([0]));
    assert!(simulate(&ink, &RgbImage::new(16, 2), &busy(), 1).is_empty());
    let empty = GrayImage::new(0, 0);
    assert!(simulate(&empty, &RgbImage::new(0, 0), &busy(), 1).is_empty());
    assert!(simulate_dots(&empty, &RgbImage::new(0, 0), 3, 1).is_empty());
}

#[test]
fn hint_count_is_geometric_with_the_configured_mean_and_cap() {
    let mut rng = SplitMix64::new(5);
    let counts: Vec<u32> = (0..20_000).map(|_| draw_count(&mut rng, 8.0, 40)).collect();
    let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / counts.len() as f64;
    assert!((7.7..8.2).contains(&mean), "mean {mean}"); // 8 * (1 - (7/8)^40) = 7.96
    assert_eq!(counts.iter().min(), Some(&1));
    assert_eq!(counts.iter().max(), Some(&40));
    let ones = counts.iter().filter(|&&c| c == 1).count();
    assert!((2300..2700).contains(&ones), "P(1) = 1/8: {ones}");
    assert!((0..100).all(|_| draw_count(&mut rng, 1.0, 40) == 1));
}

#[test]
fn config_defaults_round_trip_and_validation() {
    let cfg = HintSimConfig::default();
    assert_eq!(
        (cfg.none_share, cfg.mean_count, cfg.max_count),
        (0.6, 8.0, 40)
    );
    cfg.validate().unwrap();
    let json = serde_json::to_string(&cfg).unwrap();
    assert_eq!(serde_json::from_str::<HintSimConfig>(&json).unwrap(), cfg);
    let partial: HintSimConfig = serde_json::from_str(r#"{"none_share": 0.25}"#).unwrap();
    assert_eq!(partial.none_share, 0.25);
    assert_eq!(partial.stroke_len, cfg.stroke_len);
    let bad = |c: HintSimConfig| c.validate().unwrap_err().to_string();
    let msg = bad(HintSimConfig {
        none_share: 1.5,
        ..cfg
    });
    assert!(
        msg.contains("none_share must be in [0, 1], got 1.5"),
        "{msg}"
    );
    let msg = bad(HintSimConfig {
        stroke_len: Span { min: 9, max: 3 },
        ..cfg
    });
    assert!(
        msg.contains("stroke_len must have 1 <= min <= max, got 9..=3"),
        "{msg}"
    );
    assert!(bad(HintSimConfig {
        stroke_width: Span { min: 0, max: 2 },
        ..cfg
    })
    .contains("stroke_width"));
    assert!(bad(HintSimConfig {
        mean_count: 0.5,
        ..cfg
    })
    .contains("mean_count"));
}
