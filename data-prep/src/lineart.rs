//! Line-art extraction from a grey image: XDoG (extended difference of Gaussians, the usual
//! choice in colourisation papers) and the PaintsChainer-style dilate trick
//! (grey -> dilate -> |dilated - grey| -> invert). Both return white paper (255) with dark ink.

use image::GrayImage;

/// Parameters of XDoG (Winnemöller et al. 2012) on intensities in [0, 1]:
/// `D = G(sigma) - tau * G(k * sigma)`, white where `D >= eps`, else `1 + tanh(phi * (D - eps))`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Xdog {
    /// Standard deviation of the first Gaussian, in pixels.
    pub sigma: f32,
    /// Ratio of the second Gaussian's sigma to the first.
    pub k: f32,
    /// Weight of the second Gaussian.
    pub tau: f32,
    /// Threshold on the difference.
    pub eps: f32,
    /// Steepness of the soft threshold below `eps`.
    pub phi: f32,
}

impl Default for Xdog {
    /// Chosen with `cargo run --release -p data-prep --example lineart_bench` against real
    /// OpenMoji line art at 128 px (see bench/README.md).
    fn default() -> Self {
        Xdog {
            sigma: 0.7,
            k: 1.6,
            tau: 0.98,
            eps: 0.0,
            phi: 200.0,
        }
    }
}

/// How line art is synthesised from colour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LineMethod {
    /// Extended difference of Gaussians with these parameters.
    Xdog(Xdog),
    /// The dilate trick.
    Dilate {
        /// Side of the square structuring element (OpenCV `dilate` with a k x k rectangle).
        kernel: u32,
    },
}

impl LineMethod {
    /// The short name recorded in the manifest.
    pub fn name(&self) -> &'static str {
        match self {
            LineMethod::Xdog(_) => "xdog",
            LineMethod::Dilate { .. } => "dilate",
        }
    }

    /// Every parameter, for the settings fingerprint.
    pub fn describe(&self) -> String {
        match self {
            LineMethod::Xdog(x) => {
                format!(
                    "xdog(sigma={},k={},tau={},eps={},phi={})",
                    x.sigma, x.k, x.tau, x.eps, x.phi
                )
            }
            LineMethod::Dilate { kernel } => format!("dilate(kernel={kernel})"),
        }
    }
}

/// Extracts line art with `method`.
pub fn extract(gray: &GrayImage, method: &LineMethod) -> GrayImage {
    match method {
        LineMethod::Xdog(p) => xdog(gray, p),
        LineMethod::Dilate { kernel } => dilate_lines(gray, *kernel),
    }
}

/// 255 - (dilate(gray) - gray): bright wherever nothing darker lies within the kernel.
pub fn dilate_lines(gray: &GrayImage, kernel: u32) -> GrayImage {
    let dil = dilate(gray, kernel);
    let data = dil
        .as_raw()
        .iter()
        .zip(gray.as_raw())
        .map(|(&d, &g)| 255 - (d - g))
        .collect();
    GrayImage::from_raw(gray.width(), gray.height(), data).expect("same size")
}

