//! Optimisers of our own (Adam, RMSprop) whose moments can be saved and restored.
//!
//! tch's built-in optimiser keeps its moments inside libtorch where they cannot be read, so
//! a resumed run would restart Adam from zero moments. These compute PyTorch's updates
//! (`torch/optim/adam.py`, `rmsprop.py`; no amsgrad, no momentum) over moment tensors we
//! own. Adam runs libtorch's fused multi-tensor kernel (`torch.optim.Adam(fused=True)`,
//! reached through [`crate::native`] since tch binds no fused kernels): one pass over all
//! parameters instead of the per-tensor loop `torch.optim.Adam` runs on the CPU by default,
//! several times faster (measurements in bench/README.md). The per-tensor path remains
//! (`Adam::fused = false`, and the fallback where the kernel is unavailable). A step agrees
//! with `torch.optim` up to f32 rounding (tests/it/model/optim.rs checks both paths against the
//! formulas; 3 Adam steps differ from `torch.optim.Adam` by < 1e-6).
//!
//! Usage: either `loss.backward(); opt.step(lr); opt.zero_grad()` (gradients accumulated
//! in the variables' `.grad`), or `opt.backward_step(&loss, lr)`, which asks autograd for
//! the gradients of this optimiser's variables only (like `torch.autograd.grad`): nothing
//! accumulates, so nothing needs zeroing (set-to-none semantics), and a generator loss that
//! flows through D computes no D weight gradients.
//!
//! State for checkpoints: `state()` gives named tensors — `step` (an i64 scalar) and, per
//! variable, `{var}.exp_avg`, `{var}.exp_avg_sq` (Adam) or `{var}.square_avg` (RMSprop).

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use crate::{native, Error, Result};

/// Which optimiser (`--optimizer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum OptimKind {
    #[serde(rename = "adam")]
    #[value(name = "adam")]
    /// Adam (Kingma & Ba), as `torch.optim.Adam`.
    Adam,
    #[serde(rename = "rmsprop")]
    #[value(name = "rmsprop")]
    /// RMSprop without momentum, as `torch.optim.RMSprop`.
    RmsProp,
}

/// What the training loop needs from an optimiser, so it can hold either kind.
pub trait Optimizer: Send {
    /// The update rule: one step from `grads`, one per variable in `variables()` order
    /// (undefined tensors are skipped), with learning rate `lr`.
    fn apply(&mut self, grads: &[Tensor], lr: f64);
    /// One update from the gradients accumulated in each variable's `.grad` (variables
    /// without a gradient are left alone), with learning rate `lr`.
    fn step(&mut self, lr: f64) {
        let grads: Vec<Tensor> = self.variables().iter().map(|(_, t)| t.grad()).collect();
        self.apply(&grads, lr);
    }
    /// One update from the given gradients, one per variable in `variables()` order
    /// (undefined tensors are skipped).
    fn step_with_grads(&mut self, grads: &[Tensor], lr: f64) {
        assert_eq!(
            grads.len(),
            self.variables().len(),
            "one gradient per variable"
        );
        self.apply(grads, lr);
    }
    /// The variables this optimiser updates, sorted by name.
    fn variables(&self) -> &[(String, Tensor)];
    /// Sets the accumulated `.grad` of every variable to zero.
    fn zero_grad(&mut self) {
        for (_, v) in self.variables() {
            let mut v = v.shallow_clone();
            v.zero_grad();
        }
    }
    /// Gradients of `loss` w.r.t. this optimiser's variables, then `step_with_grads`.
    fn backward_step(&mut self, loss: &Tensor, lr: f64) {
        let vars: Vec<&Tensor> = self.variables().iter().map(|(_, t)| t).collect();
        let grads = Tensor::run_backward(&[loss], &vars, false, false);
        self.step_with_grads(&grads, lr);
    }
    /// Updates done so far (the `t` of Adam's bias correction).
    fn steps(&self) -> i64;
    /// Named state tensors (see the module doc); they alias the live state, copy to keep.
    fn state(&self) -> Vec<(String, Tensor)>;
    /// Restores `state()` output; every expected name must be present with its shape.
    fn load_state(&mut self, named: &[(String, Tensor)]) -> Result<()>;
}

