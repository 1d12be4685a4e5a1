// A direct convolution with float16 weights and float32 arithmetic, for the generator's
// inner levels at inference (see `src/native.rs`, `half_conv`, and `model::fast`).
//
// Why: at batch 1 the inner levels meet few pixels and many weights, so their time is the
// time to read the weights. The whole eval network's weights (about 35 MB for the shipped
// model) do not stay in this machine's L3 from one call to the next, so every call streams
// them from memory. A model exported with `--half` has float16 weights; widening them to
// float32 (what libtorch's kernels need) doubles the bytes read. This kernel reads them as
// float16 (`vcvtph2ps`, exact) and does the multiply-adds in float32, so the products are
// the plain network's own; only the summation order differs.
//
// What it computes: `out[p, co] = act(scale[co] * sum_t sum_ci w[t, ci, co] * x(p, t)[ci] +
// shift[co])` over groups of output positions `p` and taps `t`, `x(p, t)` being the input
// pixel that tap t of position p reads (or zero outside the image). Two layouts:
//  - mode 0, a convolution (kernel k, stride s, padding pad): one group, taps k x k;
//  - mode 1, the 4x4 stride-2 padding-1 transposed convolution as its four output phases
//    (`model::fast::phase_kernels`): group (a, b) writes output pixels (2m + a, 2n + b) from
//    input pixels (m + a - 1 + i, n + b - 1 + j), taps (i, j) of its 2x2 kernel. Only the
//    pixels the output keeps are computed (no (H+1)x(W+1) grid), and they are written
//    straight where they belong (into a concatenation buffer, say).
// A tap that meets no pixel for a whole block of positions (the padding around a 1x1 or 2x2
// input) is skipped, so its weights are not read at all.
//
// Layouts: `x` float [B, C_in, H, W] with channels contiguous (channels-last); `w` float16
// [G, CoB, T, C_in, 32] (output channels in blocks of 32, the last block zero-padded); `out`
// float [B, C_out, Ho, Wo] with channels contiguous (a channels-last tensor or a channel
// slice of one). Two builds of the inner loop: AVX-512F (16 lanes, 8 positions per block)
// and AVX2 (8 lanes, 6 positions per block, the 32 channels in two passes), both with F16C
// and FMA, chosen at run time (`colorize_half_conv_isa`); callers fall back to oneDNN on
// CPUs with neither.

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int kCo = 32;  // output channels per block
constexpr int kMaxPos512 = 8;  // output positions per block, AVX-512 (16 accumulators)
constexpr int kMaxPos2 = 6;  // output positions per block, AVX2 (12 accumulators)

// One block: output channels [co0, co0 + nco) of positions xs[0..np) (pointer tables, one
// input pointer per tap, null where the tap meets padding).
struct Block {
  const float* const* xs;  // [np][T]
  float* const* outs;      // [np], already offset to channel co0
  const uint16_t* w;       // [T][C_in][32]
  const float* scale;      // at co0
  const float* shift;      // at co0
  int nco;
};

// The input pixel each of the block's positions reads through tap t (`zeros` where it
// meets padding), into x; false when every position meets padding there, so the caller
// skips the tap and never reads its weights.
template <int NP>
inline bool tap_inputs(const Block& b, int t, int taps, const float* zeros, const float** x) {
  bool live = false;
  for (int p = 0; p < NP; ++p) {
    const float* ptr = b.xs[p * taps + t];
    live |= ptr != nullptr;
    x[p] = ptr ? ptr : zeros;
  }
  return live;
}

template <int NP>
__attribute__((target("avx512f,f16c,fma"))) void run_block512(const Block& b, int taps,
                                                              int cin, int act, float slope,
                                                              const float* zeros) {
  __m512 acc0[NP], acc1[NP];
  for (int p = 0; p < NP; ++p) {
    acc0[p] = _mm512_setzero_ps();
    acc1[p] = _mm512_setzero_ps();
  }
  for (int t = 0; t < taps; ++t) {
    const float* x[NP];
    if (!tap_inputs<NP>(b, t, taps, zeros, x)) continue;
    const uint16_t* wt = b.w + static_cast<size_t>(t) * cin * kCo;
    for (int c = 0; c < cin; ++c) {
      const __m512 w0 = _mm512_cvtph_ps(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wt + c * kCo)));
      const __m512 w1 = _mm512_cvtph_ps(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wt + c * kCo + 16)));
