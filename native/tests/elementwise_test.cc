// Elementwise kernels (unary, unary_grad, binary, affine) on every ISA this CPU has:
//  - accuracy against long double over the whole float range (a strided sweep of all bit patterns,
//    specials, denormals, dense samples where the functions bend), with the bound stated below;
//  - every ISA against the reference kernel on sizes 0..1000 at odd offsets, with guard values around
//    the views (no read or write outside [0, n)), and in place;
//  - broadcasting layouts for binary (fast paths and the general strided case), pow's special cases.
// DENDRITE_ACCURACY_REPORT=1 prints the largest error measured per op and ISA.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/ref/ref.h"
#include "native_test.h"

using namespace dendrite;

namespace {

// The bound: relative error <= 1e-6 wherever |exact| >= kTiny; below kTiny (results near or in float's
// denormal range, where float itself has no relative precision) an absolute error <= kTinyAbsolute.
// Results beyond FLT_MAX count as 2^128 (inf), so overflow to inf is correct and a finite result there is not.
constexpr long double kRelativeBound = 1e-6L;
constexpr long double kTiny = 1e-30L;
constexpr long double kTinyAbsolute = 1e-36L;

constexpr float kInf = __builtin_inff();
const float kNan = std::nanf("");

bool Report() {
  const char* value = std::getenv("DENDRITE_ACCURACY_REPORT");
  return value != nullptr && *value == '1';
}

const char* kUnaryNames[] = {"linear", "relu",  "leakyRelu", "elu",      "sigmoid",     "tanh",
                             "gelu",   "geluTanh", "softplus", "silu",    "exp",         "log",
                             "sqrt",   "neg",   "abs",       "square",   "selu",        "softsign",
                             "hardSigmoid", "hardSwish", "relu6", "mish"};
static_assert(sizeof kUnaryNames / sizeof kUnaryNames[0] == kUnaryOpCount, "one name per unary op");
const char* kBinaryNames[] = {"add", "sub", "mul", "div", "maximum", "minimum", "pow"};

bool IsExactOp(UnaryOp op) {
  return op == UnaryOp::kIdentity || op == UnaryOp::kRelu || op == UnaryOp::kLeakyRelu || op == UnaryOp::kNeg ||
         op == UnaryOp::kAbs || op == UnaryOp::kRelu6;
}

float FromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}
uint32_t Bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}
// Same value, or both NaN; +0 and -0 differ (the exact ops must match bit for bit).
bool SameFloat(float a, float b) { return (a != a && b != b) || Bits(a) == Bits(b); }

// ---- long double oracles -------------------------------------------------------------------------

long double SigmoidL(long double x) {
  if (x >= 0) return 1.0L / (1.0L + expl(-x));
  long double e = expl(x);
  return e / (1.0L + e);
}
constexpr long double kGeluTanhScaleL = 1.595769121605730711759784239737528L;  // 2 sqrt(2/pi)
long double GeluTanhArgumentL(long double x) { return kGeluTanhScaleL * (x + 0.044715L * x * x * x); }
long double GaussCdfL(long double x) { return 0.5L * erfcl(-x / sqrtl(2.0L)); }
constexpr long double kSeluScaleL = 1.0507009873554804934193349852946L;
constexpr long double kSeluAlphaL = 1.6732632423543772848170429916717L;
long double Relu6L(long double x) { return x < 0 ? 0.0L : x > 6 ? 6.0L : x; }
long double MishFactorL(long double x) { return tanhl(log1pl(expl(x))); }  // tanh(softplus(x)), directly
long double GaussDensityL(long double x) { return expl(-0.5L * x * x) / sqrtl(2.0L * 3.14159265358979323846264338327950288L); }

long double OracleForward(UnaryOp op, float alpha, float x) {
  long double v = x;
  switch (op) {
    case UnaryOp::kIdentity: return v;
    case UnaryOp::kRelu: return x < 0 ? 0.0L : v;
    case UnaryOp::kLeakyRelu: return x < 0 ? static_cast<long double>(alpha * x) : v;  // float product: exact op
    case UnaryOp::kElu: return x > 0 ? v : alpha * expm1l(v);
    case UnaryOp::kSigmoid: return SigmoidL(v);
    case UnaryOp::kTanh: return tanhl(v);
    case UnaryOp::kGeluErf: return std::isinf(x) && x < 0 ? 0.0L : v * GaussCdfL(v);
    case UnaryOp::kGeluTanh: return std::isinf(x) && x < 0 ? 0.0L : v * SigmoidL(GeluTanhArgumentL(v));
    case UnaryOp::kSoftplus: return v > 0 ? v + log1pl(expl(-v)) : log1pl(expl(v));
    case UnaryOp::kSilu: return std::isinf(x) && x < 0 ? 0.0L : v * SigmoidL(v);
    case UnaryOp::kExp: return expl(v);
    case UnaryOp::kLog: return logl(v);
    case UnaryOp::kSqrt: return sqrtl(v);
    case UnaryOp::kNeg: return -v;
    case UnaryOp::kAbs: return fabsl(v);
    case UnaryOp::kSquare: return v * v;
    case UnaryOp::kSelu: return x > 0 ? kSeluScaleL * v : kSeluScaleL * kSeluAlphaL * expm1l(v);
    case UnaryOp::kSoftsign: return std::isinf(x) ? copysignl(1.0L, v) : v / (1.0L + fabsl(v));
    case UnaryOp::kHardSigmoid: return Relu6L(v + 3.0L) / 6.0L;
    case UnaryOp::kHardSwish: return std::isinf(x) && x < 0 ? 0.0L : v * Relu6L(v + 3.0L) / 6.0L;
    case UnaryOp::kRelu6: return x < 0 ? 0.0L : x > 6 ? 6.0L : v;
    case UnaryOp::kMish: return std::isinf(x) && x < 0 ? 0.0L : v * MishFactorL(v);
  }
  return NAN;
}

