// Bindings of the Transformer kernels: layerNorm, layerNormBackward, attentionForward, attentionBackward
// (lib/native.ts documents them). An attention geometry arrives as an Int32Array of the sizes, the strides
// of each tensor and the causal settings; every tensor is checked to hold every element its strides reach,
// and every output's strides to reach each of its elements once (so threads never write the same place).
#include <algorithm>
#include <string>

#include "bindings/binding.h"
#include "kernels/ref/ref.h"

namespace dendrite::binding {

namespace {

constexpr int kAttentionFields = 24;
constexpr int kAttentionBackwardFields = 36;
const char* const kSizeNames[6] = {"batch", "heads", "qLen", "kvLen", "headDim", "valueDim"};

// The product rows * cols, or a ValueError when it passes kMaxSize.
int64_t Matrix(const Args& args, int64_t rows, int64_t cols) {
  if (cols != 0 && rows > kMaxSize / cols) {
    ThrowValueError(args.env(), args.Where("x") + " would hold more than " + std::to_string(kMaxSize) + " elements");
  }
  return rows * cols;
}

// One tensor of the attention geometry: sizes (batch, heads, rows, width) and strides (the last is 1).
struct Layout {
  int64_t size[4];
  int64_t stride[4];
};

// The elements a tensor with this layout reaches: 1 + the largest offset (0 when a size is 0).
int64_t Needed(const Args& args, const char* name, const Layout& l) {
  __int128 last = 0;
  for (int d = 0; d < 4; ++d) {
    if (l.size[d] == 0) return 0;
    last += static_cast<__int128>(l.size[d] - 1) * l.stride[d];
  }
  if (last >= static_cast<__int128>(kMaxSize)) {
    ThrowValueError(args.env(), args.Where(name) + ": its strides reach more than " + std::to_string(kMaxSize) + " elements");
  }
  return static_cast<int64_t>(last) + 1;
}

// A ValueError unless the layout maps distinct elements to distinct places (an output written by threads).
void CheckDistinct(const Args& args, const char* name, const Layout& l) {
  int order[4] = {0, 1, 2, 3};
  std::sort(order, order + 4, [&](int x, int y) { return l.stride[x] < l.stride[y]; });
  __int128 extent = 1;  // the span of the dimensions taken so far
  for (int index : order) {
    if (l.size[index] <= 1) continue;
    if (static_cast<__int128>(l.stride[index]) < extent) {
      ThrowValueError(args.env(), args.Where(name) + ": its strides make elements overlap (an output needs each element in its own place)");
    }
    extent = static_cast<__int128>(l.stride[index]) * (l.size[index] - 1) + extent;
  }
}

// An empty typed array may have no data pointer; the kernels offset their pointers by strides even when
// nothing is read, so they get this stand-in instead (never read or written: the sizes say so).
float* Present(float* data) {
  static float stand_in = 0.0f;
  return data != nullptr ? data : &stand_in;
}

struct AttentionCall {
  AttentionArgs a;
  Layout q, k, v, out, d_out, d_q, d_k, d_v;
};

// Reads the geometry: batch, heads, qLen, kvLen, headDim, valueDim, the (batch, head, row) strides of q, k,
// v and out, the (batch, head, query, key) strides of the mask, causal (0 or 1), causalOffset; for the
// backward pass (`backward`), then the strides of dOut, dQ, dK and dV.
AttentionCall ReadAttention(const Args& args, size_t index, bool backward) {
  const int fields = backward ? kAttentionBackwardFields : kAttentionFields;
  const int32_t* g = args.Ints(index, "geometry", fields);
  if (args.Length(index) != fields) {
    ThrowValueError(args.env(), args.Where("geometry") + " must hold " + std::to_string(fields) + " integers, got " +
                                    std::to_string(args.Length(index)));
  }
  for (int i = 0; i < fields; ++i) {
    if (i == 22 || i == 23 || g[i] >= 0) continue;  // causal and its offset are checked below
    ThrowValueError(args.env(), args.Where("geometry") + (i < 6 ? std::string(" ") + kSizeNames[i] : " entry " + std::to_string(i) + " (a stride)") +
                                    " must be at least 0, got " + std::to_string(g[i]));
  }
  if (g[22] != 0 && g[22] != 1) ThrowValueError(args.env(), args.Where("geometry") + " causal must be 0 or 1, got " + std::to_string(g[22]));
  AttentionCall call;
  AttentionArgs& a = call.a;
  a.batch = g[0], a.heads = g[1], a.q_len = g[2], a.kv_len = g[3], a.head_dim = g[4], a.value_dim = g[5];
  // q, k, v, out, then (backward) dOut, dQ, dK, dV: their strides' places in the geometry and in the args.
  int64_t* strides[8] = {a.q_stride, a.k_stride, a.v_stride, a.out_stride, a.d_out_stride, a.d_q_stride, a.d_k_stride, a.d_v_stride};
  Layout* layouts[8] = {&call.q, &call.k, &call.v, &call.out, &call.d_out, &call.d_q, &call.d_k, &call.d_v};
  const int64_t rows[4] = {a.q_len, a.kv_len, a.kv_len, a.q_len};
  const int64_t widths[4] = {a.head_dim, a.head_dim, a.value_dim, a.value_dim};
  const int of_tensor[8] = {0, 1, 2, 3, 3, 0, 1, 2};  // which tensor's sizes each layout has
  const int first[8] = {6, 9, 12, 15, 24, 27, 30, 33};
  for (int t = 0; t < (backward ? 8 : 4); ++t) {
    for (int d = 0; d < 3; ++d) strides[t][d] = g[first[t] + d];
    const int sizes = of_tensor[t];
    *layouts[t] = Layout{{a.batch, a.heads, rows[sizes], widths[sizes]}, {strides[t][0], strides[t][1], strides[t][2], 1}};
  }
  for (int d = 0; d < 4; ++d) a.mask_stride[d] = g[18 + d];
  a.causal = g[22] == 1;
  a.causal_offset = g[23];
  return call;
}

void ReadScaleAndDropout(const Args& args, size_t first, AttentionArgs* a) {
  const double scale = args.Number(first, "scale");
  const double rate = args.Number(first + 1, "dropoutRate");
  if (!(scale > -3.4e38 && scale < 3.4e38)) ThrowValueError(args.env(), args.Where("scale") + " must be a finite float, got " + std::to_string(scale));
  if (!(rate >= 0.0 && rate < 1.0)) ThrowValueError(args.env(), args.Where("dropoutRate") + " must be in [0, 1), got " + std::to_string(rate));
  a->scale = static_cast<float>(scale);
  a->dropout_rate = static_cast<float>(rate);
  a->dropout_seed = static_cast<uint64_t>(args.Integer(first + 2, "dropoutSeed", 0, (int64_t{1} << 53) - 1));
}

const float* ReadMask(const Args& args, size_t index, const AttentionArgs& a) {
  const Layout mask{{a.batch, a.heads, a.q_len, a.kv_len}, {a.mask_stride[0], a.mask_stride[1], a.mask_stride[2], a.mask_stride[3]}};
  return args.OptionalFloats(index, "mask", Needed(args, "mask", mask));
}

}  // namespace

// layerNorm(x, rows, cols, gamma, beta, epsilon, y, mean, invStd)
static void LayerNorm(const Napi::CallbackInfo& info) {
  Args args(info, "layerNorm", 9);
  LayerNormArgs a;
  a.rows = args.Integer(1, "rows");
  a.cols = args.Integer(2, "cols");
  const int64_t size = Matrix(args, a.rows, a.cols);
  a.x = args.Floats(0, "x", size);
  a.gamma = args.OptionalFloats(3, "gamma", a.cols);
  a.beta = args.OptionalFloats(4, "beta", a.cols);
  const double epsilon = args.Number(5, "epsilon");
  if (!(epsilon >= 0.0 && epsilon < 3.4e38)) ThrowValueError(info.Env(), args.Where("epsilon") + " must be a finite number >= 0, got " + std::to_string(epsilon));
  a.epsilon = static_cast<float>(epsilon);
  a.y = args.Floats(6, "y", size);
  a.mean = args.OptionalFloats(7, "mean", a.rows);
  a.inv_std = args.OptionalFloats(8, "invStd", a.rows);
  if (a.rows == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "layerNorm", backend.kernels.layer_norm(a, backend.pool.get()));
}

// layerNormBackward(x, dy, rows, cols, gamma, mean, invStd, dx, dgamma, dbeta, accumulate)
static void LayerNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "layerNormBackward", 11);
  LayerNormArgs a;
  a.rows = args.Integer(2, "rows");
  a.cols = args.Integer(3, "cols");
  const int64_t size = Matrix(args, a.rows, a.cols);
  a.x = args.Floats(0, "x", size);
  a.dy = args.Floats(1, "dy", size);
  a.gamma = args.OptionalFloats(4, "gamma", a.cols);
  a.mean = args.Floats(5, "mean", a.rows);
  a.inv_std = args.Floats(6, "invStd", a.rows);
  a.dx = args.OptionalFloats(7, "dx", size);
  a.dgamma = args.OptionalFloats(8, "dgamma", a.cols);
  a.dbeta = args.OptionalFloats(9, "dbeta", a.cols);
  a.accumulate = args.Boolean(10, "accumulate");
  if (a.cols == 0) return;
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "layerNormBackward", backend.kernels.layer_norm_backward(a, backend.pool.get()));
}