#pragma GCC unroll 8
      for (int p = 0; p < NP; ++p) {
        const __m512 v = _mm512_set1_ps(x[p][c]);
        acc0[p] = _mm512_fmadd_ps(w0, v, acc0[p]);
        acc1[p] = _mm512_fmadd_ps(w1, v, acc1[p]);
      }
    }
  }
  const __mmask16 m0 = b.nco >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << b.nco) - 1);
  const __mmask16 m1 =
      b.nco >= 32 ? 0xFFFF
                  : (b.nco <= 16 ? 0 : static_cast<__mmask16>((1u << (b.nco - 16)) - 1));
  const __m512 s0 = _mm512_maskz_loadu_ps(m0, b.scale);
  const __m512 s1 = _mm512_maskz_loadu_ps(m1, b.scale + 16);
  const __m512 h0 = _mm512_maskz_loadu_ps(m0, b.shift);
  const __m512 h1 = _mm512_maskz_loadu_ps(m1, b.shift + 16);
  const __m512 zero = _mm512_setzero_ps();
  const __m512 vslope = _mm512_set1_ps(slope);
  for (int p = 0; p < NP; ++p) {
    __m512 y0 = _mm512_fmadd_ps(acc0[p], s0, h0);
    __m512 y1 = _mm512_fmadd_ps(acc1[p], s1, h1);
    if (act == 1) {
      y0 = _mm512_max_ps(y0, zero);
      y1 = _mm512_max_ps(y1, zero);
    } else if (act == 2) {
      y0 = _mm512_mask_mul_ps(y0, _mm512_cmp_ps_mask(y0, zero, _CMP_LT_OQ), y0, vslope);
      y1 = _mm512_mask_mul_ps(y1, _mm512_cmp_ps_mask(y1, zero, _CMP_LT_OQ), y1, vslope);
    }
    _mm512_mask_storeu_ps(b.outs[p], m0, y0);
    _mm512_mask_storeu_ps(b.outs[p] + 16, m1, y1);
  }
}

// The AVX2 build: the block's 32 channels in two passes of 16 (two 8-lane vectors).
template <int NP>
__attribute__((target("avx2,f16c,fma"))) void run_block2(const Block& b, int taps, int cin,
                                                         int act, float slope,
                                                         const float* zeros) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 vslope = _mm256_set1_ps(slope);
  for (int part = 0; part * 16 < b.nco; ++part) {
    __m256 acc0[NP], acc1[NP];
    for (int p = 0; p < NP; ++p) {
      acc0[p] = _mm256_setzero_ps();
      acc1[p] = _mm256_setzero_ps();
    }
    for (int t = 0; t < taps; ++t) {
      const float* x[NP];
      if (!tap_inputs<NP>(b, t, taps, zeros, x)) continue;
      const uint16_t* wt = b.w + static_cast<size_t>(t) * cin * kCo + part * 16;
      for (int c = 0; c < cin; ++c) {
        const __m256 w0 =
            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wt + c * kCo)));
        const __m256 w1 = _mm256_cvtph_ps(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(wt + c * kCo + 8)));
#pragma GCC unroll 8
        for (int p = 0; p < NP; ++p) {
          const __m256 v = _mm256_broadcast_ss(x[p] + c);
          acc0[p] = _mm256_fmadd_ps(w0, v, acc0[p]);
          acc1[p] = _mm256_fmadd_ps(w1, v, acc1[p]);
        }
      }
    }
    const int n = b.nco - part * 16 < 16 ? b.nco - part * 16 : 16;
    float scale[16] = {0}, shift[16] = {0};
    std::memcpy(scale, b.scale + part * 16, n * sizeof(float));
    std::memcpy(shift, b.shift + part * 16, n * sizeof(float));
    const __m256 s0 = _mm256_loadu_ps(scale), s1 = _mm256_loadu_ps(scale + 8);
    const __m256 h0 = _mm256_loadu_ps(shift), h1 = _mm256_loadu_ps(shift + 8);
    for (int p = 0; p < NP; ++p) {
      __m256 y[2] = {_mm256_fmadd_ps(acc0[p], s0, h0), _mm256_fmadd_ps(acc1[p], s1, h1)};
      for (__m256& v : y) {
        if (act == 1) v = _mm256_max_ps(v, zero);
        if (act == 2)
          v = _mm256_blendv_ps(v, _mm256_mul_ps(v, vslope), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
      }
      float* o = b.outs[p] + part * 16;
      if (n == 16) {
        _mm256_storeu_ps(o, y[0]);
        _mm256_storeu_ps(o + 8, y[1]);
      } else {
        float tmp[16];
        _mm256_storeu_ps(tmp, y[0]);
        _mm256_storeu_ps(tmp + 8, y[1]);
        std::memcpy(o, tmp, n * sizeof(float));
      }
    }
  }
}

