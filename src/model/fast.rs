//! The generator's fast paths: the same weights, re-expressed so that libtorch's oneDNN
//! convolutions do all the work (measured in bench/README.md, "## infer").
//!
//! - **Phase decomposition** ([`phase_kernels`], [`conv_transpose4_phases`]): a 4x4
//!   stride-2 padding-1 transposed convolution gives output pixel `(2m + a, 2n + b)` from
//!   input rows `m + a - 1, m + a` and columns `n + b - 1, n + b` only, through the 2x2
//!   taps `w[3 - a - 2i][3 - b - 2j]`. So one ordinary 2x2 convolution (padding 1, the four
//!   phases' kernels stacked as `4 * C_out` output channels) followed by an interleave is the
//!   same operator, with the same number of multiply-adds; libtorch runs it on oneDNN,
//!   where its transposed convolution takes a slower path. Differentiable with respect to
//!   the original 4x4 weight (the kernels are gathered from it).
//! - **Eval network** ([`FastGenerator`]): built once when a model is loaded. Every
//!   BatchNorm is folded into the convolution before it (running statistics are constants
//!   in eval mode), every weight is reordered once into oneDNN's blocked layout (an unpacked
//!   weight is reordered at every call, which dominated the inner levels, where few pixels
//!   meet millions of weights), the activations are fused into the convolutions, the
//!   activations are channels-last, and each up-block writes its interleaved output
//!   straight into the concatenation buffer the next up-block reads.

use tch::{Device, Kind, TchError, Tensor};

use crate::model::generator::UnetGenerator;
use crate::model::layers::LEAKY_SLOPE;
use crate::native::{
    conv_packed, half_conv, half_conv_isa, half_conv_weights, pack_conv_weight, Activation,
    HalfConvIsa, HalfConvMode,
};

/// Levels whose input has at most this many pixels per image run [`half_conv`] (float16
/// weights) when the model's weights are float16: at batch 1 the inner levels are bound by
/// reading their weights, and up to 16x16 inputs the kernel is at least as fast as oneDNN
/// alone; at 64x64 oneDNN is faster. Measured in bench/README.md ("## infer", float16
/// weights).
pub const HALF_MAX_PIXELS: i64 = 256;

/// BatchNorm's epsilon (`layers::batch_norm` keeps tch's and PyTorch's default).
const BN_EPS: f64 = 1e-5;

/// The four 2x2 phase kernels of a 4x4 stride-2 padding-1 transposed convolution's weight
/// `[C_in, C_out, 4, 4]`, as one convolution weight `[4 * C_out, C_in, 2, 2]`: block
/// `p = 2a + b` holds phase `(a, b)` (output row parity a, column parity b), whose tap
/// `(i, j)` is `w[.., .., 3 - a - 2i, 3 - b - 2j]`. Differentiable.
pub fn phase_kernels(w: &Tensor) -> Tensor {
    let (c_in, c_out) = (w.size()[0], w.size()[1]);
    // flipped[.., k, l] = w[.., 3 - k, 3 - l], and k = 2i + a: tap i of the row phase a
    // (likewise l = 2j + b). One gather copy after the flip.
    w.flip([2, 3])
        .view([c_in, c_out, 2, 2, 2, 2]) // [C_in, C_out, i, a, j, b]
        .permute([3, 5, 1, 0, 2, 4]) // [a, b, C_out, C_in, i, j]
        .reshape([4 * c_out, c_in, 2, 2])
}

/// The phases `y` `[B, 4 * C, H + 1, W + 1]` (a padding-1 convolution with
/// [`phase_kernels`]) seen as the transposed convolution's output, `[B, C, H, 2, W, 2]`
/// (reshape to `[B, C, 2H, 2W]`): element `(m, a, n, b)` is `y[2a + b, m + a, n + b]`.
/// A strided view of `y`, no copy.
fn phase_view(y: &Tensor, c: i64) -> Result<Tensor, TchError> {
    let (batch, _, h1, w1) = y.size4()?;
    let s = y.stride();
    let (sb, sc, sh, sw) = (s[0], s[1], s[2], s[3]);
    let sp = c * sc; // from one phase's channel block to the next
    y.f_as_strided(
        [batch, c, h1 - 1, 2, w1 - 1, 2],
        [sb, sc, sh, 2 * sp + sh, sw, sp + sw],
        None::<i64>,
    )
}