/// Builds the optimiser of `kind` over `vs`'s trainable variables. For Adam `beta1, beta2`
/// are the betas; for RMSprop `beta1` must be 0 (no momentum) and `beta2` is alpha.
pub fn build(
    kind: OptimKind,
    vs: &nn::VarStore,
    beta1: f64,
    beta2: f64,
    weight_decay: f64,
) -> Result<Box<dyn Optimizer>> {
    match kind {
        OptimKind::Adam => Ok(Box::new(Adam::new(vs, beta1, beta2, 1e-8, weight_decay))),
        OptimKind::RmsProp if beta1 != 0.0 => Err(Error::Config(format!(
            "RMSprop has no momentum here; beta1 must be 0, got {beta1}"
        ))),
        OptimKind::RmsProp => Ok(Box::new(RmsProp::new(vs, beta2, 1e-8, weight_decay))),
    }
}

/// The trainable variables of a VarStore sorted by name (BatchNorm running statistics are
/// not trainable and are excluded).
pub fn trainable(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let mut vars: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(_, t)| t.requires_grad())
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

/// WGAN weight clipping: clamps every trainable variable of `vs` to `[-c, c]`.
pub fn clip_weights(vs: &nn::VarStore, c: f64) {
    tch::no_grad(|| {
        for mut t in vs.trainable_variables() {
            let _ = t.clamp_(-c, c);
        }
    });
}

fn zeros_like_all(vars: &[(String, Tensor)]) -> Vec<Tensor> {
    vars.iter().map(|(_, t)| t.zeros_like()).collect()
}

fn step_tensor(step: i64) -> Tensor {
    Tensor::from(step)
}

/// `step` plus `{var}.{suffix}` for each per-variable buffer (aliases, not copies).
fn named_state(
    step: i64,
    vars: &[(String, Tensor)],
    buffers: &[(&str, &Vec<Tensor>)],
) -> Vec<(String, Tensor)> {
    let mut out = vec![("step".to_string(), step_tensor(step))];
    for (i, (name, _)) in vars.iter().enumerate() {
        for (suffix, buf) in buffers {
            out.push((format!("{name}.{suffix}"), buf[i].shallow_clone()));
        }
    }
    out
}

/// Reads the `step` scalar and copies each `{var}.{suffix}` into `bufs`, checking shapes.
fn load_named(
    named: &[(String, Tensor)],
    vars: &[(String, Tensor)],
    suffixes: &[&str],
    bufs: &mut [&mut Vec<Tensor>],
) -> Result<i64> {
    let find = |key: &str| -> Result<&Tensor> {
        named
            .iter()
            .find(|(n, _)| n == key)
            .map(|(_, t)| t)
            .ok_or_else(|| Error::OptimState(format!("missing tensor `{key}`")))
    };
    let step_t = find("step")?;
    if step_t.numel() != 1 {
        return Err(Error::OptimState(format!(
            "`step` must be a scalar, got shape {:?}",
            step_t.size()
        )));
    }
    let step = step_t.int64_value(&[]);
    // Check everything before changing anything, so a bad file leaves the state intact.
    for (name, var) in vars {
        for suffix in suffixes {
            let key = format!("{name}.{suffix}");
            let t = find(&key)?;
            if t.size() != var.size() {
                return Err(Error::OptimState(format!(
                    "`{key}` has shape {:?}, the variable has {:?}",
                    t.size(),
                    var.size()
                )));
            }
        }
    }
    tch::no_grad(|| -> Result<()> {
        for (i, (name, _)) in vars.iter().enumerate() {
            for (buf, suffix) in bufs.iter_mut().zip(suffixes) {
                let src = find(&format!("{name}.{suffix}"))?;
                buf[i].f_copy_(src)?;
            }
        }
        Ok(())
    })?;
    Ok(step)
}

