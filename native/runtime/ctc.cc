// The CTC loss over a batch: checks, then one sequence per unit of the thread pool (dendrite/ctc.h).
#include "dendrite/ctc.h"

#include <atomic>
#include <cstddef>

namespace dendrite {

namespace {

// The pool's scratch slot for the per-thread sequence buffers (attention's slot: the two never run at once).
constexpr int kCtcScratchSlot = 2;
// Largest size accepted for any dimension or product, so no product below overflows int64.
constexpr int64_t kMaxCtcSize = int64_t{1} << 40;

struct CtcTask {
  const KernelTable* kernels;
  ThreadPool* pool;
  const CtcArgs* args;
  int64_t scratch_floats;
  std::atomic<bool> out_of_memory{false};

  static void Run(void* self, int64_t begin, int64_t end, int thread_index) {
    auto* task = static_cast<CtcTask*>(self);
    const CtcArgs& a = *task->args;
    float* scratch = task->pool->Scratch(thread_index, kCtcScratchSlot, static_cast<size_t>(task->scratch_floats));
    if (scratch == nullptr) {
      task->out_of_memory.store(true, std::memory_order_relaxed);
      return;
    }
    const int64_t sequence = a.time * a.classes;
    for (int64_t b = begin; b < end; ++b) {
      ref::CtcSequence(*task->kernels, a.logits + b * sequence, a.classes, a.time, a.input_lengths[b],
                       a.labels + b * a.max_label, a.label_lengths[b], a.blank, a.zero_infinity,
                       a.grad_scale == nullptr ? 1.0f : a.grad_scale[b], scratch, a.loss + b,
                       a.grad == nullptr ? nullptr : a.grad + b * sequence);
    }
  }
};

bool ArgsValid(const CtcArgs& a) {
  if (a.batch < 0 || a.time < 0 || a.classes < 1 || a.max_label < 0) return false;
  if (a.batch > kMaxCtcSize || a.time > kMaxCtcSize || a.classes > kMaxCtcSize || a.max_label > kMaxCtcSize) return false;
  if (a.time > 0 && a.classes > kMaxCtcSize / a.time) return false;
  if (a.batch > 0 && a.time * a.classes > kMaxCtcSize / a.batch) return false;
  if (a.batch > 0 && a.max_label > kMaxCtcSize / a.batch) return false;
  if (a.blank < 0 || a.blank >= a.classes) return false;
  if (a.batch == 0) return true;
  if (a.input_lengths == nullptr || a.label_lengths == nullptr || a.loss == nullptr) return false;
  if (a.time > 0 && a.logits == nullptr) return false;
  if (a.max_label > 0 && a.labels == nullptr) return false;
  for (int64_t b = 0; b < a.batch; ++b) {
    if (a.input_lengths[b] < 0 || a.input_lengths[b] > a.time) return false;
    if (a.label_lengths[b] < 0 || a.label_lengths[b] > a.max_label) return false;
    for (int64_t i = 0; i < a.label_lengths[b]; ++i) {
      const int32_t label = a.labels[b * a.max_label + i];
      if (label < 0 || label >= a.classes || label == a.blank) return false;
    }
  }
  return true;
}

}  // namespace

int64_t CtcScratchFloats(int64_t time, int64_t classes, int64_t max_label) {
  if (time < 0 || classes < 0 || max_label < 0 || time > kMaxCtcSize || classes > kMaxCtcSize ||
      max_label > kMaxCtcSize) {
    return -1;
  }
  const int64_t states = 2 * max_label + 1;
  if (time > 0 && (classes > kMaxCtcSize / time || states > kMaxCtcSize / (2 * time))) return -1;
  return ref::CtcSequenceScratchFloats(time, classes, max_label);
}

Status CtcLoss(const KernelTable& kernels, ThreadPool* pool, const CtcArgs& args) {
  if (pool == nullptr || kernels.softmax == nullptr || !ArgsValid(args)) return Status::kInvalidArgument;
  if (args.batch == 0) return Status::kOk;
  CtcTask task;
  task.kernels = &kernels;
  task.pool = pool;
  task.args = &args;
  task.scratch_floats = CtcScratchFloats(args.time, args.classes, args.max_label);
  if (task.scratch_floats < 0) return Status::kInvalidArgument;
  pool->ParallelFor(args.batch, 1, CtcTask::Run, &task);
  return task.out_of_memory.load(std::memory_order_relaxed) ? Status::kOutOfMemory : Status::kOk;
}

}  // namespace dendrite
