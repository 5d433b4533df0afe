// Bindings of the recurrent sequence driver (recurrentSizes, recurrentForward, recurrentBackward) and of
// the embedding kernels (gatherRows, scatterAddRows). The driver's calls take one object of named fields
// (a few dozen: sizes, options and buffers), read once per call; every buffer's length is checked
// against the sizes before any kernel runs, and every index against the table it indexes.
#include <string>

#include "bindings/binding.h"
#include "dendrite/recurrent.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

// Reads the fields of a spec object; every error names the function and the field.
class Spec {
 public:
  Spec(const Napi::CallbackInfo& info, const char* function) : env_(info.Env()), function_(function) {
    if (info.Length() != 1) {
      ThrowTypeError(env_, std::string(function) + ": expected 1 argument (a spec object), got " + std::to_string(info.Length()));
    }
    if (!info[0].IsObject() || info[0].IsArray() || info[0].IsTypedArray()) {
      ThrowTypeError(env_, std::string(function) + ": spec must be an object");
    }
    object_ = info[0].As<Napi::Object>();
  }

  std::string Where(const char* key) const { return std::string(function_) + ": spec." + key; }

  int64_t Integer(const char* key, int64_t min, int64_t max) const {
    Napi::Value value = object_.Get(key);
    if (!value.IsNumber()) ThrowTypeError(env_, Where(key) + " must be a number");
    double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= static_cast<double>(min) && number <= static_cast<double>(max)) || number != static_cast<double>(static_cast<int64_t>(number))) {
      ThrowValueError(env_, Where(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return static_cast<int64_t>(number);
  }
  float Float(const char* key) const {
    Napi::Value value = object_.Get(key);
    if (value.IsUndefined()) return 0.0f;
    if (!value.IsNumber()) ThrowTypeError(env_, Where(key) + " must be a number");
    double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= -3.4e38 && number <= 3.4e38)) ThrowValueError(env_, Where(key) + " must be a finite float32 number");
    return static_cast<float>(number);
  }
  bool Boolean(const char* key) const {
    Napi::Value value = object_.Get(key);
    if (value.IsUndefined()) return false;
    if (!value.IsBoolean()) ThrowTypeError(env_, Where(key) + " must be a boolean");
    return value.As<Napi::Boolean>().Value();
  }
  // A Float32Array of at least `length` elements, or (optional) null/undefined: nullptr.
  float* Floats(const char* key, int64_t length, bool optional) const {
    Napi::Value value = object_.Get(key);
    if (optional && (value.IsNull() || value.IsUndefined())) return nullptr;
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      ThrowTypeError(env_, Where(key) + " must be a Float32Array" + (optional ? " or null" : ""));
    }
    auto array = value.As<Napi::Float32Array>();
    if (static_cast<int64_t>(array.ElementLength()) < length) {
      ThrowValueError(env_, Where(key) + " needs at least " + std::to_string(length) + " elements, got " +
                                std::to_string(array.ElementLength()));
    }
    // An empty array may have no data pointer; the kernels never touch one of length 0.
    return array.ElementLength() == 0 ? const_cast<float*>(empty_) : array.Data();
  }
  // Fails when `key` is given for a cell that has no such buffer.
  void Absent(const char* key, const char* why) const {
    Napi::Value value = object_.Get(key);
    if (!value.IsNull() && !value.IsUndefined()) ThrowValueError(env_, Where(key) + " must be null: " + why);
  }

 private:
  Napi::Env env_;
  const char* function_;
  Napi::Object object_;
  float empty_[1] = {0.0f};
};

// a * b * c within kMaxSize, else a ValueError.
int64_t Product(const Spec& spec, Napi::Env env, const char* what, int64_t a, int64_t b, int64_t c = 1) {
  __int128 product = static_cast<__int128>(a) * b * c;
  if (product > kMaxSize) ThrowValueError(env, spec.Where(what) + " would need more than " + std::to_string(kMaxSize) + " elements");
  return static_cast<int64_t>(product);
}

// The sizes, cell and options every driver call reads, with the buffer lengths they imply.
struct Common {
  RecurrentShape shape;
  CellActivations act;
  bool go_backwards = false, zero_masked_outputs = false;
  int64_t gates = 0;      // G = gates per unit * units
  int64_t x = 0, kernel = 0, recurrent = 0, bias = 0, state = 0, sequence = 0, mask = 0, input_drop = 0;
  int64_t cache = 0, scratch = 0;
};

