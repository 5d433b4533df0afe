// The recurrent cells (one time step of an LSTM, a GRU and a simple RNN, and their gradients) and the
// embedding row gather / scatter-add, in plain C++: the oracle the SIMD paths are compared with.
// Activations go through this table's own Unary / UnaryGrad on each row's contiguous gate slices, so
// every built-in elementwise activation works as a cell activation.
#include <cstring>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace {

// A row steps unless its mask entry is 0.
inline bool Steps(const float* mask, int64_t r) { return mask == nullptr || mask[r] != 0.0f; }

inline void Copy(const float* from, float* to, int64_t n) {
  if (n > 0 && from != to) std::memcpy(to, from, static_cast<size_t>(n) * sizeof(float));
}
inline void Zero(float* to, int64_t n) {
  if (n > 0) std::memset(to, 0, static_cast<size_t>(n) * sizeof(float));
}

// Chains the statuses of a row's kernel calls: the first failure wins.
struct Check {
  Status status = Status::kOk;
  void operator()(Status s) {
    if (status == Status::kOk) status = s;
  }
  bool ok() const { return status == Status::kOk; }
};

inline bool ValidSizes(int64_t rows, int64_t units) { return rows >= 0 && units >= 0; }

}  // namespace

Status LstmCell(const LstmCellArgs& a) {
  if (!ValidSizes(a.rows, a.units)) return Status::kInvalidArgument;
  const int64_t u = a.units, width = 4 * u;
  const CellActivations& act = a.act;
  Check check;
  for (int64_t r = 0; r < a.rows && check.ok(); ++r) {
    float* z = a.gates + r * width;
    if (a.pre != nullptr) Copy(z, a.pre + r * width, width);
    check(Unary(act.recurrent_activation, act.recurrent_param, z, z, 2 * u));  // i, f
    check(Unary(act.activation, act.activation_param, z + 2 * u, z + 2 * u, u));  // g
    check(Unary(act.recurrent_activation, act.recurrent_param, z + 3 * u, z + 3 * u, u));  // o
    const float* c_prev = a.c_prev + r * u;
    float* c = a.c + r * u;
    float* c_act = a.c_act + r * u;
    float* h = a.h + r * u;
    if (Steps(a.mask, r)) {
      for (int64_t j = 0; j < u; ++j) c[j] = z[u + j] * c_prev[j] + z[j] * z[2 * u + j];
      check(Unary(act.activation, act.activation_param, c, c_act, u));
      for (int64_t j = 0; j < u; ++j) h[j] = z[3 * u + j] * c_act[j];
    } else {
      Copy(c_prev, c, u);
      check(Unary(act.activation, act.activation_param, c, c_act, u));
      Copy(a.h_prev + r * u, h, u);
    }
  }
  return check.status;
}

Status LstmCellGrad(const LstmCellGradArgs& a) {
  if (!ValidSizes(a.rows, a.units)) return Status::kInvalidArgument;
  const int64_t u = a.units, width = 4 * u;
  const CellActivations& act = a.act;
  Check check;
  for (int64_t r = 0; r < a.rows && check.ok(); ++r) {
    const float* gates = a.gates + r * width;
    const float* i = gates;
    const float* f = gates + u;
    const float* g = gates + 2 * u;
    const float* o = gates + 3 * u;
    const float* c_prev = a.c_prev + r * u;
    const float* dh = a.dh + r * u;
    const float* dc = a.dc == nullptr ? nullptr : a.dc + r * u;
    float* dgates = a.dgates + r * width;
    float* dc_prev = a.dc_prev + r * u;
    float* dh_carry = a.dh_carry + r * u;
    if (!Steps(a.mask, r)) {
      // The state was carried over: its gradient goes straight to the previous step's.
      Zero(dgates, width);
      if (dc == nullptr) Zero(dc_prev, u); else Copy(dc, dc_prev, u);
      Copy(dh, dh_carry, u);
      continue;
    }
    const float* c_act = a.c_act + r * u;
    // dL/do = dh a(c) into the o slot; dL/d a(c) = dh o through a' into the i slot (a temporary).
    for (int64_t j = 0; j < u; ++j) {
      dgates[3 * u + j] = dh[j] * c_act[j];
      dgates[j] = dh[j] * o[j];
    }
    check(UnaryGrad(act.activation, act.activation_param, a.c + r * u, c_act, dgates, dgates, u));
    for (int64_t j = 0; j < u; ++j) {
      float dc_total = dgates[j] + (dc == nullptr ? 0.0f : dc[j]);
      dgates[j] = dc_total * g[j];
      dgates[u + j] = dc_total * c_prev[j];
      dgates[2 * u + j] = dc_total * i[j];
      dc_prev[j] = dc_total * f[j];  // after dc[j] is read: dc_prev may be dc
      dh_carry[j] = 0.0f;
    }
    const float* pre = a.pre == nullptr ? nullptr : a.pre + r * width;
    check(UnaryGrad(act.recurrent_activation, act.recurrent_param, pre, gates, dgates, dgates, 2 * u));
    check(UnaryGrad(act.activation, act.activation_param, pre == nullptr ? nullptr : pre + 2 * u, g, dgates + 2 * u,
                    dgates + 2 * u, u));
    check(UnaryGrad(act.recurrent_activation, act.recurrent_param, pre == nullptr ? nullptr : pre + 3 * u, o,
                    dgates + 3 * u, dgates + 3 * u, u));
  }
  return check.status;
}

