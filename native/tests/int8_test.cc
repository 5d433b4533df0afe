// int8 GEMM and u8 quantisation: the reference against a plain integer product of the unpacked weights,
// then every kernel table and every named SIMD path (those this CPU can run) against the reference, bit for
// bit (integer sums are exact, and the epilogue is the same float operations on every path), with 1 and 3
// threads. Buffers are sized exactly, so a read or write past one shows under ASan.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "dendrite/thread_pool.h"
#include "kernels/ref/ref.h"
#include "native_test.h"
#if defined(DENDRITE_HAVE_X86_KERNELS)
#include "kernels/avx2/int8.h"
#include "kernels/avx512/int8.h"
#endif

using namespace dendrite;

namespace {

uint64_t Next(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return *state >> 33;
}

struct Int8Case {
  int64_t m, n, k, pad_a;
  int32_t zero_point;
  bool bias;
  UnaryOp activation;
};

struct Int8Problem {
  Int8Case spec;
  std::vector<uint8_t> a;
  std::vector<int8_t> weights, packed;
  std::vector<int32_t> column_sums;
  std::vector<float> scales, bias;

  Int8Problem(const Int8Case& s, uint64_t seed, bool extremes) : spec(s) {
    uint64_t state = seed;
    const int64_t lda = s.k + s.pad_a;
    // Exactly m rows of lda bytes, but the last row ends at k (no padding after it).
    a.assign(s.m > 0 ? static_cast<size_t>((s.m - 1) * lda + s.k) : 0, 0);
    // extremes: every activation 255 and every weight -128 or 127, the worst case for saturation.
    for (uint8_t& v : a) v = extremes ? 255 : static_cast<uint8_t>(Next(&state) & 255);
    weights.resize(static_cast<size_t>(s.k * s.n));
    for (int8_t& w : weights) w = extremes ? (Next(&state) & 1 ? 127 : -128) : static_cast<int8_t>(static_cast<int>(Next(&state) & 255) - 128);
    packed.assign(static_cast<size_t>(ref::Int8PackedBytes(s.k, s.n)), 0);
    column_sums.assign(static_cast<size_t>(s.n), 0);
    if (s.n > 0) ref::PackInt8Weights(weights.data(), s.k, s.n, packed.data(), column_sums.data());
    for (int64_t j = 0; j < s.n; ++j) {
      scales.push_back(1e-4f * static_cast<float>(1 + Next(&state) % 100));
      if (s.bias) bias.push_back(static_cast<float>(Next(&state) % 2001) / 1000.0f - 1.0f);
    }
  }

  Int8GemmArgs Args(float* c, float a_scale) const {
    Int8GemmArgs g;
    g.m = spec.m;
    g.n = spec.n;
    g.k = spec.k;
    g.a = a.empty() ? nullptr : a.data();
    g.lda = spec.k + spec.pad_a;
    g.a_zero_point = spec.zero_point;
    g.a_scale = a_scale;
    g.packed_b = packed.empty() ? nullptr : packed.data();
    g.column_sums = column_sums.empty() ? nullptr : column_sums.data();
    g.b_scales = scales.empty() ? nullptr : scales.data();
    g.bias = spec.bias && !bias.empty() ? bias.data() : nullptr;
    g.activation = spec.activation;
    g.activation_param = 0.1f;
    g.c = c;
    g.ldc = spec.n;
    return g;
  }

  std::vector<float> Run(Status (*kernel)(const Int8GemmArgs&, ThreadPool*), ThreadPool* pool, float a_scale,
                         Status* status) const {
    std::vector<float> c(static_cast<size_t>(spec.m * spec.n), std::numeric_limits<float>::quiet_NaN());
    *status = kernel(Args(c.empty() ? nullptr : c.data(), a_scale), pool);
    return c;
  }
};

bool SameBits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0);
}

std::string Describe(const Int8Case& c) {
  return "m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) + " pad=" +
         std::to_string(c.pad_a) + " zp=" + std::to_string(c.zero_point) + " act=" +
         std::to_string(static_cast<int>(c.activation));
}

