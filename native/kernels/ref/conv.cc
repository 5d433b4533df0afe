// Reference convolutions: the definition of conv2d, its two gradients and the epilogue, written as
// plain loops over each output element (every term summed in order in float, padding read as 0), the
// oracle the SIMD kernels are tested against. Slow on purpose: no blocking, no threads.
#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace {

// The extent of a dilated kernel along one axis.
int64_t DilatedExtent(int64_t kernel, int64_t dilation) { return (kernel - 1) * dilation + 1; }

bool OutputSizeMatches(int64_t input, int64_t pad_before, int64_t pad_after, int64_t kernel, int64_t stride,
                       int64_t dilation, int64_t output) {
  const int64_t padded = input + pad_before + pad_after;
  const int64_t extent = DilatedExtent(kernel, dilation);
  return padded < extent ? output == 0 : output == (padded - extent) / stride + 1;
}

bool InRange(int64_t value) { return value >= 0 && value <= kMaxGeometry; }

// v = v * scale + shift per channel, then the activation, over one row of `channels` outputs whose
// bias is already added. channel_affine and the ISA epilogues apply exactly these two steps.
Status FinishRow(const ConvEpilogue& e, float* row, int64_t channels) {
  if (e.scale != nullptr) {
    Status status = ChannelAffine(row, 1, channels, e.scale, e.shift, row, nullptr);
    if (status != Status::kOk) return status;
  }
  if (e.activation == UnaryOp::kIdentity) return Status::kOk;
  return Unary(e.activation, e.activation_param, row, row, channels);
}

// The output coordinate whose window puts the tap at offset `tap` (kernel index * dilation) over input
// coordinate `input`: (input + pad - tap) / stride when that divides exactly, else -1 (no window does).
// An exact quotient outside [0, outputs) is returned as is: that window is in the padding.
int64_t WindowOf(int64_t input, int64_t pad, int64_t tap, int64_t stride, bool* exact) {
  const int64_t offset = input + pad - tap;
  const int64_t remainder = ((offset % stride) + stride) % stride;
  *exact = remainder == 0;
  return (offset - remainder) / stride;
}

}  // namespace

bool ConvGeometryIsValid(const ConvGeometry& g) {
  const int64_t values[] = {g.batch, g.in_h, g.in_w, g.in_c, g.out_h, g.out_w, g.out_c, g.kernel_h, g.kernel_w,
                            g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_bottom, g.pad_left,
                            g.pad_right, g.groups};
  for (int64_t value : values) {
    if (!InRange(value)) return false;
  }
  if (g.kernel_h < 1 || g.kernel_w < 1 || g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1 ||
      g.groups < 1) {
    return false;
  }
  if (g.in_c % g.groups != 0 || g.out_c % g.groups != 0) return false;
  return OutputSizeMatches(g.in_h, g.pad_top, g.pad_bottom, g.kernel_h, g.stride_h, g.dilation_h, g.out_h) &&
         OutputSizeMatches(g.in_w, g.pad_left, g.pad_right, g.kernel_w, g.stride_w, g.dilation_w, g.out_w);
}

bool ConvEpilogueIsValid(const ConvEpilogue& e) {
  if (static_cast<int32_t>(e.activation) < 0 || static_cast<int32_t>(e.activation) >= kUnaryOpCount) return false;
  return (e.scale == nullptr) == (e.shift == nullptr);
}

Status Conv2d(const ConvGeometry& g, const float* x, const float* filter, const ConvEpilogue& e, float* y,
              ThreadPool* pool) {
  if (!ConvGeometryIsValid(g) || !ConvEpilogueIsValid(e)) return Status::kInvalidArgument;
  const int64_t group_in = g.in_c / g.groups, group_out = g.out_c / g.groups;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        float* out = y + ((n * g.out_h + oh) * g.out_w + ow) * g.out_c;
        for (int64_t o = 0; o < g.out_c; ++o) {
          const int64_t group = o / group_out;
          float sum = 0.0f;
          for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
            const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
            for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
              const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
              const float* pixel = inside ? x + ((n * g.in_h + ih) * g.in_w + iw) * g.in_c + group * group_in : nullptr;
              const float* taps = filter + (kh * g.kernel_w + kw) * group_in * g.out_c + o;
              for (int64_t c = 0; c < group_in; ++c) sum += (inside ? pixel[c] : 0.0f) * taps[c * g.out_c];
            }
          }
          out[o] = e.bias != nullptr ? sum + e.bias[o] : sum;
        }
        Status status = FinishRow(e, out, g.out_c);
        if (status != Status::kOk) return status;
      }
    }
  }
  return Status::kOk;
}

Status Conv2dBackwardData(const ConvGeometry& g, const float* dy, const float* filter, const ConvEpilogue& e,
                          float* dx, ThreadPool* pool) {
  if (!ConvGeometryIsValid(g) || !ConvEpilogueIsValid(e)) return Status::kInvalidArgument;
  const int64_t group_in = g.in_c / g.groups, group_out = g.out_c / g.groups;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t ih = 0; ih < g.in_h; ++ih) {
      for (int64_t iw = 0; iw < g.in_w; ++iw) {
        float* out = dx + ((n * g.in_h + ih) * g.in_w + iw) * g.in_c;
        for (int64_t c = 0; c < g.in_c; ++c) {
          const int64_t group = c / group_in;
          float sum = 0.0f;
          for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
            bool exact_h;
            const int64_t oh = WindowOf(ih, g.pad_top, kh * g.dilation_h, g.stride_h, &exact_h);
            if (!exact_h) continue;
            for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
              bool exact_w;
              const int64_t ow = WindowOf(iw, g.pad_left, kw * g.dilation_w, g.stride_w, &exact_w);
              if (!exact_w) continue;
              const bool inside = oh >= 0 && oh < g.out_h && ow >= 0 && ow < g.out_w;
              const float* pixel = inside ? dy + ((n * g.out_h + oh) * g.out_w + ow) * g.out_c + group * group_out : nullptr;
              const float* taps = filter + ((kh * g.kernel_w + kw) * group_in + c - group * group_in) * g.out_c + group * group_out;
              for (int64_t o = 0; o < group_out; ++o) sum += (inside ? pixel[o] : 0.0f) * taps[o];
            }
          }
          out[c] = e.bias != nullptr ? sum + e.bias[c] : sum;
        }
        Status status = FinishRow(e, out, g.in_c);
        if (status != Status::kOk) return status;
      }
    }
  }
  return Status::kOk;
}

Status Conv2dBackwardFilter(const ConvGeometry& g, const float* x, const float* dy, float* dfilter, bool accumulate,
                            ThreadPool* pool) {
  if (!ConvGeometryIsValid(g)) return Status::kInvalidArgument;
  const int64_t group_in = g.in_c / g.groups, group_out = g.out_c / g.groups;
  for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
    for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
      for (int64_t c = 0; c < group_in; ++c) {
        float* row = dfilter + ((kh * g.kernel_w + kw) * group_in + c) * g.out_c;
        for (int64_t o = 0; o < g.out_c; ++o) {
          const int64_t channel = o / group_out * group_in + c;
          float sum = 0.0f;
          for (int64_t n = 0; n < g.batch; ++n) {
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
              const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
              for (int64_t ow = 0; ow < g.out_w; ++ow) {
                const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
                const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
                const float value = inside ? x[((n * g.in_h + ih) * g.in_w + iw) * g.in_c + channel] : 0.0f;
                sum += value * dy[((n * g.out_h + oh) * g.out_w + ow) * g.out_c + o];
              }
            }
          }
          row[o] = accumulate ? row[o] + sum : sum;
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace dendrite::ref
