#include "dendrite/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#if defined(__linux__)
#include <sched.h>
#endif

namespace dendrite {

namespace {

// Tells the core this is a spin loop (frees resources for a sibling hyperthread, saves power).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until done() or kSpinMicroseconds pass; returns done()'s last answer.
template <class Done>
bool SpinUntil(Done done) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicroseconds);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      CpuRelax();
    }
    if (Clock::now() >= deadline) return done();
  }
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) { Resize(num_threads); }

ThreadPool::~ThreadPool() {
  StopWorkers();
  for (ScratchBuffer& buffer : scratch_) std::free(buffer.data);
}

int ThreadPool::DefaultThreadCount() {
#if defined(__linux__)
  // Respect the CPU affinity mask (taskset, containers) rather than the machine's core count.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  unsigned count = std::thread::hardware_concurrency();
  return count == 0 ? 1 : static_cast<int>(count);
}

void ThreadPool::Resize(int num_threads) {
  num_threads = std::max(1, num_threads);
  StopWorkers();
  num_threads_ = num_threads;
  scratch_.resize(static_cast<size_t>(num_threads) * kScratchSlots);
  StartWorkers(num_threads - 1);
}

void ThreadPool::StartWorkers(int count) {
  stopping_.store(false, std::memory_order_relaxed);
  workers_.reserve(count);
  const uint64_t generation = generation_.load(std::memory_order_relaxed);
  for (int i = 0; i < count; ++i) workers_.emplace_back(&ThreadPool::WorkerLoop, this, i + 1, generation);
}

void ThreadPool::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void ThreadPool::WorkerLoop(int index, uint64_t generation) {
  uint64_t seen = generation;
  const auto woken = [&] {
    return stopping_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
  };
  for (;;) {
    if (!SpinUntil(woken)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, woken);
    }
    if (stopping_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    if (index < parts_) {
      const int64_t begin = std::min(count_, index * chunk_);
      task_(arg_, begin, std::min(count_, begin + chunk_), index);
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The caller may be asleep: it checks pending_ under the mutex before it waits.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::ParallelFor(int64_t count, int64_t grain, Task task, void* arg) {
  if (count <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int64_t max_parts = (count + grain - 1) / grain;
  int parts = static_cast<int>(std::min<int64_t>(num_threads_, max_parts));
  int64_t chunk = (count + parts - 1) / parts;
  parts = static_cast<int>((count + chunk - 1) / chunk);
  if (parts <= 1) {
    task(arg, 0, count, 0);
    return;
  }
  task_ = task;
  arg_ = arg;
  count_ = count;
  chunk_ = chunk;
  parts_ = parts;
  // Every worker counts itself out, those with no chunk too, so none still reads the fields above
  // when the next call writes them.
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  task(arg, 0, std::min(count, chunk), 0);
  const auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!SpinUntil(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
}

void ThreadPool::RunOnEach(int parts, Task task, void* arg) {
  parts = std::max(1, std::min(parts, num_threads_));
  // One item per part: chunk size 1 over `parts` items.
  ParallelFor(parts, 1, task, arg);
}

float* ThreadPool::Scratch(int thread_index, int slot, size_t floats) {
  if (thread_index < 0 || thread_index >= num_threads_ || slot < 0 || slot >= kScratchSlots) return nullptr;
  ScratchBuffer& buffer = scratch_[static_cast<size_t>(thread_index) * kScratchSlots + slot];
  if (buffer.capacity < floats) {
    size_t bytes = ((floats * sizeof(float)) + 63) / 64 * 64;
    void* data = std::aligned_alloc(64, bytes);
    if (data == nullptr) return nullptr;
    std::free(buffer.data);
    buffer.data = static_cast<float*>(data);
    buffer.capacity = bytes / sizeof(float);
  }
  return buffer.data;
}

}  // namespace dendrite
