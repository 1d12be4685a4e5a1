//! Image quality metrics: L1, PSNR, SSIM, colourfulness (Hasler-Suesstrunk), the hue
//! distribution (`hue`), the diversity of dropout samples (`diversity`), and mottle and
//! leak over the sketch's areas (`areas`).
//!
//! Conventions, fixed so figures are comparable between training (`val/*` in TensorBoard)
//! and `colorize eval`:
//! - **L1**: mean absolute difference on the model's `[-1, 1]` scale, the same scale as the
//!   training loss `loss/G_L1` (so 0.1 here is 12.75 grey levels).
//! - **PSNR**: `10 log10(1 / MSE)` with pixel values in `[0, 1]`, i.e. a data range of 1
//!   (identical to 255 on 8-bit values); identical images give `f64::INFINITY`.
//! - **SSIM**: Wang et al. 2004 with an 11x11 Gaussian window (sigma 1.5), K1 = 0.01,
//!   K2 = 0.03, data range 1 (`[0, 1]` values), computed on each RGB channel over the
//!   "valid" window positions (no padding) and averaged over positions, then channels.
//!   Images smaller than 11 px use the largest odd window that fits.
//! - **Colourfulness**: Hasler & Suesstrunk 2003 on 0..255 RGB: `rg = R - G`,
//!   `yb = (R + G) / 2 - B`, `M = sqrt(s_rg^2 + s_yb^2) + 0.3 sqrt(m_rg^2 + m_yb^2)` with
//!   population standard deviations; a grey image scores 0. A grey or washed-out result
//!   scores low, which is the failure the adversarial loss is there to prevent.
//! - **Hue entropy / JSD** (`hue`): the chroma-weighted hue histogram in CIE Lab (D65),
//!   36 bins of 10 degrees, each pixel weighted by its chroma, summed over a split and
//!   normalised; its entropy in bits, and the Jensen-Shannon divergence (base 2, in [0, 1])
//!   of the outputs' from the targets'. The flat brown "sepia" collapse has chroma (its
//!   colourfulness ratio can look fine) but one hue: entropy far below the targets', high
//!   JSD. Hue noise: entropy far above the targets'.
//! - **Diversity** (`diversity`): mean pairwise L1 between K outputs of one sketch with
//!   dropout on (BatchNorm in eval mode); 0 = the generator ignores its noise.
//! - **Mottle / leak** (`areas`): judged over the areas of the line art (`crate::regions`):
//!   the mean over areas of how much more the output's chroma wanders inside an area than
//!   the target's, and the share of neighbouring areas of different target colours
//!   (ΔE00 > 10, `ciede2000`) whose output colours came out alike (ΔE00 < 5).

pub mod areas;
pub mod ciede2000;
pub mod diversity;
pub mod hue;

pub use areas::{area_figures, AreaFigures, LeakCount};
pub use ciede2000::ciede2000;
pub use diversity::{mean_pairwise_l1, DIVERSITY_SEED};
pub use hue::HueHistogram;

use image::RgbImage;
use tch::{Device, Kind, Tensor};

use crate::{Error, Result};

/// An RGB image as three planes of `f64` in `[0, 1]` (`data[c * h * w + y * w + x]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Planes {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The R plane, then G, then B, each row by row.
    pub data: Vec<f64>,
}

impl Planes {
    /// From a `[3, H, W]` tensor in `[-1, 1]` (any device, any float kind).
    pub fn from_tensor(t: &Tensor) -> Result<Self> {
        let size = t.size();
        if size.len() != 3 || size[0] != 3 {
            return Err(Error::Internal(format!(
                "metrics need a [3, H, W] tensor, got {size:?}"
            )));
        }
        let flat = t
            .to_device(Device::Cpu)
            .to_kind(Kind::Float)
            .contiguous()
            .view([-1]);
        let values = Vec::<f32>::try_from(&flat)?;
        Ok(Planes {
            width: size[2] as usize,
            height: size[1] as usize,
            data: values.iter().map(|&v| (f64::from(v) + 1.0) / 2.0).collect(),
        })
    }

