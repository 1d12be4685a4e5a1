// The data transforms of the Winograd F(3x3, 4x4) convolution (`model::winograd`), as
// libtorch autograd functions: one pass over the data each, where the same transforms as
// libtorch operators (unfold, a broadcast matrix product, permutes and their backwards) took
// about a third of the layer's time.
//
//  - input:  x [N, H, W, C] (channels-last) -> V [N*T*S, 36, C], the 6x6 blocks at stride 3
//    of x padded by 1 (zeros past the edges), each turned into Bt d B (`bt` [6, 6]);
//  - output: M [N*T*S, 36, O] -> y [N, Ho, Wo, O], each block's At m A (`at` [3, 6]) written
//    to its 3x3 outputs, those past Ho x Wo dropped.
//
// Both are linear, so each one's backward is its transpose, and the transpose's backward is
// the function itself: the four autograd functions call each other, which gives any order
// of derivative (the gradient penalty needs the second). The transposed input transform
// adds overlapping blocks together; it runs in parallel over (image, channel slice) pairs,
// so no two threads write the same element. Arithmetic is float32; the loops run over
// contiguous channels, compiled for AVX-512F, AVX2 or baseline x86-64 (picked at load).

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "guarded.h"

#include <algorithm>
#include <cstdint>

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;
using colorize::guarded;

constexpr int64_t kIn = 6;   // input block side
constexpr int64_t kOut = 3;  // output block side
constexpr int64_t kCb = 64;  // channels per inner step

// Geometry shared by the four functions.
struct Geometry {
  int64_t n, t, s, h, w, c;  // images, block rows, block columns, image size, channels
};

#define WINO_TARGETS __attribute__((target_clones("avx512f", "avx2,fma", "default")))

// V[blk] = Bt d B for the blocks of rows [r0, r1) of image-row pairs (n, t).
WINO_TARGETS
void input_forward(const float* x, const float* bt, float* v, const Geometry& g, int64_t r0,
                   int64_t r1) {
  float d[kIn][kIn][kCb];
  float tmp[kIn][kIn][kCb];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.t, t = r % g.t;
    for (int64_t s = 0; s < g.s; ++s) {
      float* out = v + ((r * g.s + s) * kIn * kIn) * g.c;
      for (int64_t c0 = 0; c0 < g.c; c0 += kCb) {
        const int64_t cb = std::min(kCb, g.c - c0);
        for (int64_t i = 0; i < kIn; ++i) {
          const int64_t y = kOut * t + i - 1;
          for (int64_t j = 0; j < kIn; ++j) {
            const int64_t xx = kOut * s + j - 1;
            if (y >= 0 && y < g.h && xx >= 0 && xx < g.w) {
              const float* src = x + ((n * g.h + y) * g.w + xx) * g.c + c0;
              for (int64_t c = 0; c < cb; ++c) d[i][j][c] = src[c];
            } else {
              for (int64_t c = 0; c < cb; ++c) d[i][j][c] = 0.f;
            }
          }
        }
        for (int64_t a = 0; a < kIn; ++a)
          for (int64_t j = 0; j < kIn; ++j) {
            for (int64_t c = 0; c < cb; ++c) tmp[a][j][c] = 0.f;
            for (int64_t i = 0; i < kIn; ++i) {
              const float k = bt[a * kIn + i];
              if (k == 0.f) continue;
              for (int64_t c = 0; c < cb; ++c) tmp[a][j][c] += k * d[i][j][c];
            }
          }
        for (int64_t a = 0; a < kIn; ++a)
          for (int64_t b = 0; b < kIn; ++b) {
            float* dst = out + (a * kIn + b) * g.c + c0;
            for (int64_t c = 0; c < cb; ++c) dst[c] = 0.f;
            for (int64_t j = 0; j < kIn; ++j) {
              const float k = bt[b * kIn + j];
              if (k == 0.f) continue;
              for (int64_t c = 0; c < cb; ++c) dst[c] += k * tmp[a][j][c];
            }
          }
      }
    }
  }
}

