// Reference elementwise kernels: unary, unary_grad, binary, affine. They are the oracle of the SIMD
// kernels, so each transcendental is evaluated in double with libm and rounded once to float (within
// about half an ulp of the exact result), in forms that stay accurate at the edges: e^x / (1 + e^x) for
// sigmoid of negative x, erfc for gelu's lower tail, x sigmoid(v) rather than (1 + tanh(v/2)) x / 2 for
// the tanh form of gelu, log1p / expm1 for softplus and elu.
//
// Which forward values unary_grad reads (the binding requires them; JS passes both when it has them):
//   none     linear, neg
//   x or y   relu, leakyRelu, elu, selu, relu6 (x when given; y alone needs alpha >= 0 for leakyRelu and
//            elu, where y's sign is x's sign; elu from y uses alpha e^x = y + alpha, selu likewise)
//   y        sigmoid y (1 - y), tanh (1 - y)(1 + y), exp y, sqrt 1 / (2 y) -- cheaper than recomputing;
//            hardSigmoid 1/6 where 0 < y < 1 (so the slope never disagrees with the output's rounding)
//   x        log, abs, square, softplus, silu, gelu, geluTanh, softsign, hardSwish, mish
// The derivative at a kink is the right-hand one for x > 0 only: relu'(0) = 0, leakyRelu'(0) = alpha,
// abs'(0) = 0. The clamped ops are flat at both ends of their ramp, ends included (TensorFlow's relu6
// gradient, and what autodiff of Keras' hard_sigmoid and hard_silu gives): relu6'(0) = relu6'(6) = 0,
// hardSwish'(-3) = 0 and hardSwish'(3) = 1. NaN in x, y or dy gives NaN in dx.
#include <cmath>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace {

constexpr double kInverseSqrt2 = 0.70710678118654752440;
constexpr double kInverseSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluTanhScale = 1.5957691216057307118;  // 2 sqrt(2/pi): gelu = x sigmoid(kGeluTanhScale (x + c x^3))
constexpr double kGeluTanhCubic = 0.044715;
constexpr float kNan = __builtin_nanf("");
// selu's constants (Klambauer et al. 2017), as Keras and TensorFlow.js write them.
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

// No overflow for any x: e^x / (1 + e^x) below 0, 1 / (1 + e^-x) above.
double Sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}
double GaussCdf(double x) { return 0.5 * std::erfc(-x * kInverseSqrt2); }
double GeluTanhArgument(double x) { return kGeluTanhScale * (x + kGeluTanhCubic * x * x * x); }
// min(max(x, 0), 6); NaN stays NaN.
double Relu6(double x) { return x < 0 ? 0.0 : x > 6 ? 6.0 : x; }
// tanh(softplus(x)), mish's factor, without tanh or log: with e = e^x, tanh(log(1 + e)) =
// e (e + 2) / (e (e + 2) + 2); for x > 0 the same with e = e^-x is (1 + 2e) / (1 + 2e + 2e^2). One form
// per side keeps e <= 1, so nothing overflows and nothing cancels.
struct MishParts {
  double factor, slope;  // tanh(softplus(x)) and its derivative
};
MishParts Mish(double x) {
  double e = std::exp(-std::fabs(x));
  double numerator = x > 0 ? 1.0 + 2.0 * e : e * (e + 2.0);
  double denominator = x > 0 ? numerator + 2.0 * e * e : numerator + 2.0;
  // d/dx tanh(softplus(x)) = (1 - tanh^2) sigmoid(x) = 4 e (1 + e) / D^2 (x <= 0), 4 e^2 (1 + e) / D^2 (x > 0).
  double slope = 4.0 * e * (1.0 + e) * (x > 0 ? e : 1.0) / (denominator * denominator);
  return MishParts{numerator / denominator, slope};
}

