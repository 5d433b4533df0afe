// Convolution, pooling and batch-normalization kernels: the reference against double-precision
// definitions written out here, every ISA path against them, gradients against the forward pass
// (adjoint identities), and 1 vs 3 threads bitwise. Tolerance of a sum of k float products done in any
// order with FMA: (sum |terms| + |bias|) * (k + 4) * eps, doubled for the ISA paths, plus the epilogue's
// own roundings (scale/shift: the same bound times |scale| plus |shift| * eps; an activation applied by
// the Unary kernel: 1.25 times that plus 2e-6 relative). Outputs start as NaN, so an element a kernel
// forgets to write fails.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kernels/ref/ref.h"
#include "native_test.h"

using namespace dendrite;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

uint64_t Next(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return *state >> 33;
}
float Uniform(uint64_t* state) { return static_cast<float>(Next(state) % 2000001) / 1000000.0f - 1.0f; }
std::vector<float> Random(int64_t n, uint64_t seed) {
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = Uniform(&seed);
  return values;
}

int64_t Extent(int64_t kernel, int64_t dilation) { return (kernel - 1) * dilation + 1; }

// A geometry from the input size, kernel, stride, dilation and padding (the output size follows).
ConvGeometry Geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c, int64_t out_c, int64_t kernel_h,
                      int64_t kernel_w, int64_t stride_h, int64_t stride_w, int64_t dilation_h, int64_t dilation_w,
                      int64_t pad_top, int64_t pad_bottom, int64_t pad_left, int64_t pad_right, int64_t groups) {
  ConvGeometry g;
  g.batch = batch, g.in_h = in_h, g.in_w = in_w, g.in_c = in_c, g.out_c = out_c;
  g.kernel_h = kernel_h, g.kernel_w = kernel_w, g.stride_h = stride_h, g.stride_w = stride_w;
  g.dilation_h = dilation_h, g.dilation_w = dilation_w;
  g.pad_top = pad_top, g.pad_bottom = pad_bottom, g.pad_left = pad_left, g.pad_right = pad_right, g.groups = groups;
  g.out_h = (in_h + pad_top + pad_bottom - Extent(kernel_h, dilation_h)) / stride_h + 1;
  g.out_w = (in_w + pad_left + pad_right - Extent(kernel_w, dilation_w)) / stride_w + 1;
  return g;
}

std::string Describe(const ConvGeometry& g) {
  char text[256];
  std::snprintf(text, sizeof text, "n%lld %lldx%lldx%lld -> %lldx%lldx%lld k%lldx%lld s%lld,%lld d%lld,%lld p%lld,%lld,%lld,%lld g%lld",
                (long long)g.batch, (long long)g.in_h, (long long)g.in_w, (long long)g.in_c, (long long)g.out_h,
                (long long)g.out_w, (long long)g.out_c, (long long)g.kernel_h, (long long)g.kernel_w,
                (long long)g.stride_h, (long long)g.stride_w, (long long)g.dilation_h, (long long)g.dilation_w,
                (long long)g.pad_top, (long long)g.pad_bottom, (long long)g.pad_left, (long long)g.pad_right,
                (long long)g.groups);
  return text;
}

