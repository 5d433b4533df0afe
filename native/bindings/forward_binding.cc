// Inference of a network of layers off the main thread:
//   forwardPlan(steps, widths, previous, outputs) copies the weights once into an immutable native
//   snapshot (into the memory of `previous`, a snapshot no call uses any more, when given: a fresh
//   copy of a few MB costs more in page faults than in copying);
//   forwardAsync(plan, x, rows, chunkRows) runs it on a Node-API async worker.
// The network is a graph over value slots: the model's inputs are slots 0..inputs-1 and step s
// writes slot inputs + s, reading the slots it names (by default the one written just before it, so
// a list of steps without slot numbers is a chain). Each slot holds `chunkRows` rows of its width.
// Rows of x hold the inputs side by side, and rows of the result the outputs side by side.
// Every call queued on one plan shares its snapshot (a training step that runs meanwhile can never
// tear what the workers read), and a call runs in passes of `chunkRows` rows, so its scratch memory
// is bounded whatever the batch (the results do not depend on the pass size: no kernel's result for
// a row depends on the other rows). Steps: dense (a fused GEMM), conv2d (a fused convolution of each row
// as one NHWC sample or, with `transpose`, a transposed one, with an optional folded normalization),
// pool2d, affine (a per-channel scale and shift), reduce (global pooling), unary, softmax, binary, sum,
// concat, int8Dense (an int8 Dense layer: the same Int8DenseForward as the int8Dense binding that predict
// calls; in dynamic mode its input range is each pass's, so predictAsync's passes are predict's batches).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bindings/binding.h"
#include "dendrite/int8_dense.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {
namespace {

enum class StepKind { kDense, kUnary, kSoftmax, kBinary, kSum, kConcat, kConv, kConvTranspose, kPool, kAffine, kReduce, kInt8Dense };

struct Step {
  StepKind kind = StepKind::kUnary;
  std::vector<int64_t> from;  // the slots read
  std::vector<float> kernel;  // dense: [inputs, units], row-major; convolutions: the filter
  std::vector<float> bias;    // [units] (a convolution's output channels) or empty
  std::vector<float> scale, shift;  // a convolution's folded normalization, an affine map; or empty
  int64_t inputs = 0, units = 0;
  UnaryOp activation = UnaryOp::kIdentity;
  BinaryOp op = BinaryOp::kAdd;
  float param = 0.0f;
  bool log = false;
  bool has_constant = false;  // a binary step with a scalar right operand
  float constant = 0.0f;
  ConvGeometry conv;          // per sample: its batch is the rows of each pass
  PoolGeometry pool;          // likewise
  PoolKind pool_kind = PoolKind::kMax;
  ReduceOp reduce = ReduceOp::kSum;  // over each row as [width / units, units]
  int64_t channels = 0;       // affine
  // int8Dense: the packed int8 kernel, its column sums, the per-channel weight scales (in `scale`), the
  // input's static scale and zero point (scale 0: dynamic).
  std::vector<int8_t> packed;
  std::vector<int32_t> column_sums;
  float a_scale = 0.0f;
  int32_t a_zero_point = 0;
};

// The snapshot: the steps with their own copy of the weights, never changed once made.
struct Network {
  std::vector<Step> steps;
  std::vector<int64_t> widths;   // of every slot: the inputs', then one per step
  std::vector<int64_t> inputs;   // the input widths (slots 0..inputs-1)
  std::vector<int64_t> outputs;  // the slots returned, side by side
  int64_t input_width = 0;       // the inputs' widths summed: a row of x
  int64_t output_width = 0;      // the outputs' widths summed: a row of the result
  int64_t slot_width = 0;        // every slot's width summed (scratch per row)
  int64_t bytes = 0;             // the weights' bytes, reported to V8 as external memory
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
      const size_t slots = network.widths.size();
      output_.resize(static_cast<size_t>(rows_ * network.output_width));
      std::vector<float> scratch(static_cast<size_t>(chunk * network.slot_width));
      std::vector<float*> slot(slots);
      size_t offset = 0;
      for (size_t i = 0; i < slots; ++i) {
        slot[i] = scratch.data() + offset;
        offset += static_cast<size_t>(chunk * network.widths[i]);
      }
      for (int64_t start = 0; start < rows_; start += chunk) {
        const int64_t rows = std::min(chunk, rows_ - start);
        // Each input's columns of the chunk's rows of x, into its slot.
        int64_t column = 0;
        for (size_t i = 0; i < network.inputs.size(); ++i) {
          const int64_t width = network.inputs[i];
          for (int64_t r = 0; r < rows; ++r) {
            std::copy_n(input_.data() + (start + r) * network.input_width + column, width, slot[i] + r * width);
          }
          column += width;
        }
        for (size_t s = 0; s < network.steps.size(); ++s) {
          const Step& step = network.steps[s];
          const size_t out = network.inputs.size() + s;
          const Status status = Run(step, slot, network.widths, out, rows);
          if (status != Status::kOk) {
            SetError("forwardAsync: a kernel failed with status " + std::to_string(static_cast<int>(status)));
            return;
          }
        }
        column = 0;
        for (int64_t source : network.outputs) {
          const int64_t width = network.widths[static_cast<size_t>(source)];
          for (int64_t r = 0; r < rows; ++r) {
            std::copy_n(slot[static_cast<size_t>(source)] + r * width, width, output_.data() + (start + r) * network.output_width + column);
          }
          column += width;
        }
      }
    } catch (const std::bad_alloc&) {
      SetError("forwardAsync: out of memory");
    }
  }

  // One step over `rows` rows: reads its slots, writes slot `out`.
  Status Run(const Step& step, const std::vector<float*>& slot, const std::vector<int64_t>& widths, size_t out, int64_t rows) {
    const float* x = slot[static_cast<size_t>(step.from[0])];
    float* y = slot[out];
    const int64_t width = widths[out];
    switch (step.kind) {
      case StepKind::kDense: {
        GemmArgs args;
        args.m = rows;
        args.n = step.units;
        args.k = step.inputs;
        args.a = x;
        args.lda = step.inputs;
        args.b = step.kernel.data();
        args.ldb = step.units;
        args.c = y;
        args.ldc = step.units;
        args.bias = step.bias.empty() ? nullptr : step.bias.data();
        args.activation = step.activation;
        args.activation_param = step.param;
        return kernels_.sgemm(args, data_.async_pool.get());
      }
      case StepKind::kInt8Dense: {
        Int8DenseLayer layer;
        layer.inputs = step.inputs;
        layer.units = step.units;
        layer.packed = step.packed.data();
        layer.column_sums = step.column_sums.data();
        layer.scales = step.scale.data();
        layer.bias = step.bias.empty() ? nullptr : step.bias.data();
        layer.activation = step.activation;
        layer.activation_param = step.param;
        layer.dynamic = step.a_scale == 0.0f;
        layer.a_scale = step.a_scale;
        layer.a_zero_point = step.a_zero_point;
        return Int8DenseForward(kernels_, data_.async_pool.get(), layer, x, rows, y, &activations_);
      }
      case StepKind::kUnary:
        return kernels_.unary(step.activation, step.param, x, y, rows * width);
      case StepKind::kSoftmax:
        return kernels_.softmax(x, y, rows, width, step.log);
      case StepKind::kBinary: {
        // [rows, width], an operand of width 1 (or the constant) stretched across each row.
        BinaryArgs args;
        args.op = step.op;
        args.rank = 2;
        args.shape[0] = rows;
        args.shape[1] = width;
        const int64_t a_width = widths[static_cast<size_t>(step.from[0])];
        args.a = x;
        args.a_strides[0] = a_width;
        args.a_strides[1] = a_width == 1 ? 0 : 1;
        if (step.has_constant) {
          args.b = &step.constant;
        } else {
          const int64_t b_width = widths[static_cast<size_t>(step.from[1])];
          args.b = slot[static_cast<size_t>(step.from[1])];
          args.b_strides[0] = b_width;
          args.b_strides[1] = b_width == 1 ? 0 : 1;
        }
        args.out = y;
        return kernels_.binary(args);
      }
      case StepKind::kSum:
        return kernels_.reduce(ReduceOp::kSum, x, rows, widths[static_cast<size_t>(step.from[0])], 1, y);
      case StepKind::kConv:
      case StepKind::kConvTranspose: {
        ConvGeometry g = step.conv;
        g.batch = rows;
        ConvEpilogue e;
        e.bias = step.bias.empty() ? nullptr : step.bias.data();
        e.scale = step.scale.empty() ? nullptr : step.scale.data();
        e.shift = step.shift.empty() ? nullptr : step.shift.data();
        e.activation = step.activation;
        e.activation_param = step.param;
        if (step.kind == StepKind::kConv) return kernels_.conv2d(g, x, step.kernel.data(), e, y, data_.async_pool.get());
        return kernels_.conv2d_backward_data(g, x, step.kernel.data(), e, y, data_.async_pool.get());
      }
      case StepKind::kPool: {
        PoolGeometry g = step.pool;
        g.batch = rows;
        return kernels_.pool2d(step.pool_kind, g, x, y, nullptr, data_.async_pool.get());
      }
      case StepKind::kAffine:
        return kernels_.channel_affine(x, rows * width / step.channels, step.channels, step.scale.data(), step.shift.data(), y,
                                       data_.async_pool.get());
      case StepKind::kReduce:
        return kernels_.reduce(step.reduce, x, rows, widths[static_cast<size_t>(step.from[0])] / width, width, y);
      case StepKind::kConcat: {
        int64_t column = 0;
        for (int64_t source : step.from) {
          const int64_t part = widths[static_cast<size_t>(source)];
          const float* from = slot[static_cast<size_t>(source)];
          for (int64_t r = 0; r < rows; ++r) std::copy_n(from + r * part, part, y + r * width + column);
          column += part;
        }
        return Status::kOk;
      }
    }
    return Status::kOk;
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
  std::vector<uint8_t> activations_;  // int8Dense: the quantised rows
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
// Copies a typed array of `length` elements of type T (napi `type`, named `type_name` in errors) into target.
template <typename T>
void AssignArray(std::vector<T>& target, const Napi::Value& value, const std::string& where, int64_t length, bool optional,
                 napi_typedarray_type type, const char* type_name) {
  if (optional && (value.IsNull() || value.IsUndefined())) {
    target.clear();
    return;
  }
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    ThrowTypeError(value.Env(), where + " must be " + type_name);
  }
  Napi::TypedArrayOf<T> array = value.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(array.ElementLength()) != length) {
    ThrowValueError(value.Env(), where + " must hold " + std::to_string(length) + " elements, got " +
                                     std::to_string(array.ElementLength()));
  }
  target.assign(array.Data(), array.Data() + length);
}

