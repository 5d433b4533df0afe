// Bindings of the gemm kernels: sgemm.
#include "bindings/binding.h"

namespace dendrite::binding {

void RegisterGemm(Napi::Env env, Napi::Object exports) {}

}  // namespace dendrite::binding