/// As [`phase_view`] for phases computed without the one-pixel shift, `y` `[B, 4 * C, H,
/// W]`: element `(m, a, n, b)` is `y[2a + b, m, n]`.
fn phase_view_exact(y: &Tensor, c: i64) -> Result<Tensor, TchError> {
    let (batch, _, h, w) = y.size4()?;
    let s = y.stride();
    let sp = c * s[1];
    y.f_as_strided(
        [batch, c, h, 2, w, 2],
        [s[0], s[1], s[2], 2 * sp, s[3], sp],
        None::<i64>,
    )
}

/// `conv_transpose2d(x, w, bias, stride 2, padding 1)` for a 4x4 weight `[C_in, C_out, 4,
/// 4]`, computed as one 2x2 convolution over the four output phases and an interleave
/// (see the module's notes). Differentiable with respect to `x`, `w` and `bias`.
pub fn conv_transpose4_phases(x: &Tensor, w: &Tensor, bias: Option<&Tensor>) -> Tensor {
    let (batch, _, h, wd) = x
        .size4()
        .expect("conv_transpose4_phases: x must be [B, C, H, W]");
    let c_out = w.size()[1];
    let bias4 = bias.map(|b| b.repeat([4]));
    let y = x.conv2d(&phase_kernels(w), bias4.as_ref(), [1, 1], [1, 1], [1, 1], 1);
    phase_view(&y, c_out)
        .expect("phase_view of a 4-d tensor")
        .reshape([batch, c_out, 2 * h, 2 * wd]) // [B, C_out, 2H, 2W]
}

/// A new channels-last float CPU tensor `[B, C, H, W]`, uninitialised.
fn empty_channels_last(size: [i64; 4]) -> Tensor {
    let [b, c, h, w] = size;
    Tensor::empty([b, h, w, c], (Kind::Float, Device::Cpu)).permute([0, 3, 1, 2])
}

/// Scale and shift folding an eval-mode BatchNorm into the layer before it:
/// `bn(z) = z * scale + shift`.
fn bn_affine(bn: &tch::nn::BatchNorm) -> (Tensor, Tensor) {
    let scale = (&bn.running_var + BN_EPS).rsqrt();
    let scale = match &bn.ws {
        Some(gamma) => scale * gamma,
        None => scale,
    };
    let shift = -(&bn.running_mean * &scale);
    let shift = match &bn.bs {
        Some(beta) => shift + beta,
        None => shift,
    };
    (scale, shift)
}

/// A level's weights for [`half_conv`]: float16, the BatchNorm kept apart as a float32
/// per-channel scale and shift (folding it would leave float16).
#[derive(Debug)]
struct HalfLevel {
    w: Tensor,
    scale: Tensor,
    shift: Tensor,
}

impl HalfLevel {
    /// From `[G, T, C_in, C_out]` float weights (see [`half_conv_weights`]) and the per-channel
    /// scale (`None`: 1) and shift applied after the sum.
    fn new(taps: &Tensor, scale: Option<&Tensor>, shift: &Tensor) -> Result<Self, TchError> {
        let scale = match scale {
            Some(scale) => scale.f_contiguous()?,
            None => Tensor::ones([shift.size()[0]], (Kind::Float, Device::Cpu)),
        };
        Ok(HalfLevel {
            w: half_conv_weights(taps)?,
            scale,
            shift: shift.f_contiguous()?,
        })
    }

    /// [`half_conv`] with this level's weights, into `out`.
    fn run(
        &self,
        isa: Option<HalfConvIsa>,
        x: &Tensor,
        mode: HalfConvMode,
        act: Activation,
        out: &mut Tensor,
    ) -> Result<(), TchError> {
        half_conv(isa, x, &self.w, &self.scale, &self.shift, mode, act, out)
    }
}

/// Whether every value of `w` is a float16 value (a model exported with `--half`).
fn is_half_exact(w: &Tensor) -> Result<bool, TchError> {
    Ok(w.f_to_kind(Kind::Half)?.f_to_kind(Kind::Float)?.equal(w))
}

#[derive(Debug)]
struct FastDown {
    /// The convolution weight with its BatchNorm folded in, packed for oneDNN.
    weight: Tensor,
    /// The innermost level only: its central 2x2 taps, packed for a padding-0 stride-1
    /// convolution. On a 2x2 input (the canvas at the training size) those are the only
    /// taps that meet pixels, so this reads a quarter of the weights.
    center: Option<Tensor>,
    bias: Tensor,
    act: Activation,
    c_out: i64,
    /// Float16 weights for inputs of at most [`HALF_MAX_PIXELS`] pixels.
    half: Option<HalfLevel>,
}

