#include "kernels/avx2/avx2.h"

namespace dendrite::avx2 {

#include "kernels/fill_table.inc"

}  // namespace dendrite::avx2
