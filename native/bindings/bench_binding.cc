// Benchmark helpers for bench/*.ts: kernels timed in C++ (no JS call in the measurement), and the
// machine probes (FMA peak, triad bandwidth) every benchmark prints beside its figures, because the
// machine is shared and a loaded run must be recognisable as such.
#include <algorithm>
#include <chrono>
#include <vector>

#include "bindings/binding.h"
#if defined(DENDRITE_HAVE_X86_KERNELS)
#include "kernels/avx2/gemm_probe.h"
#include "kernels/avx512/gemm_probe.h"
#include "kernels/avx512/bf16.h"
#include "kernels/avx512/int8.h"
#endif
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Resizes the pool for one measurement (0 keeps it) and restores it afterwards, even on a throw.
class ScopedThreadCount {
 public:
  ScopedThreadCount(ThreadPool* pool, int threads) : pool_(pool), saved_(pool->num_threads()) {
    if (threads > 0 && threads != saved_) pool_->Resize(threads);
  }
  ~ScopedThreadCount() {
    if (pool_->num_threads() != saved_) pool_->Resize(saved_);
  }
  ScopedThreadCount(const ScopedThreadCount&) = delete;
  ScopedThreadCount& operator=(const ScopedThreadCount&) = delete;

 private:
  ThreadPool* pool_;
  int saved_;
};

constexpr int64_t kMaxBenchDimension = 8192;

void Fill(std::vector<float>& values, uint32_t seed) {
  for (float& value : values) {
    seed = seed * 1664525u + 1013904223u;
    value = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }
}

}  // namespace

// benchSgemm(transA, transB, m, n, k, threads, reps): median seconds of one sgemm call of the current
// kernel table (C = A*B, contiguous operands), timed in C++ after one untimed warm-up call.
static Napi::Value BenchSgemm(const Napi::CallbackInfo& info) {
  Args args(info, "benchSgemm", 7);
  GemmArgs g;
  g.trans_a = args.Boolean(0, "transA");
  g.trans_b = args.Boolean(1, "transB");
  g.m = args.Integer(2, "m", 1, kMaxBenchDimension);
  g.n = args.Integer(3, "n", 1, kMaxBenchDimension);
  g.k = args.Integer(4, "k", 1, kMaxBenchDimension);
  const int threads = static_cast<int>(args.Integer(5, "threads", 0, kMaxThreads));
  const int64_t reps = args.Integer(6, "reps", 1, 1000000);

  std::vector<float> a(g.m * g.k), b(g.k * g.n), c(g.m * g.n);
  Fill(a, 1);
  Fill(b, 2);
  g.a = a.data();
  g.lda = g.trans_a ? g.m : g.k;
  g.b = b.data();
  g.ldb = g.trans_b ? g.k : g.n;
  g.c = c.data();
  g.ldc = g.n;

  Backend& backend = GetBackend(info.Env());
  ScopedThreadCount scoped(backend.pool.get(), threads);
  CheckStatus(info.Env(), "benchSgemm", backend.kernels.sgemm(g, backend.pool.get()));
  std::vector<double> times(static_cast<size_t>(reps));
  for (double& time : times) {
    Clock::time_point start = Clock::now();
    backend.kernels.sgemm(g, backend.pool.get());
    time = SecondsSince(start);
  }
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  return Napi::Number::New(info.Env(), times[reps / 2]);
}

