// Recurrent cells, the sequence driver and the embedding row kernels: the reference cells against
// double-precision formulas, every ISA's cells and driver against the reference (row widths around the
// lane counts, masked rows, activations whose gradient reads the pre-activation), and the driver on 1
// and 2 threads bitwise.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "dendrite/recurrent.h"
#include "kernels/ref/ref.h"
#include "native_test.h"

using namespace dendrite;

namespace {

struct Random {
  uint64_t state;
  float Uniform(float low, float high) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return low + (high - low) * static_cast<float>((state >> 40) * (1.0 / 16777216.0));
  }
  std::vector<float> Vector(size_t n, float low, float high) {
    std::vector<float> v(n);
    for (float& x : v) x = Uniform(low, high);
    return v;
  }
};

bool Close(const std::vector<float>& got, const std::vector<float>& want, double abs, double rel, const std::string& what) {
  if (got.size() != want.size()) {
    std::fprintf(stderr, "    %s: size %zu, want %zu\n", what.c_str(), got.size(), want.size());
    return false;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const double g = got[i], w = want[i];
    if (!(std::fabs(g - w) <= abs + rel * std::fabs(w))) {
      std::fprintf(stderr, "    %s index %zu: got %.9g, want %.9g\n", what.c_str(), i, g, w);
      return false;
    }
  }
  return true;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

const int64_t kUnits[] = {1, 7, 8, 9, 16, 17, 33};

struct Activations {
  UnaryOp activation, recurrent;
  float param;
  const char* name;
};
const Activations kActivations[] = {
    {UnaryOp::kTanh, UnaryOp::kSigmoid, 0.0f, "tanh/sigmoid"},
    {UnaryOp::kRelu, UnaryOp::kHardSigmoid, 0.0f, "relu/hardSigmoid"},
    {UnaryOp::kGeluErf, UnaryOp::kSigmoid, 0.0f, "gelu/sigmoid (pre-activations)"},
    {UnaryOp::kElu, UnaryOp::kSoftsign, 1.0f, "elu/softsign (pre-activations)"},
};

CellActivations Act(const Activations& a) {
  CellActivations act;
  act.activation = a.activation;
  act.activation_param = a.param;
  act.recurrent_activation = a.recurrent;
  return act;
}

}  // namespace

DN_TEST(LstmCellReferenceMatchesDoubleFormula) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  Random random{3};
  const int64_t rows = 3, u = 5;
  std::vector<float> z = random.Vector(rows * 4 * u, -3, 3), c_prev = random.Vector(rows * u, -2, 2),
                     h_prev = random.Vector(rows * u, -1, 1);
  std::vector<float> mask = {1, 0, 1};
  std::vector<float> gates = z, c(rows * u), c_act(rows * u), h(rows * u);
  LstmCellArgs a;
  a.rows = rows;
  a.units = u;
  a.gates = gates.data();
  a.c_prev = c_prev.data();
  a.h_prev = h_prev.data();
  a.mask = mask.data();
  a.c = c.data();
  a.c_act = c_act.data();
  a.h = h.data();
  DN_EXPECT(ref.lstm_cell(a) == Status::kOk);
  std::vector<float> want_c(rows * u), want_h(rows * u);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < u; ++j) {
      const float* zr = z.data() + r * 4 * u;
      double i = Sigmoid(zr[j]), f = Sigmoid(zr[u + j]), g = std::tanh(double(zr[2 * u + j])), o = Sigmoid(zr[3 * u + j]);
      double cv = f * c_prev[r * u + j] + i * g;
      want_c[r * u + j] = static_cast<float>(mask[r] != 0 ? cv : c_prev[r * u + j]);
      want_h[r * u + j] = static_cast<float>(mask[r] != 0 ? o * std::tanh(cv) : h_prev[r * u + j]);
    }
  }
  DN_EXPECT(Close(c, want_c, 1e-6, 1e-5, "c"));
  DN_EXPECT(Close(h, want_h, 1e-6, 1e-5, "h"));
}