const std::vector<Int8Case>& Cases() {
  static const std::vector<Int8Case> cases = {
      {1, 1, 1, 0, 0, false, UnaryOp::kIdentity},   {1, 16, 4, 0, 128, true, UnaryOp::kRelu},
      {3, 17, 5, 3, 7, true, UnaryOp::kIdentity},    {8, 32, 64, 0, 255, false, UnaryOp::kRelu},
      {9, 33, 67, 1, 0, true, UnaryOp::kLeakyRelu},  {13, 50, 130, 2, 100, true, UnaryOp::kSigmoid},
      {2, 10, 784, 0, 3, true, UnaryOp::kRelu6},     {17, 64, 3, 0, 42, false, UnaryOp::kTanh},
      {25, 47, 255, 5, 200, true, UnaryOp::kRelu},   {4, 5, 0, 0, 9, true, UnaryOp::kRelu},
      {0, 5, 3, 0, 9, true, UnaryOp::kRelu},         {64, 130, 200, 0, 128, true, UnaryOp::kIdentity},
  };
  return cases;
}

struct Path {
  std::string name;
  Status (*kernel)(const Int8GemmArgs&, ThreadPool*);
  KernelTable table;  // its ISA's table: the activations not applied in registers are that table's unary
};

// Every int8 path this CPU can run, by name.
std::vector<Path> Paths() {
  std::vector<Path> paths;
  for (Isa isa : AvailableIsas()) paths.push_back({IsaName(isa), MakeKernelTable(isa).int8_gemm, MakeKernelTable(isa)});
#if defined(DENDRITE_HAVE_X86_KERNELS)
  for (Isa isa : AvailableIsas()) {
    if (isa == Isa::kAvx2) {
      paths.push_back({"avx2 vpmaddwd", avx2::Int8GemmMaddwd, MakeKernelTable(isa)});
      if (avx2::HasAvxVnni()) paths.push_back({"avx2 avx-vnni", avx2::Int8GemmAvxVnni, MakeKernelTable(isa)});
    }
    if (isa == Isa::kAvx512 && avx512::HasVnni()) paths.push_back({"avx512 vnni", avx512::Int8GemmVnni, MakeKernelTable(isa)});
  }
#endif
  return paths;
}

}  // namespace

DN_TEST(Int8ReferenceEqualsIntegerProduct) {
  ThreadPool pool(1);
  for (const Int8Case& spec : Cases()) {
    for (bool extremes : {false, true}) {
      Int8Case plain = spec;
      plain.zero_point = 0;
      plain.bias = false;
      plain.activation = UnaryOp::kIdentity;
      Int8Problem problem(plain, 11, extremes);
      for (float& s : problem.scales) s = 1.0f;
      Status status;
      std::vector<float> c = problem.Run(ref::Int8Gemm, &pool, 1.0f, &status);
      DN_EXPECT(status == Status::kOk);
      for (int64_t i = 0; i < spec.m; ++i) {
        for (int64_t j = 0; j < spec.n; ++j) {
          int64_t sum = 0;
          for (int64_t p = 0; p < spec.k; ++p) sum += int64_t{problem.a[i * (spec.k + spec.pad_a) + p]} * problem.weights[p * spec.n + j];
          // |sum| < 2^24 in these cases, so the float holds it exactly.
          if (c[i * spec.n + j] != static_cast<float>(sum)) {
            test::Fail(__FILE__, __LINE__, Describe(spec) + ": reference " + std::to_string(c[i * spec.n + j]) + " != " + std::to_string(sum));
            return;
          }
        }
      }
    }
  }
}

