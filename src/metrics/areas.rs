//! The figures that judge colour over the areas of a sketch (`crate::regions`): `mottle`
//! (colour that wanders inside one area) and `leak` (neighbouring areas the output did not
//! tell apart). Both work on a plain label map (row-major, [`NO_AREA`] on lines), so they
//! do not depend on how the areas were found.
//!
//! Definitions (CIELAB D65 by `hue::srgb_to_lab`; ΔE00 by `ciede2000`):
//! - **Chroma deviation** of an image inside an area: the mean, over the area's pixels, of
//!   the Euclidean distance of the pixel's `(a*, b*)` from the area's mean `(a*, b*)`.
//!   Lightness is left out on purpose: shading inside an area is not mottling.
//! - **mottle** of one image: the mean over its areas (each area counts once, whatever its
//!   size) of `max(0, output's chroma deviation - target's)`: the target's own texture is
//!   forgiven, and an output flatter than the target scores 0 there, not below.
//! - **Area colour**: the per-channel median of `L*`, `a*` and `b*` over the area's pixels
//!   (the mean of the two middle values for an even count): robust to a few stray pixels.
//! - **leak** counts, among neighbouring areas (pairs sharing a line) whose target colours
//!   differ by ΔE00 > [`LEAK_TARGET_DE`], the *eligible* pairs, those whose output colours
//!   differ by ΔE00 < [`LEAK_OUTPUT_DE`], the *leaking* ones. Over a split the counts are
//!   summed, and the figure is leaking / eligible.
//!
//! Areas smaller than [`MIN_AREA_PIXELS`] are left out of both figures: a few pixels are
//! mostly anti-aliased line edge, whose colour says little about the fill.

use image::RgbImage;

use super::ciede2000::ciede2000;
use super::hue::srgb_to_lab;
use crate::regions::NO_AREA;

/// Areas of fewer pixels are skipped by `mottle` and `leak` (4x4: `RegionOptions`'s
/// default `min_area`, below which paper areas are merged anyway).
pub const MIN_AREA_PIXELS: usize = 16;

/// Neighbours whose target colours differ by more than this ΔE00 are meant to differ.
pub const LEAK_TARGET_DE: f64 = 10.0;

/// Output colours closer than this ΔE00 count as the same colour (a leak).
pub const LEAK_OUTPUT_DE: f64 = 5.0;

/// The `leak` counts of one image or of a whole split (sums).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeakCount {
    /// Eligible pairs whose output colours differ by less than `LEAK_OUTPUT_DE`.
    pub leaking: usize,
    /// Neighbouring pairs whose target colours differ by more than `LEAK_TARGET_DE`.
    pub eligible: usize,
}

impl LeakCount {
    /// leaking / eligible; `None` without eligible pairs.
    pub fn share(&self) -> Option<f64> {
        (self.eligible > 0).then(|| self.leaking as f64 / self.eligible as f64)
    }
}

impl std::ops::AddAssign for LeakCount {
    fn add_assign(&mut self, other: LeakCount) {
        self.leaking += other.leaking;
        self.eligible += other.eligible;
    }
}

/// Both figures of one image (`mottle` `None` when no area is large enough).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AreaFigures {
    /// See the module doc.
    pub mottle: Option<f64>,
    /// See the module doc.
    pub leak: LeakCount,
}

/// `mottle` and `leak` of `output` against `target` over the areas of `labels`, with the
/// neighbouring pairs `neighbours` (`(a, b)` labels): both images converted to Lab once.
/// Panics when the sizes disagree (a caller's bug).
pub fn area_figures(
    labels: &[u32],
    neighbours: &[(u32, u32)],
    output: &RgbImage,
    target: &RgbImage,
) -> AreaFigures {
    let members = AreaMembers::of(labels, output, target);
    let (out, tgt) = (lab_pixels(output), lab_pixels(target));
    AreaFigures {
        mottle: mottle_lab(&members, &out, &tgt),
        leak: leak_lab(&members, neighbours, &out, &tgt),
    }
}

