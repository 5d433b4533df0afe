// bf16 conversion and GEMM: the conversion against its definition (and vcvtneps2bf16 where the CPU has it),
// the reference GEMM against the documented sequence computed from the unpacked weights, then every kernel
// table and every named SIMD path this CPU can run against the reference, bit for bit (every path computes the
// same fused multiply-adds in the same order with the same flush of subnormal sums), with 1 and 3 threads.
// Buffers are sized exactly, so a read or write past one shows under ASan.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "dendrite/bf16_dense.h"
#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "native_test.h"
#if defined(DENDRITE_HAVE_X86_KERNELS)
#include "kernels/avx2/bf16.h"
#include "kernels/avx512/bf16.h"
#endif

using namespace dendrite;

namespace {

uint64_t Next(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return *state >> 33;
}

float Uniform(uint64_t* state) { return static_cast<float>(Next(state) % 2000001) / 1000000.0f - 1.0f; }

float FromBits(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

uint32_t Bits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

struct Bf16Case {
  int64_t m, n, k, pad_a;
  bool bias;
  UnaryOp activation;
  float scale;  // of the values: 1e-20 puts the products and sums among the subnormals, which are flushed
};

struct Bf16Problem {
  Bf16Case spec;
  std::vector<uint16_t> a, packed;
  std::vector<float> weights, bias;

  Bf16Problem(const Bf16Case& s, uint64_t seed) : spec(s) {
    uint64_t state = seed;
    const int64_t lda = s.k + s.pad_a;
    // Exactly m rows of lda values, but the last row ends at k (no padding after it).
    a.assign(s.m > 0 ? static_cast<size_t>((s.m - 1) * lda + s.k) : 0, 0);
    for (uint16_t& v : a) v = ref::Bf16FromFloat(Uniform(&state) * s.scale);
    weights.resize(static_cast<size_t>(s.k * s.n));
    for (float& w : weights) w = Uniform(&state) * s.scale;
    packed.assign(static_cast<size_t>(ref::Bf16PackedLength(s.k, s.n)), 0xFFFF);
    if (s.n > 0 && s.k > 0) ref::PackBf16Weights(weights.data(), s.k, s.n, packed.data());
    for (int64_t j = 0; j < s.n && s.bias; ++j) bias.push_back(Uniform(&state));
  }

  Bf16GemmArgs Args(float* c) const {
    Bf16GemmArgs g;
    g.m = spec.m;
    g.n = spec.n;
    g.k = spec.k;
    g.a = a.empty() ? nullptr : a.data();
    g.lda = spec.k + spec.pad_a;
    g.packed_b = packed.empty() ? nullptr : packed.data();
    g.bias = bias.empty() ? nullptr : bias.data();
    g.activation = spec.activation;
    g.activation_param = 0.1f;
    g.c = c;
    g.ldc = spec.n;
    return g;
  }

  std::vector<float> Run(Status (*kernel)(const Bf16GemmArgs&, ThreadPool*), ThreadPool* pool, Status* status) const {
    std::vector<float> c(static_cast<size_t>(spec.m * spec.n), std::numeric_limits<float>::quiet_NaN());
    *status = kernel(Args(c.empty() ? nullptr : c.data()), pool);
    return c;
  }
};

bool SameBits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0);
}

std::string Describe(const Bf16Case& c) {
  return "m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) + " pad=" +
         std::to_string(c.pad_a) + " act=" + std::to_string(static_cast<int>(c.activation)) + " scale=" + std::to_string(c.scale);
}

const std::vector<Bf16Case>& Cases() {
  static const std::vector<Bf16Case> cases = {
      {1, 1, 1, 0, false, UnaryOp::kIdentity, 1.0f},   {1, 16, 2, 0, true, UnaryOp::kRelu, 1.0f},
      {3, 17, 5, 3, true, UnaryOp::kIdentity, 1.0f},    {8, 32, 64, 0, false, UnaryOp::kRelu, 1.0f},
      {9, 33, 67, 1, true, UnaryOp::kLeakyRelu, 1.0f},  {13, 50, 131, 2, true, UnaryOp::kSigmoid, 1.0f},
      {2, 10, 784, 0, true, UnaryOp::kRelu6, 1.0f},     {17, 64, 3, 0, false, UnaryOp::kTanh, 1.0f},
      {25, 47, 255, 5, true, UnaryOp::kRelu, 100.0f},   {4, 5, 0, 0, true, UnaryOp::kRelu, 1.0f},
      {0, 5, 3, 0, true, UnaryOp::kRelu, 1.0f},         {64, 130, 200, 0, true, UnaryOp::kIdentity, 1.0f},
      {7, 40, 33, 0, false, UnaryOp::kIdentity, 1e-20f}, {6, 18, 9, 1, false, UnaryOp::kIdentity, 3e-19f},
  };
  return cases;
}

