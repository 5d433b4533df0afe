// Inference of a feed-forward network off the main thread:
//   forwardPlan(steps, width, previous) copies the weights once into an immutable native snapshot
//   (into the memory of `previous`, a snapshot no call uses any more, when given: a fresh copy of
//   a few MB costs more in page faults than in copying);
//   forwardAsync(plan, x, rows, chunkRows) runs it on a Node-API async worker.
// Every call queued on one plan shares its snapshot (a training step that runs meanwhile can never
// tear what the workers read), and a call runs in passes of `chunkRows` rows, so its scratch memory
// is bounded whatever the batch (the results do not depend on the pass size: no kernel's result for
// a row depends on the other rows).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bindings/binding.h"

namespace dendrite::binding {
namespace {

enum class StepKind { kDense, kUnary, kSoftmax };

struct Step {
  StepKind kind = StepKind::kUnary;
  std::vector<float> kernel;  // [inputs, units], row-major
  std::vector<float> bias;    // [units] or empty
  int64_t inputs = 0, units = 0;
  UnaryOp activation = UnaryOp::kIdentity;
  float param = 0.0f;
  bool log = false;
};

// The snapshot: the steps with their own copy of the weights, never changed once made.
struct Network {
  std::vector<Step> steps;
  int64_t input_width = 0;
  int64_t output_width = 0;
  int64_t max_width = 0;  // the widest row anywhere in the network (scratch per row)
  int64_t bytes = 0;      // the weights' bytes, reported to V8 as external memory
};

using SharedNetwork = std::shared_ptr<const Network>;

// Marks the plan objects forwardPlan makes, so forwardAsync can tell them from any other object.
constexpr napi_type_tag kPlanTag = {0x6d0e0d1e5f0a4c1bULL, 0x9a3c27b2f4e1d805ULL};

class ForwardWorker : public Napi::AsyncWorker {
 public:
  ForwardWorker(Napi::Env env, AddonData& data, SharedNetwork network, std::vector<float> input, int64_t rows,
                int64_t chunk_rows)
      : Napi::AsyncWorker(env, "dendrite.forwardAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        data_(data),
        kernels_(data.backend->kernels),
        network_(std::move(network)),
        input_(std::move(input)),
        rows_(rows),
        chunk_rows_(chunk_rows) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(data_.async_mutex);
    const Network& network = *network_;
    try {
      const int64_t chunk = std::max<int64_t>(1, std::min(chunk_rows_, rows_));
      output_.resize(static_cast<size_t>(rows_ * network.output_width));
      std::vector<float> current(static_cast<size_t>(chunk * network.max_width));
      std::vector<float> next(current.size());
      for (int64_t start = 0; start < rows_; start += chunk) {
        const int64_t rows = std::min(chunk, rows_ - start);
        int64_t width = network.input_width;
        std::copy_n(input_.data() + start * width, rows * width, current.data());
        for (const Step& step : network.steps) {
          Status status = Status::kOk;
          if (step.kind == StepKind::kDense) {
            GemmArgs args;
            args.m = rows;
            args.n = step.units;
            args.k = step.inputs;
            args.a = current.data();
            args.lda = step.inputs;
            args.b = step.kernel.data();
            args.ldb = step.units;
            args.c = next.data();
            args.ldc = step.units;
            args.bias = step.bias.empty() ? nullptr : step.bias.data();
            args.activation = step.activation;
            args.activation_param = step.param;
            status = kernels_.sgemm(args, data_.async_pool.get());
            current.swap(next);
            width = step.units;
          } else if (step.kind == StepKind::kUnary) {
            status = kernels_.unary(step.activation, step.param, current.data(), current.data(), rows * width);
          } else {
            status = kernels_.softmax(current.data(), current.data(), rows, width, step.log);
          }
          if (status != Status::kOk) {
            SetError("forwardAsync: a kernel failed with status " + std::to_string(static_cast<int>(status)));
            return;
          }
        }
        std::copy_n(current.data(), rows * width, output_.data() + start * width);
      }
    } catch (const std::bad_alloc&) {
      SetError("forwardAsync: out of memory");
    }
  }

  void OnOK() override {
    Napi::Float32Array result;
    try {
      result = Napi::Float32Array::New(Env(), output_.size());
    } catch (const Napi::Error&) {
      OnError(Napi::Error::New(Env(), "forwardAsync: out of memory for the result"));
      return;
    }
    std::copy(output_.begin(), output_.end(), result.Data());
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    Napi::Env env = Env();
    Napi::FunctionReference& type = data_.native_error;
    deferred_.Reject(type.IsEmpty() ? error.Value() : type.New({Napi::String::New(env, error.Message())}));
  }

