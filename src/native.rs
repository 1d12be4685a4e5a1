//! libtorch functions that tch 0.24 does not bind, reached through the small C++ shim in
//! `src/native/ops.cpp` (compiled by `build.rs` against the same libtorch headers):
//!
//! - [`leaky_relu`] and [`leaky_relu_`] (in place) with an explicit slope: one kernel with
//!   autograd, like `nn.LeakyReLU(0.2)` (tch binds only the default slope 0.01);
//! - [`fused_adam`]: libtorch's one-pass multi-tensor Adam (`torch.optim.Adam(fused=True)`),
//!   several times faster than a per-tensor update on the CPU (measured in bench/README.md);
//! - [`autocast_bf16`]: mixed precision in bfloat16 (`--amp`), and [`autocast_enabled`];
//! - [`pack_conv_weight`] and [`conv_packed`]: oneDNN convolution with a weight reordered
//!   once (not at every call) and a fused activation, for the generator's eval-mode fast path
//!   (`model::fast`);
//! - [`winograd_input`] and [`winograd_output`] (`src/native/winograd.cpp`): the data
//!   transforms of `model::winograd`'s F(3x3, 4x4) convolution, one pass each, with autograd;
//! - [`half_conv`] (`src/native/half_conv.cpp`): a direct convolution that reads float16
//!   weights and computes in float32, for the fast path's inner levels of a float16 model
//!   (they are bound by reading their weights).
//!
//! C++ exceptions never cross the boundary: the shim returns them as messages, turned here
//! into [`tch::TchError`].

use std::ffi::{c_char, CStr};

use tch::Tensor;
use torch_sys::C_tensor;

extern "C" {
    fn colorize_free_error(message: *mut c_char);
    fn colorize_leaky_relu(x: *const C_tensor, slope: f64, out: *mut *mut C_tensor) -> *mut c_char;
    fn colorize_leaky_relu_(x: *mut C_tensor, slope: f64) -> *mut c_char;
    #[allow(clippy::too_many_arguments)]
    fn colorize_fused_adam(
        params: *const *mut C_tensor,
        grads: *const *mut C_tensor,
        exp_avgs: *const *mut C_tensor,
        exp_avg_sqs: *const *mut C_tensor,
        n: usize,
        step: f64,
        lr: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
        eps: f64,
    ) -> *mut c_char;
    fn colorize_autocast_enter_bf16(cuda: i32, was_enabled: *mut i32) -> *mut c_char;
    fn colorize_autocast_exit(cuda: i32, was_enabled: i32) -> *mut c_char;
    fn colorize_autocast_is_enabled(cuda: i32, enabled: *mut i32) -> *mut c_char;
    fn colorize_mkldnn_pack_conv(
        w: *const C_tensor,
        padding: i64,
        stride: i64,
        input_size: *const i64,
        out: *mut *mut C_tensor,
    ) -> *mut c_char;
    #[allow(clippy::too_many_arguments)]
    fn colorize_conv_pointwise(
        x: *const C_tensor,
        w: *const C_tensor,
        b: *const C_tensor,
        padding: i64,
        stride: i64,
        act: i32,
        slope: f64,
        out: *mut *mut C_tensor,
    ) -> *mut c_char;
    fn colorize_winograd_input(
        x: *const C_tensor,
        bt: *const C_tensor,
        t: i64,
        s: i64,
        out: *mut *mut C_tensor,
    ) -> *mut c_char;
    #[allow(clippy::too_many_arguments)]
    fn colorize_winograd_output(
        m: *const C_tensor,
        at: *const C_tensor,
        n: i64,
        t: i64,
        s: i64,
        ho: i64,
        wo: i64,
        out: *mut *mut C_tensor,
    ) -> *mut c_char;
    fn colorize_half_conv_isa() -> i32;
    #[allow(clippy::too_many_arguments)]
    fn colorize_half_conv(
        x: *const C_tensor,
        w: *const C_tensor,
        scale: *const C_tensor,
        shift: *const C_tensor,
        mode: i64,
        kernel: i64,
        stride: i64,
        padding: i64,
        act: i32,
        slope: f64,
        isa: i32,
        out: *mut C_tensor,
    ) -> *mut c_char;
}

