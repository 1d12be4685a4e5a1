//! Hand-built sketches with hand-counted areas.

use image::{GrayImage, Luma};

use super::label::{label_areas, GapMethod};
use super::*;

/// A sketch from text rows: `#` black ink, `p` pencil (170), `.` paper (255), `,` pencil
/// paper (245).
fn sketch(rows: &[&str]) -> GrayImage {
    let (w, h) = (rows[0].len() as u32, rows.len() as u32);
    GrayImage::from_fn(w, h, |x, y| {
        Luma([match rows[y as usize].as_bytes()[x as usize] {
            b'#' => 0,
            b'p' => 170,
            b',' => 245,
            _ => 255,
        }])
    })
}

/// A `size` x `size` page with a one-pixel square outline from (2, 2) to (8, 8), drawn at
/// `ink` on `paper`, without the pixels listed in `holes`.
fn ring(size: u32, ink: u8, paper: u8, holes: &[(u32, u32)]) -> GrayImage {
    GrayImage::from_fn(size, size, |x, y| {
        let on =
            (2..=8).contains(&x) && (2..=8).contains(&y) && (x == 2 || x == 8 || y == 2 || y == 8);
        Luma([if on && !holes.contains(&(x, y)) {
            ink
        } else {
            paper
        }])
    })
}

fn opts(gap: u32, min_area: u32) -> RegionOptions {
    RegionOptions {
        gap,
        min_area,
        threshold: None,
    }
}

fn sizes(r: &Regions) -> Vec<u32> {
    r.areas().iter().map(|a| a.size).collect()
}

#[test]
fn a_closed_ring_has_an_inside_and_an_outside() {
    // 12 x 12 = 144: 24 ring pixels, 5 x 5 = 25 inside, 95 outside.
    let r = Regions::compute(&ring(12, 0, 255, &[]), &RegionOptions::default());
    assert_eq!(r.threshold(), 128);
    assert_eq!(
        r.areas(),
        &[
            // The outside's farthest pixel from the ring and the border: 2 away, first at
            // (10, 1) in raster order.
            Area {
                label: 1,
                kind: AreaKind::Paper,
                size: 95,
                touches_border: true,
                inner_point: (10, 1),
            },
            Area {
                label: 2,
                kind: AreaKind::Paper,
                size: 25,
                touches_border: false,
                inner_point: (5, 5),
            },
        ]
    );
    assert_eq!(r.label(2, 5), NO_AREA);
    assert_eq!(r.label(0, 0), 1);
    assert_eq!(r.label(3, 3), 2);
    assert_eq!(r.labels().iter().filter(|&&l| l == NO_AREA).count(), 24);
}

#[test]
fn a_two_pixel_gap_is_closed_from_gap_2_on() {
    let broken = ring(12, 0, 255, &[(8, 4), (8, 5)]);
    let r = Regions::compute(&broken, &opts(2, 16));
    // The two areas meet in the gap, whose pixels belong to neither.
    assert_eq!(sizes(&r), [95, 25]);
    assert_eq!((r.label(8, 4), r.label(8, 5)), (NO_AREA, NO_AREA));
    assert_eq!(Regions::compute(&broken, &opts(3, 16)).areas().len(), 2);
    // Without closing (or closing less than the gap) colour runs out: one area.
    assert_eq!(sizes(&Regions::compute(&broken, &opts(0, 16))), [122]);
    assert_eq!(sizes(&Regions::compute(&broken, &opts(1, 16))), [122]);
}

#[test]
fn a_solid_block_is_a_fill_without_its_rim() {
    let img = GrayImage::from_fn(10, 10, |x, y| {
        Luma([if (2..8).contains(&x) && (2..8).contains(&y) {
            0
        } else {
            255
        }])
    });
    let r = Regions::compute(&img, &RegionOptions::default());
    assert_eq!(
        r.areas()
            .iter()
            .map(|a| (a.kind, a.size))
            .collect::<Vec<_>>(),
        [(AreaKind::Paper, 100 - 36), (AreaKind::Fill, 16)]
    );
    assert_eq!(
        (r.label(2, 2), r.label(3, 3), r.label(6, 6)),
        (NO_AREA, 2, 2)
    );
    assert_eq!(r.area(2).unwrap().inner_point, (4, 4));
}

#[test]
fn a_tiny_cell_joins_the_neighbour_with_the_longest_border() {
    // A line at x = 5 splits the page; a 2 x 2 cell sits against it on the right, walled
    // on three sides by the right area: that is where it goes, not to the left.
    let rows = [
        ".....#......",
        ".....#......",
        ".....#......",
        ".....#......",
        ".....####...",
        ".....#..#...",
        ".....#..#...",
        ".....####...",
        ".....#......",
        ".....#......",
        ".....#......",
        ".....#......",
    ];
    let r = Regions::compute(&sketch(&rows), &opts(2, 16));
    assert_eq!(sizes(&r), [60, 60 + 4]);
    assert_eq!(r.label(6, 5), 2);
    // Below min_area 4 the cell stays.
    let kept = Regions::compute(&sketch(&rows), &opts(2, 4));
    assert_eq!(sizes(&kept), [60, 60, 4]);
}

