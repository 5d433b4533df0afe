// Real-input FFT: forward and inverse against a direct DFT in double for lengths of every plan kind (radix
// 2/3/4/5, a direct odd radix, Bluestein), zero padding, the same bits for every thread count, and rejected
// arguments.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dendrite/fft.h"
#include "native_test.h"

using namespace dendrite;

namespace {

std::vector<float> RandomSignal(int64_t n, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(n));
  uint64_t state = seed;
  for (float& v : x) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = -1.0f + 2.0f * static_cast<float>((state >> 40) * (1.0 / 16777216.0));
  }
  return x;
}

// Bins 0 .. n/2 of one zero-padded row, in double.
void DirectDft(const float* x, int64_t samples, int64_t n, std::vector<double>* re, std::vector<double>* im) {
  const double pi = 3.14159265358979323846;
  re->assign(static_cast<size_t>(n / 2 + 1), 0.0);
  im->assign(static_cast<size_t>(n / 2 + 1), 0.0);
  for (int64_t k = 0; k <= n / 2; ++k) {
    for (int64_t t = 0; t < samples; ++t) {
      const double angle = -2.0 * pi * static_cast<double>((k * t) % n) / static_cast<double>(n);
      (*re)[static_cast<size_t>(k)] += x[t] * std::cos(angle);
      (*im)[static_cast<size_t>(k)] += x[t] * std::sin(angle);
    }
  }
}

RealFftArgs ArgsOf(const FftPlan* plan, int64_t rows, int64_t samples, float* signal, float* real, float* imag) {
  RealFftArgs a;
  a.plan = plan;
  a.rows = rows;
  a.samples = samples;
  a.signal = signal;
  a.real = real;
  a.imag = imag;
  return a;
}

const int64_t kLengths[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 17, 25, 49, 61, 67, 97, 122, 256, 400, 512, 1000, 1021, 2048, 2042};

}  // namespace

DN_TEST(RealFftMatchesADirectDftForEveryPlanKind) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(2);
    for (int64_t n : kLengths) {
      std::unique_ptr<FftPlan> plan = MakeFftPlan(n);
      DN_EXPECT(plan != nullptr);
      if (plan == nullptr) continue;
      const int64_t rows = 19, bins = n / 2 + 1;  // 19 rows: full SIMD groups and a partial one
      for (int64_t samples : {n, (n + 1) / 2}) {
        std::vector<float> x = RandomSignal(rows * samples, static_cast<uint64_t>(n * 31 + samples));
        std::vector<float> re(static_cast<size_t>(rows * bins), -7.0f), im(static_cast<size_t>(rows * bins), -7.0f);
        RealFftArgs a = ArgsOf(plan.get(), rows, samples, x.data(), re.data(), im.data());
        DN_EXPECT(kernels.real_fft(a, &pool) == Status::kOk);
        // float rounding grows like log n; the signal's norm per bin like sqrt(n).
        const double tolerance = 2e-7 * std::sqrt(static_cast<double>(samples)) * (4.0 + std::log2(static_cast<double>(n)));
        double worst = 0.0;
        for (int64_t r = 0; r < rows; ++r) {
          std::vector<double> want_re, want_im;
          DirectDft(x.data() + r * samples, samples, n, &want_re, &want_im);
          for (int64_t k = 0; k < bins; ++k) {
            worst = std::fmax(worst, std::fabs(re[static_cast<size_t>(r * bins + k)] - want_re[static_cast<size_t>(k)]));
            worst = std::fmax(worst, std::fabs(im[static_cast<size_t>(r * bins + k)] - want_im[static_cast<size_t>(k)]));
          }
        }
        if (!(worst <= tolerance)) {
          test::Fail(__FILE__, __LINE__, "real_fft n=" + std::to_string(n) + " samples=" + std::to_string(samples) +
                                             " isa=" + std::to_string(static_cast<int>(kernels.isa)) +
                                             " error " + std::to_string(worst));
        }
      }
    }
  });
}

