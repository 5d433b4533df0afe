// Building real-input FFT plans (dendrite/fft.h): factorisation, twiddles, and Bluestein's chirp and its
// spectrum, all in double.
#include <cmath>
#include <complex>
#include <new>

#include "dendrite/fft.h"

namespace dendrite {
namespace {

constexpr double kPi = 3.14159265358979323846;

// exp(-2 pi i num / den) with num reduced modulo den first, so large products keep their precision.
std::complex<double> Root(int64_t num, int64_t den) {
  const double angle = -2.0 * kPi * static_cast<double>(num % den) / static_cast<double>(den);
  return {std::cos(angle), std::sin(angle)};
}

void Push(std::vector<float>* v, std::complex<double> z) {
  v->push_back(static_cast<float>(z.real()));
  v->push_back(static_cast<float>(z.imag()));
}

// Radices of m: 4s first (fewest passes), then 2, 3, 5, then larger primes; false when a prime factor exceeds
// kFftMaxDirectRadix.
bool Factor(int64_t m, std::vector<int64_t>* radices) {
  while (m % 4 == 0) radices->push_back(4), m /= 4;
  while (m % 2 == 0) radices->push_back(2), m /= 2;
  for (int64_t p = 3; p * p <= m; p += 2) {
    while (m % p == 0) {
      if (p > kFftMaxDirectRadix) return false;
      radices->push_back(p);
      m /= p;
    }
  }
  if (m > kFftMaxDirectRadix) return false;
  if (m > 1) radices->push_back(m);
  return true;
}

void BuildPasses(ComplexFftPlan* plan, const std::vector<int64_t>& radices) {
  int64_t span = 1;
  for (int64_t radix : radices) {
    FftPass pass;
    pass.radix = radix;
    pass.span = span;
    pass.twiddle_offset = static_cast<int64_t>(plan->twiddles.size());
    pass.root_offset = static_cast<int64_t>(plan->roots.size());
    for (int64_t k = 0; k < span; ++k) {
      for (int64_t r = 1; r < radix; ++r) Push(&plan->twiddles, Root(k * r, span * radix));
    }
    if (radix > 5) {
      for (int64_t q = 0; q < radix; ++q) Push(&plan->roots, Root(q, radix));
    }
    plan->passes.push_back(pass);
    span *= radix;
  }
}

// In-place radix-2 DFT in double (only for the chirp's spectrum, once per plan).
void DoubleFft(std::vector<std::complex<double>>* data) {
  const size_t n = data->size();
  std::vector<std::complex<double>>& a = *data;
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    for (size_t i = 0; i < n; i += len) {
      for (size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> w = Root(static_cast<int64_t>(k), static_cast<int64_t>(len));
        const std::complex<double> u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

void BuildPlan(FftPlan* plan, int64_t n) {
  plan->n = n;
  plan->bins = n / 2 + 1;
  const int64_t m = n % 2 == 0 ? n / 2 : n;
  plan->complex_length = m;
  if (n % 2 == 0) {
    for (int64_t k = 0; k <= m; ++k) Push(&plan->untangle, Root(k, n));
  }
  std::vector<int64_t> radices;
  plan->direct.length = m;
  if (Factor(m, &radices)) {
    BuildPasses(&plan->direct, radices);
    return;
  }
  plan->bluestein = true;
  int64_t padded = 1;
  while (padded < 2 * m - 1) padded *= 2;
  radices.clear();
  Factor(padded, &radices);
  plan->padded.length = padded;
  BuildPasses(&plan->padded, radices);
  // chirp_k = exp(-i pi k^2 / m) = Root(k^2 mod 2m, 2m).
  std::vector<std::complex<double>> spectrum(static_cast<size_t>(padded));
  for (int64_t k = 0; k < m; ++k) {
    const std::complex<double> w = Root((k * k) % (2 * m), 2 * m);
    Push(&plan->chirp, w);
    spectrum[static_cast<size_t>(k)] = std::conj(w);
    if (k > 0) spectrum[static_cast<size_t>(padded - k)] = std::conj(w);
  }
  DoubleFft(&spectrum);
  for (const std::complex<double>& z : spectrum) Push(&plan->chirp_spectrum, z / static_cast<double>(padded));
}

}  // namespace

std::unique_ptr<FftPlan> MakeFftPlan(int64_t n) {
  if (n < 1 || n > kFftMaxLength) return nullptr;
  std::unique_ptr<FftPlan> plan(new (std::nothrow) FftPlan());
  if (plan == nullptr) return nullptr;
  try {
    BuildPlan(plan.get(), n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
  return plan;
}

}  // namespace dendrite