#[test]
fn pencil_and_grey_lines_separate_from_their_paper() {
    let pencil = ring(12, 170, 245, &[]);
    let r = Regions::compute(&pencil, &RegionOptions::default());
    // Midpoint of the two classes: (170 + 245) / 2 = 207.5, rounded up.
    assert_eq!(r.threshold(), 208);
    assert_eq!(sizes(&r), [95, 25]);
    assert_eq!(
        Regions::compute(&ring(12, 128, 255, &[]), &opts(2, 16)).threshold(),
        192
    );
    // A fixed threshold at the hints' ink level sees no line in pencil.
    let fixed = RegionOptions {
        threshold: Some(crate::hints::INK_LEVEL),
        ..RegionOptions::default()
    };
    assert_eq!(sizes(&Regions::compute(&pencil, &fixed)), [144]);
    // Coloured lines, converted to grey as every sketch is, separate the same way.
    let pencil_rows = ["pppp", "p,,p", "pppp"];
    assert_eq!(
        Regions::compute(&sketch(&pencil_rows), &opts(0, 1))
            .areas()
            .len(),
        1
    );
}

#[test]
fn a_blank_page_is_one_area_and_a_page_of_ink_one_fill() {
    let blank = GrayImage::from_fn(8, 6, |x, y| Luma([245 + ((x + y) % 3) as u8]));
    let r = Regions::compute(&blank, &RegionOptions::default());
    assert_eq!((r.threshold(), sizes(&r)), (128, vec![48]));
    let ink = GrayImage::from_pixel(8, 6, Luma([20]));
    let r = Regions::compute(&ink, &RegionOptions::default());
    assert_eq!(r.threshold(), 128);
    assert_eq!(r.areas().len(), 1);
    assert_eq!(
        (r.areas()[0].kind, r.areas()[0].size),
        (AreaKind::Fill, 6 * 4)
    );
}

#[test]
fn two_runs_give_the_same_areas() {
    // A busy pseudo-random scribble: every step of the pipeline has work to do.
    let mut state = 12345u32;
    let img = GrayImage::from_fn(96, 80, |_, _| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        Luma([if (state >> 16) % 7 == 0 { 0 } else { 250 }])
    });
    let a = Regions::compute(&img, &RegionOptions::default());
    let b = Regions::compute(&img, &RegionOptions::default());
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.areas(), b.areas());
    assert!(a.areas().len() > 3);
    // Labels are compact and numbered by first pixel in raster order.
    let mut next = 1;
    for &l in a.labels() {
        assert!(l <= next, "label {l} before {next}");
        if l == next {
            next += 1;
        }
    }
    assert_eq!(next as usize, a.areas().len() + 1);
}

#[test]
fn neighbours_and_nearest_labels_across_one_line() {
    let thin = sketch(&["...#...", "...#...", "...#...", "...#..."]);
    let r = Regions::compute(&thin, &opts(0, 1));
    assert_eq!(r.neighbours(1), [(1, 2)]);
    assert_eq!(r.neighbours(0), []);
    // The line pixel is one step from both: the smaller label.
    assert_eq!(r.nearest_labels()[3], 1);
    assert_eq!(r.nearest_labels()[..7], [1, 1, 1, 1, 2, 2, 2]);
    let thick = sketch(&["..##...", "..##...", "..##...", "..##..."]);
    let r = Regions::compute(&thick, &opts(0, 1));
    assert_eq!(r.neighbours(1), []);
    assert_eq!(r.neighbours(2), [(1, 2)]);
    assert_eq!(r.nearest_labels()[..7], [1, 1, 1, 2, 2, 2, 2]);
    // Two pixels of ink: no area at all (and no solid fill, too narrow).
    let none = Regions::compute(&GrayImage::from_pixel(2, 1, Luma([0])), &opts(0, 1));
    assert_eq!(none.nearest_labels(), [NO_AREA; 2]);
}