float Forward(UnaryOp op, float alpha, float x) {
  const double v = x;
  switch (op) {
    case UnaryOp::kIdentity: return x;
    // As sgemm's epilogue (gemm_epilogue.inc) applies them: -0 and NaN pass through.
    case UnaryOp::kRelu: return x < 0.0f ? 0.0f : x;
    case UnaryOp::kLeakyRelu: return x < 0.0f ? alpha * x : x;
    case UnaryOp::kElu: return x > 0.0f ? x : static_cast<float>(alpha * std::expm1(v));
    case UnaryOp::kSigmoid: return static_cast<float>(Sigmoid(v));
    case UnaryOp::kTanh: return static_cast<float>(std::tanh(v));
    // x f(x) with f(-inf) = 0: the limit, -0, rather than -inf * 0.
    case UnaryOp::kGeluErf: return std::isinf(x) && x < 0 ? -0.0f : static_cast<float>(v * GaussCdf(v));
    case UnaryOp::kGeluTanh:
      return std::isinf(x) && x < 0 ? -0.0f : static_cast<float>(v * Sigmoid(GeluTanhArgument(v)));
    case UnaryOp::kSoftplus:
      return static_cast<float>(v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)));
    case UnaryOp::kSilu: return std::isinf(x) && x < 0 ? -0.0f : static_cast<float>(v * Sigmoid(v));
    case UnaryOp::kExp: return static_cast<float>(std::exp(v));
    case UnaryOp::kLog: return static_cast<float>(std::log(v));
    case UnaryOp::kSqrt: return static_cast<float>(std::sqrt(v));
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kAbs: return std::fabs(x);
    case UnaryOp::kSquare: return x * x;
    case UnaryOp::kSelu:
      return static_cast<float>(x > 0.0f ? kSeluScale * v : kSeluScale * kSeluAlpha * std::expm1(v));
    case UnaryOp::kSoftsign: return std::isinf(x) ? std::copysign(1.0f, x) : static_cast<float>(v / (1.0 + std::fabs(v)));
    case UnaryOp::kHardSigmoid: return static_cast<float>(Relu6(v + 3.0) / 6.0);
    case UnaryOp::kHardSwish: return std::isinf(x) && x < 0 ? -0.0f : static_cast<float>(v * Relu6(v + 3.0) / 6.0);
    case UnaryOp::kRelu6: return x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x;
    case UnaryOp::kMish: return std::isinf(x) && x < 0 ? -0.0f : static_cast<float>(v * Mish(v).factor);
  }
  return kNan;
}

// A slope that is exactly 1, 0, -1 or alpha; NaN for NaN input.
float PiecewiseSlope(float v, float below, float above) {
  if (v > 0.0f) return above;
  if (v <= 0.0f) return below;
  return kNan;
}

