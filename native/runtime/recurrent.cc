// The sequence driver of the recurrent layers (see dendrite/recurrent.h): buffer layout, the time loop
// over batch slices on the pool's threads, and backpropagation through time. Baseline code: it only
// moves data and calls the kernel table's rows (sgemm, the cell kernels, column_sum).
#include "dendrite/recurrent.h"

#include <algorithm>
#include <cstring>

namespace dendrite {

namespace {

// Offsets (in floats) of the forward cache's parts, time-major; `absent` for a part the shape does not use.
constexpr int64_t kAbsent = -1;
struct CacheLayout {
  int64_t xt = kAbsent;        // [T, B, I] inputs in processing order, input dropout applied
  int64_t z = kAbsent;         // [T, B, G] gate activations
  int64_t pre = kAbsent;       // [T, B, G] pre-activations (keep_pre)
  int64_t hs = kAbsent;        // [T + 1, B, u] hidden states: h0 then the output of each step
  int64_t hin = kAbsent;       // [T, B, u] the hidden state the recurrent product read (recurrent dropout)
  int64_t cs = kAbsent;        // LSTM [T + 1, B, u] cell states
  int64_t c_act = kAbsent;     // LSTM [T, B, u] a(c)
  int64_t recurrent = kAbsent; // GRU reset_after [T, B, 3u] h_in·R + b_rec
  int64_t reset_hidden = kAbsent;  // GRU reset before [T, B, u] r h_in
  int64_t mask = kAbsent;      // [T, B] the mask in processing order
  int64_t total = 0;           // -1 when a size overflows
};
struct ScratchLayout {
  int64_t dz = kAbsent;        // [T, B, G] dL/d(pre-activations)
  int64_t drecurrent = kAbsent;  // GRU reset_after [T, B, 3u]
  int64_t dh = kAbsent, carry = kAbsent, dhin = kAbsent, dc = kAbsent, dreset = kAbsent;  // [B, u] each
  int64_t dxt = kAbsent;       // [T, B, I]
  int64_t total = 0;
};

// Appends a part of `count` floats (count = a * b * c), tracking overflow: total becomes -1.
void Append(int64_t* offset, int64_t* total, bool present, int64_t a, int64_t b, int64_t c = 1) {
  if (!present || *total < 0) return;
  int64_t ab, count, sum;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &count) ||
      __builtin_add_overflow(*total, count, &sum) || sum > (int64_t{1} << 46)) {
    *total = -1;
    return;
  }
  *offset = *total;
  *total = sum;
}

bool ValidShape(const RecurrentShape& s) {
  const int32_t cell = static_cast<int32_t>(s.cell);
  return cell >= 0 && cell < kCellCount && s.batch >= 0 && s.steps >= 0 && s.inputs >= 0 && s.units >= 0;
}

CacheLayout MakeCacheLayout(const RecurrentShape& s) {
  CacheLayout l;
  if (!ValidShape(s)) {
    l.total = -1;
    return l;
  }
  const int64_t T = s.steps, B = s.batch, u = s.units, G = GatesPerUnit(s.cell) * u;
  const bool lstm = s.cell == CellKind::kLstm, gru = s.cell == CellKind::kGru;
  Append(&l.xt, &l.total, true, T, B, s.inputs);
  Append(&l.z, &l.total, true, T, B, G);
  Append(&l.pre, &l.total, s.keep_pre, T, B, G);
  Append(&l.hs, &l.total, true, T + 1, B, u);
  Append(&l.hin, &l.total, s.recurrent_dropout, T, B, u);
  Append(&l.cs, &l.total, lstm, T + 1, B, u);
  Append(&l.c_act, &l.total, lstm, T, B, u);
  Append(&l.recurrent, &l.total, gru && s.reset_after, T, B, 3 * u);
  Append(&l.reset_hidden, &l.total, gru && !s.reset_after, T, B, u);
  Append(&l.mask, &l.total, s.masked, T, B);
  return l;
}