    /// From an 8-bit RGB image (0 -> 0.0, 255 -> 1.0).
    pub fn from_rgb(img: &RgbImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut data = vec![0.0; 3 * w * h];
        for (i, px) in img.pixels().enumerate() {
            for c in 0..3 {
                data[c * w * h + i] = f64::from(px[c]) / 255.0;
            }
        }
        Planes {
            width: w,
            height: h,
            data,
        }
    }

    fn plane(&self, c: usize) -> &[f64] {
        let n = self.width * self.height;
        &self.data[c * n..(c + 1) * n]
    }

    fn check_same_size(&self, other: &Planes) -> Result<()> {
        if (self.width, self.height) != (other.width, other.height) {
            return Err(Error::Internal(format!(
                "metrics compare images of different sizes: {}x{} vs {}x{}",
                self.width, self.height, other.width, other.height
            )));
        }
        Ok(())
    }
}

/// Mean absolute difference on the `[-1, 1]` scale.
pub fn l1(a: &Planes, b: &Planes) -> Result<f64> {
    a.check_same_size(b)?;
    let sum: f64 = a.data.iter().zip(&b.data).map(|(x, y)| (x - y).abs()).sum();
    Ok(2.0 * sum / a.data.len() as f64)
}

/// Peak signal-to-noise ratio in dB, data range 1; `INFINITY` for identical images.
pub fn psnr(a: &Planes, b: &Planes) -> Result<f64> {
    a.check_same_size(b)?;
    let sse: f64 = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let mse = sse / a.data.len() as f64;
    Ok(if mse == 0.0 {
        f64::INFINITY
    } else {
        -10.0 * mse.log10()
    })
}

/// Mean SSIM over the three channels (see the module doc for the variant).
pub fn ssim(a: &Planes, b: &Planes) -> Result<f64> {
    a.check_same_size(b)?;
    let win = 11.min(a.width.min(a.height));
    let win = if win % 2 == 0 { win - 1 } else { win };
    let kernel = gaussian_kernel(win, 1.5);
    let total: f64 = (0..3)
        .map(|c| ssim_plane(a.plane(c), b.plane(c), a.width, a.height, &kernel))
        .sum();
    Ok(total / 3.0)
}