/// Turns the shim's return value (null, or a message it allocated) into a result.
fn check(message: *mut c_char) -> Result<(), tch::TchError> {
    if message.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null return is a NUL-terminated string from strdup, freed once here.
    let text = unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned();
    unsafe { colorize_free_error(message) };
    Err(tch::TchError::Torch(text))
}

/// Calls a shim function that stores a new tensor in its out-parameter, and takes ownership
/// of that tensor.
fn new_tensor(
    call: impl FnOnce(*mut *mut C_tensor) -> *mut c_char,
) -> Result<Tensor, tch::TchError> {
    let mut out: *mut C_tensor = std::ptr::null_mut();
    check(call(&mut out))?;
    // SAFETY: on success the shim stored a new heap-allocated tensor in `out`, which the
    // returned `Tensor` owns and frees.
    Ok(unsafe { Tensor::from_ptr(out) })
}

/// `torch.nn.functional.leaky_relu(x, slope)`, differentiable.
pub fn leaky_relu(x: &Tensor, slope: f64) -> Result<Tensor, tch::TchError> {
    // SAFETY: `x` is a live tensor for the call.
    new_tensor(|out| unsafe { colorize_leaky_relu(x.as_ptr(), slope, out) })
}

/// `torch.nn.functional.leaky_relu(x, slope, inplace=True)`: overwrites `x` (and every
/// tensor sharing its storage), differentiable where the producer of `x` does not need its
/// output for its own backward (convolutions and batch norm do not).
pub fn leaky_relu_(x: &mut Tensor, slope: f64) -> Result<(), tch::TchError> {
    // SAFETY: `x` is a live tensor, borrowed mutably for the call.
    check(unsafe { colorize_leaky_relu_(x.as_mut_ptr(), slope) })
}

/// Hyper-parameters of one Adam update.
#[derive(Debug, Clone, Copy)]
pub struct AdamStep {
    /// 1-based number of this update (Adam's `t`).
    pub step: i64,
    /// Learning rate.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// L2 weight decay (added to the gradient).
    pub weight_decay: f64,
    /// Added to the denominator for stability.
    pub eps: f64,
}

/// One Adam update (L2 weight decay, no amsgrad) of `params` in place, with their gradients
/// and moment buffers (all four slices equally long, tensors of one device and dtype,
/// matching shapes), in a single multi-tensor kernel. The caller runs it without autograd
/// recording (the shim also holds a no-grad guard).
pub fn fused_adam(
    params: &[Tensor],
    grads: &[Tensor],
    exp_avgs: &[Tensor],
    exp_avg_sqs: &[Tensor],
    h: AdamStep,
) -> Result<(), tch::TchError> {
    let n = params.len();
    if grads.len() != n || exp_avgs.len() != n || exp_avg_sqs.len() != n {
        return Err(tch::TchError::Shape(format!(
            "fused_adam: {n} parameters but {} gradients, {} exp_avgs, {} exp_avg_sqs",
            grads.len(),
            exp_avgs.len(),
            exp_avg_sqs.len()
        )));
    }
    let ptrs = |ts: &[Tensor]| -> Vec<*mut C_tensor> {
        ts.iter().map(|t| t.as_ptr() as *mut C_tensor).collect()
    };
    let (p, g, m, v) = (ptrs(params), ptrs(grads), ptrs(exp_avgs), ptrs(exp_avg_sqs));
    // SAFETY: every pointer is a live tensor borrowed for the duration of the call; the
    // shim updates the tensors in place through libtorch and keeps no reference.
    check(unsafe {
        colorize_fused_adam(
            p.as_ptr(),
            g.as_ptr(),
            m.as_ptr(),
            v.as_ptr(),
            n,
            h.step as f64,
            h.lr,
            h.beta1,
            h.beta2,
            h.weight_decay,
            h.eps,
        )
    })
}