ScratchLayout MakeScratchLayout(const RecurrentShape& s) {
  ScratchLayout l;
  if (!ValidShape(s)) {
    l.total = -1;
    return l;
  }
  const int64_t T = s.steps, B = s.batch, u = s.units, G = GatesPerUnit(s.cell) * u;
  const bool lstm = s.cell == CellKind::kLstm, gru = s.cell == CellKind::kGru;
  Append(&l.dz, &l.total, true, T, B, G);
  Append(&l.drecurrent, &l.total, gru && s.reset_after, T, B, 3 * u);
  Append(&l.dh, &l.total, true, B, u);
  Append(&l.carry, &l.total, true, B, u);
  Append(&l.dhin, &l.total, true, B, u);
  Append(&l.dc, &l.total, lstm, B, u);
  Append(&l.dreset, &l.total, gru && !s.reset_after, B, u);
  Append(&l.dxt, &l.total, true, T, B, s.inputs);
  return l;
}

inline float* At(float* base, int64_t offset) { return offset == kAbsent ? nullptr : base + offset; }
inline const float* At(const float* base, int64_t offset) { return offset == kAbsent ? nullptr : base + offset; }

// C = op(A)·op(B) + beta C (+ bias): on the calling pool thread `thread` alone, or the whole pool (-1).
Status Gemm(const KernelTable& kernels, ThreadPool* pool, int thread, bool trans_a, bool trans_b, int64_t m, int64_t n,
            int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
            const float* bias = nullptr) {
  GemmArgs g;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.lda = lda;
  g.b = b;
  g.ldb = ldb;
  g.beta = beta;
  g.c = c;
  g.ldc = ldc;
  g.bias = bias;
  g.serial_thread = thread;
  if (m == 0 || n == 0) return Status::kOk;
  return kernels.sgemm(g, pool);
}

// A cell kernel's arguments with the fields every cell shares filled in (each struct names them alike).
template <class Args, class Gates>
Args CellStep(int64_t rows, int64_t units, const CellActivations& act, Gates* gates, Gates* pre, const float* mask) {
  Args args;
  args.rows = rows;
  args.units = units;
  args.act = act;
  args.gates = gates;
  args.pre = pre;
  args.mask = mask;
  return args;
}

// A cell gradient kernel's arguments with the shared fields filled in.
template <class Args>
Args CellGrad(int64_t rows, int64_t units, const CellActivations& act, const float* gates, const float* pre, const float* mask,
              const float* dh, float* dgates, float* dh_carry) {
  Args args = CellStep<Args, const float>(rows, units, act, gates, pre, mask);
  args.dh = dh;
  args.dgates = dgates;
  args.dh_carry = dh_carry;
  return args;
}

// Batch slices: at least this many rows each (a product of fewer rows is not worth a thread).
constexpr int64_t kMinRowsPerSlice = 4;

struct Slices {
  int64_t count = 1, rows = 0;
};
Slices SliceBatch(int64_t batch, ThreadPool* pool) {
  Slices s;
  const int64_t threads = pool == nullptr ? 1 : pool->num_threads();
  s.count = std::max<int64_t>(1, std::min(threads, batch / kMinRowsPerSlice));
  s.rows = (batch + s.count - 1) / std::max<int64_t>(1, s.count);
  return s;
}

void RecordFailure(int32_t* failure, Status status) {
  if (status != Status::kOk) __atomic_store_n(failure, static_cast<int32_t>(status), __ATOMIC_RELAXED);
}

// The step index whose input feeds processing step t.
inline int64_t SourceStep(int64_t t, int64_t steps, bool backwards) { return backwards ? steps - 1 - t : t; }

struct ForwardTask {
  const KernelTable* kernels;
  ThreadPool* pool;
  const RecurrentForwardArgs* args;
  CacheLayout layout;
  Slices slices;
  int32_t failure;