struct GradOracle {
  long double value;  // dx
  long double scale;  // |dy| times the sum of the magnitudes of the derivative's terms (the condition)
};
// dx = dy * f', with f' evaluated from what the kernel reads (x, or y for sigmoid/tanh/exp/sqrt and for
// relu-like ops given only y).
GradOracle OracleBackward(UnaryOp op, float alpha, const float* x, const float* y, float dy) {
  long double d = dy, slope = NAN, terms = -1;
  switch (op) {
    case UnaryOp::kIdentity: slope = 1; break;
    case UnaryOp::kNeg: slope = -1; break;
    case UnaryOp::kRelu:
    case UnaryOp::kLeakyRelu: {
      float v = x != nullptr ? *x : *y;
      slope = v > 0 ? 1.0L : v <= 0 ? (op == UnaryOp::kRelu ? 0.0L : alpha) : NAN;
      break;
    }
    case UnaryOp::kElu:
      if (x != nullptr) slope = *x > 0 ? 1.0L : alpha * expl(*x);
      else slope = *y > 0 ? 1.0L : static_cast<long double>(*y) + alpha;
      break;
    case UnaryOp::kSigmoid: slope = static_cast<long double>(*y) * (1.0L - *y); break;
    case UnaryOp::kTanh: slope = (1.0L - *y) * (1.0L + *y); break;
    case UnaryOp::kExp: slope = *y; break;
    case UnaryOp::kSqrt: slope = 0.5L / *y; break;
    case UnaryOp::kLog: slope = 1.0L / *x; break;
    case UnaryOp::kAbs: slope = *x > 0 ? 1.0L : *x < 0 ? -1.0L : *x == 0 ? 0.0L : NAN; break;
    case UnaryOp::kSquare: slope = 2.0L * *x; break;
    case UnaryOp::kSoftplus: slope = SigmoidL(*x); break;
    case UnaryOp::kSelu:
      if (x != nullptr) {
        slope = *x > 0 ? kSeluScaleL : kSeluScaleL * kSeluAlphaL * expl(*x);
      } else {
        // y + scale alpha: measured against the magnitudes of both terms (the slope cancels as x -> -inf).
        slope = *y > 0 ? kSeluScaleL : *y + kSeluScaleL * kSeluAlphaL;
        if (!(*y > 0)) terms = fabsl(static_cast<long double>(*y)) + kSeluScaleL * kSeluAlphaL;
      }
      break;
    case UnaryOp::kSoftsign: slope = 1.0L / ((1.0L + fabsl(static_cast<long double>(*x))) * (1.0L + fabsl(static_cast<long double>(*x)))); break;
    case UnaryOp::kHardSigmoid: slope = *y > 0 && *y < 1 ? 1.0L / 6.0L : std::isnan(*y) ? NAN : 0.0L; break;
    case UnaryOp::kHardSwish:
      slope = *x > -3 && *x < 3 ? (2.0L * *x + 3.0L) / 6.0L : *x >= 3 ? 1.0L : std::isnan(*x) ? NAN : 0.0L;
      break;
    case UnaryOp::kRelu6: {
      float v = x != nullptr ? *x : *y;
      slope = v > 0 && v < 6 ? 1.0L : std::isnan(v) ? NAN : 0.0L;
      break;
    }
    case UnaryOp::kMish: {
      long double v = *x;
      if (std::isinf(*x)) {
        slope = v > 0 ? 1 : 0;
        break;
      }
      // t + x t', t = tanh(softplus(x)), t' = (1 - t^2) sigmoid(x).
      long double t = MishFactorL(v);
      long double second = v * (1.0L - t * t) * SigmoidL(v);
      slope = t + second;
      terms = fabsl(t) + fabsl(second);
      break;
    }
    case UnaryOp::kSilu:
    case UnaryOp::kGeluErf:
    case UnaryOp::kGeluTanh: {
      long double v = *x;
      if (std::isinf(*x)) {
        slope = v > 0 ? 1 : 0;
        break;
      }
      long double first, second;
      if (op == UnaryOp::kSilu) {
        first = SigmoidL(v);
        second = v * first * SigmoidL(-v);
      } else if (op == UnaryOp::kGeluErf) {
        first = GaussCdfL(v);
        second = v * GaussDensityL(v);
      } else {
        long double argument = GeluTanhArgumentL(v);
        first = SigmoidL(argument);
        second = v * first * SigmoidL(-argument) * kGeluTanhScaleL * (1.0L + 3.0L * 0.044715L * v * v);
      }
      slope = first + second;
      terms = fabsl(first) + fabsl(second);
      break;
    }
  }
  long double value = d * slope;
  return GradOracle{value, terms >= 0 ? fabsl(d) * terms : fabsl(value)};
}

