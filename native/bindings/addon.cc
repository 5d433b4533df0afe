// Module entry: one AddonData per instance (main thread or worker_thread), no static mutable state.
#include <cstdlib>

#include "bindings/binding.h"

namespace dendrite::binding {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  std::string error;
  std::unique_ptr<Backend> backend =
      CreateBackend(std::getenv("DENDRITE_ISA"), std::getenv("DENDRITE_NUM_THREADS"), &error);
  if (!backend) throw Napi::Error::New(env, error);
  auto* data = new AddonData();
  data->backend = std::move(backend);
  data->async_pool = std::make_unique<ThreadPool>(1);
  env.SetInstanceData(data);  // deleted by Node-API when this instance's environment ends

  RegisterBackend(env, exports);
  RegisterReduce(env, exports);
  RegisterGemm(env, exports);
  RegisterElementwise(env, exports);
  RegisterLoss(env, exports);
  RegisterOptimizer(env, exports);
  RegisterForward(env, exports);
  RegisterConv(env, exports);
  RegisterRecurrent(env, exports);
  RegisterTransformer(env, exports);
  RegisterMemory(env, exports);
  RegisterFileLock(env, exports);
  RegisterInt8(env, exports);
  RegisterBf16(env, exports);
  RegisterSignal(env, exports);
  RegisterBench(env, exports);
  return exports;
}

}  // namespace dendrite::binding

static Napi::Object InitDendrite(Napi::Env env, Napi::Object exports) { return dendrite::binding::Init(env, exports); }

NODE_API_MODULE(dendrite, InitDendrite)