fn gaussian_kernel(size: usize, sigma: f64) -> Vec<f64> {
    let mid = (size / 2) as f64;
    let k: Vec<f64> = (0..size)
        .map(|i| (-((i as f64 - mid).powi(2)) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = k.iter().sum();
    k.into_iter().map(|v| v / sum).collect()
}

/// Separable "valid" filtering: output is `(w - k + 1) x (h - k + 1)`.
fn filter_valid(x: &[f64], w: usize, h: usize, k: &[f64]) -> Vec<f64> {
    let (ow, oh) = (w + 1 - k.len(), h + 1 - k.len());
    let mut rows = vec![0.0; ow * h]; // horizontal pass: [h, ow]
    for y in 0..h {
        for ox in 0..ow {
            rows[y * ow + ox] = k
                .iter()
                .enumerate()
                .map(|(i, kv)| kv * x[y * w + ox + i])
                .sum();
        }
    }
    let mut out = vec![0.0; ow * oh]; // vertical pass: [oh, ow]
    for oy in 0..oh {
        for ox in 0..ow {
            out[oy * ow + ox] = k
                .iter()
                .enumerate()
                .map(|(i, kv)| kv * rows[(oy + i) * ow + ox])
                .sum();
        }
    }
    out
}

fn ssim_plane(x: &[f64], y: &[f64], w: usize, h: usize, k: &[f64]) -> f64 {
    const C1: f64 = 0.01 * 0.01; // (K1 * data range)^2
    const C2: f64 = 0.03 * 0.03; // (K2 * data range)^2
    let prod =
        |f: fn(f64, f64) -> f64| -> Vec<f64> { x.iter().zip(y).map(|(&a, &b)| f(a, b)).collect() };
    let mx = filter_valid(x, w, h, k);
    let my = filter_valid(y, w, h, k);
    let mxx = filter_valid(&prod(|a, _| a * a), w, h, k);
    let myy = filter_valid(&prod(|_, b| b * b), w, h, k);
    let mxy = filter_valid(&prod(|a, b| a * b), w, h, k);
    let n = mx.len();
    let sum: f64 = (0..n)
        .map(|i| {
            let (ux, uy) = (mx[i], my[i]);
            let vx = mxx[i] - ux * ux;
            let vy = myy[i] - uy * uy;
            let cxy = mxy[i] - ux * uy;
            ((2.0 * ux * uy + C1) * (2.0 * cxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2))
        })
        .sum();
    sum / n as f64
}

/// Hasler-Suesstrunk colourfulness on the 0..255 scale (0 for any grey image).
pub fn colourfulness(img: &Planes) -> f64 {
    let (r, g, b) = (img.plane(0), img.plane(1), img.plane(2));
    let n = r.len() as f64;
    let rg: Vec<f64> = r.iter().zip(g).map(|(r, g)| 255.0 * (r - g)).collect();
    let yb: Vec<f64> = (0..r.len())
        .map(|i| 255.0 * (0.5 * (r[i] + g[i]) - b[i]))
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    let (m_rg, m_yb) = (mean(&rg), mean(&yb));
    let (v_rg, v_yb) = (var(&rg, m_rg), var(&yb, m_yb));
    (v_rg + v_yb).sqrt() + 0.3 * (m_rg * m_rg + m_yb * m_yb).sqrt()
}

/// All figures for one generated image against its target.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ImageMetrics {
    /// Mean absolute difference on the `[-1, 1]` scale.
    pub l1: f64,
    /// PSNR in dB (data range 1); infinite for identical images.
    pub psnr: f64,
    /// SSIM (see the module doc for the window and constants).
    pub ssim: f64,
    /// Colourfulness of the generated image.
    pub colourfulness: f64,
    /// Colourfulness of the target, so the ratio output/target can be reported.
    pub target_colourfulness: f64,
    /// Chroma-weighted hue histogram of the generated image (pooled by `MetricsMean`).
    #[serde(skip)]
    pub hue: HueHistogram,
    /// Chroma-weighted hue histogram of the target.
    #[serde(skip)]
    pub target_hue: HueHistogram,
}

impl ImageMetrics {
    /// All figures of `generated` against `target` (same size, else an internal error).
    pub fn compute(generated: &Planes, target: &Planes) -> Result<Self> {
        Ok(ImageMetrics {
            l1: l1(generated, target)?,
            psnr: psnr(generated, target)?,
            ssim: ssim(generated, target)?,
            colourfulness: colourfulness(generated),
            target_colourfulness: colourfulness(target),
            hue: HueHistogram::of(generated),
            target_hue: HueHistogram::of(target),
        })
    }

    /// From `[3, H, W]` tensors in `[-1, 1]`.
    pub fn from_tensors(generated: &Tensor, target: &Tensor) -> Result<Self> {
        Self::compute(
            &Planes::from_tensor(generated)?,
            &Planes::from_tensor(target)?,
        )
    }

    /// From 8-bit RGB images.
    pub fn from_rgb(generated: &RgbImage, target: &RgbImage) -> Result<Self> {
        Self::compute(&Planes::from_rgb(generated), &Planes::from_rgb(target))
    }
}

/// Means over a set of images. `psnr` is the mean of per-image values (one identical pair
/// makes it infinite); `psnr_of_mean_mse` is PSNR of the MSE averaged over the set (finite
/// unless every pair is identical; what `val/PSNR` and `colorize eval` report).
/// `colourfulness_ratio` = mean output / mean target colourfulness. The hue figures are of
/// the pooled histograms (sum over the images, then normalised; `None` when all grey).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct MetricsMean {
    /// Number of images averaged.
    pub count: usize,
    /// Mean L1.
    pub l1: f64,
    /// Mean of per-image PSNR.
    pub psnr: f64,
    /// PSNR of the mean MSE.
    pub psnr_of_mean_mse: f64,
    /// Mean SSIM.
    pub ssim: f64,
    /// Mean colourfulness of the generated images.
    pub colourfulness: f64,
    /// Mean colourfulness of the targets.
    pub target_colourfulness: f64,
    /// `None` when the targets are all grey (ratio undefined).
    pub colourfulness_ratio: Option<f64>,
    /// Entropy (bits) of the outputs' pooled hue histogram.
    pub hue_entropy: Option<f64>,
    /// Entropy (bits) of the targets' pooled hue histogram.
    pub target_hue_entropy: Option<f64>,
    /// Jensen-Shannon divergence (base 2) of the outputs' hues from the targets'.
    pub hue_jsd: Option<f64>,
}