DN_TEST(GruCellReferenceMatchesDoubleFormula) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  Random random{4};
  const int64_t rows = 2, u = 6;
  std::vector<float> x = random.Vector(rows * 3 * u, -2, 2), rec = random.Vector(rows * 3 * u, -2, 2),
                     h_prev = random.Vector(rows * u, -1, 1);
  std::vector<float> gates = x, h(rows * u);
  GruCellArgs a;
  a.rows = rows;
  a.units = u;
  a.gates = gates.data();
  a.recurrent = rec.data();
  a.h_prev = h_prev.data();
  a.h = h.data();
  DN_EXPECT(ref.gru_cell(a) == Status::kOk);
  std::vector<float> want(rows * u);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < u; ++j) {
      const float *xr = x.data() + r * 3 * u, *rr = rec.data() + r * 3 * u;
      double z = Sigmoid(double(xr[j]) + rr[j]), reset = Sigmoid(double(xr[u + j]) + rr[u + j]);
      double hh = std::tanh(xr[2 * u + j] + reset * rr[2 * u + j]);
      want[r * u + j] = static_cast<float>(z * h_prev[r * u + j] + (1 - z) * hh);
    }
  }
  DN_EXPECT(Close(h, want, 1e-6, 1e-5, "h"));
}

// Every cell kernel and its gradient on every ISA against the reference.
DN_TEST(CellKernelsMatchReferenceOnEveryIsa) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  test::ForEachIsa([&](const KernelTable& table) {
    for (const Activations& activations : kActivations) {
      for (int64_t u : kUnits) {
        for (int variant = 0; variant < 2; ++variant) {
          Random random{static_cast<uint64_t>(u * 7 + variant)};
          const int64_t rows = 4;
          const CellActivations act = Act(activations);
          std::vector<float> mask = {1, 0, 1, 1};
          const float* m = variant == 1 ? mask.data() : nullptr;
          const std::string what = std::string(IsaName(table.isa)) + " " + activations.name + " units " + std::to_string(u) +
                                   (variant == 1 ? " masked" : "");
          auto vec = [&](int64_t n) { return random.Vector(static_cast<size_t>(n), -2.5f, 2.5f); };
          // LSTM forward then backward, through each table.
          {
            std::vector<float> z = vec(rows * 4 * u), cp = vec(rows * u), hp = vec(rows * u), dh = vec(rows * u), dc = vec(rows * u);
            auto run = [&](const KernelTable& k) {
              std::vector<float> gates = z, pre(z.size()), c(rows * u), ca(rows * u), h(rows * u);
              LstmCellArgs a;
              a.rows = rows; a.units = u; a.act = act; a.gates = gates.data(); a.pre = pre.data(); a.c_prev = cp.data();
              a.h_prev = hp.data(); a.mask = m; a.c = c.data(); a.c_act = ca.data(); a.h = h.data();
              DN_EXPECT(k.lstm_cell(a) == Status::kOk);
              std::vector<float> dgates(z.size()), dcp = dc, carry(rows * u, 7.0f);
              LstmCellGradArgs g;
              g.rows = rows; g.units = u; g.act = act; g.gates = gates.data(); g.pre = pre.data(); g.c_prev = cp.data();
              g.c = c.data(); g.c_act = ca.data(); g.mask = m; g.dh = dh.data(); g.dc = dcp.data(); g.dgates = dgates.data();
              g.dc_prev = dcp.data(); g.dh_carry = carry.data();
              DN_EXPECT(k.lstm_cell_grad(g) == Status::kOk);
              std::vector<float> all = gates;
              for (auto* part : {&c, &ca, &h, &dgates, &dcp, &carry}) all.insert(all.end(), part->begin(), part->end());
              return all;
            };
            DN_EXPECT(Close(run(table), run(ref), 1e-5, 1e-5, what + " lstm"));
          }
          // GRU, both forms.
          for (bool reset_after : {true, false}) {
            std::vector<float> x = vec(rows * 3 * u), rec = vec(rows * 3 * u), hp = vec(rows * u), dh = vec(rows * u),
                               drh = vec(rows * u);
            auto run = [&](const KernelTable& k) {
              std::vector<float> gates = x, pre(x.size()), h(rows * u), reset_hidden(rows * u);
              GruCellArgs a;
              a.rows = rows; a.units = u; a.act = act; a.reset_after = reset_after; a.gates = gates.data(); a.pre = pre.data();
              a.recurrent = rec.data(); a.h_prev = hp.data(); a.h_in = hp.data(); a.mask = m; a.reset_hidden = reset_hidden.data();
              a.h = h.data();
              DN_EXPECT(k.gru_cell(a) == Status::kOk);
              if (!reset_after) {
                a.phase = 1;
                DN_EXPECT(k.gru_cell(a) == Status::kOk);
              }
              std::vector<float> dgates(x.size()), drec(x.size()), carry(rows * u), dh_in(rows * u);
              GruCellGradArgs g;
              g.rows = rows; g.units = u; g.act = act; g.reset_after = reset_after; g.gates = gates.data(); g.pre = pre.data();
              g.recurrent = rec.data(); g.h_prev = hp.data(); g.h_in = hp.data(); g.mask = m; g.dh = dh.data();
              g.dreset_hidden = drh.data(); g.dgates = dgates.data(); g.drecurrent = drec.data(); g.dh_carry = carry.data();
              g.dh_in = dh_in.data();
              DN_EXPECT(k.gru_cell_grad(g) == Status::kOk);
              if (!reset_after) {
                g.phase = 1;
                DN_EXPECT(k.gru_cell_grad(g) == Status::kOk);
              }
              std::vector<float> all = gates;
              for (auto* part : {&h, &reset_hidden, &dgates, &carry}) all.insert(all.end(), part->begin(), part->end());
              if (reset_after) all.insert(all.end(), drec.begin(), drec.end());
              else all.insert(all.end(), dh_in.begin(), dh_in.end());
              return all;
            };
            DN_EXPECT(Close(run(table), run(ref), 1e-5, 1e-5, what + (reset_after ? " gru" : " gru reset before")));
          }
          // Simple RNN.
          {
            std::vector<float> z = vec(rows * u), hp = vec(rows * u), dh = vec(rows * u);
            auto run = [&](const KernelTable& k) {
              std::vector<float> gates = z, pre(z.size()), h(rows * u);
              RnnCellArgs a;
              a.rows = rows; a.units = u; a.act = act; a.gates = gates.data(); a.pre = pre.data(); a.h_prev = hp.data();
              a.mask = m; a.h = h.data();
              DN_EXPECT(k.rnn_cell(a) == Status::kOk);
              std::vector<float> dgates(z.size()), carry(rows * u);
              RnnCellGradArgs g;
              g.rows = rows; g.units = u; g.act = act; g.gates = gates.data(); g.pre = pre.data(); g.mask = m;
              g.dh = dh.data(); g.dgates = dgates.data(); g.dh_carry = carry.data();
              DN_EXPECT(k.rnn_cell_grad(g) == Status::kOk);
              std::vector<float> all = gates;
              for (auto* part : {&h, &dgates, &carry}) all.insert(all.end(), part->begin(), part->end());
              return all;
            };
            DN_EXPECT(Close(run(table), run(ref), 1e-5, 1e-5, what + " rnn"));
          }
        }
      }
    }
  });
}