#define COLORIZE_BLOCKS(fn)                                                              \
  void fn##_n(int np, const Block& b, int taps, int cin, int act, float slope,           \
              const float* zeros) {                                                      \
    switch (np) {                                                                        \
      case 1: return fn<1>(b, taps, cin, act, slope, zeros);                             \
      case 2: return fn<2>(b, taps, cin, act, slope, zeros);                             \
      case 3: return fn<3>(b, taps, cin, act, slope, zeros);                             \
      case 4: return fn<4>(b, taps, cin, act, slope, zeros);                             \
      case 5: return fn<5>(b, taps, cin, act, slope, zeros);                             \
      case 6: return fn<6>(b, taps, cin, act, slope, zeros);                             \
      case 7: return fn<7>(b, taps, cin, act, slope, zeros);                             \
      default: return fn<8>(b, taps, cin, act, slope, zeros);                            \
    }                                                                                    \
  }
COLORIZE_BLOCKS(run_block512)
COLORIZE_BLOCKS(run_block2)
#undef COLORIZE_BLOCKS

// The best instruction set this CPU runs the kernel with: 2 AVX-512F, 1 AVX2, 0 neither
// (F16C and FMA needed by both).
int best_isa() {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("f16c") || !__builtin_cpu_supports("fma")) return 0;
  if (__builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2")) return 1;
  return 0;
}

void check(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("half_conv: ") + what);
}

}  // namespace

