// Layer normalization and attention kernels: the reference against definitions in double written out
// here, every ISA path against the reference, and 1 vs 3 threads bitwise. Outputs start as NaN, so an
// element a kernel forgets to write fails.
#include <algorithm>
#include <cmath>
#include <limits>
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
// At least one element, so that even an empty tensor has a data pointer (as the bindings give the kernels).
std::vector<float> Random(int64_t n, uint64_t seed) {
  std::vector<float> values(static_cast<size_t>(n > 0 ? n : 1));
  for (float& v : values) v = Uniform(&seed);
  return values;
}

bool Bitwise(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i]) || (!std::isnan(a[i]) && a[i] != b[i])) return false;
  }
  return true;
}

// Counts elements of `got` farther from `want` than atol + rtol * |want| (NaN never close).
int Mismatches(const std::vector<float>& got, const std::vector<float>& want, double atol, double rtol, const std::string& label) {
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double error = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(error <= atol + rtol * std::fabs(want[i])) && !(std::isinf(want[i]) && got[i] == want[i])) {
      if (bad < 3) std::fprintf(stderr, "  %s: element %zu got %.9g, want %.9g\n", label.c_str(), i, got[i], want[i]);
      ++bad;
    }
  }
  return bad;
}

}  // namespace

DN_TEST(LayerNormMatchesDefinitionOnEveryIsa) {
  ThreadPool one(1), three(3);
  const int64_t shapes[][2] = {{1, 1}, {3, 5}, {7, 16}, {33, 64}, {300, 17}, {600, 130}, {2, 1000}, {0, 4}, {4, 0}};
  uint64_t seed = 900;
  for (const auto& shape : shapes) {
    const int64_t rows = shape[0], cols = shape[1];
    std::vector<float> x = Random(rows * cols, seed += 10), dy = Random(rows * cols, seed + 1);
    std::vector<float> gamma = Random(cols, seed + 2), beta = Random(cols, seed + 3);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 50.0f + 3.0f * x[i] * static_cast<float>(1 + i % 7);  // a large mean
    for (int variant = 0; variant < 2; ++variant) {
      const bool affine = variant == 0;
      // The definition in double.
      std::vector<double> mean(rows), inv_std(rows), y(rows * cols), dx(rows * cols), dgamma(cols, 0.0), dbeta(cols, 0.0);
      for (int64_t r = 0; r < rows; ++r) {
        double sum = 0, squares = 0;
        for (int64_t c = 0; c < cols; ++c) sum += x[r * cols + c];
        mean[r] = cols == 0 ? 0 : sum / cols;
        for (int64_t c = 0; c < cols; ++c) squares += (x[r * cols + c] - mean[r]) * (x[r * cols + c] - mean[r]);
        inv_std[r] = 1 / std::sqrt((cols == 0 ? 0 : squares / cols) + 1e-3);
        double sum_g = 0, sum_g_xhat = 0;
        for (int64_t c = 0; c < cols; ++c) {
          const double xhat = (x[r * cols + c] - mean[r]) * inv_std[r];
          const double g = dy[r * cols + c] * (affine ? gamma[c] : 1.0);
          y[r * cols + c] = xhat * (affine ? gamma[c] : 1.0) + (affine ? beta[c] : 0.0);
          sum_g += g;
          sum_g_xhat += g * xhat;
          dgamma[c] += dy[r * cols + c] * xhat;
          dbeta[c] += dy[r * cols + c];
        }
        for (int64_t c = 0; c < cols; ++c) {
          const double xhat = (x[r * cols + c] - mean[r]) * inv_std[r];
          const double g = dy[r * cols + c] * (affine ? gamma[c] : 1.0);
          dx[r * cols + c] = inv_std[r] * (g - sum_g / cols - xhat * sum_g_xhat / cols);
        }
      }
      test::ForEachIsa([&](const KernelTable& table) {
        const std::string label = std::string("layer_norm ") + IsaName(table.isa) + " " + std::to_string(rows) + "x" + std::to_string(cols);
        std::vector<float> out1(rows * cols, kNaN), out3(rows * cols, kNaN), m1(rows, kNaN), s1(rows, kNaN), m3(rows), s3(rows);
        LayerNormArgs a;
        a.rows = rows, a.cols = cols, a.x = x.data(), a.gamma = affine ? gamma.data() : nullptr, a.beta = affine ? beta.data() : nullptr;
        a.y = out1.data(), a.mean = m1.data(), a.inv_std = s1.data();
        DN_EXPECT(table.layer_norm(a, &one) == Status::kOk);
        a.y = out3.data(), a.mean = m3.data(), a.inv_std = s3.data();
        DN_EXPECT(table.layer_norm(a, &three) == Status::kOk);
        DN_EXPECT(Bitwise(out1, out3) && Bitwise(m1, m3) && Bitwise(s1, s3));
        std::vector<float> want_y(y.begin(), y.end());
        DN_EXPECT(Mismatches(out1, want_y, 2e-5, 2e-5, label + " y") == 0);
        // Backward, with the gradients of gamma and beta accumulated onto 1.
        std::vector<float> dx1(rows * cols, kNaN), dx3(rows * cols, kNaN), dg1(cols, 1.0f), db1(cols, 1.0f), dg3(cols, 1.0f), db3(cols, 1.0f);
        a.dy = dy.data(), a.mean = m1.data(), a.inv_std = s1.data(), a.accumulate = true;
        a.dx = dx1.data(), a.dgamma = dg1.data(), a.dbeta = db1.data();
        DN_EXPECT(table.layer_norm_backward(a, &one) == Status::kOk);
        a.dx = dx3.data(), a.dgamma = dg3.data(), a.dbeta = db3.data();
        DN_EXPECT(table.layer_norm_backward(a, &three) == Status::kOk);
        DN_EXPECT(Bitwise(dx1, dx3) && Bitwise(dg1, dg3) && Bitwise(db1, db3));
        std::vector<float> want_dx(dx.begin(), dx.end()), want_dg(cols), want_db(cols);
        for (int64_t c = 0; c < cols; ++c) want_dg[c] = static_cast<float>(1 + dgamma[c]), want_db[c] = static_cast<float>(1 + dbeta[c]);
        DN_EXPECT(Mismatches(dx1, want_dx, 5e-5, 5e-5, label + " dx") == 0);
        const double sum_atol = 2e-6 * static_cast<double>(rows) + 1e-5;
        DN_EXPECT(Mismatches(dg1, want_dg, sum_atol, 1e-5, label + " dgamma") == 0);
        DN_EXPECT(Mismatches(db1, want_db, sum_atol, 1e-5, label + " dbeta") == 0);
        // Only dx (the statistics of a frozen layer): the column sums are left alone.
        std::vector<float> dx_only(rows * cols, kNaN);
        a.dx = dx_only.data(), a.dgamma = nullptr, a.dbeta = nullptr;
        DN_EXPECT(table.layer_norm_backward(a, &three) == Status::kOk);
        DN_EXPECT(Bitwise(dx_only, dx3));
      });
    }
  }
}