std::vector<ConvGeometry> ConvCases() {
  std::vector<ConvGeometry> cases = {
      Geometry(2, 7, 6, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),       // 'same' 3x3
      Geometry(1, 8, 8, 1, 6, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1),       // LeNet's first layer, valid
      Geometry(2, 9, 7, 4, 8, 3, 3, 2, 2, 1, 1, 0, 1, 1, 1, 1),       // 'same' with stride 2 (odd padding after)
      Geometry(1, 11, 10, 3, 4, 3, 2, 3, 2, 1, 1, 1, 1, 0, 1, 1),     // strides 3 x 2, rectangular kernel
      Geometry(2, 9, 9, 5, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1),       // dilation 2
      Geometry(1, 10, 9, 4, 6, 3, 3, 2, 3, 2, 1, 1, 2, 0, 2, 1),      // stride and dilation together
      Geometry(3, 5, 5, 2, 3, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1),       // kernel equal to the input
      Geometry(2, 6, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2),       // two groups
      Geometry(2, 7, 7, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8),       // depthwise
      Geometry(1, 6, 6, 4, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4),      // depthwise, multiplier 3, stride 2
      Geometry(2, 9, 9, 16, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1),     // 1x1
      Geometry(1, 9, 9, 8, 5, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1),       // 1x1, stride 2
      Geometry(1, 6, 5, 70, 37, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),     // k = 630: past one k block
      Geometry(2, 15, 13, 3, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),    // many row panels, columns past 32
      Geometry(1, 1, 12, 5, 7, 1, 3, 1, 2, 1, 1, 0, 0, 2, 0, 1),      // 1-D, causal padding, stride 2
      Geometry(1, 4, 4, 3, 2, 2, 2, 3, 3, 1, 1, 0, 0, 0, 0, 1),       // stride larger than the kernel: skipped pixels
      Geometry(0, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),       // empty batch
      // More channels than the direct loops take (AVX-512: 64): the packed tiles, with patches, phases,
      // groups and 1x1 products.
      Geometry(1, 7, 6, 5, 70, 3, 3, 2, 1, 1, 2, 1, 1, 2, 2, 1),
      Geometry(2, 7, 7, 72, 66, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1),
      Geometry(1, 5, 4, 136, 132, 3, 2, 1, 1, 1, 1, 1, 1, 0, 1, 2),
      Geometry(2, 4, 3, 80, 70, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1),
  };
  return cases;
}

struct Tensors {
  ConvGeometry g;
  std::vector<float> x, filter, dy, bias, scale, shift;
  int64_t x_size, y_size, filter_size, group_in, group_out;
  explicit Tensors(const ConvGeometry& geometry, uint64_t seed) : g(geometry) {
    group_in = g.in_c / g.groups, group_out = g.out_c / g.groups;
    x_size = g.batch * g.in_h * g.in_w * g.in_c;
    y_size = g.batch * g.out_h * g.out_w * g.out_c;
    filter_size = g.kernel_h * g.kernel_w * group_in * g.out_c;
    x = Random(x_size, seed);
    filter = Random(filter_size, seed + 1);
    dy = Random(y_size, seed + 2);
    bias = Random(std::max(g.in_c, g.out_c), seed + 3);
    scale = Random(std::max(g.in_c, g.out_c), seed + 4);
    shift = Random(std::max(g.in_c, g.out_c), seed + 5);
  }
  float X(int64_t n, int64_t h, int64_t w, int64_t c) const {
    const bool inside = h >= 0 && h < g.in_h && w >= 0 && w < g.in_w;
    return inside ? x[((n * g.in_h + h) * g.in_w + w) * g.in_c + c] : 0.0f;
  }
  float F(int64_t kh, int64_t kw, int64_t c, int64_t o) const {
    return filter[((kh * g.kernel_w + kw) * group_in + c) * g.out_c + o];
  }
};

// The exact forward sums (before the epilogue) and their magnitudes.
void ExactForward(const Tensors& t, std::vector<double>* sum, std::vector<double>* magnitude) {
  const ConvGeometry& g = t.g;
  sum->assign(t.y_size, 0.0);
  magnitude->assign(t.y_size, 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t o = 0; o < g.out_c; ++o) {
          const int64_t group = o / t.group_out;
          double s = 0, m = 0;
          for (int64_t kh = 0; kh < g.kernel_h; ++kh)
            for (int64_t kw = 0; kw < g.kernel_w; ++kw)
              for (int64_t c = 0; c < t.group_in; ++c) {
                const double term = static_cast<double>(t.X(n, oh * g.stride_h - g.pad_top + kh * g.dilation_h,
                                                            ow * g.stride_w - g.pad_left + kw * g.dilation_w,
                                                            group * t.group_in + c)) * t.F(kh, kw, c, o);
                s += term;
                m += std::fabs(term);
              }
          const int64_t at = ((n * g.out_h + oh) * g.out_w + ow) * g.out_c + o;
          (*sum)[at] = s;
          (*magnitude)[at] = m;
        }
}