  static void Run(void* self, int64_t begin, int64_t end, int thread) {
    auto* task = static_cast<ForwardTask*>(self);
    for (int64_t slice = begin; slice < end; ++slice) {
      const int64_t r0 = slice * task->slices.rows;
      const int64_t r1 = std::min(task->args->shape.batch, r0 + task->slices.rows);
      if (r0 < r1) RecordFailure(&task->failure, task->Rows(r0, r1, thread));
    }
  }

  // Every step for batch rows [r0, r1).
  Status Rows(int64_t r0, int64_t r1, int thread) const {
    const RecurrentForwardArgs& a = *args;
    const RecurrentShape& s = a.shape;
    const KernelTable& k = *kernels;
    const int64_t B = s.batch, u = s.units, n = r1 - r0, G = GatesPerUnit(s.cell) * u;
    float* cache = a.cache;
    const float* R = a.recurrent_kernel;
    for (int64_t t = 0; t < s.steps; ++t) {
      const int64_t row = t * B + r0;  // this slice's first row in the time-major [T, B, .] buffers
      float* h_prev = At(cache, layout.hs) + row * u;
      float* h_next = h_prev + B * u;
      const float* h_in = h_prev;
      if (s.recurrent_dropout) {
        float* dropped = At(cache, layout.hin) + row * u;
        const float* keep = a.recurrent_dropout + r0 * u;
        for (int64_t i = 0; i < n * u; ++i) dropped[i] = h_prev[i] * keep[i];
        h_in = dropped;
      }
      const float* mask = s.masked ? At(cache, layout.mask) + row : nullptr;
      float* gates = At(cache, layout.z) + row * G;
      float* pre = s.keep_pre ? At(cache, layout.pre) + row * G : nullptr;
      Status status = Status::kOk;
      switch (s.cell) {
        case CellKind::kLstm: {
          status = Gemm(k, pool, thread, false, false, n, G, u, h_in, u, R, G, 1.0f, gates, G);
          if (status != Status::kOk) return status;
          float* c_prev = At(cache, layout.cs) + row * u;
          LstmCellArgs cell = CellStep<LstmCellArgs>(n, u, a.act, gates, pre, mask);
          cell.c_prev = c_prev;
          cell.h_prev = h_prev;
          cell.c = c_prev + B * u;
          cell.c_act = At(cache, layout.c_act) + row * u;
          cell.h = h_next;
          status = k.lstm_cell(cell);
          break;
        }
        case CellKind::kSimpleRnn: {
          status = Gemm(k, pool, thread, false, false, n, G, u, h_in, u, R, G, 1.0f, gates, G);
          if (status != Status::kOk) return status;
          RnnCellArgs cell = CellStep<RnnCellArgs>(n, u, a.act, gates, pre, mask);
          cell.h_prev = h_prev;
          cell.h = h_next;
          status = k.rnn_cell(cell);
          break;
        }
        case CellKind::kGru: {
          GruCellArgs cell = CellStep<GruCellArgs>(n, u, a.act, gates, pre, mask);
          cell.reset_after = s.reset_after;
          cell.h_prev = h_prev;
          cell.h_in = h_in;
          cell.h = h_next;
          if (s.reset_after) {
            float* recurrent = At(cache, layout.recurrent) + row * 3 * u;
            const float* bias = a.bias == nullptr ? nullptr : a.bias + 3 * u;
            status = Gemm(k, pool, thread, false, false, n, 3 * u, u, h_in, u, R, 3 * u, 0.0f, recurrent, 3 * u, bias);
            if (status != Status::kOk) return status;
            cell.recurrent = recurrent;
            status = k.gru_cell(cell);
          } else {
            float* reset_hidden = At(cache, layout.reset_hidden) + row * u;
            status = Gemm(k, pool, thread, false, false, n, 2 * u, u, h_in, u, R, 3 * u, 1.0f, gates, 3 * u);
            if (status != Status::kOk) return status;
            cell.phase = 0;
            cell.reset_hidden = reset_hidden;
            status = k.gru_cell(cell);
            if (status != Status::kOk) return status;
            status = Gemm(k, pool, thread, false, false, n, u, u, reset_hidden, u, R + 2 * u, 3 * u, 1.0f, gates + 2 * u, 3 * u);
            if (status != Status::kOk) return status;
            cell.phase = 1;
            status = k.gru_cell(cell);
          }
          break;
        }
      }
      if (status != Status::kOk) return status;
    }
    return Status::kOk;
  }
};

