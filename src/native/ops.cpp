// libtorch functions that tch 0.24 does not bind, exposed with a C ABI for src/native.rs:
//  - at::leaky_relu / leaky_relu_ with an explicit negative slope (tch binds only the default
//    0.01), so LeakyReLU(0.2) is one kernel with autograd, as in PyTorch;
//  - at::_fused_adam_, libtorch's one-pass multi-tensor Adam (the kernel behind
//    `torch.optim.Adam(fused=True)`, CPU and CUDA), over tensors whose moments we own;
//  - CUDA autocast in bfloat16 (tch's `autocast` only turns on the default float16).
// Every function catches C++ exceptions and returns them as a malloc'd message (nullptr on
// success) that the caller frees with colorize_free_error: no exception crosses into Rust.

#include <ATen/autocast_mode.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_fused_adam.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/scalar_tensor.h>
#include <c10/core/GradMode.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

namespace {

// Runs `body`; nullptr when it returns, else the exception's message (strdup'd).
template <class F>
char* guarded(F&& body) {
  try {
    body();
    return nullptr;
  } catch (const std::exception& e) {
    return strdup(e.what());
  } catch (...) {
    return strdup("unknown C++ exception");
  }
}

std::vector<at::Tensor> gather(at::Tensor* const* ptrs, size_t n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(*ptrs[i]);
  return out;
}

}  // namespace

extern "C" {

void colorize_free_error(char* message) { free(message); }

// *out = leaky_relu(*x, slope), a new tensor owned by the caller (tch frees it).
char* colorize_leaky_relu(const at::Tensor* x, double slope, at::Tensor** out) {
  return guarded([&] { *out = new at::Tensor(at::leaky_relu(*x, slope)); });
}

// leaky_relu_(*x, slope) in place (autograd records it, as for nn.LeakyReLU(inplace=True)).
char* colorize_leaky_relu_(at::Tensor* x, double slope) {
  return guarded([&] { at::leaky_relu_(*x, slope); });
}

// One Adam update (L2 weight decay, no amsgrad) of n parameters in place, `step` being the
// 1-based count of updates including this one (the bias correction's t).
char* colorize_fused_adam(at::Tensor* const* params, at::Tensor* const* grads,
                          at::Tensor* const* exp_avgs, at::Tensor* const* exp_avg_sqs,
                          size_t n, double step, double lr, double beta1, double beta2,
                          double weight_decay, double eps) {
  if (n == 0) return nullptr;
  return guarded([&] {
    c10::NoGradGuard no_grad;
    std::vector<at::Tensor> p = gather(params, n);
    std::vector<at::Tensor> g = gather(grads, n);
    std::vector<at::Tensor> m = gather(exp_avgs, n);
    std::vector<at::Tensor> v = gather(exp_avg_sqs, n);
    // The kernel reads each parameter's step from a float tensor on its device; it does not
    // write it, so one tensor serves all.
    at::Tensor t = at::scalar_tensor(
        step, at::TensorOptions().dtype(at::kFloat).device(p[0].device()));
    std::vector<at::Tensor> steps(n, t);
    std::vector<at::Tensor> no_max;
    at::_fused_adam_(p, g, m, v, no_max, steps, lr, beta1, beta2, weight_decay, eps,
                     /*amsgrad=*/false, /*maximize=*/false);
  });
}

// Enters CUDA autocast with bfloat16 as the low-precision type (torch.autocast("cuda",
// dtype=torch.bfloat16)); *was_enabled receives the previous state for colorize_autocast_exit.
char* colorize_autocast_enter_bf16(int* was_enabled) {
  return guarded([&] {
    *was_enabled = at::autocast::is_autocast_enabled(at::kCUDA) ? 1 : 0;
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    at::autocast::increment_nesting();
  });
}

// Leaves the autocast region entered by colorize_autocast_enter_bf16 (the cast-weight cache
// is cleared when the outermost region ends, as torch.autocast's __exit__ does).
char* colorize_autocast_exit(int was_enabled) {
  return guarded([&] {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(at::kCUDA, was_enabled != 0);
  });
}

}  // extern "C"