DN_TEST(CellKernelsRejectNegativeSizes) {
  test::ForEachIsa([&](const KernelTable& table) {
    LstmCellArgs lstm;
    lstm.rows = -1;
    DN_EXPECT(table.lstm_cell(lstm) == Status::kInvalidArgument);
    GruCellArgs gru;
    gru.reset_after = false;
    gru.phase = 2;
    DN_EXPECT(table.gru_cell(gru) == Status::kInvalidArgument);
    RnnCellGradArgs rnn;
    rnn.units = -3;
    DN_EXPECT(table.rnn_cell_grad(rnn) == Status::kInvalidArgument);
    DN_EXPECT(table.gather_rows(nullptr, -1, nullptr, 0, nullptr) == Status::kInvalidArgument);
  });
}

DN_TEST(GatherAndScatterAddRowsMatchReference) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  test::ForEachIsa([&](const KernelTable& table) {
    for (int64_t width : {1, 7, 16, 33}) {
      Random random{static_cast<uint64_t>(width)};
      const int64_t rows = 5;
      std::vector<int32_t> indices = {3, 0, 3, 4, 3, 1};
      const int64_t count = static_cast<int64_t>(indices.size());
      std::vector<float> tab = random.Vector(rows * width, -1, 1), grad = random.Vector(count * width, -1, 1);
      std::vector<float> out(count * width), want(count * width);
      DN_EXPECT(table.gather_rows(tab.data(), width, indices.data(), count, out.data()) == Status::kOk);
      DN_EXPECT(ref.gather_rows(tab.data(), width, indices.data(), count, want.data()) == Status::kOk);
      DN_EXPECT(out == want);
      std::vector<float> acc = tab, acc_want = tab;
      DN_EXPECT(table.scatter_add_rows(grad.data(), width, indices.data(), count, acc.data()) == Status::kOk);
      DN_EXPECT(ref.scatter_add_rows(grad.data(), width, indices.data(), count, acc_want.data()) == Status::kOk);
      DN_EXPECT(acc == acc_want);  // the same additions in the same order
    }
  });
}

