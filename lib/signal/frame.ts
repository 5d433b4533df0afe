/**
 * Framing a signal into overlapping windows (tf.signal.frame) and its adjoint, overlap-add
 * (tf.signal.overlap_and_add). Each is the other's gradient.
 */
import { recordOp } from '../autograd/engine.js';
import { contiguous, gather, pad } from '../ops/shape.js';
import { checkFloat, emptyTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { checkBoolean, checkNumber, checkPositiveInteger, shapeError } from '../validate.js';

/** The number of frames of `length` samples taken every `step` samples from `samples` samples. */
export function frameCount(samples: number, length: number, step: number, padEnd: boolean): number {
  if (padEnd) return Math.ceil(samples / step);
  return samples < length ? 0 : 1 + Math.floor((samples - length) / step);
}

/** int32 indices [frames, length] of frame f, sample j: f * step + j. */
function frameIndices(frames: number, length: number, step: number): Int32Array {
  const ids = new Int32Array(frames * length);
  for (let f = 0; f < frames; f++) for (let j = 0; j < length; j++) ids[f * length + j] = f * step + j;
  return ids;
}

/**
 * Splits the last axis of `signal` into frames of `frameLength` samples, one every `frameStep`
 * samples: `[..., samples]` becomes `[..., frames, frameLength]` (tf.signal.frame with axis -1).
 * Without `padEnd`, frames = 1 + floor((samples - frameLength) / frameStep) (0 if the signal is
 * shorter than a frame); with it, the end is padded with `padValue` so frames = ceil(samples / frameStep).
 * Differentiable (the gradient is the overlap-add of the frames' gradients).
 *
 * ```ts
 * dn.signal.frame(dn.arange(0, 6), 3, 2); // [[0, 1, 2], [2, 3, 4]]
 * ```
 */
export function frame(signal: TensorLike, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor {
  const where = 'frame';
  const input = checkFloat(where, 'signal', toTensor(where, 'signal', signal));
  if (input.rank < 1) shapeError(where, 'signal must have at least one axis (samples), got a scalar');
  checkPositiveInteger(where, 'frameLength', frameLength);
  checkPositiveInteger(where, 'frameStep', frameStep);
  checkBoolean(where, 'padEnd', padEnd);
  checkNumber(where, 'padValue', padValue);
  return frameSignal(input, frameLength, frameStep, padEnd, padValue);
}

/** frame() without the argument checks, for the other signal functions. */
export function frameSignal(input: Tensor, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor {
  const samples = input.shape[input.rank - 1];
  const frames = frameCount(samples, frameLength, frameStep, padEnd);
  let source = input;
  const needed = frames === 0 ? 0 : (frames - 1) * frameStep + frameLength;
  if (needed > samples) {
    const paddings = input.shape.map((): [number, number] => [0, 0]);
    paddings[input.rank - 1] = [0, needed - samples];
    source = pad(input, paddings, padValue);
  }
  if (frames === 0) return emptyTensor([...input.shape.slice(0, -1), 0, frameLength]);
  const indices = new Tensor(frameIndices(frames, frameLength, frameStep), [frames, frameLength]);
  return gather(source, indices, source.rank - 1);
}

/**
 * Adds overlapping frames `[..., frames, frameLength]` placed every `frameStep` samples into one
 * signal `[..., (frames - 1) * frameStep + frameLength]` (tf.signal.overlap_and_add). Differentiable
 * (the gradient frames the output's gradient).
 */
export function overlapAndAdd(frames: TensorLike, frameStep: number): Tensor {
  const where = 'overlapAndAdd';
  const input = checkFloat(where, 'frames', toTensor(where, 'frames', frames));
  if (input.rank < 2) shapeError(where, `frames must be [..., frames, frameLength], got shape [${input.shape.join(', ')}]`);
  checkPositiveInteger(where, 'frameStep', frameStep);
  return overlapAdd(input, frameStep);
}

/** overlapAndAdd() without the argument checks. */
export function overlapAdd(input: Tensor, frameStep: number): Tensor {
  const count = input.shape[input.rank - 2];
  const length = input.shape[input.rank - 1];
  const samples = count === 0 ? 0 : (count - 1) * frameStep + length;
  const outer = input.size === 0 ? 0 : input.size / (count * length);
  const leading = input.shape.slice(0, -2);
  const out = emptyTensor([...leading, samples]);
  const from = contiguous(input.detach()).storage;
  const to = out.storage;
  for (let o = 0; o < outer; o++) {
    for (let f = 0; f < count; f++) {
      const src = (o * count + f) * length;
      const dst = o * samples + f * frameStep;
      for (let j = 0; j < length; j++) to[dst + j] += from[src + j];
    }
  }
  return recordOp('overlapAndAdd', out, [input], (grad) => [frameSignal(grad, length, frameStep)]);
}

/**
 * Pads the last axis by mirroring it about its end samples (numpy.pad's 'reflect': [a b c d] padded
 * by 2 is [c b | a b c d | c b]), repeating the reflection when the padding is longer than the
 * signal. Differentiable (a gather, whose gradient adds the mirrored positions back).
 */
export function reflectPad(input: Tensor, before: number, after: number): Tensor {
  const samples = input.shape[input.rank - 1];
  if (samples === 0) shapeError('reflectPad', 'cannot reflect an empty signal');
  const period = 2 * (samples - 1);
  const ids = new Int32Array(before + samples + after);
  for (let i = 0; i < ids.length; i++) {
    if (period === 0) continue;
    let m = (((i - before) % period) + period) % period;
    if (m >= samples) m = period - m;
    ids[i] = m;
  }
  return gather(input, new Tensor(ids, [ids.length]), input.rank - 1);
}
