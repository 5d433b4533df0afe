// The sequence driver of the recurrent layers (SimpleRNN, LSTM, GRU): forward over all time steps and
// backpropagation through time, built from the kernel table's rows.
//
// Forward: the inputs of every step are projected at once (one GEMM, x·W + b over [steps * batch]
// rows), then each step adds the recurrent product h·R (a GEMM into the same pre-activations) and
// applies the fused cell kernel. Batch rows do not interact, so the batch is split into slices that
// threads run through all the steps independently (a product per step on each thread, no barrier per
// step); every row is computed by the same operations whatever the split, so results do not depend on
// the thread count. Backward has the same structure in reverse: per step the cell's gradient kernel,
// then dh_prev = dgates·Rᵀ per slice; after the loop the weight gradients are one GEMM each over all
// the steps (dR = H_prevᵀ·dgates, dW = Xᵀ·dgates) and the bias gradient one column sum.
//
// Internally everything is time-major ([steps, batch, width], each step's rows contiguous); the caller's
// tensors are batch-major ([batch, steps, width]) and are transposed on the way in and out. With
// `go_backwards` the steps are taken last to first and the outputs come in that order (Keras).
#pragma once

#include <cstdint>

#include "dendrite/kernels.h"
#include "dendrite/thread_pool.h"

namespace dendrite {

// What the driver runs: sizes and the options that change the layout of its buffers.
struct RecurrentShape {
  CellKind cell = CellKind::kLstm;
  int64_t batch = 0, steps = 0, inputs = 0, units = 0;
  bool reset_after = true;        // GRU: Keras' reset_after (bias [2, 3u]) or the reset applied before R_h
  bool keep_pre = false;          // keep the pre-activations (an activation whose gradient reads its input)
  bool masked = false;            // a [batch, steps] mask is given
  bool recurrent_dropout = false; // a [batch, units] recurrent dropout mask is given
};

// Gates per unit: 1 (simple RNN), 4 (LSTM), 3 (GRU).
int64_t GatesPerUnit(CellKind cell);
// Floats of the forward cache (kept from the forward pass to the backward pass) and of the backward
// pass's scratch for a shape, or -1 if a size overflows (or the shape is invalid).
int64_t RecurrentCacheFloats(const RecurrentShape& shape);
int64_t RecurrentScratchFloats(const RecurrentShape& shape);

struct RecurrentForwardArgs {
  RecurrentShape shape;
  CellActivations act;
  bool go_backwards = false;
  bool zero_masked_outputs = false;  // outputs of masked steps are 0 (else the carried-over state, Keras' default)
  const float* x = nullptr;                  // [batch, steps, inputs]
  const float* kernel = nullptr;             // [inputs, G·units]
  const float* recurrent_kernel = nullptr;   // [units, G·units]
  const float* bias = nullptr;               // [G·units], GRU reset_after [2, 3·units], or null
  const float* h0 = nullptr;                 // [batch, units] or null (zeros)
  const float* c0 = nullptr;                 // LSTM [batch, units] or null (zeros)
  const float* mask = nullptr;               // [batch, steps] 0/1 (shape.masked)
  const float* input_dropout = nullptr;      // [batch, inputs] scaled keep mask, or null
  const float* recurrent_dropout = nullptr;  // [batch, units] scaled keep mask (shape.recurrent_dropout)
  float* sequence = nullptr;                 // [batch, steps, units] outputs in processing order, or null
  float* last_output = nullptr;              // [batch, units] the last step's output, or null
  float* state_h = nullptr;                  // [batch, units] the final hidden state, or null
  float* state_c = nullptr;                  // LSTM [batch, units] the final cell state, or null
  float* cache = nullptr;                    // RecurrentCacheFloats(shape)
};

struct RecurrentBackwardArgs {
  RecurrentShape shape;
  CellActivations act;
  bool go_backwards = false;
  bool zero_masked_outputs = false;
  const float* kernel = nullptr;
  const float* recurrent_kernel = nullptr;
  const float* mask = nullptr;
  const float* input_dropout = nullptr;
  const float* recurrent_dropout = nullptr;
  const float* cache = nullptr;              // as the forward pass left it
  const float* d_sequence = nullptr;         // [batch, steps, units] or null
  const float* d_last_output = nullptr;      // [batch, units] or null
  const float* d_state_h = nullptr;          // [batch, units] or null
  const float* d_state_c = nullptr;          // LSTM [batch, units] or null
  float* dx = nullptr;                       // [batch, steps, inputs] (overwritten), or null
  float* dh0 = nullptr;                      // [batch, units] (overwritten), or null
  float* dc0 = nullptr;                      // LSTM [batch, units] (overwritten), or null
  // Weight gradients, each null or the weight's shape; added to (accumulate) or overwritten.
  float* d_kernel = nullptr;
  float* d_recurrent_kernel = nullptr;
  float* d_bias = nullptr;
  bool accumulate = false;
  float* scratch = nullptr;                  // RecurrentScratchFloats(shape)
};

// The callers (bindings) have checked every buffer's length against the shape.
Status RecurrentForward(const KernelTable& kernels, ThreadPool* pool, const RecurrentForwardArgs& args);
Status RecurrentBackward(const KernelTable& kernels, ThreadPool* pool, const RecurrentBackwardArgs& args);

}  // namespace dendrite
