// A fork-join thread pool owned by one addon instance (no global state: each worker_thread that
// loads the addon gets its own pool). Methods are defined out of line in baseline code, so ISA
// kernel files can call them without compiling any pool code with their ISA flags.
//
// Workers and the caller spin for a short while (kSpinMicroseconds) before sleeping on a condition
// variable: a training step or a predict call makes several parallel calls a few microseconds
// apart, and waking a sleeping thread costs 5-50 us here (a cross-CPU wake-up, slower still in a
// VM), as much as a mid-size GEMM saves by running on two cores.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace dendrite {

class ThreadPool {
 public:
  // task(arg, begin, end, thread_index) processes items [begin, end).
  using Task = void (*)(void* arg, int64_t begin, int64_t end, int thread_index);

  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }
  // Changes the number of threads; must not be called while a ParallelFor runs.
  void Resize(int num_threads);

  // Splits [0, count) into at most num_threads() contiguous chunks of at least `grain` items
  // (the split depends only on count, grain and the thread count) and runs them; the calling
  // thread runs chunk 0. Returns when all chunks are done.
  void ParallelFor(int64_t count, int64_t grain, Task task, void* arg);
  // Runs task(arg, t, t + 1, t) once on each of `parts` threads (parts <= num_threads()).
  void RunOnEach(int parts, Task task, void* arg);

  // Per-thread scratch memory (64-byte aligned), reused across calls; grows, never shrinks.
  // Returns null when the allocation fails.
  float* Scratch(int thread_index, int slot, size_t floats);

  static int DefaultThreadCount();

  // How long an idle worker, or a caller waiting for its workers, spins before it sleeps.
  static constexpr int64_t kSpinMicroseconds = 200;

 private:
  void StartWorkers(int count);
  void StopWorkers();
  // `generation` is the task generation already dispatched when the worker starts: a worker started by
  // Resize() after earlier ParallelFor calls must not run the last (finished, possibly freed) task again.
  void WorkerLoop(int index, uint64_t generation);

  struct ScratchBuffer {
    float* data = nullptr;
    size_t capacity = 0;
  };
  static constexpr int kScratchSlots = 4;

  int num_threads_ = 1;
  std::vector<std::thread> workers_;
  std::vector<ScratchBuffer> scratch_;  // [thread * kScratchSlots + slot]
  // The task fields below are written by the caller before it publishes a new generation (release)
  // and read by workers after they see it (acquire); the caller writes them again only after every
  // worker has counted itself out of `pending_`, so no worker reads them while they change.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  Task task_ = nullptr;
  void* arg_ = nullptr;
  int64_t count_ = 0;
  int parts_ = 0;
  int64_t chunk_ = 0;
};

}  // namespace dendrite
