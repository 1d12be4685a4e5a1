//! The CIEDE2000 colour difference (ΔE00) between two CIELAB colours, as the `leak` figure
//! compares area colours (`crate::metrics::areas`).
//!
//! Written from the formula as set out in Sharma, Wu & Dalal, "The CIEDE2000
//! Color-Difference Formula: Implementation Notes, Supplementary Test Data, and
//! Mathematical Observations", Color Research & Application 30(1), 2005, equations (1)-(22),
//! with the parametric factors kL = kC = kH = 1. Why ΔE00 and not the Euclidean ΔE76: it is
//! the one whose thresholds (about 1 = just noticeable, 5 = clearly different, 10 = different
//! colours) hold across the colour space, where ΔE76 over-counts saturated differences and
//! under-counts those between dark or greyish colours.

/// 25^7, the constant of the chroma terms G and R_C.
const POW25_7: f64 = 6_103_515_625.0;

/// ΔE00 between `[L*, a*, b*]` colours `lab1` and `lab2` (symmetric; 0 for equal colours).
pub fn ciede2000(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    // (2)-(7): a* stretched by G so that near-neutral colours get their hue differences
    // weighted as observers see them; C' and h' of the stretched colours.
    let c_mean = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
    let c7 = c_mean.powi(7);
    let g = 0.5 * (1.0 - (c7 / (c7 + POW25_7)).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, ap: f64| {
        if ap == 0.0 && b == 0.0 {
            0.0
        } else {
            b.atan2(ap).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));

    // (8)-(11): the differences in lightness, chroma and hue.
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let chromatic = c1p * c2p != 0.0;
    let dh_angle = if !chromatic {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let dh = 2.0 * (c1p * c2p).sqrt() * (dh_angle / 2.0).to_radians().sin();

    // (12)-(22): the weighting functions at the pair's mean lightness, chroma and hue.
    let l_mean = (l1 + l2) / 2.0;
    let cp_mean = (c1p + c2p) / 2.0;
    let h_mean = if !chromatic {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let cos_deg = |d: f64| d.to_radians().cos();
    let t = 1.0 - 0.17 * cos_deg(h_mean - 30.0)
        + 0.24 * cos_deg(2.0 * h_mean)
        + 0.32 * cos_deg(3.0 * h_mean + 6.0)
        - 0.20 * cos_deg(4.0 * h_mean - 63.0);
    let d_theta = 30.0 * (-((h_mean - 275.0) / 25.0).powi(2)).exp();
    let cp7 = cp_mean.powi(7);
    let r_c = 2.0 * (cp7 / (cp7 + POW25_7)).sqrt();
    let l50 = (l_mean - 50.0).powi(2);
    let s_l = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let s_c = 1.0 + 0.045 * cp_mean;
    let s_h = 1.0 + 0.015 * cp_mean * t;
    let r_t = -(2.0 * d_theta).to_radians().sin() * r_c;
    let (tl, tc, th) = (dl / s_l, dc / s_c, dh / s_h);
    (tl * tl + tc * tc + th * th + r_t * tc * th)
        .max(0.0)
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of Table 1 of Sharma, Wu & Dalal (2005): (Lab 1, Lab 2, ΔE00 to 4 decimals).
    /// Chosen to cover the formula's branches: pairs 1-3 (blue, the R_T rotation term),
    /// 7-8 (one neutral colour: h' = 0, order does not matter), 13-16 (hues either side of
    /// the 180-degree wrap of Δh' and of the mean hue), 17-20 (large differences), 25-26
    /// (greens and cyans near the a* axis), 34 (near black).
    const SHARMA: [([f64; 3], [f64; 3], f64); 16] = [
        ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
        ([50.0, 3.1571, -77.2803], [50.0, 0.0, -82.7485], 2.8615),
        ([50.0, 2.8361, -74.0200], [50.0, 0.0, -82.7485], 3.4412),
        ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
        ([50.0, -1.0, 2.0], [50.0, 0.0, 0.0], 2.3669),
        ([50.0, 2.49, -0.001], [50.0, -2.49, 0.0009], 7.1792),
        ([50.0, 2.49, -0.001], [50.0, -2.49, 0.0010], 7.1792),
        ([50.0, 2.49, -0.001], [50.0, -2.49, 0.0011], 7.2195),
        ([50.0, 2.49, -0.001], [50.0, -2.49, 0.0012], 7.2195),
        ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
        ([50.0, 2.5, 0.0], [61.0, -5.0, 29.0], 22.8977),
        ([50.0, 2.5, 0.0], [56.0, -27.0, -3.0], 31.9030),
        ([50.0, 2.5, 0.0], [58.0, 24.0, 15.0], 19.4535),
        (
            [60.2574, -34.0099, 36.2677],
            [60.4626, -34.1751, 39.4387],
            1.2644,
        ),
        (
            [63.0109, -31.0961, -5.8663],
            [62.8187, -29.7946, -4.0864],
            1.2630,
        ),
        (
            [2.0776, 0.0795, -1.1350],
            [0.9033, -0.0636, -0.5514],
            0.9082,
        ),
    ];

    #[test]
    fn the_published_test_pairs_give_the_published_differences() {
        for (i, (p, q, expected)) in SHARMA.iter().enumerate() {
            let got = ciede2000(*p, *q);
            // The table rounds to 4 decimals.
            assert!(
                (got - expected).abs() < 5e-5,
                "row {i}: {p:?} vs {q:?}: {got} (paper: {expected})"
            );
            let back = ciede2000(*q, *p);
            assert!((back - got).abs() < 1e-9, "row {i} is not symmetric");
        }
    }

    #[test]
    fn equal_colours_differ_by_nothing_and_greys_by_lightness_alone() {
        assert_eq!(ciede2000([40.0, 10.0, -20.0], [40.0, 10.0, -20.0]), 0.0);
        // Two greys: dC' = dH' = 0, so ΔE00 = |dL| / S_L with S_L at the mean lightness.
        // L 50 and 60: mean 55, S_L = 1 + 0.015 * 25 / sqrt(20 + 25) = 1.0559017,
        // ΔE00 = 10 / 1.0559017 = 9.4705786.
        let d = ciede2000([50.0, 0.0, 0.0], [60.0, 0.0, 0.0]);
        assert!((d - 9.470_578_6).abs() < 1e-6, "{d}");
    }
}