/// Grey dilation (maximum) with a k x k square, anchor at k/2 like OpenCV; pixels outside
/// the image are ignored (OpenCV's default border for dilation).
pub fn dilate(gray: &GrayImage, k: u32) -> GrayImage {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let k = k.max(1) as usize;
    let (before, after) = (k / 2, k - 1 - k / 2);
    let src = gray.as_raw();
    let mut tmp = vec![0u8; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for x in 0..w {
            let (a, b) = (x.saturating_sub(before), (x + after).min(w - 1));
            tmp[y * w + x] = *row[a..=b].iter().max().expect("non-empty window");
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(before), (y + after).min(h - 1));
        let dst = &mut out[y * w..(y + 1) * w];
        dst.copy_from_slice(&tmp[a * w..(a + 1) * w]);
        for r in a + 1..=b {
            for (d, &s) in dst.iter_mut().zip(&tmp[r * w..(r + 1) * w]) {
                *d = (*d).max(s);
            }
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("same size")
}

/// XDoG line extraction (see [`Xdog`]).
pub fn xdog(gray: &GrayImage, p: &Xdog) -> GrayImage {
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    let f: Vec<f32> = gray.as_raw().iter().map(|&v| v as f32 / 255.0).collect();
    let g1 = gaussian_blur(&f, w, h, p.sigma);
    let g2 = gaussian_blur(&f, w, h, p.sigma * p.k);
    let data = g1
        .iter()
        .zip(&g2)
        .map(|(&a, &b)| {
            let d = a - p.tau * b;
            let e = if d >= p.eps {
                1.0
            } else {
                1.0 + (p.phi * (d - p.eps)).tanh()
            };
            (e.clamp(0.0, 1.0) * 255.0).round() as u8
        })
        .collect();
    GrayImage::from_raw(w as u32, h as u32, data).expect("same size")
}

/// Separable Gaussian blur, radius ceil(3 sigma), mirrored border (OpenCV's reflect-101).
pub fn gaussian_blur(src: &[f32], w: usize, h: usize, sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil().max(1.0) as isize;
    let mut kern: Vec<f32> = (-r..=r)
        .map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = kern.iter().sum();
    kern.iter_mut().for_each(|v| *v /= total);
    let reflect = |i: isize, n: usize| -> usize {
        let n = n as isize;
        if n == 1 {
            return 0;
        }
        let mut i = i;
        while i < 0 || i >= n {
            i = if i < 0 { -i } else { 2 * (n - 1) - i };
        }
        i as usize
    };
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for x in 0..w {
            tmp[y * w + x] = kern
                .iter()
                .enumerate()
                .map(|(j, &kv)| kv * row[reflect(x as isize + j as isize - r, w)])
                .sum();
        }
    }
    let mut out = vec![0f32; w * h];
    for (j, &kv) in kern.iter().enumerate() {
        for y in 0..h {
            let sy = reflect(y as isize + j as isize - r, h);
            let (dst, s) = (&mut out[y * w..(y + 1) * w], &tmp[sy * w..(sy + 1) * w]);
            for (d, &v) in dst.iter_mut().zip(s) {
                *d += kv * v;
            }
        }
    }
    out
}

/// Fraction of pixels darker than `threshold`: the "ink" of a line drawing.
pub fn ink_fraction(line: &GrayImage, threshold: u8) -> f64 {
    let n = line.as_raw().iter().filter(|&&v| v < threshold).count();
    n as f64 / line.as_raw().len().max(1) as f64
}

/// Fraction of pixels that are ink (< `threshold`) farther than `margin` pixels from the
/// edges of the ink's bounding box. Zero for line art that is only a rectangular frame, such
/// as OpenMoji's flags (the drawing inside exists only in colour), and for blank line art.
pub fn inner_ink_fraction(line: &GrayImage, threshold: u8, margin: u32) -> f64 {
    let (w, h) = line.dimensions();
    let ink = |x: u32, y: u32| line.get_pixel(x, y)[0] < threshold;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if ink(x, y) {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    if x0 == u32::MAX || x1 < x0 + 2 * margin + 1 || y1 < y0 + 2 * margin + 1 {
        return 0.0;
    }
    let mut n = 0usize;
    for y in y0 + margin + 1..y1 - margin {
        for x in x0 + margin + 1..x1 - margin {
            n += ink(x, y) as usize;
        }
    }
    n as f64 / (w as usize * h as usize) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_outline() -> GrayImage {
        // A black 1-px square outline on white.
        GrayImage::from_fn(32, 32, |x, y| {
            let edge = (x == 8 || x == 23) && (8..=23).contains(&y)
                || (y == 8 || y == 23) && (8..=23).contains(&x);
            image::Luma([if edge { 0 } else { 255 }])
        })
    }

    #[test]
    fn both_methods_keep_lines_dark_and_paper_white() {
        let img = square_outline();
        for m in [
            LineMethod::Xdog(Xdog::default()),
            LineMethod::Dilate { kernel: 3 },
        ] {
            let out = extract(&img, &m);
            assert!(out.get_pixel(8, 15)[0] < 128, "{m:?}: line lost");
            assert_eq!(out.get_pixel(2, 2)[0], 255, "{m:?}: paper not white");
            assert_eq!(out.get_pixel(15, 15)[0], 255, "{m:?}: inside not white");
        }
    }

    #[test]
    fn dilate_takes_the_window_maximum() {
        let img = GrayImage::from_raw(5, 1, vec![0, 0, 200, 0, 0]).unwrap();
        assert_eq!(dilate(&img, 3).as_raw(), &vec![0, 200, 200, 200, 0]);
    }

    #[test]
    fn a_bare_frame_has_no_inner_ink_but_a_drawing_inside_it_does() {
        let frame = GrayImage::from_fn(64, 64, |x, y| {
            let on = (x == 4 || x == 59 || y == 4 || y == 59)
                && (4..=59).contains(&x)
                && (4..=59).contains(&y);
            image::Luma([if on { 0 } else { 255 }])
        });
        assert!(frame.as_raw().contains(&0));
        assert_eq!(inner_ink_fraction(&frame, 128, 2), 0.0);
        let mut drawn = frame.clone();
        for x in 20..40 {
            drawn.put_pixel(x, 30, image::Luma([0]));
        }
        assert_eq!(inner_ink_fraction(&drawn, 128, 2), 20.0 / 4096.0);
        assert_eq!(
            inner_ink_fraction(&GrayImage::from_pixel(8, 8, image::Luma([255])), 128, 2),
            0.0
        );
    }

    #[test]
    fn ink_fraction_counts_dark_pixels() {
        let img = GrayImage::from_raw(4, 1, vec![0, 100, 200, 255]).unwrap();
        assert_eq!(ink_fraction(&img, 128), 0.5);
    }
}