void AssignFloats(std::vector<float>& target, const Napi::Value& value, const std::string& where, int64_t length, bool optional) {
  AssignArray(target, value, where, length, optional, napi_float32_array, "a Float32Array");
}

// Reads a step's slot numbers (`from`): each a slot made before step `slot`, `count` of them (0: any number >= 2).
void ReadFrom(Napi::Env env, const Napi::Object& object, const std::string& where, int64_t slot, size_t count, std::vector<int64_t>& from) {
  Napi::Value value = object.Get("from");
  from.clear();
  if (value.IsUndefined()) {
    if (count != 1) ThrowValueError(env, where + ".from must list the slots the step reads");
    from.push_back(slot - 1);  // the slot written just before: a chain
    return;
  }
  if (value.IsNumber()) {
    from.push_back(StepInteger(object, "from", where, 0, slot - 1));
  } else if (value.IsArray()) {
    Napi::Array list = value.As<Napi::Array>();
    if (list.Length() > 65536) ThrowValueError(env, where + ".from lists more than 65536 slots");
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value item = list.Get(i);
      double number = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : -1.0;
      if (!item.IsNumber() || !(number >= 0 && number <= static_cast<double>(slot - 1)) || number != std::floor(number)) {
        ThrowValueError(env, where + ".from[" + std::to_string(i) + "] must be a slot made before this step (0 to " + std::to_string(slot - 1) + ")");
      }
      from.push_back(static_cast<int64_t>(number));
    }
  } else {
    ThrowTypeError(env, where + ".from must be a slot number or an array of them");
  }
  if (count != 0 ? from.size() != count : from.size() < 2) {
    ThrowValueError(env, where + ".from must list " + (count != 0 ? std::to_string(count) : std::string("at least 2")) + " slots, got " + std::to_string(from.size()));
  }
}