impl MetricsMean {
    /// The means of `items` (all zero when there are none).
    pub fn of(items: &[ImageMetrics]) -> Self {
        let n = items.len();
        if n == 0 {
            return MetricsMean::default();
        }
        let mean = |f: fn(&ImageMetrics) -> f64| items.iter().map(f).sum::<f64>() / n as f64;
        let colourfulness = mean(|m| m.colourfulness);
        let target_colourfulness = mean(|m| m.target_colourfulness);
        let hue = HueHistogram::pooled(items.iter().map(|m| &m.hue));
        let target_hue = HueHistogram::pooled(items.iter().map(|m| &m.target_hue));
        MetricsMean {
            count: n,
            l1: mean(|m| m.l1),
            psnr: mean(|m| m.psnr),
            // Per-image MSE back from PSNR (data range 1): 10^(-psnr / 10).
            psnr_of_mean_mse: -10.0 * mean(|m| 10f64.powf(-m.psnr / 10.0)).log10(),
            ssim: mean(|m| m.ssim),
            colourfulness,
            target_colourfulness,
            colourfulness_ratio: (target_colourfulness > 0.0)
                .then(|| colourfulness / target_colourfulness),
            hue_entropy: hue.entropy_bits(),
            target_hue_entropy: target_hue.entropy_bits(),
            hue_jsd: hue.jsd_bits(&target_hue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb(f(x, y)))
    }

    fn noise(w: u32, h: u32) -> RgbImage {
        rgb(w, h, |x, y| {
            let v = (x * 7919 + y * 104_729 + x * y * 31) % 251;
            [v as u8, (v * 3 % 256) as u8, (255 - v) as u8]
        })
    }

    #[test]
    fn identical_images_are_perfect() {
        let a = Planes::from_rgb(&noise(24, 20));
        assert_eq!(l1(&a, &a).unwrap(), 0.0);
        assert_eq!(psnr(&a, &a).unwrap(), f64::INFINITY);
        assert!((ssim(&a, &a).unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn constant_offset_gives_the_computed_psnr_and_l1() {
        let a = Planes::from_rgb(&rgb(16, 16, |_, _| [100, 100, 100]));
        let b = Planes::from_rgb(&rgb(16, 16, |_, _| [110, 110, 110]));
        // MSE = (10/255)^2, so PSNR = 20 log10(25.5) = 28.1308 dB.
        assert!((psnr(&a, &b).unwrap() - 28.130_803_6).abs() < 1e-6);
        // 10 levels = 20/255 on the [-1, 1] scale.
        assert!((l1(&a, &b).unwrap() - 20.0 / 255.0).abs() < 1e-12);
        // Flat images: SSIM reduces to the luminance term (2 mx my + C1) / (mx^2 + my^2 + C1).
        let (mx, my, c1) = (100.0 / 255.0, 110.0 / 255.0, 1e-4);
        let expected = (2.0 * mx * my + c1) / (mx * mx + my * my + c1);
        assert!((ssim(&a, &b).unwrap() - expected).abs() < 1e-9);
    }

    #[test]
    fn grey_image_has_no_colourfulness() {
        let g = Planes::from_rgb(&rgb(9, 5, |x, y| [(x * 20 + y) as u8; 3]));
        assert!(colourfulness(&g).abs() < 1e-9);
    }

    #[test]
    fn colourfulness_of_red_and_blue_pixels() {
        // Pixels (255,0,0) and (0,0,255): rg = {255, 0} (mean 127.5, sd 127.5),
        // yb = {127.5, -255} (mean -63.75, sd 191.25).
        let img = Planes::from_rgb(&rgb(
            2,
            1,
            |x, _| if x == 0 { [255, 0, 0] } else { [0, 0, 255] },
        ));
        let expected = (127.5f64.powi(2) + 191.25f64.powi(2)).sqrt()
            + 0.3 * (127.5f64.powi(2) + 63.75f64.powi(2)).sqrt();
        assert!((colourfulness(&img) - expected).abs() < 1e-9);
        assert!((expected - 272.619).abs() < 1e-3);
    }

    #[test]
    fn tensor_and_image_inputs_agree() {
        let img = noise(12, 8);
        let t = crate::tensor_image::rgb_to_tensor(&img);
        let from_t = Planes::from_tensor(&t).unwrap();
        let from_i = Planes::from_rgb(&img);
        assert_eq!((from_t.width, from_t.height), (12, 8));
        let diff = from_t
            .data
            .iter()
            .zip(&from_i.data)
            .map(|(a, b)| (a - b).abs());
        assert!(diff.fold(0.0, f64::max) < 1e-6);
        let m = ImageMetrics::from_tensors(&t, &t).unwrap();
        assert_eq!(m.psnr, f64::INFINITY);
        assert!(Planes::from_tensor(&t.narrow(0, 0, 1)).is_err());
    }

    #[test]
    fn different_sizes_are_an_error_and_mean_ratio() {
        let a = Planes::from_rgb(&noise(8, 8));
        let b = Planes::from_rgb(&noise(8, 9));
        assert!(l1(&a, &b).is_err());
        let m = ImageMetrics::compute(&a, &a).unwrap();
        let mean = MetricsMean::of(&[m, m]);
        assert_eq!(mean.count, 2);
        assert!((mean.colourfulness_ratio.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(mean.psnr_of_mean_mse, f64::INFINITY);
        // MSEs 0.01 and 0.0001 (20 and 40 dB): mean MSE 0.00505 -> 22.97 dB, not 30.
        let at = |psnr| ImageMetrics { psnr, ..m };
        let mean = MetricsMean::of(&[at(20.0), at(40.0)]);
        assert!((mean.psnr - 30.0).abs() < 1e-12);
        assert!((mean.psnr_of_mean_mse - -10.0 * 0.00505f64.log10()).abs() < 1e-9);
    }

    #[test]
    fn the_mean_pools_the_hue_histograms() {
        let blue = Planes::from_rgb(&rgb(4, 4, |_, _| [0, 0, 255]));
        let sepia = Planes::from_rgb(&rgb(4, 4, |_, _| [112, 66, 20]));
        let copy = ImageMetrics::compute(&blue, &blue).unwrap();
        let collapsed = ImageMetrics::compute(&sepia, &blue).unwrap();
        let m = MetricsMean::of(&[copy, copy]);
        assert_eq!(
            (m.hue_entropy, m.target_hue_entropy),
            (Some(0.0), Some(0.0))
        );
        assert_eq!(m.hue_jsd, Some(0.0));
        let m = MetricsMean::of(&[collapsed]);
        assert_eq!(m.hue_entropy, Some(0.0));
        assert!((m.hue_jsd.unwrap() - 1.0).abs() < 1e-12, "no hue in common");
        // Pooled = the sum of the images' histograms (sepia + blue outputs: two hues).
        let m = MetricsMean::of(&[collapsed, copy]);
        let pooled = HueHistogram::pooled([&HueHistogram::of(&sepia), &HueHistogram::of(&blue)]);
        assert_eq!(m.hue_entropy, pooled.entropy_bits());
        assert!(m.hue_entropy.unwrap() > 0.5 && m.hue_jsd.unwrap() > 0.0);
        let grey = Planes::from_rgb(&rgb(4, 4, |x, _| [(x * 60) as u8; 3]));
        let m = MetricsMean::of(&[ImageMetrics::compute(&grey, &grey).unwrap()]);
        assert_eq!((m.hue_entropy, m.hue_jsd), (None, None));
        assert_eq!(MetricsMean::default().hue_entropy, None);
    }
}
