/**
 * Fake quantisation for quantisation-aware training: the forward pass rounds a float tensor to the values its
 * int8 form will have after `dn.quantize` (computed by the same code: the native u8 quantiser for inputs,
 * {@link quantizeKernel} for kernels) and returns them as float32; the backward pass is the straight-through
 * estimator (Bengio et al. 2013; as TensorFlow's fake_quant ops): the gradient passes unchanged where the value
 * lies inside the quantisation range and is zero where it was clipped.
 */
import { recordOp } from '../../autograd/engine.js';
import { binding } from '../../native.js';
import { allocateStorage, makeTensor, type Tensor } from '../../tensor.js';
import { contiguous } from '../../ops/shape.js';
import { quantizeKernel } from './quantize.js';

function values(t: Tensor): Float32Array {
  const c = t.isContiguous ? t : contiguous(t.detach());
  return (c.storage as Float32Array).subarray(0, c.size);
}

/**
 * The input as its u8 quantisation with `scale` and `zeroPoint` sees it: `(clamp(round(x / scale) + zeroPoint,
 * 0, 255) - zeroPoint) * scale`. Gradient: passed through inside [-zeroPoint * scale, (255 - zeroPoint) * scale],
 * zero outside (clipped values do not move with the input).
 */
export function fakeQuantizeInput(x: Tensor, scale: number, zeroPoint: number): Tensor {
  const data = values(x);
  const q = new Uint8Array(data.length);
  binding.int8.quantizeU8(data, data.length, scale, zeroPoint, q);
  const out = allocateStorage('float32', data.length) as Float32Array;
  for (let i = 0; i < q.length; i++) out[i] = (q[i]! - zeroPoint) * scale;
  const lo = -zeroPoint * scale, hi = (255 - zeroPoint) * scale;
  return recordOp('fakeQuantizeInput', makeTensor(out, x.shape), [x], (grad) => {
    const g = values(grad);
    const dx = allocateStorage('float32', g.length) as Float32Array;
    for (let i = 0; i < g.length; i++) dx[i] = data[i]! >= lo && data[i]! <= hi ? g[i]! : 0;
    return [makeTensor(dx, x.shape)];
  });
}

/**
 * A Dense kernel `[inputs, units]` as its symmetric int8 quantisation sees it (one scale per output channel, or
 * one for the kernel): `round(w / s) * s` with s = max |w| / 127, so no weight is clipped. Gradient: the identity.
 */
export function fakeQuantizeKernel(kernel: Tensor, perChannel: boolean): Tensor {
  const [inputs, units] = kernel.shape as [number, number];
  const { kernel: q, scales } = quantizeKernel(values(kernel), inputs, units, perChannel);
  const out = allocateStorage('float32', q.length) as Float32Array;
  for (let i = 0; i < q.length; i++) out[i] = q[i]! * scales[i % units]!;
  return recordOp('fakeQuantizeKernel', makeTensor(out, kernel.shape), [kernel], (grad) => [grad]);
}