/// `torch.optim.Adam` (L2 weight decay added to the gradient, not AdamW; no amsgrad).
#[derive(Debug)]
pub struct Adam {
    vars: Vec<(String, Tensor)>,
    exp_avg: Vec<Tensor>,
    exp_avg_sq: Vec<Tensor>,
    step: i64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the denominator for stability.
    pub eps: f64,
    /// L2 weight decay (added to the gradient).
    pub weight_decay: f64,
    /// Use libtorch's one-pass multi-tensor kernel ([`native::fused_adam`], the default);
    /// `false`, or a device/dtype the kernel rejects, takes the per-tensor path.
    pub fused: bool,
}

impl Adam {
    /// Over the trainable variables of `vs` (torch defaults: eps 1e-8, weight decay 0).
    pub fn new(vs: &nn::VarStore, beta1: f64, beta2: f64, eps: f64, weight_decay: f64) -> Self {
        Self::from_vars(trainable(vs), beta1, beta2, eps, weight_decay)
    }

    /// Over explicit named variables (tensors with `requires_grad`).
    pub fn from_vars(
        vars: Vec<(String, Tensor)>,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    ) -> Self {
        let exp_avg = zeros_like_all(&vars);
        let exp_avg_sq = zeros_like_all(&vars);
        Adam {
            vars,
            exp_avg,
            exp_avg_sq,
            step: 0,
            beta1,
            beta2,
            eps,
            weight_decay,
            fused: true,
        }
    }

    /// The update with libtorch's fused kernel, over the variables that have a gradient.
    fn apply_fused(&mut self, grads: &[Tensor], lr: f64) -> std::result::Result<(), tch::TchError> {
        let mut p = Vec::with_capacity(grads.len());
        let mut g = Vec::with_capacity(grads.len());
        let mut m = Vec::with_capacity(grads.len());
        let mut v = Vec::with_capacity(grads.len());
        for (i, grad) in grads.iter().enumerate() {
            if grad.defined() {
                p.push(self.vars[i].1.shallow_clone());
                g.push(grad.contiguous());
                m.push(self.exp_avg[i].shallow_clone());
                v.push(self.exp_avg_sq[i].shallow_clone());
            }
        }
        let h = native::AdamStep {
            step: self.step,
            lr,
            beta1: self.beta1,
            beta2: self.beta2,
            weight_decay: self.weight_decay,
            eps: self.eps,
        };
        tch::no_grad(|| native::fused_adam(&p, &g, &m, &v, h))
    }

    /// The same update one variable at a time with ordinary tensor operations.
    fn apply_per_tensor(&mut self, grads: &[Tensor], lr: f64) {
        let t = self.step as f64;
        let bc1 = 1.0 - self.beta1.powf(t);
        let bc2_sqrt = (1.0 - self.beta2.powf(t)).sqrt();
        let step_size = lr / bc1;
        tch::no_grad(|| {
            for (i, g) in grads.iter().enumerate() {
                if !g.defined() {
                    continue;
                }
                let p = &mut self.vars[i].1;
                let g = if self.weight_decay != 0.0 {
                    g + &*p * self.weight_decay
                } else {
                    g.shallow_clone()
                };
                let m = &mut self.exp_avg[i];
                let v = &mut self.exp_avg_sq[i];
                // m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2 (lerp: one pass each).
                let _ = m.lerp_(&g, 1.0 - self.beta1);
                let _ = v.lerp_(&g.square(), 1.0 - self.beta2);
                // torch: p -= step_size * m / (sqrt(v) / c + eps), c = sqrt(bc2). The same
                // quantity as p += m / ((sqrt(v) + eps c) * (-1 / (step_size c))): one
                // temporary and three passes (sqrt, add_, mul_) before the addcdiv_.
                let mut denom = v.sqrt();
                let _ = denom.g_add_scalar_(self.eps * bc2_sqrt);
                let _ = denom.g_mul_scalar_(-1.0 / (step_size * bc2_sqrt));
                let _ = p.addcdiv_(m, &denom);
            }
        });
    }
}

