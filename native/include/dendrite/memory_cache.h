// The C allocator as the cache of tensor storage.
//
// Tensor storage is ArrayBuffer memory that V8 takes from the process allocator (malloc) and hands
// back with free() when the garbage collector collects the buffer; only V8 knows when that is (Node-API
// runs finalizers of external buffers on a later turn of the event loop, never during synchronous code,
// and its weak references outlive minor collections), so Dendrite cannot hand a freed block out again
// itself. What it can decide is what the allocator does with a freed block. glibc's defaults give every
// block above 128 KiB back to the operating system at once (mmap'd blocks are unmapped, the top of the
// heap is trimmed), so a loop that makes one 256 KiB result per op faults in and zero-fills 64 fresh
// pages per op: measured 4-6x the cost of a 256^3 matmul on one CPU. Configured here, the allocator
// serves blocks up to 32 MiB from its heap and keeps up to `limit` bytes of freed memory at its top,
// so its size-binned free lists are the cache: the next allocation of a size reuses a freed block of
// that size, already resident. TrimMemoryCache gives every free page back (the idle trim).
//
// Process-wide (the allocator is): the last configuration made by any addon instance holds. Only glibc
// can be configured; elsewhere MemoryCacheAvailable() is false and the allocator keeps its own policy.
// An AddressSanitizer build never caches (its quarantine must see every freed block): unavailable too.
#pragma once

#include <cstdint>

namespace dendrite {

struct MemoryCacheStats {
  // Bytes of freed memory the allocator holds for reuse (its free lists and the free top of its heaps);
  // pages given back by a trim count until the allocator reuses or releases the block.
  uint64_t free_bytes = 0;
  // Bytes the allocator has taken from the operating system for its heaps (blocks in use and free).
  uint64_t heap_bytes = 0;
};

// Whether the allocator can be configured (glibc, not under AddressSanitizer).
bool MemoryCacheAvailable();

// The largest block the configured allocator serves from its heap (larger ones are mapped per block).
constexpr uint64_t kMemoryCacheMaxBlockBytes = uint64_t{32} << 20;

// Enabled: blocks up to kMemoryCacheMaxBlockBytes come from the heap and up to `limit_bytes` of freed
// memory stays at its top. Disabled: glibc's documented defaults (128 KiB for both; the thresholds no
// longer adapt, as after any explicit setting). Returns false where the allocator cannot be configured.
bool ConfigureMemoryCache(bool enabled, uint64_t limit_bytes);

// Gives the allocator's free pages back to the operating system (glibc: malloc_trim(0)). Blocks in use
// are untouched. Returns whether anything was released.
bool TrimMemoryCache();

MemoryCacheStats GetMemoryCacheStats();

}  // namespace dendrite