// The exact input gradient: scatters each dy through the forward's taps (an independent route).
void ExactBackwardData(const Tensors& t, std::vector<double>* sum, std::vector<double>* magnitude) {
  const ConvGeometry& g = t.g;
  sum->assign(t.x_size, 0.0);
  magnitude->assign(t.x_size, 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t o = 0; o < g.out_c; ++o) {
          const int64_t group = o / t.group_out;
          const double d = t.dy[((n * g.out_h + oh) * g.out_w + ow) * g.out_c + o];
          for (int64_t kh = 0; kh < g.kernel_h; ++kh)
            for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              for (int64_t c = 0; c < t.group_in; ++c) {
                const int64_t at = ((n * g.in_h + ih) * g.in_w + iw) * g.in_c + group * t.group_in + c;
                const double term = d * t.F(kh, kw, c, o);
                (*sum)[at] += term;
                (*magnitude)[at] += std::fabs(term);
              }
            }
        }
}

void ExactBackwardFilter(const Tensors& t, std::vector<double>* sum, std::vector<double>* magnitude) {
  const ConvGeometry& g = t.g;
  sum->assign(t.filter_size, 0.0);
  magnitude->assign(t.filter_size, 0.0);
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t o = 0; o < g.out_c; ++o) {
          const int64_t group = o / t.group_out;
          const double d = t.dy[((n * g.out_h + oh) * g.out_w + ow) * g.out_c + o];
          for (int64_t kh = 0; kh < g.kernel_h; ++kh)
            for (int64_t kw = 0; kw < g.kernel_w; ++kw)
              for (int64_t c = 0; c < t.group_in; ++c) {
                const double term = d * t.X(n, oh * g.stride_h - g.pad_top + kh * g.dilation_h,
                                            ow * g.stride_w - g.pad_left + kw * g.dilation_w, group * t.group_in + c);
                const int64_t at = ((kh * g.kernel_w + kw) * t.group_in + c) * g.out_c + o;
                (*sum)[at] += term;
                (*magnitude)[at] += std::fabs(term);
              }
        }
}

struct EpilogueCase {
  bool bias, affine;
  UnaryOp activation;
  float param;
};
const EpilogueCase kEpilogues[] = {{false, false, UnaryOp::kIdentity, 0.0f},
                                   {true, false, UnaryOp::kRelu, 0.0f},
                                   {true, true, UnaryOp::kIdentity, 0.0f},
                                   {false, true, UnaryOp::kLeakyRelu, 0.3f},
                                   {true, true, UnaryOp::kSigmoid, 0.0f}};

double Activate(UnaryOp op, double param, double v) {
  switch (op) {
    case UnaryOp::kRelu: return v < 0 ? 0 : v;
    case UnaryOp::kLeakyRelu: return v < 0 ? v * param : v;
    case UnaryOp::kSigmoid: return 1 / (1 + std::exp(-v));
    default: return v;
  }
}

// Applies the epilogue to exact sums over `channels`; widens each bound by the epilogue's roundings.
void ApplyEpilogue(const EpilogueCase& e, const Tensors& t, int64_t channels, std::vector<double>* value,
                   std::vector<double>* bound) {
  const double eps = FLT_EPSILON;
  for (size_t i = 0; i < value->size(); ++i) {
    const int64_t c = static_cast<int64_t>(i) % channels;
    double v = (*value)[i], b = (*bound)[i];
    if (e.bias) {
      v += t.bias[c];
      b += std::fabs(t.bias[c]) * 2 * eps;
    }
    if (e.affine) {
      v = v * t.scale[c] + t.shift[c];
      b = b * std::fabs(t.scale[c]) + (std::fabs(v) + std::fabs(t.shift[c])) * 2 * eps;
    }
    const double activated = Activate(e.activation, e.param, v);
    if (e.activation == UnaryOp::kSigmoid) b = b * 1.25 + 2e-6 * (1 + std::fabs(activated));
    (*value)[i] = activated;
    (*bound)[i] = b + 1e-30;
  }
}