namespace {

struct DriverCase {
  CellKind cell;
  bool reset_after;
  bool masked, dropout, backwards, zero_outputs;
  Activations act;
  int64_t batch, steps, inputs, units;
};

// Forward then backward of one case; returns every output and gradient.
std::vector<float> RunDriver(const KernelTable& kernels, ThreadPool* pool, const DriverCase& c) {
  Random random{static_cast<uint64_t>(c.batch * 131 + c.units * 7 + static_cast<int>(c.cell))};
  RecurrentShape shape;
  shape.cell = c.cell;
  shape.batch = c.batch;
  shape.steps = c.steps;
  shape.inputs = c.inputs;
  shape.units = c.units;
  shape.reset_after = c.reset_after;
  shape.masked = c.masked;
  shape.recurrent_dropout = c.dropout;
  static const float kOutput = 0.0f;
  shape.keep_pre = !ref::UnaryGradInputsValid(c.act.activation, c.act.param, nullptr, &kOutput) ||
                   !ref::UnaryGradInputsValid(c.act.recurrent, 0.0f, nullptr, &kOutput);
  const int64_t B = c.batch, T = c.steps, I = c.inputs, u = c.units, G = GatesPerUnit(c.cell) * u;
  const bool lstm = c.cell == CellKind::kLstm;
  const int64_t bias_size = c.cell == CellKind::kGru && c.reset_after ? 2 * G : G;
  std::vector<float> x = random.Vector(B * T * I, -1, 1), W = random.Vector(I * G, -0.5f, 0.5f),
                     R = random.Vector(u * G, -0.5f, 0.5f), bias = random.Vector(bias_size, -0.5f, 0.5f),
                     h0 = random.Vector(B * u, -1, 1), c0 = random.Vector(B * u, -1, 1), mask(B * T, 1.0f),
                     keep_in = random.Vector(B * I, 0, 2), keep_rec = random.Vector(B * u, 0, 2);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = T - 1 - (b % 3); t < T; ++t) mask[b * T + t] = 0.0f;  // padded ends of different lengths
    mask[b * T] = b % 2 == 0 ? 0.0f : 1.0f;                                   // and some masked starts
  }
  std::vector<float> cache(static_cast<size_t>(RecurrentCacheFloats(shape)), -777.0f),
      scratch(static_cast<size_t>(RecurrentScratchFloats(shape)), -777.0f);
  std::vector<float> sequence(B * T * u), last(B * u), state_h(B * u), state_c(B * u);
  RecurrentForwardArgs f;
  f.shape = shape;
  f.act = Act(c.act);
  f.go_backwards = c.backwards;
  f.zero_masked_outputs = c.zero_outputs;
  f.x = x.data();
  f.kernel = W.data();
  f.recurrent_kernel = R.data();
  f.bias = bias.data();
  f.h0 = h0.data();
  f.c0 = lstm ? c0.data() : nullptr;
  f.mask = c.masked ? mask.data() : nullptr;
  f.input_dropout = c.dropout ? keep_in.data() : nullptr;
  f.recurrent_dropout = c.dropout ? keep_rec.data() : nullptr;
  f.sequence = sequence.data();
  f.last_output = last.data();
  f.state_h = state_h.data();
  f.state_c = lstm ? state_c.data() : nullptr;
  f.cache = cache.data();
  DN_EXPECT(RecurrentForward(kernels, pool, f) == Status::kOk);
  std::vector<float> d_sequence = random.Vector(B * T * u, -1, 1), d_last = random.Vector(B * u, -1, 1),
                     d_h = random.Vector(B * u, -1, 1), d_c = random.Vector(B * u, -1, 1);
  std::vector<float> dx(B * T * I), dh0(B * u), dc0(B * u), dW(I * G, 0.5f), dR(u * G, 0.5f), db(bias_size, 0.5f);
  RecurrentBackwardArgs g;
  g.shape = shape;
  g.act = f.act;
  g.go_backwards = c.backwards;
  g.zero_masked_outputs = c.zero_outputs;
  g.kernel = W.data();
  g.recurrent_kernel = R.data();
  g.input_dropout = f.input_dropout;
  g.recurrent_dropout = f.recurrent_dropout;
  g.cache = cache.data();
  g.d_sequence = d_sequence.data();
  g.d_last_output = d_last.data();
  g.d_state_h = d_h.data();
  g.d_state_c = lstm ? d_c.data() : nullptr;
  g.dx = dx.data();
  g.dh0 = dh0.data();
  g.dc0 = lstm ? dc0.data() : nullptr;
  g.d_kernel = dW.data();
  g.d_recurrent_kernel = dR.data();
  g.d_bias = db.data();
  g.accumulate = true;
  g.scratch = scratch.data();
  DN_EXPECT(RecurrentBackward(kernels, pool, g) == Status::kOk);
  std::vector<float> all;
  for (auto* part : {&sequence, &last, &state_h, &state_c, &dx, &dh0, &dc0, &dW, &dR, &db}) all.insert(all.end(), part->begin(), part->end());
  return all;
}