namespace {

// One attention problem: sizes, layout, mask and options, with data.
struct AttentionCase {
  int64_t batch, heads, q_len, kv_len, head_dim, value_dim;
  bool interleaved;  // [batch, len, heads, dim] layout (as multi-head attention's projections give), else [batch, heads, len, dim]
  int mask_kind;     // 0 none, 1 key padding [batch, kv_len], 2 full [batch, q_len, kv_len]
  bool causal;
  int64_t causal_offset;
  float dropout;
};

struct AttentionData {
  AttentionArgs a;
  std::vector<float> q, k, v, mask, d_out;
};

void Strides(const AttentionCase& c, int64_t len, int64_t dim, int64_t* s) {
  if (c.interleaved) s[0] = len * c.heads * dim, s[1] = dim, s[2] = c.heads * dim;
  else s[0] = c.heads * len * dim, s[1] = len * dim, s[2] = dim;
}

AttentionData MakeAttention(const AttentionCase& c, uint64_t seed) {
  AttentionData d;
  AttentionArgs& a = d.a;
  a.batch = c.batch, a.heads = c.heads, a.q_len = c.q_len, a.kv_len = c.kv_len, a.head_dim = c.head_dim, a.value_dim = c.value_dim;
  d.q = Random(c.batch * c.heads * c.q_len * c.head_dim, seed);
  d.k = Random(c.batch * c.heads * c.kv_len * c.head_dim, seed + 1);
  d.v = Random(c.batch * c.heads * c.kv_len * c.value_dim, seed + 2);
  d.d_out = Random(c.batch * c.heads * c.q_len * c.value_dim, seed + 3);
  for (float& x : d.q) x *= 3.0f;  // scores of a few units: a peaked softmax
  Strides(c, c.q_len, c.head_dim, a.q_stride);
  Strides(c, c.kv_len, c.head_dim, a.k_stride);
  Strides(c, c.kv_len, c.value_dim, a.v_stride);
  Strides(c, c.q_len, c.value_dim, a.out_stride);
  // The gradients in the other layout than their tensors (as the ops give them: contiguous in the shape).
  AttentionCase other = c;
  other.interleaved = !c.interleaved;
  Strides(other, c.q_len, c.value_dim, a.d_out_stride);
  Strides(other, c.q_len, c.head_dim, a.d_q_stride);
  Strides(other, c.kv_len, c.head_dim, a.d_k_stride);
  Strides(other, c.kv_len, c.value_dim, a.d_v_stride);
  uint64_t state = seed + 4;
  if (c.mask_kind == 1) {
    // Each sequence keeps a prefix of its keys (at least one).
    d.mask.assign(c.batch * c.kv_len, 0.0f);
    for (int64_t b = 0; b < c.batch; ++b) {
      const int64_t length = 1 + static_cast<int64_t>(Next(&state) % static_cast<uint64_t>(c.kv_len));
      for (int64_t j = 0; j < length; ++j) d.mask[b * c.kv_len + j] = 1.0f;
    }
    a.mask_stride[0] = c.kv_len, a.mask_stride[1] = 0, a.mask_stride[2] = 0, a.mask_stride[3] = 1;
  } else if (c.mask_kind == 2) {
    // A random pattern (some rows fully masked), shared by the heads.
    d.mask.resize(c.batch * c.q_len * c.kv_len);
    for (float& m : d.mask) m = Next(&state) % 4 == 0 ? 0.0f : 1.0f;
    for (int64_t j = 0; j < c.kv_len && c.q_len > 1; ++j) d.mask[1 * c.kv_len + j] = 0.0f;
    a.mask_stride[0] = c.q_len * c.kv_len, a.mask_stride[1] = 0, a.mask_stride[2] = c.kv_len, a.mask_stride[3] = 1;
  }
  a.mask = d.mask.empty() ? nullptr : d.mask.data();
  a.q = d.q.data(), a.k = d.k.data(), a.v = d.v.data(), a.d_out = d.d_out.data();
  a.causal = c.causal, a.causal_offset = c.causal_offset;
  a.scale = c.head_dim > 0 ? 1.0f / std::sqrt(static_cast<float>(c.head_dim)) : 1.0f;
  a.dropout_rate = c.dropout, a.dropout_seed = 12345;
  return d;
}

struct AttentionResult {
  std::vector<float> out, logsumexp, probs, d_q, d_k, d_v;
};

AttentionResult RunAttention(const KernelTable& table, AttentionData d, ThreadPool* pool, bool with_probs) {
  AttentionResult r;
  AttentionArgs& a = d.a;
  const int64_t rows = a.batch * a.heads * a.q_len;
  r.out.assign(std::max<int64_t>(rows * a.value_dim, 1), kNaN);
  r.logsumexp.assign(std::max<int64_t>(rows, 1), kNaN);
  if (with_probs) r.probs.assign(std::max<int64_t>(rows * a.kv_len, 1), kNaN);
  r.d_q.assign(d.q.size(), kNaN), r.d_k.assign(d.k.size(), kNaN), r.d_v.assign(d.v.size(), kNaN);
  a.out = r.out.data(), a.logsumexp = r.logsumexp.data(), a.probs = with_probs ? r.probs.data() : nullptr;
  DN_EXPECT(table.attention_forward(a, pool) == Status::kOk);
  a.probs = nullptr;
  a.d_q = r.d_q.data(), a.d_k = r.d_k.data(), a.d_v = r.d_v.data();
  DN_EXPECT(table.attention_backward(a, pool) == Status::kOk);
  // Back to the tensors' true sizes (buffers hold at least one element: see Random).
  r.out.resize(rows * a.value_dim), r.logsumexp.resize(rows), r.probs.resize(with_probs ? rows * a.kv_len : 0);
  r.d_q.resize(rows * a.head_dim), r.d_k.resize(a.batch * a.heads * a.kv_len * a.head_dim);
  r.d_v.resize(a.batch * a.heads * a.kv_len * a.value_dim);
  return r;
}

std::string Describe(const AttentionCase& c) {
  char text[200];
  std::snprintf(text, sizeof text, "b%lld h%lld q%lld kv%lld d%lld dv%lld %s mask%d causal%d%+lld dropout%.2f",
                (long long)c.batch, (long long)c.heads, (long long)c.q_len, (long long)c.kv_len, (long long)c.head_dim,
                (long long)c.value_dim, c.interleaved ? "interleaved" : "planar", c.mask_kind, c.causal ? 1 : 0,
                (long long)c.causal_offset, c.dropout);
  return text;
}

const AttentionCase kAttentionCases[] = {
    {1, 1, 1, 1, 1, 1, false, 0, false, 0, 0.0f},
    {2, 3, 5, 7, 4, 6, false, 0, false, 0, 0.0f},
    {2, 2, 16, 16, 16, 16, true, 0, true, 0, 0.0f},        // a names GPT's blocks
    {1, 2, 33, 70, 8, 5, true, 1, false, 0, 0.0f},         // past one block of queries and of keys; key padding
    {2, 1, 40, 40, 24, 24, false, 2, false, 0, 0.0f},      // a full mask with fully masked rows
    {1, 2, 70, 70, 16, 16, true, 0, true, 0, 0.0f},        // causal across blocks
    {1, 1, 3, 130, 16, 16, true, 0, true, 127, 0.0f},      // decoding with a cache: queries at the end
    {1, 2, 20, 10, 4, 4, false, 0, true, -5, 0.0f},        // causal offset below 0: the first rows see nothing
    {2, 2, 37, 45, 12, 9, true, 1, true, 8, 0.3f},         // dropout, mask and causal together
    {1, 1, 129, 200, 64, 64, false, 0, false, 0, 0.1f},
    {1, 1, 4, 0, 4, 4, false, 0, false, 0, 0.0f},          // no keys: zeros
    {1, 1, 4, 3, 0, 2, false, 0, false, 0, 0.0f},          // head_dim 0: uniform weights
};

}  // namespace

