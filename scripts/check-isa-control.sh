#!/usr/bin/env bash
# Control for scripts/check-isa.mjs: a library whose baseline function holds AVX2 code must fail it,
# and one whose AVX2 code sits in dendrite::avx2 must pass.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/leak.cc" <<'CC'
#include <immintrin.h>
namespace dendrite::avx2 { __attribute__((target("avx2"))) float Good(const float* x) { return _mm256_cvtss_f32(_mm256_loadu_ps(x)); } }
__attribute__((target("avx2"))) float Leaky(const float* x) { return _mm256_cvtss_f32(_mm256_add_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(x))); }
CC
g++ -O2 -shared -fPIC -o "$dir/leak.so" "$dir/leak.cc"
if node scripts/check-isa.mjs "$dir/leak.so" >"$dir/out.txt" 2>&1; then
  cat "$dir/out.txt"
  echo "control FAILED: the leaky library passed the check"
  exit 1
fi
grep -q 'FAIL: Leaky' "$dir/out.txt" || { cat "$dir/out.txt"; echo "control FAILED: the leak was not attributed to Leaky"; exit 1; }
grep -q 'Good' "$dir/out.txt" && { cat "$dir/out.txt"; echo "control FAILED: dendrite::avx2::Good was flagged"; exit 1; }
echo "control passed: the leak in Leaky() was caught, dendrite::avx2::Good() was allowed"