/// Runs `f` under autocast in bfloat16 for `device`'s tensors (`torch.autocast("cuda" or
/// "cpu", dtype=torch.bfloat16)`): convolutions and matrix products run in bf16, parameters
/// stay float32. Tensors of the other device type are not affected. On the CPU it pays where
/// oneDNN has bf16 kernels (AVX512-BF16, AMX); elsewhere bf16 is emulated and slower.
pub fn autocast_bf16<T>(device: tch::Device, f: impl FnOnce() -> T) -> Result<T, tch::TchError> {
    let cuda = i32::from(device.is_cuda());
    let mut was = 0i32;
    // SAFETY: the shim only writes the previous state into `was`.
    check(unsafe { colorize_autocast_enter_bf16(cuda, &mut was) })?;
    let out = f();
    // SAFETY: leaves the region entered above, restoring the previous state.
    check(unsafe { colorize_autocast_exit(cuda, was) })?;
    Ok(out)
}

/// Whether autocast is on for `device`'s tensors (inside [`autocast_bf16`]).
pub fn autocast_enabled(device: tch::Device) -> Result<bool, tch::TchError> {
    let mut on = 0i32;
    // SAFETY: the shim only writes the state into `on`.
    check(unsafe { colorize_autocast_is_enabled(i32::from(device.is_cuda()), &mut on) })?;
    Ok(on != 0)
}

/// Winograd's input transform of `x` `[N, H, W, C]` (channels-last float32 CPU) in `t x s`
/// blocks of 6x6 at stride 3 (padding 1, zeros past the edges), each turned into `Bt d B`
/// with `bt` `[6, 6]`: `[N t s, 36, C]`, differentiable in `x` to any order.
pub fn winograd_input(x: &Tensor, bt: &Tensor, t: i64, s: i64) -> Result<Tensor, tch::TchError> {
    // SAFETY: both tensors are live for the call.
    new_tensor(|out| unsafe { colorize_winograd_input(x.as_ptr(), bt.as_ptr(), t, s, out) })
}

/// Winograd's output transform of the block products `m` `[n t s, 36, O]` with `at` `[3, 6]`:
/// each block's `At m A` as its 3x3 outputs, cropped to `ho x wo`: `[n, ho, wo, O]`
/// (channels-last), differentiable in `m` to any order.
pub fn winograd_output(
    m: &Tensor,
    at: &Tensor,
    [n, t, s]: [i64; 3],
    [ho, wo]: [i64; 2],
) -> Result<Tensor, tch::TchError> {
    // SAFETY: both tensors are live for the call.
    new_tensor(|out| unsafe {
        colorize_winograd_output(m.as_ptr(), at.as_ptr(), n, t, s, ho, wo, out)
    })
}

/// The activation fused into [`conv_packed`]'s output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// None: the convolution's output as is.
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// LeakyReLU with this negative slope.
    LeakyRelu(f64),
}

impl Activation {
    /// The shim's activation code and slope.
    fn code(self) -> (i32, f64) {
        match self {
            Activation::Identity => (0, 0.0),
            Activation::Relu => (1, 0.0),
            Activation::LeakyRelu(s) => (2, s),
        }
    }
}

/// A float CPU convolution weight `[O, I, kH, kW]` reordered once into oneDNN's blocked
/// layout for [`conv_packed`] with this padding and stride, the inputs being about
/// `input_size` `[N, C, H, W]` (a hint: other sizes still work). The result is an opaque
/// (mkldnn) tensor: only [`conv_packed`] reads it.
pub fn pack_conv_weight(
    w: &Tensor,
    padding: i64,
    stride: i64,
    input_size: [i64; 4],
) -> Result<Tensor, tch::TchError> {
    // SAFETY: `w` is live for the call and `input_size` holds the 4 values the shim reads.
    new_tensor(|out| unsafe {
        colorize_mkldnn_pack_conv(w.as_ptr(), padding, stride, input_size.as_ptr(), out)
    })
}

/// `act(conv2d(x, w, bias, stride, padding))` in one oneDNN call, `w` from
/// [`pack_conv_weight`] (same padding and stride), `x` float on the CPU (channels-last in
/// gives channels-last out). Not differentiable: for inference under `no_grad`.
pub fn conv_packed(
    x: &Tensor,
    w: &Tensor,
    bias: &Tensor,
    padding: i64,
    stride: i64,
    act: Activation,
) -> Result<Tensor, tch::TchError> {
    let (code, slope) = act.code();
    // SAFETY: the three tensors are live for the call.
    new_tensor(|out| unsafe {
        colorize_conv_pointwise(
            x.as_ptr(),
            w.as_ptr(),
            bias.as_ptr(),
            padding,
            stride,
            code,
            slope,
            out,
        )
    })
}

