#include "dendrite/thread_pool.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sched.h>
#endif

namespace dendrite {

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
  stopping_ = false;
  workers_.reserve(count);
  for (int i = 0; i < count; ++i) workers_.emplace_back(&ThreadPool::WorkerLoop, this, i + 1, generation_);
}

void ThreadPool::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void ThreadPool::WorkerLoop(int index, uint64_t generation) {
  uint64_t seen = generation;
  for (;;) {
    Task task;
    void* arg;
    int64_t begin, end;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (index >= parts_) continue;
      task = task_;
      arg = arg_;
      begin = std::min(count_, index * chunk_);
      end = std::min(count_, begin + chunk_);
    }
    task(arg, begin, end, index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = task;
    arg_ = arg;
    count_ = count;
    chunk_ = chunk;
    parts_ = parts;
    pending_ = parts - 1;
    ++generation_;
  }
  wake_.notify_all();
  task(arg, 0, std::min(count, chunk), 0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
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