DN_TEST(Int8EveryPathEqualsReference) {
  ThreadPool one(1), three(3);
  for (const Path& path : Paths()) {
    const std::string& name = path.name;
    for (const Int8Case& spec : Cases()) {
      for (bool extremes : {false, true}) {
        Int8Problem problem(spec, 5 + spec.k, extremes);
        Status status;
        // The activations applied after the store are the path's ISA's unary kernel (as for SGEMM): the
        // expected values are the reference's before the activation, then that kernel.
        Int8Problem linear = problem;
        const bool in_registers = spec.activation == UnaryOp::kIdentity || spec.activation == UnaryOp::kRelu ||
                                    spec.activation == UnaryOp::kLeakyRelu || spec.activation == UnaryOp::kRelu6;
        if (!in_registers) linear.spec.activation = UnaryOp::kIdentity;
        std::vector<float> expected = linear.Run(ref::Int8Gemm, &one, 0.02f, &status);
        DN_EXPECT(status == Status::kOk);
        if (!in_registers && !expected.empty()) {
          path.table.unary(spec.activation, 0.1f, expected.data(), expected.data(), static_cast<int64_t>(expected.size()));
        }
        for (ThreadPool* pool : {&one, &three}) {
          const std::vector<float> got = problem.Run(path.kernel, pool, 0.02f, &status);
          if (status != Status::kOk || !SameBits(got, expected)) {
            test::Fail(__FILE__, __LINE__, name + " differs from the reference: " + Describe(spec) + (extremes ? " (extremes)" : ""));
          }
        }
      }
    }
  }
}

DN_TEST(Int8GemmRejectsBadArguments) {
  ThreadPool pool(1);
  Int8Problem problem({2, 3, 4, 0, 0, false, UnaryOp::kIdentity}, 1, false);
  std::vector<float> c(6);
  for (const Path& path : Paths()) {
    const auto kernel = path.kernel;
    Int8GemmArgs g = problem.Args(c.data(), 1.0f);
    g.a_zero_point = 256;
    DN_EXPECT(kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data(), 1.0f);
    g.k = kInt8MaxDepth + 1;
    DN_EXPECT(kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data(), 1.0f);
    g.lda = 3;
    DN_EXPECT(kernel(g, &pool) == Status::kInvalidArgument);
    g = problem.Args(c.data(), 1.0f);
    g.b_scales = nullptr;
    DN_EXPECT(kernel(g, &pool) == Status::kInvalidArgument);
  }
}

DN_TEST(QuantizeU8EveryIsaEqualsReference) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {0.0f, -0.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 127.4f, 1e9f, -1e9f, inf, -inf, nan, 3.49999f, 254.5f};
  uint64_t state = 3;
  for (int i = 0; i < 100; ++i) x.push_back(static_cast<float>(Next(&state) % 60001) / 100.0f - 300.0f);
  for (int32_t zero_point : {0, 3, 128, 255}) {
    for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{17}, x.size()}) {
      std::vector<uint8_t> expected(count);
      DN_EXPECT(ref::QuantizeU8(x.data(), static_cast<int64_t>(count), 1.0f, zero_point, expected.data()) == Status::kOk);
      test::ForEachIsa([&](const KernelTable& table) {
        std::vector<uint8_t> got(count);
        DN_EXPECT(table.quantize_u8(x.data(), static_cast<int64_t>(count), 1.0f, zero_point, got.data()) == Status::kOk);
        if (got != expected) test::Fail(__FILE__, __LINE__, std::string(IsaName(table.isa)) + " quantize differs");
      });
    }
  }
  std::vector<uint8_t> q(16);
  ref::QuantizeU8(x.data(), 13, 1.0f, 0, q.data());
  // Ties to even, clamping, NaN to 0.
  const uint8_t want[13] = {0, 0, 0, 2, 2, 0, 0, 127, 255, 0, 255, 0, 0};
  for (int i = 0; i < 13; ++i) DN_EXPECT(q[i] == want[i]);
  ref::QuantizeU8(x.data(), 7, 1.0f, 128, q.data());
  DN_EXPECT(q[5] == 128 && q[6] == 126 && q[4] == 130);
  DN_EXPECT(ref::QuantizeU8(x.data(), 3, 0.0f, 0, q.data()) == Status::kInvalidArgument);
}
