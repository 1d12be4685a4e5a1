// libtorch functions that tch 0.24 does not bind, exposed with a C ABI for src/native.rs:
//  - at::leaky_relu / leaky_relu_ with an explicit negative slope (tch binds only the default
//    0.01), so LeakyReLU(0.2) is one kernel with autograd, as in PyTorch;
//  - at::_fused_adam_, libtorch's one-pass multi-tensor Adam (the kernel behind
//    `torch.optim.Adam(fused=True)`, CPU and CUDA), over tensors whose moments we own;
//  - CUDA autocast in bfloat16 (tch's `autocast` only turns on the default float16);
//  - oneDNN convolution with a prepacked weight and a fused activation
//    (at::mkldnn_reorder_conv2d_weight + mkldnn::_convolution_pointwise, the pair behind
//    torch.compile's CPU weight freezing), for the generator's eval-mode fast path.
// Every function catches C++ exceptions and returns them as a malloc'd message (nullptr on
// success) that the caller frees with colorize_free_error: no exception crosses into Rust.

#include <ATen/autocast_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_fused_adam.h>
#include <ATen/ops/leaky_relu.h>
#include <ATen/ops/mkldnn_reorder_conv2d_weight.h>
#include <ATen/ops/scalar_tensor.h>
#include <c10/core/GradMode.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "guarded.h"

namespace {

using colorize::guarded;

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

// Enters autocast with bfloat16 as the low-precision type on CUDA (cuda != 0) or the CPU
// (torch.autocast(device, dtype=torch.bfloat16)); *was_enabled receives the previous state
// for colorize_autocast_exit.
char* colorize_autocast_enter_bf16(int cuda, int* was_enabled) {
  return guarded([&] {
    const auto dev = cuda ? at::kCUDA : at::kCPU;
    *was_enabled = at::autocast::is_autocast_enabled(dev) ? 1 : 0;
    at::autocast::set_autocast_dtype(dev, at::kBFloat16);
    at::autocast::set_autocast_enabled(dev, true);
    at::autocast::increment_nesting();
  });
}

// Leaves the autocast region entered by colorize_autocast_enter_bf16 (the cast-weight cache
// is cleared when the outermost region ends, as torch.autocast's __exit__ does).
char* colorize_autocast_exit(int cuda, int was_enabled) {
  return guarded([&] {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, was_enabled != 0);
  });
}

// *enabled = whether autocast is on for the CUDA (cuda != 0) or CPU tensors.
char* colorize_autocast_is_enabled(int cuda, int* enabled) {
  return guarded([&] { *enabled = at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU) ? 1 : 0; });
}

// *out = the float CPU weight *w [O, I, kH, kW] reordered once into oneDNN's blocked layout
// for a convolution with this padding and stride over inputs of about `input_size`
// (N, C, H, W): an opaque mkldnn tensor for colorize_conv_pointwise. An unpacked weight is
// reordered again at every call, which dominates layers with few pixels and many weights.
char* colorize_mkldnn_pack_conv(const at::Tensor* w, int64_t padding, int64_t stride,
                                const int64_t* input_size, at::Tensor** out) {
  return guarded([&] {
    std::vector<int64_t> size(input_size, input_size + 4);
    *out = new at::Tensor(at::mkldnn_reorder_conv2d_weight(
        w->contiguous().to_mkldnn(), {padding, padding}, {stride, stride}, {1, 1}, 1, size));
  });
}

// *out = act(conv2d(*x, *w, *b, stride, padding)) through oneDNN, with *w packed by
// colorize_mkldnn_pack_conv; act: 0 none, 1 ReLU, 2 LeakyReLU(slope). The output keeps the
// memory format of *x (channels-last in, channels-last out). No autograd: call it under
// no_grad.
char* colorize_conv_pointwise(const at::Tensor* x, const at::Tensor* w, const at::Tensor* b,
                              int64_t padding, int64_t stride, int act, double slope,
                              at::Tensor** out) {
  return guarded([&] {
    static const c10::OperatorHandle op =
        c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn::_convolution_pointwise", "");
    c10::List<std::optional<at::Scalar>> scalars;
    std::string attr = "none";
    if (act == 1) attr = "relu";
    if (act == 2) {
      attr = "leaky_relu";
      scalars.push_back(at::Scalar(slope));
    }
    torch::jit::Stack stack;
    stack.emplace_back(*x);
    stack.emplace_back(*w);
    stack.emplace_back(*b);
    stack.emplace_back(std::vector<int64_t>{padding, padding});
    stack.emplace_back(std::vector<int64_t>{stride, stride});
    stack.emplace_back(std::vector<int64_t>{1, 1});
    stack.emplace_back(int64_t{1});
    stack.emplace_back(attr);
    stack.emplace_back(scalars);
    stack.emplace_back(c10::IValue());
    op.callBoxed(&stack);
    *out = new at::Tensor(stack.at(0).toTensor());
  });
}

}  // extern "C"