ConvEpilogue MakeEpilogue(const EpilogueCase& e, const Tensors& t) {
  ConvEpilogue epilogue;
  epilogue.bias = e.bias ? t.bias.data() : nullptr;
  epilogue.scale = e.affine ? t.scale.data() : nullptr;
  epilogue.shift = e.affine ? t.shift.data() : nullptr;
  epilogue.activation = e.activation;
  epilogue.activation_param = e.param;
  return epilogue;
}

int Compare(const std::vector<float>& got, const std::vector<double>& exact, const std::vector<double>& bound,
            double scale, const std::string& label) {
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::fabs(got[i] - exact[i]) <= scale * bound[i]) continue;
    if (++mismatches <= 3) {
      std::fprintf(stderr, "    %s at %zu: got %.9g, expected %.9g (bound %.3g)\n", label.c_str(), i, got[i], exact[i],
                   scale * bound[i]);
    }
  }
  return mismatches;
}

bool Bitwise(const std::vector<float>& a, const std::vector<float>& b) {
  // std::equal, not memcmp: empty vectors have null data(), which memcmp may not take.
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](float x, float y) {
           return std::memcmp(&x, &y, sizeof(float)) == 0;
         });
}

// Sums of k products: the bound (sum |terms|) * (k + 4) * eps.
std::vector<double> SumBound(const std::vector<double>& magnitude, int64_t k) {
  std::vector<double> bound(magnitude.size());
  for (size_t i = 0; i < bound.size(); ++i) bound[i] = magnitude[i] * (k + 4) * FLT_EPSILON;
  return bound;
}

}  // namespace

namespace {

// Runs a kernel with an epilogue (conv2d or conv2d_backward_data) over every case, epilogue and ISA,
// against the exact sums, on 1 and 3 threads.
using ExactFunction = void (*)(const Tensors&, std::vector<double>*, std::vector<double>*);
using EpilogueKernel = Status (*)(const KernelTable&, const Tensors&, const ConvEpilogue&, float* out, ThreadPool*);
void CheckEpilogueKernel(const char* name, uint64_t seed, ExactFunction exact_of, bool backward, EpilogueKernel run) {
  ThreadPool one(1), three(3);
  for (const ConvGeometry& g : ConvCases()) {
    DN_EXPECT(ref::ConvGeometryIsValid(g));
    Tensors t(g, seed += 10);
    std::vector<double> sum, magnitude;
    exact_of(t, &sum, &magnitude);
    const int64_t k = g.kernel_h * g.kernel_w * (backward ? t.group_out : t.group_in);
    const int64_t channels = backward ? g.in_c : g.out_c, size = backward ? t.x_size : t.y_size;
    int index = 0;
    for (const EpilogueCase& e : kEpilogues) {
      std::vector<double> exact = sum, bound = SumBound(magnitude, k);
      ApplyEpilogue(e, t, channels, &exact, &bound);
      const ConvEpilogue epilogue = MakeEpilogue(e, t);
      test::ForEachIsa([&](const KernelTable& table) {
        const double scale = table.isa == Isa::kScalar ? 1.0 : 2.0;
        std::vector<float> out(size, kNaN), out3(size, kNaN);
        DN_EXPECT(run(table, t, epilogue, out.data(), &one) == Status::kOk);
        DN_EXPECT(run(table, t, epilogue, out3.data(), &three) == Status::kOk);
        const std::string label = std::string(name) + " " + IsaName(table.isa) + " " + Describe(g) + " epilogue " + std::to_string(index);
        DN_EXPECT(Compare(out, exact, bound, scale, label) == 0);
        DN_EXPECT(Bitwise(out, out3));
      });
      ++index;
    }
  }
}

}  // namespace

