#include "dendrite/memory_cache.h"

#include <algorithm>
#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dendrite {

// Under AddressSanitizer the allocator is ASan's, whose quarantine (freed blocks poisoned and held back
// from reuse for a while) is what catches a use after free: a cache that handed freed blocks straight
// back would hide exactly those bugs. So the cache is off in an ASan build, whatever the settings, and
// reports itself unavailable (ASan ignores mallopt anyway; malloc_trim would only touch glibc's unused heap).
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)

namespace {
// glibc's documented defaults (M_MMAP_THRESHOLD and M_TRIM_THRESHOLD, 128 KiB each).
constexpr int kGlibcDefaultThreshold = 128 * 1024;

// mallinfo's fields are int: read them as the unsigned counts they are (correct up to 4 GiB each).
// mallinfo2 (size_t fields) needs glibc 2.33, newer than the oldest glibc the prebuilt binary loads on.
uint64_t Field(int value) { return static_cast<uint64_t>(static_cast<unsigned int>(value)); }
}  // namespace

bool MemoryCacheAvailable() { return true; }

bool ConfigureMemoryCache(bool enabled, uint64_t limit_bytes) {
  if (!enabled) {
    mallopt(M_MMAP_THRESHOLD, kGlibcDefaultThreshold);
    mallopt(M_TRIM_THRESHOLD, kGlibcDefaultThreshold);
    return true;
  }
  // M_TRIM_THRESHOLD is an int in mallopt's signature: caps above 2 GiB keep 2 GiB at the top.
  const int trim = static_cast<int>(std::min<uint64_t>(limit_bytes, static_cast<uint64_t>(INT_MAX)));
  // Both are needed: the mmap threshold alone leaves the trim threshold at 128 KiB (freed blocks go back
  // at the next free), the trim threshold alone fixes the mmap threshold at 128 KiB (blocks are mapped).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMemoryCacheMaxBlockBytes));
  mallopt(M_TRIM_THRESHOLD, trim);
  return true;
}

bool TrimMemoryCache() { return malloc_trim(0) != 0; }

MemoryCacheStats GetMemoryCacheStats() {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const struct mallinfo info = mallinfo();
#pragma GCC diagnostic pop
  MemoryCacheStats stats;
  stats.free_bytes = Field(info.fordblks);
  stats.heap_bytes = Field(info.arena) + Field(info.hblkhd);
  return stats;
}

#else

bool MemoryCacheAvailable() { return false; }
bool ConfigureMemoryCache(bool, uint64_t) { return false; }
bool TrimMemoryCache() { return false; }
MemoryCacheStats GetMemoryCacheStats() { return MemoryCacheStats{}; }

#endif

}  // namespace dendrite
