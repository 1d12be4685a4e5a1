//! 4x4 stride-1 convolutions (padding 1) by Winograd's minimal filtering F(3x3, 4x4), for the
//! CPU: the PatchGAN's stride-1 layer (`layer{n}`, 256 -> 512 channels at ndf 64), which
//! alone took 28 % of a batch-16 training step as a direct convolution.
//!
//! Each 3x3 block of outputs comes from a 6x6 block of (padded) input: with the transforms
//! `Bt` (6x6), `G` (6x4) and `At` (3x6) of the interpolation points 0, 1, -1, 1/2, -1/2 and
//! infinity, `Y = At [ (G g Gt) * (Bt d B) ] A` per channel pair, summed over the input
//! channels. The sum over channels is, for each of the 36 transformed positions, one matrix
//! product [tiles x C] x [C x O]: 36 products do the work of 16 x 9 = 144 per-output taps,
//! so the multiply-adds fall 4x. Those 36 products run as one grouped 1x1 convolution in
//! channels-last layout (oneDNN's fastest form of it here; libtorch's `bmm` is half as
//! fast on this CPU), the transforms as small matrix products. Everything is built from
//! differentiable libtorch operators, so autograd (and the gradient penalty's double
//! backward) go through it unchanged, and a forward and backward cost 0.66x the direct
//! convolution's at batch 16 (`bench/README.md`, "train").
//!
//! The result equals the direct convolution up to float32 rounding (relative differences
//! about 1e-5, tested to 1e-4 with the gradients;
//! `tests::matches_the_direct_convolution_and_its_gradients`). Below [`MIN_TILES`] output blocks
//! (small batches) the transforms cost more than they save, and [`Winograd43::worth`] says
//! so; under autocast the direct convolution runs (the transforms want float32).

use tch::{Device, Kind, Tensor};

/// Output blocks (batch x 3x3 blocks of the output) from which the Winograd form is faster
/// than the direct convolution here: at 128 px the stride-1 layer has 25 per image, and at
/// batch 4 (100) the two were even, at batch 1 the direct one 2x faster.
pub const MIN_TILES: i64 = 100;

/// Output block side (m), kernel side (r) and input block side (m + r - 1).
const M: usize = 3;
const R: usize = 4;
const N: usize = M + R - 1;

/// The finite interpolation points; the sixth is infinity.
const POINTS: [f64; N - 1] = [0.0, 1.0, -1.0, 0.5, -0.5];

/// The `N x k` matrix evaluating a polynomial with `k` coefficients at the points (the last
/// row, infinity, takes the leading coefficient).
fn evaluation(k: usize) -> Vec<Vec<f64>> {
    let mut v = vec![vec![0.0; k]; N];
    for (row, p) in v.iter_mut().zip(POINTS) {
        for (i, x) in row.iter_mut().enumerate() {
            *x = p.powi(i as i32);
        }
    }
    v[N - 1][k - 1] = 1.0;
    v
}

/// The inverse of a square matrix (Gauss-Jordan, partial pivoting); the evaluation matrix at
/// distinct points is invertible.
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| f64::from(u8::from(i == j))));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs()))
            .expect("a non-empty column");
        m.swap(c, p);
        let d = m[c][c];
        m[c].iter_mut().for_each(|x| *x /= d);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let pivot = m[c].clone();
                m[r].iter_mut().zip(pivot).for_each(|(x, y)| *x -= f * y);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

fn transpose(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    (0..a[0].len())
        .map(|j| a.iter().map(|row| row[j]).collect())
        .collect()
}

/// A matrix as a float tensor on `device`.
fn tensor(a: &[Vec<f64>], device: Device) -> Tensor {
    let flat: Vec<f32> = a.iter().flatten().map(|&x| x as f32).collect();
    Tensor::from_slice(&flat)
        .view([a.len() as i64, a[0].len() as i64])
        .to_device(device)
}

/// `kron(a, a)`, flattened row-major, as a float tensor of shape `[rows^2, cols^2]`.
fn kron_self(a: &[Vec<f64>], device: Device) -> Tensor {
    let square: Vec<Vec<f64>> = a
        .iter()
        .flat_map(|ri| {
            a.iter().map(move |rk| {
                ri.iter()
                    .flat_map(|x| rk.iter().map(move |y| x * y))
                    .collect()
            })
        })
        .collect();
    tensor(&square, device)
}