DN_TEST(ConvForwardMatchesDefinitionOnEveryIsa) {
  CheckEpilogueKernel("conv2d", 100, ExactForward, false,
                      [](const KernelTable& table, const Tensors& t, const ConvEpilogue& e, float* y, ThreadPool* pool) {
                        return table.conv2d(t.g, t.x.data(), t.filter.data(), e, y, pool);
                      });
}

DN_TEST(ConvBackwardDataMatchesDefinitionOnEveryIsa) {
  CheckEpilogueKernel("conv2d_backward_data", 200, ExactBackwardData, true,
                      [](const KernelTable& table, const Tensors& t, const ConvEpilogue& e, float* dx, ThreadPool* pool) {
                        return table.conv2d_backward_data(t.g, t.dy.data(), t.filter.data(), e, dx, pool);
                      });
}

DN_TEST(ConvBackwardFilterMatchesDefinitionOnEveryIsa) {
  ThreadPool one(1), three(3);
  uint64_t seed = 300;
  for (const ConvGeometry& g : ConvCases()) {
    Tensors t(g, seed += 10);
    std::vector<double> sum, magnitude;
    ExactBackwardFilter(t, &sum, &magnitude);
    const int64_t k = g.batch * g.out_h * g.out_w;
    const std::vector<double> bound = SumBound(magnitude, k);
    const std::vector<float> previous = Random(t.filter_size, seed + 7);
    test::ForEachIsa([&](const KernelTable& table) {
      const double scale = table.isa == Isa::kScalar ? 1.0 : 2.0;
      const std::string label = std::string("conv2d_backward_filter ") + IsaName(table.isa) + " " + Describe(g);
      std::vector<float> df(t.filter_size, kNaN), df3(t.filter_size, kNaN);
      DN_EXPECT(table.conv2d_backward_filter(g, t.x.data(), t.dy.data(), df.data(), false, &one) == Status::kOk);
      DN_EXPECT(table.conv2d_backward_filter(g, t.x.data(), t.dy.data(), df3.data(), false, &three) == Status::kOk);
      DN_EXPECT(Compare(df, sum, bound, scale, label) == 0);
      DN_EXPECT(Bitwise(df, df3));
      // accumulate adds to what is there.
      std::vector<float> added = previous;
      std::vector<double> expected(sum), wider(bound);
      for (size_t i = 0; i < expected.size(); ++i) {
        expected[i] += previous[i];
        wider[i] += std::fabs(previous[i]) * 2 * FLT_EPSILON;
      }
      DN_EXPECT(table.conv2d_backward_filter(g, t.x.data(), t.dy.data(), added.data(), true, &three) == Status::kOk);
      DN_EXPECT(Compare(added, expected, wider, scale, label + " accumulate") == 0);
    });
  }
}

DN_TEST(ConvRejectsInconsistentGeometry) {
  ThreadPool pool(1);
  ConvGeometry g = Geometry(1, 5, 5, 2, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1);
  std::vector<float> x(50), f(36), y(18);
  test::ForEachIsa([&](const KernelTable& table) {
    ConvGeometry wrong = g;
    wrong.out_h = 4;  // the padded input gives 3
    DN_EXPECT(table.conv2d(wrong, x.data(), f.data(), ConvEpilogue(), y.data(), &pool) == Status::kInvalidArgument);
    wrong = g;
    wrong.groups = 3;  // 2 channels are not a multiple of 3 groups
    DN_EXPECT(table.conv2d_backward_data(wrong, y.data(), f.data(), ConvEpilogue(), x.data(), &pool) ==
              Status::kInvalidArgument);
    wrong = g;
    wrong.stride_w = 0;
    DN_EXPECT(table.conv2d_backward_filter(wrong, x.data(), y.data(), f.data(), false, &pool) == Status::kInvalidArgument);
    ConvEpilogue half;
    half.scale = f.data();  // scale without shift
    DN_EXPECT(table.conv2d(g, x.data(), f.data(), half, y.data(), &pool) == Status::kInvalidArgument);
  });
}

