// backendInfo, setNumThreads, setErrorClasses and the op-code lists.
#include "bindings/binding.h"

namespace dendrite::binding {

static Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Args args(info, "backendInfo", 0);
  Backend& backend = GetBackend(info.Env());
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("isa", IsaName(backend.isa));
  Napi::Array isas = Napi::Array::New(info.Env(), backend.available.size());
  for (size_t i = 0; i < backend.available.size(); ++i) isas.Set(i, IsaName(backend.available[i]));
  result.Set("isas", isas);
  result.Set("threads", backend.pool->num_threads());
  result.Set("defaultThreads", ThreadPool::DefaultThreadCount());
  return result;
}

static void SetNumThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setNumThreads", 1);
  int64_t threads = args.Integer(0, "threads", 1, kMaxThreads);
  GetBackend(info.Env()).pool->Resize(static_cast<int>(threads));
}

// Switches this instance to another ISA's kernel table (one the CPU has), so a test can compare every
// path with the scalar reference in one process. Users force a path with DENDRITE_ISA instead.
static void SetIsa(const Napi::CallbackInfo& info) {
  Args args(info, "setIsa", 1);
  Backend& backend = GetBackend(info.Env());
  std::string name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  Isa isa;
  bool available = false;
  if (ParseIsa(name, &isa)) {
    for (Isa candidate : backend.available) available = available || candidate == isa;
  }
  if (!available) {
    std::string list;
    for (Isa candidate : backend.available) list += (list.empty() ? "" : ", ") + std::string(IsaName(candidate));
    ThrowValueError(info.Env(), "setIsa: isa must be one this CPU supports (" + list + "), got '" + name + "'");
  }
  backend.isa = isa;
  backend.kernels = MakeKernelTable(isa);
}

static void SetErrorClasses(const Napi::CallbackInfo& info) {
  Args args(info, "setErrorClasses", 3);
  AddonData& data = Data(info.Env());
  const char* names[] = {"ValueError", "ArgumentTypeError", "NativeError"};
  Napi::FunctionReference* slots[] = {&data.value_error, &data.argument_type_error, &data.native_error};
  // All checked before any is replaced: a bad call must not leave a mix of old and new classes.
  for (size_t i = 0; i < 3; ++i) {
    if (!info[i].IsFunction()) ThrowTypeError(info.Env(), args.Where(names[i]) + " must be a class");
  }
  for (size_t i = 0; i < 3; ++i) *slots[i] = Napi::Persistent(info[i].As<Napi::Function>());
}

static Napi::Object OpCodes(Napi::Env env) {
  Napi::Object codes = Napi::Object::New(env);
  Napi::Object unary = Napi::Object::New(env), binary = Napi::Object::New(env), reduce = Napi::Object::New(env),
               optimizer = Napi::Object::New(env), loss = Napi::Object::New(env), pool = Napi::Object::New(env),
               cell = Napi::Object::New(env);
#define DN_UNARY_OP(name, js, code) unary.Set(js, code);
#define DN_BINARY_OP(name, js, code) binary.Set(js, code);
#define DN_REDUCE_OP(name, js, code) reduce.Set(js, code);
#define DN_OPTIMIZER(name, js, code) optimizer.Set(js, code);
#define DN_LOSS(name, js, code) loss.Set(js, code);
#define DN_POOL(name, js, code) pool.Set(js, code);
#define DN_CELL(name, js, code) cell.Set(js, code);
#include "dendrite/ops.def"
  codes.Set("unary", unary);
  codes.Set("binary", binary);
  codes.Set("reduce", reduce);
  codes.Set("optimizer", optimizer);
  codes.Set("loss", loss);
  codes.Set("pool", pool);
  codes.Set("cell", cell);
  return codes;
}

void RegisterBackend(Napi::Env env, Napi::Object exports) {
  exports.Set("backendInfo", Napi::Function::New(env, BackendInfo, "backendInfo"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("setErrorClasses", Napi::Function::New(env, SetErrorClasses, "setErrorClasses"));
  exports.Set("opCodes", OpCodes(env));
}

}  // namespace dendrite::binding