// benchConv(kind, geometry, threads, reps): median seconds of one call of the current kernel table's
// conv2d (kind 0, no epilogue), conv2d_backward_data (1) or conv2d_backward_filter (2) on random
// operands of `geometry` (as conv2d's binding takes it, at most 2^28 elements each), timed in C++ after
// one untimed warm-up call.
static Napi::Value BenchConv(const Napi::CallbackInfo& info) {
  Args args(info, "benchConv", 4);
  const int64_t kind = args.Integer(0, "kind", 0, 2);
  const ConvGeometry g = ReadConvGeometry(args, 1);
  const int threads = static_cast<int>(args.Integer(2, "threads", 0, kMaxThreads));
  const int64_t reps = args.Integer(3, "reps", 1, 1000000);
  const int64_t x_size = g.batch * g.in_h * g.in_w * g.in_c, y_size = g.batch * g.out_h * g.out_w * g.out_c;
  const int64_t f_size = g.kernel_h * g.kernel_w * (g.in_c / g.groups) * g.out_c;
  constexpr int64_t kMaxBenchElements = int64_t{1} << 28;
  if (x_size > kMaxBenchElements || y_size > kMaxBenchElements || f_size > kMaxBenchElements) {
    ThrowValueError(info.Env(), "benchConv: each operand must hold at most 2^28 elements");
  }
  std::vector<float> x(x_size), filter(f_size), y(y_size);
  Fill(x, 1);
  Fill(filter, 2);
  Fill(y, 3);
  Backend& backend = GetBackend(info.Env());
  ScopedThreadCount scoped(backend.pool.get(), threads);
  const auto run = [&]() {
    if (kind == 0) return backend.kernels.conv2d(g, x.data(), filter.data(), ConvEpilogue(), y.data(), backend.pool.get());
    if (kind == 1) return backend.kernels.conv2d_backward_data(g, y.data(), filter.data(), ConvEpilogue(), x.data(), backend.pool.get());
    return backend.kernels.conv2d_backward_filter(g, x.data(), y.data(), filter.data(), false, backend.pool.get());
  };
  CheckStatus(info.Env(), "benchConv", run());
  std::vector<double> times(static_cast<size_t>(reps));
  for (double& time : times) {
    Clock::time_point start = Clock::now();
    run();
    time = SecondsSince(start);
  }
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  return Napi::Number::New(info.Env(), times[reps / 2]);
}

namespace {

// One probe loop (returning a value that depends on all its work) run on each of the pool's threads.
struct ProbeTask {
  double (*probe)(int64_t iterations);
  int64_t iterations;
  double sink[kMaxThreads];

  static void Run(void* self, int64_t begin, int64_t end, int thread_index) {
    auto* task = static_cast<ProbeTask*>(self);
    task->sink[thread_index] = task->probe(task->iterations);
  }
};

// Probe iterations per second summed over `threads` threads running at once for about `seconds`.
double MeasureProbe(Backend& backend, int threads, double seconds, double (*probe)(int64_t)) {
  ScopedThreadCount scoped(backend.pool.get(), threads);
  auto task = std::make_unique<ProbeTask>();
  task->probe = probe;
  // Calibrate on one thread, then size the run to `seconds`.
  task->iterations = 1 << 20;
  Clock::time_point start = Clock::now();
  ProbeTask::Run(task.get(), 0, 1, 0);
  const double calibration = SecondsSince(start);
  task->iterations = std::max<int64_t>(1 << 16, static_cast<int64_t>((1 << 20) * seconds / calibration));
  start = Clock::now();
  backend.pool->RunOnEach(threads, ProbeTask::Run, task.get());
  const double elapsed = SecondsSince(start);
  return static_cast<double>(task->iterations) * threads / elapsed;
}

double FmaProbeOf(Isa isa, int64_t iterations) {
#if defined(DENDRITE_HAVE_X86_KERNELS)
  return isa == Isa::kAvx512 ? avx512::FmaProbe(iterations) : avx2::FmaProbe(iterations);
#else
  return 0.0;
#endif
}

double FlopsPerIteration(Isa isa) {
#if defined(DENDRITE_HAVE_X86_KERNELS)
  if (isa == Isa::kAvx512) return 2.0 * avx512::kFmaProbeChains * avx512::kFmaProbeLanes;
  if (isa == Isa::kAvx2) return 2.0 * avx2::kFmaProbeChains * avx2::kFmaProbeLanes;
#endif
  return 0.0;
}

}  // namespace

