#include "kernels/avx512/avx512.h"

namespace dendrite::avx512 {

void Fill(KernelTable* table) {
  table->sum_squares = SumSquares;
}

}  // namespace dendrite::avx512