DN_TEST(AttentionReferenceMatchesDefinition) {
  // The definition written out over whole matrices, in double, for a small case with a mask and causality.
  const AttentionCase c{2, 2, 6, 9, 5, 3, true, 2, true, 2, 0.0f};
  AttentionData d = MakeAttention(c, 77);
  ThreadPool pool(1);
  const KernelTable scalar = MakeKernelTable(Isa::kScalar);
  AttentionResult r = RunAttention(scalar, d, &pool, true);
  int bad = 0;
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.heads; ++h) {
      for (int64_t i = 0; i < c.q_len; ++i) {
        std::vector<double> p(c.kv_len, 0.0);
        double max = -INFINITY, sum = 0;
        for (int64_t j = 0; j < c.kv_len; ++j) {
          const bool allowed = j <= i + 2 && d.mask[b * c.q_len * c.kv_len + i * c.kv_len + j] != 0.0f;
          if (!allowed) { p[j] = -INFINITY; continue; }
          double dot = 0;
          for (int64_t e = 0; e < c.head_dim; ++e) dot += d.q[((b * c.q_len + i) * c.heads + h) * c.head_dim + e] * d.k[((b * c.kv_len + j) * c.heads + h) * c.head_dim + e];
          p[j] = dot / std::sqrt(5.0);
          max = std::max(max, p[j]);
        }
        for (int64_t j = 0; j < c.kv_len; ++j) sum += max == -INFINITY ? 0 : std::exp(p[j] - max);
        for (int64_t j = 0; j < c.kv_len; ++j) {
          p[j] = max == -INFINITY ? 0 : std::exp(p[j] - max) / sum;
          const float got = r.probs[((b * c.heads + h) * c.q_len + i) * c.kv_len + j];
          if (std::fabs(got - p[j]) > 1e-6) ++bad;
        }
        for (int64_t e = 0; e < c.value_dim; ++e) {
          double o = 0;
          for (int64_t j = 0; j < c.kv_len; ++j) o += p[j] * d.v[((b * c.kv_len + j) * c.heads + h) * c.value_dim + e];
          if (std::fabs(r.out[((b * c.q_len + i) * c.heads + h) * c.value_dim + e] - o) > 1e-6) ++bad;
        }
      }
    }
  }
  DN_EXPECT(bad == 0);
}