struct GemmPath {
  std::string name;
  Status (*kernel)(const Bf16GemmArgs&, ThreadPool*);
  KernelTable table;  // its ISA's table: the activations not applied in registers are that table's unary
};

// Every bf16 GEMM path this CPU can run, by name.
std::vector<GemmPath> GemmPaths() {
  std::vector<GemmPath> paths;
  for (Isa isa : AvailableIsas()) paths.push_back({IsaName(isa), MakeKernelTable(isa).bf16_gemm, MakeKernelTable(isa)});
#if defined(DENDRITE_HAVE_X86_KERNELS)
  for (Isa isa : AvailableIsas()) {
    if (isa == Isa::kAvx2) paths.push_back({"avx2 fma", avx2::Bf16Gemm, MakeKernelTable(isa)});
    if (isa == Isa::kAvx512) {
      paths.push_back({"avx512 fma", avx512::Bf16GemmFma, MakeKernelTable(isa)});
      if (avx512::HasBf16()) paths.push_back({"avx512 vdpbf16ps", avx512::Bf16GemmDpbf16, MakeKernelTable(isa)});
    }
  }
#endif
  return paths;
}

struct ConvertPath {
  std::string name;
  Status (*kernel)(const float*, int64_t, uint16_t*);
};

std::vector<ConvertPath> ConvertPaths() {
  std::vector<ConvertPath> paths;
  for (Isa isa : AvailableIsas()) paths.push_back({IsaName(isa), MakeKernelTable(isa).convert_bf16});
#if defined(DENDRITE_HAVE_X86_KERNELS)
  for (Isa isa : AvailableIsas()) {
    if (isa == Isa::kAvx2) paths.push_back({"avx2", avx2::ConvertBf16});
    if (isa == Isa::kAvx512) {
      paths.push_back({"avx512 integer", avx512::ConvertBf16Integer});
      if (avx512::HasBf16()) paths.push_back({"avx512 vcvtneps2bf16", avx512::ConvertBf16Native});
    }
  }
#endif
  return paths;
}

float FlushSubnormal(float x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x; }

}  // namespace

DN_TEST(Bf16ConversionRoundsToNearestEven) {
  DN_EXPECT(ref::Bf16FromFloat(1.0f) == 0x3F80);
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x3F808000)) == 0x3F80);  // tie, even below: down
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x3F818000)) == 0x3F82);  // tie, odd below: up
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x3F808001)) == 0x3F81);  // above the tie: up
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x3F807FFF)) == 0x3F80);
  DN_EXPECT(ref::Bf16FromFloat(-2.5f) == 0xC020);
  DN_EXPECT(ref::Bf16FromFloat(std::numeric_limits<float>::max()) == 0x7F80);  // rounds up to infinity
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x7F7F7FFF)) == 0x7F7F);               // the largest finite bf16
  DN_EXPECT(ref::Bf16FromFloat(std::numeric_limits<float>::infinity()) == 0x7F80);
  DN_EXPECT(ref::Bf16FromFloat(-std::numeric_limits<float>::infinity()) == 0xFF80);
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x7F800001)) == 0x7FC0);  // a signalling NaN comes out quiet, still NaN
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0xFFC12345)) == 0xFFC1);
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x00400000)) == 0x0000);  // subnormal: zero of its sign
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x807FFFFF)) == 0x8000);
  DN_EXPECT(ref::Bf16FromFloat(-0.0f) == 0x8000);
  DN_EXPECT(ref::Bf16FromFloat(FromBits(0x00800000)) == 0x0080);  // the smallest normal stays
  DN_EXPECT(Bits(ref::FloatFromBf16(0xC020)) == 0xC0200000u);
}

