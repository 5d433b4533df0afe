/**
 * Image batches for the image pictures: the accepted layouts, read into [n, height, width, channels].
 */
import { ShapeError } from '../errors.js';
import { checkIntegerArray, formatShape } from '../validate.js';
import { tensorOf } from './picture.js';

/** Images as [count, height, width, channels] (channels 1 or 3), row-major. */
export interface ImageBatch {
  count: number;
  height: number;
  width: number;
  channels: number;
  values: Float32Array;
}

/**
 * Reads images given as [height, width] (one), [n, height, width], [n, height, width, channels]
 * (channels 1 or 3), or any layout with `shape` ([height, width] or [height, width, channels]) giving
 * each image's shape (rows of 64 pixels with shape [8, 8]).
 */
export function imagesOf(where: string, name: string, value: unknown, shape: unknown): ImageBatch {
  const t = tensorOf(where, name, value);
  let dims: number[];
  if (shape !== undefined) {
    const s = checkIntegerArray(where, 'shape', shape, 1);
    if (s.length !== 2 && s.length !== 3) throw new ShapeError(`${where}: shape must be [height, width] or [height, width, channels], got ${formatShape(s)}`);
    const per = s.reduce((a, b) => a * b, 1);
    if (t.size % per !== 0 || t.size === 0) throw new ShapeError(`${where}: ${name} of shape ${formatShape(t.shape)} does not hold whole images of shape ${formatShape(s)}`);
    dims = [t.size / per, s[0], s[1], s[2] ?? 1];
  } else if (t.rank === 2) dims = [1, t.shape[0], t.shape[1], 1];
  else if (t.rank === 3) dims = [t.shape[0], t.shape[1], t.shape[2], 1];
  else if (t.rank === 4) dims = [...t.shape];
  else throw new ShapeError(`${where}: ${name} must be [height, width], [n, height, width] or [n, height, width, channels] (or give shape), got shape ${formatShape(t.shape)}`);
  if (dims[3] !== 1 && dims[3] !== 3) throw new ShapeError(`${where}: ${name} must have 1 or 3 channels, got ${dims[3]} (shape ${formatShape(t.shape)})`);
  if (dims[0] === 0) throw new ShapeError(`${where}: ${name} holds no images`);
  return { count: dims[0], height: dims[1], width: dims[2], channels: dims[3], values: t.dataSync() as Float32Array };
}
