// realFft and inverseRealFft: argument unpacking with length checks, and the instance's cache of FFT plans.
#include <string>

#include "bindings/binding.h"

namespace dendrite::binding {

namespace {

// Twiddles kept across calls (a feature pipeline calls with the same lengths every batch): 16M floats,
// about 64 MB; when a new plan would pass that, the cache is emptied first.
constexpr size_t kMaxFftPlanFloats = size_t{16} << 20;

std::shared_ptr<const FftPlan> PlanFor(const Args& args, int64_t n) {
  AddonData& data = Data(args.env());
  auto found = data.fft_plans.find(n);
  if (found != data.fft_plans.end()) return found->second;
  std::shared_ptr<const FftPlan> plan(MakeFftPlan(n).release());
  if (plan == nullptr) ThrowNativeError(args.env(), args.Where("n") + ": could not allocate the plan for length " + std::to_string(n));
  if (data.fft_plan_floats + plan->Floats() > kMaxFftPlanFloats) {
    data.fft_plans.clear();
    data.fft_plan_floats = 0;
  }
  if (plan->Floats() <= kMaxFftPlanFloats) {
    data.fft_plans.emplace(n, plan);
    data.fft_plan_floats += plan->Floats();
  }
  return plan;
}

// One buffer [rows, 2 * bins] holds each row's real parts then its imaginary parts (as the TypeScript side
// slices them).
void PointSpectrum(RealFftArgs* a, float* spectrum, int64_t bins) {
  a->real = spectrum;
  a->imag = spectrum + bins;
  a->spectrum_stride = 2 * bins;
}

// realFft(signal, rows, samples, n, spectrum): signal [rows, samples] (samples <= n, zero-padded to n) gives
// spectrum [rows, 2 * (n / 2 + 1)].
Napi::Value RealFft(const Napi::CallbackInfo& info) {
  Args args(info, "realFft", 5);
  RealFftArgs a;
  a.rows = args.Integer(1, "rows");
  const int64_t n = args.Integer(3, "n", 1, kFftMaxLength);
  a.samples = args.Integer(2, "samples", 0, n);
  a.signal = args.Floats(0, "signal", MatrixSize(args, a.rows, a.samples));
  const int64_t bins = n / 2 + 1;
  PointSpectrum(&a, args.Floats(4, "spectrum", MatrixSize(args, a.rows, 2 * bins)), bins);
  if (a.rows == 0) return info.Env().Undefined();
  std::shared_ptr<const FftPlan> plan = PlanFor(args, n);
  a.plan = plan.get();
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "realFft", backend.kernels.real_fft(a, backend.pool.get()));
  return info.Env().Undefined();
}

// inverseRealFft(spectrum, rows, n, signal): spectrum [rows, 2 * (n / 2 + 1)] gives signal [rows, n], scaled by 1 / n.
Napi::Value InverseRealFft(const Napi::CallbackInfo& info) {
  Args args(info, "inverseRealFft", 4);
  RealFftArgs a;
  a.rows = args.Integer(1, "rows");
  const int64_t n = args.Integer(2, "n", 1, kFftMaxLength);
  a.samples = n;
  const int64_t bins = n / 2 + 1;
  PointSpectrum(&a, args.Floats(0, "spectrum", MatrixSize(args, a.rows, 2 * bins)), bins);
  a.signal = args.Floats(3, "signal", MatrixSize(args, a.rows, n));
  if (a.rows == 0) return info.Env().Undefined();
  std::shared_ptr<const FftPlan> plan = PlanFor(args, n);
  a.plan = plan.get();
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "inverseRealFft", backend.kernels.inverse_real_fft(a, backend.pool.get()));
  return info.Env().Undefined();
}

}  // namespace

// The FFT functions sit in one object, binding.fft (lib/native.ts: FftBinding); they are fuzzed by
// test/native/fft-fuzz.test.ts.
void RegisterSignal(Napi::Env env, Napi::Object exports) {
  Napi::Object fft = Napi::Object::New(env);
  fft.Set("realFft", Napi::Function::New(env, RealFft, "realFft"));
  fft.Set("inverseRealFft", Napi::Function::New(env, InverseRealFft, "inverseRealFft"));
  exports.Set("fft", fft);
}

}  // namespace dendrite::binding