DN_TEST(InverseRealFftUndoesRealFft) {
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(2);
    for (int64_t n : kLengths) {
      std::unique_ptr<FftPlan> plan = MakeFftPlan(n);
      const int64_t rows = 5, bins = n / 2 + 1;
      std::vector<float> x = RandomSignal(rows * n, static_cast<uint64_t>(n));
      std::vector<float> re(static_cast<size_t>(rows * bins)), im(static_cast<size_t>(rows * bins));
      std::vector<float> back(static_cast<size_t>(rows * n), -7.0f);
      RealFftArgs a = ArgsOf(plan.get(), rows, n, x.data(), re.data(), im.data());
      DN_EXPECT(kernels.real_fft(a, &pool) == Status::kOk);
      // The imaginary parts of DC and Nyquist are ignored by the inverse, as numpy.fft.irfft does.
      for (int64_t r = 0; r < rows; ++r) {
        im[static_cast<size_t>(r * bins)] = 100.0f;
        if (n % 2 == 0) im[static_cast<size_t>(r * bins + n / 2)] = -100.0f;
      }
      a.signal = back.data();
      DN_EXPECT(kernels.inverse_real_fft(a, &pool) == Status::kOk);
      double worst = 0.0;
      for (size_t i = 0; i < x.size(); ++i) worst = std::fmax(worst, std::fabs(back[i] - x[i]));
      if (!(worst <= 1e-6 * (4.0 + std::log2(static_cast<double>(n))))) {
        test::Fail(__FILE__, __LINE__, "inverse_real_fft n=" + std::to_string(n) + " error " + std::to_string(worst));
      }
    }
  });
}

DN_TEST(RealFftIsTheSameForEveryThreadCount) {
  test::ForEachIsa([](const KernelTable& kernels) {
    for (int64_t n : {400, 1021}) {
      std::unique_ptr<FftPlan> plan = MakeFftPlan(n);
      const int64_t rows = 53, bins = n / 2 + 1;
      std::vector<float> x = RandomSignal(rows * n, 5);
      std::vector<float> first_re, first_im;
      for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        std::vector<float> re(static_cast<size_t>(rows * bins)), im(static_cast<size_t>(rows * bins));
        RealFftArgs a = ArgsOf(plan.get(), rows, n, x.data(), re.data(), im.data());
        DN_EXPECT(kernels.real_fft(a, &pool) == Status::kOk);
        if (threads == 1) {
          first_re = re;
          first_im = im;
        } else {
          DN_EXPECT(re == first_re && im == first_im);
        }
      }
    }
  });
}

DN_TEST(RealFftRejectsBadArguments) {
  DN_EXPECT(MakeFftPlan(0) == nullptr);
  DN_EXPECT(MakeFftPlan(-3) == nullptr);
  DN_EXPECT(MakeFftPlan(kFftMaxLength + 1) == nullptr);
  test::ForEachIsa([](const KernelTable& kernels) {
    ThreadPool pool(1);
    std::unique_ptr<FftPlan> plan = MakeFftPlan(8);
    float x[16] = {}, re[10] = {}, im[10] = {};
    RealFftArgs a = ArgsOf(plan.get(), 2, 9, x, re, im);  // more samples than the length
    DN_EXPECT(kernels.real_fft(a, &pool) == Status::kInvalidArgument);
    a.samples = 7;  // the inverse writes whole rows only
    DN_EXPECT(kernels.inverse_real_fft(a, &pool) == Status::kInvalidArgument);
    a.samples = 8;
    a.plan = nullptr;
    DN_EXPECT(kernels.real_fft(a, &pool) == Status::kInvalidArgument);
    a.plan = plan.get();
    a.imag = nullptr;
    DN_EXPECT(kernels.real_fft(a, &pool) == Status::kInvalidArgument);
    a.rows = 0;  // nothing to do: no buffer is read
    DN_EXPECT(kernels.real_fft(a, &pool) == Status::kOk);
  });
}