#[derive(Debug)]
struct FastUp {
    /// [`phase_kernels`] of the transposed convolution, BatchNorm folded in, packed.
    weight: Tensor,
    /// The innermost level only: the taps that meet a 1x1 input, `w[.., .., 1 + a, 1 + b]`
    /// for phase `(a, b)`, as a packed 1x1 convolution `[4 * C_out, C_in, 1, 1]` (a quarter
    /// of the weights).
    center: Option<Tensor>,
    /// The folded bias, once per phase: `[4 * C_out]`.
    bias: Tensor,
    c_out: i64,
    act: Activation,
    /// Float16 phase weights for inputs of at most [`HALF_MAX_PIXELS`] pixels.
    half: Option<HalfLevel>,
}

impl FastUp {
    /// oneDNN's output phases of this up-block for `a` `[B, C_in, H, W]`, as a strided view
    /// `[B, C_out, H, 2, W, 2]` of the convolution's output (activation applied).
    fn phases(&self, a: &Tensor) -> Result<Tensor, TchError> {
        let (_, _, h, w) = a.size4()?;
        match (&self.center, h, w) {
            (Some(center), 1, 1) => {
                let y = conv_packed(a, center, &self.bias, 0, 1, self.act)?; // [B, 4C, 1, 1]
                phase_view_exact(&y, self.c_out) // [B, C, 1, 2, 1, 2]
            }
            _ => {
                let y = conv_packed(a, &self.weight, &self.bias, 1, 1, self.act)?; // [B, 4C, H+1, W+1]
                phase_view(&y, self.c_out) // [B, C, H, 2, W, 2]
            }
        }
    }
}

/// How [`FastGenerator`] runs; the default is what `colorize infer` uses.
#[derive(Debug, Clone, Copy)]
pub struct FastOptions {
    /// Run the inner levels on [`half_conv`] where the model's weights are float16 and the
    /// CPU has AVX2 or AVX-512 (outputs equal within float rounding; `false` for comparisons).
    pub half_weights: bool,
    /// The instruction set [`half_conv`] runs with; `None`, the best this CPU has (a lesser
    /// one emulates another CPU in benchmarks).
    pub half_isa: Option<HalfConvIsa>,
}

impl Default for FastOptions {
    fn default() -> Self {
        FastOptions {
            half_weights: true,
            half_isa: None,
        }
    }
}

/// The generator in eval mode (running statistics, no dropout) on the CPU, for inference:
/// equal to `UnetGenerator::forward_mode(x, ForwardMode::Eval)` up to float rounding
/// (tested within 1e-4), several times faster at the inner levels. Holds its own copy of
/// the weights (folded and packed), made by [`FastGenerator::new`].
#[derive(Debug)]
pub struct FastGenerator {
    downs: Vec<FastDown>,
    ups: Vec<FastUp>,
    half_isa: Option<HalfConvIsa>,
    packed_for: i64,
}

impl FastGenerator {
    /// Folds and packs `g`'s weights (float32, CPU). `image_size` is the canvas side the
    /// weights are packed for, and chooses the levels that get float16 weights (the model's
    /// training size is `infer`'s default working size). Other sizes work too: with
    /// AVX-512 measured no slower, but oneDNN's AVX2 kernels then reorder the packed
    /// weights at every call (bench/README.md, "## infer"). `in_channels`: the network's
    /// input channels.
    pub fn new(g: &UnetGenerator, in_channels: i64, image_size: i64) -> Result<Self, TchError> {
        Self::with_options(g, in_channels, image_size, FastOptions::default())
    }

    /// As [`FastGenerator::new`], with these options.
    pub fn with_options(
        g: &UnetGenerator,
        in_channels: i64,
        image_size: i64,
        options: FastOptions,
    ) -> Result<Self, TchError> {
        tch::no_grad(|| Self::build(g, in_channels, image_size, options))
    }

    /// The canvas side the weights were packed for (`image_size` of [`FastGenerator::new`]).
    pub fn packed_for(&self) -> i64 {
        self.packed_for
    }

    /// Whether this network runs some levels on float16 weights ([`half_conv`]).
    pub fn uses_half_weights(&self) -> bool {
        self.downs.iter().any(|d| d.half.is_some()) || self.ups.iter().any(|u| u.half.is_some())
    }