// attentionForward(geometry, q, k, v, out, mask, logsumexp, probs, scale, dropoutRate, dropoutSeed)
static void AttentionForward(const Napi::CallbackInfo& info) {
  Args args(info, "attentionForward", 11);
  AttentionCall call = ReadAttention(args, 0, false);
  AttentionArgs& a = call.a;
  a.q = Present(args.Floats(1, "q", Needed(args, "q", call.q)));
  a.k = Present(args.Floats(2, "k", Needed(args, "k", call.k)));
  a.v = Present(args.Floats(3, "v", Needed(args, "v", call.v)));
  a.out = Present(args.Floats(4, "out", Needed(args, "out", call.out)));
  CheckDistinct(args, "out", call.out);
  a.mask = ReadMask(args, 5, a);
  const int64_t rows = a.batch * a.heads * a.q_len;  // each factor < 2^31: no overflow
  a.logsumexp = args.OptionalFloats(6, "logsumexp", rows);
  a.probs = args.OptionalFloats(7, "probs", Matrix(args, rows, a.kv_len));
  ReadScaleAndDropout(args, 8, &a);
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "attentionForward", backend.kernels.attention_forward(a, backend.pool.get()));
}

// attentionBackward(geometry, q, k, v, out, mask, logsumexp, dOut, dQ, dK, dV, scale, dropoutRate, dropoutSeed)
static void AttentionBackward(const Napi::CallbackInfo& info) {
  Args args(info, "attentionBackward", 14);
  AttentionCall call = ReadAttention(args, 0, true);
  AttentionArgs& a = call.a;
  a.q = Present(args.Floats(1, "q", Needed(args, "q", call.q)));
  a.k = Present(args.Floats(2, "k", Needed(args, "k", call.k)));
  a.v = Present(args.Floats(3, "v", Needed(args, "v", call.v)));
  a.out = Present(args.Floats(4, "out", Needed(args, "out", call.out)));
  a.mask = ReadMask(args, 5, a);
  a.logsumexp = Present(args.Floats(6, "logsumexp", a.batch * a.heads * a.q_len));
  a.d_out = Present(args.Floats(7, "dOut", Needed(args, "dOut", call.d_out)));
  a.d_q = Present(args.Floats(8, "dQ", Needed(args, "dQ", call.d_q)));
  a.d_k = Present(args.Floats(9, "dK", Needed(args, "dK", call.d_k)));
  a.d_v = Present(args.Floats(10, "dV", Needed(args, "dV", call.d_v)));
  CheckDistinct(args, "dQ", call.d_q);
  CheckDistinct(args, "dK", call.d_k);
  CheckDistinct(args, "dV", call.d_v);
  ReadScaleAndDropout(args, 11, &a);
  Backend& backend = GetBackend(info.Env());
  CheckStatus(info.Env(), "attentionBackward", backend.kernels.attention_backward(a, backend.pool.get()));
}

void RegisterTransformer(Napi::Env env, Napi::Object exports) {
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm, "layerNorm"));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackward, "layerNormBackward"));
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward, "attentionForward"));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward, "attentionBackward"));
}

}  // namespace dendrite::binding