/// The transforms of F(3x3, 4x4).
#[derive(Debug)]
pub struct Winograd43 {
    /// Input transform `Bt`, `[6, 6]` (applied on both sides by `native::winograd_input`).
    input: Tensor,
    /// Kernel transform in 2-D, `kron(G, G)`, `[36, 16]`.
    kernel: Tensor,
    /// Output transform `At`, `[3, 6]` (both sides, `native::winograd_output`).
    output: Tensor,
}

impl Winograd43 {
    /// The transforms, as float32 tensors on `device`.
    pub fn new(device: Device) -> Self {
        // Correlation y = At [(G g) * (Bt d)] is the transpose, in the data, of the
        // polynomial product evaluated at the points and interpolated back (Toom-Cook).
        let bt = transpose(&inverse(&evaluation(N)));
        let g = evaluation(R);
        let at = transpose(&evaluation(M));
        Winograd43 {
            input: tensor(&bt, device),
            kernel: kron_self(&g, device),
            output: tensor(&at, device),
        }
    }

    /// Whether the Winograd form pays for `x` `[B, C, H, W]`: a float32 CPU tensor outside
    /// autocast, with at least [`MIN_TILES`] output blocks.
    pub fn worth(&self, x: &Tensor) -> bool {
        let device = x.device();
        if device != Device::Cpu || x.kind() != Kind::Float || x.dim() != 4 {
            return false;
        }
        if crate::native::autocast_enabled(device).unwrap_or(true) {
            return false;
        }
        let (b, h, w) = (x.size()[0], x.size()[2], x.size()[3]);
        h >= 2 && w >= 2 && b * blocks(h - 1) * blocks(w - 1) >= MIN_TILES
    }

    /// `conv2d(x, w, bias, stride 1, padding 1)` for `x` `[B, C, H, W]` (H, W >= 2, float32
    /// on the CPU) and a 4x4 kernel `w` `[O, C, 4, 4]`: `[B, O, H - 1, W - 1]`,
    /// differentiable in `x`, `w` and `bias` to any order.
    pub fn conv(&self, x: &Tensor, w: &Tensor, bias: Option<&Tensor>) -> Tensor {
        let (b, c, h, wd) = x.size4().expect("a 4-D input");
        let o = w.size()[0];
        let (oh, ow) = (h - 1, wd - 1);
        let (t, s) = (blocks(oh), blocks(ow));
        let n = (N * N) as i64;
        let native =
            |r: Result<Tensor, tch::TchError>| r.unwrap_or_else(|e| panic!("winograd: {e}"));
        // [B t s, 36, C], which is the channels-last memory of [1, 36 C, B t, s]: the 36
        // products [B t s, C] x [C, O] are one grouped 1x1 convolution.
        let xh = x.permute([0, 2, 3, 1]).contiguous();
        let v = native(crate::native::winograd_input(&xh, &self.input, t, s))
            .view([1, b * t, s, n * c])
            .permute([0, 3, 1, 2]);
        let u = self
            .kernel
            .matmul(&w.permute([2, 3, 0, 1]).reshape([16, o * c]))
            .view([n * o, c, 1, 1]);
        let m = v
            .conv2d(&u, None::<Tensor>, [1, 1], [0, 0], [1, 1], n)
            .permute([0, 2, 3, 1])
            .reshape([b * t * s, n, o]);
        // Channels-last memory (BatchNorm and the next convolution take it as it is).
        let y = native(crate::native::winograd_output(
            &m,
            &self.output,
            [b, t, s],
            [oh, ow],
        ))
        .permute([0, 3, 1, 2]);
        match bias {
            Some(bias) => y + bias.view([1, o, 1, 1]),
            None => y,
        }
    }
}

