// Bindings of the optimizer kernels: optimizerUpdate.
#include "bindings/binding.h"

namespace dendrite::binding {

void RegisterOptimizer(Napi::Env env, Napi::Object exports) {}

}  // namespace dendrite::binding
