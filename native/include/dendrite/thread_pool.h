// A fork-join thread pool owned by one addon instance (no global state: each worker_thread that
// loads the addon gets its own pool). Methods are defined out of line in baseline code, so ISA
// kernel files can call them without compiling any pool code with their ISA flags.
#pragma once

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
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stopping_ = false;
  Task task_ = nullptr;
  void* arg_ = nullptr;
  int64_t count_ = 0;
  int parts_ = 0;
  int64_t chunk_ = 0;
};

}  // namespace dendrite