// ---- error measurement ---------------------------------------------------------------------------

struct ErrorStats {
  long double max_relative = 0;  // over results with scale >= kTiny
  long double max_ulp = 0;
  long double max_tiny_absolute = 0;
  int64_t failures = 0;
  std::string first_failure;
};

long double UlpOf(long double value) {
  float magnitude = static_cast<float>(fabsl(value));
  if (!(magnitude < FLT_MAX)) return ldexpl(1.0L, 104);
  if (magnitude < FLT_MIN) return ldexpl(1.0L, -149);
  int exponent;
  std::frexp(magnitude, &exponent);
  return ldexpl(1.0L, exponent - 24);
}

// Checks one result; `scale` is the magnitude errors are measured against (|exact| unless the op is a sum).
// `describe` names the input, called only for the first failure.
template <typename Describe>
void Measure(float got, long double exact, long double scale, ErrorStats* stats, Describe describe) {
  bool ok;
  if (std::isnan(exact) || std::isnan(got)) {
    ok = std::isnan(exact) && std::isnan(got);
  } else {
    const long double limit = ldexpl(1.0L, 128);
    long double value = std::isinf(got) ? std::copysign(limit, static_cast<long double>(got)) : got;
    long double target = fabsl(exact) > limit ? std::copysign(limit, exact) : exact;
    long double measure = scale > limit ? limit : scale;
    long double error = fabsl(value - target);
    if (measure < kTiny) {
      ok = error <= kTinyAbsolute;
      if (error > stats->max_tiny_absolute) stats->max_tiny_absolute = error;
    } else {
      long double relative = error / measure;
      ok = relative <= kRelativeBound;
      if (relative > stats->max_relative) stats->max_relative = relative;
      long double ulps = error / UlpOf(measure);
      if (ulps > stats->max_ulp) stats->max_ulp = ulps;
    }
  }
  if (!ok) {
    if (stats->failures == 0) {
      char text[256];
      std::snprintf(text, sizeof text, "%s: got %.9g, exact %.12Lg", describe().c_str(), got, exact);
      stats->first_failure = text;
    }
    ++stats->failures;
  }
}

void Check(const ErrorStats& stats, const std::string& what) {
  if (Report()) {
    std::printf("  %-36s max rel %.2Le (%.2Lf ulp), tiny abs %.1Le\n", what.c_str(), stats.max_relative,
                stats.max_ulp, stats.max_tiny_absolute);
  }
  if (stats.failures > 0) {
    test::Fail(__FILE__, __LINE__,
               what + ": " + std::to_string(stats.failures) + " results out of bounds; first " + stats.first_failure);
  }
}

// Inputs across the whole float range: specials, every 32749th bit pattern (both signs, all exponents,
// denormals), and dense samples in [-20, 20] and near 0 where the functions bend.
std::vector<float> SweepInputs() {
  std::vector<float> values = {0.0f, -0.0f, kInf, -kInf, kNan, -kNan, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                               FLT_TRUE_MIN, -FLT_TRUE_MIN, 1.0f, -1.0f, 0.5f, -0.5f, 2.0f, -2.0f,
                               88.72283f, 88.72284f, -87.33654f, -103.97208f, -103.972084f, -104.0f, 0.625f,
                               -0.625f, 0.75f, -0.75f, 9.01f, -9.01f, 12.0f, -12.0f, 14.5f, -14.5f};
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 32749) values.push_back(FromBits(static_cast<uint32_t>(bits)));
  std::mt19937 random(12345);
  std::uniform_real_distribution<float> wide(-20.0f, 20.0f), exponent(-40.0f, 3.0f);
  for (int i = 0; i < 50000; ++i) values.push_back(wide(random));
  for (int i = 0; i < 20000; ++i) {
    float magnitude = std::exp2(exponent(random));
    values.push_back(i % 2 == 0 ? magnitude : -magnitude);
  }
  return values;
}

const std::vector<float>& Inputs() {
  static const std::vector<float> inputs = SweepInputs();  // test binary only
  return inputs;
}

constexpr float kAlpha = 0.3f;  // leakyRelu's slope and elu's alpha in the sweeps

}  // namespace