// benchFmaPeak(threads, seconds): GFLOP/s of independent FMAs on the best vector ISA of this CPU, run
// on `threads` threads at once for about `seconds`. { gflops, isa }; gflops is 0 without AVX2.
static Napi::Value BenchFmaPeak(const Napi::CallbackInfo& info) {
  Args args(info, "benchFmaPeak", 2);
  const int threads = static_cast<int>(args.Integer(0, "threads", 1, kMaxThreads));
  const double seconds = args.Number(1, "seconds");
  if (!(seconds > 0.0 && seconds <= 60.0)) ThrowValueError(info.Env(), args.Where("seconds") + " must be in (0, 60]");
  Backend& backend = GetBackend(info.Env());
  const Isa isa = backend.available.back();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("isa", IsaName(isa));
  const double flops_per_iteration = FlopsPerIteration(isa);
  if (flops_per_iteration == 0.0) {
    result.Set("gflops", 0.0);
    return result;
  }
  const double per_second = isa == Isa::kAvx512 ? MeasureProbe(backend, threads, seconds, [](int64_t n) { return FmaProbeOf(Isa::kAvx512, n); })
                                                : MeasureProbe(backend, threads, seconds, [](int64_t n) { return FmaProbeOf(Isa::kAvx2, n); });
  result.Set("gflops", flops_per_iteration * per_second * 1e-9);
  return result;
}

namespace {

struct TriadTask {
  float* a;
  const float* b;
  const float* c;
  float scale;
  int64_t count;
  int parts;

  static void Run(void* self, int64_t begin, int64_t end, int thread_index) {
    auto* task = static_cast<TriadTask*>(self);
    const int64_t chunk = (task->count + task->parts - 1) / task->parts;
    const int64_t first = std::min(task->count, begin * chunk), last = std::min(task->count, first + chunk);
    float* __restrict a = task->a;
    const float* __restrict b = task->b;
    const float* __restrict c = task->c;
    const float scale = task->scale;
    for (int64_t i = first; i < last; ++i) a[i] = b[i] + scale * c[i];
  }
};

}  // namespace

// benchTriad(threads, megabytes): GB/s of a[i] = b[i] + s*c[i] over three arrays of `megabytes` MiB
// each, split across `threads` threads; the best of 5 runs, counting 12 bytes per element (STREAM's rule).
static Napi::Value BenchTriad(const Napi::CallbackInfo& info) {
  Args args(info, "benchTriad", 2);
  const int threads = static_cast<int>(args.Integer(0, "threads", 1, kMaxThreads));
  const int64_t megabytes = args.Integer(1, "megabytes", 1, 4096);
  Backend& backend = GetBackend(info.Env());
  ScopedThreadCount scoped(backend.pool.get(), threads);
  const int64_t count = megabytes * (1 << 20) / static_cast<int64_t>(sizeof(float));
  std::vector<float> a(count, 0.0f), b(count, 1.0f), c(count, 2.0f);
  TriadTask task{a.data(), b.data(), c.data(), 0.5f, count, backend.pool->num_threads()};
  task.parts = std::min(threads, backend.pool->num_threads());
  backend.pool->RunOnEach(task.parts, TriadTask::Run, &task);  // warm-up: page tables, caches, thread wake-up
  double best = 1e30;
  for (int run = 0; run < 5; ++run) {
    Clock::time_point start = Clock::now();
    backend.pool->RunOnEach(task.parts, TriadTask::Run, &task);
    best = std::min(best, SecondsSince(start));
  }
  return Napi::Number::New(info.Env(), 3.0 * sizeof(float) * static_cast<double>(count) / best * 1e-9);
}

