// SGEMM: the reference kernel against a double-precision naive product, every ISA path against the
// reference, and 1 vs 2 threads bitwise. Tolerances (float eps = 2^-23):
//  - ref vs double: |got - exact| <= (|alpha| * sum_p |a||b| + |beta*c| + |bias|) * (k + 4) * eps, the bound
//    on a float sum of k products done in order, plus the epilogue's few roundings;
//  - ISA vs ref: twice that (both are within it of the exact value; the ISA paths use FMA and k blocks);
//  - activations applied by the Unary kernel (not in registers): the bound above times 2 (their
//    slopes are at most ~1.76, selu's, at these parameters) plus 2e-6 * (1 + |value|) for the kernel's own error;
//  - thread counts and tile positions: bitwise identical.
// Padding (past lda / ldb, between batch items) holds NaN: a kernel that reads it produces NaN.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "native_test.h"

using namespace dendrite;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Case {
  bool trans_a = false, trans_b = false;
  int64_t m = 1, n = 1, k = 1;
  int64_t pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension minus the row length
  float alpha = 1.0f, beta = 0.0f;
  bool bias = false;
  UnaryOp activation = UnaryOp::kIdentity;
  float param = 0.0f;
  int64_t batch = 1;
  int64_t gap = 0;  // extra elements between batch items
};

std::string Describe(const Case& c) {
  char text[256];
  std::snprintf(text, sizeof text, "m=%lld n=%lld k=%lld ta=%d tb=%d pads=%lld,%lld,%lld alpha=%g beta=%g bias=%d act=%d batch=%lld",
                static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k), c.trans_a,
                c.trans_b, static_cast<long long>(c.pad_a), static_cast<long long>(c.pad_b),
                static_cast<long long>(c.pad_c), c.alpha, c.beta, c.bias, static_cast<int>(c.activation),
                static_cast<long long>(c.batch));
  return text;
}

uint64_t Next(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return *state >> 33;
}
float Uniform(uint64_t* state) { return static_cast<float>(Next(state) % 2000001) / 1000000.0f - 1.0f; }

// The operands and output of one case, with NaN in every element no kernel may read.
struct Problem {
  Case spec;
  int64_t lda, ldb, ldc, stride_a, stride_b, stride_c;
  std::vector<float> a, b, c, bias;

  explicit Problem(const Case& s, uint64_t seed) : spec(s) {
    const int64_t a_rows = s.trans_a ? s.k : s.m, a_cols = s.trans_a ? s.m : s.k;
    const int64_t b_rows = s.trans_b ? s.n : s.k, b_cols = s.trans_b ? s.k : s.n;
    lda = a_cols + s.pad_a;
    ldb = b_cols + s.pad_b;
    ldc = s.n + s.pad_c;
    stride_a = a_rows * lda + s.gap;
    stride_b = b_rows * ldb + s.gap;
    stride_c = s.m * ldc + s.gap;
    a.assign(s.batch * stride_a + 1, kNaN);
    b.assign(s.batch * stride_b + 1, kNaN);
    c.assign(s.batch * stride_c + 1, kNaN);
    uint64_t state = seed;
    for (int64_t t = 0; t < s.batch; ++t) {
      for (int64_t r = 0; r < a_rows; ++r)
        for (int64_t q = 0; q < a_cols; ++q) a[t * stride_a + r * lda + q] = Uniform(&state);
      for (int64_t r = 0; r < b_rows; ++r)
        for (int64_t q = 0; q < b_cols; ++q) b[t * stride_b + r * ldb + q] = Uniform(&state);
      // beta == 0: C holds NaN and must not be read.
      if (s.beta != 0.0f) {
        for (int64_t r = 0; r < s.m; ++r)
          for (int64_t q = 0; q < s.n; ++q) c[t * stride_c + r * ldc + q] = Uniform(&state);
      }
    }
    if (s.bias) {
      bias.resize(s.n);
      for (float& value : bias) value = Uniform(&state);
    }
  }

  GemmArgs Args(float* output) const {
    GemmArgs g;
    g.trans_a = spec.trans_a;
    g.trans_b = spec.trans_b;
    g.m = spec.m;
    g.n = spec.n;
    g.k = spec.k;
    g.alpha = spec.alpha;
    g.a = a.data();
    g.lda = lda;
    g.b = b.data();
    g.ldb = ldb;
    g.beta = spec.beta;
    g.c = output;
    g.ldc = ldc;
    g.bias = spec.bias ? bias.data() : nullptr;
    g.activation = spec.activation;
    g.activation_param = spec.param;
    g.batch = spec.batch;
    g.stride_a = stride_a;
    g.stride_b = stride_b;
    g.stride_c = stride_c;
    return g;
  }