DN_TEST(ElementwiseUnaryAccuracyOnEveryIsa) {
  const std::vector<float>& x = Inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> y(n);
  for (int code = 0; code < kUnaryOpCount; ++code) {
    auto op = static_cast<UnaryOp>(code);
    std::vector<long double> exact(n);
    for (int64_t i = 0; i < n; ++i) exact[i] = OracleForward(op, kAlpha, x[i]);
    test::ForEachIsa([&](const KernelTable& table) {
      DN_EXPECT(table.unary(op, kAlpha, x.data(), y.data(), n) == Status::kOk);
      ErrorStats stats;
      for (int64_t i = 0; i < n; ++i) {
        auto where = [&] { return "x = " + std::to_string(x[i]); };
        if (IsExactOp(op)) {
          if (!SameFloat(y[i], static_cast<float>(exact[i]))) Measure(y[i], kNan, 1, &stats, where);  // a failure
        } else {
          Measure(y[i], exact[i], fabsl(exact[i]), &stats, where);
        }
      }
      Check(stats, std::string(IsaName(table.isa)) + " " + kUnaryNames[code]);
    });
  }
}

DN_TEST(ElementwiseUnaryGradAccuracyOnEveryIsa) {
  const std::vector<float>& x = Inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  std::mt19937 random(7);
  std::uniform_real_distribution<float> gradient(-2.0f, 2.0f);
  std::vector<float> dy(n), dx(n), y(n);
  for (int64_t i = 0; i < n; ++i) dy[i] = gradient(random);
  const KernelTable reference = MakeKernelTable(Isa::kScalar);
  for (int code = 0; code < kUnaryOpCount; ++code) {
    auto op = static_cast<UnaryOp>(code);
    // y as the forward pass gives it (the reference's, rounded once from double).
    DN_EXPECT(reference.unary(op, kAlpha, x.data(), y.data(), n) == Status::kOk);
    ref::UnaryGradInput needs = ref::UnaryGradInputOf(op);
    // Ops that can use either are checked both ways.
    for (int from_y = 0; from_y < (needs == ref::UnaryGradInput::kXOrY ? 2 : 1); ++from_y) {
      bool use_x = needs == ref::UnaryGradInput::kX || (needs == ref::UnaryGradInput::kXOrY && from_y == 0);
      bool use_y = needs == ref::UnaryGradInput::kY || (needs == ref::UnaryGradInput::kXOrY && from_y == 1);
      const float* xp = use_x ? x.data() : nullptr;
      const float* yp = use_y ? y.data() : nullptr;
      std::vector<GradOracle> exact(n);
      for (int64_t i = 0; i < n; ++i) {
        exact[i] = OracleBackward(op, kAlpha, xp ? xp + i : nullptr, yp ? yp + i : nullptr, dy[i]);
      }
      test::ForEachIsa([&](const KernelTable& table) {
        DN_EXPECT(table.unary_grad(op, kAlpha, xp, yp, dy.data(), dx.data(), n) == Status::kOk);
        ErrorStats stats;
        for (int64_t i = 0; i < n; ++i) {
          auto where = [&] { return "x = " + std::to_string(x[i]) + ", y = " + std::to_string(y[i]); };
          if (IsExactOp(op)) {
            if (!SameFloat(dx[i], static_cast<float>(exact[i].value))) Measure(dx[i], kNan, 1, &stats, where);
          } else {
            Measure(dx[i], exact[i].value, exact[i].scale, &stats, where);
          }
        }
        Check(stats, std::string(IsaName(table.isa)) + " d" + kUnaryNames[code] + (use_y ? " (from y)" : ""));
      });
    }
  }
}