namespace {

PoolGeometry Pooling(int64_t batch, int64_t in_h, int64_t in_w, int64_t channels, int64_t window_h, int64_t window_w,
                     int64_t stride_h, int64_t stride_w, int64_t pad_top, int64_t pad_bottom, int64_t pad_left,
                     int64_t pad_right) {
  PoolGeometry g;
  g.batch = batch, g.in_h = in_h, g.in_w = in_w, g.channels = channels, g.window_h = window_h, g.window_w = window_w;
  g.stride_h = stride_h, g.stride_w = stride_w, g.pad_top = pad_top, g.pad_bottom = pad_bottom, g.pad_left = pad_left;
  g.pad_right = pad_right;
  g.out_h = (in_h + pad_top + pad_bottom - window_h) / stride_h + 1;
  g.out_w = (in_w + pad_left + pad_right - window_w) / stride_w + 1;
  return g;
}

std::vector<PoolGeometry> PoolCases() {
  return {Pooling(2, 8, 8, 3, 2, 2, 2, 2, 0, 0, 0, 0),     Pooling(1, 7, 9, 5, 3, 3, 2, 2, 1, 1, 1, 1),
          Pooling(2, 5, 5, 17, 3, 3, 1, 1, 1, 1, 1, 1),    Pooling(1, 1, 11, 4, 1, 3, 1, 2, 0, 0, 1, 1),
          Pooling(3, 6, 6, 33, 6, 6, 1, 1, 0, 0, 0, 0),    Pooling(1, 9, 8, 2, 2, 3, 3, 2, 0, 1, 0, 1),
          Pooling(0, 4, 4, 2, 2, 2, 2, 2, 0, 0, 0, 0)};
}

}  // namespace

