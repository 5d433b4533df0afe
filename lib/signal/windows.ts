/** Window functions (tf.signal.hann_window / hamming_window). */
import { Tensor } from '../tensor.js';
import { checkBoolean, checkInteger } from '../validate.js';

function cosineWindow(where: string, windowLength: number, periodic: boolean, a: number, b: number): Tensor {
  checkInteger(where, 'windowLength', windowLength, 0, 1 << 28);
  checkBoolean(where, 'periodic', periodic);
  const values = new Float32Array(windowLength);
  if (windowLength === 1) values[0] = 1;
  else {
    // A periodic window is one period of the cosine (the symmetric window of length N + 1 without its
    // last sample), which is what spectral analysis wants; a symmetric one suits filter design.
    const period = periodic ? windowLength : windowLength - 1;
    for (let n = 0; n < windowLength; n++) values[n] = a - b * Math.cos((2 * Math.PI * n) / period);
  }
  return new Tensor(values, [windowLength]);
}

/**
 * The Hann window `0.5 - 0.5 cos(2 pi n / N)` of `windowLength` samples, N = windowLength when
 * `periodic` (the default, as tf.signal.hann_window) and windowLength - 1 otherwise.
 */
export function hannWindow(windowLength: number, periodic = true): Tensor {
  return cosineWindow('hannWindow', windowLength, periodic, 0.5, 0.5);
}

/** The Hamming window `0.54 - 0.46 cos(2 pi n / N)` (see {@link hannWindow} for N and `periodic`). */
export function hammingWindow(windowLength: number, periodic = true): Tensor {
  return cosineWindow('hammingWindow', windowLength, periodic, 0.54, 0.46);
}
