// The thread pool: every item runs exactly once on the thread the split promises, across resizes,
// calls with fewer chunks than threads, back-to-back calls (workers still spinning) and calls after
// the workers have gone to sleep. Also built alone with -fsanitize=thread by .ci/run.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "dendrite/thread_pool.h"
#include "native_test.h"

using namespace dendrite;

namespace {

struct Marks {
  std::vector<std::atomic<int>> runs;
  std::vector<std::atomic<int>> owner;
  explicit Marks(int64_t count) : runs(static_cast<size_t>(count)), owner(static_cast<size_t>(count)) {}

  static void Run(void* self, int64_t begin, int64_t end, int thread_index) {
    auto* marks = static_cast<Marks*>(self);
    for (int64_t i = begin; i < end; ++i) {
      marks->runs[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
      marks->owner[static_cast<size_t>(i)].store(thread_index, std::memory_order_relaxed);
    }
  }
};

// Runs ParallelFor(count, grain) and checks each item ran once, in contiguous chunks of the size the
// pool documents, chunk c on thread c.
void CheckSplit(ThreadPool& pool, int64_t count, int64_t grain) {
  Marks marks(count);
  pool.ParallelFor(count, grain, Marks::Run, &marks);
  const int64_t max_parts = (count + grain - 1) / grain;
  const int64_t parts = max_parts < pool.num_threads() ? max_parts : pool.num_threads();
  const int64_t chunk = parts > 0 ? (count + parts - 1) / parts : 0;
  for (int64_t i = 0; i < count; ++i) {
    DN_EXPECT(marks.runs[static_cast<size_t>(i)].load() == 1);
    DN_EXPECT(marks.owner[static_cast<size_t>(i)].load() == static_cast<int>(i / chunk));
  }
}

}  // namespace

DN_TEST(ThreadPoolRunsEveryItemOnceOnItsThread) {
  ThreadPool pool(3);
  for (int64_t count : {0, 1, 2, 3, 5, 64, 1000}) {
    for (int64_t grain : {1, 2, 7, 1000}) CheckSplit(pool, count, grain);
  }
}

DN_TEST(ThreadPoolBackToBackAndAfterSleeping) {
  ThreadPool pool(2);
  // Back to back: the worker is still spinning when the next call comes.
  for (int call = 0; call < 2000; ++call) CheckSplit(pool, 2 + call % 7, 1);
  // After the spin window: the worker sleeps and must be woken.
  for (int call = 0; call < 5; ++call) {
    std::this_thread::sleep_for(std::chrono::microseconds(3 * ThreadPool::kSpinMicroseconds));
    CheckSplit(pool, 10, 1);
  }
}

DN_TEST(ThreadPoolResizeBetweenCalls) {
  ThreadPool pool(1);
  for (int threads : {1, 4, 2, 3, 1, 2}) {
    pool.Resize(threads);
    DN_EXPECT(pool.num_threads() == threads);
    for (int call = 0; call < 50; ++call) CheckSplit(pool, 17, 1);
  }
}

DN_TEST(ThreadPoolRunOnEachGivesEachThreadOnePart) {
  ThreadPool pool(4);
  for (int parts : {1, 2, 4, 9}) {
    Marks marks(4);
    pool.RunOnEach(parts, Marks::Run, &marks);
    const int used = parts < 4 ? parts : 4;
    for (int t = 0; t < 4; ++t) {
      DN_EXPECT(marks.runs[static_cast<size_t>(t)].load() == (t < used ? 1 : 0));
      if (t < used) DN_EXPECT(marks.owner[static_cast<size_t>(t)].load() == t);
    }
  }
}