DN_TEST(ElementwiseGradRejectsMissingInputs) {
  float x[1] = {1.0f}, y[1] = {1.0f}, dy[1] = {1.0f}, dx[1];
  test::ForEachIsa([&](const KernelTable& table) {
    DN_EXPECT(table.unary_grad(UnaryOp::kSigmoid, 0, x, nullptr, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kGeluErf, 0, nullptr, y, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kRelu, 0, nullptr, nullptr, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kLeakyRelu, -0.5f, nullptr, y, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kLeakyRelu, -0.5f, x, nullptr, dy, dx, 1) == Status::kOk);
    DN_EXPECT(table.unary_grad(UnaryOp::kNeg, 0, nullptr, nullptr, dy, dx, 1) == Status::kOk && dx[0] == -1.0f);
    // selu and relu6 take no alpha: y alone is enough whatever param says.
    DN_EXPECT(table.unary_grad(UnaryOp::kSelu, -0.5f, nullptr, y, dy, dx, 1) == Status::kOk);
    DN_EXPECT(table.unary_grad(UnaryOp::kRelu6, -0.5f, nullptr, y, dy, dx, 1) == Status::kOk && dx[0] == 1.0f);
    DN_EXPECT(table.unary_grad(UnaryOp::kHardSigmoid, 0, x, nullptr, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kMish, 0, nullptr, y, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kHardSwish, 0, nullptr, y, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(UnaryOp::kSoftsign, 0, nullptr, y, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary_grad(static_cast<UnaryOp>(99), 0, x, y, dy, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary(static_cast<UnaryOp>(-1), 0, x, dx, 1) == Status::kInvalidArgument);
    DN_EXPECT(table.unary(UnaryOp::kExp, 0, x, dx, -1) == Status::kInvalidArgument);
    DN_EXPECT(table.affine(x, 1, 1, dx, -1) == Status::kInvalidArgument);
  });
}

namespace {

constexpr int64_t kGuard = 32;
constexpr float kGuardValue = -12345.5f;

// A buffer of `n` values at element offset `offset`, between guard values.
struct Guarded {
  std::vector<float> storage;
  int64_t offset, n;
  Guarded(int64_t size, int64_t view_offset) : storage(size + view_offset + 2 * kGuard, kGuardValue), offset(view_offset), n(size) {}
  float* data() { return storage.data() + kGuard + offset; }
  bool GuardsIntact() const {
    for (int64_t i = 0; i < kGuard + offset; ++i) {
      if (!SameFloat(storage[i], kGuardValue)) return false;
    }
    for (size_t i = kGuard + offset + n; i < storage.size(); ++i) {
      if (!SameFloat(storage[i], kGuardValue)) return false;
    }
    return true;
  }
};

// Random values mixing ordinary magnitudes with specials, so tails and lanes see everything.
void FillMixed(float* data, int64_t n, std::mt19937* random) {
  std::uniform_real_distribution<float> uniform(-6.0f, 6.0f);
  const float specials[] = {0.0f, -0.0f, kInf, -kInf, kNan, 100.0f, -100.0f, 1e-40f, 30.0f, -30.0f};
  for (int64_t i = 0; i < n; ++i) data[i] = (*random)() % 11 == 0 ? specials[(*random)() % 10] : uniform(*random);
}

// Within 1e-6 of max(|expected|, scale) (scale: |dy| for gradients, whose terms may cancel), or 1e-36.
bool Close(float got, float expected, bool exact, float scale = 0.0f) {
  if (exact) return SameFloat(got, expected);
  if (std::isnan(got) || std::isnan(expected)) return std::isnan(got) && std::isnan(expected);
  if (std::isinf(got) || std::isinf(expected)) return got == expected;
  double error = std::fabs(static_cast<double>(got) - expected);
  double magnitude = std::fmax(std::fabs(expected), std::fabs(scale));
  return error <= 1e-6 * magnitude || error <= 1e-36;
}

const int64_t kSizes[] = {0, 1, 7, 15, 16, 17, 31, 32, 33, 1000};
const int64_t kOffsets[] = {0, 1, 3};

}  // namespace

DN_TEST(ElementwiseUnaryMatchesReferenceOnSizesAndViews) {
  const KernelTable reference = MakeKernelTable(Isa::kScalar);
  std::mt19937 random(99);
  for (int code = 0; code < kUnaryOpCount; ++code) {
    auto op = static_cast<UnaryOp>(code);
    for (int64_t n : kSizes) {
      for (int64_t offset : kOffsets) {
        Guarded x(n, offset), dy(n, offset + 1);
        FillMixed(x.data(), n, &random);
        FillMixed(dy.data(), n, &random);
        std::vector<float> expected(n), y_forward(n), expected_dx(n);
        reference.unary(op, kAlpha, x.data(), expected.data(), n);
        reference.unary(op, kAlpha, x.data(), y_forward.data(), n);
        Guarded y_in(n, offset + 2);
        if (n > 0) std::memcpy(y_in.data(), y_forward.data(), n * sizeof(float));
        reference.unary_grad(op, kAlpha, x.data(), y_in.data(), dy.data(), expected_dx.data(), n);
        test::ForEachIsa([&](const KernelTable& table) {
          Guarded y(n, offset + 2), dx(n, offset);
          DN_EXPECT(table.unary(op, kAlpha, x.data(), y.data(), n) == Status::kOk);
          DN_EXPECT(table.unary_grad(op, kAlpha, x.data(), y_in.data(), dy.data(), dx.data(), n) == Status::kOk);
          bool values_ok = true;
          for (int64_t i = 0; i < n; ++i) {
            values_ok = values_ok && Close(y.data()[i], expected[i], IsExactOp(op));
            values_ok = values_ok && Close(dx.data()[i], expected_dx[i], IsExactOp(op), dy.data()[i]);
          }
          // In place: y over x, dx over dy.
          Guarded inplace(n, offset);
          if (n > 0) std::memcpy(inplace.data(), x.data(), n * sizeof(float));
          DN_EXPECT(table.unary(op, kAlpha, inplace.data(), inplace.data(), n) == Status::kOk);
          for (int64_t i = 0; i < n; ++i) values_ok = values_ok && SameFloat(inplace.data()[i], y.data()[i]);
          if (!values_ok) {
            test::Fail(__FILE__, __LINE__, std::string(IsaName(table.isa)) + " " + kUnaryNames[code] +
                                               " differs from the reference at n = " + std::to_string(n));
          }
          DN_EXPECT(x.GuardsIntact() && dy.GuardsIntact() && y.GuardsIntact() && dx.GuardsIntact() &&
                    inplace.GuardsIntact() && y_in.GuardsIntact());
        });
      }
    }
  }
}

namespace {

// The reference's semantics for one element, for the binary tests.
float ExpectedBinary(const KernelTable& reference, BinaryOp op, float a, float b) {
  BinaryArgs args;
  args.op = op;
  args.rank = 0;
  args.a = &a;
  args.b = &b;
  float out = kNan;
  args.out = &out;
  reference.binary(args);
  return out;
}

struct Layout {
  std::vector<int64_t> shape, a_strides, b_strides;
};

}  // namespace

DN_TEST(ElementwiseBinaryBroadcastLayoutsMatchReference) {
  const KernelTable reference = MakeKernelTable(Isa::kScalar);
  // Same shape; scalar broadcast; row and column broadcast; outer product; transposed (strided) input;
  // a broadcast in the middle; rank 0; an empty dim; odd inner sizes around the vector widths.
  std::vector<Layout> layouts = {
      {{1000}, {1}, {1}},
      {{33}, {1}, {0}},
      {{17}, {0}, {1}},
      {{5, 31}, {31, 1}, {0, 1}},
      {{7, 17}, {1, 0}, {17, 1}},
      {{9, 15}, {1, 0}, {0, 1}},
      {{6, 5}, {1, 6}, {5, 1}},
      {{3, 4, 33}, {132, 33, 1}, {33, 0, 1}},
      {{2, 3, 4, 5}, {60, 20, 5, 1}, {0, 5, 0, 1}},
      {{}, {}, {}},
      {{4, 0, 3}, {3, 3, 1}, {0, 0, 1}},
      {{1, 16, 1}, {16, 1, 1}, {0, 1, 0}},
      {{3, 300}, {1, 3}, {300, 1}},
      {{2, 2, 2, 2, 2, 2, 2, 3}, {192, 96, 48, 24, 12, 6, 3, 1}, {0, 48, 0, 12, 0, 3, 0, 1}},
  };
  std::mt19937 random(5);
  for (const Layout& layout : layouts) {
    BinaryArgs args;
    args.rank = static_cast<int32_t>(layout.shape.size());
    int64_t count = 1, a_length = 1, b_length = 1;
    for (int d = 0; d < args.rank; ++d) {
      args.shape[d] = layout.shape[d];
      args.a_strides[d] = layout.a_strides[d];
      args.b_strides[d] = layout.b_strides[d];
      count *= layout.shape[d];
      if (layout.shape[d] > 0) {
        a_length += (layout.shape[d] - 1) * layout.a_strides[d];
        b_length += (layout.shape[d] - 1) * layout.b_strides[d];
      }
    }
    for (int64_t offset : kOffsets) {
      Guarded a(a_length, offset), b(b_length, offset + 1);
      FillMixed(a.data(), a_length, &random);
      FillMixed(b.data(), b_length, &random);
      // pow on non-negative bases mostly, with a few integer exponents, so it is not NaN everywhere.
      std::vector<float> pow_a(a_length), pow_b(b_length);
      for (int64_t i = 0; i < a_length; ++i) pow_a[i] = i % 5 == 0 ? a.data()[i] : std::fabs(a.data()[i]);
      for (int64_t i = 0; i < b_length; ++i) pow_b[i] = i % 3 == 0 ? std::round(b.data()[i]) : b.data()[i];
      for (int code = 0; code < kBinaryOpCount; ++code) {
        auto op = static_cast<BinaryOp>(code);
        const float* a_values = op == BinaryOp::kPow ? pow_a.data() : a.data();
        const float* b_values = op == BinaryOp::kPow ? pow_b.data() : b.data();
        args.op = op;
        args.a = a_values;
        args.b = b_values;
        std::vector<float> expected(count);
        args.out = expected.data();
        DN_EXPECT(reference.binary(args) == Status::kOk);
        // The reference itself against a direct index computation.
        bool reference_ok = true;
        for (int64_t i = 0; i < count; ++i) {
          int64_t rest = i, a_offset = 0, b_offset = 0;
          for (int d = args.rank - 1; d >= 0; --d) {
            a_offset += (rest % args.shape[d]) * args.a_strides[d];
            b_offset += (rest % args.shape[d]) * args.b_strides[d];
            rest /= args.shape[d];
          }
          reference_ok = reference_ok &&
                         SameFloat(expected[i], ExpectedBinary(reference, op, a_values[a_offset], b_values[b_offset]));
        }
        DN_EXPECT(reference_ok);
        test::ForEachIsa([&](const KernelTable& table) {
          Guarded out(count, offset + 2);
          args.out = out.data();
          DN_EXPECT(table.binary(args) == Status::kOk);
          bool ok = true;
          for (int64_t i = 0; i < count; ++i) ok = ok && Close(out.data()[i], expected[i], op != BinaryOp::kPow);
          if (!ok) {
            test::Fail(__FILE__, __LINE__, std::string(IsaName(table.isa)) + " " + kBinaryNames[code] +
                                               " differs from the reference for a rank-" + std::to_string(args.rank) +
                                               " layout");
          }
          DN_EXPECT(out.GuardsIntact() && a.GuardsIntact() && b.GuardsIntact());
        });
      }
    }
  }
}

DN_TEST(ElementwiseMaximumMinimumPropagateNan) {
  float a[] = {1.0f, kNan, 2.0f, kNan, 0.0f, -0.0f};
  float b[] = {kNan, 1.0f, 3.0f, kNan, -0.0f, 0.0f};
  test::ForEachIsa([&](const KernelTable& table) {
    for (BinaryOp op : {BinaryOp::kMaximum, BinaryOp::kMinimum}) {
      float out[6];
      BinaryArgs args;
      args.op = op;
      args.rank = 1;
      args.shape[0] = 6;
      args.a_strides[0] = args.b_strides[0] = 1;
      args.a = a;
      args.b = b;
      args.out = out;
      DN_EXPECT(table.binary(args) == Status::kOk);
      DN_EXPECT(std::isnan(out[0]) && std::isnan(out[1]) && std::isnan(out[3]));
      DN_EXPECT(out[2] == (op == BinaryOp::kMaximum ? 3.0f : 2.0f));
      // Equal values (+0, -0) give the first operand, as NumPy does.
      DN_EXPECT(SameFloat(out[4], 0.0f) && SameFloat(out[5], -0.0f));
    }
  });
}

DN_TEST(ElementwisePowAccuracyAndSpecialCases) {
  std::vector<float> bases = {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 3.0f, -3.0f, 0.5f, -0.5f, 10.0f, kInf, -kInf,
                              kNan, FLT_MIN, FLT_TRUE_MIN, FLT_MAX, 1.0000001f, 0.99999994f, 16.0f, 1e-20f, 7.5f};
  std::vector<float> exponents = {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 3.0f, -3.0f, 0.5f, -0.5f, 1.5f, 127.0f,
                                  -149.0f, kInf, -kInf, kNan, 1e10f, -1e10f, 16777216.0f, 16777217.0f, 0.3f, 40.5f};
  std::mt19937 random(3);
  std::uniform_real_distribution<float> base(0.0f, 20.0f), exponent(-30.0f, 30.0f);
  for (int i = 0; i < 300; ++i) bases.push_back(base(random));
  for (int i = 0; i < 300; ++i) exponents.push_back(exponent(random));
  const int64_t na = static_cast<int64_t>(bases.size()), nb = static_cast<int64_t>(exponents.size());
  BinaryArgs args;
  args.op = BinaryOp::kPow;
  args.rank = 2;
  args.shape[0] = na;
  args.shape[1] = nb;
  args.a_strides[0] = 1;  // outer product: a down, b across
  args.b_strides[1] = 1;
  args.a = bases.data();
  args.b = exponents.data();
  std::vector<float> out(na * nb);
  args.out = out.data();
  test::ForEachIsa([&](const KernelTable& table) {
    DN_EXPECT(table.binary(args) == Status::kOk);
    ErrorStats stats;
    int64_t special_mismatches = 0;
    for (int64_t i = 0; i < na; ++i) {
      for (int64_t j = 0; j < nb; ++j) {
        float got = out[i * nb + j];
        double libm = std::pow(static_cast<double>(bases[i]), static_cast<double>(exponents[j]));
        long double exact = powl(bases[i], exponents[j]);
        // Zeros, infinities, NaN and signs exactly as C's pow (IEEE 754 pow rules).
        if (std::isnan(libm) != std::isnan(got) || (!std::isnan(libm) && std::signbit(libm) != std::signbit(got)) ||
            ((libm == 0 || std::isinf(libm)) && static_cast<float>(libm) != got)) {
          ++special_mismatches;
          if (special_mismatches <= 3) {
            std::fprintf(stderr, "    pow(%g, %g) = %g, expected %g\n", bases[i], exponents[j], got, libm);
          }
        }
        Measure(got, exact, fabsl(exact), &stats,
                [&] { return "pow(" + std::to_string(bases[i]) + ", " + std::to_string(exponents[j]) + ")"; });
      }
    }
    DN_EXPECT(special_mismatches == 0);
    Check(stats, std::string(IsaName(table.isa)) + " pow");
    // Exact integer powers and square roots.
    float a2[] = {3.0f, 16.0f, 5.0f, 0.25f}, b2[] = {2.0f, 0.5f, 3.0f, 0.5f}, exact2[] = {9.0f, 4.0f, 125.0f, 0.5f};
    float r2[4];
    BinaryArgs small;
    small.op = BinaryOp::kPow;
    small.rank = 1;
    small.shape[0] = 4;
    small.a_strides[0] = small.b_strides[0] = 1;
    small.a = a2;
    small.b = b2;
    small.out = r2;
    DN_EXPECT(table.binary(small) == Status::kOk);
    for (int i = 0; i < 4; ++i) DN_EXPECT(r2[i] == exact2[i]);
  });
}

DN_TEST(ElementwisePowScalarExponentsAreExact) {
  // x^2, x^0.5, x^1, x^-1, x^0 take exact single-operation paths: correctly rounded, C's rules at the edges.
  std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 3.0f, 0.1f, -0.1f, 1e20f, 1e-20f, -1e20f, kInf,
                          -kInf, kNan, FLT_MIN, FLT_TRUE_MIN, FLT_MAX, -FLT_MAX, 16.0f, 0.25f, 7.0f, 1e-45f};
  std::mt19937 random(17);
  std::uniform_real_distribution<float> uniform(-50.0f, 50.0f);
  for (int i = 0; i < 200; ++i) x.push_back(uniform(random));
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> out(n);
  for (float exponent : {2.0f, 0.5f, 1.0f, -1.0f, 0.0f, -0.0f}) {
    BinaryArgs args;
    args.op = BinaryOp::kPow;
    args.rank = 1;
    args.shape[0] = n;
    args.a_strides[0] = 1;
    args.b_strides[0] = 0;
    args.a = x.data();
    args.b = &exponent;
    args.out = out.data();
    test::ForEachIsa([&](const KernelTable& table) {
      DN_EXPECT(table.binary(args) == Status::kOk);
      bool ok = true;
      for (int64_t i = 0; i < n; ++i) {
        float expected = static_cast<float>(std::pow(static_cast<double>(x[i]), static_cast<double>(exponent)));
        if (!SameFloat(out[i], expected)) {
          ok = false;
          std::fprintf(stderr, "    %s pow(%g, %g) = %g, expected %g\n", IsaName(table.isa), x[i], exponent, out[i], expected);
        }
      }
      DN_EXPECT(ok);
    });
  }
}

DN_TEST(ElementwiseBinaryAccuracyAgainstLongDouble) {
  const std::vector<float>& x = Inputs();
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> b(n), out(n);
  for (int64_t i = 0; i < n; ++i) b[i] = x[(i * 7919) % n];
  BinaryArgs args;
  args.rank = 1;
  args.shape[0] = n;
  args.a_strides[0] = args.b_strides[0] = 1;
  args.a = x.data();
  args.b = b.data();
  args.out = out.data();
  for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv}) {
    args.op = op;
    test::ForEachIsa([&](const KernelTable& table) {
      DN_EXPECT(table.binary(args) == Status::kOk);
      bool ok = true;
      for (int64_t i = 0; i < n; ++i) {
        long double a = x[i], c = b[i];
        long double exact = op == BinaryOp::kAdd ? a + c : op == BinaryOp::kSub ? a - c : op == BinaryOp::kMul ? a * c : a / c;
        ok = ok && SameFloat(out[i], static_cast<float>(exact));  // IEEE: correctly rounded
      }
      DN_EXPECT(ok);
    });
  }
}

