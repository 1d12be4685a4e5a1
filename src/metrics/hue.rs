//! The hue distribution of a set of images: a chroma-weighted hue histogram in CIE Lab,
//! its entropy, and the Jensen-Shannon divergence between two of them.
//!
//! Why: the flat brown "sepia" that an L1-only pix2pix converges to has chroma (so its
//! colourfulness ratio looks healthy) but one hue; a GAN's noise has every hue. The
//! distribution of hues over a whole split tells both apart from the targets.
//!
//! Definitions (see also `crate::metrics`):
//! - **Lab**: sRGB in `[0, 1]` -> linear (`c / 12.92` up to 0.04045, else
//!   `((c + 0.055) / 1.055)^2.4`) -> XYZ with the sRGB/D65 matrix (IEC 61966-2-1, as
//!   tabulated by Lindbloom) -> CIE Lab with the reference white `(Xn, Yn, Zn)` = the matrix
//!   applied to white (D65: 0.95047, 1.0000001, 1.08883), so every grey is exactly neutral.
//! - **Hue** `atan2(b*, a*)` in `[0, 360)` degrees, in `HUE_BINS` = 36 bins of 10 degrees
//!   (bin 0 = [0, 10)); **chroma** `sqrt(a*^2 + b*^2)`. Each pixel adds its chroma to the
//!   bin of its hue, so greys (chroma below `NEUTRAL_CHROMA`, i.e. zero up to rounding) add
//!   nothing and a vivid pixel counts more than a dull one.
//! - A split's histogram is the **sum** of its images' histograms, normalised to sum 1.
//! - **Entropy** in bits: `-sum p log2 p` (0 = one hue; log2 36 = 5.17 = every hue alike).
//! - **Jensen-Shannon divergence**, base 2, in `[0, 1]`: with `m = (p + q) / 2`,
//!   `JSD = KL(p || m) / 2 + KL(q || m) / 2` (0 = the same distribution, 1 = no hue in common).
//!
//! Histograms of images without any chroma (all grey) have no distribution: the figures
//! are then `None`.

use super::Planes;

/// Number of hue bins (10 degrees each).
pub const HUE_BINS: usize = 36;

/// Chroma below which a pixel counts as grey (Lab units; a just-noticeable difference is
/// about 1, float rounding of a grey gives about 1e-13).
const NEUTRAL_CHROMA: f64 = 1e-6;

/// sRGB (linear) -> XYZ, rows X, Y, Z (Lindbloom's sRGB D65 matrix).
const RGB_TO_XYZ: [[f64; 3]; 3] = [
    [0.412_456_4, 0.357_576_1, 0.180_437_5],
    [0.212_672_9, 0.715_152_2, 0.072_175_0],
    [0.019_333_9, 0.119_192_0, 0.950_304_1],
];

/// Chroma-weighted hue histogram (not normalised: sums of chroma per 10-degree bin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HueHistogram {
    /// `bins[k]`: the summed chroma of the pixels whose hue is in `[10k, 10k + 10)` degrees.
    pub bins: [f64; HUE_BINS],
}

impl Default for HueHistogram {
    fn default() -> Self {
        HueHistogram {
            bins: [0.0; HUE_BINS],
        }
    }
}

impl std::ops::AddAssign<&HueHistogram> for HueHistogram {
    fn add_assign(&mut self, other: &HueHistogram) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
    }
}

impl HueHistogram {
    /// The histogram of one image.
    pub fn of(img: &Planes) -> Self {
        let (r, g, b) = (img.plane(0), img.plane(1), img.plane(2));
        let mut h = HueHistogram::default();
        for i in 0..r.len() {
            let [_, a, b] = srgb_to_lab([r[i], g[i], b[i]]);
            h.add_lab(a, b);
        }
        h
    }

    /// Adds one pixel given by its Lab `a*`, `b*`.
    pub fn add_lab(&mut self, a: f64, b: f64) {
        let chroma = a.hypot(b);
        if chroma < NEUTRAL_CHROMA {
            return;
        }
        let deg = b.atan2(a).to_degrees().rem_euclid(360.0);
        let bin = ((deg / (360.0 / HUE_BINS as f64)) as usize).min(HUE_BINS - 1);
        self.bins[bin] += chroma;
    }