DN_TEST(AttentionMatchesReferenceOnEveryIsa) {
  ThreadPool one(1), three(3);
  uint64_t seed = 3000;
  for (const AttentionCase& c : kAttentionCases) {
    const AttentionData d = MakeAttention(c, seed += 10);
    const AttentionResult want = RunAttention(MakeKernelTable(Isa::kScalar), d, &one, true);
    // Dropout keeps about 1 - rate of the scores.
    if (c.dropout > 0.0f) {
      int64_t kept = 0, total = c.batch * c.heads * c.q_len * c.kv_len;
      const uint32_t threshold = ref::AttentionDropThreshold(c.dropout);
      for (int64_t n = 0; n < total; ++n) kept += ref::AttentionKeep(12345, static_cast<uint64_t>(n), threshold);
      DN_EXPECT(std::fabs(static_cast<double>(kept) / total - (1 - c.dropout)) < 0.02);
    }
    test::ForEachIsa([&](const KernelTable& table) {
      const std::string label = std::string("attention ") + IsaName(table.isa) + " " + Describe(c);
      const AttentionResult got = RunAttention(table, d, &one, true);
      const AttentionResult got3 = RunAttention(table, d, &three, false);
      DN_EXPECT(Bitwise(got.out, got3.out) && Bitwise(got.logsumexp, got3.logsumexp));
      DN_EXPECT(Bitwise(got.d_q, got3.d_q) && Bitwise(got.d_k, got3.d_k) && Bitwise(got.d_v, got3.d_v));
      DN_EXPECT(Mismatches(got.out, want.out, 2e-5, 1e-4, label + " out") == 0);
      DN_EXPECT(Mismatches(got.logsumexp, want.logsumexp, 2e-5, 1e-5, label + " logsumexp") == 0);
      DN_EXPECT(Mismatches(got.probs, want.probs, 1e-6, 1e-4, label + " probs") == 0);
      DN_EXPECT(Mismatches(got.d_q, want.d_q, 1e-4, 1e-3, label + " dq") == 0);
      DN_EXPECT(Mismatches(got.d_k, want.d_k, 1e-4, 1e-3, label + " dk") == 0);
      DN_EXPECT(Mismatches(got.d_v, want.d_v, 1e-4, 1e-3, label + " dv") == 0);
    });
    // Probabilities: each row sums to 1 (0 for a row that sees no key), masked scores are 0.
    int bad = 0;
    for (int64_t row = 0; row < c.batch * c.heads * c.q_len; ++row) {
      double sum = 0;
      for (int64_t j = 0; j < c.kv_len; ++j) sum += want.probs[row * c.kv_len + j];
      const bool empty = std::isinf(want.logsumexp[row]);
      if (std::fabs(sum - (empty ? 0.0 : 1.0)) > 1e-5) ++bad;
      if (c.causal) {
        const int64_t i = row % c.q_len;
        for (int64_t j = i + c.causal_offset + 1; j < c.kv_len; ++j) {
          if (j >= 0 && want.probs[row * c.kv_len + j] != 0.0f) ++bad;
        }
      }
    }
    DN_EXPECT(bad == 0);
  }
}

DN_TEST(AttentionRejectsInvalidArguments) {
  ThreadPool pool(1);
  AttentionData d = MakeAttention(kAttentionCases[1], 5);
  std::vector<float> out(2 * 3 * 5 * 6), lse(2 * 3 * 5);
  d.a.out = out.data(), d.a.logsumexp = lse.data();
  test::ForEachIsa([&](const KernelTable& table) {
    AttentionArgs a = d.a;
    a.dropout_rate = 1.0f;
    DN_EXPECT(table.attention_forward(a, &pool) == Status::kInvalidArgument);
    a = d.a;
    a.scale = INFINITY;
    DN_EXPECT(table.attention_forward(a, &pool) == Status::kInvalidArgument);
    DN_EXPECT(table.attention_forward(d.a, nullptr) == Status::kInvalidArgument);
    DN_EXPECT(table.attention_backward(d.a, &pool) == Status::kInvalidArgument);  // no gradient buffers
  });
}
