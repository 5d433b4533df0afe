// The reference ("scalar") kernel table: every row, in plain C++. These are the oracle the tests
// compare each ISA against, and the fallback on CPUs without vector extensions.
#include "kernels/ref/ref.h"

namespace dendrite::ref {

void Fill(KernelTable* table) {
  table->sum_squares = SumSquares;
}

}  // namespace dendrite::ref