DN_TEST(Bf16EveryConversionPathEqualsReference) {
  uint64_t state = 3;
  std::vector<float> x;
  const uint32_t specials[] = {0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F7F8000,
                               0x7F800000, 0xFF800000, 0x7F800001, 0x7FBFFFFF, 0xFFC00000, 0x3F808000, 0x3F818000};
  for (uint32_t bits : specials) x.push_back(FromBits(bits));
  for (int i = 0; i < 4000; ++i) x.push_back(FromBits(static_cast<uint32_t>(Next(&state) << 1 ^ Next(&state))));
  for (const ConvertPath& path : ConvertPaths()) {
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{8}, int64_t{15}, int64_t{17}, static_cast<int64_t>(x.size())}) {
      std::vector<uint16_t> got(static_cast<size_t>(n), 0x1234);
      const Status status = path.kernel(n > 0 ? x.data() : nullptr, n, n > 0 ? got.data() : nullptr);
      DN_EXPECT(status == Status::kOk);
      for (int64_t i = 0; i < n; ++i) {
        if (got[i] != ref::Bf16FromFloat(x[i])) {
          test::Fail(__FILE__, __LINE__, path.name + " converts bits " + std::to_string(Bits(x[i])) + " to " + std::to_string(got[i]) +
                                             ", the reference to " + std::to_string(ref::Bf16FromFloat(x[i])));
          break;
        }
      }
    }
    DN_EXPECT(path.kernel(nullptr, 3, nullptr) == Status::kInvalidArgument);
    DN_EXPECT(path.kernel(x.data(), -1, nullptr) == Status::kInvalidArgument);
  }
}

// The reference is the documented sequence (Bf16GemmArgs) on the unpacked weights: this checks the packing
// and the order of the adds, independently of the tiles.
DN_TEST(Bf16ReferenceEqualsDocumentedSequence) {
  ThreadPool pool(1);
  for (const Bf16Case& spec : Cases()) {
    Bf16Problem problem(spec, 11);
    Status status;
    const std::vector<float> c = problem.Run(ref::Bf16Gemm, &pool, &status);
    DN_EXPECT(status == Status::kOk);
    const int64_t lda = spec.k + spec.pad_a;
    for (int64_t i = 0; i < spec.m; ++i) {
      for (int64_t j = 0; j < spec.n; ++j) {
        float acc = 0.0f;
        for (int64_t p = 0; p < spec.k; p += 2) {
          const float a1 = p + 1 < spec.k ? ref::FloatFromBf16(problem.a[i * lda + p + 1]) : 0.0f;
          const float w1 = p + 1 < spec.k ? ref::FloatFromBf16(ref::Bf16FromFloat(problem.weights[(p + 1) * spec.n + j])) : 0.0f;
          acc = FlushSubnormal(std::fma(a1, w1, acc));
          acc = FlushSubnormal(std::fma(ref::FloatFromBf16(problem.a[i * lda + p]), ref::FloatFromBf16(ref::Bf16FromFloat(problem.weights[p * spec.n + j])), acc));
        }
        float expected = acc + (spec.bias ? problem.bias[j] : 0.0f);
        if (spec.activation == UnaryOp::kRelu) expected = expected < 0.0f ? 0.0f : expected;
        if (spec.activation == UnaryOp::kRelu6) expected = expected < 0.0f ? 0.0f : expected > 6.0f ? 6.0f : expected;
        if (spec.activation == UnaryOp::kLeakyRelu) expected = expected < 0.0f ? expected * 0.1f : expected;
        if (spec.activation == UnaryOp::kSigmoid || spec.activation == UnaryOp::kTanh) continue;  // the unary kernel's
        if (Bits(c[i * spec.n + j]) != Bits(expected)) {
          test::Fail(__FILE__, __LINE__, Describe(spec) + ": reference " + std::to_string(c[i * spec.n + j]) + " != " + std::to_string(expected));
          return;
        }
      }
    }
  }
}

// The subnormal cases do reach the flush (else they would test nothing): without it some sum would differ.
DN_TEST(Bf16SubnormalCasesExerciseTheFlush) {
  Bf16Problem problem({7, 40, 33, 0, false, UnaryOp::kIdentity, 1e-20f}, 11);
  int64_t flushed = 0;
  for (int64_t j = 0; j < 40; ++j) {
    float acc = 0.0f;
    for (int64_t p = 0; p < 33; ++p) {
      const float sum = std::fma(ref::FloatFromBf16(problem.a[p]), ref::FloatFromBf16(ref::Bf16FromFloat(problem.weights[p * 40 + j])), acc);
      flushed += std::fpclassify(sum) == FP_SUBNORMAL;
      acc = FlushSubnormal(sum);
    }
  }
  DN_EXPECT(flushed > 0);
}

