// forwardAsync: runs a feed-forward network's inference on a Node-API async worker, off the main
// thread, over a snapshot of the weights taken at the call (so a training step that runs
// meanwhile can never tear what it reads).
#include <cmath>
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

class ForwardWorker : public Napi::AsyncWorker {
 public:
  ForwardWorker(Napi::Env env, AddonData& data, std::vector<Step> steps, std::vector<float> input, int64_t rows,
                int64_t width)
      : Napi::AsyncWorker(env, "dendrite.forwardAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        data_(data),
        kernels_(data.backend->kernels),
        steps_(std::move(steps)),
        current_(std::move(input)),
        rows_(rows),
        width_(width) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(data_.async_mutex);
    try {
      for (const Step& step : steps_) {
        Status status = Status::kOk;
        if (step.kind == StepKind::kDense) {
          next_.assign(static_cast<size_t>(rows_ * step.units), 0.0f);
          GemmArgs args;
          args.m = rows_;
          args.n = step.units;
          args.k = step.inputs;
          args.a = current_.data();
          args.lda = step.inputs;
          args.b = step.kernel.data();
          args.ldb = step.units;
          args.c = next_.data();
          args.ldc = step.units;
          args.bias = step.bias.empty() ? nullptr : step.bias.data();
          args.activation = step.activation;
          args.activation_param = step.param;
          status = kernels_.sgemm(args, data_.async_pool.get());
          current_.swap(next_);
          width_ = step.units;
        } else if (step.kind == StepKind::kUnary) {
          status = kernels_.unary(step.activation, step.param, current_.data(), current_.data(), rows_ * width_);
        } else {
          status = kernels_.softmax(current_.data(), current_.data(), rows_, width_, step.log);
        }
        if (status != Status::kOk) {
          SetError("forwardAsync: a kernel failed with status " + std::to_string(static_cast<int>(status)));
          return;
        }
      }
    } catch (const std::bad_alloc&) {
      SetError("forwardAsync: out of memory");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Float32Array result = Napi::Float32Array::New(env, current_.size());
    std::copy(current_.begin(), current_.end(), result.Data());
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
  std::vector<Step> steps_;
  std::vector<float> current_, next_;
  int64_t rows_, width_;
};

std::vector<float> CopyFloats(const Napi::Value& value, const std::string& where, int64_t length, bool optional) {
  if (optional && (value.IsNull() || value.IsUndefined())) return {};
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    ThrowTypeError(value.Env(), where + " must be a Float32Array");
  }
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  if (static_cast<int64_t>(array.ElementLength()) != length) {
    ThrowValueError(value.Env(), where + " must hold " + std::to_string(length) + " elements, got " +
                                     std::to_string(array.ElementLength()));
  }
  return std::vector<float>(array.Data(), array.Data() + length);
}

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

// forwardAsync(steps, x, rows, width) -> Promise<Float32Array of rows x (final width)>
Napi::Value ForwardAsync(const Napi::CallbackInfo& info) {
  Args args(info, "forwardAsync", 4);
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) ThrowTypeError(env, "forwardAsync: steps must be an array");
  int64_t rows = args.Integer(2, "rows");
  int64_t width = args.Integer(3, "width", 1);
  if (rows > 0 && width > kMaxSize / rows) ThrowValueError(env, "forwardAsync: rows x width is too large");
  std::vector<float> input = CopyFloats(info[1], "forwardAsync: x", rows * width, false);
  const int64_t input_width = width;

  Napi::Array list = info[0].As<Napi::Array>();
  // Grown step by step: a sparse array's length (up to 2^32 - 1) must not size an allocation.
  std::vector<Step> steps;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    std::string where = "forwardAsync: steps[" + std::to_string(i) + "]";
    if (!list.Get(i).IsObject()) ThrowTypeError(env, where + " must be an object");
    Napi::Object object = list.Get(i).As<Napi::Object>();
    std::string kind = object.Get("kind").IsString() ? object.Get("kind").As<Napi::String>().Utf8Value() : "";
    Step& step = steps.emplace_back();
    if (kind == "dense") {
      step.kind = StepKind::kDense;
      step.inputs = StepInteger(object, "inputs", where, width, width);
      step.units = StepInteger(object, "units", where, 1, kMaxSize);
      if (rows > 0 && step.units > kMaxSize / rows) ThrowValueError(env, where + ": rows x units is too large");
      step.kernel = CopyFloats(object.Get("kernel"), where + ".kernel", step.inputs * step.units, false);
      step.bias = CopyFloats(object.Get("bias"), where + ".bias", step.units, true);
      width = step.units;
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
  auto* worker = new ForwardWorker(env, Data(env), std::move(steps), std::move(input), rows, input_width);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterForward(Napi::Env env, Napi::Object exports) {
  exports.Set("forwardAsync", Napi::Function::New(env, ForwardAsync, "forwardAsync"));
}

}  // namespace dendrite::binding