/// The `mottle` of `output` against `target` over the areas of `labels` (module doc);
/// `None` when no area has `MIN_AREA_PIXELS`.
pub fn mottle(labels: &[u32], output: &RgbImage, target: &RgbImage) -> Option<f64> {
    let members = AreaMembers::of(labels, output, target);
    mottle_lab(&members, &lab_pixels(output), &lab_pixels(target))
}

/// The `leak` counts of `output` against `target` over the neighbouring areas
/// `neighbours` of `labels` (module doc).
pub fn leak(
    labels: &[u32],
    neighbours: &[(u32, u32)],
    output: &RgbImage,
    target: &RgbImage,
) -> LeakCount {
    let members = AreaMembers::of(labels, output, target);
    leak_lab(
        &members,
        neighbours,
        &lab_pixels(output),
        &lab_pixels(target),
    )
}

/// The chroma deviation of `lab` over the pixel indices `pixels` (module doc); 0 for none.
pub fn chroma_deviation(lab: &[[f64; 3]], pixels: &[usize]) -> f64 {
    if pixels.is_empty() {
        return 0.0;
    }
    let n = pixels.len() as f64;
    let (sa, sb) = pixels
        .iter()
        .fold((0.0, 0.0), |(sa, sb), &i| (sa + lab[i][1], sb + lab[i][2]));
    let (ma, mb) = (sa / n, sb / n);
    pixels
        .iter()
        .map(|&i| (lab[i][1] - ma).hypot(lab[i][2] - mb))
        .sum::<f64>()
        / n
}

/// The area colour of `lab` over `pixels`: the per-channel median (module doc); `None`
/// for no pixels.
pub fn median_lab(lab: &[[f64; 3]], pixels: &[usize]) -> Option<[f64; 3]> {
    if pixels.is_empty() {
        return None;
    }
    let mut values: Vec<f64> = Vec::with_capacity(pixels.len());
    Some([0, 1, 2].map(|c| {
        values.clear();
        values.extend(pixels.iter().map(|&i| lab[i][c]));
        median(&mut values)
    }))
}

/// The median of `v` (not empty): the mean of the two middle values for an even count.
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, &mut upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        // The lower middle value is the largest of the half below the upper one.
        let lower = v[..n / 2].iter().copied().fold(f64::MIN, f64::max);
        (lower + upper) / 2.0
    }
}

/// Every pixel of an 8-bit image in Lab, row-major.
fn lab_pixels(img: &RgbImage) -> Vec<[f64; 3]> {
    img.pixels()
        .map(|p| srgb_to_lab(p.0.map(|c| f64::from(c) / 255.0)))
        .collect()
}

/// The pixel indices of each area, `pixels[l - 1]` for label `l`.
struct AreaMembers {
    pixels: Vec<Vec<usize>>,
}

impl AreaMembers {
    fn of(labels: &[u32], output: &RgbImage, target: &RgbImage) -> AreaMembers {
        let n = (output.width() * output.height()) as usize;
        assert!(
            labels.len() == n && output.dimensions() == target.dimensions(),
            "area figures need labels and images of one size: {} labels, output {:?}, target {:?}",
            labels.len(),
            output.dimensions(),
            target.dimensions()
        );
        let count = labels.iter().copied().max().unwrap_or(NO_AREA) as usize;
        let mut pixels = vec![Vec::new(); count];
        for (i, &l) in labels.iter().enumerate() {
            if l != NO_AREA {
                pixels[l as usize - 1].push(i);
            }
        }
        AreaMembers { pixels }
    }

    /// The pixels of area `l` when it is large enough to be scored.
    fn scored(&self, l: u32) -> Option<&[usize]> {
        let i = (l as usize).checked_sub(1)?;
        self.pixels
            .get(i)
            .filter(|p| p.len() >= MIN_AREA_PIXELS)
            .map(Vec::as_slice)
    }
}

fn mottle_lab(members: &AreaMembers, out: &[[f64; 3]], tgt: &[[f64; 3]]) -> Option<f64> {
    let per_area: Vec<f64> = members
        .pixels
        .iter()
        .filter(|p| p.len() >= MIN_AREA_PIXELS)
        .map(|p| (chroma_deviation(out, p) - chroma_deviation(tgt, p)).max(0.0))
        .collect();
    (!per_area.is_empty()).then(|| per_area.iter().sum::<f64>() / per_area.len() as f64)
}

