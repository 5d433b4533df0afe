// Bindings of the elementwise kernels: unary, unaryGrad, binary, affine.
#include "bindings/binding.h"

namespace dendrite::binding {

void RegisterElementwise(Napi::Env env, Napi::Object exports) {}

}  // namespace dendrite::binding