  std::vector<float> Run(const KernelTable& table, ThreadPool* pool, Status* status) const {
    std::vector<float> output = c;
    *status = table.sgemm(Args(output.data()), pool);
    return output;
  }
};

double Activate(UnaryOp op, double param, double x) {
  switch (op) {
    case UnaryOp::kRelu: return x < 0 ? 0 : x;
    case UnaryOp::kLeakyRelu: return x < 0 ? x * param : x;
    case UnaryOp::kElu: return x < 0 ? param * std::expm1(x) : x;
    case UnaryOp::kSigmoid: return 1 / (1 + std::exp(-x));
    case UnaryOp::kTanh: return std::tanh(x);
    case UnaryOp::kGeluErf: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case UnaryOp::kSilu: return x / (1 + std::exp(-x));
    case UnaryOp::kSoftplus: return std::log1p(std::exp(x));
    case UnaryOp::kSelu: return 1.0507009873554805 * (x < 0 ? 1.6732632423543772 * std::expm1(x) : x);
    case UnaryOp::kSoftsign: return x / (1 + std::fabs(x));
    case UnaryOp::kHardSigmoid: return std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6;
    case UnaryOp::kHardSwish: return x * std::fmin(std::fmax(x + 3, 0.0), 6.0) / 6;
    case UnaryOp::kRelu6: return std::fmin(std::fmax(x, 0.0), 6.0);
    case UnaryOp::kMish: return x * std::tanh(std::log1p(std::exp(x)));
    default: return x;
  }
}

bool InlineActivation(UnaryOp op) {
  return op == UnaryOp::kIdentity || op == UnaryOp::kRelu || op == UnaryOp::kLeakyRelu || op == UnaryOp::kRelu6;
}

// Exact (double) expected output and the error bound of each element; padding must come back untouched.
void Expected(const Problem& p, std::vector<double>* exact, std::vector<double>* bound) {
  const Case& s = p.spec;
  exact->assign(p.c.size(), 0.0);
  bound->assign(p.c.size(), 0.0);
  const double eps = FLT_EPSILON;
  for (int64_t t = 0; t < s.batch; ++t) {
    for (int64_t i = 0; i < s.m; ++i) {
      for (int64_t j = 0; j < s.n; ++j) {
        double sum = 0, magnitude = 0;
        for (int64_t q = 0; q < s.k; ++q) {
          double x = s.trans_a ? p.a[t * p.stride_a + q * p.lda + i] : p.a[t * p.stride_a + i * p.lda + q];
          double y = s.trans_b ? p.b[t * p.stride_b + j * p.ldb + q] : p.b[t * p.stride_b + q * p.ldb + j];
          sum += x * y;
          magnitude += std::fabs(x * y);
        }
        const int64_t at = t * p.stride_c + i * p.ldc + j;
        double old = s.beta == 0.0f ? 0.0 : static_cast<double>(s.beta) * p.c[at];
        double bias = s.bias ? p.bias[j] : 0.0;
        double value = s.alpha * sum + old + bias;
        double error = (std::fabs(s.alpha) * magnitude + std::fabs(old) + std::fabs(bias)) * (s.k + 4) * eps + 1e-30;
        double activated = Activate(s.activation, s.param, value);
        if (!InlineActivation(s.activation)) error = error * 2 + 2e-6 * (1 + std::fabs(activated));
        (*exact)[at] = activated;
        (*bound)[at] = error;
      }
    }
  }
}

bool IsOutput(const Problem& p, int64_t index) {
  if (p.stride_c == 0) return false;  // m == 0: no output at all
  const int64_t t = index / p.stride_c, within = index % p.stride_c;
  return t < p.spec.batch && within < p.spec.m * p.ldc && within % p.ldc < p.spec.n;
}