fn leak_lab(
    members: &AreaMembers,
    neighbours: &[(u32, u32)],
    out: &[[f64; 3]],
    tgt: &[[f64; 3]],
) -> LeakCount {
    // Each area's medians once, however many neighbours it has.
    let medians = |lab: &[[f64; 3]]| -> Vec<Option<[f64; 3]>> {
        (1..=members.pixels.len() as u32)
            .map(|l| members.scored(l).and_then(|p| median_lab(lab, p)))
            .collect()
    };
    let (out_m, tgt_m) = (medians(out), medians(tgt));
    let colour = |m: &[Option<[f64; 3]>], l: u32| m.get((l as usize).checked_sub(1)?).copied()?;
    let mut count = LeakCount::default();
    for &(a, b) in neighbours {
        let (Some(ta), Some(tb), Some(oa), Some(ob)) = (
            colour(&tgt_m, a),
            colour(&tgt_m, b),
            colour(&out_m, a),
            colour(&out_m, b),
        ) else {
            continue;
        };
        if ciede2000(ta, tb) > LEAK_TARGET_DE {
            count.eligible += 1;
            if ciede2000(oa, ob) < LEAK_OUTPUT_DE {
                count.leaking += 1;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    const WHITE: [u8; 3] = [255, 255, 255];
    const RED: [u8; 3] = [255, 0, 0];
    const BLUE: [u8; 3] = [0, 0, 255];
    /// Lab of sRGB red and blue (Lindbloom's calculator, D65; `hue`'s tests check ours).
    const RED_LAB: [f64; 3] = [53.2408, 80.0925, 67.2032];

    /// A 9x4 picture: columns 0-3 are area 1, column 4 a line, columns 5-8 area 2 (16
    /// pixels each); `colour(x, y)` paints it.
    fn two_areas(colour: impl Fn(u32, u32) -> [u8; 3]) -> (Vec<u32>, RgbImage) {
        let labels = (0..4)
            .flat_map(|_| (0..9).map(|x| [1, 1, 1, 1, 0, 2, 2, 2, 2][x]))
            .collect();
        (labels, RgbImage::from_fn(9, 4, |x, y| Rgb(colour(x, y))))
    }

    #[test]
    fn an_area_half_red_half_white_deviates_by_half_reds_chroma() {
        // Area 1's pixels: 8 red (x < 2), 8 white. Mean (a, b) = red's (a, b) / 2, so every
        // pixel lies |red's (a, b)| / 2 from it: the deviation is red's chroma / 2 =
        // sqrt(80.0925^2 + 67.2032^2) / 2 = 104.5518 / 2 = 52.2759. Area 2 is flat white (0).
        // Targets flat white: mottle = (52.2759 + 0) / 2 areas = 26.1380.
        let (labels, out) = two_areas(|x, _| if x < 2 { RED } else { WHITE });
        let (_, target) = two_areas(|_, _| WHITE);
        let red_chroma = RED_LAB[1].hypot(RED_LAB[2]);
        assert!((red_chroma - 104.5518).abs() < 1e-3);
        let m = mottle(&labels, &out, &target).unwrap();
        assert!((m - 26.1380).abs() < 2e-3, "{m}");
        // The target's own texture is forgiven, and flatter than the target is 0, not less:
        // output = target gives 0; a flat output against the mottled target gives 0 too.
        assert_eq!(mottle(&labels, &out, &out), Some(0.0));
        assert_eq!(mottle(&labels, &target, &out), Some(0.0));
    }

    #[test]
    fn lightness_alone_is_not_mottle_and_lines_do_not_count() {
        // Area 1 black and white stripes (greys: a = b = 0), the line column red.
        let (labels, out) = two_areas(|x, _| match x {
            4 => RED,
            x if x % 2 == 0 => [0, 0, 0],
            _ => WHITE,
        });
        let (_, target) = two_areas(|_, _| WHITE);
        let m = mottle(&labels, &out, &target).unwrap();
        assert!(m < 1e-9, "{m}");
    }

    #[test]
    fn small_areas_are_skipped() {
        // Area 1 keeps 15 pixels (one moved to the line): only area 2 (mottled, 52.2759 as
        // above) is scored.
        let (mut labels, out) = two_areas(|x, _| if x == 5 || x == 6 { RED } else { WHITE });
        let (_, target) = two_areas(|_, _| WHITE);
        labels[0] = NO_AREA;
        let m = mottle(&labels, &out, &target).unwrap();
        assert!((m - 52.2759).abs() < 2e-3, "{m}");
        // Area 2 cut to 15 pixels too: nothing left to score.
        labels[5] = NO_AREA;
        assert_eq!(mottle(&labels, &out, &target), None);
        assert_eq!(
            mottle(&[NO_AREA; 36], &out, &target),
            None,
            "no area at all"
        );
    }

    #[test]
    fn the_area_colour_is_the_median_per_channel() {
        // 9 red and 7 white: the 8th and 9th smallest L* (indices 7, 8) are both red's
        // 53.24 (red's L* is the lower one); a* and b*: 7 zeros then 9 of red's, so indices
        // 7 and 8 are red's again.
        let mut lab = vec![srgb_to_lab([1.0, 0.0, 0.0]); 9];
        lab.extend(vec![srgb_to_lab([1.0; 3]); 7]);
        let all: Vec<usize> = (0..16).collect();
        let m = median_lab(&lab, &all).unwrap();
        for c in 0..3 {
            assert!((m[c] - RED_LAB[c]).abs() < 1e-3, "{m:?}");
        }
        // Even count, two values: their mean. L* 53.2408 and 100 -> 76.6204.
        let two = median_lab(&lab, &[0, 15]).unwrap();
        assert!((two[0] - 76.6204).abs() < 1e-3, "{two:?}");
        assert!(median_lab(&lab, &[]).is_none());
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn leak_counts_differing_neighbours_the_output_made_alike() {
        let (labels, target) = two_areas(|x, _| if x < 4 { RED } else { WHITE });
        let pairs = [(1, 2)];
        // Red next to white differ by far more than 10 (ΔE00 about 46): eligible.
        let (_, white) = two_areas(|_, _| WHITE);
        assert_eq!(
            leak(&labels, &pairs, &white, &target),
            LeakCount {
                leaking: 1,
                eligible: 1
            },
            "all white: the two areas were not told apart"
        );
        assert_eq!(
            leak(&labels, &pairs, &target, &target),
            LeakCount {
                leaking: 0,
                eligible: 1
            }
        );
        // Nearly alike: white next to (250, 250, 250) (ΔE00 about 1.6) is still a leak,
        // and a majority of red pixels makes area 1's colour red (no leak).
        let (_, near) = two_areas(|x, _| if x < 4 { [250; 3] } else { WHITE });
        assert_eq!(leak(&labels, &pairs, &near, &target).leaking, 1);
        let (_, most) = two_areas(|x, y| {
            if x < 4 && (x, y) != (0, 0) {
                RED
            } else {
                WHITE
            }
        });
        assert_eq!(leak(&labels, &pairs, &most, &target).leaking, 0);
        // Targets alike (both white): not eligible, whatever the output.
        assert_eq!(leak(&labels, &pairs, &white, &white), LeakCount::default());
        // Unknown or small areas are skipped.
        assert_eq!(leak(&labels, &[(1, 7)], &white, &target).eligible, 0);
    }

    #[test]
    fn the_figures_pool_as_sums_and_area_figures_agrees() {
        let (labels, target) = two_areas(|x, _| if x < 4 { BLUE } else { WHITE });
        let (_, out) = two_areas(|x, _| if x < 2 { BLUE } else { WHITE });
        let f = area_figures(&labels, &[(1, 2)], &out, &target);
        assert_eq!(f.mottle, mottle(&labels, &out, &target));
        assert_eq!(f.leak, leak(&labels, &[(1, 2)], &out, &target));
        let mut sum = LeakCount {
            leaking: 1,
            eligible: 4,
        };
        sum += LeakCount {
            leaking: 0,
            eligible: 4,
        };
        assert_eq!(sum.share(), Some(0.125));
        assert_eq!(LeakCount::default().share(), None);
    }
}
