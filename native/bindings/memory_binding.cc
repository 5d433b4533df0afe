// configureMemoryCache, trimMemoryCache, memoryCacheStats: the allocator cache of tensor storage
// (dendrite/memory_cache.h; lib/memory.ts decides when to call them).
#include "bindings/binding.h"
#include "dendrite/memory_cache.h"

namespace dendrite::binding {

namespace {

// The largest cap accepted: 2^50 bytes (1 PiB), far above any real cap, exact as a double.
constexpr int64_t kMaxCacheLimit = int64_t{1} << 50;

Napi::Value ConfigureCache(const Napi::CallbackInfo& info) {
  Args args(info, "configureMemoryCache", 2);
  bool enabled = args.Boolean(0, "enabled");
  int64_t limit = args.Integer(1, "limitBytes", 0, kMaxCacheLimit);
  return Napi::Boolean::New(info.Env(), ConfigureMemoryCache(enabled, static_cast<uint64_t>(limit)));
}

Napi::Value TrimCache(const Napi::CallbackInfo& info) {
  Args args(info, "trimMemoryCache", 0);
  return Napi::Boolean::New(info.Env(), TrimMemoryCache());
}

Napi::Value CacheStats(const Napi::CallbackInfo& info) {
  Args args(info, "memoryCacheStats", 0);
  MemoryCacheStats stats = GetMemoryCacheStats();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("available", MemoryCacheAvailable());
  result.Set("freeBytes", static_cast<double>(stats.free_bytes));
  result.Set("heapBytes", static_cast<double>(stats.heap_bytes));
  return result;
}

}  // namespace

void RegisterMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("configureMemoryCache", Napi::Function::New(env, ConfigureCache, "configureMemoryCache"));
  exports.Set("trimMemoryCache", Napi::Function::New(env, TrimCache, "trimMemoryCache"));
  exports.Set("memoryCacheStats", Napi::Function::New(env, CacheStats, "memoryCacheStats"));
}

}  // namespace dendrite::binding