DN_TEST(Bf16EveryPathEqualsReference) {
  ThreadPool one(1), three(3);
  for (const GemmPath& path : GemmPaths()) {
    for (const Bf16Case& spec : Cases()) {
      Bf16Problem problem(spec, 5 + spec.k);
      Status status;
      // The activations applied after the store are the path's ISA's unary kernel (as for SGEMM): the
      // expected values are the reference's before the activation, then that kernel.
      Bf16Problem linear = problem;
      const bool in_registers = spec.activation == UnaryOp::kIdentity || spec.activation == UnaryOp::kRelu ||
                                spec.activation == UnaryOp::kLeakyRelu || spec.activation == UnaryOp::kRelu6;
      if (!in_registers) linear.spec.activation = UnaryOp::kIdentity;
      std::vector<float> expected = linear.Run(ref::Bf16Gemm, &one, &status);
      DN_EXPECT(status == Status::kOk);
      if (!in_registers && !expected.empty()) {
        path.table.unary(spec.activation, 0.1f, expected.data(), expected.data(), static_cast<int64_t>(expected.size()));
      }
      for (ThreadPool* pool : {&one, &three}) {
        const std::vector<float> got = problem.Run(path.kernel, pool, &status);
        if (status != Status::kOk || !SameBits(got, expected)) {
          test::Fail(__FILE__, __LINE__, path.name + " differs from the reference: " + Describe(spec));
        }
      }
    }
  }
}

DN_TEST(Bf16GemmRejectsBadArguments) {
  ThreadPool pool(1);
  Bf16Problem problem({2, 3, 4, 0, false, UnaryOp::kIdentity, 1.0f}, 1);
  std::vector<float> c(6);
  for (const GemmPath& path : GemmPaths()) {
    Bf16GemmArgs g = problem.Args(c.data());
    g.lda = 3;
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data());
    g.a = nullptr;
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data());
    g.packed_b = nullptr;
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(nullptr);
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data());
    g.ldc = 2;
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data());
    g.activation = static_cast<UnaryOp>(kUnaryOpCount);
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data());
    g.m = -1;
    DN_EXPECT(path.kernel(g, &pool) == Status::kInvalidArgument);
  }
}

// The dense forward pass is the conversion then the GEMM, on every kernel table.
DN_TEST(Bf16DenseForwardConvertsThenMultiplies) {
  ThreadPool pool(2);
  uint64_t state = 9;
  const int64_t rows = 5, inputs = 37, units = 21;
  std::vector<float> x(static_cast<size_t>(rows * inputs)), weights(static_cast<size_t>(inputs * units)), bias(static_cast<size_t>(units));
  for (float& v : x) v = Uniform(&state) * 3.0f;
  for (float& v : weights) v = Uniform(&state);
  for (float& v : bias) v = Uniform(&state);
  std::vector<uint16_t> packed(static_cast<size_t>(ref::Bf16PackedLength(inputs, units)));
  ref::PackBf16Weights(weights.data(), inputs, units, packed.data());
  std::vector<uint16_t> a(x.size());
  for (size_t i = 0; i < x.size(); ++i) a[i] = ref::Bf16FromFloat(x[i]);
  std::vector<float> expected(static_cast<size_t>(rows * units));
  Bf16GemmArgs g;
  g.m = rows;
  g.n = units;
  g.k = inputs;
  g.a = a.data();
  g.lda = inputs;
  g.packed_b = packed.data();
  g.bias = bias.data();
  g.activation = UnaryOp::kRelu;
  g.c = expected.data();
  g.ldc = units;
  DN_EXPECT(ref::Bf16Gemm(g, &pool) == Status::kOk);
  Bf16DenseLayer layer;
  layer.inputs = inputs;
  layer.units = units;
  layer.packed = packed.data();
  layer.bias = bias.data();
  layer.activation = UnaryOp::kRelu;
  for (Isa isa : AvailableIsas()) {
    const KernelTable table = MakeKernelTable(isa);
    std::vector<float> y(expected.size());
    std::vector<uint16_t> scratch;
    DN_EXPECT(Bf16DenseForward(table, &pool, layer, x.data(), rows, y.data(), &scratch) == Status::kOk);
    if (!SameBits(y, expected)) test::Fail(__FILE__, __LINE__, std::string(IsaName(isa)) + ": bf16 dense differs from convert + reference GEMM");
  }
}
