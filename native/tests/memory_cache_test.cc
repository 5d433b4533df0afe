// The allocator cache (dendrite/memory_cache.h): with it on, freed blocks stay in the allocator and
// come back to later allocations, while a block in use is never handed out again, whatever the thread
// or a trim running at the same time; the settings can be switched back. Run under ASan and TSan by
// .ci/run (the sanitizers replace malloc, so the figures are only checked without them).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "dendrite/memory_cache.h"
#include "dendrite/thread_pool.h"
#include "native_test.h"

using namespace dendrite;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Sizes around the tensor sizes that matter: small, around glibc's 128 KiB default, a few MiB.
constexpr size_t kSizes[] = {4096, 65536, 131072, 262144, 1 << 20, 4 << 20};

struct Churn {
  std::atomic<int> corrupted{0};

  // Each thread keeps a window of live blocks, each filled with a value only it holds; it frees and
  // reallocates them in turn and checks every live block still holds its value.
  static void Run(void* self, int64_t begin, int64_t end, int thread_index) {
    auto* churn = static_cast<Churn*>(self);
    for (int64_t item = begin; item < end; ++item) {
      constexpr int kWindow = 8;
      uint32_t* blocks[kWindow] = {};
      size_t lengths[kWindow] = {};
      uint32_t values[kWindow] = {};
      uint32_t next = static_cast<uint32_t>(item) * 100000u + static_cast<uint32_t>(thread_index);
      for (int round = 0; round < 64; ++round) {
        const int slot = round % kWindow;
        if (blocks[slot] != nullptr) {
          for (size_t i = 0; i < lengths[slot]; i += 97) {
            if (blocks[slot][i] != values[slot]) churn->corrupted.fetch_add(1, std::memory_order_relaxed);
          }
          std::free(blocks[slot]);
        }
        const size_t bytes = kSizes[(round + item) % (sizeof(kSizes) / sizeof(kSizes[0]))];
        lengths[slot] = bytes / sizeof(uint32_t);
        values[slot] = next++;
        blocks[slot] = static_cast<uint32_t*>(std::malloc(bytes));
        if (blocks[slot] == nullptr) continue;
        for (size_t i = 0; i < lengths[slot]; ++i) blocks[slot][i] = values[slot];
      }
      for (int slot = 0; slot < kWindow; ++slot) std::free(blocks[slot]);
    }
  }
};

}  // namespace

DN_TEST(MemoryCacheKeepsLiveBlocksWhileThreadsChurnAndTrim) {
  ConfigureMemoryCache(true, uint64_t{256} << 20);
  ThreadPool pool(3);
  Churn churn;
  std::atomic<bool> done{false};
  // A trim at the same time, as the idle trim could be while a worker_thread allocates.
  std::thread trimmer([&] {
    while (!done.load(std::memory_order_acquire)) {
      TrimMemoryCache();
      std::this_thread::yield();
    }
  });
  pool.ParallelFor(24, 1, Churn::Run, &churn);
  done.store(true, std::memory_order_release);
  trimmer.join();
  DN_EXPECT(churn.corrupted.load() == 0);
  MemoryCacheStats stats = GetMemoryCacheStats();
  DN_EXPECT(stats.free_bytes <= stats.heap_bytes);
  ConfigureMemoryCache(false, 0);
}

DN_TEST(MemoryCacheHoldsFreedMemoryUntilTrimmed) {
  if (!MemoryCacheAvailable() || kSanitized) return;
  ConfigureMemoryCache(true, uint64_t{256} << 20);
  TrimMemoryCache();
  const uint64_t before = GetMemoryCacheStats().free_bytes;
  // 16 blocks of 1 MiB, touched, then freed: with the cache on they stay with the allocator.
  std::vector<char*> blocks;
  for (int i = 0; i < 16; ++i) {
    char* block = static_cast<char*>(std::malloc(1 << 20));
    if (block != nullptr) std::memset(block, i, 1 << 20);
    blocks.push_back(block);
  }
  for (char* block : blocks) std::free(block);
  const uint64_t held = GetMemoryCacheStats().free_bytes;
  DN_EXPECT(held >= before + (uint64_t{12} << 20));
  // Allocating the same sizes again takes the freed blocks: the free bytes go down, the heap stays.
  const uint64_t heap = GetMemoryCacheStats().heap_bytes;
  for (char*& block : blocks) block = static_cast<char*>(std::malloc(1 << 20));
  DN_EXPECT(GetMemoryCacheStats().free_bytes + (uint64_t{12} << 20) <= held);
  DN_EXPECT(GetMemoryCacheStats().heap_bytes <= heap + (uint64_t{1} << 20));
  for (char* block : blocks) std::free(block);
  // Trimmed: the top of the heap goes back to the operating system.
  TrimMemoryCache();
  DN_EXPECT(GetMemoryCacheStats().heap_bytes < heap);
  ConfigureMemoryCache(false, 0);
}

#if defined(__SANITIZE_ADDRESS__)
// Under ASan the cache stays off whatever the settings: a freed tensor-sized block is poisoned (in ASan's
// quarantine), so a kernel reading storage after it was freed is reported, not served a cached block.
DN_TEST(MemoryCacheLeavesFreedBlocksToAsanQuarantine) {
  DN_EXPECT(!MemoryCacheAvailable());
  DN_EXPECT(!ConfigureMemoryCache(true, uint64_t{256} << 20));
  for (size_t bytes : kSizes) {
    auto* block = static_cast<unsigned char*>(std::malloc(bytes));
    DN_EXPECT(block != nullptr);
    if (block == nullptr) continue;
    std::memset(block, 1, bytes);
    DN_EXPECT(__asan_address_is_poisoned(block) == 0);
    // The address as a number (volatile: the compiler cannot tie it to the freed pointer): only ASan's
    // shadow memory is asked about it, the block is never read.
    const volatile uintptr_t address = reinterpret_cast<uintptr_t>(block);
    std::free(block);
    DN_EXPECT(__asan_address_is_poisoned(reinterpret_cast<void*>(address)) != 0);
    DN_EXPECT(__asan_address_is_poisoned(reinterpret_cast<void*>(address + bytes / 2)) != 0);
  }
  ConfigureMemoryCache(false, 0);
}
#endif
