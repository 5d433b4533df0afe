// Reference pooling: max and average windows over NHWC images and their gradients, element by element
// (the oracle of the SIMD kernels). Windows are clipped to the image: padding never takes part.
#include <cmath>

#include "kernels/ref/ref.h"

namespace dendrite::ref {

namespace {

bool InRange(int64_t value) { return value >= 0 && value <= kMaxGeometry; }

// The rows (or columns) [begin, end) of input window `index`, clipped to the image.
void WindowBounds(int64_t index, int64_t stride, int64_t pad, int64_t window, int64_t size, int64_t* begin,
                  int64_t* end) {
  const int64_t first = index * stride - pad;
  *begin = first < 0 ? 0 : first;
  *end = first + window < size ? first + window : size;
}

// Calls body(image, out, h0, h1, w0, w1) for every window of every image, in order: `out` is the window's
// first output element (its channel 0), [h0, h1) x [w0, w1) the window clipped to the image.
template <class Body>
void ForEachWindow(const PoolGeometry& g, Body body) {
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      int64_t h0, h1;
      WindowBounds(oh, g.stride_h, g.pad_top, g.window_h, g.in_h, &h0, &h1);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        int64_t w0, w1;
        WindowBounds(ow, g.stride_w, g.pad_left, g.window_w, g.in_w, &w0, &w1);
        body(n, ((n * g.out_h + oh) * g.out_w + ow) * g.channels, h0, h1, w0, w1);
      }
    }
  }
}

}  // namespace

bool PoolGeometryIsValid(PoolKind kind, const PoolGeometry& g) {
  if (static_cast<int32_t>(kind) < 0 || static_cast<int32_t>(kind) >= kPoolCount) return false;
  const int64_t values[] = {g.batch, g.in_h, g.in_w, g.channels, g.out_h, g.out_w, g.window_h, g.window_w,
                            g.stride_h, g.stride_w, g.pad_top, g.pad_bottom, g.pad_left, g.pad_right};
  for (int64_t value : values) {
    if (!InRange(value)) return false;
  }
  if (g.window_h < 1 || g.window_w < 1 || g.stride_h < 1 || g.stride_w < 1) return false;
  // Max pooling's argmax positions are int32.
  if (kind == PoolKind::kMax && g.in_h * g.in_w > kMaxGeometry) return false;
  // Padding smaller than the window keeps every window over at least one pixel.
  if (g.pad_top >= g.window_h || g.pad_bottom >= g.window_h || g.pad_left >= g.window_w || g.pad_right >= g.window_w) {
    return false;
  }
  const int64_t padded_h = g.in_h + g.pad_top + g.pad_bottom, padded_w = g.in_w + g.pad_left + g.pad_right;
  const int64_t out_h = padded_h < g.window_h ? 0 : (padded_h - g.window_h) / g.stride_h + 1;
  const int64_t out_w = padded_w < g.window_w ? 0 : (padded_w - g.window_w) / g.stride_w + 1;
  return g.out_h == out_h && g.out_w == out_w;
}

Status Pool2d(PoolKind kind, const PoolGeometry& g, const float* x, float* y, int32_t* argmax, ThreadPool* pool) {
  if (!PoolGeometryIsValid(kind, g)) return Status::kInvalidArgument;
  const int64_t image_size = g.in_h * g.in_w * g.channels;
  ForEachWindow(g, [&](int64_t n, int64_t out, int64_t h0, int64_t h1, int64_t w0, int64_t w1) {
    const float* image = x + n * image_size;
    for (int64_t c = 0; c < g.channels; ++c) {
      if (kind == PoolKind::kMax) {
        float best = image[(h0 * g.in_w + w0) * g.channels + c];
        int64_t best_at = h0 * g.in_w + w0;
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) {
            const float value = image[(h * g.in_w + w) * g.channels + c];
            // The first maximum wins; NaN counts as the maximum (the first NaN wins).
            if (value > best || (std::isnan(value) && !std::isnan(best))) {
              best = value;
              best_at = h * g.in_w + w;
            }
          }
        }
        y[out + c] = best;
        if (argmax != nullptr) argmax[out + c] = static_cast<int32_t>(best_at);
      } else {
        float sum = 0.0f;
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) sum += image[(h * g.in_w + w) * g.channels + c];
        }
        y[out + c] = sum / static_cast<float>((h1 - h0) * (w1 - w0));
      }
    }
  });
  return Status::kOk;
}

Status Pool2dBackward(PoolKind kind, const PoolGeometry& g, const float* dy, const int32_t* argmax, float* dx,
                      ThreadPool* pool) {
  if (!PoolGeometryIsValid(kind, g)) return Status::kInvalidArgument;
  const bool has_windows = g.batch > 0 && g.out_h > 0 && g.out_w > 0 && g.channels > 0;
  if (kind == PoolKind::kMax && argmax == nullptr && has_windows) return Status::kInvalidArgument;
  const int64_t pixels = g.in_h * g.in_w;
  for (int64_t i = 0; i < g.batch * pixels * g.channels; ++i) dx[i] = 0.0f;
  ForEachWindow(g, [&](int64_t n, int64_t out, int64_t h0, int64_t h1, int64_t w0, int64_t w1) {
    float* image = dx + n * pixels * g.channels;
    for (int64_t c = 0; c < g.channels; ++c) {
      if (kind == PoolKind::kMax) {
        // A position outside the image (a corrupted argmax) is ignored rather than written.
        const int64_t at = argmax[out + c];
        if (at >= 0 && at < pixels) image[at * g.channels + c] += dy[out + c];
      } else {
        const float share = dy[out + c] / static_cast<float>((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) image[(h * g.in_w + w) * g.channels + c] += share;
        }
      }
    }
  });
  return Status::kOk;
}

}  // namespace dendrite::ref