DN_TEST(PoolingMatchesDefinitionOnEveryIsa) {
  ThreadPool one(1), three(3);
  uint64_t seed = 400;
  for (const PoolGeometry& g : PoolCases()) {
    DN_EXPECT(ref::PoolGeometryIsValid(PoolKind::kMax, g));
    const int64_t in_size = g.batch * g.in_h * g.in_w * g.channels, out_size = g.batch * g.out_h * g.out_w * g.channels;
    std::vector<float> x = Random(in_size, seed += 10), dy = Random(out_size, seed + 1);
    // Ties and a NaN: the first maximum (the first NaN) wins.
    if (in_size > 8) {
      x[3] = x[3 + g.channels];
      x[5] = kNaN;
    }
    std::vector<double> max(out_size), average(out_size), dmax(in_size, 0.0), davg(in_size, 0.0);
    std::vector<int32_t> at(out_size);
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow)
          for (int64_t c = 0; c < g.channels; ++c) {
            const int64_t out = ((n * g.out_h + oh) * g.out_w + ow) * g.channels + c;
            double best = -INFINITY, sum = 0;
            int64_t best_at = -1, count = 0;
            for (int64_t h = oh * g.stride_h - g.pad_top; h < oh * g.stride_h - g.pad_top + g.window_h; ++h)
              for (int64_t w = ow * g.stride_w - g.pad_left; w < ow * g.stride_w - g.pad_left + g.window_w; ++w) {
                if (h < 0 || h >= g.in_h || w < 0 || w >= g.in_w) continue;
                const double v = x[((n * g.in_h + h) * g.in_w + w) * g.channels + c];
                if (best_at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) best = v, best_at = h * g.in_w + w;
                sum += v;
                ++count;
              }
            max[out] = best;
            at[out] = static_cast<int32_t>(best_at);
            average[out] = sum / count;
            dmax[(n * g.in_h * g.in_w + best_at) * g.channels + c] += dy[out];
            for (int64_t h = oh * g.stride_h - g.pad_top; h < oh * g.stride_h - g.pad_top + g.window_h; ++h)
              for (int64_t w = ow * g.stride_w - g.pad_left; w < ow * g.stride_w - g.pad_left + g.window_w; ++w) {
                if (h < 0 || h >= g.in_h || w < 0 || w >= g.in_w) continue;
                davg[((n * g.in_h + h) * g.in_w + w) * g.channels + c] += dy[out] / count;
              }
          }
    const double tolerance = 16 * FLT_EPSILON;
    test::ForEachIsa([&](const KernelTable& table) {
      std::vector<float> y(out_size, kNaN), y3(out_size, kNaN), a(out_size, kNaN);
      std::vector<int32_t> argmax(out_size, -1), argmax3(out_size, -1);
      DN_EXPECT(table.pool2d(PoolKind::kMax, g, x.data(), y.data(), argmax.data(), &one) == Status::kOk);
      DN_EXPECT(table.pool2d(PoolKind::kMax, g, x.data(), y3.data(), argmax3.data(), &three) == Status::kOk);
      DN_EXPECT(table.pool2d(PoolKind::kAverage, g, x.data(), a.data(), nullptr, &three) == Status::kOk);
      int bad = 0;
      for (int64_t i = 0; i < out_size; ++i) {
        const bool max_ok = std::isnan(max[i]) ? std::isnan(y[i]) : y[i] == static_cast<float>(max[i]);
        const bool avg_ok = std::isnan(average[i]) ? std::isnan(a[i]) : std::fabs(a[i] - average[i]) <= tolerance * 8;
        if (!max_ok || argmax[i] != at[i] || !avg_ok) ++bad;
      }
      DN_EXPECT(bad == 0);
      DN_EXPECT(Bitwise(y, y3) && argmax == argmax3);
      std::vector<float> dx(in_size, kNaN), dx3(in_size, kNaN), da(in_size, kNaN);
      DN_EXPECT(table.pool2d_backward(PoolKind::kMax, g, dy.data(), argmax.data(), dx.data(), &one) == Status::kOk);
      DN_EXPECT(table.pool2d_backward(PoolKind::kMax, g, dy.data(), argmax.data(), dx3.data(), &three) == Status::kOk);
      DN_EXPECT(table.pool2d_backward(PoolKind::kAverage, g, dy.data(), nullptr, da.data(), &three) == Status::kOk);
      bad = 0;
      for (int64_t i = 0; i < in_size; ++i) {
        if (std::fabs(dx[i] - dmax[i]) > tolerance * 4 || std::fabs(da[i] - davg[i]) > tolerance * 4) ++bad;
      }
      DN_EXPECT(bad == 0);
      DN_EXPECT(Bitwise(dx, dx3));
    });
  }
}