struct BackwardTask {
  const KernelTable* kernels;
  ThreadPool* pool;
  const RecurrentBackwardArgs* args;
  CacheLayout layout;
  ScratchLayout scratch;
  Slices slices;
  int32_t failure;

  static void Run(void* self, int64_t begin, int64_t end, int thread) {
    auto* task = static_cast<BackwardTask*>(self);
    for (int64_t slice = begin; slice < end; ++slice) {
      const int64_t r0 = slice * task->slices.rows;
      const int64_t r1 = std::min(task->args->shape.batch, r0 + task->slices.rows);
      if (r0 < r1) RecordFailure(&task->failure, task->Rows(r0, r1, thread));
    }
  }

  Status Rows(int64_t r0, int64_t r1, int thread) const {
    const RecurrentBackwardArgs& a = *args;
    const RecurrentShape& s = a.shape;
    const KernelTable& k = *kernels;
    const int64_t B = s.batch, T = s.steps, u = s.units, n = r1 - r0, G = GatesPerUnit(s.cell) * u;
    const float* cache = a.cache;
    float* work = a.scratch;
    const float* R = a.recurrent_kernel;
    const float* mask_tm = s.masked ? At(cache, layout.mask) : nullptr;
    float* dh = At(work, scratch.dh) + r0 * u;
    float* carry = At(work, scratch.carry) + r0 * u;
    float* dhin = At(work, scratch.dhin) + r0 * u;
    float* dc = s.cell == CellKind::kLstm ? At(work, scratch.dc) + r0 * u : nullptr;
    // The gradient reaching the final state: from the returned state and from the last output.
    for (int64_t b = r0; b < r1; ++b) {
      const float last_weight = a.zero_masked_outputs && mask_tm != nullptr && T > 0 ? mask_tm[(T - 1) * B + b] : 1.0f;
      for (int64_t j = 0; j < u; ++j) {
        float value = a.d_state_h == nullptr ? 0.0f : a.d_state_h[b * u + j];
        if (a.d_last_output != nullptr) value += a.d_last_output[b * u + j] * last_weight;
        dh[(b - r0) * u + j] = value;
        if (dc != nullptr) dc[(b - r0) * u + j] = a.d_state_c == nullptr ? 0.0f : a.d_state_c[b * u + j];
      }
    }
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t row = t * B + r0;
      const float* mask = mask_tm == nullptr ? nullptr : mask_tm + row;
      if (a.d_sequence != nullptr) {
        for (int64_t b = r0; b < r1; ++b) {
          const float weight = a.zero_masked_outputs && mask != nullptr ? mask[b - r0] : 1.0f;
          const float* d = a.d_sequence + (b * T + t) * u;
          float* target = dh + (b - r0) * u;
          for (int64_t j = 0; j < u; ++j) target[j] += d[j] * weight;
        }
      }
      const float* gates = At(cache, layout.z) + row * G;
      const float* pre = s.keep_pre ? At(cache, layout.pre) + row * G : nullptr;
      const float* h_prev = At(cache, layout.hs) + row * u;
      const float* h_in = s.recurrent_dropout ? At(cache, layout.hin) + row * u : h_prev;
      float* dgates = At(work, scratch.dz) + row * G;
      Status status = Status::kOk;
      switch (s.cell) {
        case CellKind::kLstm: {
          const float* c_prev = At(cache, layout.cs) + row * u;
          LstmCellGradArgs cell = CellGrad<LstmCellGradArgs>(n, u, a.act, gates, pre, mask, dh, dgates, carry);
          cell.c_prev = c_prev;
          cell.c = c_prev + B * u;
          cell.c_act = At(cache, layout.c_act) + row * u;
          cell.dc = dc;
          cell.dc_prev = dc;
          status = k.lstm_cell_grad(cell);
          if (status == Status::kOk) status = Gemm(k, pool, thread, false, true, n, u, G, dgates, G, R, G, 0.0f, dhin, u);
          break;
        }
        case CellKind::kSimpleRnn: {
          RnnCellGradArgs cell = CellGrad<RnnCellGradArgs>(n, u, a.act, gates, pre, mask, dh, dgates, carry);
          status = k.rnn_cell_grad(cell);
          if (status == Status::kOk) status = Gemm(k, pool, thread, false, true, n, u, G, dgates, G, R, G, 0.0f, dhin, u);
          break;
        }
        case CellKind::kGru: {
          GruCellGradArgs cell = CellGrad<GruCellGradArgs>(n, u, a.act, gates, pre, mask, dh, dgates, carry);
          cell.reset_after = s.reset_after;
          cell.h_prev = h_prev;
          cell.h_in = h_in;
          if (s.reset_after) {
            float* drecurrent = At(work, scratch.drecurrent) + row * 3 * u;
            cell.recurrent = At(cache, layout.recurrent) + row * 3 * u;
            cell.drecurrent = drecurrent;
            status = k.gru_cell_grad(cell);
            if (status == Status::kOk) {
              status = Gemm(k, pool, thread, false, true, n, u, 3 * u, drecurrent, 3 * u, R, 3 * u, 0.0f, dhin, u);
            }
          } else {
            float* dreset = At(work, scratch.dreset) + r0 * u;
            cell.phase = 0;
            status = k.gru_cell_grad(cell);
            // d(reset_hidden) = dgates_h · R_hᵀ; then the reset gate's part; then h_in's gradient through z and r.
            if (status == Status::kOk) {
              status = Gemm(k, pool, thread, false, true, n, u, u, dgates + 2 * u, 3 * u, R + 2 * u, 3 * u, 0.0f, dreset, u);
            }
            if (status == Status::kOk) {
              cell.phase = 1;
              cell.dreset_hidden = dreset;
              cell.dh_in = dhin;
              status = k.gru_cell_grad(cell);
            }
            if (status == Status::kOk) {
              status = Gemm(k, pool, thread, false, true, n, u, 2 * u, dgates, 3 * u, R, 3 * u, 1.0f, dhin, u);
            }
          }
          break;
        }
      }
      if (status != Status::kOk) return status;
      // dh_prev = the direct path + the recurrent products' gradient (through the recurrent dropout mask).
      const float* keep = s.recurrent_dropout ? a.recurrent_dropout + r0 * u : nullptr;
      for (int64_t i = 0; i < n * u; ++i) dh[i] = carry[i] + (keep == nullptr ? dhin[i] : dhin[i] * keep[i]);
    }
    for (int64_t i = 0; i < n * u; ++i) {
      if (a.dh0 != nullptr) a.dh0[r0 * u + i] = dh[i];
      if (a.dc0 != nullptr) a.dc0[r0 * u + i] = dc == nullptr ? 0.0f : dc[i];
    }
    return Status::kOk;
  }
};

}  // namespace

