// The reference ("scalar") kernel table: every row, in plain C++. These are the oracle the tests
// compare each ISA against, and the fallback on CPUs without vector extensions.
#include "kernels/ref/ref.h"

namespace dendrite::ref {

#include "kernels/fill_table.inc"

}  // namespace dendrite::ref
