// Elementwise, softmax and reduction ops large enough to be split over the thread pool
// (native/include/dendrite/parallel_kernels.h) give the same bits on 1, 2 and 3 threads, on every ISA,
// forward and backward.
import { Buffer } from 'node:buffer';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { binding } from '../../lib/native.js';

const info = binding.backendInfo();
afterAll(() => {
  binding.setIsa(info.isa);
  binding.setNumThreads(info.threads);
});

/** The results of a fixed set of large ops, with the gradients of a loss built from them. */
function run(): Array<{ name: string; data: Float32Array | Int32Array }> {
  // 300 x 401: 120,300 elements, above the split threshold (2 x 32,768), rows of an odd length.
  const x = dn.rand([300, 401], { seed: 1, low: 0.25, high: 3, requiresGrad: true });
  const bias = dn.rand([401], { seed: 2, low: -1, high: 1 });
  const column = dn.rand([300, 1], { seed: 3, low: -1, high: 1 });
  const results: Record<string, dn.Tensor> = {
    gelu: dn.gelu(x),
    log: dn.log(x),
    exp: dn.exp(x),
    sigmoid: dn.sigmoid(x),
    powScalar: dn.pow(x, 1.7),
    powTensor: dn.pow(x, x.transpose().contiguous().transpose()),
    addBias: dn.add(x, bias),
    mulColumn: dn.mul(x, column),
    transposedSum: dn.add(x.transpose(), x.transpose()),
    affine: x.mul(2).add(1),
    softmax: dn.softmax(x),
    logSoftmax: dn.logSoftmax(x, 0),
    sumRows: dn.sum(x, 1),
    sumColumns: dn.sum(x, 0),
    mean3d: dn.mean(x.reshape([3, 100, 401]), 1),
    max: dn.max(x, 1),
    sumAll: dn.sum(x),
  };
  const loss = dn.add(
    dn.add(results.gelu.mean(), results.logSoftmax.mul(results.softmax).sum()),
    dn.add(results.powScalar.sigmoid().mean(), results.addBias.mul(results.mulColumn).log().mean()),
  );
  loss.backward();
  const out = Object.entries(results).map(([name, t]) => ({ name, data: t.dataSync() }));
  out.push({ name: 'loss', data: loss.dataSync() }, { name: 'x.grad', data: x.grad!.dataSync() });
  return out;
}

function bytes(data: Float32Array | Int32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

describe('ops over the thread pool', () => {
  for (const isa of info.isas) {
    it(`give the same bits on 1, 2 and 3 threads (${isa})`, () => {
      binding.setIsa(isa);
      binding.setNumThreads(1);
      const one = run();
      for (const threads of [2, 3]) {
        binding.setNumThreads(threads);
        const many = run();
        many.forEach((result, i) => {
          expect(result.name).toBe(one[i].name);
          expect(bytes(result.data).equals(bytes(one[i].data)), `${result.name} on ${threads} threads`).toBe(true);
        });
      }
    });
  }
});