// int8.benchPeak(threads, seconds): GOP/s (a multiply and an add per u8 x s8 product) of independent vpdpbusd
// chains on `threads` threads at once: the int8 GEMM's ceiling. { gops, instruction }; gops is 0 (instruction
// 'none') without AVX512_VNNI.
Napi::Value BenchInt8Peak(const Napi::CallbackInfo& info) {
  Args args(info, "int8.benchPeak", 2);
  const int threads = static_cast<int>(args.Integer(0, "threads", 1, kMaxThreads));
  const double seconds = args.Number(1, "seconds");
  if (!(seconds > 0.0 && seconds <= 60.0)) ThrowValueError(info.Env(), args.Where("seconds") + " must be in (0, 60]");
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("instruction", "none");
  result.Set("gops", 0.0);
#if defined(DENDRITE_HAVE_X86_KERNELS)
  Backend& backend = GetBackend(info.Env());
  bool avx512 = false;
  for (Isa isa : backend.available) avx512 = avx512 || isa == Isa::kAvx512;
  if (avx512 && avx512::HasVnni()) {
    const double per_second = MeasureProbe(backend, threads, seconds, [](int64_t n) { return static_cast<double>(avx512::VnniProbe(n)); });
    result.Set("instruction", "vpdpbusd zmm");
    result.Set("gops", 2.0 * avx512::kVnniProbeChains * 64 * per_second * 1e-9);
  }
#endif
  return result;
}

// int8.benchGemm(m, n, k, threads, reps): median seconds of one int8_gemm call of the current kernel table on
// random u8 activations and packed s8 weights (relu epilogue with bias), timed in C++ after a warm-up call.
Napi::Value BenchInt8Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "int8.benchGemm", 5);
  Int8GemmArgs g;
  g.m = args.Integer(0, "m", 1, kMaxBenchDimension);
  g.n = args.Integer(1, "n", 1, kMaxBenchDimension);
  g.k = args.Integer(2, "k", 1, kMaxBenchDimension);
  const int threads = static_cast<int>(args.Integer(3, "threads", 0, kMaxThreads));
  const int64_t reps = args.Integer(4, "reps", 1, 1000000);
  std::vector<uint8_t> a(static_cast<size_t>(g.m * g.k));
  std::vector<int8_t> weights(static_cast<size_t>(g.k * g.n)), packed(static_cast<size_t>(ref::Int8PackedBytes(g.k, g.n)));
  std::vector<int32_t> column_sums(static_cast<size_t>(g.n));
  std::vector<float> scales(static_cast<size_t>(g.n), 0.001f), bias(static_cast<size_t>(g.n), 0.5f), c(static_cast<size_t>(g.m * g.n));
  uint32_t seed = 7;
  for (uint8_t& v : a) v = static_cast<uint8_t>((seed = seed * 1664525u + 1013904223u) >> 24);
  for (int8_t& v : weights) v = static_cast<int8_t>(static_cast<int>((seed = seed * 1664525u + 1013904223u) >> 24) - 128);
  ref::PackInt8Weights(weights.data(), g.k, g.n, packed.data(), column_sums.data());
  g.a = a.data();
  g.lda = g.k;
  g.a_zero_point = 128;
  g.a_scale = 0.01f;
  g.packed_b = packed.data();
  g.column_sums = column_sums.data();
  g.b_scales = scales.data();
  g.bias = bias.data();
  g.activation = UnaryOp::kRelu;
  g.c = c.data();
  g.ldc = g.n;
  Backend& backend = GetBackend(info.Env());
  ScopedThreadCount scoped(backend.pool.get(), threads);
  CheckStatus(info.Env(), "int8.benchGemm", backend.kernels.int8_gemm(g, backend.pool.get()));
  std::vector<double> times(static_cast<size_t>(reps));
  for (double& time : times) {
    Clock::time_point start = Clock::now();
    backend.kernels.int8_gemm(g, backend.pool.get());
    time = SecondsSince(start);
  }
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  return Napi::Number::New(info.Env(), times[reps / 2]);
}