// dx for one element; `v` is x or y as UnaryGradInput says.
float Backward(UnaryOp op, float alpha, const float* x, const float* y, int64_t i, float dy) {
  const double d = dy;
  switch (op) {
    case UnaryOp::kIdentity: return dy;
    case UnaryOp::kNeg: return -dy;
    case UnaryOp::kRelu: return dy * PiecewiseSlope(x != nullptr ? x[i] : y[i], 0.0f, 1.0f);
    case UnaryOp::kLeakyRelu: return dy * PiecewiseSlope(x != nullptr ? x[i] : y[i], alpha, 1.0f);
    case UnaryOp::kElu: {
      if (x != nullptr) {
        double v = x[i];
        return static_cast<float>(d * (v > 0 ? 1.0 : alpha * std::exp(v)));
      }
      double v = y[i];
      return static_cast<float>(d * (v > 0 ? 1.0 : v + alpha));
    }
    case UnaryOp::kSigmoid: return static_cast<float>(d * (double{y[i]} * (1.0 - y[i])));
    case UnaryOp::kTanh: return static_cast<float>(d * ((1.0 - y[i]) * (1.0 + y[i])));
    case UnaryOp::kExp: return static_cast<float>(d * y[i]);
    case UnaryOp::kSqrt: return static_cast<float>(d / (2.0 * y[i]));
    case UnaryOp::kLog: return static_cast<float>(d / x[i]);
    case UnaryOp::kAbs: {
      float v = x[i];
      return dy * (v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v == 0.0f ? 0.0f : kNan);
    }
    case UnaryOp::kSquare: return static_cast<float>(d * (2.0 * x[i]));
    case UnaryOp::kSoftplus: return static_cast<float>(d * Sigmoid(x[i]));
    case UnaryOp::kSelu: {
      if (x != nullptr) {
        double v = x[i];
        return static_cast<float>(d * (v > 0 ? kSeluScale : kSeluScale * kSeluAlpha * std::exp(v)));
      }
      // For x <= 0, y = scale alpha (e^x - 1), so the slope scale alpha e^x is y + scale alpha.
      double v = y[i];
      return static_cast<float>(d * (v > 0 ? kSeluScale : v + kSeluScale * kSeluAlpha));
    }
    case UnaryOp::kSoftsign: {
      double s = 1.0 / (1.0 + std::fabs(double{x[i]}));
      return static_cast<float>(d * s * s);
    }
    case UnaryOp::kHardSigmoid: {
      float v = y[i];
      return static_cast<float>(d * (v > 0.0f && v < 1.0f ? 1.0 / 6.0 : v != v ? kNan : 0.0));
    }
    case UnaryOp::kRelu6: {
      float v = x != nullptr ? x[i] : y[i];
      return dy * (v > 0.0f && v < 6.0f ? 1.0f : v != v ? kNan : 0.0f);
    }
    case UnaryOp::kHardSwish: {
      double v = x[i];
      return static_cast<float>(d * (v > -3 && v < 3 ? (2.0 * v + 3.0) / 6.0 : v >= 3 ? 1.0 : v != v ? kNan : 0.0));
    }
    case UnaryOp::kMish: {
      double v = x[i];
      if (std::isinf(v)) return static_cast<float>(d * (v > 0 ? 1.0 : 0.0));
      MishParts parts = Mish(v);
      return static_cast<float>(d * (parts.factor + v * parts.slope));
    }
    case UnaryOp::kSilu:
    case UnaryOp::kGeluErf:
    case UnaryOp::kGeluTanh: {
      double v = x[i];
      // The limits at +-inf (1 and 0), where the formulas below would give inf * 0.
      if (std::isinf(v)) return static_cast<float>(d * (v > 0 ? 1.0 : 0.0));
      double slope;
      if (op == UnaryOp::kSilu) {
        slope = Sigmoid(v) * (1.0 + v * Sigmoid(-v));
      } else if (op == UnaryOp::kGeluErf) {
        slope = GaussCdf(v) + v * kInverseSqrt2Pi * std::exp(-0.5 * v * v);
      } else {
        double argument = GeluTanhArgument(v);
        double derivative = kGeluTanhScale * (1.0 + 3.0 * kGeluTanhCubic * v * v);
        double s = Sigmoid(argument);
        slope = s + v * s * Sigmoid(-argument) * derivative;
      }
      return static_cast<float>(d * slope);
    }
  }
  return kNan;
}

float Maximum(float a, float b) { return b != b ? b : (b > a ? b : a); }
float Minimum(float a, float b) { return b != b ? b : (b < a ? b : a); }

float ApplyBinary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    // NaN in either gives NaN (NumPy, PyTorch); for equal values (+0 and -0) the first.
    case BinaryOp::kMaximum: return Maximum(a, b);
    case BinaryOp::kMinimum: return Minimum(a, b);
    case BinaryOp::kPow: return static_cast<float>(std::pow(static_cast<double>(a), static_cast<double>(b)));
  }
  return kNan;
}

}  // namespace

bool UnaryOpTakesAlpha(UnaryOp op) { return op == UnaryOp::kLeakyRelu || op == UnaryOp::kElu; }