 private:
  Napi::Promise::Deferred deferred_;
  AddonData& data_;
  KernelTable kernels_;  // a copy: setIsa on the main thread cannot change it mid-run
  SharedNetwork network_;
  std::vector<float> input_, output_;
  int64_t rows_, chunk_rows_;
};

int64_t StepInteger(const Napi::Object& step, const char* key, const std::string& where, int64_t min, int64_t max) {
  Napi::Value value = step.Get(key);
  double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  // The range first: converting NaN or an out-of-range double to int64 is undefined behaviour.
  if (!value.IsNumber() || !(number >= static_cast<double>(min) && number <= static_cast<double>(max)) ||
      number != std::floor(number)) {
    ThrowValueError(step.Env(), where + "." + key + " must be an integer from " + std::to_string(min) + " to " +
                                    std::to_string(max));
  }
  return static_cast<int64_t>(number);
}

// Copies a Float32Array of exactly `length` elements into `target` (whose capacity is reused).
void AssignFloats(std::vector<float>& target, const Napi::Value& value, const std::string& where, int64_t length, bool optional) {
  if (optional && (value.IsNull() || value.IsUndefined())) {
    target.clear();
    return;
  }
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    ThrowTypeError(value.Env(), where + " must be a Float32Array");
  }
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  if (static_cast<int64_t>(array.ElementLength()) != length) {
    ThrowValueError(value.Env(), where + " must hold " + std::to_string(length) + " elements, got " +
                                     std::to_string(array.ElementLength()));
  }
  target.assign(array.Data(), array.Data() + length);
}

// Reads and checks the steps into `network`, copying the weights (into the vectors it already has).
void ReadSteps(Napi::Env env, const Napi::Value& value, int64_t width, Network& network) {
  if (!value.IsArray()) ThrowTypeError(env, "forwardPlan: steps must be an array");
  Napi::Array list = value.As<Napi::Array>();
  size_t count = 0;
  network.bytes = 0;
  network.input_width = width;
  network.max_width = width;
  // Grown step by step: a sparse array's length (up to 2^32 - 1) must not size an allocation.
  for (uint32_t i = 0; i < list.Length(); ++i) {
    std::string where = "forwardPlan: steps[" + std::to_string(i) + "]";
    if (!list.Get(i).IsObject()) ThrowTypeError(env, where + " must be an object");
    Napi::Object object = list.Get(i).As<Napi::Object>();
    std::string kind = object.Get("kind").IsString() ? object.Get("kind").As<Napi::String>().Utf8Value() : "";
    Step& step = count < network.steps.size() ? network.steps[count] : network.steps.emplace_back();
    ++count;
    if (kind == "dense") {
      step.kind = StepKind::kDense;
      step.inputs = StepInteger(object, "inputs", where, width, width);
      step.units = StepInteger(object, "units", where, 1, kMaxSize);
      if (step.units > kMaxSize / step.inputs) ThrowValueError(env, where + ": inputs x units is too large");
      AssignFloats(step.kernel, object.Get("kernel"), where + ".kernel", step.inputs * step.units, false);
      AssignFloats(step.bias, object.Get("bias"), where + ".bias", step.units, true);
      network.bytes += static_cast<int64_t>((step.kernel.size() + step.bias.size()) * sizeof(float));
      width = step.units;
      network.max_width = std::max(network.max_width, width);
    } else if (kind == "unary") {
      step.kind = StepKind::kUnary;
    } else if (kind == "softmax") {
      step.kind = StepKind::kSoftmax;
      step.log = object.Get("log").ToBoolean().Value();
    } else {
      ThrowValueError(env, where + ".kind must be 'dense', 'unary' or 'softmax', got '" + kind + "'");
    }
    if (kind != "softmax") {
      step.activation = static_cast<UnaryOp>(StepInteger(object, "activation", where, 0, kUnaryOpCount - 1));
      Napi::Value param = object.Get("param");
      step.param = param.IsNumber() ? param.As<Napi::Number>().FloatValue() : 0.0f;
    }
  }
  network.steps.resize(count);
  network.output_width = width;
}

void FinalizePlan(napi_env env, void* data, void* /*hint*/) {
  auto* network = static_cast<SharedNetwork*>(data);
  int64_t change = 0;
  napi_adjust_external_memory(env, -(*network)->bytes, &change);
  delete network;
}

bool IsPlan(const Napi::Value& value) {
  return value.IsObject() && value.As<Napi::Object>().CheckTypeTag(&kPlanTag);
}

// Takes the snapshot of `previous` away from it (it can no longer be run) when nothing else uses it.
SharedNetwork* Reclaim(Napi::Env env, const Napi::Value& previous) {
  if (!IsPlan(previous)) return nullptr;
  void* data = nullptr;
  if (napi_unwrap(env, previous, &data) != napi_ok || data == nullptr) return nullptr;
  auto* held = static_cast<SharedNetwork*>(data);
  // Only this wrapper holds it: no worker is running or queued on it.
  if (held->use_count() != 1) return nullptr;
  if (napi_remove_wrap(env, previous, &data) != napi_ok) return nullptr;
  int64_t change = 0;
  napi_adjust_external_memory(env, -(*held)->bytes, &change);
  return held;
}

// forwardPlan(steps, width, previous?) -> { inputWidth, outputWidth, bytes }: the snapshot forwardAsync runs.
Napi::Value ForwardPlan(const Napi::CallbackInfo& info) {
  if (info.Length() != 2 && info.Length() != 3) {
    ThrowTypeError(info.Env(), "forwardPlan: expected 2 or 3 arguments, got " + std::to_string(info.Length()));
  }
  Args args(info, "forwardPlan", info.Length());
  Napi::Env env = info.Env();
  int64_t width = args.Integer(1, "width", 1);
  if (info.Length() == 3 && !info[2].IsNull() && !info[2].IsUndefined() && !IsPlan(info[2])) {
    ThrowTypeError(env, "forwardPlan: previous must be a plan forwardPlan returned, or null");
  }
  SharedNetwork* reclaimed = info.Length() == 3 ? Reclaim(env, info[2]) : nullptr;
  std::shared_ptr<Network> network = reclaimed != nullptr ? std::const_pointer_cast<Network>(*reclaimed) : std::make_shared<Network>();
  delete reclaimed;
  // A failure part-way leaves `network` half-filled: it is dropped with the exception.
  ReadSteps(env, info[0], width, *network);
  Napi::Object plan = Napi::Object::New(env);
  plan.DefineProperties({
      Napi::PropertyDescriptor::Value("inputWidth", Napi::Number::New(env, static_cast<double>(network->input_width)), napi_enumerable),
      Napi::PropertyDescriptor::Value("outputWidth", Napi::Number::New(env, static_cast<double>(network->output_width)), napi_enumerable),
      Napi::PropertyDescriptor::Value("bytes", Napi::Number::New(env, static_cast<double>(network->bytes)), napi_enumerable),
  });
  plan.TypeTag(&kPlanTag);
  auto* held = new SharedNetwork(std::move(network));
  if (napi_wrap(env, plan, held, FinalizePlan, nullptr, nullptr) != napi_ok) {
    delete held;
    ThrowNativeError(env, "forwardPlan: could not attach the snapshot");
  }
  int64_t change = 0;
  napi_adjust_external_memory(env, (*held)->bytes, &change);
  return plan;
}

SharedNetwork PlanOf(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kPlanTag)) {
    ThrowTypeError(env, "forwardAsync: plan must be what forwardPlan returned");
  }
  void* data = nullptr;
  if (napi_unwrap(env, value, &data) != napi_ok || data == nullptr) ThrowTypeError(env, "forwardAsync: plan has no snapshot");
  return *static_cast<SharedNetwork*>(data);
}

// forwardAsync(plan, x, rows, chunkRows) -> Promise<Float32Array of rows x outputWidth>
Napi::Value ForwardAsync(const Napi::CallbackInfo& info) {
  Args args(info, "forwardAsync", 4);
  Napi::Env env = info.Env();
  SharedNetwork network = PlanOf(env, info[0]);
  int64_t rows = args.Integer(2, "rows");
  // Every row of every step within kMaxSize floats, so no size below overflows.
  if (rows > 0 && network->max_width > kMaxSize / rows) ThrowValueError(env, "forwardAsync: rows x the widest layer is too large");
  int64_t chunk_rows = args.Integer(3, "chunkRows", 1);
  std::vector<float> input;
  AssignFloats(input, info[1], "forwardAsync: x", rows * network->input_width, false);
  auto* worker = new ForwardWorker(env, Data(env), std::move(network), std::move(input), rows, chunk_rows);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterForward(Napi::Env env, Napi::Object exports) {
  exports.Set("forwardPlan", Napi::Function::New(env, ForwardPlan, "forwardPlan"));
  exports.Set("forwardAsync", Napi::Function::New(env, ForwardAsync, "forwardAsync"));
}

}  // namespace dendrite::binding