Status GruCell(const GruCellArgs& a) {
  if (!ValidSizes(a.rows, a.units)) return Status::kInvalidArgument;
  if (!a.reset_after && a.phase != 0 && a.phase != 1) return Status::kInvalidArgument;
  const int64_t u = a.units, width = 3 * u;
  const CellActivations& act = a.act;
  const bool gate_phase = a.reset_after || a.phase == 0;
  const bool candidate_phase = a.reset_after || a.phase == 1;
  Check check;
  for (int64_t r = 0; r < a.rows && check.ok(); ++r) {
    float* z = a.gates + r * width;
    float* pre = a.pre == nullptr ? nullptr : a.pre + r * width;
    if (gate_phase) {
      if (a.reset_after) {
        const float* recurrent = a.recurrent + r * width;
        for (int64_t j = 0; j < 2 * u; ++j) z[j] += recurrent[j];
      }
      if (pre != nullptr) Copy(z, pre, 2 * u);
      check(Unary(act.recurrent_activation, act.recurrent_param, z, z, 2 * u));  // z, r
      if (!a.reset_after) {
        const float* h_in = a.h_in + r * u;
        float* reset_hidden = a.reset_hidden + r * u;
        for (int64_t j = 0; j < u; ++j) reset_hidden[j] = z[u + j] * h_in[j];
      }
    }
    if (candidate_phase) {
      if (a.reset_after) {
        const float* recurrent = a.recurrent + r * width;
        for (int64_t j = 0; j < u; ++j) z[2 * u + j] += z[u + j] * recurrent[2 * u + j];
      }
      if (pre != nullptr) Copy(z + 2 * u, pre + 2 * u, u);
      check(Unary(act.activation, act.activation_param, z + 2 * u, z + 2 * u, u));  // hh
      const float* h_prev = a.h_prev + r * u;
      float* h = a.h + r * u;
      if (Steps(a.mask, r)) {
        for (int64_t j = 0; j < u; ++j) h[j] = z[j] * h_prev[j] + (1.0f - z[j]) * z[2 * u + j];
      } else {
        Copy(h_prev, h, u);
      }
    }
  }
  return check.status;
}