/// The instruction sets [`half_conv`]'s inner loop is built for (both with F16C and FMA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HalfConvIsa {
    /// 8 lanes, the x86-64 most CPUs since 2013-2015 have.
    Avx2,
    /// 16 lanes.
    Avx512,
}

/// The best instruction set [`half_conv`] runs with on this CPU, if any.
pub fn half_conv_isa() -> Option<HalfConvIsa> {
    // SAFETY: a pure query of the CPU's features.
    match unsafe { colorize_half_conv_isa() } {
        2 => Some(HalfConvIsa::Avx512),
        1 => Some(HalfConvIsa::Avx2),
        _ => None,
    }
}

/// `[G, T, C_in, C_out]` float weights (group, tap, input channel, output channel) in
/// [`half_conv`]'s layout: float16 `[G, CoB, T, C_in, 32]`, the output channels zero-padded
/// to a multiple of 32.
pub fn half_conv_weights(w: &Tensor) -> Result<Tensor, tch::TchError> {
    let size = w.size();
    let (g, taps, c_in, c_out) = (size[0], size[1], size[2], size[3]);
    let blocks = (c_out + 31) / 32;
    w.f_constant_pad_nd([0, blocks * 32 - c_out])?
        .f_view([g, taps, c_in, blocks, 32])?
        .f_permute([0, 3, 1, 2, 4])?
        .f_contiguous()?
        .f_to_kind(tch::Kind::Half)
}

/// The layout of [`half_conv`]'s weights and outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HalfConvMode {
    /// A convolution: weights `[1, CoB, k * k, C_in, 32]`, output `[B, C_out, Ho, Wo]`.
    Conv {
        /// Side of the square kernel.
        kernel: i64,
        /// Stride in both directions.
        stride: i64,
        /// Zero padding on every side.
        padding: i64,
    },
    /// A 4x4 stride-2 padding-1 transposed convolution as its four output phases: weights
    /// `[4, CoB, 4, C_in, 32]` (phase `2a + b`, tap `2i + j` of `model::fast::phase_kernels`),
    /// output `[B, C_out, 2H, 2W]`.
    Phases,
}

/// `out = act(scale * conv(x, w) + shift)` per output channel, `w` float16 in blocks of 32
/// output channels (`[G, CoB, T, C_in, 32]`, see [`HalfConvMode`]), computed in float32
/// (`src/native/half_conv.cpp`). `x` and `out` float CPU with contiguous channels
/// (channels-last, or a channel slice of a channels-last buffer); `out` is written in place.
/// `isa`: the build to run, `None` for the best this CPU has ([`half_conv_isa`]; a lesser
/// one for tests and benchmarks). Errors where the CPU lacks it and on mismatched shapes.
#[allow(clippy::too_many_arguments)]
pub fn half_conv(
    isa: Option<HalfConvIsa>,
    x: &Tensor,
    w: &Tensor,
    scale: &Tensor,
    shift: &Tensor,
    mode: HalfConvMode,
    act: Activation,
    out: &mut Tensor,
) -> Result<(), tch::TchError> {
    let isa = match isa {
        None => 0,
        Some(HalfConvIsa::Avx2) => 1,
        Some(HalfConvIsa::Avx512) => 2,
    };
    let (code, slope) = act.code();
    let (m, kernel, stride, padding) = match mode {
        HalfConvMode::Conv {
            kernel,
            stride,
            padding,
        } => (0, kernel, stride, padding),
        HalfConvMode::Phases => (1, 4, 2, 1),
    };
    // SAFETY: the tensors are live for the call; the shim checks shapes and strides before
    // writing into `out`'s storage.
    check(unsafe {
        colorize_half_conv(
            x.as_ptr(),
            w.as_ptr(),
            scale.as_ptr(),
            shift.as_ptr(),
            m,
            kernel,
            stride,
            padding,
            code,
            slope,
            isa,
            out.as_mut_ptr(),
        )
    })
}