// dx += the transpose of input_forward applied to dV, for images [n0, n1) (job index =
// image * slices + channel slice), channels [c0, c0 + kCb) of each.
WINO_TARGETS
void input_transpose(const float* dv, const float* bt, float* dx, const Geometry& g,
                     int64_t j0, int64_t j1) {
  const int64_t slices = (g.c + kCb - 1) / kCb;
  float tmp[kIn][kIn][kCb];
  float dd[kCb];
  for (int64_t job = j0; job < j1; ++job) {
    const int64_t n = job / slices, c0 = (job % slices) * kCb;
    const int64_t cb = std::min(kCb, g.c - c0);
    for (int64_t t = 0; t < g.t; ++t)
      for (int64_t s = 0; s < g.s; ++s) {
        const float* src = dv + (((n * g.t + t) * g.s + s) * kIn * kIn) * g.c + c0;
        // tmp[a][j] = sum_b dV[a][b] Bt[b][j]
        for (int64_t a = 0; a < kIn; ++a)
          for (int64_t j = 0; j < kIn; ++j) {
            for (int64_t c = 0; c < cb; ++c) tmp[a][j][c] = 0.f;
            for (int64_t b = 0; b < kIn; ++b) {
              const float k = bt[b * kIn + j];
              if (k == 0.f) continue;
              const float* row = src + (a * kIn + b) * g.c;
              for (int64_t c = 0; c < cb; ++c) tmp[a][j][c] += k * row[c];
            }
          }
        // dd[i][j] = sum_a Bt[a][i] tmp[a][j], added where the block's pixel is in the image.
        for (int64_t i = 0; i < kIn; ++i) {
          const int64_t y = kOut * t + i - 1;
          if (y < 0 || y >= g.h) continue;
          for (int64_t j = 0; j < kIn; ++j) {
            const int64_t xx = kOut * s + j - 1;
            if (xx < 0 || xx >= g.w) continue;
            for (int64_t c = 0; c < cb; ++c) dd[c] = 0.f;
            for (int64_t a = 0; a < kIn; ++a) {
              const float k = bt[a * kIn + i];
              if (k == 0.f) continue;
              for (int64_t c = 0; c < cb; ++c) dd[c] += k * tmp[a][j][c];
            }
            float* dst = dx + ((n * g.h + y) * g.w + xx) * g.c + c0;
            for (int64_t c = 0; c < cb; ++c) dst[c] += dd[c];
          }
        }
      }
  }
}

// y = At m A per block, for image-row pairs [r0, r1); g.h, g.w are Ho, Wo and g.c is O.
WINO_TARGETS
void output_forward(const float* m, const float* at, float* y, const Geometry& g, int64_t r0,
                    int64_t r1) {
  float tmp[kOut][kIn][kCb];
  float acc[kCb];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.t, t = r % g.t;
    for (int64_t s = 0; s < g.s; ++s) {
      const float* src = m + ((r * g.s + s) * kIn * kIn) * g.c;
      for (int64_t c0 = 0; c0 < g.c; c0 += kCb) {
        const int64_t cb = std::min(kCb, g.c - c0);
        // tmp[i][b] = sum_a At[i][a] M[a][b]
        for (int64_t i = 0; i < kOut; ++i)
          for (int64_t b = 0; b < kIn; ++b) {
            for (int64_t c = 0; c < cb; ++c) tmp[i][b][c] = 0.f;
            for (int64_t a = 0; a < kIn; ++a) {
              const float k = at[i * kIn + a];
              if (k == 0.f) continue;
              const float* row = src + (a * kIn + b) * g.c + c0;
              for (int64_t c = 0; c < cb; ++c) tmp[i][b][c] += k * row[c];
            }
          }
        for (int64_t i = 0; i < kOut; ++i) {
          const int64_t yy = kOut * t + i;
          if (yy >= g.h) continue;
          for (int64_t j = 0; j < kOut; ++j) {
            const int64_t xx = kOut * s + j;
            if (xx >= g.w) continue;
            for (int64_t c = 0; c < cb; ++c) acc[c] = 0.f;
            for (int64_t b = 0; b < kIn; ++b) {
              const float k = at[j * kIn + b];
              if (k == 0.f) continue;
              for (int64_t c = 0; c < cb; ++c) acc[c] += k * tmp[i][b][c];
            }
            float* dst = y + ((n * g.h + yy) * g.w + xx) * g.c + c0;
            for (int64_t c = 0; c < cb; ++c) dst[c] = acc[c];
          }
        }
      }
    }
  }
}