// Compares `got` with the exact values within `scale` times the bound; padding must equal p.c's.
int CountMismatches(const Problem& p, const std::vector<float>& got, const std::vector<double>& exact,
                    const std::vector<double>& bound, double scale, const std::string& label) {
  int mismatches = 0;
  for (size_t index = 0; index < got.size(); ++index) {
    bool ok;
    if (IsOutput(p, static_cast<int64_t>(index))) {
      ok = std::fabs(got[index] - exact[index]) <= scale * bound[index];
    } else {
      ok = std::memcmp(&got[index], &p.c[index], sizeof(float)) == 0;  // untouched padding (NaN)
    }
    if (!ok && ++mismatches <= 3) {
      std::fprintf(stderr, "    %s [%s] at %zu: got %.9g, expected %.9g (bound %.3g)\n", label.c_str(),
                   Describe(p.spec).c_str(), index, got[index], exact[index], scale * bound[index]);
    }
  }
  return mismatches;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  // Edges of every tile size (avx512 14 x 32, avx2 6 x 16), primes, 0 and 1, in all four transposes.
  const int64_t sizes[] = {0, 1, 2, 5, 6, 7, 13, 14, 15, 16, 17, 29, 31, 32, 33, 47};
  uint64_t state = 12345;
  for (int trans = 0; trans < 4; ++trans) {
    for (int64_t m : sizes) {
      Case c;
      c.trans_a = trans & 1;
      c.trans_b = (trans >> 1) & 1;
      c.m = m;
      c.n = sizes[Next(&state) % 16];
      c.k = sizes[Next(&state) % 16];
      c.pad_a = Next(&state) % 3;
      c.pad_b = Next(&state) % 3;
      c.pad_c = Next(&state) % 3;
      cases.push_back(c);
    }
  }
  // Blocking boundaries: k over the k block (384), n over the column block (384), several row panels.
  // One and two rows: wide tiles over B read in place, full and partial, past the k block.
  const int64_t large[][3] = {{61, 97, 401}, {100, 421, 37}, {29, 65, 800}, {131, 33, 129}, {3, 800, 20},
                              {1, 401, 530}, {2, 129, 77},   {2, 255, 600}, {1, 63, 9}};
  for (int trans = 0; trans < 4; ++trans) {
    for (const auto& shape : large) {
      Case c;
      c.trans_a = trans & 1;
      c.trans_b = (trans >> 1) & 1;
      c.m = shape[0];
      c.n = shape[1];
      c.k = shape[2];
      c.pad_a = 5;
      c.pad_b = 3;
      c.pad_c = 1;
      cases.push_back(c);
    }
  }
  // alpha / beta (beta = 0 with NaN in C is the default above), bias and the epilogue activations.
  struct Epilogue {
    float alpha, beta;
    bool bias;
    UnaryOp activation;
    float param;
  };
  const Epilogue epilogues[] = {
      {0.5f, 1.0f, false, UnaryOp::kIdentity, 0},   {-1.25f, 0.75f, true, UnaryOp::kRelu, 0},
      {1.0f, 0.0f, true, UnaryOp::kLeakyRelu, 0.2f}, {2.0f, -0.5f, true, UnaryOp::kIdentity, 0},
      {1.0f, 0.0f, true, UnaryOp::kSigmoid, 0},      {1.0f, 0.5f, true, UnaryOp::kTanh, 0},
      {1.0f, 0.0f, true, UnaryOp::kElu, 0.7f},       {0.7f, 0.0f, false, UnaryOp::kGeluErf, 0},
      {0.0f, 0.5f, true, UnaryOp::kRelu, 0},         {1.0f, 0.0f, true, UnaryOp::kSilu, 0},
      {1.0f, 0.0f, true, UnaryOp::kRelu6, 0},        {-1.0f, 0.5f, true, UnaryOp::kRelu6, 0},
      {1.0f, 0.5f, true, UnaryOp::kSelu, 0},         {1.0f, 0.0f, true, UnaryOp::kMish, 0},
      {0.5f, 0.0f, true, UnaryOp::kHardSwish, 0},    {1.0f, 0.0f, true, UnaryOp::kHardSigmoid, 0},
      {1.0f, 0.0f, false, UnaryOp::kSoftsign, 0},
  };
  int index = 0;
  for (const Epilogue& e : epilogues) {
    for (int64_t k : {int64_t{0}, int64_t{45}, int64_t{500}}) {
      Case c;
      c.trans_a = index & 1;
      c.trans_b = (index >> 1) & 1;
      ++index;
      c.m = 19;
      c.n = 37;
      c.k = k;
      c.pad_c = 3;
      c.alpha = e.alpha;
      c.beta = e.beta;
      c.bias = e.bias;
      c.activation = e.activation;
      c.param = e.param;
      cases.push_back(c);
    }
  }
  // Batches: strided items with NaN gaps, small items (spread over threads) and large ones (split).
  for (int trans = 0; trans < 4; ++trans) {
    Case c;
    c.trans_a = trans & 1;
    c.trans_b = (trans >> 1) & 1;
    c.m = 9;
    c.n = 20;
    c.k = 11;
    c.batch = 5;
    c.gap = 7;
    c.pad_a = 1;
    c.beta = 0.5f;
    c.bias = true;
    c.activation = UnaryOp::kRelu;
    cases.push_back(c);
    c.m = 70;
    c.n = 90;
    c.k = 200;
    c.batch = 3;
    cases.push_back(c);
  }
  return cases;
}

}  // namespace

DN_TEST(SgemmReferenceMatchesDoubleProduct) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  ThreadPool pool(1);
  uint64_t seed = 1;
  for (const Case& spec : Cases()) {
    Problem p(spec, seed++);
    Status status;
    std::vector<float> got = p.Run(reference, &pool, &status);
    DN_EXPECT(status == Status::kOk);
    std::vector<double> exact, bound;
    Expected(p, &exact, &bound);
    DN_EXPECT(CountMismatches(p, got, exact, bound, 1.0, "ref") == 0);
  }
}