int64_t GatesPerUnit(CellKind cell) {
  switch (cell) {
    case CellKind::kSimpleRnn: return 1;
    case CellKind::kLstm: return 4;
    case CellKind::kGru: return 3;
  }
  return 0;
}

int64_t RecurrentCacheFloats(const RecurrentShape& shape) { return MakeCacheLayout(shape).total; }
int64_t RecurrentScratchFloats(const RecurrentShape& shape) { return MakeScratchLayout(shape).total; }

Status RecurrentForward(const KernelTable& kernels, ThreadPool* pool, const RecurrentForwardArgs& a) {
  const RecurrentShape& s = a.shape;
  const CacheLayout layout = MakeCacheLayout(s);
  if (layout.total < 0 || a.cache == nullptr || a.kernel == nullptr || a.recurrent_kernel == nullptr || a.x == nullptr) {
    return Status::kInvalidArgument;
  }
  if ((s.masked && a.mask == nullptr) || (s.recurrent_dropout && a.recurrent_dropout == nullptr)) return Status::kInvalidArgument;
  const int64_t B = s.batch, T = s.steps, I = s.inputs, u = s.units, G = GatesPerUnit(s.cell) * u;
  const bool lstm = s.cell == CellKind::kLstm;
  float* cache = a.cache;
  float* xt = At(cache, layout.xt);
  // Inputs and mask in processing order, time-major, input dropout applied.
  for (int64_t t = 0; t < T; ++t) {
    const int64_t source = SourceStep(t, T, a.go_backwards);
    for (int64_t b = 0; b < B; ++b) {
      const float* from = a.x + (b * T + source) * I;
      float* to = xt + (t * B + b) * I;
      if (a.input_dropout == nullptr) {
        std::memcpy(to, from, static_cast<size_t>(I) * sizeof(float));
      } else {
        const float* keep = a.input_dropout + b * I;
        for (int64_t i = 0; i < I; ++i) to[i] = from[i] * keep[i];
      }
      if (s.masked) At(cache, layout.mask)[t * B + b] = a.mask[b * T + source];
    }
  }
  // Every step's input projection at once: z = x·W + b (a GRU with reset_after adds b_in here, b_rec per step).
  Status status = Gemm(kernels, pool, -1, false, false, T * B, G, I, xt, I, a.kernel, G, 0.0f, At(cache, layout.z), G, a.bias);
  if (status != Status::kOk) return status;
  float* hs = At(cache, layout.hs);
  if (a.h0 == nullptr) std::memset(hs, 0, static_cast<size_t>(B * u) * sizeof(float));
  else std::memcpy(hs, a.h0, static_cast<size_t>(B * u) * sizeof(float));
  if (lstm) {
    float* cs = At(cache, layout.cs);
    if (a.c0 == nullptr) std::memset(cs, 0, static_cast<size_t>(B * u) * sizeof(float));
    else std::memcpy(cs, a.c0, static_cast<size_t>(B * u) * sizeof(float));
  }
  ForwardTask task{&kernels, pool, &a, layout, SliceBatch(B, pool), 0};
  if (T > 0 && B > 0) {
    if (task.slices.count <= 1) ForwardTask::Run(&task, 0, 1, 0);
    else pool->ParallelFor(task.slices.count, 1, ForwardTask::Run, &task);
  }
  if (task.failure != 0) return static_cast<Status>(task.failure);
  // Outputs, batch-major: each step's output is its hidden state (0 on masked steps with zero_masked_outputs).
  const float* mask_tm = s.masked ? At(cache, layout.mask) : nullptr;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      const float* h = hs + ((t + 1) * B + b) * u;
      // A masked step's output is +0 (Keras selects zeros; h * 0 would give -0 for negative h).
      const bool zero = a.zero_masked_outputs && mask_tm != nullptr && mask_tm[t * B + b] == 0.0f;
      if (a.sequence != nullptr) {
        float* out = a.sequence + (b * T + t) * u;
        for (int64_t j = 0; j < u; ++j) out[j] = zero ? 0.0f : h[j];
      }
      if (a.last_output != nullptr && t == T - 1) {
        for (int64_t j = 0; j < u; ++j) a.last_output[b * u + j] = zero ? 0.0f : h[j];
      }
    }
    if (a.last_output != nullptr && T == 0) std::memset(a.last_output + b * u, 0, static_cast<size_t>(u) * sizeof(float));
  }
  if (a.state_h != nullptr) std::memcpy(a.state_h, hs + T * B * u, static_cast<size_t>(B * u) * sizeof(float));
  if (a.state_c != nullptr) {
    if (lstm) std::memcpy(a.state_c, At(cache, layout.cs) + T * B * u, static_cast<size_t>(B * u) * sizeof(float));
    else return Status::kInvalidArgument;
  }
  return Status::kOk;
}