// dM = the transpose of output_forward applied to dy (zero past Ho x Wo), rows [r0, r1).
WINO_TARGETS
void output_transpose(const float* dy, const float* at, float* dm, const Geometry& g,
                      int64_t r0, int64_t r1) {
  float d[kOut][kOut][kCb];
  float tmp[kOut][kIn][kCb];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / g.t, t = r % g.t;
    for (int64_t s = 0; s < g.s; ++s) {
      float* out = dm + ((r * g.s + s) * kIn * kIn) * g.c;
      for (int64_t c0 = 0; c0 < g.c; c0 += kCb) {
        const int64_t cb = std::min(kCb, g.c - c0);
        for (int64_t i = 0; i < kOut; ++i)
          for (int64_t j = 0; j < kOut; ++j) {
            const int64_t yy = kOut * t + i, xx = kOut * s + j;
            if (yy < g.h && xx < g.w) {
              const float* src = dy + ((n * g.h + yy) * g.w + xx) * g.c + c0;
              for (int64_t c = 0; c < cb; ++c) d[i][j][c] = src[c];
            } else {
              for (int64_t c = 0; c < cb; ++c) d[i][j][c] = 0.f;
            }
          }
        // tmp[i][b] = sum_j d[i][j] At[j][b]
        for (int64_t i = 0; i < kOut; ++i)
          for (int64_t b = 0; b < kIn; ++b) {
            for (int64_t c = 0; c < cb; ++c) tmp[i][b][c] = 0.f;
            for (int64_t j = 0; j < kOut; ++j) {
              const float k = at[j * kIn + b];
              if (k == 0.f) continue;
              for (int64_t c = 0; c < cb; ++c) tmp[i][b][c] += k * d[i][j][c];
            }
          }
        // dM[a][b] = sum_i At[i][a] tmp[i][b]
        for (int64_t a = 0; a < kIn; ++a)
          for (int64_t b = 0; b < kIn; ++b) {
            float* dst = out + (a * kIn + b) * g.c + c0;
            for (int64_t c = 0; c < cb; ++c) dst[c] = 0.f;
            for (int64_t i = 0; i < kOut; ++i) {
              const float k = at[i * kIn + a];
              if (k == 0.f) continue;
              for (int64_t c = 0; c < cb; ++c) dst[c] += k * tmp[i][b][c];
            }
          }
      }
    }
  }
}

void check_input(const at::Tensor& t, int64_t dim, const char* what) {
  TORCH_CHECK(t.device().is_cpu() && t.scalar_type() == at::kFloat && t.dim() == dim,
              "winograd: ", what, " must be a ", dim, "-D float32 CPU tensor, got ",
              t.sizes(), " ", t.scalar_type(), " on ", t.device());
}

Geometry load(AutogradContext* ctx) {
  const auto& d = ctx->saved_data;
  return {d.at("n").toInt(), d.at("t").toInt(), d.at("s").toInt(),
          d.at("h").toInt(), d.at("w").toInt(), d.at("c").toInt()};
}

void save(AutogradContext* ctx, const Geometry& g, const at::Tensor& k) {
  ctx->saved_data["n"] = g.n;
  ctx->saved_data["t"] = g.t;
  ctx->saved_data["s"] = g.s;
  ctx->saved_data["h"] = g.h;
  ctx->saved_data["w"] = g.w;
  ctx->saved_data["c"] = g.c;
  ctx->saved_data["k"] = k;
}

// Runs `kernel` over `jobs` units of work in parallel, from `in` and the matrix `k` into a
// new float tensor of `shape` (zeroed first when the kernel adds into it).
using Kernel = void (*)(const float*, const float*, float*, const Geometry&, int64_t, int64_t);

at::Tensor run(Kernel kernel, const at::Tensor& in, const at::Tensor& k, const Geometry& g,
               at::IntArrayRef shape, bool zeroed, int64_t jobs) {
  at::Tensor ic = in.contiguous(), kc = k.contiguous();
  at::Tensor out = zeroed ? at::zeros(shape, ic.options()) : at::empty(shape, ic.options());
  const float *ip = ic.data_ptr<float>(), *kp = kc.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, jobs, 1, [&](int64_t j0, int64_t j1) { kernel(ip, kp, op, g, j0, j1); });
  return out;
}

