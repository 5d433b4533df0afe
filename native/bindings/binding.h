// Shared by the binding files: the per-instance data, argument unpacking with length checks,
// and the conversion of kernel statuses and bad arguments into Dendrite's typed JS errors.
// This folder is the only code that knows Node-API.
#pragma once

#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dendrite/backend.h"
#include "dendrite/fft.h"

namespace dendrite::binding {

// Per-instance state (one per main thread or worker_thread that loads the addon).
struct AddonData {
  std::unique_ptr<Backend> backend;
  // Async work (predictAsync) runs off the main thread on its own one-thread pool, one job at a
  // time: the main pool is never entered from two threads, and results match the synchronous path
  // because no kernel's result depends on the thread count.
  std::unique_ptr<ThreadPool> async_pool;
  std::mutex async_mutex;
  // Dendrite's error classes, handed over by lib/native.ts at load (binding.setErrorClasses).
  Napi::FunctionReference value_error, argument_type_error, native_error;
  // FFT plans by length (signal_binding.cc), kept while their twiddles total at most kMaxFftPlanFloats.
  std::map<int64_t, std::shared_ptr<const FftPlan>> fft_plans;
  size_t fft_plan_floats = 0;
};

AddonData& Data(Napi::Env env);
inline Backend& GetBackend(Napi::Env env) { return *Data(env).backend; }

// Throws ValueError / ArgumentTypeError / NativeError (plain Error/TypeError before they are set).
[[noreturn]] void ThrowValueError(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowNativeError(Napi::Env env, const std::string& message);
// Throws a NativeError for any status but kOk, naming the function.
void CheckStatus(Napi::Env env, const char* function, Status status);

// Largest size or dimension accepted from JS; keeps every product of two sizes within int64.
constexpr int64_t kMaxSize = (int64_t{1} << 40);

// rows * cols, or a ValueError naming `args`' function when it exceeds kMaxSize.
class Args;
int64_t MatrixSize(const Args& args, int64_t rows, int64_t cols);

// Unpacks the arguments of one binding function; every error names the function and argument.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* function, size_t count);

  Napi::Env env() const { return info_.Env(); }
  // A Float32Array with at least `min_length` elements.
  float* Floats(size_t index, const char* name, int64_t min_length) const;
  // Like Floats, but null/undefined gives nullptr.
  float* OptionalFloats(size_t index, const char* name, int64_t min_length) const;
  int32_t* Ints(size_t index, const char* name, int64_t min_length) const;
  int32_t* OptionalInts(size_t index, const char* name, int64_t min_length) const;
  int8_t* Int8s(size_t index, const char* name, int64_t min_length) const;    // an Int8Array
  uint8_t* Uint8s(size_t index, const char* name, int64_t min_length) const;  // a Uint8Array
  uint16_t* Uint16s(size_t index, const char* name, int64_t min_length) const;  // a Uint16Array (bf16 values)
  // Element count of the typed array at `index` (Float32Array or Int32Array).
  int64_t Length(size_t index) const;
  // An integer in [min, max].
  int64_t Integer(size_t index, const char* name, int64_t min = 0, int64_t max = kMaxSize) const;
  double Number(size_t index, const char* name) const;
  bool Boolean(size_t index, const char* name) const;
  // "fn: name " prefix for messages.
  std::string Where(const char* name) const;
  // The argument at `index` as it is.
  Napi::Value Value(size_t index) const { return info_[index]; }

 private:
  template <typename Array>
  Array TypedArray(size_t index, const char* name, napi_typedarray_type type, const char* type_name) const;
  // TypedArray's data, with at least min_length elements (a ValueError otherwise).
  template <typename Array>
  auto SizedArray(size_t index, const char* name, napi_typedarray_type type, const char* type_name,
                  int64_t min_length) const;

  const Napi::CallbackInfo& info_;
  const char* function_;
};

// A ConvGeometry from an Int32Array of its fields in order, checked: every field in range, channels
// divisible by the groups, the output size the padded input gives; errors start with `where`
// (conv_binding.cc). Likewise a PoolGeometry.
ConvGeometry ReadConvGeometry(Napi::Env env, const Napi::Value& value, const std::string& where);
ConvGeometry ReadConvGeometry(const Args& args, size_t index);
PoolGeometry ReadPoolGeometry(Napi::Env env, const Napi::Value& value, const std::string& where, PoolKind kind);

// Each binding file defines one of these and addon.cc calls them all.
void RegisterBackend(Napi::Env env, Napi::Object exports);
void RegisterReduce(Napi::Env env, Napi::Object exports);
void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterElementwise(Napi::Env env, Napi::Object exports);
void RegisterLoss(Napi::Env env, Napi::Object exports);
void RegisterOptimizer(Napi::Env env, Napi::Object exports);
void RegisterBench(Napi::Env env, Napi::Object exports);
void RegisterForward(Napi::Env env, Napi::Object exports);
void RegisterConv(Napi::Env env, Napi::Object exports);
void RegisterRecurrent(Napi::Env env, Napi::Object exports);
void RegisterTransformer(Napi::Env env, Napi::Object exports);
void RegisterMemory(Napi::Env env, Napi::Object exports);
void RegisterFileLock(Napi::Env env, Napi::Object exports);
void RegisterInt8(Napi::Env env, Napi::Object exports);
void RegisterSignal(Napi::Env env, Napi::Object exports);
// The int8 benchmark helpers (bench_binding.cc), registered on binding.int8 by RegisterInt8.
Napi::Value BenchInt8Peak(const Napi::CallbackInfo& info);
Napi::Value BenchInt8Gemm(const Napi::CallbackInfo& info);
void RegisterBf16(Napi::Env env, Napi::Object exports);
// The bf16 benchmark helpers (bench_binding.cc), registered on binding.bf16 by RegisterBf16.
Napi::Value BenchBf16Peak(const Napi::CallbackInfo& info);
Napi::Value BenchBf16Gemm(const Napi::CallbackInfo& info);

}  // namespace dendrite::binding
