#include "bindings/binding.h"

#include <cmath>

namespace dendrite::binding {

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

int64_t MatrixSize(const Args& args, int64_t rows, int64_t cols) {
  if (cols != 0 && rows > kMaxSize / cols) {
    ThrowValueError(args.env(), args.Where("rows * cols") + " must be at most " + std::to_string(kMaxSize) + ", got " +
                                    std::to_string(rows) + " * " + std::to_string(cols));
  }
  return rows * cols;
}

[[noreturn]] static void ThrowWith(Napi::Env env, Napi::FunctionReference& type, const std::string& message, bool type_error) {
  if (!type.IsEmpty()) {
    Napi::Value error = type.New({Napi::String::New(env, message)});
    throw Napi::Error(env, error);
  }
  if (type_error) throw Napi::TypeError::New(env, message);
  throw Napi::Error::New(env, message);
}

void ThrowValueError(Napi::Env env, const std::string& message) {
  ThrowWith(env, Data(env).value_error, message, false);
}
void ThrowTypeError(Napi::Env env, const std::string& message) {
  ThrowWith(env, Data(env).argument_type_error, message, true);
}
void ThrowNativeError(Napi::Env env, const std::string& message) {
  ThrowWith(env, Data(env).native_error, message, false);
}

void CheckStatus(Napi::Env env, const char* function, Status status) {
  switch (status) {
    case Status::kOk: return;
    case Status::kInvalidArgument: ThrowNativeError(env, std::string(function) + ": the kernel rejected its arguments");
    case Status::kOutOfMemory: ThrowNativeError(env, std::string(function) + ": out of memory for scratch buffers");
    case Status::kUnsupported: ThrowNativeError(env, std::string(function) + ": not supported by this kernel table");
  }
  ThrowNativeError(env, std::string(function) + ": unknown kernel status " + std::to_string(static_cast<int>(status)));
}

Args::Args(const Napi::CallbackInfo& info, const char* function, size_t count) : info_(info), function_(function) {
  if (info.Length() != count) {
    ThrowTypeError(info.Env(), std::string(function) + ": expected " + std::to_string(count) + " arguments, got " +
                                   std::to_string(info.Length()));
  }
}

std::string Args::Where(const char* name) const { return std::string(function_) + ": " + name; }

static const char* Describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_object: return value.IsTypedArray() ? "another typed array" : value.IsArray() ? "an array" : "an object";
    case napi_function: return "a function";
    case napi_external: return "an external";
    case napi_bigint: return "a bigint";
  }
  return "an unknown value";
}

template <typename Array>
Array Args::TypedArray(size_t index, const char* name, napi_typedarray_type type, const char* type_name) const {
  Napi::Value value = info_[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    ThrowTypeError(env(), Where(name) + " must be a " + type_name + ", got " + Describe(value));
  }
  return value.As<Array>();
}

int64_t Args::Length(size_t index) const {
  return static_cast<int64_t>(info_[index].As<Napi::TypedArray>().ElementLength());
}

float* Args::Floats(size_t index, const char* name, int64_t min_length) const {
  auto array = TypedArray<Napi::Float32Array>(index, name, napi_float32_array, "Float32Array");
  if (static_cast<int64_t>(array.ElementLength()) < min_length) {
    ThrowValueError(env(), Where(name) + " needs at least " + std::to_string(min_length) + " elements, got " +
                               std::to_string(array.ElementLength()));
  }
  return array.Data();
}

float* Args::OptionalFloats(size_t index, const char* name, int64_t min_length) const {
  if (info_[index].IsNull() || info_[index].IsUndefined()) return nullptr;
  return Floats(index, name, min_length);
}

int32_t* Args::Ints(size_t index, const char* name, int64_t min_length) const {
  auto array = TypedArray<Napi::Int32Array>(index, name, napi_int32_array, "Int32Array");
  if (static_cast<int64_t>(array.ElementLength()) < min_length) {
    ThrowValueError(env(), Where(name) + " needs at least " + std::to_string(min_length) + " elements, got " +
                               std::to_string(array.ElementLength()));
  }
  return array.Data();
}

template <typename Array>
auto Args::SizedArray(size_t index, const char* name, napi_typedarray_type type, const char* type_name,
                      int64_t min_length) const {
  auto array = TypedArray<Array>(index, name, type, type_name);
  if (static_cast<int64_t>(array.ElementLength()) < min_length) {
    ThrowValueError(env(), Where(name) + " needs at least " + std::to_string(min_length) + " elements, got " +
                               std::to_string(array.ElementLength()));
  }
  return array.Data();
}

int8_t* Args::Int8s(size_t index, const char* name, int64_t min_length) const {
  return SizedArray<Napi::Int8Array>(index, name, napi_int8_array, "Int8Array", min_length);
}

uint8_t* Args::Uint8s(size_t index, const char* name, int64_t min_length) const {
  return SizedArray<Napi::Uint8Array>(index, name, napi_uint8_array, "Uint8Array", min_length);
}

uint16_t* Args::Uint16s(size_t index, const char* name, int64_t min_length) const {
  return SizedArray<Napi::Uint16Array>(index, name, napi_uint16_array, "Uint16Array", min_length);
}

int32_t* Args::OptionalInts(size_t index, const char* name, int64_t min_length) const {
  if (info_[index].IsNull() || info_[index].IsUndefined()) return nullptr;
  return Ints(index, name, min_length);
}

double Args::Number(size_t index, const char* name) const {
  Napi::Value value = info_[index];
  if (!value.IsNumber()) ThrowTypeError(env(), Where(name) + " must be a number, got " + Describe(value));
  return value.As<Napi::Number>().DoubleValue();
}

int64_t Args::Integer(size_t index, const char* name, int64_t min, int64_t max) const {
  double value = Number(index, name);
  if (!std::isfinite(value) || value != std::floor(value) || value < static_cast<double>(min) ||
      value > static_cast<double>(max)) {
    ThrowValueError(env(), Where(name) + " must be an integer from " + std::to_string(min) + " to " +
                               std::to_string(max) + ", got " + Napi::Number::New(env(), value).ToString().Utf8Value());
  }
  return static_cast<int64_t>(value);
}

bool Args::Boolean(size_t index, const char* name) const {
  Napi::Value value = info_[index];
  if (!value.IsBoolean()) ThrowTypeError(env(), Where(name) + " must be a boolean, got " + Describe(value));
  return value.As<Napi::Boolean>().Value();
}

}  // namespace dendrite::binding