Common ReadCommon(const Spec& spec, Napi::Env env) {
  Common c;
  RecurrentShape& s = c.shape;
  s.cell = static_cast<CellKind>(spec.Integer("cell", 0, kCellCount - 1));
  s.batch = spec.Integer("batch", 0, kMaxSize);
  s.steps = spec.Integer("steps", 0, kMaxSize);
  s.inputs = spec.Integer("inputs", 0, kMaxSize);
  s.units = spec.Integer("units", 0, kMaxSize);
  s.reset_after = s.cell == CellKind::kGru ? spec.Boolean("resetAfter") : false;
  c.act.activation = static_cast<UnaryOp>(spec.Integer("activation", 0, kUnaryOpCount - 1));
  c.act.activation_param = spec.Float("activationParam");
  c.act.recurrent_activation = static_cast<UnaryOp>(spec.Integer("recurrentActivation", 0, kUnaryOpCount - 1));
  c.act.recurrent_param = spec.Float("recurrentParam");
  c.go_backwards = spec.Boolean("goBackwards");
  c.zero_masked_outputs = spec.Boolean("zeroMaskedOutputs");
  // The pre-activations are kept when an activation's gradient cannot come from its output alone.
  static const float kOutput = 0.0f;
  s.keep_pre = !ref::UnaryGradInputsValid(c.act.activation, c.act.activation_param, nullptr, &kOutput) ||
               (s.cell != CellKind::kSimpleRnn &&
                !ref::UnaryGradInputsValid(c.act.recurrent_activation, c.act.recurrent_param, nullptr, &kOutput));
  c.gates = Product(spec, env, "units", GatesPerUnit(s.cell), s.units);
  c.x = Product(spec, env, "x", s.batch, s.steps, s.inputs);
  c.kernel = Product(spec, env, "kernel", s.inputs, c.gates);
  c.recurrent = Product(spec, env, "recurrentKernel", s.units, c.gates);
  c.bias = s.cell == CellKind::kGru && s.reset_after ? 2 * c.gates : c.gates;
  c.state = Product(spec, env, "h0", s.batch, s.units);
  c.sequence = Product(spec, env, "sequence", s.batch, s.steps, s.units);
  c.mask = Product(spec, env, "mask", s.batch, s.steps);
  c.input_drop = Product(spec, env, "inputDropout", s.batch, s.inputs);
  return c;
}

// The optional mask and dropout buffers; sets the shape's flags and the layout sizes.
void ReadMasks(const Spec& spec, Napi::Env env, Common* c, const float** mask, const float** input_drop,
               const float** recurrent_drop) {
  *mask = spec.Floats("mask", c->mask, true);
  *input_drop = spec.Floats("inputDropout", c->input_drop, true);
  *recurrent_drop = spec.Floats("recurrentDropout", c->state, true);
  c->shape.masked = *mask != nullptr;
  c->shape.recurrent_dropout = *recurrent_drop != nullptr;
  c->cache = RecurrentCacheFloats(c->shape);
  c->scratch = RecurrentScratchFloats(c->shape);
  if (c->cache < 0 || c->scratch < 0) ThrowValueError(env, spec.Where("batch") + ": the buffers these sizes need are too large");
}

Napi::Value RecurrentSizes(const Napi::CallbackInfo& info) {
  Spec spec(info, "recurrentSizes");
  Common c = ReadCommon(spec, info.Env());
  c.shape.masked = spec.Boolean("masked");
  c.shape.recurrent_dropout = spec.Boolean("recurrentDropout");
  int64_t cache = RecurrentCacheFloats(c.shape), scratch = RecurrentScratchFloats(c.shape);
  if (cache < 0 || scratch < 0) ThrowValueError(info.Env(), spec.Where("batch") + ": the buffers these sizes need are too large");
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("cache", Napi::Number::New(info.Env(), static_cast<double>(cache)));
  result.Set("scratch", Napi::Number::New(info.Env(), static_cast<double>(scratch)));
  return result;
}

void RecurrentForwardBinding(const Napi::CallbackInfo& info) {
  Spec spec(info, "recurrentForward");
  Napi::Env env = info.Env();
  Common c = ReadCommon(spec, env);
  const bool lstm = c.shape.cell == CellKind::kLstm;
  RecurrentForwardArgs a;
  a.x = spec.Floats("x", c.x, false);
  a.kernel = spec.Floats("kernel", c.kernel, false);
  a.recurrent_kernel = spec.Floats("recurrentKernel", c.recurrent, false);
  a.bias = spec.Floats("bias", c.bias, true);
  a.h0 = spec.Floats("h0", c.state, true);
  if (lstm) a.c0 = spec.Floats("c0", c.state, true);
  else spec.Absent("c0", "only an LSTM has a cell state");
  ReadMasks(spec, env, &c, &a.mask, &a.input_dropout, &a.recurrent_dropout);
  a.sequence = spec.Floats("sequence", c.sequence, true);
  a.last_output = spec.Floats("lastOutput", c.state, true);
  a.state_h = spec.Floats("stateH", c.state, true);
  if (lstm) a.state_c = spec.Floats("stateC", c.state, true);
  else spec.Absent("stateC", "only an LSTM has a cell state");
  a.cache = spec.Floats("cache", c.cache, false);
  a.shape = c.shape;
  a.act = c.act;
  a.go_backwards = c.go_backwards;
  a.zero_masked_outputs = c.zero_masked_outputs;
  Backend& backend = GetBackend(env);
  CheckStatus(env, "recurrentForward", RecurrentForward(backend.kernels, backend.pool.get(), a));
}