DN_TEST(SgemmEveryIsaMatchesReferenceAndIsThreadCountIndependent) {
  KernelTable reference = MakeKernelTable(Isa::kScalar);
  ThreadPool one(1), two(2);
  uint64_t seed = 1;
  for (const Case& spec : Cases()) {
    Problem p(spec, seed++);
    Status status;
    std::vector<float> expected = p.Run(reference, &one, &status);
    std::vector<double> exact, bound;
    Expected(p, &exact, &bound);
    test::ForEachIsa([&](const KernelTable& table) {
      if (table.isa == Isa::kScalar) return;
      std::vector<float> single = p.Run(table, &one, &status);
      DN_EXPECT(status == Status::kOk);
      DN_EXPECT(CountMismatches(p, single, exact, bound, 2.0, IsaName(table.isa)) == 0);
      std::vector<float> dual = p.Run(table, &two, &status);
      DN_EXPECT(status == Status::kOk);
      if (std::memcmp(single.data(), dual.data(), single.size() * sizeof(float)) != 0) {
        std::fprintf(stderr, "    %s [%s]: 1 and 2 threads differ\n", IsaName(table.isa), Describe(spec).c_str());
        DN_EXPECT(!"thread count changed the result");
      }
    });
  }
}

// Large enough (over the driver's 160^3 serial threshold) that two threads really split the work, both
// ways (rows and columns); 10 x 1000 x 500 reads B in place (one row panel, B of 500 K elements) when B
// is not transposed.
DN_TEST(SgemmSplitsAcrossThreadsBitwiseIdentically) {
  const int64_t shapes[][3] = {{400, 40, 300}, {40, 700, 300}, {256, 256, 784}, {10, 1000, 500}};
  ThreadPool one(1), two(2), three(3);
  for (int trans = 0; trans < 4; ++trans) {
    for (const auto& shape : shapes) {
      Case spec;
      spec.trans_a = trans & 1;
      spec.trans_b = (trans >> 1) & 1;
      spec.m = shape[0];
      spec.n = shape[1];
      spec.k = shape[2];
      spec.bias = true;
      spec.activation = UnaryOp::kTanh;
      Problem p(spec, 99);
      test::ForEachIsa([&](const KernelTable& table) {
        if (table.isa == Isa::kScalar) return;
        Status s1, s2, s3;
        std::vector<float> single = p.Run(table, &one, &s1);
        std::vector<float> dual = p.Run(table, &two, &s2);
        std::vector<float> triple = p.Run(table, &three, &s3);
        DN_EXPECT(s1 == Status::kOk && s2 == Status::kOk && s3 == Status::kOk);
        DN_EXPECT(std::memcmp(single.data(), dual.data(), single.size() * sizeof(float)) == 0);
        DN_EXPECT(std::memcmp(single.data(), triple.data(), single.size() * sizeof(float)) == 0);
      });
    }
  }
}

DN_TEST(SgemmRejectsInvalidArguments) {
  std::vector<float> a(16, 1.0f), b(16, 1.0f), c(16, 0.0f);
  ThreadPool pool(1);
  test::ForEachIsa([&](const KernelTable& table) {
    GemmArgs g;
    g.m = g.n = g.k = 4;
    g.a = a.data();
    g.b = b.data();
    g.c = c.data();
    g.lda = g.ldb = g.ldc = 4;
    DN_EXPECT(table.sgemm(g, &pool) == Status::kOk);
    DN_EXPECT(c[0] == 4.0f);
    GemmArgs bad = g;
    bad.lda = 3;
    DN_EXPECT(table.sgemm(bad, &pool) == Status::kInvalidArgument);
    bad = g;
    bad.ldc = 2;
    DN_EXPECT(table.sgemm(bad, &pool) == Status::kInvalidArgument);
    bad = g;
    bad.m = -1;
    DN_EXPECT(table.sgemm(bad, &pool) == Status::kInvalidArgument);
    bad = g;
    bad.activation = static_cast<UnaryOp>(99);
    DN_EXPECT(table.sgemm(bad, &pool) == Status::kInvalidArgument);
    // No output: returns at once, whatever the batch (no walk over 2^40 empty products).
    GemmArgs empty = g;
    empty.m = 0;
    empty.batch = int64_t{1} << 40;
    DN_EXPECT(table.sgemm(empty, &pool) == Status::kOk);
    bad = g;
    bad.trans_a = true;
    bad.m = 5;  // transposed A is k x m: lda must be >= m
    DN_EXPECT(table.sgemm(bad, &pool) == Status::kInvalidArgument);
  });
}