impl Optimizer for Adam {
    fn apply(&mut self, grads: &[Tensor], lr: f64) {
        self.step += 1;
        if self.fused {
            match self.apply_fused(grads, lr) {
                Ok(()) => return,
                Err(e) => {
                    // Not expected on CPU or CUDA float tensors; other devices or dtypes may
                    // lack the kernel. Stay on the per-tensor path from here on.
                    log::warn!("fused Adam unavailable ({e}); using the per-tensor update");
                    self.fused = false;
                }
            }
        }
        self.apply_per_tensor(grads, lr);
    }

    fn variables(&self) -> &[(String, Tensor)] {
        &self.vars
    }

    fn steps(&self) -> i64 {
        self.step
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        named_state(
            self.step,
            &self.vars,
            &[("exp_avg", &self.exp_avg), ("exp_avg_sq", &self.exp_avg_sq)],
        )
    }

    fn load_state(&mut self, named: &[(String, Tensor)]) -> Result<()> {
        let Adam {
            vars,
            exp_avg,
            exp_avg_sq,
            step,
            ..
        } = self;
        *step = load_named(
            named,
            vars,
            &["exp_avg", "exp_avg_sq"],
            &mut [exp_avg, exp_avg_sq],
        )?;
        Ok(())
    }
}

/// `torch.optim.RMSprop` without momentum or centring (alpha 0.99, eps 1e-8 by default).
#[derive(Debug)]
pub struct RmsProp {
    vars: Vec<(String, Tensor)>,
    square_avg: Vec<Tensor>,
    step: i64,
    /// Smoothing constant of the squared-gradient average.
    pub alpha: f64,
    /// Added to the denominator for stability.
    pub eps: f64,
    /// L2 weight decay (added to the gradient).
    pub weight_decay: f64,
}

impl RmsProp {
    /// Over the trainable variables of `vs`.
    pub fn new(vs: &nn::VarStore, alpha: f64, eps: f64, weight_decay: f64) -> Self {
        Self::from_vars(trainable(vs), alpha, eps, weight_decay)
    }

    /// Over explicit named variables (tensors with `requires_grad`).
    pub fn from_vars(vars: Vec<(String, Tensor)>, alpha: f64, eps: f64, weight_decay: f64) -> Self {
        let square_avg = zeros_like_all(&vars);
        RmsProp {
            vars,
            square_avg,
            step: 0,
            alpha,
            eps,
            weight_decay,
        }
    }
}

impl Optimizer for RmsProp {
    fn apply(&mut self, grads: &[Tensor], lr: f64) {
        self.step += 1;
        tch::no_grad(|| {
            for (i, g) in grads.iter().enumerate() {
                if !g.defined() {
                    continue;
                }
                let p = &mut self.vars[i].1;
                let g = if self.weight_decay != 0.0 {
                    g + &*p * self.weight_decay
                } else {
                    g.shallow_clone()
                };
                let s = &mut self.square_avg[i];
                let _ = s.lerp_(&g.square(), 1.0 - self.alpha);
                // avg = sqrt(s) + eps; p -= lr * g / avg, folded as in Adam.
                let mut avg = s.sqrt();
                let _ = avg.g_add_scalar_(self.eps);
                let _ = avg.g_mul_scalar_(-1.0 / lr);
                let _ = p.addcdiv_(&g, &avg);
            }
        });
    }

    fn variables(&self) -> &[(String, Tensor)] {
        &self.vars
    }

    fn steps(&self) -> i64 {
        self.step
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        named_state(self.step, &self.vars, &[("square_avg", &self.square_avg)])
    }

    fn load_state(&mut self, named: &[(String, Tensor)]) -> Result<()> {
        let RmsProp {
            vars,
            square_avg,
            step,
            ..
        } = self;
        *step = load_named(named, vars, &["square_avg"], &mut [square_avg])?;
        Ok(())
    }
}
