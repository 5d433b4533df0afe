// Real-input FFT plans (runtime/fft_plan.cc): everything a transform of one length needs, computed once in
// double and rounded to float, so a batch of rows (and every later call of that length) only runs butterflies.
//
// A real signal of even length n is transformed as n/2 complex samples (x[2j] + i x[2j+1]) and untangled
// afterwards; an odd length runs as n complex samples with zero imaginary parts. The complex transform of
// length m is a mixed-radix Stockham FFT (radix 4, 2, 3, 5, then any odd prime up to kFftMaxDirectRadix
// by a direct DFT), or, when m has a larger prime factor, Bluestein's chirp-z transform over a power-of-two
// FFT of length >= 2m - 1.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace dendrite {

constexpr int64_t kFftMaxLength = int64_t{1} << 24;
constexpr int64_t kFftMaxDirectRadix = 61;

// One Stockham pass: `radix`-point DFTs over span = the product of the earlier passes' radices.
// twiddles[offset + (k * (radix - 1) + r - 1) * 2 ..] = exp(-2 pi i k r / (span radix)), k < span, 1 <= r < radix;
// roots[root_offset + q * 2 ..] = exp(-2 pi i q / radix) for the direct DFT of a radix above 5.
struct FftPass {
  int64_t radix = 0, span = 0, twiddle_offset = 0, root_offset = 0;
};

struct ComplexFftPlan {
  int64_t length = 0;
  std::vector<FftPass> passes;
  std::vector<float> twiddles;  // (re, im) pairs
  std::vector<float> roots;
};

struct FftPlan {
  int64_t n = 0;               // real signal length
  int64_t bins = 0;            // n / 2 + 1
  int64_t complex_length = 0;  // m: n / 2 for even n, n for odd n
  ComplexFftPlan direct;       // the length-m transform, unless bluestein
  bool bluestein = false;
  ComplexFftPlan padded;       // Bluestein's power-of-two transform
  std::vector<float> chirp;    // m pairs: exp(-i pi k^2 / m)
  std::vector<float> chirp_spectrum;  // padded.length pairs: DFT of the conjugate chirp, divided by padded.length
  std::vector<float> untangle;  // even n: n/2 + 1 pairs exp(-2 pi i k / n)
  int64_t WorkLength() const { return bluestein ? padded.length : complex_length; }
  size_t Floats() const {
    return direct.twiddles.size() + direct.roots.size() + padded.twiddles.size() + padded.roots.size() + chirp.size() +
           chirp_spectrum.size() + untangle.size();
  }
};

// The plan for real length n in [1, kFftMaxLength], or null (bad length, or out of memory).
std::unique_ptr<FftPlan> MakeFftPlan(int64_t n);

// Complex elements of one of the two buffers a transform ping-pongs between: the work length with a slot of
// padding every 16 elements (kernels/simd/fft.inc), and the scratch floats one thread needs for `lanes` rows.
inline int64_t FftBufferElements(const FftPlan& plan) { return plan.WorkLength() + plan.WorkLength() / 16 + 1; }
inline int64_t FftScratchFloats(const FftPlan& plan, int64_t lanes) { return 4 * FftBufferElements(plan) * lanes + 64; }

}  // namespace dendrite