Status RecurrentBackward(const KernelTable& kernels, ThreadPool* pool, const RecurrentBackwardArgs& a) {
  const RecurrentShape& s = a.shape;
  const CacheLayout layout = MakeCacheLayout(s);
  const ScratchLayout scratch = MakeScratchLayout(s);
  if (layout.total < 0 || scratch.total < 0 || a.cache == nullptr || a.scratch == nullptr || a.kernel == nullptr ||
      a.recurrent_kernel == nullptr || (s.recurrent_dropout && a.recurrent_dropout == nullptr)) {
    return Status::kInvalidArgument;
  }
  const int64_t B = s.batch, T = s.steps, I = s.inputs, u = s.units, G = GatesPerUnit(s.cell) * u;
  const bool gru = s.cell == CellKind::kGru;
  BackwardTask task{&kernels, pool, &a, layout, scratch, SliceBatch(B, pool), 0};
  if (B > 0) {
    if (task.slices.count <= 1) BackwardTask::Run(&task, 0, 1, 0);
    else pool->ParallelFor(task.slices.count, 1, BackwardTask::Run, &task);
  }
  if (task.failure != 0) return static_cast<Status>(task.failure);

  // The weight gradients: one product each over all steps and rows (the pool splits it, never over k).
  const float beta = a.accumulate ? 1.0f : 0.0f;
  const int64_t rows = T * B;
  const float* cache = a.cache;
  const float* dz = At(a.scratch, scratch.dz);
  const float* h_in = s.recurrent_dropout ? At(cache, layout.hin) : At(cache, layout.hs);
  Status status = Status::kOk;
  if (a.d_recurrent_kernel != nullptr) {
    if (gru && s.reset_after) {
      status = Gemm(kernels, pool, -1, true, false, u, 3 * u, rows, h_in, u, At(a.scratch, scratch.drecurrent), 3 * u, beta,
                    a.d_recurrent_kernel, 3 * u);
    } else if (gru) {
      status = Gemm(kernels, pool, -1, true, false, u, 2 * u, rows, h_in, u, dz, 3 * u, beta, a.d_recurrent_kernel, 3 * u);
      if (status == Status::kOk) {
        status = Gemm(kernels, pool, -1, true, false, u, u, rows, At(cache, layout.reset_hidden), u, dz + 2 * u, 3 * u, beta,
                      a.d_recurrent_kernel + 2 * u, 3 * u);
      }
    } else {
      status = Gemm(kernels, pool, -1, true, false, u, G, rows, h_in, u, dz, G, beta, a.d_recurrent_kernel, G);
    }
    if (status != Status::kOk) return status;
  }
  if (a.d_kernel != nullptr) {
    status = Gemm(kernels, pool, -1, true, false, I, G, rows, At(cache, layout.xt), I, dz, G, beta, a.d_kernel, G);
    if (status != Status::kOk) return status;
  }
  if (a.d_bias != nullptr) {
    status = kernels.column_sum(dz, rows, G, a.d_bias, a.accumulate);
    if (status == Status::kOk && gru && s.reset_after) {
      status = kernels.column_sum(At(a.scratch, scratch.drecurrent), rows, 3 * u, a.d_bias + 3 * u, a.accumulate);
    }
    if (status != Status::kOk) return status;
  }
  if (a.dx != nullptr) {
    float* dxt = At(a.scratch, scratch.dxt);
    status = Gemm(kernels, pool, -1, false, true, rows, I, G, dz, G, a.kernel, G, 0.0f, dxt, I);
    if (status != Status::kOk) return status;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t target = SourceStep(t, T, a.go_backwards);
      for (int64_t b = 0; b < B; ++b) {
        const float* from = dxt + (t * B + b) * I;
        float* to = a.dx + (b * T + target) * I;
        if (a.input_dropout == nullptr) {
          std::memcpy(to, from, static_cast<size_t>(I) * sizeof(float));
        } else {
          const float* keep = a.input_dropout + b * I;
          for (int64_t i = 0; i < I; ++i) to[i] = from[i] * keep[i];
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace dendrite