// bf16.benchPeak(threads, seconds): GFLOP/s (a multiply and an add per bf16 product) of independent vdpbf16ps
// chains on `threads` threads at once: the bf16 GEMM's ceiling. { gflops, instruction }; gflops is 0
// (instruction 'none') without AVX512_BF16.
Napi::Value BenchBf16Peak(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.benchPeak", 2);
  const int threads = static_cast<int>(args.Integer(0, "threads", 1, kMaxThreads));
  const double seconds = args.Number(1, "seconds");
  if (!(seconds > 0.0 && seconds <= 60.0)) ThrowValueError(info.Env(), args.Where("seconds") + " must be in (0, 60]");
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("instruction", "none");
  result.Set("gflops", 0.0);
#if defined(DENDRITE_HAVE_X86_KERNELS)
  Backend& backend = GetBackend(info.Env());
  bool avx512 = false;
  for (Isa isa : backend.available) avx512 = avx512 || isa == Isa::kAvx512;
  if (avx512 && avx512::HasBf16()) {
    const double per_second = MeasureProbe(backend, threads, seconds, [](int64_t n) { return static_cast<double>(avx512::Bf16Probe(n)); });
    result.Set("instruction", "vdpbf16ps zmm");
    result.Set("gflops", 2.0 * avx512::kBf16ProbeChains * 32 * per_second * 1e-9);
  }
#endif
  return result;
}

// bf16.benchGemm(m, n, k, threads, reps): median seconds of one bf16_gemm call of the current kernel table on
// random bf16 activations and packed bf16 weights (relu epilogue with bias), timed in C++ after a warm-up call.
Napi::Value BenchBf16Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "bf16.benchGemm", 5);
  Bf16GemmArgs g;
  g.m = args.Integer(0, "m", 1, kMaxBenchDimension);
  g.n = args.Integer(1, "n", 1, kMaxBenchDimension);
  g.k = args.Integer(2, "k", 1, kMaxBenchDimension);
  const int threads = static_cast<int>(args.Integer(3, "threads", 0, kMaxThreads));
  const int64_t reps = args.Integer(4, "reps", 1, 1000000);
  std::vector<float> x(static_cast<size_t>(g.m * g.k)), weights(static_cast<size_t>(g.k * g.n));
  std::vector<float> bias(static_cast<size_t>(g.n), 0.5f), c(static_cast<size_t>(g.m * g.n));
  std::vector<uint16_t> a(x.size()), packed(static_cast<size_t>(ref::Bf16PackedLength(g.k, g.n)));
  Fill(x, 7);
  Fill(weights, 11);
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "bf16.benchGemm", backend.kernels.convert_bf16(x.data(), g.m * g.k, a.data()));
  ref::PackBf16Weights(weights.data(), g.k, g.n, packed.data());
  g.a = a.data();
  g.lda = g.k;
  g.packed_b = packed.data();
  g.bias = bias.data();
  g.activation = UnaryOp::kRelu;
  g.c = c.data();
  g.ldc = g.n;
  ScopedThreadCount scoped(backend.pool.get(), threads);
  CheckStatus(info.Env(), "bf16.benchGemm", backend.kernels.bf16_gemm(g, backend.pool.get()));
  std::vector<double> times(static_cast<size_t>(reps));
  for (double& time : times) {
    Clock::time_point start = Clock::now();
    backend.kernels.bf16_gemm(g, backend.pool.get());
    time = SecondsSince(start);
  }
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  return Napi::Number::New(info.Env(), times[reps / 2]);
}

void RegisterBench(Napi::Env env, Napi::Object exports) {
  exports.Set("benchSgemm", Napi::Function::New(env, BenchSgemm, "benchSgemm"));
  exports.Set("benchConv", Napi::Function::New(env, BenchConv, "benchConv"));
  exports.Set("benchFmaPeak", Napi::Function::New(env, BenchFmaPeak, "benchFmaPeak"));
  exports.Set("benchTriad", Napi::Function::New(env, BenchTriad, "benchTriad"));
}

}  // namespace dendrite::binding