    /// The sum of the histograms of `images`.
    pub fn pooled<'a>(images: impl IntoIterator<Item = &'a HueHistogram>) -> Self {
        let mut h = HueHistogram::default();
        images.into_iter().for_each(|x| h += x);
        h
    }

    /// The distribution (bins summing to 1); `None` without any chroma.
    pub fn normalised(&self) -> Option<[f64; HUE_BINS]> {
        let total: f64 = self.bins.iter().sum();
        (total > 0.0).then(|| self.bins.map(|w| w / total))
    }

    /// Entropy of the distribution in bits; `None` without any chroma.
    pub fn entropy_bits(&self) -> Option<f64> {
        let p = self.normalised()?;
        let sum: f64 = p.iter().filter(|&&x| x > 0.0).map(|x| x * x.log2()).sum();
        Some(0.0 - sum) // not -0.0 for one hue
    }

    /// Jensen-Shannon divergence (base 2, in `[0, 1]`) between the two distributions;
    /// `None` when either has no chroma.
    pub fn jsd_bits(&self, other: &HueHistogram) -> Option<f64> {
        let (p, q) = (self.normalised()?, other.normalised()?);
        // Half of KL(x || m), summed over the bins where x > 0 (then m > 0 too).
        let half_kl = |x: f64, m: f64| {
            if x > 0.0 {
                0.5 * x * (x / m).log2()
            } else {
                0.0
            }
        };
        let jsd: f64 = p
            .iter()
            .zip(&q)
            .map(|(&p, &q)| {
                let m = 0.5 * (p + q);
                half_kl(p, m) + half_kl(q, m)
            })
            .sum();
        Some(jsd.clamp(0.0, 1.0))
    }
}