extern "C" {

int colorize_half_conv_isa() { return best_isa(); }

// See the file's notes. `mode` 0: convolution with `kernel`, `stride`, `padding`; mode 1:
// the four phases of a 4x4 stride-2 padding-1 transposed convolution (the other three are
// ignored). act: 0 none, 1 ReLU, 2 LeakyReLU(slope). isa: 0 the best this CPU has, 1 AVX2,
// 2 AVX-512F (an error where the CPU lacks it). Writes *out in place.
char* colorize_half_conv(const at::Tensor* x_, const at::Tensor* w_, const at::Tensor* scale_,
                         const at::Tensor* shift_, int64_t mode, int64_t kernel, int64_t stride,
                         int64_t padding, int act, double slope, int isa,
                         at::Tensor* out_) {
  try {
    const at::Tensor& x = *x_;
    const at::Tensor& w = *w_;
    at::Tensor& out = *out_;
    const int best = best_isa();
    check(best > 0, "this CPU lacks AVX2 or AVX-512F with F16C and FMA");
    check(isa >= 0 && isa <= best,
          isa == 2 ? "this CPU lacks AVX-512F" : "no such instruction set");
    if (isa == 0) isa = best;
    const int max_pos = isa == 2 ? kMaxPos512 : kMaxPos2;
    check(x.scalar_type() == at::kFloat && out.scalar_type() == at::kFloat,
          "x and out must be float32");
    check(w.scalar_type() == at::kHalf && w.is_contiguous() && w.dim() == 5,
          "w must be a contiguous float16 [G, CoB, T, C_in, 32]");
    check(x.dim() == 4 && out.dim() == 4, "x and out must be 4-d");
    check(x.stride(1) == 1 && out.stride(1) == 1, "x and out need contiguous channels");
    const int64_t batch = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
    const int64_t groups = w.size(0), cob = w.size(1), taps = w.size(2);
    const int64_t cout = out.size(1);
    check(w.size(3) == cin && w.size(4) == kCo, "w does not match x's channels");
    check(cob * kCo >= cout && (cob - 1) * kCo < cout, "w does not match out's channels");
    check(scale_->is_contiguous() && shift_->is_contiguous() && scale_->numel() == cout &&
              shift_->numel() == cout && scale_->scalar_type() == at::kFloat &&
              shift_->scalar_type() == at::kFloat,
          "scale and shift must be float32 [C_out]");
    int64_t oh = 0, ow = 0;
    if (mode == 0) {
      check(groups == 1 && taps == kernel * kernel, "w does not match the kernel");
      oh = (h + 2 * padding - kernel) / stride + 1;
      ow = (wd + 2 * padding - kernel) / stride + 1;
      check(out.size(0) == batch && out.size(2) == oh && out.size(3) == ow,
            "out has the wrong size");
    } else {
      check(groups == 4 && taps == 4, "w must hold four 2x2 phase kernels");
      oh = h;  // positions per phase
      ow = wd;
      check(out.size(0) == batch && out.size(2) == 2 * h && out.size(3) == 2 * wd,
            "out has the wrong size");
    }
    const float* xd = x.data_ptr<float>();
    float* od = out.data_ptr<float>();
    const int64_t positions = batch * oh * ow;
    // Pointer tables: per group, per position, the input pixel of each tap (or null) and
    // the output pixel.
    std::vector<const float*> xs(static_cast<size_t>(groups * positions * taps));
    std::vector<float*> outs(static_cast<size_t>(groups * positions));
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t pa = g / 2, pb = g % 2;  // mode 1: the phase (a, b)
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j) {
            const int64_t p = (n * oh + i) * ow + j;
            for (int64_t t = 0; t < taps; ++t) {
              int64_t r, c;
              if (mode == 0) {
                r = i * stride - padding + t / kernel;
                c = j * stride - padding + t % kernel;
              } else {
                r = i + pa - 1 + t / 2;
                c = j + pb - 1 + t % 2;
              }
              const bool inside = r >= 0 && r < h && c >= 0 && c < wd;
              xs[(g * positions + p) * taps + t] =
                  inside ? xd + n * x.stride(0) + r * x.stride(2) + c * x.stride(3) : nullptr;
            }
            const int64_t orow = mode == 0 ? i : 2 * i + pa;
            const int64_t ocol = mode == 0 ? j : 2 * j + pb;
            outs[g * positions + p] =
                od + n * out.stride(0) + orow * out.stride(2) + ocol * out.stride(3);
          }
    }
    // Blocks of up to max_pos positions, as even as possible.
    const int64_t pblocks = (positions + max_pos - 1) / max_pos;
    const int64_t per = (positions + pblocks - 1) / pblocks;
    const std::vector<float> zeros(static_cast<size_t>(cin), 0.0f);
    const float* scale = scale_->data_ptr<float>();
    const float* shift = shift_->data_ptr<float>();
    const uint16_t* wd16 = reinterpret_cast<const uint16_t*>(w.data_ptr<at::Half>());
    // Jobs ordered (group, channel block, position block): consecutive jobs share a
    // channel block's weights, which stay in cache between them.
    const int64_t jobs = groups * cob * pblocks;
    at::parallel_for(0, jobs, 1, [&](int64_t begin, int64_t end) {
      for (int64_t job = begin; job < end; ++job) {
        const int64_t pq = job % pblocks;
        const int64_t cb = (job / pblocks) % cob;
        const int64_t g = job / (pblocks * cob);
        const int64_t p0 = pq * per;
        const int np = static_cast<int>(std::min(per, positions - p0));
        if (np <= 0) continue;
        float* o[kMaxPos512];
        for (int p = 0; p < np; ++p) o[p] = outs[g * positions + p0 + p] + cb * kCo;
        Block b;
        b.xs = xs.data() + (g * positions + p0) * taps;
        b.outs = o;
        b.w = wd16 + ((g * cob + cb) * taps) * cin * kCo;
        b.scale = scale + cb * kCo;
        b.shift = shift + cb * kCo;
        b.nco = static_cast<int>(std::min<int64_t>(kCo, cout - cb * kCo));
        const auto run = isa == 2 ? run_block512_n : run_block2_n;
        run(np, b, static_cast<int>(taps), static_cast<int>(cin), act,
            static_cast<float>(slope), zeros.data());
      }
    });
    return nullptr;
  } catch (const std::exception& e) {
    return strdup(e.what());
  }
}

}  // extern "C"