DN_TEST(BatchNormMatchesDefinitionOnEveryIsa) {
  ThreadPool one(1), three(3);
  const int64_t shapes[][2] = {{1, 3}, {7, 5}, {300, 17}, {1000, 40}, {513, 1}, {0, 4}};
  uint64_t seed = 500;
  for (const auto& shape : shapes) {
    const int64_t rows = shape[0], channels = shape[1];
    std::vector<float> x = Random(rows * channels, seed += 10), dy = Random(rows * channels, seed + 1);
    std::vector<float> gamma = Random(channels, seed + 2), shift = Random(channels, seed + 3);
    for (float& v : x) v = 100.0f + 3.0f * v;  // a large mean: the statistics must not cancel
    std::vector<double> mean(channels, 0.0), variance(channels, 0.0);
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t r = 0; r < rows; ++r) mean[c] += x[r * channels + c];
      mean[c] /= rows;
      for (int64_t r = 0; r < rows; ++r) variance[c] += (x[r * channels + c] - mean[c]) * (x[r * channels + c] - mean[c]);
      variance[c] /= rows;
    }
    test::ForEachIsa([&](const KernelTable& table) {
      std::vector<float> m(channels), v(channels), m3(channels), v3(channels);
      DN_EXPECT(table.batch_norm_statistics(x.data(), rows, channels, m.data(), v.data(), &one) == Status::kOk);
      DN_EXPECT(table.batch_norm_statistics(x.data(), rows, channels, m3.data(), v3.data(), &three) == Status::kOk);
      DN_EXPECT(Bitwise(m, m3) && Bitwise(v, v3));
      int bad = 0;
      for (int64_t c = 0; c < channels; ++c) {
        if (rows == 0) {
          if (!std::isnan(m[c]) || !std::isnan(v[c])) ++bad;
          continue;
        }
        if (std::fabs(m[c] - mean[c]) > 2e-7 * std::fabs(mean[c]) || std::fabs(v[c] - variance[c]) > 1e-5 * variance[c] + 1e-9) ++bad;
      }
      DN_EXPECT(bad == 0);
      if (rows == 0) return;
      // Gradients through the batch statistics, against the exact formula in double.
      std::vector<float> inv_std(channels);
      for (int64_t c = 0; c < channels; ++c) inv_std[c] = 1.0f / std::sqrt(v[c] + 1e-3f);
      std::vector<float> dx(rows * channels, kNaN), dx3(rows * channels, kNaN), sdy(channels), sdx(channels), sdy3(channels),
          sdx3(channels);
      DN_EXPECT(table.batch_norm_backward(x.data(), dy.data(), rows, channels, m.data(), inv_std.data(), gamma.data(),
                                          dx.data(), sdy.data(), sdx.data(), &one) == Status::kOk);
      DN_EXPECT(table.batch_norm_backward(x.data(), dy.data(), rows, channels, m.data(), inv_std.data(), gamma.data(),
                                          dx3.data(), sdy3.data(), sdx3.data(), &three) == Status::kOk);
      DN_EXPECT(Bitwise(dx, dx3) && Bitwise(sdy, sdy3) && Bitwise(sdx, sdx3));
      bad = 0;
      for (int64_t c = 0; c < channels; ++c) {
        double sum_dy = 0, sum_dy_xhat = 0, magnitude = 0;
        for (int64_t r = 0; r < rows; ++r) {
          const double xhat = (x[r * channels + c] - static_cast<double>(m[c])) * inv_std[c];
          sum_dy += dy[r * channels + c];
          sum_dy_xhat += dy[r * channels + c] * xhat;
          magnitude += std::fabs(dy[r * channels + c]) * (1 + std::fabs(xhat));
        }
        if (std::fabs(sdy[c] - sum_dy) > 1e-6 * magnitude || std::fabs(sdx[c] - sum_dy_xhat) > 1e-5 * magnitude) ++bad;
        for (int64_t r = 0; r < rows; ++r) {
          const double xhat = (x[r * channels + c] - static_cast<double>(m[c])) * inv_std[c];
          const double exact = gamma[c] * inv_std[c] * (dy[r * channels + c] - sum_dy / rows - xhat * sum_dy_xhat / rows);
          const double scale = std::fabs(gamma[c] * inv_std[c]) * (1 + std::fabs(xhat)) * (1 + magnitude / rows);
          if (std::fabs(dx[r * channels + c] - exact) > 1e-5 * scale) ++bad;
        }
      }
      DN_EXPECT(bad == 0);
      std::vector<float> y(rows * channels);
      DN_EXPECT(table.channel_affine(x.data(), rows, channels, gamma.data(), shift.data(), y.data(), &three) == Status::kOk);
      bad = 0;
      for (int64_t i = 0; i < rows * channels; ++i) {
        const int64_t c = i % channels;
        const double exact = static_cast<double>(x[i]) * gamma[c] + shift[c];
        if (std::fabs(y[i] - exact) > 2 * FLT_EPSILON * (std::fabs(x[i] * gamma[c]) + std::fabs(shift[c]))) ++bad;
      }
      DN_EXPECT(bad == 0);
    });
  }
}