void RecurrentBackwardBinding(const Napi::CallbackInfo& info) {
  Spec spec(info, "recurrentBackward");
  Napi::Env env = info.Env();
  Common c = ReadCommon(spec, env);
  const bool lstm = c.shape.cell == CellKind::kLstm;
  RecurrentBackwardArgs a;
  a.kernel = spec.Floats("kernel", c.kernel, false);
  a.recurrent_kernel = spec.Floats("recurrentKernel", c.recurrent, false);
  const float* mask;
  ReadMasks(spec, env, &c, &mask, &a.input_dropout, &a.recurrent_dropout);
  a.mask = mask;
  a.cache = spec.Floats("cache", c.cache, false);
  a.scratch = spec.Floats("scratch", c.scratch, false);
  a.d_sequence = spec.Floats("dSequence", c.sequence, true);
  a.d_last_output = spec.Floats("dLastOutput", c.state, true);
  a.d_state_h = spec.Floats("dStateH", c.state, true);
  a.dx = spec.Floats("dx", c.x, true);
  a.dh0 = spec.Floats("dh0", c.state, true);
  if (lstm) {
    a.d_state_c = spec.Floats("dStateC", c.state, true);
    a.dc0 = spec.Floats("dc0", c.state, true);
  } else {
    spec.Absent("dStateC", "only an LSTM has a cell state");
    spec.Absent("dc0", "only an LSTM has a cell state");
  }
  a.d_kernel = spec.Floats("dKernel", c.kernel, true);
  a.d_recurrent_kernel = spec.Floats("dRecurrentKernel", c.recurrent, true);
  a.d_bias = spec.Floats("dBias", c.bias, true);
  a.accumulate = spec.Boolean("accumulate");
  a.shape = c.shape;
  a.act = c.act;
  a.go_backwards = c.go_backwards;
  a.zero_masked_outputs = c.zero_masked_outputs;
  Backend& backend = GetBackend(env);
  CheckStatus(env, "recurrentBackward", RecurrentBackward(backend.kernels, backend.pool.get(), a));
}

// Every index within [0, rows): a ValueError naming the first that is not.
void CheckIndices(Args& args, const int32_t* indices, int64_t count, int64_t rows) {
  for (int64_t i = 0; i < count; ++i) {
    if (indices[i] < 0 || indices[i] >= rows) {
      ThrowValueError(args.env(), args.Where("indices") + "[" + std::to_string(i) + "] = " + std::to_string(indices[i]) +
                                      " is out of range for a table of " + std::to_string(rows) + " rows");
    }
  }
}

int64_t RowsSize(Args& args, int64_t rows, int64_t width) {
  if (width != 0 && rows > kMaxSize / width) {
    ThrowValueError(args.env(), args.Where("rows * width") + " must be at most " + std::to_string(kMaxSize));
  }
  return rows * width;
}

// gatherRows(table, tableRows, width, indices, count, out)
void GatherRowsBinding(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRows", 6);
  int64_t rows = args.Integer(1, "tableRows");
  int64_t width = args.Integer(2, "width");
  int64_t count = args.Integer(4, "count");
  const float* table = args.Floats(0, "table", RowsSize(args, rows, width));
  const int32_t* indices = args.Ints(3, "indices", count);
  float* out = args.Floats(5, "out", RowsSize(args, count, width));
  CheckIndices(args, indices, count, rows);
  if (count == 0 || width == 0) return;
  CheckStatus(info.Env(), "gatherRows", GetBackend(info.Env()).kernels.gather_rows(table, width, indices, count, out));
}

// scatterAddRows(grad, width, indices, count, tableGrad, tableRows)
void ScatterAddRowsBinding(const Napi::CallbackInfo& info) {
  Args args(info, "scatterAddRows", 6);
  int64_t width = args.Integer(1, "width");
  int64_t count = args.Integer(3, "count");
  int64_t rows = args.Integer(5, "tableRows");
  const float* grad = args.Floats(0, "grad", RowsSize(args, count, width));
  const int32_t* indices = args.Ints(2, "indices", count);
  float* table_grad = args.Floats(4, "tableGrad", RowsSize(args, rows, width));
  CheckIndices(args, indices, count, rows);
  if (count == 0 || width == 0) return;
  CheckStatus(info.Env(), "scatterAddRows",
              GetBackend(info.Env()).kernels.scatter_add_rows(grad, width, indices, count, table_grad));
}

}  // namespace

void RegisterRecurrent(Napi::Env env, Napi::Object exports) {
  exports.Set("recurrentSizes", Napi::Function::New(env, RecurrentSizes, "recurrentSizes"));
  exports.Set("recurrentForward", Napi::Function::New(env, RecurrentForwardBinding, "recurrentForward"));
  exports.Set("recurrentBackward", Napi::Function::New(env, RecurrentBackwardBinding, "recurrentBackward"));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRowsBinding, "gatherRows"));
  exports.Set("scatterAddRows", Napi::Function::New(env, ScatterAddRowsBinding, "scatterAddRows"));
}

}  // namespace dendrite::binding