// Reads the input widths: a number (one input) or an array of them.
void ReadWidths(Napi::Env env, const Napi::Value& value, std::vector<int64_t>& widths) {
  widths.clear();
  auto check = [&](const Napi::Value& item, const std::string& where) {
    double number = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : -1.0;
    if (!item.IsNumber() || !(number >= 1 && number <= static_cast<double>(kMaxSize)) || number != std::floor(number)) {
      ThrowValueError(env, where + " must be an integer from 1 to " + std::to_string(kMaxSize));
    }
    widths.push_back(static_cast<int64_t>(number));
  };
  if (value.IsArray()) {
    Napi::Array list = value.As<Napi::Array>();
    if (list.Length() == 0 || list.Length() > 1024) ThrowValueError(env, "forwardPlan: widths must list 1 to 1024 input widths");
    for (uint32_t i = 0; i < list.Length(); ++i) check(list.Get(i), "forwardPlan: widths[" + std::to_string(i) + "]");
  } else {
    check(value, "forwardPlan: width");
  }
}

// Adds `width` to a running sum of widths, which must stay within kMaxSize.
int64_t AddWidth(Napi::Env env, int64_t total, int64_t width, const std::string& what) {
  if (width > kMaxSize - total) ThrowValueError(env, "forwardPlan: " + what + " is too wide");
  return total + width;
}

