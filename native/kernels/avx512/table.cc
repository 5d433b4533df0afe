#include "kernels/avx512/avx512.h"

namespace dendrite::avx512 {

#include "kernels/fill_table.inc"

}  // namespace dendrite::avx512