/// CIE Lab `[L*, a*, b*]` of an sRGB colour with channels in `[0, 1]` (clamped), D65.
pub fn srgb_to_lab(rgb: [f64; 3]) -> [f64; 3] {
    let linear = rgb.map(|c| {
        let c = c.clamp(0.0, 1.0);
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let xyz = RGB_TO_XYZ.map(|row| row.iter().zip(&linear).map(|(m, c)| m * c).sum::<f64>());
    let white = RGB_TO_XYZ.map(|row| row.iter().sum::<f64>());
    let f = |t: f64| {
        const D: f64 = 6.0 / 29.0;
        if t > D * D * D {
            t.cbrt()
        } else {
            t / (3.0 * D * D) + 4.0 / 29.0
        }
    };
    let [fx, fy, fz] = [0, 1, 2].map(|i| f(xyz[i] / white[i]));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// XYZ -> sRGB (linear), the inverse of `RGB_TO_XYZ` (Lindbloom's sRGB D65 matrix).
const XYZ_TO_RGB: [[f64; 3]; 3] = [
    [3.240_454_2, -1.537_138_5, -0.498_531_4],
    [-0.969_266_0, 1.876_010_8, 0.041_556_0],
    [0.055_643_4, -0.204_025_9, 1.057_225_2],
];

/// The sRGB colour (channels in `[0, 1]`) of CIE Lab `[L*, a*, b*]`, D65: the inverse of
/// [`srgb_to_lab`]. Colours outside the sRGB gamut are clamped channel by channel.
pub fn lab_to_srgb(lab: [f64; 3]) -> [f64; 3] {
    let [l, a, b] = lab;
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let finv = |t: f64| {
        const D: f64 = 6.0 / 29.0;
        if t > D {
            t * t * t
        } else {
            3.0 * D * D * (t - 4.0 / 29.0)
        }
    };
    let white = RGB_TO_XYZ.map(|row| row.iter().sum::<f64>());
    let xyz = [
        finv(fx) * white[0],
        finv(fy) * white[1],
        finv(fz) * white[2],
    ];
    XYZ_TO_RGB.map(|row| {
        let c = row.iter().zip(&xyz).map(|(m, v)| m * v).sum::<f64>();
        let c = c.clamp(0.0, 1.0);
        if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn planes(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Planes {
        Planes::from_rgb(&RgbImage::from_fn(w, h, |x, y| Rgb(f(x, y))))
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn lab_of_the_primaries_and_greys() {
        // Reference values (Lindbloom's calculator, sRGB D65).
        let [l, a, b] = srgb_to_lab([1.0, 0.0, 0.0]);
        assert!(close(l, 53.24, 0.01) && close(a, 80.09, 0.01) && close(b, 67.20, 0.01));
        let [l, a, b] = srgb_to_lab([0.0, 1.0, 0.0]);
        assert!(close(l, 87.73, 0.01) && close(a, -86.18, 0.01) && close(b, 83.18, 0.01));
        let [l, a, b] = srgb_to_lab([0.0, 0.0, 1.0]);
        assert!(close(l, 32.30, 0.01) && close(a, 79.19, 0.01) && close(b, -107.86, 0.01));
        for v in [0.0, 0.02, 0.5, 1.0] {
            let [l, a, b] = srgb_to_lab([v; 3]);
            assert!(a.hypot(b) < 1e-9, "grey {v}: {a} {b}");
            assert!((0.0..=100.0 + 1e-9).contains(&l));
        }
    }

    #[test]
    fn lab_to_srgb_inverts_srgb_to_lab_on_every_8_bit_level() {
        // Every grey and a 16-level grid of colours come back to the same byte.
        let grid = (0..=255u32).step_by(17);
        let colours = (0..=255u32)
            .map(|v| [v; 3])
            .chain(grid.clone().flat_map(|r| {
                let grid = grid.clone();
                grid.clone()
                    .flat_map(move |g| grid.clone().map(move |b| [r, g, b]))
            }));
        for c in colours {
            let rgb = c.map(|v| f64::from(v) / 255.0);
            let back = lab_to_srgb(srgb_to_lab(rgb));
            for k in 0..3 {
                assert!((back[k] - rgb[k]).abs() < 1e-5, "{c:?} -> {back:?}");
            }
        }
        // Reference: Lab (50, 0, 0) is the grey 0.4663 (119 of 255, Lindbloom).
        let grey = lab_to_srgb([50.0, 0.0, 0.0]);
        assert!(
            grey.iter().all(|&g| close(g * 255.0, 118.9, 0.05)),
            "{grey:?}"
        );
        // Out of gamut clamps.
        assert_eq!(
            lab_to_srgb([100.0, 0.0, 0.0]).map(|c| (c * 255.0).round()),
            [255.0; 3]
        );
        assert_eq!(lab_to_srgb([0.0, 0.0, 0.0]), [0.0; 3]);
        assert_eq!(lab_to_srgb([50.0, 200.0, 0.0])[1], 0.0);
    }

    #[test]
    fn one_hue_has_entropy_zero_and_all_its_chroma_in_one_bin() {
        // Blue: hue atan2(-107.86, 79.19) = 306.29 degrees (bin 30), chroma 133.81 per pixel.
        let h = HueHistogram::of(&planes(4, 3, |_, _| [0, 0, 255]));
        assert!(
            close(h.bins[30], 12.0 * 133.81, 12.0 * 0.01),
            "{:?}",
            h.bins
        );
        assert_eq!(h.bins.iter().filter(|&&w| w > 0.0).count(), 1);
        let p = h.normalised().unwrap();
        assert_eq!(p[30], 1.0);
        assert_eq!(h.entropy_bits(), Some(0.0));
        assert_eq!(h.jsd_bits(&h), Some(0.0));
    }

    #[test]
    fn grey_has_no_hue_distribution() {
        let h = HueHistogram::of(&planes(5, 5, |x, y| [(x * 50 + y) as u8; 3]));
        assert!(h.bins.iter().all(|&w| w == 0.0));
        assert_eq!(h.normalised(), None);
        assert_eq!(h.entropy_bits(), None);
        let red = HueHistogram::of(&planes(1, 1, |_, _| [255, 0, 0]));
        assert_eq!(h.jsd_bits(&red), None);
    }

    #[test]
    fn entropy_and_jsd_of_known_distributions() {
        // Equal chroma in k bins: entropy log2 k. Equal chroma at every 10-degree step.
        let mut uniform = HueHistogram::default();
        for k in 0..HUE_BINS {
            let deg = (10.0 * k as f64 + 5.0).to_radians();
            uniform.add_lab(30.0 * deg.cos(), 30.0 * deg.sin());
        }
        assert!(uniform.bins.iter().all(|&w| close(w, 30.0, 1e-9)));
        assert!(close(uniform.entropy_bits().unwrap(), 36f64.log2(), 1e-12));
        // Two bins with weights 1 : 3 -> H = 2 - (3/4) log2 3.
        let mut two = HueHistogram::default();
        two.add_lab(1.0, 0.0); // hue 0 -> bin 0
        two.add_lab(0.0, 3.0); // hue 90 -> bin 9
        assert_eq!((two.bins[0], two.bins[9]), (1.0, 3.0));
        let expected = 2.0 - 0.75 * 3f64.log2();
        assert!(close(two.entropy_bits().unwrap(), expected, 1e-12));
        // Disjoint supports: JSD 1. One bin vs that bin plus another, 1:1:
        // p = (1, 0), q = (1/2, 1/2), m = (3/4, 1/4):
        // JSD = (1/2) log2(4/3) + (1/2) [(1/2) log2(2/3) + (1/2) log2 2].
        let mut a = HueHistogram::default();
        a.add_lab(1.0, 0.0);
        let mut b = HueHistogram::default();
        b.add_lab(-1.0, 0.0); // hue 180 -> bin 18
        assert!(close(a.jsd_bits(&b).unwrap(), 1.0, 1e-12));
        let mut ab = a;
        ab += &b;
        let expected = 0.5 * (4.0f64 / 3.0).log2() + 0.25 * (2.0f64 / 3.0).log2() + 0.25;
        assert!(close(a.jsd_bits(&ab).unwrap(), expected, 1e-12));
        assert!(
            close(ab.jsd_bits(&a).unwrap(), expected, 1e-12),
            "symmetric"
        );
        // Negative hue angles wrap: -5 degrees is bin 35.
        let mut w = HueHistogram::default();
        let r = (-5f64).to_radians();
        w.add_lab(r.cos(), r.sin());
        assert!(close(w.bins[35], 1.0, 1e-12));
    }

    /// The three cases on a known target set: a constant sepia output and a
    /// random-hue output are far from it, a copy of it is at distance 0.
    #[test]
    fn sepia_and_random_hue_are_flagged_and_a_copy_is_not() {
        // Targets: half red, half blue pixels (two hues).
        let targets: Vec<Planes> = (0..3)
            .map(|i| {
                planes(8, 8, move |x, _| {
                    if (x + i) % 2 == 0 {
                        [220, 30, 30]
                    } else {
                        [30, 60, 220]
                    }
                })
            })
            .collect();
        let sepia: Vec<Planes> = (0..3).map(|_| planes(8, 8, |_, _| [112, 66, 20])).collect();
        let random: Vec<Planes> = (0..3u32)
            .map(|i| {
                planes(8, 8, move |x, y| {
                    let v = (x * 7919 + y * 104_729 + i * 31 + x * y * 13) as u64;
                    let h = v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    [(h >> 8) as u8, (h >> 24) as u8, (h >> 40) as u8]
                })
            })
            .collect();
        let pool = |imgs: &[Planes]| {
            HueHistogram::pooled(imgs.iter().map(HueHistogram::of).collect::<Vec<_>>().iter())
        };
        let (t, s, r) = (pool(&targets), pool(&sepia), pool(&random));
        let t_entropy = t.entropy_bits().unwrap();
        // Red and blue are two hues; their chroma differs, so the entropy is just under 1.
        assert!(t_entropy > 0.9 && t_entropy <= 1.0, "{t_entropy}");
        // Sepia: one hue (entropy exactly 0), not one of the targets' (JSD exactly 1).
        assert_eq!(s.entropy_bits(), Some(0.0));
        assert!(close(s.jsd_bits(&t).unwrap(), 1.0, 1e-12));
        // Random hues: entropy far above the targets', JSD high.
        let r_entropy = r.entropy_bits().unwrap();
        assert!(r_entropy > 4.0, "{r_entropy}");
        assert!(r.jsd_bits(&t).unwrap() > 0.5, "{}", r.jsd_bits(&t).unwrap());
        // A copy of the targets: the same entropy, JSD exactly 0.
        let copy = pool(&targets.clone());
        assert_eq!(copy.entropy_bits(), Some(t_entropy));
        assert_eq!(copy.jsd_bits(&t), Some(0.0));
    }
}