UnaryGradInput UnaryGradInputOf(UnaryOp op) {
  switch (op) {
    case UnaryOp::kIdentity:
    case UnaryOp::kNeg: return UnaryGradInput::kNone;
    case UnaryOp::kRelu:
    case UnaryOp::kLeakyRelu:
    case UnaryOp::kElu:
    case UnaryOp::kSelu:
    case UnaryOp::kRelu6: return UnaryGradInput::kXOrY;
    case UnaryOp::kHardSigmoid:
    case UnaryOp::kSigmoid:
    case UnaryOp::kTanh:
    case UnaryOp::kExp:
    case UnaryOp::kSqrt: return UnaryGradInput::kY;
    default: return UnaryGradInput::kX;
  }
}

bool UnaryGradInputsValid(UnaryOp op, float param, const float* x, const float* y) {
  if (static_cast<int32_t>(op) < 0 || static_cast<int32_t>(op) >= kUnaryOpCount) return false;
  switch (UnaryGradInputOf(op)) {
    case UnaryGradInput::kNone: return true;
    case UnaryGradInput::kX: return x != nullptr;
    case UnaryGradInput::kY: return y != nullptr;
    case UnaryGradInput::kXOrY:
      if (x != nullptr) return true;
      // From y alone, y > 0 must mean x > 0 (and y + alpha must be elu's slope): alpha >= 0 for the two ops
      // that take alpha; the others have fixed slopes.
      return y != nullptr && (!UnaryOpTakesAlpha(op) || param >= 0.0f);
  }
  return false;
}

Status Unary(UnaryOp op, float param, const float* x, float* y, int64_t n) {
  if (n < 0 || static_cast<int32_t>(op) < 0 || static_cast<int32_t>(op) >= kUnaryOpCount) {
    return Status::kInvalidArgument;
  }
  for (int64_t i = 0; i < n; ++i) y[i] = Forward(op, param, x[i]);
  return Status::kOk;
}

Status UnaryGrad(UnaryOp op, float param, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  if (n < 0 || !UnaryGradInputsValid(op, param, x, y)) return Status::kInvalidArgument;
  for (int64_t i = 0; i < n; ++i) dx[i] = Backward(op, param, x, y, i, dy[i]);
  return Status::kOk;
}

Status Binary(const BinaryArgs& args) {
  if (args.rank < 0 || args.rank > kMaxRank) return Status::kInvalidArgument;
  if (static_cast<int32_t>(args.op) < 0 || static_cast<int32_t>(args.op) >= kBinaryOpCount) {
    return Status::kInvalidArgument;
  }
  int64_t count = 1;
  for (int d = 0; d < args.rank; ++d) {
    if (args.shape[d] < 0 || args.a_strides[d] < 0 || args.b_strides[d] < 0) return Status::kInvalidArgument;
    count *= args.shape[d];
  }
  int64_t index[kMaxRank] = {};
  int64_t a_offset = 0, b_offset = 0;
  for (int64_t i = 0; i < count; ++i) {
    args.out[i] = ApplyBinary(args.op, args.a[a_offset], args.b[b_offset]);
    for (int d = args.rank - 1; d >= 0; --d) {
      a_offset += args.a_strides[d];
      b_offset += args.b_strides[d];
      if (++index[d] < args.shape[d]) break;
      a_offset -= args.a_strides[d] * args.shape[d];
      b_offset -= args.b_strides[d] * args.shape[d];
      index[d] = 0;
    }
  }
  return Status::kOk;
}

// y = x * scale + shift with one rounding (fma), and three exact special cases every ISA shares:
// scale 0 fills with shift without reading x (so inf or NaN there does not matter), scale 1 and shift 0
// copies exactly (-0 stays -0), and shift 0 only scales.
Status Affine(const float* x, float scale, float shift, float* y, int64_t n) {
  if (n < 0) return Status::kInvalidArgument;
  for (int64_t i = 0; i < n; ++i) {
    if (scale == 0.0f) {
      y[i] = shift;
    } else if (scale == 1.0f && shift == 0.0f) {
      y[i] = x[i];
    } else if (shift == 0.0f) {
      y[i] = x[i] * scale;
    } else {
      y[i] = std::fma(x[i], scale, shift);
    }
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