// Reads and checks the steps into `network`, copying the weights (into the vectors it already has).
void ReadSteps(Napi::Env env, const Napi::Value& value, const Napi::Value& width_value, const Napi::Value& outputs_value, Network& network) {
  ReadWidths(env, width_value, network.inputs);
  if (!value.IsArray()) ThrowTypeError(env, "forwardPlan: steps must be an array");
  Napi::Array list = value.As<Napi::Array>();
  size_t count = 0;
  network.bytes = 0;
  network.widths = network.inputs;
  network.input_width = 0;
  for (int64_t w : network.inputs) network.input_width = AddWidth(env, network.input_width, w, "the inputs side by side");
  // Grown step by step: a sparse array's length (up to 2^32 - 1) must not size an allocation.
  for (uint32_t i = 0; i < list.Length(); ++i) {
    std::string where = "forwardPlan: steps[" + std::to_string(i) + "]";
    if (!list.Get(i).IsObject()) ThrowTypeError(env, where + " must be an object");
    Napi::Object object = list.Get(i).As<Napi::Object>();
    std::string kind = object.Get("kind").IsString() ? object.Get("kind").As<Napi::String>().Utf8Value() : "";
    Step& step = count < network.steps.size() ? network.steps[count] : network.steps.emplace_back();
    ++count;
    const int64_t slot = static_cast<int64_t>(network.widths.size());
    ReadFrom(env, object, where, slot, kind == "concat" ? 0 : kind == "binary" ? (object.Get("constant").IsUndefined() ? 2 : 1) : 1, step.from);
    const int64_t width = network.widths[static_cast<size_t>(step.from[0])];
    int64_t out_width = width;
    if (kind == "dense") {
      step.kind = StepKind::kDense;
      step.inputs = StepInteger(object, "inputs", where, width, width);
      step.units = StepInteger(object, "units", where, 1, kMaxSize);
      if (step.units > kMaxSize / step.inputs) ThrowValueError(env, where + ": inputs x units is too large");
      AssignFloats(step.kernel, object.Get("kernel"), where + ".kernel", step.inputs * step.units, false);
      AssignFloats(step.bias, object.Get("bias"), where + ".bias", step.units, true);
      network.bytes += static_cast<int64_t>((step.kernel.size() + step.bias.size()) * sizeof(float));
      out_width = step.units;
    } else if (kind == "int8Dense") {
      step.kind = StepKind::kInt8Dense;
      step.inputs = StepInteger(object, "inputs", where, width, width);
      if (step.inputs > kInt8MaxDepth) ThrowValueError(env, where + ".inputs must be at most " + std::to_string(kInt8MaxDepth));
      step.units = StepInteger(object, "units", where, 1, kMaxSize);
      if (step.units > kMaxSize / step.inputs) ThrowValueError(env, where + ": inputs x units is too large");
      AssignArray(step.packed, object.Get("packed"), where + ".packed", ref::Int8PackedBytes(step.inputs, step.units), false, napi_int8_array, "an Int8Array");
      AssignArray(step.column_sums, object.Get("columnSums"), where + ".columnSums", step.units, false, napi_int32_array, "an Int32Array");
      AssignFloats(step.scale, object.Get("scales"), where + ".scales", step.units, false);
      AssignFloats(step.bias, object.Get("bias"), where + ".bias", step.units, true);
      Napi::Value a_scale = object.Get("aScale");
      step.a_scale = a_scale.IsNumber() ? a_scale.As<Napi::Number>().FloatValue() : -1.0f;
      if (!(step.a_scale == 0.0f || (step.a_scale > 0.0f && std::isfinite(step.a_scale)))) {
        ThrowValueError(env, where + ".aScale must be 0 (dynamic) or a positive finite float32");
      }
      step.a_zero_point = static_cast<int32_t>(StepInteger(object, "aZeroPoint", where, 0, 255));
      network.bytes += static_cast<int64_t>(step.packed.size() + (step.column_sums.size() + step.scale.size() + step.bias.size()) * 4);
      out_width = step.units;
    } else if (kind == "conv2d") {
      step.kind = object.Get("transpose").ToBoolean().Value() ? StepKind::kConvTranspose : StepKind::kConv;
      step.conv = ReadConvGeometry(env, object.Get("geometry"), where + ".geometry");
      const ConvGeometry& g = step.conv;
      const bool transpose = step.kind == StepKind::kConvTranspose;
      // Per row: the convolution's input (its output, for a transpose) in, the other out.
      const int64_t in = g.in_h * g.in_w * g.in_c, output = g.out_h * g.out_w * g.out_c;
      if ((transpose ? output : in) != width) {
        ThrowValueError(env, where + ": the geometry takes " + std::to_string(transpose ? output : in) +
                                 " values per row, the slot it reads holds " + std::to_string(width));
      }
      out_width = transpose ? in : output;
      const int64_t channels = transpose ? g.in_c : g.out_c;
      AssignFloats(step.kernel, object.Get("kernel"), where + ".kernel", g.kernel_h * g.kernel_w * (g.in_c / g.groups) * g.out_c, false);
      AssignFloats(step.bias, object.Get("bias"), where + ".bias", channels, true);
      AssignFloats(step.scale, object.Get("scale"), where + ".scale", channels, true);
      AssignFloats(step.shift, object.Get("shift"), where + ".shift", channels, true);
      if (step.scale.empty() != step.shift.empty()) ThrowValueError(env, where + ": scale and shift must be given together");
      network.bytes += static_cast<int64_t>((step.kernel.size() + step.bias.size() + step.scale.size() + step.shift.size()) * sizeof(float));
    } else if (kind == "pool2d") {
      step.kind = StepKind::kPool;
      step.pool_kind = static_cast<PoolKind>(StepInteger(object, "pool", where, 0, kPoolCount - 1));
      step.pool = ReadPoolGeometry(env, object.Get("geometry"), where + ".geometry", step.pool_kind);
      const PoolGeometry& g = step.pool;
      if (g.in_h * g.in_w * g.channels != width) {
        ThrowValueError(env, where + ": the geometry takes " + std::to_string(g.in_h * g.in_w * g.channels) +
                                 " values per row, the slot it reads holds " + std::to_string(width));
      }
      out_width = g.out_h * g.out_w * g.channels;
    } else if (kind == "affine") {
      step.kind = StepKind::kAffine;
      step.channels = StepInteger(object, "channels", where, 1, kMaxSize);
      if (width % step.channels != 0) {
        ThrowValueError(env, where + ".channels (" + std::to_string(step.channels) + ") must divide the row's " + std::to_string(width) + " values");
      }
      AssignFloats(step.scale, object.Get("scale"), where + ".scale", step.channels, false);
      AssignFloats(step.shift, object.Get("shift"), where + ".shift", step.channels, false);
      network.bytes += static_cast<int64_t>((step.scale.size() + step.shift.size()) * sizeof(float));
    } else if (kind == "reduce") {
      step.kind = StepKind::kReduce;
      step.reduce = static_cast<ReduceOp>(StepInteger(object, "op", where, 0, kReduceOpCount - 1));
      out_width = StepInteger(object, "inner", where, 1, kMaxSize);
      if (width % out_width != 0) {
        ThrowValueError(env, where + ".inner (" + std::to_string(out_width) + ") must divide the row's " + std::to_string(width) + " values");
      }
    } else if (kind == "unary") {
      step.kind = StepKind::kUnary;
    } else if (kind == "softmax") {
      step.kind = StepKind::kSoftmax;
      step.log = object.Get("log").ToBoolean().Value();
    } else if (kind == "binary") {
      step.kind = StepKind::kBinary;
      step.op = static_cast<BinaryOp>(StepInteger(object, "op", where, 0, kBinaryOpCount - 1));
      step.has_constant = !object.Get("constant").IsUndefined();
      if (step.has_constant) {
        Napi::Value constant = object.Get("constant");
        if (!constant.IsNumber()) ThrowTypeError(env, where + ".constant must be a number");
        step.constant = constant.As<Napi::Number>().FloatValue();
      } else {
        // Equal widths, or one of width 1 stretched across the other.
        const int64_t other = network.widths[static_cast<size_t>(step.from[1])];
        if (width != other && width != 1 && other != 1) {
          ThrowValueError(env, where + ": slots of widths " + std::to_string(width) + " and " + std::to_string(other) + " cannot be combined");
        }
        out_width = std::max(width, other);
      }
    } else if (kind == "sum") {
      step.kind = StepKind::kSum;
      out_width = 1;
    } else if (kind == "concat") {
      step.kind = StepKind::kConcat;
      out_width = 0;
      for (int64_t source : step.from) out_width = AddWidth(env, out_width, network.widths[static_cast<size_t>(source)], where + " (concatenated)");
    } else {
      ThrowValueError(env, where + ".kind must be 'dense', 'int8Dense', 'conv2d', 'pool2d', 'affine', 'reduce', 'unary', 'softmax', 'binary', 'sum' or 'concat', got '" + kind + "'");
    }
    if (kind == "dense" || kind == "int8Dense" || kind == "conv2d" || kind == "unary") {
      step.activation = static_cast<UnaryOp>(StepInteger(object, "activation", where, 0, kUnaryOpCount - 1));
      Napi::Value param = object.Get("param");
      step.param = param.IsNumber() ? param.As<Napi::Number>().FloatValue() : 0.0f;
    }
    network.widths.push_back(out_width);
  }
  network.steps.resize(count);
  network.slot_width = 0;
  for (int64_t w : network.widths) network.slot_width = AddWidth(env, network.slot_width, w, "the network's values");
  // The outputs: the last slot by default, or the slots listed.
  network.outputs.clear();
  const int64_t slots = static_cast<int64_t>(network.widths.size());
  if (outputs_value.IsUndefined() || outputs_value.IsNull()) {
    network.outputs.push_back(slots - 1);
  } else {
    if (!outputs_value.IsArray()) ThrowTypeError(env, "forwardPlan: outputs must be an array of slot numbers");
    Napi::Array outputs = outputs_value.As<Napi::Array>();
    if (outputs.Length() == 0 || outputs.Length() > 1024) ThrowValueError(env, "forwardPlan: outputs must list 1 to 1024 slots");
    for (uint32_t i = 0; i < outputs.Length(); ++i) {
      Napi::Value item = outputs.Get(i);
      double number = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : -1.0;
      if (!item.IsNumber() || !(number >= 0 && number <= static_cast<double>(slots - 1)) || number != std::floor(number)) {
        ThrowValueError(env, "forwardPlan: outputs[" + std::to_string(i) + "] must be a slot from 0 to " + std::to_string(slots - 1));
      }
      network.outputs.push_back(static_cast<int64_t>(number));
    }
  }
  network.output_width = 0;
  for (int64_t source : network.outputs) network.output_width = AddWidth(env, network.output_width, network.widths[static_cast<size_t>(source)], "the outputs side by side");
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

// forwardPlan(steps, widths, previous?, outputs?) -> { inputWidth, outputWidth, bytes }: the snapshot forwardAsync runs.
Napi::Value ForwardPlan(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || info.Length() > 4) {
    ThrowTypeError(info.Env(), "forwardPlan: expected 2 to 4 arguments, got " + std::to_string(info.Length()));
  }
  Napi::Env env = info.Env();
  if (info.Length() >= 3 && !info[2].IsNull() && !info[2].IsUndefined() && !IsPlan(info[2])) {
    ThrowTypeError(env, "forwardPlan: previous must be a plan forwardPlan returned, or null");
  }
  SharedNetwork* reclaimed = info.Length() >= 3 ? Reclaim(env, info[2]) : nullptr;
  std::shared_ptr<Network> network = reclaimed != nullptr ? std::const_pointer_cast<Network>(*reclaimed) : std::make_shared<Network>();
  delete reclaimed;
  // A failure part-way leaves `network` half-filled: it is dropped with the exception.
  ReadSteps(env, info[0], info[1], info.Length() == 4 ? info[3] : env.Undefined(), *network);
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
  // Every row of every slot within kMaxSize floats, so no size below overflows.
  const int64_t widest = std::max({network->slot_width, network->input_width, network->output_width});
  if (rows > 0 && widest > kMaxSize / rows) ThrowValueError(env, "forwardAsync: rows x the network's widths is too large");
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