    fn build(
        g: &UnetGenerator,
        in_channels: i64,
        image_size: i64,
        options: FastOptions,
    ) -> Result<Self, TchError> {
        let n = g.downs.len();
        // Float16 kernels for the levels that meet few pixels at the training size, if the
        // weights are float16 values (checked per level) and the CPU runs the kernel.
        let half_ok = options.half_weights
            && half_conv_isa().is_some_and(|best| options.half_isa.is_none_or(|isa| isa <= best));
        let small = |side: i64| side * side <= HALF_MAX_PIXELS;
        let mut downs = Vec::with_capacity(n);
        let mut c_in = in_channels;
        for (i, down) in g.downs.iter().enumerate() {
            let w = down.conv.ws.f_to_kind(Kind::Float)?;
            let c_out = w.size()[0];
            let side = (image_size >> i).max(1);
            let affine = down.norm.as_ref().map(bn_affine);
            let bias = match &affine {
                Some((_, shift)) => shift.shallow_clone(),
                None => Tensor::zeros([c_out], (Kind::Float, Device::Cpu)),
            };
            let half = match half_ok && small(side) && is_half_exact(&w)? {
                true => {
                    let k = w.size()[2];
                    let taps = w
                        .f_permute([2, 3, 1, 0])?
                        .f_reshape([1, k * k, c_in, c_out])?;
                    Some(HalfLevel::new(
                        &taps,
                        affine.as_ref().map(|(s, _)| s),
                        &bias,
                    )?)
                }
                false => None,
            };
            let w = match &affine {
                Some((scale, _)) => w * scale.view([-1, 1, 1, 1]),
                None => w,
            };
            let center = match i + 1 == n {
                true => {
                    let taps = w.f_narrow(2, 1, 2)?.f_narrow(3, 1, 2)?.f_contiguous()?;
                    Some(pack_conv_weight(&taps, 0, 1, [1, c_in, 2, 2])?)
                }
                false => None,
            };
            downs.push(FastDown {
                weight: pack_conv_weight(&w, 1, 2, [1, c_in, side, side])?,
                center,
                bias: bias.contiguous(),
                // Levels 1..n-1 feed LeakyReLU(d) to the next level and (as the skip) to
                // the up path, whose ReLU makes it ReLU(d); the innermost feeds ReLU(d).
                act: if i + 1 < n {
                    Activation::LeakyRelu(LEAKY_SLOPE)
                } else {
                    Activation::Relu
                },
                c_out,
                half,
            });
            c_in = c_out;
        }
        let mut ups = Vec::with_capacity(n);
        for (k, up) in g.ups.iter().enumerate() {
            let w = up.conv.ws.f_to_kind(Kind::Float)?; // [C_in, C_out, 4, 4]
            let (c_in, c_out) = (w.size()[0], w.size()[1]);
            let conv_bias = match &up.conv.bs {
                Some(b) => b.f_to_kind(Kind::Float)?,
                None => Tensor::zeros([c_out], (Kind::Float, Device::Cpu)),
            };
            let side = (image_size >> (k + 1)).max(1);
            let affine = up.norm.as_ref().map(bn_affine);
            // BN(z + b) = scale * z + (scale * b + shift): the bias after the sum.
            let bias = match &affine {
                Some((scale, shift)) => conv_bias * scale + shift,
                None => conv_bias,
            };
            let mut phases = phase_kernels(&w);
            let half = match k > 0 && half_ok && small(side) && is_half_exact(&w)? {
                true => {
                    // [4 * C_out, C_in, 2, 2] -> [phase, tap, C_in, C_out].
                    let taps = phases
                        .f_view([4, c_out, c_in, 2, 2])?
                        .f_permute([0, 3, 4, 2, 1])?
                        .f_reshape([4, 4, c_in, c_out])?;
                    Some(HalfLevel::new(
                        &taps,
                        affine.as_ref().map(|(s, _)| s),
                        &bias,
                    )?)
                }
                false => None,
            };
            // The scale folded in place on the fresh phase kernels [4 * C_out, C_in, 2, 2]
            // (one pass fewer over the weights, which dominates loading).
            if let Some((scale, _)) = &affine {
                let _ = phases.f_mul_(&scale.repeat([4]).view([-1, 1, 1, 1]))?;
            }
            let center = match k + 1 == n {
                true => {
                    // Phase (a, b) sits at (a, b) of the padding-1 convolution's 2x2 output,
                    // whose tap (1 - a, 1 - b) alone meets the 1x1 input's pixel: that tap
                    // of each phase's kernel (w[1 + a][1 + b]), as a 1x1 convolution.
                    let mut blocks = Vec::with_capacity(4);
                    for (p, (a, b)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
                        blocks.push(
                            phases
                                .f_narrow(0, p as i64 * c_out, c_out)?
                                .f_narrow(2, 1 - a, 1)?
                                .f_narrow(3, 1 - b, 1)?,
                        );
                    }
                    let taps = Tensor::f_cat(&blocks, 0)?; // [4 * C_out, C_in, 1, 1]
                    Some(pack_conv_weight(&taps, 0, 1, [1, c_in, 1, 1])?)
                }
                false => None,
            };
            ups.push(FastUp {
                weight: pack_conv_weight(&phases, 1, 1, [1, c_in, side, side])?,
                center,
                bias: bias.repeat([4]).contiguous(),
                c_out,
                // Every up-block but the outermost feeds ReLU(its output) to the next
                // (through the concatenation); the outermost ends in Tanh, applied after.
                act: if k == 0 {
                    Activation::Identity
                } else {
                    Activation::Relu
                },
                half,
            });
        }
        Ok(FastGenerator {
            downs,
            ups,
            half_isa: options.half_isa,
            packed_for: image_size,
        })
    }