std::vector<DriverCase> DriverCases() {
  std::vector<DriverCase> cases;
  const Activations plain = kActivations[0], with_pre = kActivations[2];
  for (CellKind cell : {CellKind::kLstm, CellKind::kGru, CellKind::kSimpleRnn}) {
    for (int variant = 0; variant < 4; ++variant) {
      DriverCase c{cell, variant != 1, variant >= 1, variant == 2, variant == 3, variant == 3, variant == 2 ? with_pre : plain, 13, 5, 6, 9};
      if (variant == 3) c.units = 17;
      cases.push_back(c);
    }
  }
  // Enough rows that one thread's slice takes the packed GEMM path and a third's reads B in place.
  cases.push_back(DriverCase{CellKind::kLstm, true, true, false, false, false, plain, 40, 3, 5, 16});
  return cases;
}

}  // namespace

DN_TEST(RecurrentDriverMatchesReferenceOnEveryIsa) {
  KernelTable ref = MakeKernelTable(Isa::kScalar);
  ThreadPool pool(2);
  for (const DriverCase& c : DriverCases()) {
    const std::vector<float> want = RunDriver(ref, &pool, c);
    test::ForEachIsa([&](const KernelTable& table) {
      const std::string what = std::string(IsaName(table.isa)) + " cell " + std::to_string(static_cast<int>(c.cell)) +
                               (c.reset_after ? "" : " reset before") + (c.masked ? " masked" : "") + (c.dropout ? " dropout" : "") +
                               (c.backwards ? " backwards" : "");
      DN_EXPECT(Close(RunDriver(table, &pool, c), want, 1e-4, 1e-4, what));
    });
  }
}

DN_TEST(RecurrentDriverIsBitwiseIndependentOfThreads) {
  test::ForEachIsa([&](const KernelTable& table) {
    ThreadPool one(1), two(2), three(3);
    for (const DriverCase& c : DriverCases()) {
      const std::vector<float> serial = RunDriver(table, &one, c);
      DN_EXPECT(RunDriver(table, &two, c) == serial);
      DN_EXPECT(RunDriver(table, &three, c) == serial);
    }
  });
}
