//! Table-driven CIE Lab of 8-bit sRGB pixels, quantised to 1/16 unit: what the
//! per-area medians and the shading read a million times per picture, where
//! [`crate::metrics::hue::srgb_to_lab`] (three `powf` and three `cbrt` per pixel) would cost
//! more than the whole finish is allowed.
//!
//! The same formulas as `srgb_to_lab` (sRGB D65, Lindbloom's matrix, white = the matrix
//! applied to white), with the sRGB decoding from a 256-entry table and the cube root of
//! CIE's `f` from a 4096-step table read with linear interpolation (error below 0.01 in L*,
//! a*, b*). The quantisation step, 1/16, is far below a just-noticeable difference (about
//! one unit) and fine enough that a quantised colour comes back to its bytes within two
//! levels, and within one except in near-zero channels of saturated colours, where sRGB's
//! steep start magnifies errors about tenfold.

use crate::metrics::hue::lab_to_srgb;

/// Quantisation: Lab units per step.
pub(super) const STEP: f32 = 1.0 / 16.0;
/// Offset of a* and b* (their sRGB range is about -108..99) so they index from 0.
const AB_OFFSET: f32 = 128.0;
/// Quantised L* runs 0..=L_LEVELS - 1 (L* 0..=100).
pub(super) const L_LEVELS: usize = 1601;
/// Quantised a* and b* run 0..AB_LEVELS (-128..128).
pub(super) const AB_LEVELS: usize = 4096;
/// Steps of the table of CIE's `f` over [0, 1].
const F_STEPS: usize = 4096;

/// sRGB (linear) -> XYZ rows, each divided by the white's X, Y, Z (Lindbloom's matrix).
const RGB_TO_XYZ: [[f32; 3]; 3] = [
    [0.412_456_4, 0.357_576_1, 0.180_437_5],
    [0.212_672_9, 0.715_152_2, 0.072_175_0],
    [0.019_333_9, 0.119_192, 0.950_304_1],
];

/// The tables of one conversion.
pub(super) struct LabTable {
    /// sRGB byte -> linear, times the matrix row and divided by the white: `xyz[k][c][v]`
    /// is the contribution of channel `c` at level `v` to X (k = 0), Y, Z.
    xyz: [[[f32; 256]; 3]; 3],
    /// CIE's `f` at `i / F_STEPS`, i = 0..=F_STEPS (+1 so interpolation never reads past).
    f: Vec<f32>,
}

impl LabTable {
    pub(super) fn new() -> Self {
        let linear: [f32; 256] = std::array::from_fn(|v| {
            let c = v as f64 / 255.0;
            (if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }) as f32
        });
        let mut xyz = [[[0.0f32; 256]; 3]; 3];
        for (k, row) in RGB_TO_XYZ.iter().enumerate() {
            let white: f32 = row.iter().sum();
            for c in 0..3 {
                for v in 0..256 {
                    xyz[k][c][v] = row[c] * linear[v] / white;
                }
            }
        }
        let f = (0..=F_STEPS + 1)
            .map(|i| cie_f(i as f64 / F_STEPS as f64) as f32)
            .collect();
        LabTable { xyz, f }
    }

    /// CIE's `f(t)` for `t` in [0, 1] (clamped), from the table.
    fn f(&self, t: f32) -> f32 {
        let x = t.clamp(0.0, 1.0) * F_STEPS as f32;
        let i = x as usize;
        let frac = x - i as f32;
        self.f[i] + (self.f[i + 1] - self.f[i]) * frac
    }

    /// `[X, Y, Z]` relative to the white of an sRGB pixel.
    fn xyz(&self, p: [u8; 3]) -> [f32; 3] {
        let t = &self.xyz;
        [0, 1, 2].map(|k| {
            t[k][0][usize::from(p[0])] + t[k][1][usize::from(p[1])] + t[k][2][usize::from(p[2])]
        })
    }

    /// Quantised `[L*, a*, b*]` of an sRGB pixel: `L* / STEP`, `(a* + 128) / STEP`,
    /// `(b* + 128) / STEP`, rounded and clamped to the level ranges.
    pub(super) fn quantised(&self, p: [u8; 3]) -> [u16; 3] {
        let [x, y, z] = self.xyz(p);
        let [fx, fy, fz] = [self.f(x), self.f(y), self.f(z)];
        let l = 116.0 * fy - 16.0;
        let (a, b) = (500.0 * (fx - fy), 200.0 * (fy - fz));
        [
            quantise(l, 0.0, L_LEVELS),
            quantise(a, AB_OFFSET, AB_LEVELS),
            quantise(b, AB_OFFSET, AB_LEVELS),
        ]
    }

    /// `[L*, a*, b*]` of an sRGB pixel (not quantised).
    pub(super) fn lab(&self, p: [u8; 3]) -> [f32; 3] {
        let [x, y, z] = self.xyz(p);
        let [fx, fy, fz] = [self.f(x), self.f(y), self.f(z)];
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// L* of an sRGB pixel (not quantised).
    pub(super) fn lightness(&self, p: [u8; 3]) -> f32 {
        116.0 * self.f(self.xyz(p)[1]) - 16.0
    }
}