Status GruCellGrad(const GruCellGradArgs& a) {
  if (!ValidSizes(a.rows, a.units)) return Status::kInvalidArgument;
  if (!a.reset_after && a.phase != 0 && a.phase != 1) return Status::kInvalidArgument;
  const int64_t u = a.units, width = 3 * u;
  const CellActivations& act = a.act;
  Check check;
  for (int64_t r = 0; r < a.rows && check.ok(); ++r) {
    const float* gates = a.gates + r * width;
    const float* z = gates;
    const float* reset = gates + u;
    const float* hh = gates + 2 * u;
    const float* pre = a.pre == nullptr ? nullptr : a.pre + r * width;
    float* dgates = a.dgates + r * width;
    const bool steps = Steps(a.mask, r);
    if (!a.reset_after && a.phase == 1) {
      // The reset gate's gradient, from the gradient of reset_hidden = r h_in.
      const float* dreset_hidden = a.dreset_hidden + r * u;
      float* dh_in = a.dh_in + r * u;
      if (!steps) {
        Zero(dgates + u, u);
        Zero(dh_in, u);
        continue;
      }
      const float* h_in = a.h_in + r * u;
      for (int64_t j = 0; j < u; ++j) {
        dgates[u + j] = dreset_hidden[j] * h_in[j];
        dh_in[j] = dreset_hidden[j] * reset[j];
      }
      check(UnaryGrad(act.recurrent_activation, act.recurrent_param, pre == nullptr ? nullptr : pre + u, reset,
                      dgates + u, dgates + u, u));
      continue;
    }
    const float* dh = a.dh + r * u;
    float* dh_carry = a.dh_carry + r * u;
    float* drecurrent = a.reset_after ? a.drecurrent + r * width : nullptr;
    if (!steps) {
      Zero(dgates, width);
      if (drecurrent != nullptr) Zero(drecurrent, width);
      Copy(dh, dh_carry, u);
      continue;
    }
    const float* h_prev = a.h_prev + r * u;
    for (int64_t j = 0; j < u; ++j) {
      dgates[j] = dh[j] * (h_prev[j] - hh[j]);     // dL/dz
      dgates[2 * u + j] = dh[j] * (1.0f - z[j]);  // dL/dhh
      dh_carry[j] = dh[j] * z[j];
    }
    check(UnaryGrad(act.activation, act.activation_param, pre == nullptr ? nullptr : pre + 2 * u, hh, dgates + 2 * u,
                    dgates + 2 * u, u));
    if (a.reset_after) {
      const float* recurrent = a.recurrent + r * width;
      for (int64_t j = 0; j < u; ++j) {
        dgates[u + j] = dgates[2 * u + j] * recurrent[2 * u + j];    // dL/dr
        drecurrent[2 * u + j] = dgates[2 * u + j] * reset[j];
      }
      check(UnaryGrad(act.recurrent_activation, act.recurrent_param, pre, gates, dgates, dgates, 2 * u));
      Copy(dgates, drecurrent, 2 * u);
    } else {
      Zero(dgates + u, u);  // phase 1 writes it
      check(UnaryGrad(act.recurrent_activation, act.recurrent_param, pre, gates, dgates, dgates, u));
    }
  }
  return check.status;
}

Status RnnCell(const RnnCellArgs& a) {
  if (!ValidSizes(a.rows, a.units)) return Status::kInvalidArgument;
  const int64_t u = a.units;
  Check check;
  for (int64_t r = 0; r < a.rows && check.ok(); ++r) {
    float* z = a.gates + r * u;
    if (a.pre != nullptr) Copy(z, a.pre + r * u, u);
    check(Unary(a.act.activation, a.act.activation_param, z, z, u));
    Copy(Steps(a.mask, r) ? z : a.h_prev + r * u, a.h + r * u, u);
  }
  return check.status;
}

Status RnnCellGrad(const RnnCellGradArgs& a) {
  if (!ValidSizes(a.rows, a.units)) return Status::kInvalidArgument;
  const int64_t u = a.units;
  Check check;
  for (int64_t r = 0; r < a.rows && check.ok(); ++r) {
    const float* dh = a.dh + r * u;
    float* dgates = a.dgates + r * u;
    float* dh_carry = a.dh_carry + r * u;
    if (!Steps(a.mask, r)) {
      Zero(dgates, u);
      Copy(dh, dh_carry, u);
      continue;
    }
    check(UnaryGrad(a.act.activation, a.act.activation_param, a.pre == nullptr ? nullptr : a.pre + r * u,
                    a.gates + r * u, dh, dgates, u));
    Zero(dh_carry, u);
  }
  return check.status;
}

Status GatherRows(const float* table, int64_t width, const int32_t* indices, int64_t count, float* out) {
  if (width < 0 || count < 0) return Status::kInvalidArgument;
  for (int64_t i = 0; i < count; ++i) Copy(table + static_cast<int64_t>(indices[i]) * width, out + i * width, width);
  return Status::kOk;
}

Status ScatterAddRows(const float* grad, int64_t width, const int32_t* indices, int64_t count, float* table_grad) {
  if (width < 0 || count < 0) return Status::kInvalidArgument;
  for (int64_t i = 0; i < count; ++i) {
    float* row = table_grad + static_cast<int64_t>(indices[i]) * width;
    const float* g = grad + i * width;
    for (int64_t j = 0; j < width; ++j) row[j] += g[j];
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
