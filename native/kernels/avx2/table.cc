#include "kernels/avx2/avx2.h"

namespace dendrite::avx2 {

void Fill(KernelTable* table) {
  table->sum_squares = SumSquares;
}

}  // namespace dendrite::avx2