    /// `[B, in_channels, H, W]` float CPU in [-1, 1] -> `[B, 3, H, W]` colour, eval mode;
    /// H and W multiples of the U-Net's `size_multiple`. Runs without autograd.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, TchError> {
        tch::no_grad(|| self.forward_inner(x))
    }

    fn forward_inner(&self, x: &Tensor) -> Result<Tensor, TchError> {
        let n = self.downs.len();
        // Channels-last activations: oneDNN's native layout, no reorder between layers.
        let mut a = x
            .f_to_kind(Kind::Float)?
            .f_permute([0, 2, 3, 1])?
            .f_contiguous()?
            .f_permute([0, 3, 1, 2])?;
        // skips[i] = LeakyReLU(d_{i+1}) for the levels 1..n-1, as in `forward_mode`.
        let mut skips = Vec::with_capacity(n);
        for (i, down) in self.downs.iter().enumerate() {
            let (batch, _, h, w) = a.size4()?;
            a = match (&down.half, &down.center, (h, w)) {
                (Some(half), _, _) if h * w <= HALF_MAX_PIXELS => {
                    let mut out =
                        empty_channels_last([batch, down.c_out, (h - 2) / 2 + 1, (w - 2) / 2 + 1]);
                    let mode = HalfConvMode::Conv {
                        kernel: 4,
                        stride: 2,
                        padding: 1,
                    };
                    half.run(self.half_isa, &a, mode, down.act, &mut out)?;
                    out
                }
                (_, Some(center), (2, 2)) => conv_packed(&a, center, &down.bias, 0, 1, down.act)?,
                _ => conv_packed(&a, &down.weight, &down.bias, 1, 2, down.act)?,
            };
            if i + 1 < n {
                skips.push(a.shallow_clone());
            }
        }
        // a = ReLU(d_n). Up the levels: each up-block's phases are interleaved straight into
        // the next block's input buffer [B, C_skip + C_up, 2H, 2W], beside ReLU(skip).
        for (k, up) in self.ups.iter().enumerate().rev() {
            let (batch, _, h, w) = a.size4()?;
            if k == 0 {
                let mut out =
                    Tensor::empty([batch, up.c_out, 2 * h, 2 * w], (Kind::Float, Device::Cpu));
                out.f_view([batch, up.c_out, h, 2, w, 2])?
                    .f_copy_(&up.phases(&a)?)?;
                return out.f_tanh_();
            }
            let skip = &skips[k - 1]; // LeakyReLU(d_k), level k's skip
            let c_skip = skip.size()[1];
            let buf = empty_channels_last([batch, c_skip + up.c_out, 2 * h, 2 * w]);
            // ReLU(LeakyReLU(d)) = ReLU(d), written into the buffer's first channels.
            let _ = skip.f_clamp_min_out(&buf.f_narrow(1, 0, c_skip)?, 0.0)?;
            let mut slot = buf.f_narrow(1, c_skip, up.c_out)?;
            match up.half.as_ref().filter(|_| h * w <= HALF_MAX_PIXELS) {
                Some(half) => {
                    half.run(self.half_isa, &a, HalfConvMode::Phases, up.act, &mut slot)?
                }
                None => slot
                    .f_view([batch, up.c_out, h, 2, w, 2])?
                    .f_copy_(&up.phases(&a)?)?,
            }
            a = buf;
        }
        Err(TchError::Shape(
            "FastGenerator: a generator without levels".into(),
        ))
    }
}