/// 3x3 output blocks covering `len` outputs.
fn blocks(len: i64) -> i64 {
    (len + M as i64 - 1) / M as i64
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Largest |a - b| relative to the largest |b|.
    pub(crate) fn rel(a: &Tensor, b: &Tensor) -> f64 {
        let d = (a - b).abs().max().double_value(&[]);
        d / b.abs().max().double_value(&[])
    }

    #[test]
    fn the_one_dimensional_transforms_compute_a_correlation() {
        let bt = transpose(&inverse(&evaluation(N)));
        let g = evaluation(R);
        let at = transpose(&evaluation(M));
        let d = [0.3, -1.2, 2.5, 0.7, -0.4, 1.9];
        let k = [0.5, -0.25, 1.5, 2.0];
        let gd: Vec<f64> = g
            .iter()
            .map(|r| r.iter().zip(k).map(|(a, b)| a * b).sum())
            .collect();
        let bd: Vec<f64> = bt
            .iter()
            .map(|r| r.iter().zip(d).map(|(a, b)| a * b).sum())
            .collect();
        for (i, row) in at.iter().enumerate() {
            let y: f64 = row
                .iter()
                .zip(gd.iter().zip(&bd))
                .map(|(a, (x, y))| a * x * y)
                .sum();
            let want: f64 = (0..R).map(|j| d[i + j] * k[j]).sum();
            assert!((y - want).abs() < 1e-12, "output {i}: {y} against {want}");
        }
    }

    #[test]
    fn matches_the_direct_convolution_and_its_gradients() {
        tch::manual_seed(7);
        let wino = Winograd43::new(Device::Cpu);
        // Exact blocks (16 -> 15), and sizes that need padding and cropping, non-square.
        for (b, c, o, h, w, bias) in [
            (2, 8, 12, 16, 16, false),
            (3, 5, 7, 11, 8, true),
            (1, 4, 3, 2, 2, false),
        ] {
            let x = Tensor::randn([b, c, h, w], (Kind::Float, Device::Cpu)).set_requires_grad(true);
            let k = (Tensor::randn([o, c, 4, 4], (Kind::Float, Device::Cpu)) * 0.1)
                .set_requires_grad(true);
            let bs = bias
                .then(|| Tensor::randn([o], (Kind::Float, Device::Cpu)).set_requires_grad(true));
            let want = x.conv2d(&k, bs.as_ref(), [1, 1], [1, 1], [1, 1], 1);
            let got = wino.conv(&x, &k, bs.as_ref());
            assert_eq!(got.size(), want.size(), "shape for {h}x{w}");
            assert!(
                rel(&got, &want) < 1e-4,
                "values for {h}x{w}: {}",
                rel(&got, &want)
            );
            let go = Tensor::randn(want.size(), (Kind::Float, Device::Cpu));
            let mut inputs = vec![x.shallow_clone(), k.shallow_clone()];
            inputs.extend(bs.iter().map(|t| t.shallow_clone()));
            // First gradients, kept differentiable, then the gradient of their squared norm
            // (what WGAN-GP's penalty needs): both equal to the direct convolution's.
            let grads = |y: &Tensor| {
                let first =
                    Tensor::run_backward(&[(y * &go).sum(Kind::Float)], &inputs, true, true);
                let norm: Tensor = first.iter().map(|g| g.square().sum(Kind::Float)).sum();
                let second = Tensor::run_backward(&[norm], &inputs[..2], false, false);
                first.into_iter().chain(second).collect::<Vec<_>>()
            };
            for (i, (a, e)) in grads(&got).iter().zip(&grads(&want)).enumerate() {
                assert!(rel(a, e) < 1e-4, "gradient {i} for {h}x{w}: {}", rel(a, e));
            }
        }
    }

    #[test]
    fn pays_only_for_float32_cpu_inputs_with_enough_blocks_outside_autocast() {
        let wino = Winograd43::new(Device::Cpu);
        let x = |b: i64, kind| Tensor::zeros([b, 4, 16, 16], (kind, Device::Cpu));
        assert!(wino.worth(&x(4, Kind::Float)), "4 x 25 blocks");
        assert!(!wino.worth(&x(3, Kind::Float)), "3 x 25 blocks");
        assert!(!wino.worth(&x(4, Kind::BFloat16)));
        let under_autocast =
            crate::native::autocast_bf16(Device::Cpu, || wino.worth(&x(4, Kind::Float))).unwrap();
        assert!(!under_autocast);
    }
}
