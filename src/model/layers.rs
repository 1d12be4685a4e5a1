//! Blocks and initialisation shared by the generator and discriminator: the 4x4 stride-2
//! convolutions of pix2pix, LeakyReLU(0.2), the normalisation choice and `init_weights`.

use tch::{nn, Tensor};

use crate::config::NormKind;

/// Standard deviation of pix2pix's `init_weights(init_type="normal", init_gain=0.02)`.
pub const INIT_STD: f64 = 0.02;

/// Negative slope of every LeakyReLU in pix2pix.
pub const LEAKY_SLOPE: f64 = 0.2;

/// Name of the path component under which every normalisation layer lives; `init_weights`
/// recognises BatchNorm's affine parameters by it.
pub const NORM: &str = "norm";

/// LeakyReLU with slope 0.2, `nn.LeakyReLU(0.2)`'s kernel (tch 0.24 binds `leaky_relu` only
/// with the default slope 0.01, so it comes through [`crate::native`]).
pub fn leaky_relu(xs: &Tensor) -> Tensor {
    crate::native::leaky_relu(xs, LEAKY_SLOPE).unwrap_or_else(|e| panic!("leaky_relu: {e}"))
}

/// [`leaky_relu`] in place, like pix2pix's `nn.LeakyReLU(0.2, True)`: no new activation
/// tensor. Takes the tensor by value; only for a fresh output of a convolution or norm
/// layer that nothing else holds (their backward passes do not read their output).
pub fn leaky_relu_inplace(mut xs: Tensor) -> Tensor {
    crate::native::leaky_relu_(&mut xs, LEAKY_SLOPE).unwrap_or_else(|e| panic!("leaky_relu_: {e}"));
    xs
}

/// How a new layer's weights start: tch's default (Kaiming uniform) or zeros, for a layer
/// whose weights are about to be overwritten by a file (random numbers for 41.8 M
/// parameters cost ~170 ms; zeros a memset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightInit {
    /// tch's default initialisation (then `init_weights` for pix2pix's).
    #[default]
    Default,
    /// Zeros: the weights will be loaded.
    Zeros,
}

impl WeightInit {
    /// The weight `Init` for a layer whose default is `default`.
    fn or(self, default: nn::Init) -> nn::Init {
        match self {
            WeightInit::Default => default,
            WeightInit::Zeros => nn::Init::Const(0.0),
        }
    }
}

/// Conv 4x4, stride `stride`, padding 1: the only convolution shape pix2pix uses.
pub fn conv4(p: nn::Path, c_in: i64, c_out: i64, stride: i64, bias: bool) -> nn::Conv2D {
    conv4_init(p, c_in, c_out, stride, bias, WeightInit::Default)
}

/// [`conv4`] with its weights started as `init` says.
pub fn conv4_init(
    p: nn::Path,
    c_in: i64,
    c_out: i64,
    stride: i64,
    bias: bool,
    init: WeightInit,
) -> nn::Conv2D {
    let default = nn::ConvConfig::default();
    let cfg = nn::ConvConfig {
        stride,
        padding: 1,
        bias,
        ws_init: init.or(default.ws_init),
        ..default
    };
    nn::conv2d(p, c_in, c_out, 4, cfg)
}

/// Transposed conv 4x4, stride 2, padding 1: doubles H and W.
pub fn conv_transpose4(p: nn::Path, c_in: i64, c_out: i64, bias: bool) -> nn::ConvTranspose2D {
    conv_transpose4_init(p, c_in, c_out, bias, WeightInit::Default)
}

/// [`conv_transpose4`] with its weights started as `init` says.
pub fn conv_transpose4_init(
    p: nn::Path,
    c_in: i64,
    c_out: i64,
    bias: bool,
    init: WeightInit,
) -> nn::ConvTranspose2D {
    let default = nn::ConvTransposeConfig::default();
    let cfg = nn::ConvTransposeConfig {
        stride: 2,
        padding: 1,
        bias,
        ws_init: init.or(default.ws_init),
        ..default
    };
    nn::conv_transpose2d(p, c_in, c_out, 4, cfg)
}

/// `nn.BatchNorm2d(c)` (eps 1e-5, momentum 0.1, affine, running statistics).
pub fn batch_norm(p: nn::Path, c: i64) -> nn::BatchNorm {
    let cfg = nn::BatchNormConfig {
        ws_init: nn::Init::Const(1.0),
        ..Default::default()
    };
    nn::batch_norm2d(p, c, cfg)
}

/// A normalisation layer chosen at run time (the discriminator's `--norm`).
#[derive(Debug)]
pub enum Norm {
    /// BatchNorm2d with affine parameters and running statistics.
    Batch(nn::BatchNorm),
    /// InstanceNorm2d as pix2pix builds it: `affine=False, track_running_stats=False`,
    /// so it has no variables and behaves the same in train and eval mode.
    Instance,
    /// Identity.
    None,
}

impl Norm {
    /// A normalisation of `kind` over `c` channels (batch norm registers its variables under `p`).
    pub fn new(p: nn::Path, kind: NormKind, c: i64) -> Self {
        match kind {
            NormKind::Batch => Norm::Batch(batch_norm(p, c)),
            NormKind::Instance => Norm::Instance,
            NormKind::None => Norm::None,
        }
    }

    /// Normalises `xs` `[B, C, H, W]`; `train` picks batch statistics over running ones.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match self {
            Norm::Batch(bn) => xs.apply_t(bn, train),
            Norm::Instance => xs.instance_norm(
                None::<Tensor>,
                None::<Tensor>,
                None::<Tensor>,
                None::<Tensor>,
                true,
                0.1,
                1e-5,
                false,
            ),
            Norm::None => xs.shallow_clone(),
        }
    }
}

/// Whether a convolution before a norm of this kind carries a bias. As pix2pix: no bias
/// before BatchNorm (its beta replaces it); a bias with InstanceNorm (pix2pix keeps it
/// there). Deviation: with no norm at all we keep the bias (pix2pix drops it, which leaves
/// those layers without any offset).
pub fn conv_bias(kind: NormKind) -> bool {
    kind != NormKind::Batch
}

/// pix2pix's `init_weights(net, "normal", 0.02)`: conv / transposed-conv weights
/// N(0, 0.02), their biases 0; BatchNorm weights (gamma) N(1, 0.02), biases (beta) 0.
/// Running statistics are left alone. Variables are visited in name order so that the same
/// `tch::manual_seed` gives the same weights (the VarStore is a hash map).
pub fn init_weights(vs: &nn::VarStore) {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (name, mut t) in vars {
            if !t.requires_grad() {
                continue; // running_mean / running_var
            }
            let in_norm = name.split('.').any(|c| c == NORM);
            if name.ends_with(".bias") {
                let _ = t.zero_();
            } else if in_norm {
                let _ = t.normal_(1.0, INIT_STD);
            } else {
                let _ = t.normal_(0.0, INIT_STD);
            }
        }
    });
}

/// Total number of elements of the trainable variables (running statistics excluded),
/// the figure PyTorch's `sum(p.numel() for p in net.parameters())` gives.
pub fn count_parameters(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum()
}