at::Tensor run_input_forward(const at::Tensor& x, const at::Tensor& bt, const Geometry& g) {
  return run(input_forward, x, bt, g, {g.n * g.t * g.s, kIn * kIn, g.c}, false, g.n * g.t);
}

at::Tensor run_input_transpose(const at::Tensor& dv, const at::Tensor& bt, const Geometry& g) {
  const int64_t slices = (g.c + kCb - 1) / kCb;
  return run(input_transpose, dv, bt, g, {g.n, g.h, g.w, g.c}, true, g.n * slices);
}

at::Tensor run_output_forward(const at::Tensor& m, const at::Tensor& at_, const Geometry& g) {
  return run(output_forward, m, at_, g, {g.n, g.h, g.w, g.c}, false, g.n * g.t);
}

at::Tensor run_output_transpose(const at::Tensor& dy, const at::Tensor& at_, const Geometry& g) {
  return run(output_transpose, dy, at_, g, {g.n * g.t * g.s, kIn * kIn, g.c}, false, g.n * g.t);
}

// A linear map `Run` as an autograd function: its backward is the map `Back` (the
// transpose), whose own backward is `Run` again, so derivatives of any order exist.
using Map = at::Tensor (*)(const at::Tensor&, const at::Tensor&, const Geometry&);

template <Map Run, Map Back>
struct Linear : public torch::autograd::Function<Linear<Run, Back>> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& k,
                            Geometry g) {
    save(ctx, g, k);
    return Run(x, k, g);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    at::Tensor k = ctx->saved_data["k"].toTensor();
    return {Linear<Back, Run>::apply(grads[0], k, load(ctx)), at::Tensor(), at::Tensor()};
  }
};

// x [N, H, W, C] -> V [N*T*S, 36, C], and back.
using InputTransform = Linear<run_input_forward, run_input_transpose>;
// M [N*T*S, 36, O] -> y [N, Ho, Wo, O], and back.
using OutputTransform = Linear<run_output_forward, run_output_transpose>;

}  // namespace

extern "C" {

// *out = the input transform of *x [N, H, W, C] (channels-last, float32, CPU) in t x s
// blocks, with the input transform matrix *bt [6, 6]: [N*t*s, 36, C], differentiable.
char* colorize_winograd_input(const at::Tensor* x, const at::Tensor* bt, int64_t t, int64_t s,
                              at::Tensor** out) {
  return guarded([&] {
    check_input(*x, 4, "the input");
    check_input(*bt, 2, "Bt");
    TORCH_CHECK(bt->size(0) == kIn && bt->size(1) == kIn, "winograd: Bt must be 6x6");
    TORCH_CHECK(t >= 1 && s >= 1 && kOut * t + 2 >= x->size(1) && kOut * s + 2 >= x->size(2),
                "winograd: ", t, "x", s, " blocks do not cover a ", x->size(1), "x",
                x->size(2), " input");
    const Geometry g{x->size(0), t, s, x->size(1), x->size(2), x->size(3)};
    *out = new at::Tensor(InputTransform::apply(*x, *bt, g));
  });
}

// *out = the output transform of *m [N*t*s, 36, O] with *at [3, 6], cropped to ho x wo:
// [N, ho, wo, O] (channels-last), differentiable.
char* colorize_winograd_output(const at::Tensor* m, const at::Tensor* at_, int64_t n,
                               int64_t t, int64_t s, int64_t ho, int64_t wo, at::Tensor** out) {
  return guarded([&] {
    check_input(*m, 3, "the block products");
    check_input(*at_, 2, "At");
    TORCH_CHECK(at_->size(0) == kOut && at_->size(1) == kIn, "winograd: At must be 3x6");
    TORCH_CHECK(m->size(0) == n * t * s && m->size(1) == kIn * kIn,
                "winograd: block products ", m->sizes(), " for ", n, " x ", t, " x ", s,
                " blocks");
    TORCH_CHECK(ho >= 1 && wo >= 1 && ho <= kOut * t && wo <= kOut * s,
                "winograd: ", ho, "x", wo, " outputs from ", t, "x", s, " blocks");
    const Geometry g{n, t, s, ho, wo, m->size(2)};
    *out = new at::Tensor(OutputTransform::apply(*m, *at_, g));
  });
}

}  // extern "C"