#[test]
fn false_colour_paints_lines_black_and_each_area_its_own_colour() {
    let r = Regions::compute(&ring(12, 0, 255, &[]), &RegionOptions::default());
    let img = r.false_colour();
    assert_eq!(img.dimensions(), (12, 12));
    assert_eq!(img.get_pixel(2, 2).0, [0, 0, 0]);
    assert_eq!(img.get_pixel(0, 0), img.get_pixel(11, 11));
    assert_eq!(img.get_pixel(4, 4), img.get_pixel(6, 5));
    assert_ne!(img.get_pixel(0, 0), img.get_pixel(4, 4));
    assert!(img.get_pixel(0, 0).0.iter().all(|&c| c >= 64));
    // Fixed per label: another sketch's label 1 has the same colour.
    let other = Regions::compute(&sketch(&["..", ".."]), &opts(0, 1)).false_colour();
    assert_eq!(other.get_pixel(0, 0), img.get_pixel(0, 0));
}

/// Paper pixels given to an area, and areas, by each gap method on `ink` (no merging).
fn kept(ink: &GrayImage, gap: u32, method: GapMethod) -> (usize, usize) {
    let mask = super::ink::ink_mask(ink, 128);
    let p = label_areas(&mask, ink.width(), ink.height(), gap, method);
    let covered = p.labels.iter().filter(|&&l| l != NO_AREA).count();
    let areas = p.kinds.iter().flatten().count();
    (covered, areas)
}

#[test]
fn gap_methods_trapped_ball_keeps_corners_and_seals_diagonal_breaks() {
    // A diagonal line broken at (3, 3), from corner to corner: the closing leaves the break
    // open (one area), trapped-ball seals it (two).
    let rows = [
        "#.......", ".#......", "..#.....", "........", "....#...", ".....#..", "......#.",
        ".......#",
    ];
    let img = sketch(&rows);
    assert_eq!(kept(&img, 2, GapMethod::Closing).1, 1);
    assert_eq!(kept(&img, 2, GapMethod::TrappedBall).1, 2);
}

/// The measurement behind the gap method and the defaults (README of `bench/regions`): on
/// OpenMoji black outlines rendered at 512 px with their colour twins, per method and gap:
/// areas, the share of paper pixels given to an area, and purity (the share of area pixels
/// whose twin colour is the area's most common one: a leak through a gap lowers it).
/// `cargo test --lib regions::tests::measure -- --ignored --nocapture` (needs `data/`).
#[test]
#[ignore = "measurement on data/openmoji; prints a table"]
fn measure_gap_methods_on_openmoji() {
    use data_prep::load::{load_gray, load_rgb, LoadLimits};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/openmoji");
    let mut names: Vec<_> = std::fs::read_dir(root.join("black/svg"))
        .expect("data/openmoji/black/svg")
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    let names: Vec<_> = names.into_iter().step_by(100).collect();
    let limits = LoadLimits {
        svg_long_side: Some(512),
        ..LoadLimits::default()
    };
    let pages: Vec<_> = names
        .iter()
        .filter_map(|n| {
            let gray = load_gray(&root.join("black/svg").join(n), &limits).ok()?;
            let rgb = load_rgb(&root.join("color/svg").join(n), &limits).ok()?;
            (gray.dimensions() == rgb.dimensions()).then_some((gray, rgb))
        })
        .collect();
    println!("{} drawings at 512 px", pages.len());
    for method in [GapMethod::Closing, GapMethod::TrappedBall] {
        for gap in 0..=4 {
            for min_area in [0, 16, 64] {
                let (mut areas, mut covered, mut paper, mut pure, mut total) = (0, 0, 0, 0, 0);
                for (gray, rgb) in &pages {
                    let (w, h) = gray.dimensions();
                    let mask = super::ink::ink_mask(gray, super::ink::adaptive_threshold(gray));
                    let mut p = label_areas(&mask, w, h, gap, method);
                    super::adjacency::merge_small(&mut p, w, h, min_area);
                    let (labels, kinds) = super::label::renumber(&p);
                    areas += kinds.len();
                    paper += mask.iter().filter(|&&m| m == 0).count();
                    covered += labels.iter().filter(|&&l| l != NO_AREA).count();
                    let mut counts = std::collections::HashMap::new();
                    for (i, &l) in labels.iter().enumerate() {
                        if l != NO_AREA {
                            let c = rgb.as_raw()[3 * i..3 * i + 3]
                                .iter()
                                .map(|v| v >> 3)
                                .collect::<Vec<_>>();
                            *counts.entry((l, c)).or_insert(0usize) += 1;
                        }
                    }
                    let mut best = std::collections::HashMap::new();
                    for ((l, _), n) in counts {
                        let b = best.entry(l).or_insert(0usize);
                        *b = (*b).max(n);
                    }
                    pure += best.values().sum::<usize>();
                    total += labels.iter().filter(|&&l| l != NO_AREA).count();
                }
                println!(
                    "{method:?} gap {gap} min_area {min_area:>2}: {areas:>5} areas, paper covered {:.2}%, purity {:.2}%",
                    100.0 * covered as f64 / paper as f64,
                    100.0 * pure as f64 / total as f64
                );
                assert!(areas > 0);
            }
        }
    }
}