fn quantise(v: f32, offset: f32, levels: usize) -> u16 {
    // `+ 0.5` and truncation after clamping to >= 0: rounding without a libm call.
    (((v + offset) * (1.0 / STEP)).clamp(0.0, (levels - 1) as f32) + 0.5) as u16
}

/// The `[L*, a*, b*]` of a quantised Lab triple (as [`LabTable::quantised`] makes them).
pub(super) fn dequantised_lab(q: [u16; 3]) -> [f32; 3] {
    [
        f32::from(q[0]) * STEP,
        f32::from(q[1]) * STEP - AB_OFFSET,
        f32::from(q[2]) * STEP - AB_OFFSET,
    ]
}

/// The sRGB byte colour of a quantised Lab triple (as [`LabTable::quantised`] makes them).
pub(super) fn dequantised_srgb(q: [u16; 3]) -> [u8; 3] {
    let lab = [
        f64::from(q[0]) * f64::from(STEP),
        f64::from(q[1]) * f64::from(STEP) - f64::from(AB_OFFSET),
        f64::from(q[2]) * f64::from(STEP) - f64::from(AB_OFFSET),
    ];
    lab_to_srgb(lab).map(|c| (c * 255.0).round() as u8)
}

/// CIE's `f(t)`: the cube root, linear near black.
fn cie_f(t: f64) -> f64 {
    const D: f64 = 6.0 / 29.0;
    if t > D * D * D {
        t.cbrt()
    } else {
        t / (3.0 * D * D) + 4.0 / 29.0
    }
}

/// The sRGB value (in [0, 1]) of the grey whose lightness is `l` (L*, clamped to 0..=100):
/// what the shading compares lightness in, as hard light works on sRGB values.
pub(super) fn grey_of_lightness(l: f32) -> f32 {
    lab_to_srgb([f64::from(l.clamp(0.0, 100.0)), 0.0, 0.0])[0] as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::hue::srgb_to_lab;

    #[test]
    fn the_table_agrees_with_the_exact_conversion_within_a_quantisation_step() {
        let table = LabTable::new();
        let mut worst = 0.0f64;
        for r in (0..=255u8).step_by(5) {
            for g in (0..=255u8).step_by(5) {
                for b in (0..=255u8).step_by(5) {
                    let exact = srgb_to_lab([r, g, b].map(|v| f64::from(v) / 255.0));
                    let q = table.quantised([r, g, b]);
                    let got = [
                        f64::from(q[0]) / 16.0,
                        f64::from(q[1]) / 16.0 - 128.0,
                        f64::from(q[2]) / 16.0 - 128.0,
                    ];
                    for k in 0..3 {
                        worst = worst.max((got[k] - exact[k]).abs());
                    }
                    let l = f64::from(table.lightness([r, g, b]));
                    assert!((l - exact[0]).abs() < 0.01, "{r} {g} {b}: {l} vs {exact:?}");
                }
            }
        }
        // Rounding to 1/16: at most 1/32 off, plus the table's own error.
        assert!(worst < 0.045, "worst {worst}");
        // Black and white land on the ends of L* and on neutral a*, b* (128 * 16 = 2048).
        assert_eq!(table.quantised([0, 0, 0]), [0, 2048, 2048]);
        assert_eq!(table.quantised([255, 255, 255]), [1600, 2048, 2048]);
    }

    #[test]
    fn quantised_lab_comes_back_to_the_same_colour_within_a_level() {
        let table = LabTable::new();
        let levels = (0..=255u8).step_by(15);
        let mut worst_ones = 0;
        for r in levels.clone() {
            for g in levels.clone() {
                for b in levels.clone() {
                    let back = dequantised_srgb(table.quantised([r, g, b]));
                    let off = (0..3).map(|k| back[k].abs_diff([r, g, b][k])).max();
                    assert!(off <= Some(2), "{:?} -> {back:?}", [r, g, b]);
                    worst_ones += usize::from(off == Some(2));
                }
            }
        }
        // Of the 18^3 = 5832 colours, only a few saturated corners are 2 levels off.
        assert!(worst_ones < 60, "{worst_ones} colours 2 levels off");
        assert!((grey_of_lightness(100.0) - 1.0).abs() < 1e-6);
        assert_eq!(grey_of_lightness(0.0), 0.0);
        assert!((grey_of_lightness(50.0) * 255.0 - 118.9).abs() < 0.05);
    }
}