DN_TEST(ElementwiseAffineMatchesReference) {
  const KernelTable reference = MakeKernelTable(Isa::kScalar);
  std::mt19937 random(11);
  const float cases[][2] = {{0.0f, 3.0f}, {1.0f, 0.0f}, {-2.5f, 0.0f}, {0.7f, -1.25f}, {1.0f, 1.0f}};
  for (int64_t n : kSizes) {
    for (int64_t offset : kOffsets) {
      Guarded x(n, offset);
      FillMixed(x.data(), n, &random);
      for (const auto& c : cases) {
        std::vector<float> expected(n);
        reference.affine(x.data(), c[0], c[1], expected.data(), n);
        for (int64_t i = 0; i < n; ++i) {
          float v = x.data()[i];
          float want = c[0] == 0.0f ? c[1] : c[1] == 0.0f ? (c[0] == 1.0f ? v : v * c[0]) : std::fma(v, c[0], c[1]);
          DN_EXPECT(SameFloat(expected[i], want));
        }
        test::ForEachIsa([&](const KernelTable& table) {
          Guarded y(n, offset + 1);
          DN_EXPECT(table.affine(x.data(), c[0], c[1], y.data(), n) == Status::kOk);
          bool ok = true;
          for (int64_t i = 0; i < n; ++i) ok = ok && SameFloat(y.data()[i], expected[i]);
          DN_EXPECT(ok);
          DN_EXPECT(y.GuardsIntact() && x.GuardsIntact());
        });
      }
    }
  }
}
